package hw

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestConvStagesCheck: each stage's Check refuses what its module refuses.
func TestConvStagesCheck(t *testing.T) {
	ok := SWGStage{C: 6, H: 5, W: 4, KH: 3, KW: 2, Stride: 2, PadTop: 1, SIMD: 3, XBits: 2, PadElem: 3, Rows: 5}
	if err := ok.Check(); err != nil {
		t.Fatalf("good swg refused: %v", err)
	}
	for _, c := range []struct {
		mod  func(*SWGStage)
		want string
	}{
		{func(s *SWGStage) { s.SIMD = 4 }, "does not divide"},
		{func(s *SWGStage) { s.PadTop = 3 }, "padding"},
		{func(s *SWGStage) { s.PadLeft = -1 }, "padding"},
		{func(s *SWGStage) { s.H, s.PadTop = 1, 0 }, "does not fit"},
		{func(s *SWGStage) { s.PadElem = 4 }, "pad element"},
		{func(s *SWGStage) { s.Rows = 2 }, "below the kernel height"},
		{func(s *SWGStage) { s.Stride = 0 }, "positive"},
	} {
		s := ok
		c.mod(&s)
		if err := s.Check(); err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "hw: swg: ") {
			t.Errorf("%+v: got %v, want an error with %q", s, err, c.want)
		}
	}
	if err := (PoolStage{C: 3, H: 4, W: 4, K: 3, Stride: 2, Width: 3, XBits: 1}).Check(); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("overlapping pool: %v", err)
	}
	if err := (PoolStage{C: 3, H: 2, W: 4, K: 3, Stride: 3, Width: 3, XBits: 1}).Check(); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("pool larger than its input: %v", err)
	}
	if err := (DWCStage{C: 3, InWidth: 0, OutWidth: 2, XBits: 1}).Check(); err == nil {
		t.Error("dwc of width 0 accepted")
	}
	if err := (FIFOStage{Depth: 0, Width: 2}).Check(); err == nil {
		t.Error("fifo of depth 0 accepted")
	}
}

// TestSWGFastestRows: on the CNV-like first layer (32x32x3, 3x3, stride 1,
// reader-bound) KH + Stride rows leave a start-of-frame wait of two input
// rows (the next frame's rows 1 and 2 cannot be prefetched), and the
// fastest line buffer runs at the reader's bound, OH*OW*KH*KW*C/SIMD.
func TestSWGFastestRows(t *testing.T) {
	s := SWGStage{C: 3, H: 32, W: 32, KH: 3, KW: 3, Stride: 1, SIMD: 3, XBits: 8}
	s.Rows = s.DefaultRows()
	if got, want := s.CyclesPerFrame(), 30*30*9+2*32; got != want {
		t.Errorf("KH + Stride rows: %d cycles per frame, want %d", got, want)
	}
	s.Rows = s.FastestRows()
	if got, want := s.CyclesPerFrame(), 30*30*9; got != want || s.Rows > 2*s.KH {
		t.Errorf("FastestRows %d: %d cycles per frame, want %d with at most %d rows", s.Rows, got, want, 2*s.KH)
	}
}

// TestSWGTimelineMatchesTiming: the schedule's window-generator rule
// (timeline, over offered input times) with input beats back to back gives
// the row-level schedule of SWGStage.Timing, which sim's TestSWGTiming
// confirms cycle for cycle: first output beat of every output row.
func TestSWGTimelineMatchesTiming(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for range 300 {
		s := SWGStage{KH: 1 + rng.IntN(4), KW: 1 + rng.IntN(4), Stride: 1 + rng.IntN(3), SIMD: 1, XBits: 1}
		s.C = 1 + rng.IntN(4)
		s.PadTop, s.PadLeft = rng.IntN(s.KH), rng.IntN(s.KW)
		s.H, s.W = s.KH+rng.IntN(6), s.KW+rng.IntN(6)
		s.Rows = s.KH + rng.IntN(s.Stride+3)
		if s.Check() != nil {
			continue
		}
		const frames = 5
		e := make([]int64, frames*s.InBeats())
		for k := range e {
			e[k] = int64(k)
		}
		in, out := s.timeline(e, frames, false)
		want := s.Timing(frames)
		row := s.OW() * s.WindowBeats()
		for j, b := range want.RowIssue {
			if got := out[j*row]; got != b+2 {
				t.Fatalf("%+v: output row %d first beat at %d, Timing says %d", s, j, got, b+2)
			}
		}
		for g, a := range want.WriteStart[:(frames-1)*s.H+s.NeedRow(s.OH()-1)+1] { // Timing stops at the last row read
			if got := in[g*s.RowWords()]; got != a {
				t.Fatalf("%+v: input row %d taken from %d, Timing says %d", s, g, got, a)
			}
		}
	}
}
