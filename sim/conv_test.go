package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// randomConvNet draws a small convolutional network skeleton and
// randomizes it: 1..3 conv blocks (kernels 1..5, strides 1..2, any side
// padded or not, 1- or k-bit weights and activations, some followed by a
// non-overlapping max-pool), then 0..2 dense layers and the scores (or, now
// and then, the scores straight from a conv layer with a 1x1 output).
func randomConvNet(rng *rand.Rand, id int) *netlist.Network {
	in := &netlist.Input{Name: "input", Shape: netlist.Shape{C: 1 + rng.IntN(4), H: 3 + rng.IntN(8), W: 3 + rng.IntN(8)}, Bits: []int{1, 8}[rng.IntN(2)]}
	n := &netlist.Network{Name: fmt.Sprintf("conv%d", id), Layers: []netlist.Layer{in}}
	h, w := in.Shape.H, in.Shape.W
	wbits := func() int { return []int{1, 1, 2, 3}[rng.IntN(4)] }
	abits := func() int { return []int{1, 1, 2, 3}[rng.IntN(4)] }
	blocks := 1 + rng.IntN(3)
	for b := range blocks {
		k := 1 + rng.IntN(min(5, h, w))
		c := &netlist.Conv2D{Name: fmt.Sprintf("conv%d", b), OutC: 1 + rng.IntN(10), KH: k, KW: 1 + rng.IntN(min(5, w)), Stride: 1 + rng.IntN(2), WeightBits: wbits()}
		side := func(k int) int {
			if k == 1 || rng.IntN(2) == 0 {
				return 0
			}
			return rng.IntN(k)
		}
		c.Pad = netlist.Padding{Top: side(c.KH), Bottom: side(c.KH), Left: side(c.KW), Right: side(c.KW)}
		s := c.OutShape(h, w)
		n.Layers = append(n.Layers, c, &netlist.Threshold{Name: fmt.Sprintf("act%d", b), Bits: abits()})
		h, w = s.H, s.W
		if pk := 1 + rng.IntN(2); rng.IntN(3) == 0 && h >= pk && w >= pk {
			p := &netlist.MaxPool{Name: fmt.Sprintf("pool%d", b), K: pk, Stride: pk + rng.IntN(2)}
			n.Layers = append(n.Layers, p)
			s := p.OutShape(netlist.Shape{C: 1, H: h, W: w})
			h, w = s.H, s.W
		}
		if h < 2 || w < 2 {
			break
		}
	}
	if h == 1 && w == 1 && rng.IntN(3) == 0 { // scores from the last conv layer: replace its threshold
		n.Layers[len(n.Layers)-1] = &netlist.Output{Name: "scores"}
		if _, ok := n.Layers[len(n.Layers)-2].(*netlist.Conv2D); ok {
			return n
		}
		n.Layers = n.Layers[:len(n.Layers)-1]
	}
	for d := range rng.IntN(3) {
		n.Layers = append(n.Layers, &netlist.Dense{Name: fmt.Sprintf("fc%d", d), Out: 1 + rng.IntN(24), WeightBits: wbits()},
			&netlist.Threshold{Name: fmt.Sprintf("fcact%d", d), Bits: abits()})
	}
	n.Layers = append(n.Layers, &netlist.Dense{Name: "fcout", Out: 2 + rng.IntN(9), WeightBits: wbits()}, &netlist.Output{Name: "scores"})
	return n
}

// randomConvPlan randomizes the network and folds it: random PE (up to the
// next power of two of MH) and SIMD (a divisor of the input channels for
// conv layers, anything for dense layers), keyed by name or by position, or
// auto folding for a random target; a third with compressor and lane trees.
func randomConvPlan(t *testing.T, rng *rand.Rand, id int) *hw.Plan {
	t.Helper()
	for {
		n := randomConvNet(rng, id)
		if err := netlist.Randomize(rng, n); err != nil {
			continue // a skeleton Randomize cannot complete (e.g. scores of a multi-pixel conv)
		}
		var opt hw.Options
		if rng.IntN(3) == 0 { // compressor trees (xnor) and lane trees (k-bit kinds), pipelined or not
			opt.Popcount, opt.PipelineEvery, opt.Target = hw.PopcountTree, rng.IntN(3), hw.TargetXC7
		}
		if rng.IntN(4) == 0 {
			opt.TargetCycles = 1 + rng.IntN(400)
			p, err := hw.NewPlan(n, opt)
			if err != nil {
				t.Fatalf("%s: auto folding: %v", n.Name, err)
			}
			return p
		}
		named := rng.IntN(2) == 0
		var folds []hw.Fold
		for _, l := range n.Layers {
			var f hw.Fold
			switch l := l.(type) {
			case *netlist.Conv2D:
				f = randomFold(rng, l.InC, l.OutC, false)
				f.SIMD = largestDivisor(l.InC, f.SIMD)
			case *netlist.Dense:
				f = randomFold(rng, l.In, l.Out, false)
			default:
				continue
			}
			if named {
				f.Layer = l.LayerName()
			}
			folds = append(folds, f)
		}
		if named {
			rng.Shuffle(len(folds), func(i, j int) { folds[i], folds[j] = folds[j], folds[i] })
		}
		opt.Folds = folds
		p, err := hw.NewPlan(n, opt)
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		return p
	}
}

func largestDivisor(n, w int) int {
	for d := min(n, w); d > 1; d-- {
		if n%d == 0 {
			return d
		}
	}
	return 1
}

// TestConvNetworks: on 200 random convolutional networks sim equals
// netlist.Eval on every frame's class and scores, with and without stalls.
func TestConvNetworks(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	for id := range 200 {
		p := randomConvPlan(t, rng, id)
		cfg := Config{Seed: rng.Uint64()}
		if id%3 == 1 {
			cfg.StallIn, cfg.StallOut = 0.3, 0.4
		}
		frames := 2 + rng.IntN(2)
		px := randomPixels(rng, p, frames)
		res := checkAgainstEval(t, p, px, frames, cfg)
		if id%10 == 0 { // the same frames as a stream: the same output handshakes, then idle
			str, err := RunStream(p, FrameBeats(p, px, frames), nil, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(res.Beats, str.Beats); diff != "" {
				t.Fatalf("%s: RunStream differs from Run (-Run +RunStream):\n%s", describe(p, cfg), diff)
			}
		}
		for _, st := range res.Stages {
			if st.Busy+st.StallIn+st.StallOut != res.Cycles {
				t.Fatalf("%s: stage %s: busy %d + stall-in %d + stall-out %d != %d cycles", p.Name, st.Name, st.Busy, st.StallIn, st.StallOut, res.Cycles)
			}
		}
	}
}

// TestConvTiming: on 300 random conv designs and CNV-w1a1, without
// stalls, the measured cycles per frame are within 1% of the plan's, frame
// 0's latency is exactly the plan's, and FIFOs without a depth limit after
// every stage give the same cycles per frame as the plan's FIFOs (so the
// plan's FIFO depths and line buffers lose no throughput); with the plan's
// FIFOs and stalls nothing deadlocks (Run would report MaxCycles) and every
// frame equals Eval.
func TestConvTiming(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var plans []*hw.Plan
	fifos := 0
	for id := range 300 {
		p := randomConvPlan(t, rng, id)
		plans = append(plans, p)
		for _, s := range p.Stages {
			if s.Kind == hw.StageFIFO {
				fifos++
			}
		}
	}
	if fifos < 3 {
		t.Errorf("only %d FIFOs in the plans: the FIFO sizing is hardly exercised", fifos)
	}
	cnv := netlist.CNV(1, 1)
	if err := netlist.Randomize(rand.New(rand.NewPCG(1, 2)), cnv); err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(cnv, hw.Options{TargetCycles: 10000})
	if err != nil {
		t.Fatal(err)
	}
	plans = append(plans, p)
	for _, p := range plans {
		frames := 8
		if p.Name == cnv.Name {
			frames = 4
		}
		px := randomPixels(rng, p, frames)
		got, err := Run(p, px, frames, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if rel := got.CyclesPerFrame/float64(p.CyclesPerFrame) - 1; rel > 0.01 || rel < -0.01 {
			t.Errorf("%s: %.1f cycles per frame, plan %d", describe(p, Config{}), got.CyclesPerFrame, p.CyclesPerFrame)
		}
		if got.FirstLatency != int64(p.Latency) {
			t.Errorf("%s: frame 0 latency %d, plan %d", describe(p, Config{}), got.FirstLatency, p.Latency)
		}
		unb, err := Run(p, px, frames, Config{UnboundedFIFOs: true})
		if err != nil {
			t.Fatal(err)
		}
		if unb.CyclesPerFrame != got.CyclesPerFrame {
			t.Errorf("%s: %.1f cycles per frame with unbounded FIFOs, %.1f with the plan's", describe(p, Config{}), unb.CyclesPerFrame, got.CyclesPerFrame)
		}
		if p.Name == cnv.Name {
			continue
		}
		stalled := Config{StallIn: 0.5, StallOut: 0.6, Seed: rng.Uint64()}
		checkAgainstEval(t, p, px, frames, stalled)
	}
}
