package hw

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

// randomFoldNet is a small random network for the folding search: a conv
// stack (1..2 blocks, kernels 1..3, strides 1..2, optional padding and
// max-pools) with 0..1 hidden dense layers, or (one in three) an MLP.
func randomFoldNet(rng *rand.Rand) *netlist.Network {
	bits := func() int { return []int{1, 1, 2}[rng.IntN(3)] }
	if rng.IntN(3) == 0 {
		cfg := netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 2 + rng.IntN(6), W: 2 + rng.IntN(6)}, InputBits: 1, Classes: 2 + rng.IntN(9)}
		for range 1 + rng.IntN(2) {
			cfg.Hidden, cfg.ActBits = append(cfg.Hidden, 1+rng.IntN(40)), append(cfg.ActBits, bits())
		}
		for range len(cfg.Hidden) + 1 {
			cfg.WeightBits = append(cfg.WeightBits, bits())
		}
		n, err := netlist.Random(rng, cfg)
		if err != nil {
			panic(err)
		}
		return n
	}
	in := &netlist.Input{Name: "input", Shape: netlist.Shape{C: 1 + rng.IntN(4), H: 4 + rng.IntN(6), W: 4 + rng.IntN(6)}, Bits: []int{1, 8}[rng.IntN(2)]}
	n := &netlist.Network{Name: "foldnet", Layers: []netlist.Layer{in}}
	h, w := in.Shape.H, in.Shape.W
	for b := range 1 + rng.IntN(2) {
		k := 1 + rng.IntN(min(3, h, w))
		c := &netlist.Conv2D{Name: fmt.Sprintf("conv%d", b), OutC: 1 + rng.IntN(12), KH: k, KW: k, Stride: 1 + rng.IntN(2), WeightBits: bits()}
		if k > 1 && rng.IntN(2) == 0 {
			c.Pad = netlist.Padding{Top: 1, Bottom: 1, Left: 1, Right: 1}
		}
		s := c.OutShape(h, w)
		h, w = s.H, s.W
		n.Layers = append(n.Layers, c, &netlist.Threshold{Name: fmt.Sprintf("act%d", b), Bits: bits()})
		if rng.IntN(3) == 0 && h >= 2 && w >= 2 {
			n.Layers = append(n.Layers, &netlist.MaxPool{Name: fmt.Sprintf("pool%d", b), K: 2, Stride: 2})
			h, w = h/2, w/2
		}
	}
	if rng.IntN(2) == 0 {
		n.Layers = append(n.Layers, &netlist.Dense{Name: "fc0", Out: 1 + rng.IntN(20), WeightBits: bits()}, &netlist.Threshold{Name: "fcact0", Bits: bits()})
	}
	return appendScores(n, bits())
}

func appendScores(n *netlist.Network, wbits int) *netlist.Network {
	n.Layers = append(n.Layers, &netlist.Dense{Name: "fcout", Out: 2, WeightBits: wbits}, &netlist.Output{Name: "scores"})
	return n
}

// randomFoldCase is a randomized network and plan options (a third with
// compressor and lane trees, one in five without padding).
func randomFoldCase(t *testing.T, rng *rand.Rand) (*netlist.Network, Options) {
	t.Helper()
	for {
		n := randomFoldNet(rng)
		if netlist.Randomize(rng, n) != nil {
			continue
		}
		var opt Options
		if rng.IntN(3) == 0 {
			opt.Popcount, opt.PipelineEvery, opt.Target = PopcountTree, rng.IntN(2), TargetXC7
		}
		opt.NoPad = rng.IntN(5) == 0
		return n, opt
	}
}

// candidatePlans builds the plan of every candidate target's folding, in
// ascending target (the search space of Options.MaxLUTs).
func candidatePlans(t *testing.T, n *netlist.Network, opt Options) []*Plan {
	t.Helper()
	pre, err := prepare(n, &opt)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Plan
	for _, c := range pre.targetCandidates(opt.TargetCycles, opt.NoPad, opt.InPix) {
		p, err := pre.build(autoFolds(pre.specs, c, opt.NoPad), opt, nil)
		if err == nil {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no candidate plan", n.Name)
	}
	return out
}

// fastest is the plan with the fewest cycles among those within maxLUTs,
// ties to the smaller estimate (nil if none fits).
func fastest(ps []*Plan, maxLUTs int) *Plan {
	var best *Plan
	for _, p := range ps {
		if p.Estimate.LUT > maxLUTs {
			continue
		}
		if best == nil || p.CyclesPerFrame < best.CyclesPerFrame ||
			(p.CyclesPerFrame == best.CyclesPerFrame && p.Estimate.LUT < best.Estimate.LUT) {
			best = p
		}
	}
	return best
}

func foldsOf(p *Plan) []Fold {
	var f []Fold
	for _, l := range p.Layers {
		f = append(f, Fold{PE: l.PE, SIMD: l.SIMD})
	}
	return f
}

// TestMaxLUTs: on random conv and dense networks, for budgets between the
// smallest and the largest candidate estimate, the chosen plan's estimate
// fits, it has the fewest cycles of every candidate that fits (ties: the
// smallest estimate), its cycles never rise with the budget, and below the
// smallest estimate the error names the budget and that estimate.
func TestMaxLUTs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 7))
	for id := range 40 {
		n, opt := randomFoldCase(t, rng)
		ps := candidatePlans(t, n, opt)
		lo, hi := ps[0].Estimate.LUT, ps[0].Estimate.LUT
		for _, p := range ps {
			lo, hi = min(lo, p.Estimate.LUT), max(hi, p.Estimate.LUT)
		}
		budgets := []int{lo, hi, lo + rng.IntN(hi-lo+1), lo + rng.IntN(hi-lo+1), lo + rng.IntN(hi-lo+1)}
		slices.Sort(budgets)
		prev := 0
		for _, b := range budgets {
			o := opt
			o.MaxLUTs = b
			p, err := NewPlan(n, o)
			if err != nil {
				t.Fatalf("case %d %s, %d LUTs: %v", id, n.Name, b, err)
			}
			want := fastest(ps, b)
			if p.Estimate.LUT > b || p.CyclesPerFrame != want.CyclesPerFrame || p.Estimate.LUT != want.Estimate.LUT {
				t.Fatalf("case %d %s, %d LUTs: chose %v, %d cycles, %d LUTs; the fastest candidate within is %v, %d cycles, %d LUTs",
					id, n.Name, b, foldsOf(p), p.CyclesPerFrame, p.Estimate.LUT, foldsOf(want), want.CyclesPerFrame, want.Estimate.LUT)
			}
			if b == hi { // the search's cached layers build the plan the folding builds on its own
				e := opt
				e.Folds = foldsOf(p)
				q, err := NewPlan(n, e)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(q.Dump(), p.Dump()); diff != "" {
					t.Fatalf("case %d %s: the searched plan differs from its folding's (-folding +search):\n%s", id, n.Name, diff)
				}
			}
			if prev > 0 && p.CyclesPerFrame > prev {
				t.Fatalf("case %d %s: %d LUTs gives %d cycles, more than a smaller budget's %d", id, n.Name, b, p.CyclesPerFrame, prev)
			}
			prev = p.CyclesPerFrame
		}
		o := opt
		o.MaxLUTs = lo - 1
		_, err := NewPlan(n, o)
		if wantMsg := fmt.Sprintf("fits in %d LUTs: the smallest estimate is %d LUTs", lo-1, lo); err == nil || !strings.Contains(err.Error(), wantMsg) ||
			strings.Contains(err.Error(), "\n") {
			t.Fatalf("case %d %s, %d LUTs: error %v, want one line with %q", id, n.Name, lo-1, err, wantMsg)
		}
	}
}

// TestTargetCandidatesComplete: every target from the floor to past the
// slowest layer's cost folds (autoFolds) to the folding of some candidate
// target, so the MaxLUTs search sees every balanced auto folding.
func TestTargetCandidatesComplete(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for id := range 80 {
		n, opt := randomFoldCase(t, rng)
		if id%4 == 0 { // a strided 1x1 conv: its window generator's input dominates its cost
			n = appendScores(&netlist.Network{Name: "strided", Layers: []netlist.Layer{
				&netlist.Input{Name: "input", Shape: netlist.Shape{C: 4, H: 6 + rng.IntN(6), W: 6 + rng.IntN(6)}, Bits: 8},
				&netlist.Conv2D{Name: "conv0", OutC: 1 + rng.IntN(12), KH: 1, KW: 1, Stride: 2 + rng.IntN(2)},
				&netlist.Threshold{Name: "act0", Bits: 1}}}, 1)
			if err := netlist.Randomize(rng, n); err != nil {
				t.Fatal(err)
			}
		}
		pre, err := prepare(n, &opt)
		if err != nil {
			t.Fatal(err)
		}
		cands := pre.targetCandidates(0, opt.NoPad, 0)
		have := map[string]bool{}
		for _, c := range cands {
			have[fmt.Sprint(autoFolds(pre.specs, c, opt.NoPad))] = true
		}
		top := cands[len(cands)-1]
		for target := cands[0]; target <= top+2; target++ {
			if f := autoFolds(pre.specs, target, opt.NoPad); !have[fmt.Sprint(f)] {
				t.Fatalf("case %d %s: target %d folds to %v, which no candidate target gives", id, n.Name, target, f)
			}
		}
	}
}

// TestBalancedTarget: a target below the fastest rate the network can run
// at (CNV's first conv layer: 30x30 pixels of 9 beats at SIMD 3, 8,100
// cycles) folds every layer to that rate: the same cycles per frame as
// folding each layer to the target, with fewer LUTs; and on random
// networks balancing never costs cycles and, at a target above the floor,
// changes nothing.
func TestBalancedTarget(t *testing.T) {
	cnv := randomCNV(t, 1, 1)
	raw := func(n *netlist.Network, opt Options) *Plan {
		pre, err := prepare(n, &opt)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pre.build(autoFolds(pre.specs, opt.TargetCycles, opt.NoPad), opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	bal, err := NewPlan(cnv, Options{TargetCycles: 1024})
	if err != nil {
		t.Fatal(err)
	}
	unbal := raw(cnv, Options{TargetCycles: 1024})
	if bal.CyclesPerFrame != 8100 || unbal.CyclesPerFrame != 8100 || bal.Estimate.LUT >= unbal.Estimate.LUT {
		t.Errorf("CNV at 1024: balanced %d cycles %d LUTs, per layer %d cycles %d LUTs; want 8100 cycles both, fewer LUTs balanced",
			bal.CyclesPerFrame, bal.Estimate.LUT, unbal.CyclesPerFrame, unbal.Estimate.LUT)
	}
	rng := rand.New(rand.NewPCG(5, 9))
	for id := range 60 {
		n, opt := randomFoldCase(t, rng)
		opt.TargetCycles = 1 + rng.IntN(300)
		b, err := NewPlan(n, opt)
		if err != nil {
			t.Fatal(err)
		}
		u := raw(n, opt)
		if b.CyclesPerFrame > u.CyclesPerFrame {
			t.Fatalf("case %d %s at %d: balanced %d cycles, per layer %d", id, n.Name, opt.TargetCycles, b.CyclesPerFrame, u.CyclesPerFrame)
		}
	}
}

// BenchmarkMaxLUTsCNV is the LUT-bounded search on CNV-w1a1 (random
// parameters): 30,000 LUTs stops early, 12,000 walks further.
func BenchmarkMaxLUTsCNV(b *testing.B) {
	cnv := netlist.CNV(1, 1)
	if err := netlist.Randomize(rand.New(rand.NewPCG(11, 3)), cnv); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{30000, 12000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var sink *Plan
			for range b.N {
				p, err := NewPlan(cnv, Options{MaxLUTs: n, Popcount: PopcountTree, Target: TargetXC7})
				if err != nil {
					b.Fatal(err)
				}
				sink = p
			}
			_ = sink
		})
	}
}
