package verilator_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
	"github.com/qnn-dev/qnn/verilator"
)

// framingDesign is a small design: (1,5,6) 8-bit input, inPix pixels per
// beat (4: 8 beats per frame; 30: one), a 2-bit hidden layer: a build of
// seconds.
func framingDesign(t *testing.T, inPix int) *verilator.Design {
	t.Helper()
	n, err := netlist.Random(rand.New(rand.NewPCG(3, 13)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 5, W: 6},
		InputBits: 8, Hidden: []int{12}, ActBits: []int{2}, WeightBits: []int{1, 2}, Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	return generate(t, n, hw.Options{Folds: []hw.Fold{{PE: 3, SIMD: 8}, {PE: 2, SIMD: 6}}, InPix: inPix})
}

// malformedStream builds an s_axis stream from frames images, one packet
// per image: well-formed, early tlast (1 .. Beats-1 beats), late tlast
// (1 .. 3 junk beats after the frame), or no tlast (the frame runs into
// the next packet), at random; the last two are well-formed.
func malformedStream(rng *rand.Rand, p *hw.Plan, pixels []byte, frames int) []sim.InputBeat {
	size, nb := p.Input.Shape.Size(), p.Input.Beats
	var out []sim.InputBeat
	for f := range frames {
		beats := p.InputBeats(pixels[f*size : (f+1)*size])
		kind := rng.IntN(6)
		if f >= frames-2 || (nb == 1 && kind == 2) { // no early tlast with one beat
			kind = 0
		}
		switch kind {
		case 2: // early
			beats = beats[:1+rng.IntN(nb-1)]
		case 3: // late
			for range 1 + rng.IntN(3) {
				beats = append(beats, randomPixels(rng, p.Input.InPix))
			}
		}
		for j, b := range beats {
			out = append(out, sim.InputBeat{Data: b, Last: j == len(beats)-1 && kind != 4})
		}
	}
	return out
}

// goodFrames applies docs/dataflow.md "Framing" to a stream on its own:
// a tlast-delimited packet of exactly Beats beats is a frame (its pixels
// are returned), every other packet is dropped.
func goodFrames(p *hw.Plan, beats []sim.InputBeat) (pixels []byte, frames, drops int) {
	var pkt []byte
	n := 0
	for _, b := range beats {
		pkt = append(pkt, b.Data...)
		n++
		if !b.Last {
			continue
		}
		if n == p.Input.Beats {
			pixels = append(pixels, pkt[:p.Input.Shape.Size()]...)
			frames++
		} else {
			drops++
		}
		pkt, n = pkt[:0], 0
	}
	return pixels, frames, drops
}

// cosimMalformed runs a malformed stream through sim and the RTL (cycle
// for cycle equal, frame_err / frame_drops included) and checks the
// outputs against netlist.Eval of the well-formed frames, and the final
// drop count.
func cosimMalformed(t *testing.T, d *verilator.Design, frames int, seed uint64, opt verilator.Options) {
	t.Helper()
	p := d.Plan
	rng := rand.New(rand.NewPCG(seed, 77))
	beats := malformedStream(rng, p, randomPixels(rng, frames*p.Input.Shape.Size()), frames)
	goodPx, good, drops := goodFrames(p, beats)
	if good < 3 || drops < 3 {
		t.Fatalf("stream of %d well-formed frames and %d malformed packets", good, drops)
	}
	rep, err := verilator.CosimStream(context.Background(), d, beats, nil, opt)
	if err != nil {
		t.Fatalf("%s stalls %g/%g: %v", opt.Simulator, opt.StallIn, opt.StallOut, err)
	}
	want, err := netlist.Eval(p.Net, goodPx, good)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Sim
	if rep.Beats != good || len(r.Classes) != good {
		t.Fatalf("%d outputs compared, want %d (the well-formed frames)", rep.Beats, good)
	}
	for f := range good {
		if r.Classes[f] != want[f].Class || !slices.Equal(r.Scores[f], want[f].Scores) {
			t.Fatalf("output %d: class %d scores %v, Eval %d %v", f, r.Classes[f], r.Scores[f], want[f].Class, want[f].Scores)
		}
	}
	if len(r.Status) == 0 || r.Status[len(r.Status)-1] != (sim.Status{Cycle: r.Status[len(r.Status)-1].Cycle, Err: true, Drops: int64(drops)}) {
		t.Fatalf("framer status %v, want %d drops", r.Status, drops)
	}
	t.Logf("%s stalls %g/%g: %d packets, %d frames out, %d dropped, %d cycles", rep.Simulator, opt.StallIn, opt.StallOut, frames, good, drops, rep.Cycles)
}

// cosimReset runs well-formed frames with a reset pulse in the middle of
// the run through sim and the RTL (cycle for cycle equal) and checks that
// the outputs are frames 0..a-1 then b..N-1 by netlist.Eval, with a few
// frames lost, the last ones out, and one drop (the interrupted frame's
// tail) recorded after the reset.
func cosimReset(t *testing.T, d *verilator.Design, frames int, rs sim.Reset, opt verilator.Options) {
	t.Helper()
	p := d.Plan
	px := randomPixels(rand.New(rand.NewPCG(uint64(rs.Cycle), 1)), frames*p.Input.Shape.Size())
	beats := make([]sim.InputBeat, 0, frames*p.Input.Beats)
	for f := range frames {
		for j, b := range p.InputBeats(px[f*p.Input.Shape.Size() : (f+1)*p.Input.Shape.Size()]) {
			beats = append(beats, sim.InputBeat{Data: b, Last: j == p.Input.Beats-1})
		}
	}
	rep, err := verilator.CosimStream(context.Background(), d, beats, []sim.Reset{rs}, opt)
	if err != nil {
		t.Fatalf("%s stalls %g/%g reset %+v: %v", opt.Simulator, opt.StallIn, opt.StallOut, rs, err)
	}
	want, err := netlist.Eval(p.Net, px, frames)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Sim
	same := func(i, f int) bool { return r.Classes[i] == want[f].Class && slices.Equal(r.Scores[i], want[f].Scores) }
	n, a := len(r.Classes), 0
	for a < n && same(a, a) {
		a++
	}
	b := frames - (n - a)
	for i := a; i < n; i++ {
		if b < a || !same(i, b+i-a) {
			t.Fatalf("outputs are not frames 0..%d then %d..%d (output %d)", a-1, b, frames-1, i)
		}
	}
	if lost := b - a; lost < 1 || lost > 2*len(p.Layers)+3 || b >= frames-2 {
		t.Fatalf("outputs frames 0..%d and %d..%d: want 1 to %d lost and the last ones out", a-1, b, frames-1, 2*len(p.Layers)+3)
	}
	if len(r.Status) != 1 || r.Status[0].Drops != 1 || !r.Status[0].Err || r.Status[0].Cycle < rs.Cycle+int64(rs.Cycles) {
		t.Fatalf("framer status %v: want one drop after the reset", r.Status)
	}
	t.Logf("%s stalls %g/%g reset at %d for %d: frames 0..%d and %d..%d out, status %v",
		rep.Simulator, opt.StallIn, opt.StallOut, rs.Cycle, rs.Cycles, a-1, b, frames-1, r.Status)
}

// TestFramingVerilator: malformed streams (early, late, missing tlast)
// and a reset in the middle of a frame with the source carrying on,
// through Verilator with and without stalls: one build.
func TestFramingVerilator(t *testing.T) {
	needTool(t, "verilator")
	d := framingDesign(t, 4)
	opt := verilator.Options{QuickBuild: true}
	cosimMalformed(t, d, 40, 1, opt)
	stall := verilator.Options{QuickBuild: true, StallIn: 0.5, StallOut: 0.5, Seed: 11}
	cosimMalformed(t, d, 40, 2, stall)
	cosimReset(t, d, 16, sim.Reset{Cycle: 44, Cycles: 2}, opt)
	cosimReset(t, d, 16, sim.Reset{Cycle: 70, Cycles: 5}, stall)
}

// TestFramingIcarus: the same through Icarus (fewer frames), and
// malformed streams into a design of one beat per frame (every beat must
// carry tlast).
func TestFramingIcarus(t *testing.T) {
	needTool(t, "iverilog")
	d := framingDesign(t, 4)
	cosimMalformed(t, d, 24, 3, verilator.Options{Simulator: verilator.Icarus, StallIn: 0.4, StallOut: 0.4, Seed: 5})
	cosimReset(t, d, 12, sim.Reset{Cycle: 52, Cycles: 3}, verilator.Options{Simulator: verilator.Icarus, StallOut: 0.3, Seed: 6})
	one := framingDesign(t, 30)
	if one.Plan.Input.Beats != 1 {
		t.Fatalf("InPix 30: %d beats per frame, want 1", one.Plan.Input.Beats)
	}
	cosimMalformed(t, one, 30, 4, verilator.Options{Simulator: verilator.Icarus, StallIn: 0.3, StallOut: 0.5, Seed: 8})
}

// TestFramingMismatches: two broken RTLs, each caught. A drop counter
// that never counts gives the same outputs but is caught by the framer
// status comparison; MVTU 0 ignoring the framer (in_abort tied to 0: the
// accelerator before framing, counting beats) misaligns the frames after
// the first malformed one and is caught on the outputs.
func TestFramingMismatches(t *testing.T) {
	needTool(t, "iverilog")
	for _, tc := range []struct {
		name, file, old, new string
		status               bool
	}{
		{"counter", "qnn_framer.v", "drops_d = drops_q + DropsOne;", "drops_d = drops_q;", true},
		{"no-abort", "qnn_top.v", "(in_abort),\n    .out_valid_o", "(1'b0),\n    .out_valid_o", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := framingDesign(t, 4)
			breakRTLCaught(t, d, tc.file, tc.old, tc.new, rand.New(rand.NewPCG(4, 77)), tc.status)
		})
	}
}

// breakRTLCaught replaces old by new in the design's rtl/file (the one
// place the test expects it), co-simulates 12 frames of a malformed stream
// drawn from rng under Icarus, and requires a mismatch against sim: on the
// framer status if status, else on the outputs.
func breakRTLCaught(t *testing.T, d *verilator.Design, file, old, new string, rng *rand.Rand, status bool) {
	t.Helper()
	path := filepath.Join(d.Dir, "rtl", file)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), old, new, 1)
	if bad == string(src) {
		t.Fatalf("%s: %q is not where the test expects it", file, old)
	}
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	beats := malformedStream(rng, d.Plan, randomPixels(rng, 12*d.Plan.Input.Shape.Size()), 12)
	_, err = verilator.CosimStream(context.Background(), d, beats, nil, verilator.Options{Simulator: verilator.Icarus})
	var mm *verilator.Mismatch
	if !errors.As(err, &mm) || mm.Status != status {
		t.Fatalf("got %v, want a mismatch (status %v)", err, status)
	}
	t.Logf("%v", err)
}
