package verilator_test

import (
	"math/rand/v2"
	"testing"

	"github.com/qnn-dev/qnn/sim"
	"github.com/qnn-dev/qnn/verilator"
)

// convFramingDesign is a random conv-first design (randomConvNetwork)
// whose plan pads malformed packets (Input.Pad) with a bad-flag queue.
func convFramingDesign(t *testing.T, rng *rand.Rand, id int) *verilator.Design {
	t.Helper()
	n, opt := randomConvNetwork(t, rng, id)
	d := generate(t, n, opt)
	if p := d.Plan; !p.Input.Pad || p.Output.FlagDepth < 1 {
		t.Fatalf("%s: conv-first plan with Pad %v, FlagDepth %d", n.Name, p.Input.Pad, p.Output.FlagDepth)
	}
	return d
}

// TestConvFramingVerilator: malformed streams (early, late, missing
// tlast) into random conv-first designs through Verilator, without and
// with stalls (one build each), cycle for cycle against sim with
// frame_err and frame_drops; the outputs are exactly the well-formed
// frames' netlist.Eval results (docs/dataflow.md "Framing of conv-first
// networks"). 3 designs, 1 with -short.
func TestConvFramingVerilator(t *testing.T) {
	needTool(t, "verilator")
	count := 3
	if testing.Short() {
		count = 1
	}
	rng := rand.New(rand.NewPCG(2030, 1))
	for i := range count {
		d := convFramingDesign(t, rng, i)
		cosimMalformed(t, d, 16, uint64(10+i), verilator.Options{QuickBuild: true})
		cosimMalformed(t, d, 16, uint64(20+i), verilator.Options{QuickBuild: true, StallIn: 0.5, StallOut: 0.5, Seed: uint64(i)})
	}
}

// TestConvFramingIcarus: the same through Icarus on 3 other designs, with
// stalls (0.2 in and 0.7 out on one: the pipeline and the bad-flag queue
// fill), and on each a reset pulse in the middle of a frame with the
// source carrying on (the tail of the cut frame is one suppressed packet).
func TestConvFramingIcarus(t *testing.T) {
	needTool(t, "iverilog")
	rng := rand.New(rand.NewPCG(2031, 1))
	stalls := [][2]float64{{0, 0}, {0.4, 0.4}, {0.2, 0.7}}
	for i, st := range stalls {
		d := convFramingDesign(t, rng, i)
		opt := verilator.Options{Simulator: verilator.Icarus, StallIn: st[0], StallOut: st[1], Seed: uint64(i)}
		cosimMalformed(t, d, 14, uint64(30+i), opt)
		p := d.Plan
		cosimReset(t, d, 10, sim.Reset{Cycle: int64(3*p.CyclesPerFrame + p.Input.Beats/2), Cycles: 2}, opt)
	}
}

// TestConvFramingMismatches: three broken framings of a conv-first design,
// each caught by Icarus against sim: the output stage ignoring the bad
// flags (a malformed frame's result comes out), a framer that does not
// pad an early-ended frame (the frames after it are misaligned), and a
// drop counter that never counts (same outputs, caught on frame_drops).
func TestConvFramingMismatches(t *testing.T) {
	needTool(t, "iverilog")
	for _, tc := range []struct {
		name, file, old, new string
		status               bool
	}{
		{"no-flags", "qnn_top.v", ".bad_i  (frame_flag_bad)", ".bad_i  (1'b0)", false},
		{"no-pad", "qnn_framer_pad.v", "pad_d     = last_i && !at_last;", "pad_d     = 1'b0;", false},
		{"counter", "qnn_framer_pad.v", "drops_d = drops_q + DropsOne;", "drops_d = drops_q;", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := convFramingDesign(t, rand.New(rand.NewPCG(2031, 1)), 0)
			breakRTLCaught(t, d, tc.file, tc.old, tc.new, rand.New(rand.NewPCG(6, 77)), tc.status)
		})
	}
}
