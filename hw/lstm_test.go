package hw

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

// TestLSTMFunctional: for random LSTMs (2..8-bit weights and activations,
// sizes not multiples of SIMD or U, explicit and automatic foldings) and
// streams of several sequences, the plan's functional model gives the
// netlist's hidden state and scores at every token (ReferenceSequence,
// each sequence from the reset state).
func TestLSTMFunctional(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 3))
	padded, varied := 0, 0
	const models = 40
	for m := range models {
		cfg := netlist.RandomLSTMConfig{Vocab: 2 + rng.IntN(12), Dim: 1 + rng.IntN(13), Hidden: []int{1 + rng.IntN(13)},
			WeightBits: 2 + rng.IntN(7), ActBits: 2 + rng.IntN(7), OutWeightBits: 1 + rng.IntN(8)}
		n := seqNet(t, rng, cfg)
		d, h := cfg.Dim, cfg.Hidden[0]
		hiddenMVTU := m%4 == 3
		if hiddenMVTU {
			insertDense(t, rng, n, 1+rng.IntN(9))
		}
		seen := map[int64]bool{}
		for f := range 4 {
			opt := Options{TargetCycles: rng.IntN(120)}
			if f > 0 {
				lf := Fold{Layer: "lstm0", PE: 4 * (1 + rng.IntN(nextPow2(h))), SIMD: 1 + rng.IntN(nextPow2(max(d, h)))}
				opt = Options{Folds: []Fold{lf}}
				for _, l := range n.Layers {
					if dl, ok := l.(*netlist.Dense); ok {
						opt.Folds = append(opt.Folds, Fold{Layer: dl.Name, PE: 1 + rng.IntN(dl.Out), SIMD: 1 + rng.IntN(dl.In)})
					}
				}
			}
			if rng.IntN(2) == 0 { // lane trees for the MVTUs, none for the lstm stage
				opt.Popcount, opt.PipelineEvery = PopcountTree, rng.IntN(3)
			}
			p, err := NewPlan(n, opt)
			if err != nil {
				t.Fatalf("model %d fold %d: %v", m, f, err)
			}
			s := p.LSTM()
			if d%s.SIMD != 0 || h%s.SIMD != 0 || h%s.U != 0 {
				padded++
			}
			if l := p.Layers[0]; l.InWidth != s.U || l.InBeats != s.NF {
				t.Fatalf("model %d: projection reads %d x %d, the lstm writes %d x %d", m, l.InWidth, l.InBeats, s.U, s.NF)
			}
			seqs, stream, last := randomStream(rng, cfg.Vocab)
			hidden, scores := hwSequence(t, p, stream, last)
			k := 0
			for _, seq := range seqs {
				ref, err := netlist.ReferenceSequence(n, seq)
				if err != nil {
					t.Fatal(err)
				}
				for i := range seq {
					want := ref.Outs[i]
					got := make([]int64, h)
					for j, lv := range hidden[k] {
						got[j] = s.Base + lv
						seen[got[j]] = true
					}
					if diff := cmp.Diff(want[1], got); diff != "" {
						t.Fatalf("model %d (%+v) fold PE %d SIMD %d token %d: hidden (-netlist +plan):\n%s", m, cfg, s.PE, s.SIMD, k, diff)
					}
					if diff := cmp.Diff(want[len(want)-1], scores[k]); diff != "" {
						t.Fatalf("model %d fold PE %d SIMD %d token %d: scores (-netlist +plan):\n%s", m, s.PE, s.SIMD, k, diff)
					}
					k++
				}
			}
		}
		if len(seen) > 1 {
			varied++
		}
	}
	// The comparison means something: most foldings pad, most models' hidden
	// states vary.
	if padded < models || varied < models/2 {
		t.Errorf("%d of %d plans padded, %d of %d models with a varying hidden state", padded, 4*models, varied, models)
	}
}

// TestLSTMSchedule: the schedule's latency is the closed form of
// docs/lstm-hardware.md, 1 + the lstm stage's cycles per token + each
// MVTU's NF*SF + MVTUPipeline + PipeDepth, and the cycles per token the
// slowest stage's.
func TestLSTMSchedule(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for range 30 {
		cfg := netlist.RandomLSTMConfig{Vocab: 2 + rng.IntN(40), Dim: 1 + rng.IntN(20), Hidden: []int{1 + rng.IntN(20)},
			WeightBits: 2 + rng.IntN(7), ActBits: 2 + rng.IntN(3), OutWeightBits: 2}
		n := seqNet(t, rng, cfg)
		h := cfg.Hidden[0]
		lf := Fold{PE: 4 * (1 + rng.IntN(h)), SIMD: 1 + rng.IntN(max(cfg.Dim, h))}
		p, err := NewPlan(n, Options{Folds: []Fold{lf, {PE: 1 + rng.IntN(cfg.Vocab), SIMD: 1 + rng.IntN(h)}}})
		if err != nil {
			t.Fatal(err)
		}
		s, l := p.LSTM(), p.Layers[0]
		nf, sf := ceilDiv(h, lf.PE/4), ceilDiv(cfg.Dim, lf.SIMD)+ceilDiv(h, lf.SIMD)
		if s.Cycles != nf*sf+5 {
			t.Errorf("lstm %+v: %d cycles per token, want NF*SF+5 = %d", lf, s.Cycles, nf*sf+5)
		}
		want := 1 + s.Cycles + l.Cycles + MVTUPipeline + l.PipeDepth
		if p.Latency != want || p.CyclesPerFrame != max(s.Cycles, l.Cycles, p.Output.Beats) {
			t.Errorf("lstm %+v, proj %d cycles: latency %d (want %d), cycles/token %d", lf, l.Cycles, p.Latency, want, p.CyclesPerFrame)
		}
		var kinds []StageKind
		for _, st := range p.Stages {
			kinds = append(kinds, st.Kind)
		}
		if diff := cmp.Diff([]StageKind{StageTokens, StageLSTM, StageMVTU, StageOutput}, kinds); diff != "" {
			t.Errorf("stages (-want +got):\n%s", diff)
		}
	}
}

// TestLSTMAutoFold: the lstm stage's automatic folding is the best of all
// foldings by the documented key, and balanced plans meet their target
// raised to the lstm stage's least cost.
func TestLSTMAutoFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 40 {
		cfg := netlist.RandomLSTMConfig{Vocab: 2 + rng.IntN(30), Dim: 1 + rng.IntN(24), Hidden: []int{1 + rng.IntN(24)},
			WeightBits: 2, ActBits: 2, OutWeightBits: 2}
		n := seqNet(t, rng, cfg)
		d, h := cfg.Dim, cfg.Hidden[0]
		target, noPad := rng.IntN(200), rng.IntN(2) == 0
		pre, err := prepare(n, &Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := pre.lstm.autoFold(target, noPad), bruteLSTMFold(d, h, target, noPad); got != want {
			t.Errorf("D %d H %d target %d noPad %v: autoFold %+v, brute force %+v", d, h, target, noPad, got, want)
		}
		p, err := NewPlan(n, Options{TargetCycles: target, NoPad: noPad})
		if err != nil {
			t.Fatal(err)
		}
		if floor := max(target, 7); target > 0 && (p.LSTM().Cycles > max(floor, pre.lstm.leastCostNoPad(noPad)) || p.Layers[0].Cycles > floor) {
			t.Errorf("D %d H %d target %d: lstm %d, proj %d cycles", d, h, target, p.LSTM().Cycles, p.Layers[0].Cycles)
		}
	}
}

// leastCostNoPad is the fewest cycles per token of the foldings noPad
// allows.
func (ls *lstmSpec) leastCostNoPad(noPad bool) int {
	c := ls.leastCost()
	if noPad {
		c = ls.base.cost(ls.autoFold(1, true))
	}
	return c
}

// bruteLSTMFold tries every (U, SIMD): cycles within the target first,
// then the smallest PE*SIMD, fewer cycles, less padding, larger SIMD.
func bruteLSTMFold(d, h, target int, noPad bool) Fold {
	if target <= 0 {
		return Fold{PE: 4, SIMD: 1}
	}
	var best Fold
	var bestKey []int
	for u := 1; u <= h; u++ {
		for simd := 1; simd <= max(d, h); simd++ {
			if noPad && (h%u != 0 || d%simd != 0 || h%simd != 0) {
				continue
			}
			nf, sf := ceilDiv(h, u), ceilDiv(d, simd)+ceilDiv(h, simd)
			c := nf*sf + 5
			key := []int{max(0, c-target), 4 * u * simd, c, nf * 4 * u * sf * simd, -simd}
			if bestKey == nil || lessKey(key, bestKey) {
				best, bestKey = Fold{PE: 4 * u, SIMD: simd}, key
			}
		}
	}
	return best
}

// TestLSTMMaxLUTs: the LUT-bounded search folds the lstm stage too.
func TestLSTMMaxLUTs(t *testing.T) {
	n := seqNet(t, rand.New(rand.NewPCG(3, 3)), netlist.RandomLSTMConfig{Vocab: 20, Dim: 12, Hidden: []int{10}, WeightBits: 3, ActBits: 3, OutWeightBits: 2})
	fast, err := NewPlan(n, Options{MaxLUTs: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if fast.CyclesPerFrame != 7 { // U = H, SIMD = max(D, H): NF 1 x SF 2 + 5
		t.Errorf("unbounded: %d cycles per token, want 7", fast.CyclesPerFrame)
	}
	small, err := NewPlan(n, Options{MaxLUTs: fast.Estimate.LUT / 3})
	if err != nil {
		t.Fatal(err)
	}
	if small.Estimate.LUT > fast.Estimate.LUT/3 || small.CyclesPerFrame <= 7 {
		t.Errorf("bounded by %d LUTs: %v, %d cycles per token", fast.Estimate.LUT/3, small.Estimate, small.CyclesPerFrame)
	}
}

// TestLSTMThresholdImages: every threshold ROM entry means what the
// netlist's threshold means over every value its unit can see: gate rows
// on acc_hw in [AccMin, AccMax] (netlist acc_hw + Base*rowsum), the cell's
// tanh on the CellBits range, the hidden state on o*t over its range. A
// level changes only at a threshold, so the ends of the range and every
// threshold and its neighbours inside it cover every step.
func TestLSTMThresholdImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	for range 30 {
		cfg := netlist.RandomLSTMConfig{Vocab: 3, Dim: 1 + rng.IntN(9), Hidden: []int{1 + rng.IntN(9)},
			WeightBits: 2 + rng.IntN(7), ActBits: 2 + rng.IntN(4), OutWeightBits: 2}
		n := seqNet(t, rng, cfg)
		p, err := NewPlan(n, Options{Folds: []Fold{{PE: 4 * (1 + rng.IntN(cfg.Hidden[0])), SIMD: 1}, {PE: 1, SIMD: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		s, l := p.LSTM(), n.Layers[1].(*netlist.LSTM)
		h := l.Hidden
		check := func(what string, unit int, th []int64, rev bool, lo, hi int64, bits int, want func(x int64) int) {
			checkWidths(t, th, bits)
			if what != "cell act" && (!fits(lo-1, bits) || !fits(hi+1, bits)) { // the clamps' ends
				t.Fatalf("%s: [%d, %d] widened by one does not fit %d bits", what, lo, hi, bits)
			}
			xs := []int64{lo, hi}
			for _, x := range th {
				xs = append(xs, x-1, x, x+1)
			}
			for _, x := range xs {
				if x < lo || x > hi {
					continue
				}
				if got := level(th, rev, x); got != want(x) {
					t.Fatalf("%s unit %d at %d: plan level %d, netlist %d (thresholds %v, reversed %v)", what, unit, x, got, want(x), th, rev)
				}
			}
		}
		for rho := range s.Rows() {
			unit, gate := rho/4, rho%4
			th, rev := s.GateThresholds(rho)
			if unit >= h {
				if rev || !allZero(th) {
					t.Fatalf("padded row %d: %v %v", rho, th, rev)
				}
				continue
			}
			var sum int64
			for _, w := range l.Row(gate*h + unit) {
				sum += int64(w)
			}
			check("gate", unit, th, rev, s.AccMin, s.AccMax, s.GateThrWidth, func(x int64) int { return l.Gates[gate].Level(unit, x+s.Base*sum) })
		}
		olo, ohi := int64(l.Gates[netlist.GateO].Base), int64(l.Gates[netlist.GateO].Base+l.Gates[netlist.GateO].PerChannel())
		tlo, thi := int64(l.CellAct.Base), int64(l.CellAct.Base+l.CellAct.PerChannel())
		ps := []int64{olo * tlo, olo * thi, ohi * tlo, ohi * thi}
		cmax := int64(1)<<(l.CellBits-1) - 1
		for unit := range s.NF * s.U {
			th, rev := s.CellThresholds(unit)
			th2, rev2 := s.HiddenThresholds(unit)
			if unit >= h {
				if rev || rev2 || !allZero(th) || !allZero(th2) {
					t.Fatalf("padded unit %d: %v %v %v %v", unit, th, rev, th2, rev2)
				}
				continue
			}
			check("cell act", unit, th, rev, -cmax-1, cmax, s.CellThrWidth, func(x int64) int { return l.CellAct.Level(unit, x) })
			check("hidden", unit, th2, rev2, min(ps[0], ps[1], ps[2], ps[3]), max(ps[0], ps[1], ps[2], ps[3]),
				s.HidThrWidth, func(x int64) int { return l.HiddenAct.Level(unit, x) })
		}
	}
}

func allZero(xs []int64) bool {
	for _, x := range xs {
		if x != 0 {
			return false
		}
	}
	return true
}
