package hw

import "fmt"

// The parameters of the convolutional dataflow stages (docs/conv-hardware.md,
// sections "as built"): the sliding-window generator, the max-pool unit, the
// pixel-aware width converter and the stream FIFO. Each is the exact
// parameter set of its hand-written module in rtlgen/lib and of its model in
// sim; Check refuses what the module refuses at elaboration, and the derived
// numbers (shapes, memory sizes, latency, cycles) are computed here once.
// They are not yet part of Plan (issue 11, step 3 lowers netlist ops to them).

// SWGStage is a sliding-window generator (qnn_swg): a pixel stream of H*W
// pixels of C elements (SIMD per beat, C/SIMD beats per pixel) in, for each
// output pixel the KH*KW*C/SIMD beats of its window out, in (kh, kw, channel
// group) order, positions outside the input reading PadElem in every lane.
type SWGStage struct {
	C, H, W                              int
	KH, KW, Stride                       int
	PadTop, PadBottom, PadLeft, PadRight int
	PadElem                              int64 // hardware-domain pad element, 0 .. 2^XBits-1
	SIMD, XBits                          int
	// Rows is the line buffer's height in input rows, at least KH. KH +
	// Stride (DefaultRows) lets the writer fill the next Stride rows while
	// the reader reads a window's rows; more rows let it also prefetch the
	// next frame's first rows during the last windows, which removes the
	// start-of-frame wait (docs/conv-hardware.md "qnn_swg as built").
	Rows int
	// Style is the line buffer's memory (qnn_swg Style: MemAuto 0,
	// MemBlock 1, MemLUT 2); it changes no cycle.
	Style MemStyle
}

// StyleCode is qnn_swg's Style parameter for s.Style.
func (s SWGStage) StyleCode() int {
	switch s.Style {
	case MemBlock:
		return 1
	case MemLUT:
		return 2
	}
	return 0
}

// DefaultRows is KH + Stride, the line buffer of docs/conv-hardware.md.
func (s SWGStage) DefaultRows() int { return s.KH + s.Stride }

// Check reports the first parameter qnn_swg would refuse.
func (s SWGStage) Check() error {
	switch {
	case s.C < 1 || s.H < 1 || s.W < 1 || s.KH < 1 || s.KW < 1 || s.Stride < 1 || s.SIMD < 1 || s.XBits < 1:
		return fmt.Errorf("hw: swg: sizes must be positive (C %d H %d W %d kernel %dx%d stride %d SIMD %d XBits %d)",
			s.C, s.H, s.W, s.KH, s.KW, s.Stride, s.SIMD, s.XBits)
	case s.C%s.SIMD != 0:
		return fmt.Errorf("hw: swg: SIMD %d does not divide C %d", s.SIMD, s.C)
	case s.PadTop < 0 || s.PadBottom < 0 || s.PadTop >= s.KH || s.PadBottom >= s.KH ||
		s.PadLeft < 0 || s.PadRight < 0 || s.PadLeft >= s.KW || s.PadRight >= s.KW:
		return fmt.Errorf("hw: swg: padding [%d %d %d %d] must be >= 0 and below the %dx%d kernel",
			s.PadTop, s.PadBottom, s.PadLeft, s.PadRight, s.KH, s.KW)
	case s.OH() < 1 || s.OW() < 1:
		return fmt.Errorf("hw: swg: the %dx%d kernel does not fit the padded %dx%d input", s.KH, s.KW,
			s.H+s.PadTop+s.PadBottom, s.W+s.PadLeft+s.PadRight)
	case s.Style != MemAuto && s.Style != MemBlock && s.Style != MemLUT:
		return fmt.Errorf("hw: swg: unknown line buffer style %q", s.Style)
	case s.Rows < s.KH:
		return fmt.Errorf("hw: swg: a line buffer of %d rows is below the kernel height %d", s.Rows, s.KH)
	case s.XBits > 64 || s.PadElem < 0 || (s.XBits < 64 && s.PadElem >= 1<<s.XBits):
		return fmt.Errorf("hw: swg: pad element %d does not fit %d bits", s.PadElem, s.XBits)
	}
	return nil
}

// OH and OW are the output rows and columns.
func (s SWGStage) OH() int { return (s.H+s.PadTop+s.PadBottom-s.KH)/s.Stride + 1 }
func (s SWGStage) OW() int { return (s.W+s.PadLeft+s.PadRight-s.KW)/s.Stride + 1 }

// Groups is C/SIMD, the beats of one pixel.
func (s SWGStage) Groups() int { return s.C / s.SIMD }

// RowWords is the beats (memory words) of one input row, W*C/SIMD.
func (s SWGStage) RowWords() int { return s.W * s.Groups() }

// Depth is the line buffer's depth in words of SIMD*XBits bits.
func (s SWGStage) Depth() int { return s.Rows * s.RowWords() }

// InBeats and OutBeats are the beats of one frame in and out.
func (s SWGStage) InBeats() int  { return s.H * s.RowWords() }
func (s SWGStage) OutBeats() int { return s.OH() * s.OW() * s.WindowBeats() }

// WindowBeats is the beats of one window, KH*KW*C/SIMD.
func (s SWGStage) WindowBeats() int { return s.KH * s.KW * s.Groups() }

// NeedRow is the last input row output row oh reads:
// min(H-1, oh*Stride - PadTop + KH - 1).
func (s SWGStage) NeedRow(oh int) int { return min(s.H-1, oh*s.Stride-s.PadTop+s.KH-1) }

// Latency is the cycles from frame 0's first input handshake to its first
// output beat (valid) with input beats back to back and the output ready:
// the rows up to NeedRow(0) arrive, then the reader issues and the
// synchronous read and the output register add two cycles.
func (s SWGStage) Latency() int { return (s.NeedRow(0)+1)*s.RowWords() + 2 }

// SWGTiming is the no-stall schedule of a window generator over frames
// frames, input beats back to back from cycle 0 and the output always
// ready (docs/conv-hardware.md "qnn_swg as built").
type SWGTiming struct {
	// RowIssue[f*OH+oh] is the cycle output row oh of frame f issues its
	// first beat; its beats appear (valid) two cycles after their issue,
	// one per cycle.
	RowIssue []int64
	// WriteStart[f*H+r] is the cycle of input row r's first handshake.
	WriteStart []int64
}

// Timing computes the row-level schedule of frames frames. Writer row g
// (global, counting across frames) starts when row g-1 is written and the
// reader's lowest needed row L has passed g - Rows; reader row (f, oh)
// starts when its previous row is issued and input row f*H + NeedRow(oh)
// is written. Both rules act on the registers of the cycle, so a change
// becomes visible one cycle after the handshake or issue that causes it.
func (s SWGStage) Timing(frames int) SWGTiming {
	oh, ow := s.OH(), s.OW()
	rowIssue := int64(ow * s.WindowBeats())
	rowWrite := int64(s.RowWords())
	t := SWGTiming{RowIssue: make([]int64, frames*oh), WriteStart: make([]int64, frames*s.H)}
	// lowSince[j] is the cycle from which the reader's L (the lowest input
	// row it still needs, global) is that of reader row j: j = 0 from
	// cycle 0, row j from the cycle after row j-1's last issue.
	lowAt := func(j int) (low int, since int64) {
		f, r := j/oh, j%oh
		low = f*s.H + max(0, r*s.Stride-s.PadTop)
		if j > 0 {
			since = t.RowIssue[j-1] + rowIssue
		}
		return low, since
	}
	g := 0     // next writer row
	first := 0 // the first reader row whose L exceeds g - Rows (L grows with the row, g - Rows with g)
	var wEnd int64
	for j := range frames * oh {
		f, r := j/oh, j%oh
		need := f*s.H + s.NeedRow(r)
		// Write every row up to need (their gates depend on reader rows <= j;
		// row j's L always exceeds g - Rows for g <= need, as Rows >= KH).
		for ; g <= need; g++ {
			start := wEnd
			for low, _ := lowAt(first); low <= g-s.Rows && first < j; low, _ = lowAt(first) {
				first++
			}
			_, since := lowAt(first)
			start = max(start, since)
			t.WriteStart[g] = start
			wEnd = start + rowWrite
		}
		ready := t.WriteStart[need] + rowWrite
		if j > 0 {
			ready = max(ready, t.RowIssue[j-1]+rowIssue)
		}
		t.RowIssue[j] = ready
	}
	return t
}

// CyclesPerFrame is the steady-state cycles per frame without stalls: the
// distance between the first output beats of the last two of enough frames
// for the schedule to be periodic.
func (s SWGStage) CyclesPerFrame() int {
	frames := 4 + 2*(s.Rows/s.H+1)
	t := s.Timing(frames)
	oh := s.OH()
	return int(t.RowIssue[(frames-1)*oh] - t.RowIssue[(frames-2)*oh])
}

// PoolStage is a streaming max-pool unit (qnn_pool) for K <= Stride: a
// pixel stream of H*W pixels of C elements, Width per beat
// (ceil(C/Width) beats per pixel, lanes past C padding), in; the OH*OW
// pooled pixels in the same format out (lanes past C are 0). The maximum is
// of unsigned XBits-bit elements: the OR for bipolar bits.
type PoolStage struct {
	C, H, W, K, Stride int
	Width, XBits       int
}

// Check reports the first parameter qnn_pool would refuse.
func (p PoolStage) Check() error {
	switch {
	case p.C < 1 || p.H < 1 || p.W < 1 || p.K < 1 || p.Stride < 1 || p.Width < 1 || p.XBits < 1 || p.XBits > 64:
		return fmt.Errorf("hw: pool: sizes must be positive (C %d H %d W %d K %d stride %d width %d XBits %d)",
			p.C, p.H, p.W, p.K, p.Stride, p.Width, p.XBits)
	case p.K > p.Stride:
		return fmt.Errorf("hw: pool: window %d overlaps (stride %d): only K <= stride is built", p.K, p.Stride)
	case p.K > p.H || p.K > p.W:
		return fmt.Errorf("hw: pool: the %dx%d window does not fit the %dx%d input", p.K, p.K, p.H, p.W)
	}
	return nil
}

// OH and OW are the pooled rows and columns.
func (p PoolStage) OH() int { return (p.H-p.K)/p.Stride + 1 }
func (p PoolStage) OW() int { return (p.W-p.K)/p.Stride + 1 }

// Beats is the beats of one pixel, ceil(C/Width).
func (p PoolStage) Beats() int { return (p.C + p.Width - 1) / p.Width }

// Latency is 1: the output beat is registered on the input handshake that
// completes a window.
func (p PoolStage) Latency() int { return 1 }

// CyclesPerFrame is H*W*Beats: the unit takes one beat per cycle.
func (p PoolStage) CyclesPerFrame() int { return p.H * p.W * p.Beats() }

// DWCStage is a pixel-aware width converter (qnn_dwc): pixels of C
// elements, InWidth per beat in (ceil(C/InWidth) beats), OutWidth per beat
// out (ceil(C/OutWidth) beats, lanes past C are 0).
type DWCStage struct {
	C, InWidth, OutWidth, XBits int
}

// Check reports the first parameter qnn_dwc would refuse.
func (d DWCStage) Check() error {
	if d.C < 1 || d.InWidth < 1 || d.OutWidth < 1 || d.XBits < 1 || d.XBits > 64 {
		return fmt.Errorf("hw: dwc: sizes must be positive (C %d widths %d -> %d XBits %d)", d.C, d.InWidth, d.OutWidth, d.XBits)
	}
	return nil
}

// InBeats and OutBeats are the beats of one pixel on each side.
func (d DWCStage) InBeats() int  { return (d.C + d.InWidth - 1) / d.InWidth }
func (d DWCStage) OutBeats() int { return (d.C + d.OutWidth - 1) / d.OutWidth }

// Latency is InBeats + 1: the pixel's last input beat moves it to the read
// buffer, the next cycle issues its first output beat into the output
// register.
func (d DWCStage) Latency() int { return d.InBeats() + 1 }

// CyclesPerPixel is max(InBeats, OutBeats), the steady state without
// stalls.
func (d DWCStage) CyclesPerPixel() int { return max(d.InBeats(), d.OutBeats()) }

// FIFOStage is a first-word-fall-through stream FIFO (qnn_fifo) of
// Width-bit beats: Depth words of LUT RAM and the output register, so it
// holds Depth+1 beats.
type FIFOStage struct {
	Depth, Width int
}

// Check reports the first parameter qnn_fifo would refuse.
func (f FIFOStage) Check() error {
	if f.Depth < 1 || f.Width < 1 {
		return fmt.Errorf("hw: fifo: depth %d and width %d must be positive", f.Depth, f.Width)
	}
	return nil
}

// Capacity is the beats the FIFO holds, Depth + 1.
func (f FIFOStage) Capacity() int { return f.Depth + 1 }

// Latency is 1: a beat into an empty FIFO is valid at the output the cycle
// after its handshake.
func (f FIFOStage) Latency() int { return 1 }

// FastestRows is the smallest line buffer (Rows >= KH) whose steady-state
// CyclesPerFrame equals that of a buffer of H + 2*KH + Stride rows (a whole
// frame and a window more, the largest size searched): the plan's choice
// when the window generator must not slow the pipeline. KH + Stride rows
// leave a start-of-frame wait when the reader is the bottleneck (the next
// frame's first rows cannot be prefetched during the last windows).
func (s SWGStage) FastestRows() int {
	best := s
	best.Rows = s.H + 2*s.KH + s.Stride
	target := best.CyclesPerFrame()
	for r := s.KH; r < best.Rows; r++ {
		s.Rows = r
		if s.CyclesPerFrame() == target {
			return r
		}
	}
	return best.Rows
}

// Mem is the line buffer: Depth words of SIMD*XBits bits, in Style.
func (s SWGStage) Mem() Mem { return Mem{Depth: s.Depth(), Width: s.SIMD * s.XBits, Style: s.Style} }

// PlanRows is the plan's line buffer: FastestRows, and at least 2*KH +
// Stride rows, so that the writer can run a window's rows ahead of a
// reader that its consumer holds back (with FastestRows alone, 9 of 1,500
// random small conv designs in sim ran up to 20% slower than the plan when
// a window generator's consumer took its beats in bursts); never more than
// FastestRows' largest, H + 2*KH + Stride.
func (s SWGStage) PlanRows() int {
	return min(max(s.FastestRows(), 2*s.KH+s.Stride), s.H+2*s.KH+s.Stride)
}
