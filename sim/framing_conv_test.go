package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// TestConvFramingPads: random conv-first designs (Input.Pad) fed streams
// with early, late and missing tlast, with and without stalls (0.9 output
// stalls fill the pipeline, and the bad-flag queue, to the top): the
// outputs are exactly the well-formed frames', in order, equal to
// netlist.Eval (a malformed packet, padded or cut to a frame, gives no
// output and shifts nothing), and every malformed packet is counted once
// (docs/dataflow.md "Framing of conv-first networks"). The bad-flag queue
// never holds more than the plan's FlagDepth (RunStream fails if it does).
func TestConvFramingPads(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 17))
	cfgs := []Config{{}, {StallIn: 0.5, StallOut: 0.5, Seed: 3}, {StallIn: 0.1, StallOut: 0.9, Seed: 5}}
	for id := range 60 {
		p := randomConvPlan(t, rng, id)
		if !p.Input.Pad || p.Output.FlagDepth < p.FramesInFlight() || p.Output.FlagDepth < 1 {
			t.Fatalf("%s: conv-first plan with Pad %v, FlagDepth %d (frames in flight %d)", p.Name, p.Input.Pad, p.Output.FlagDepth, p.FramesInFlight())
		}
		cfg := cfgs[id%len(cfgs)]
		t.Run(fmt.Sprintf("%s/stall%g-%g", p.Name, cfg.StallIn, cfg.StallOut), func(t *testing.T) {
			const frames = 14
			px := randomPixels(rng, p, frames)
			beats := malformedStream(rng, p, px, frames)
			checkMalformedRun(t, p, beats, cfg)
		})
	}
}

// TestConvFramingWellFormed: on a well-formed stream a conv-first
// design's outputs are Run's, cycle for cycle, with no status change: the
// framer changes no timing.
func TestConvFramingWellFormed(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for id := range 10 {
		p := randomConvPlan(t, rng, id)
		px := randomPixels(rng, p, 6)
		cfg := Config{StallIn: 0.3, StallOut: 0.3, Seed: uint64(id)}
		want, err := Run(p, px, 6, cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := RunStream(p, FrameBeats(p, px, 6), nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(want.Beats, got.Beats) || len(got.Status) != 0 {
			t.Fatalf("%s: RunStream gives %v (status %v), Run %v", p.Name, got.Beats, got.Status, want.Beats)
		}
	}
}

// TestConvFramingOverflowCaught: with the bad-flag queue cut to one
// entry, a conv design that holds several frames under output stalls
// overflows it, and RunStream reports that instead of a result.
func TestConvFramingOverflowCaught(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 17))
	p := randomConvPlan(t, rng, 0)
	p.Output.FlagDepth = 1
	px := randomPixels(rng, p, 8)
	_, err := RunStream(p, FrameBeats(p, px, 8), nil, Config{StallOut: 0.95, Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "bad-flag queue overflow") {
		t.Fatalf("RunStream with FlagDepth 1: error %v, want a bad-flag queue overflow", err)
	}
}

// TestPadFramerPattern: the framer model alone, 3 beats per frame and a
// 2-bit counter, with the first stage always ready: per s_axis beat the
// beats passed on (filler ones included), the frames pushed with their bad
// flags, and the counter (docs/dataflow.md "Framing of conv-first
// networks"). Packets: good (3), early (1), early (2), late (3 + 1),
// missing (3) + good (3) as one packet of 6, good.
func TestPadFramerPattern(t *testing.T) {
	f := newPadFramer(hw.InputStage{Beats: 3, DropBits: 2}, 2)
	lasts := []bool{false, false, true, true, false, true, false, false, false, true, false, false, false, false, false, true, false, false, true}
	var flags []bool
	passed, fillers := 0, 0
	for i := 0; i < len(lasts); {
		sValid := true
		outHS := f.outValid(sValid)
		sHS := f.sReady(true)
		if f.pad {
			fillers++
		} else if outHS {
			passed++
		}
		push, bad := f.commit(outHS, sHS, lasts[i])
		if push {
			flags = append(flags, bad)
		}
		if sHS {
			i++
		}
	}
	wantFlags := []bool{false, true, true, true, true, false}
	if !slices.Equal(flags, wantFlags) || fillers != 3 || passed != 15 || f.drops != 3 || !f.err {
		t.Fatalf("flags %v (want %v), %d fillers (want 3), %d beats passed (want 15), drops %d (want 3, saturated)",
			flags, wantFlags, fillers, passed, f.drops)
	}
	f.reset()
	if f.err || f.drops != 0 || f.pad || f.discard || f.pos != 0 {
		t.Fatalf("after reset: %+v", f)
	}
}

// TestConvFramingReset: a reset pulse in the middle of the run of a
// conv-first design, the source carrying on: the frames in flight are
// lost, the rest of the interrupted frame arrives as a short packet that
// is padded, suppressed and counted (the only drop), and every frame sent
// after it comes out right: the outputs before the reset are Eval of
// frames 0..a-1, those after it of frames b..N-1 (b > a).
func TestConvFramingReset(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 2))
	cut := 0 // runs whose reset cut a frame (one drop)
	for id := range 12 {
		p := randomConvPlan(t, rng, id)
		const frames = 10
		px := randomPixels(rng, p, frames)
		want, err := netlist.Eval(p.Net, px, frames)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{StallIn: 0.3, StallOut: 0.3, Seed: uint64(id)}
		// Mid-frame: beat Beats/2 of frame 3 is offered around then.
		rs := Reset{Cycle: int64(3*p.CyclesPerFrame + p.Input.Beats/2 + 1), Cycles: 1 + id%3}
		r, err := RunStream(p, FrameBeats(p, px, frames), []Reset{rs}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// a: the outputs up to the reset's first cycle, frames 0..a-1; the others must be
		// the last frames, b..N-1.
		a := 0
		for a < len(r.Beats) && r.Beats[a].Cycle <= rs.Cycle { // sampled by the first reset edge: still a frame before it
			a++
		}
		b := frames - (len(r.Beats) - a)
		if b <= a || b == frames || b-a > p.Output.FlagDepth {
			t.Fatalf("%s: %d outputs before the reset at %d, %d after", p.Name, a, rs.Cycle, len(r.Beats)-a)
		}
		for i := range r.Beats {
			f := i
			if i >= a {
				f = b + i - a
			}
			if r.Classes[i] != want[f].Class || !slices.Equal(r.Scores[i], want[f].Scores) {
				t.Fatalf("%s: output %d (frame %d of 0..%d, %d..%d): class %d scores %v, want %d %v",
					p.Name, i, f, a-1, b, frames-1, r.Classes[i], r.Scores[i], want[f].Class, want[f].Scores)
			}
		}
		if len(r.Status) > 1 || (len(r.Status) == 1 && (r.Status[0].Drops != 1 || r.Status[0].Cycle < rs.Cycle+int64(rs.Cycles))) {
			t.Fatalf("%s: status %v: want at most one drop (the interrupted frame's tail), after the reset", p.Name, r.Status)
		}
		cut += len(r.Status)
	}
	if cut < 6 {
		t.Fatalf("only %d of 12 resets cut a frame", cut)
	}
}
