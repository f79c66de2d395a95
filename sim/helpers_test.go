package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// checkAgainstEval runs the frames through the simulator and requires
// class and every score of every frame, in order, to equal netlist.Eval.
func checkAgainstEval(t testing.TB, p *hw.Plan, pixels []byte, frames int, cfg Config) *Result {
	t.Helper()
	want, err := netlist.Eval(p.Net, pixels, frames)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Run(p, pixels, frames, cfg)
	if err != nil {
		t.Fatalf("%s: %v", describe(p, cfg), err)
	}
	if len(got.Beats) != frames || len(got.Classes) != frames || len(got.Scores) != frames {
		t.Fatalf("%s: %d beats, %d classes, %d score rows for %d frames", describe(p, cfg), len(got.Beats), len(got.Classes), len(got.Scores), frames)
	}
	for f := range frames {
		if got.Classes[f] != want[f].Class || !slices.Equal(got.Scores[f], want[f].Scores) {
			t.Fatalf("%s: frame %d: sim class %d scores %v, Eval class %d scores %v",
				describe(p, cfg), f, got.Classes[f], got.Scores[f], want[f].Class, want[f].Scores)
		}
		if tdata := TDataHex(want[f].Class, want[f].Scores, p.Output.SW); got.Beats[f].TData != tdata {
			t.Fatalf("%s: frame %d: tdata %s, want %s", describe(p, cfg), f, got.Beats[f].TData, tdata)
		}
	}
	for i := 1; i < frames; i++ {
		if got.Beats[i].Cycle <= got.Beats[i-1].Cycle {
			t.Fatalf("%s: output handshakes %d and %d at cycles %d and %d", describe(p, cfg), i-1, i, got.Beats[i-1].Cycle, got.Beats[i].Cycle)
		}
	}
	for _, ls := range got.Layers {
		if ls.Busy+ls.StallIn+ls.StallOut != got.Cycles {
			t.Fatalf("%s: layer %s: busy %d + stall-in %d + stall-out %d != %d cycles", describe(p, cfg), ls.Name, ls.Busy, ls.StallIn, ls.StallOut, got.Cycles)
		}
	}
	return got
}

// describe names a design and a stall configuration for failure messages.
func describe(p *hw.Plan, cfg Config) string {
	s := fmt.Sprintf("net %q in %v/%d-bit InPix %d", p.Name, p.Input.Shape, p.Input.Bits, p.Input.InPix)
	for _, l := range p.Layers {
		s += fmt.Sprintf(" | %s %dx%d w%d x%d PE %d SIMD %d", l.Kind, l.MH, l.MW, l.WBits, l.XBits, l.PE, l.SIMD)
	}
	return s + fmt.Sprintf(" | stall in %g out %g seed %d", cfg.StallIn, cfg.StallOut, cfg.Seed)
}

// randomPixels returns frames random images for p's input.
func randomPixels(rng *rand.Rand, p *hw.Plan, frames int) []byte {
	px := make([]byte, frames*p.Input.Shape.Size())
	for i := range px {
		px[i] = byte(rng.UintN(256))
	}
	return px
}

// randomFold draws a folding for an MW x MH layer between PE = SIMD = 1
// and fully parallel; with noPad only divisors.
func randomFold(rng *rand.Rand, mw, mh int, noPad bool) hw.Fold {
	pick := func(n int) int {
		switch rng.IntN(5) {
		case 0:
			return 1
		case 1:
			return n
		case 2:
			if !noPad { // up to the next power of two, as BNN-PYNQ's PE 16 on 10 classes
				p := 1
				for p < n {
					p *= 2
				}
				return p
			}
		}
		if noPad {
			var ds []int
			for d := 1; d <= n; d++ {
				if n%d == 0 {
					ds = append(ds, d)
				}
			}
			return ds[rng.IntN(len(ds))]
		}
		return 1 + rng.IntN(n)
	}
	return hw.Fold{PE: pick(mh), SIMD: pick(mw)}
}
