package verilator_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/verilator"
)

// randomConvNetwork draws a small convolutional network (1..2 conv blocks:
// kernels 1..3, strides 1..2, any side padded or not, 1- or k-bit weights
// and activations, some followed by a non-overlapping max-pool; then 0..1
// dense layers and the scores), randomized, with a random folding: PE up to
// min(MH, 6), SIMD up to 8 (a divisor of the input channels for conv
// layers); a third with compressor and lane trees. Sizes are kept small so
// that a Verilator build takes seconds.
func randomConvNetwork(t *testing.T, rng *rand.Rand, id int) (*netlist.Network, hw.Options) {
	t.Helper()
	for {
		n := randomConvSkeleton(rng, id)
		if err := netlist.Randomize(rng, n); err != nil {
			continue // a skeleton Randomize cannot complete
		}
		var opt hw.Options
		if rng.IntN(3) == 0 {
			opt.Popcount, opt.PipelineEvery, opt.Target = hw.PopcountTree, rng.IntN(3), hw.TargetXC7
		}
		vals, err := netlist.Values(n)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range n.Layers {
			var mw, mh int
			switch l := l.(type) {
			case *netlist.Conv2D:
				mw, mh = l.InC, l.OutC
			case *netlist.Dense:
				mw, mh = vals[i-1].Shape.Size(), l.Out
			default:
				continue
			}
			f := hw.Fold{PE: 1 + rng.IntN(min(mh, 6)), SIMD: 1 + rng.IntN(min(mw, 8)), Layer: l.LayerName()}
			if _, conv := l.(*netlist.Conv2D); conv {
				for mw%f.SIMD != 0 {
					f.SIMD--
				}
			}
			opt.Folds = append(opt.Folds, f)
		}
		if _, err := hw.NewPlan(n, opt); err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		return n, opt
	}
}

// randomConvSkeleton is the layer list of randomConvNetwork, before
// Randomize.
func randomConvSkeleton(rng *rand.Rand, id int) *netlist.Network {
	in := &netlist.Input{Name: "input", Shape: netlist.Shape{C: 1 + rng.IntN(3), H: 3 + rng.IntN(6), W: 3 + rng.IntN(6)}, Bits: []int{1, 8}[rng.IntN(2)]}
	n := &netlist.Network{Name: fmt.Sprintf("conv%d", id), Layers: []netlist.Layer{in}}
	h, w := in.Shape.H, in.Shape.W
	bits := func() int { return []int{1, 1, 2, 3}[rng.IntN(4)] }
	for b := range 1 + rng.IntN(2) {
		c := &netlist.Conv2D{Name: fmt.Sprintf("conv%d", b), OutC: 1 + rng.IntN(6), KH: 1 + rng.IntN(min(3, h)),
			KW: 1 + rng.IntN(min(3, w)), Stride: 1 + rng.IntN(2), WeightBits: bits()}
		side := func(k int) int {
			if k == 1 || rng.IntN(2) == 0 {
				return 0
			}
			return rng.IntN(k)
		}
		c.Pad = netlist.Padding{Top: side(c.KH), Bottom: side(c.KH), Left: side(c.KW), Right: side(c.KW)}
		s := c.OutShape(h, w)
		n.Layers = append(n.Layers, c, &netlist.Threshold{Name: fmt.Sprintf("act%d", b), Bits: bits()})
		h, w = s.H, s.W
		if pk := 1 + rng.IntN(2); rng.IntN(2) == 0 && h >= pk && w >= pk {
			p := &netlist.MaxPool{Name: fmt.Sprintf("pool%d", b), K: pk, Stride: pk + rng.IntN(2)}
			n.Layers = append(n.Layers, p)
			s := p.OutShape(netlist.Shape{C: 1, H: h, W: w})
			h, w = s.H, s.W
		}
		if h < 2 || w < 2 {
			break
		}
	}
	if rng.IntN(2) == 0 {
		n.Layers = append(n.Layers, &netlist.Dense{Name: "fc0", Out: 1 + rng.IntN(12), WeightBits: bits()},
			&netlist.Threshold{Name: "fcact0", Bits: bits()})
	}
	n.Layers = append(n.Layers, &netlist.Dense{Name: "fcout", Out: 2 + rng.IntN(7), WeightBits: bits()}, &netlist.Output{Name: "scores"})
	return n
}

// convCosim generates count random conv designs and co-simulates each
// against sim, 3 frames without stalls and 3 with stalls 0.5/0.5.
func convCosim(t *testing.T, seed uint64, count int, sim string) {
	rng := rand.New(rand.NewPCG(seed, 11))
	kinds := map[string]int{}
	defer func() { t.Logf("stages of the %d designs: %v", count, kinds) }()
	for i := range count {
		n, opt := randomConvNetwork(t, rng, i)
		frames := 3
		px := randomPixels(rng, frames*n.InputLayer().Shape.Size())
		t.Run(fmt.Sprintf("net%02d", i), func(t *testing.T) {
			d := generate(t, n, opt)
			t.Logf("%s", strings.ReplaceAll(d.Plan.Dump(), "\n", "\n\t"))
			for _, s := range d.Plan.Stages {
				kinds[string(s.Kind)]++
				if s.Kind == hw.StageMVTU && s.MVTU.Tree {
					kinds["mvtu-tree"]++
				}
			}
			if d.Plan.Input.Bits == 8 {
				kinds["8-bit-input"]++
			}
			cosim(t, d, px, frames, verilator.Options{Simulator: sim, QuickBuild: true})
			cosim(t, d, px, frames, verilator.Options{Simulator: sim, QuickBuild: true, StallIn: 0.5, StallOut: 0.5, Seed: uint64(i)})
			if _, err := exec.LookPath("verilator"); err == nil && sim == verilator.Icarus {
				if err := verilator.Lint(context.Background(), d.Dir, ""); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestConvNetworksIcarus: random conv designs through Icarus, cycle for
// cycle against sim, without and with stalls; each also linted (-Wall).
func TestConvNetworksIcarus(t *testing.T) {
	needTool(t, "iverilog")
	convCosim(t, 2027, 6, verilator.Icarus)
}

// TestConvNetworksVerilator: random conv designs through Verilator (one
// build each), cycle for cycle against sim, without and with stalls; 15
// designs, 3 with -short.
func TestConvNetworksVerilator(t *testing.T) {
	needTool(t, "verilator")
	count := 15
	if testing.Short() {
		count = 3
	}
	convCosim(t, 2026, count, verilator.Verilator)
}

// TestConvMismatchReported: a conv design whose window generator pads
// with the wrong element must be caught by Icarus, and so must one whose
// line buffer has KH rows instead of the plan's (the same windows, later:
// a cycle mismatch).
func TestConvMismatchReported(t *testing.T) {
	needTool(t, "iverilog")
	n := &netlist.Network{Name: "conv-broken", Layers: []netlist.Layer{
		&netlist.Input{Name: "input", Shape: netlist.Shape{C: 2, H: 6, W: 6}, Bits: 1},
		&netlist.Conv2D{Name: "conv0", OutC: 4, KH: 3, KW: 3, Stride: 1, Pad: netlist.Symmetric(1)},
		&netlist.Threshold{Name: "act0", Bits: 1},
		&netlist.Dense{Name: "fc0", Out: 5},
		&netlist.Output{Name: "scores"},
	}}
	if err := netlist.Randomize(rand.New(rand.NewPCG(5, 5)), n); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	px := randomPixels(rng, 4*n.InputLayer().Shape.Size())
	// The window generator is the bottleneck (9 cycles per window for
	// both), so a slower one shows.
	opt := hw.Options{Folds: []hw.Fold{{PE: 4, SIMD: 2}, {PE: 5, SIMD: 16}}}
	for _, c := range []struct {
		name, param string
		with        func(g *hw.SWGStage) int64
	}{
		{"pad element", "PadElem", func(g *hw.SWGStage) int64 { return 1 - g.PadElem }},
		{"rows", "Rows", func(g *hw.SWGStage) int64 { return int64(g.KH) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := generate(t, n, opt)
			g := d.Plan.Stages[1].SWG
			if g == nil || g.Rows <= g.KH || d.Plan.CyclesPerFrame != g.CyclesPerFrame() {
				t.Fatalf("stage 1 is not a window generator with rows to spare that is the bottleneck: %+v", d.Plan.Stages[1])
			}
			with := fmt.Sprint(c.with(g))
			path := filepath.Join(d.Dir, "rtl", "qnn_top.v")
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(`\.` + c.param + ` +\(\d+\)`)
			if len(re.FindAll(src, -1)) != 1 {
				t.Fatalf("want one %s parameter in qnn_top.v", c.param)
			}
			src = re.ReplaceAll(src, []byte("."+c.param+" ("+with+")"))
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = verilator.Cosim(context.Background(), d, px, 4, verilator.Options{Simulator: verilator.Icarus})
			var mm *verilator.Mismatch
			if !errors.As(err, &mm) {
				t.Fatalf("got %v, want a mismatch", err)
			}
			t.Logf("%v", err)
		})
	}
}
