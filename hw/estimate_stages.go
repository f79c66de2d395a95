package hw

// Estimates of the convolutional stages (docs/hw-plan.md "Resource
// estimate"): their memories, data registers, multiplexers and counters
// for 6-input-LUT fabrics, calibrated against Yosys 0.23 synth_xilinx on
// the designs of scripts/bench-estimate.sh (docs/estimate-results.md).

// lutRAM is a LUT RAM of depth words of width bits with a write port and
// an asynchronous read port at another address, in the LUT6 sites Yosys
// fills: up to 32 words RAM32M (32 x 6 bits in 4 sites), a 1-bit memory a
// RAM128X1D (4 sites) per 128 words, else a bank of RAM64M (64 x 3 bits in
// 4 sites) per 64 words (exact on the 11 line buffers measured).
func lutRAM(depth, width int) Resources {
	switch {
	case depth <= 32:
		return Resources{LUT: 4 * ceilDiv(width, 6)}
	case width == 1:
		return Resources{LUT: 4 * ceilDiv(depth, 128)}
	}
	return Resources{LUT: 4 * ceilDiv(width, 3) * ceilDiv(depth, 64)}
}

// lutRAMShared is a LUT RAM read and written at the same address (a
// pool's accumulators): every port of a quad holds data, RAM32M 32 x 8 and
// RAM64M 64 x 4 bits in 4 sites (exact on the 8 pools measured).
func lutRAMShared(depth, width int) Resources {
	if depth <= 32 {
		return Resources{LUT: 4 * ceilDiv(width, 8)}
	}
	return Resources{LUT: 4 * ceilDiv(width, 4) * ceilDiv(depth, 64)}
}

// Estimate is the window generator: the line buffer in its style (block
// RAM counted as the ROMs are, LUT RAM as lutRAM), and as logic two LUTs
// per output bit (the pad select and the read register's path; none with
// a block RAM, whose output register is the read register), 2.75 per
// counter bit of the writer and reader, and 44 of control (least-squares
// on 11 LUT RAM generators: within -16%..+28% each, the LUT RAM exact; one
// block RAM generator within 2%). Flip-flops: the output register, the
// read register (LUT RAM only), the counters.
func (s SWGStage) Estimate() Resources {
	m := s.Mem()
	var r Resources
	perBit := 2
	if m.Style == MemBlock || (m.Style == MemAuto && lut6Style(m) == MemBlock) {
		r, perBit = romEstimate(Mem{Depth: m.Depth, Width: m.Width, Style: MemBlock}), 0
	} else {
		r = lutRAM(m.Depth, m.Width)
	}
	counters := 2*clog2(s.Rows) + 2*clog2(s.RowWords()) + clog2(s.H+s.Rows) + 2*clog2(s.H+s.KH) + 2*clog2(s.W+s.KW) +
		clog2(s.KH) + clog2(s.KW) + clog2(s.Groups())
	r.LUT += perBit*m.Width + (11*counters+3)/4 + 44
	r.FF += (1+perBit/2)*m.Width + counters + 3
	return r
}

// Estimate is the max-pool unit: the accumulators in LUT RAM
// (lutRAMShared), a lane-wise maximum of XBits + XBits/2 LUTs (the OR of
// 1-bit lanes; Yosys builds a 2-bit maximum and the first-pixel bypass in
// about 3 LUTs, a 3-bit one in about 4, not a comparator and a select),
// the output register and the counters.
func (p PoolStage) Estimate() Resources {
	w := p.Width * p.XBits
	r := lutRAMShared(p.OW()*p.Beats(), w)
	lane := p.XBits + p.XBits/2
	counters := clog2(p.Beats()) + 2*clog2(p.W) + 2*clog2(p.H) + 2*clog2(p.Stride)
	r.LUT += p.Width*lane + 2*counters + 8
	r.FF += w + counters + 1
	return r
}

// Estimate is the width converter: the write and read buffers and output
// register in flip-flops (loaded through their clock enables); as logic
// 1.5 LUTs per bit of the input's last beat (the only part of the write
// buffer the read buffer loads through a multiplexer), the output beat
// multiplexer (Bo:1 per output bit, none for one beat), the positions and
// 10 of control (within -5%..+16% on the 5 converters measured).
func (d DWCStage) Estimate() Resources {
	w := d.OutWidth * d.XBits
	mux := 0
	if d.OutBeats() > 1 {
		mux = w * ceilDiv(d.OutBeats()-1, 3)
	}
	return Resources{
		LUT: ceilDiv(3*d.InWidth*d.XBits, 2) + mux + 2*clog2(d.InBeats()) + 2*clog2(d.OutBeats()) + 10,
		FF:  (d.InBeats()*d.InWidth+d.C)*d.XBits + w + clog2(d.InBeats()) + clog2(d.OutBeats()) + 3,
	}
}

// Estimate is the FIFO: its memory in LUT RAM (lutRAM: RAM32M to 32
// words, RAM64M banks beyond), the output register, the pointers and the
// count: w + 5*clog2(Depth) + 5 LUTs and w + 4*clog2(Depth) + 2 FFs
// beside the LUT RAM; depth 1 is a register, w + 4 LUTs and 2w + 2 FFs
// (Yosys on qnn_fifo alone at depths 1..64 and widths 8 and 24: exact at
// 11 of 14 points; depth 4 takes 38 and 78 LUTs, estimated 31 and 55, and
// Yosys builds 2 x 8 in flip-flops, 42 LUTs and 30 FFs, estimated 26 and
// 14).
func (f FIFOStage) Estimate() Resources {
	if f.Depth == 1 {
		return Resources{LUT: f.Width + 4, FF: 2*f.Width + 2}
	}
	r := lutRAM(f.Depth, f.Width)
	r.LUT += f.Width + 5*clog2(f.Depth) + 5
	r.FF += f.Width + 4*clog2(f.Depth) + 2
	return r
}

// stageEstimate is a stage's estimate, for the kinds Estimate does not
// count through Layers and the input and output stages.
func (s *Stage) stageEstimate() Resources {
	switch s.Kind {
	case StageLSTM:
		return s.LSTM.Estimate()
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
