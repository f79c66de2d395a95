package hw

// The MVTU's input buffer (qnn_input_buffer, docs/dataflow.md "Input
// buffer"): two banks of MW elements, built from registers or, where the
// beats fit the read words, from memories.

// InBufGroups is the number of memories of a memory-style input buffer:
// SIMD/InWidth lane groups of a SIMD-lane word, each written by one beat
// (1 when a beat is a whole word). 0 when InWidth does not divide SIMD:
// such a buffer is built from registers only.
func (l *Layer) InBufGroups() int {
	if l.InWidth < 1 || l.SIMD%l.InWidth != 0 {
		return 0
	}
	return l.SIMD / l.InWidth
}

// InBufMem is one memory of a memory-style input buffer: both banks,
// 2 << clog2(SF) words (the bank in the top address bit) of InWidth
// elements, in the plan's InBufStyle.
func (l *Layer) InBufMem() Mem {
	return Mem{Depth: 2 << clog2(l.SF), Width: l.InWidth * l.XBits, Style: l.InBufStyle}
}

// inBufStyle is the plan's input buffer on a fabric with LUT RAM and block
// RAM (xc7). The memory build, where InWidth divides SIMD: block RAM for a
// single memory deeper than 64 words (a RAMB18 holds any of CNV's; the
// same memory in LUT RAM costs 4 LUTs per 3 bits and 64 words), LUT RAM
// otherwise (narrow groups, whose block RAMs would be mostly empty, and
// shallow words: a RAM32M is 32 words of 6 bits, a RAM64M 64 of 3). It is
// chosen when its estimate takes fewer LUTs than the registers' (whose
// cost is the SF:1 lane multiplexers): at SF = 1 or with many narrow
// groups of a few words the registers win.
func (l *Layer) inBufStyle() MemStyle {
	k := l.InBufGroups()
	if k == 0 {
		return MemAuto
	}
	s := MemLUT
	if k == 1 && l.InBufMem().Depth > 64 {
		s = MemBlock
	}
	if l.inBufEstimate(s).LUT < l.inBufEstimate(MemAuto).LUT {
		return s
	}
	return MemAuto
}

// inBufEstimate is the input buffer in style s, its read register (stage
// B's lanes) and its counters as Yosys 0.23 synth_xilinx builds them.
func (l *Layer) inBufEstimate(s MemStyle) Resources {
	lanes := l.SIMD * l.XBits
	if s == MemAuto {
		// Fold read multiplexer of the read buffer, SF:1 per lane bit
		// (about a third of a LUT per input up to 64:1; deeper ones, built
		// of 64:1 stages, about half), and the last beat's path into the
		// read buffer; the banks and the read register in flip-flops.
		mux := ceilDiv(l.SF-1, 3)
		if l.SF > 64 {
			mux = ceilDiv(l.SF, 2)
		}
		r := Resources{LUT: lanes*mux + (l.MW-(l.InBeats-1)*l.InWidth)*l.XBits, FF: 2*l.MW*l.XBits + lanes}
		if l.InBeats > 1 {
			r.LUT += 2 * clog2(l.InBeats) // beat counter (the write side is a shift register)
		}
		return r
	}
	// The memories: the counters of the beat, word and lane group (the
	// beat's flip-flops are counted with the MVTU's), the banks' full
	// flags and pointers, a write enable per group.
	k, m := l.InBufGroups(), l.InBufMem()
	m.Style = s
	counters := clog2(l.InBeats) + clog2(l.SF) + clog2(k)
	r := Resources{LUT: counters + 8, FF: clog2(l.SF) + clog2(k) + 2 + lanes}
	if k > 1 {
		r.LUT += k
	}
	if l.MWp > l.MW {
		r.LUT += (l.MWp - l.MW) * l.XBits // the pad lanes' select
		r.FF++
	}
	if m.Style == MemBlock {
		r.FF -= lanes // the block RAM's output register
		r.BRAM = float64(ceilDiv(m.Width, ramb18Width(m.Depth))) / 2
		return r
	}
	r.LUT += k * lutRAMXC7(m.Depth, m.Width)
	return r
}

// lutRAMXC7 is a LUT RAM of depth words of width bits (one write port, one
// read port) as Yosys 0.23 maps it to xc7: RAM32M (32 x 6 bits in 4 LUTs),
// RAM64M (64 x 3), RAM128X1D (128 x 1 in 4), deeper ones in 64-word RAM64M
// slices with a LUT per bit to select the slice per 4 slices.
func lutRAMXC7(depth, width int) int {
	switch {
	case depth <= 32:
		return 4 * ceilDiv(width, 6)
	case depth <= 64:
		return 4 * ceilDiv(width, 3)
	case depth <= 128 && width <= 2:
		return 4 * width
	}
	slices := ceilDiv(depth, 64)
	return slices*4*ceilDiv(width, 3) + width*ceilDiv(slices-1, 3)
}
