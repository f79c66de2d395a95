package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// framingPlan is a small design: (1,5,6) 8-bit input, InPix 4 = 8 beats
// per frame (or InPix 30: 1 beat), one hidden layer.
func framingPlan(t *testing.T, inPix int) *hw.Plan {
	t.Helper()
	n, err := netlist.Random(rand.New(rand.NewPCG(3, 13)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 5, W: 6},
		InputBits: 8, Hidden: []int{12}, ActBits: []int{2}, WeightBits: []int{1, 2}, Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: []hw.Fold{{PE: 3, SIMD: 8}, {PE: 2, SIMD: 6}}, InPix: inPix})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// malformedStream builds beats from images: per image a packet kind
// chosen by rng: well-formed, early tlast (1 .. Beats-1 beats), late
// tlast (1 .. 3 junk beats after the frame), or no tlast at all (the
// frame runs into the next packet). The last two packets are well-formed.
func malformedStream(rng *rand.Rand, p *hw.Plan, pixels []byte, frames int) []InputBeat {
	size, nb := p.Input.Shape.Size(), p.Input.Beats
	var out []InputBeat
	for f := range frames {
		beats := p.InputBeats(pixels[f*size : (f+1)*size])
		kind := rng.IntN(6)
		if f >= frames-2 || (nb == 1 && kind == 2) {
			kind = 0
		}
		switch kind {
		case 2: // early
			beats = beats[:1+rng.IntN(nb-1)]
		case 3: // late
			for range 1 + rng.IntN(3) {
				junk := make([]byte, p.Input.InPix)
				for i := range junk {
					junk[i] = byte(rng.UintN(256))
				}
				beats = append(beats, junk)
			}
		}
		for j, b := range beats {
			out = append(out, InputBeat{Data: b, Last: j == len(beats)-1 && kind != 4})
		}
	}
	return out
}

// wellFormed applies the rule of docs/dataflow.md "Framing" to a stream
// (independently of the model): cut it into tlast-delimited packets; a
// packet of exactly Beats beats is a frame (returned as its pixels),
// every other one is dropped. A trailing packet without tlast is neither.
func wellFormed(p *hw.Plan, beats []InputBeat) (pixels []byte, frames, drops int) {
	size := p.Input.Shape.Size()
	var pkt []InputBeat
	for _, b := range beats {
		pkt = append(pkt, b)
		if !b.Last {
			continue
		}
		if len(pkt) == p.Input.Beats {
			var img []byte
			for _, x := range pkt {
				img = append(img, x.Data...)
			}
			pixels = append(pixels, img[:size]...)
			frames++
		} else {
			drops++
		}
		pkt = pkt[:0]
	}
	return pixels, frames, drops
}

// TestFramingDrops: streams with early, late and missing tlast produce
// exactly the outputs of their well-formed frames, in order, with
// netlist.Eval's class and scores, and count every other packet once in
// frame_drops with frame_err set from the first drop on.
func TestFramingDrops(t *testing.T) {
	for _, inPix := range []int{4, 30} {
		p := framingPlan(t, inPix)
		for _, cfg := range []Config{{}, {StallIn: 0.5, StallOut: 0.5, Seed: 7}, {StallOut: 0.9, Seed: 2}} {
			t.Run(fmt.Sprintf("beats%d/stall%g-%g", p.Input.Beats, cfg.StallIn, cfg.StallOut), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(inPix), 5))
				const frames = 40
				px := randomPixels(rng, p, frames)
				beats := malformedStream(rng, p, px, frames)
				good, drops := checkMalformedRun(t, p, beats, cfg)
				if drops < 5 || good < 10 {
					t.Fatalf("stream of %d good frames and %d malformed packets: too few of one kind", good, drops)
				}
			})
		}
	}
}

// checkMalformedRun runs beats (a stream with malformed packets) through
// p and requires one output per well-formed frame, equal to netlist.Eval
// on those frames, and one status change per malformed packet, in cycle
// order, with the drop count rising by one each. It returns the numbers of
// well-formed frames and malformed packets.
func checkMalformedRun(t *testing.T, p *hw.Plan, beats []InputBeat, cfg Config) (good, drops int) {
	t.Helper()
	goodPx, good, drops := wellFormed(p, beats)
	r, err := RunStream(p, beats, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := netlist.Eval(p.Net, goodPx, good)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Classes) != good {
		t.Fatalf("%d outputs, want %d (the well-formed frames; %d malformed packets)", len(r.Classes), good, drops)
	}
	for f := range good {
		if r.Classes[f] != want[f].Class || !slices.Equal(r.Scores[f], want[f].Scores) {
			t.Fatalf("output %d: class %d scores %v, want %d %v", f, r.Classes[f], r.Scores[f], want[f].Class, want[f].Scores)
		}
	}
	if len(r.Status) != drops {
		t.Fatalf("%d status changes, want one per malformed packet (%d): %v", len(r.Status), drops, r.Status)
	}
	for i, st := range r.Status {
		if !st.Err || st.Drops != int64(i+1) || (i > 0 && st.Cycle <= r.Status[i-1].Cycle) {
			t.Fatalf("status change %d: %+v", i, st)
		}
	}
	return good, drops
}

// TestRunStreamWellFormed: RunStream on the frames' well-formed stream
// gives Run's output handshakes, cycle for cycle, then drains
// DrainCycles; with no drops, no status change.
func TestRunStreamWellFormed(t *testing.T) {
	p := framingPlan(t, 4)
	px := randomPixels(rand.New(rand.NewPCG(1, 1)), p, 12)
	cfg := Config{StallIn: 0.3, StallOut: 0.3, Seed: 4}
	want, err := Run(p, px, 12, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := RunStream(p, FrameBeats(p, px, 12), nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Beats, got.Beats); diff != "" {
		t.Errorf("output handshakes (-Run +RunStream):\n%s", diff)
	}
	if last := got.Beats[len(got.Beats)-1].Cycle; got.Cycles < last+1+DrainCycles(p) || len(got.Status) != 0 {
		t.Errorf("RunStream: %d cycles after the last output at %d (drain %d), status %v", got.Cycles, last, DrainCycles(p), got.Status)
	}
}

// TestFramingReset: a reset pulse in the middle of a frame, the source
// carrying on. The beats after the reset that finish the interrupted
// frame are a short packet: dropped (the only drop); the frames in flight
// are lost; every frame sent after the reset comes out right. Outputs are
// Eval of frames 0..a-1 then b..N-1.
func TestFramingReset(t *testing.T) {
	p := framingPlan(t, 4)
	const frames = 16
	px := randomPixels(rand.New(rand.NewPCG(8, 8)), p, frames)
	want, err := netlist.Eval(p.Net, px, frames)
	if err != nil {
		t.Fatal(err)
	}
	nb := int64(p.Input.Beats)
	for _, tc := range []struct {
		cfg   Config
		reset Reset
	}{
		{Config{}, Reset{Cycle: 5*nb + nb/2, Cycles: 2}},
		{Config{StallIn: 0.4, StallOut: 0.4, Seed: 3}, Reset{Cycle: 60, Cycles: 5}},
		{Config{StallOut: 0.7, Seed: 9}, Reset{Cycle: 90, Cycles: 3}},
	} {
		t.Run(fmt.Sprintf("stall%g-%g-at%d", tc.cfg.StallIn, tc.cfg.StallOut, tc.reset.Cycle), func(t *testing.T) {
			r, err := RunStream(p, FrameBeats(p, px, frames), []Reset{tc.reset}, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			a, b := splitOutputs(t, r, want)
			if n := 2*len(p.Layers) + 3; b-a > n || b == frames {
				t.Fatalf("outputs are frames 0..%d and %d..%d: more than %d lost, or none after the reset", a-1, b, frames-1, n)
			}
			// No drop before the reset (the stream is well-formed), none
			// recorded by it (the status was already clear): one change.
			if len(r.Status) != 1 || !r.Status[0].Err || r.Status[0].Drops != 1 || r.Status[0].Cycle < tc.reset.Cycle+int64(tc.reset.Cycles) {
				t.Fatalf("status %v: want one drop (the interrupted frame's tail) after the reset", r.Status)
			}
			t.Logf("reset at %d for %d: outputs frames 0..%d and %d..%d; status %v", tc.reset.Cycle, tc.reset.Cycles, a-1, b, frames-1, r.Status)
		})
	}
}

// splitOutputs finds a <= b with r's outputs equal to want[0:a] then
// want[b:] (class and scores), or fails.
func splitOutputs(t *testing.T, r *Result, want []netlist.Result) (a, b int) {
	t.Helper()
	n := len(r.Classes)
	same := func(i, f int) bool { return r.Classes[i] == want[f].Class && slices.Equal(r.Scores[i], want[f].Scores) }
	for a < n && a < len(want) && same(a, a) {
		a++
	}
	b = len(want) - (n - a)
	if b < a {
		t.Fatalf("%d outputs for %d frames", n, len(want))
	}
	for i := a; i < n; i++ {
		if !same(i, b+i-a) {
			t.Fatalf("outputs are not frames 0..%d then %d..%d: output %d is class %d, frame %d is %d", a-1, b, len(want)-1, i, r.Classes[i], b+i-a, want[b+i-a].Class)
		}
	}
	return a, b
}

// TestFramerSaturates: the framer model alone, 3 beats per frame and a
// 2-bit counter: the abort pattern of docs/dataflow.md "Framing" beat by
// beat, the counter stopping at 3 and the error staying set, reset
// clearing both.
func TestFramerSaturates(t *testing.T) {
	f := newFramer(hw.InputStage{Beats: 3, DropBits: 2})
	// tlast per beat, and the abort the rule gives: good (3), early (1),
	// early (2), late (3 + 1), missing (3) + good (3) as one packet, good.
	lasts := []bool{false, false, true, true, false, true, false, false, false, true, false, false, false, false, false, true, false, false, true}
	aborts := []bool{false, false, false, true, false, true, false, false, true, true, false, false, true, true, true, true, false, false, false}
	drops := []int64{0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3} // after each beat
	for i, last := range lasts {
		if got := f.abort(last); got != aborts[i] {
			t.Fatalf("beat %d: abort %v, want %v", i, got, aborts[i])
		}
		f.commit(true, last)
		if f.drops != drops[i] || f.err != (drops[i] > 0) {
			t.Fatalf("beat %d: drops %d err %v, want %d", i, f.drops, f.err, drops[i])
		}
	}
	f.commit(false, true) // no handshake: nothing changes
	if f.pos != 0 || f.discard || f.drops != 3 {
		t.Fatalf("idle cycle changed the framer: %+v", f)
	}
	f.reset()
	if f.err || f.drops != 0 || f.abort(false) || !f.abort(true) {
		t.Fatalf("after reset: %+v", f)
	}
}
