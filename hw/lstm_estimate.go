package hw

import "github.com/qnn-dev/qnn/netlist"

// The estimate of a sequence model's token input and lstm stage
// (docs/hw-plan.md "Resource estimate"): memories as the ROMs are counted,
// the datapath by the MVTU's formulas where it is the MVTU's (lanes,
// accumulators, threshold units) and LUT multipliers for the cell unit.
// Not calibrated against synthesis: qnn_lstm does not exist yet.

// tokenEstimate is the token input: the comparison token >= V and the
// replacement by token 0 (a LUT per token bit and two), and frame_err and
// the saturating frame_drops counter (as the framer's: DropBits LUTs and
// FFs, one FF).
func (in InputStage) tokenEstimate() Resources {
	return Resources{LUT: in.TokenBits + 2 + in.DropBits, FF: 1 + in.DropBits}
}

// Estimate is the lstm stage: its five ROMs and the cell RAM; the lane
// multiplexer (embedding ROM word, 2*SFh h-bank words or the reset level),
// the h banks in flip-flops with a write enable per bank and beat; PE
// mul-kind lanes, accumulators and gate threshold units as an MVTU's; per
// unit the cell unit (LUT multipliers for f*c_prev, i*g and o*t, their
// rounding adders, the sum and the saturation) and the cell-act and hidden
// threshold units; counters and control. Flip-flops: the lane register,
// accumulators, gate levels, c_prev, c and o, the output register, the h
// banks, tok_q and the counters (LUT ROMs' output registers in the ROMs').
func (s *LSTMStage) Estimate() Resources {
	var r Resources
	for _, m := range []Mem{s.EmbMem, s.WeightMem, s.GateThrMem, s.CellThrMem, s.HidThrMem} {
		r.add(romEstimate(m))
	}
	r.add(s.cellRAMEstimate())
	lanes := s.SIMD * s.Bits
	bank := 2 * s.SFh * s.SIMD * s.Bits
	r.LUT += lanes*ceilDiv(2*s.SFh+1, 3) + 2*s.NF
	r.FF += lanes + bank
	pe := s.SIMD*s.WBits*s.Bits + adderTree(s.SIMD, s.WBits+s.Bits) + s.AccWidth +
		thresholdLUTs(s.GateNumThr, max(s.GateThrWidth, s.AccWidth+1))
	r.LUT += s.PE * pe
	r.FF += s.PE * (s.AccWidth + s.GateBits)
	r.LUT += s.U * s.cellUnitLUTs()
	r.FF += s.U * (2*s.CellBits + s.GateBits + s.Bits)
	counters := 3*clog2(s.NF) + clog2(s.SF) + clog2(s.V)
	r.LUT += 2*counters + 60
	r.FF += counters + clog2(s.V) + 12
	return r
}

// cellRAMEstimate is the cell RAM: LUT RAM (a write port and a read port
// at another address) with its read register, or block RAM.
func (s *LSTMStage) cellRAMEstimate() Resources {
	m := s.CellMem
	style := m.Style
	if style == MemAuto {
		style = lut6Style(m)
	}
	if style == MemBlock {
		return romEstimate(Mem{Depth: m.Depth, Width: m.Width, Style: MemBlock})
	}
	r := lutRAM(m.Depth, m.Width)
	r.FF += m.Width
	return r
}

// cellUnitLUTs is one unit's cell unit and its two threshold units: LUT
// multipliers of a*b LUTs for a- and b-bit operands (the gate values,
// c_prev, t), the rounding adders, the sum, the saturation.
func (s *LSTMStage) cellUnitLUTs() int {
	gw := func(g int) int {
		return netlist.SignedBits(s.GateBase[g], s.GateBase[g]+int64(1)<<s.GateBits-1)
	}
	tw := netlist.SignedBits(s.CellActBase, s.CellActBase+int64(1)<<s.CellActBits-1)
	mul := gw(1)*s.CellBits + gw(0)*gw(2) + gw(3)*tw
	add := s.FCWidth + s.IGWidth + 2*s.CellSumWidth
	return mul + add + thresholdLUTs(s.CellNumThr, s.CellThrWidth+1) + thresholdLUTs(s.HidNumThr, max(s.HidThrWidth, s.OTWidth+1))
}

// thresholdLUTs is a threshold unit of k thresholds compared over w bits,
// as activateLUTs counts an MVTU's.
func thresholdLUTs(k, w int) int {
	c := k*w - min(k, 2)
	if k > 7 {
		c += 4 * k
	}
	return c
}
