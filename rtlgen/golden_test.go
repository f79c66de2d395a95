package rtlgen

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/rtlgen")

// goldenDesigns are the designs whose generated files are pinned: the
// trained-shape random TFC at two foldings (one padded, with an odd InPix),
// a pipelined compressor-tree xc7 design, a w1a2 network and an 8-bit-input
// network with k-bit weights (every lane kind and both modes), a small
// conv network (conv -> pool -> conv -> dense: window generators, a pool
// and width converters), and the sequence designs (seqDesigns: token
// input, lstm stage, projection).
func goldenDesigns(t *testing.T) []struct {
	name string
	p    *hw.Plan
} {
	t.Helper()
	tfc, err := netlist.Load("../testdata/random-tfc-w1a1.json")
	if err != nil {
		t.Fatal(err)
	}
	random := func(seed uint64, cfg netlist.RandomConfig) *netlist.Network {
		n, err := netlist.Random(rand.New(rand.NewPCG(seed, 7)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	w1a2 := random(1, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 8, W: 8}, InputBits: 1, Hidden: []int{40, 24}, Classes: 10, ActBits: []int{2, 2}})
	in8 := random(2, netlist.RandomConfig{Input: netlist.Shape{C: 3, H: 4, W: 5}, InputBits: 8, Hidden: []int{20}, Classes: 6, WeightBits: []int{2, 3}, ActBits: []int{3}})
	conv := &netlist.Network{Name: "conv-small", Layers: []netlist.Layer{
		&netlist.Input{Name: "input", Shape: netlist.Shape{C: 2, H: 8, W: 8}, Bits: 1},
		&netlist.Conv2D{Name: "conv0", OutC: 4, KH: 3, KW: 3, Stride: 1, Pad: netlist.Symmetric(1)},
		&netlist.Threshold{Name: "act0", Bits: 1},
		&netlist.MaxPool{Name: "pool0", K: 2, Stride: 2},
		&netlist.Conv2D{Name: "conv1", OutC: 6, KH: 3, KW: 3, Stride: 1, WeightBits: 2},
		&netlist.Threshold{Name: "act1", Bits: 2},
		&netlist.Dense{Name: "fc0", Out: 5},
		&netlist.Output{Name: "scores"},
	}}
	if err := netlist.Randomize(rand.New(rand.NewPCG(3, 7)), conv); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		n    *netlist.Network
		opt  hw.Options
	}{
		{"tfc-target64", tfc, hw.Options{TargetCycles: 64}},
		{"tfc-padded", tfc, hw.Options{Folds: []hw.Fold{{PE: 7, SIMD: 50}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 4, SIMD: 16}}, InPix: 13}},
		{"tfc-tree-xc7", tfc, hw.Options{TargetCycles: 256, Popcount: hw.PopcountTree, PipelineEvery: 2, Target: hw.TargetXC7}},
		{"w1a2-target32", w1a2, hw.Options{TargetCycles: 32, Target: hw.TargetXC7}},
		{"in8-w2w3-target8", in8, hw.Options{TargetCycles: 8}},
		{"conv-small", conv, hw.Options{Folds: []hw.Fold{{PE: 2, SIMD: 2, Layer: "conv0"}, {PE: 3, SIMD: 4, Layer: "conv1"}, {PE: 5, SIMD: 6, Layer: "fc0"}}}},
	}
	var out []struct {
		name string
		p    *hw.Plan
	}
	for _, c := range cases {
		p, err := hw.NewPlan(c.n, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out = append(out, struct {
			name string
			p    *hw.Plan
		}{c.name, p})
	}
	return append(out, seqDesigns(t)...)
}

// TestGoldenDesigns pins every generated file of the golden designs: the
// top module's text, the plan dump, and the SHA-256 of every other file
// (library modules, trees, memory files, README, netlist). Refresh with
// go test ./rtlgen -run TestGoldenDesigns -update and review the diff; a
// refactor of hw, rtlgen or sim must leave them unchanged.
func TestGoldenDesigns(t *testing.T) {
	for _, d := range goldenDesigns(t) {
		t.Run(d.name, func(t *testing.T) {
			files, err := Files(d.p, Options{Version: "golden"})
			if err != nil {
				t.Fatal(err)
			}
			names := make([]string, 0, len(files))
			for name := range files {
				names = append(names, name)
			}
			sort.Strings(names)
			var sums strings.Builder
			for _, name := range names {
				fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(files[name]), name)
			}
			got := map[string]string{
				"qnn_top.v":    string(files[RTLDir+"/"+DefaultTop+".v"]),
				"plan.txt":     d.p.Dump(),
				"files.sha256": sums.String(),
			}
			dir := filepath.Join("..", "testdata", "rtlgen", d.name)
			for _, name := range []string{"qnn_top.v", "plan.txt", "files.sha256"} {
				path := filepath.Join(dir, name)
				if *update {
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got[name]), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./rtlgen -run TestGoldenDesigns -update)", err)
				}
				if diff := cmp.Diff(string(want), got[name]); diff != "" {
					t.Errorf("%s/%s changed (-golden +now):\n%s", d.name, name, diff)
				}
			}
		})
	}
}
