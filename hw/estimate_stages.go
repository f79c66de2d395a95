package hw

// Estimates of the convolutional stages (docs/hw-plan.md "Resource
// estimate"): first-order counts of their memories, data registers,
// multiplexers and counters for 6-input-LUT fabrics, not yet calibrated
// against Yosys like the MVTU's.

// lutRAM is a LUT RAM of depth words of width bits with one write and one
// asynchronous read port: a RAM64X1D (two LUT6) per bit and 64 words.
func lutRAM(depth, width int) Resources {
	return Resources{LUT: 2 * ceilDiv(depth, 64) * width}
}

// Estimate is the window generator: the line buffer in its style (block
// RAM counted as the ROMs are, LUT RAM two LUTs per bit and 64 words), the
// pad select of the output lanes, the writer's and reader's counters and
// the output and read registers.
func (s SWGStage) Estimate() Resources {
	m := s.Mem()
	var r Resources
	if m.Style == MemBlock || (m.Style == MemAuto && lut6Style(m) == MemBlock) {
		r = romEstimate(Mem{Depth: m.Depth, Width: m.Width, Style: MemBlock})
	} else {
		r = lutRAM(m.Depth, m.Width)
	}
	counters := 2*clog2(s.Rows) + 2*clog2(s.RowWords()) + clog2(s.H+s.Rows) + 2*clog2(s.H+s.KH) + 2*clog2(s.W+s.KW) +
		clog2(s.KH) + clog2(s.KW) + clog2(s.Groups())
	r.LUT += m.Width + 3*counters + 24
	r.FF += 2*m.Width + counters + 3
	return r
}

// Estimate is the max-pool unit: the accumulators in LUT RAM, a lane-wise
// maximum (one LUT per bit for the OR of 1-bit lanes, a comparator and
// select otherwise), the output register and the counters.
func (p PoolStage) Estimate() Resources {
	w := p.Width * p.XBits
	r := lutRAM(p.OW()*p.Beats(), w)
	lane := p.XBits
	if p.XBits > 1 {
		lane = 2*p.XBits + 1
	}
	counters := clog2(p.Beats()) + 2*clog2(p.W) + 2*clog2(p.H) + 2*clog2(p.Stride)
	r.LUT += p.Width*lane + 2*counters + 8
	r.FF += w + counters + 1
	return r
}

// Estimate is the width converter: the write and read buffers and output
// register in flip-flops, the output beat multiplexer (Bo:1 per output
// bit) and the positions.
func (d DWCStage) Estimate() Resources {
	w := d.OutWidth * d.XBits
	return Resources{
		LUT: w*max(1, ceilDiv(d.OutBeats()-1, 3)) + 2*clog2(d.InBeats()) + 2*clog2(d.OutBeats()) + 6,
		FF:  (d.InBeats()*d.InWidth+d.C)*d.XBits + w + clog2(d.InBeats()) + clog2(d.OutBeats()) + 3,
	}
}

// Estimate is the FIFO: its memory in LUT RAM, the output register, the
// pointers and the count.
func (f FIFOStage) Estimate() Resources {
	r := lutRAM(f.Depth, f.Width)
	r.LUT += 3*clog2(f.Depth+1) + 4
	r.FF += f.Width + 2*clog2(f.Depth) + clog2(f.Depth+1) + 1
	return r
}

// stageEstimate is a stage's estimate, for the kinds Estimate does not
// count through Layers and the input and output stages.
func (s *Stage) stageEstimate() Resources {
	switch s.Kind {
	case StageSWG:
		return s.SWG.Estimate()
	case StagePool:
		return s.Pool.Estimate()
	case StageDWC:
		return s.DWC.Estimate()
	case StageFIFO:
		return s.FIFO.Estimate()
	}
	return Resources{}
}
