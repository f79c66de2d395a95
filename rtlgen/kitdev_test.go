package rtlgen_test

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
)

func TestKitDev(t *testing.T) {
	dir := os.Getenv("KITDEV")
	if dir == "" {
		t.Skip()
	}
	n, err := netlist.Random(rand.New(rand.NewPCG(1, 2)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 6, W: 7},
		InputBits: 1, Hidden: []int{16}, Classes: 5})
	if err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: []hw.Fold{{PE: 4, SIMD: 7}, {PE: 2, SIMD: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rtlgen.Generate(p, dir, rtlgen.Options{Version: "dev", Force: true}); err != nil {
		t.Fatal(err)
	}
}
