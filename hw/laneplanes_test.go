package hw

import (
	"math/rand/v2"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// TestLaneTreePlaneCap: with the compressor-tree popcount, a w1 layer on
// 2-bit activations (2 planes per lane) gets a lane-product tree, while a w1
// layer on 8-bit pixels (8 planes, over MaxLanePlanes) keeps the signed
// adder tree.
func TestLaneTreePlaneCap(t *testing.T) {
	n, err := netlist.Random(rand.New(rand.NewPCG(4, 4)), netlist.RandomConfig{
		Input: netlist.Shape{C: 1, H: 8, W: 8}, InputBits: 8, Hidden: []int{64}, Classes: 10, ActBits: []int{2},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(n, Options{Folds: []Fold{{PE: 4, SIMD: 32}, {PE: 2, SIMD: 32}}, Popcount: PopcountTree, Target: TargetXC7})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, true} {
		l := p.Layers[i]
		if l.Kind != KindW1 {
			t.Fatalf("layer %d: kind %s, want w1", i, l.Kind)
		}
		if l.LaneTree() != want {
			t.Errorf("layer %d (%d-bit input, %d planes per lane): lane tree %v, want %v", i, l.XBits, l.PopcountOptions().Planes(), l.LaneTree(), want)
		}
	}
}
