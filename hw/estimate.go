package hw

import "math/bits"

// Resources is an analytic FPGA resource estimate for a 6-input-LUT
// fabric (docs/hw-plan.md lists the formulas; they are to be calibrated
// against Yosys synth_xilinx).
type Resources struct {
	LUT  int     // logic LUTs, LUT-mapped ROMs included
	FF   int     // flip-flops
	BRAM float64 // block RAM in BRAM36 units (a RAMB18 counts 0.5)
}

func (r *Resources) add(o Resources) {
	r.LUT += o.LUT
	r.FF += o.FF
	r.BRAM += o.BRAM
}

// estimate fills every layer's Estimate and the plan's total.
func (p *Plan) estimate() {
	total := p.Input.Estimate()
	for _, l := range p.Layers {
		l.Estimate = l.estimate()
		total.add(l.Estimate)
	}
	for i := range p.Stages {
		s := &p.Stages[i]
		s.Estimate = s.stageEstimate()
		total.add(s.Estimate)
	}
	total.add(p.Output.Estimate())
	p.Estimate = total
}

// Estimate is the input stage (a sequence model's: tokenEstimate): the binarizer, an 8-bit constant comparison
// per pixel (2 LUTs: Yosys spends 0-2 per pixel on 8 designs of 1 to 8
// pixels per beat, merging some into the next stage), and the framer: beat
// counter and its compare, the tlast check, the saturating drop counter,
// with MVTU 0's abort of the write position (Yosys on TFC at 49 beats: 37 +
// 7 LUTs, 24 FFs).
func (in InputStage) Estimate() Resources {
	if in.Tokens > 0 {
		return in.tokenEstimate()
	}
	var r Resources
	if in.Bits == 1 {
		r.LUT += 2 * in.InPix
	}
	r.LUT += 2*clog2(in.Beats) + in.DropBits + 16
	r.FF += clog2(in.Beats) + in.DropBits + 2
	if in.Pad {
		// qnn_framer_pad's pad state and filler mux (not calibrated).
		r.LUT += in.InPix*in.Bits + 4
		r.FF++
	}
	return r
}

// Estimate is the argmax stage: score registers with their write enables
// and the frame's bypass into the output register, the lanes' compare
// chain, control. Flip-flops: the score registers and the output
// register's scores (Yosys merges the sign-extension bits of each tdata
// field and the class field's constant bits), the best score, the class
// and beat counters, 30 of control (exact on 5 of 6 designs measured,
// docs/estimate-results.md). With TopScore there are no score registers
// and the output register holds one score (not calibrated).
func (o OutputStage) Estimate() Resources {
	r := Resources{
		LUT: o.Classes*o.ScoreBits + o.PE*(ceilDiv(o.ScoreBits, 2)+o.ScoreBits) + 35,
		FF:  2*o.Classes*o.ScoreBits + o.ScoreBits + clog2(o.Classes) + clog2(o.Beats) + 30,
	}
	if o.TopScore {
		r.LUT = o.PE*(ceilDiv(o.ScoreBits, 2)+o.ScoreBits) + clog2(o.Classes) + 35
		r.FF = 2*o.ScoreBits + 2*clog2(o.Classes) + clog2(o.Beats) + 30
	}
	if o.Stream { // qnn_logits: an output register and a beat counter
		r.LUT = 2*clog2(o.Beats) + 8
		r.FF = o.PE*o.ScoreBits + clog2(o.Beats) + 2
	}
	if d := o.FlagDepth; d > 0 {
		// A conv-first design's bad-flag queue (qnn_frame_flags, instance
		// u_frame_flags beside u_argmax): FlagDepth flags, a count, a shift
		// mux per flag, and the output gating (not calibrated).
		r.LUT += d + 2*clog2(d+1)
		r.FF += d + clog2(d+1)
	}
	return r
}

// estimate is one MVTU with its input buffer and ROMs.
func (l *Layer) estimate() Resources {
	var r Resources
	r.LUT = l.PE*(l.laneLUTs()+l.AccWidth+l.activateLUTs()) + 56
	r.add(l.inBufEstimate(l.InBufStyle))
	r.FF += l.PE*l.AccWidth + l.PE*l.OutBits + // accumulators, output register
		clog2(l.InBeats) + 3*clog2(l.NF) + clog2(l.SF) + 10 // counters and flags
	if l.Tree { // tree register ranks, and valid/first/last/nf delayed PipeDepth stages
		if t, err := l.tree(l.PipelineEvery); err == nil {
			r.FF += l.PE*t.Registers() + l.PipeDepth*(3+clog2(l.NF))
		}
	}
	r.add(romEstimate(l.WeightMem))
	r.add(l.actROMEstimate())
	return r
}

// actROMEstimate is the threshold or score ROM. Built from LUTs at depth
// <= 64 it costs, as Yosys 0.23 synth_xilinx builds it, a register per
// distinct non-constant bit column of its contents (equal columns merge,
// constant ones vanish) and about 4% more LUTs (on LFC-w1a2's threshold
// ROMs: registers exact, LUTs 2-7% over the columns; docs/synth-results.md).
func (l *Layer) actROMEstimate() Resources {
	m := l.ThrMem
	style := m.Style
	if style == MemAuto {
		style = lut6Style(m)
	}
	if style != MemLUT || m.Depth > 64 {
		return romEstimate(m)
	}
	n := l.actColumns()
	return Resources{LUT: n + ceilDiv(n, 25), FF: n}
}

// actColumns counts the distinct non-constant bit columns (over the NF
// words) of the activation ROM, whose word nf holds per PE p neuron
// nf*PE+p's entry (docs/dataflow.md, "Memories").
func (l *Layer) actColumns() int {
	seen := make(map[string]bool)
	col := make([]byte, l.NF)
	for p := 0; p < l.PE; p++ {
		for b := 0; b < l.actEntryBits(); b++ {
			ones := 0
			for nf := range col {
				col[nf] = l.actBit(nf*l.PE+p, b)
				ones += int(col[nf])
			}
			if ones > 0 && ones < l.NF {
				seen[string(col)] = true
			}
		}
	}
	return len(seen)
}

// actEntryBits is the width of one neuron's activation ROM entry.
func (l *Layer) actEntryBits() int {
	if l.Mode == ModeScore {
		return l.OutBits
	}
	return l.NumThr*l.ThrWidth + 1
}

// actBit is bit b of neuron's activation ROM entry: threshold j at
// [j*ThrWidth +: ThrWidth] and the reversed flag on top, or ScoreAdd.
func (l *Layer) actBit(neuron, b int) byte {
	if l.Mode == ModeScore {
		return byte(uint64(l.ScoreAdd(neuron)) >> b & 1)
	}
	t, rev := l.Thresholds(neuron)
	if b == l.NumThr*l.ThrWidth {
		if rev {
			return 1
		}
		return 0
	}
	return byte(uint64(t[b/l.ThrWidth]) >> (b % l.ThrWidth) & 1)
}

// laneLUTs is one PE's lane products and reduction tree.
func (l *Layer) laneLUTs() int {
	n := l.SIMD
	if l.Tree { // the generated tree: XNORs (or plane gates) folded into its first level
		if t, err := l.tree(l.PipelineEvery); err == nil {
			return t.LUTs()
		}
	}
	switch l.Kind {
	case KindXnor: // XNORs two per LUT6_2, then a compressor tree of about one LUT per input
		if n == 1 {
			return 1
		}
		return ceilDiv(n, 2) + n
	case KindW1: // conditional negation, then an adder tree
		return n*l.XBits + signedSumLUTs(n, l.XBits+1)
	case KindX1:
		return n*l.WBits + signedSumLUTs(n, l.WBits+1)
	default: // LUT multipliers
		return n*l.WBits*l.XBits + adderTree(n, l.WBits+l.XBits)
	}
}

// adderTree is a balanced tree adding n operands of b bits.
func adderTree(n, b int) int { return (n - 1) * (b + 1) }

// signedSumLUTs is what Yosys 0.23 synth_xilinx spends on qnn_pe's signed
// lane sum (w1 and x1 lanes) of n operands of b bits: a balanced tree whose
// adders grow a bit per level, sum over levels k of ceil(n/2^k) * (b+k),
// times 2.35 (calibrated on SIMD 16, 64 and 256 with b = 3: Yosys spends
// 2.24-2.39 times that; docs/synth-results.md).
func signedSumLUTs(n, b int) int {
	t := 0
	for k, m := 1, n; m > 1; k++ {
		m = ceilDiv(m, 2)
		t += m * (b + k)
	}
	return (t*47 + 10) / 20
}

// activateLUTs is one PE's threshold or score unit.
func (l *Layer) activateLUTs() int {
	if l.Mode == ModeScore {
		return l.OutBits
	}
	// qnn_threshold: one signed comparator per threshold over the
	// comparison width, the reversed flag folded into its operands, and the
	// level read from the hits by binary search. Yosys 0.23 synth_xilinx
	// alone: a LUT per compared bit, less 1 (1 threshold) or 2 (3 and 7
	// thresholds: exact on 10 units of 8-17 bits, 3 under on a 10-bit one),
	// about 4 LUTs more per threshold with 15 (a 13-bit unit: 254, the
	// formula 253); docs/synth-results.md.
	return thresholdLUTs(l.NumThr, max(l.ThrWidth, l.AccWidth+1))
}

// lut6Style is the plan's choice for a ROM on a 6-input-LUT fabric: LUTs
// for depth <= 64 (one LUT6 per output bit, the distributed-ROM form) and
// for small ROMs up to romLogicBits bits, block RAM for the rest. Yosys
// 0.23 left alone builds some large ROMs (256 x 256) from about a
// thousand LUTs each; the attribute keeps it to the plan.
func lut6Style(m Mem) MemStyle {
	if m.Depth == 0 || m.Width == 0 {
		return MemAuto
	}
	if m.Depth <= 64 || m.Bits() <= romLogicBits {
		return MemLUT
	}
	return MemBlock
}

// weightStyle is the plan's choice for a weight ROM on a 6-input-LUT
// fabric: lut6Style, except that a LUT ROM of more than lutROMMaxWidth bits
// per word goes to block RAM. At depth <= 64 a LUT ROM costs a LUT6 and a
// flip-flop per output bit whatever its depth, block RAM none (36 or 72
// bits per RAMB18 or RAMB36): CNV-w1a1's conv1 at BNN-PYNQ's folding (36 x
// 1024) took 1,144 LUTs and 1,024 flip-flops in LUTs. (Threshold ROMs stay
// with lut6Style: equal and constant columns make most of them nearly
// free in LUTs.)
func weightStyle(m Mem) MemStyle {
	s := lut6Style(m)
	if s == MemLUT && m.Width > lutROMMaxWidth {
		return MemBlock
	}
	return s
}

// lutROMMaxWidth is the widest weight ROM the plan builds from LUTs.
const lutROMMaxWidth = 256

// romEstimate counts a synchronous-read ROM as Yosys 0.23 synth_xilinx
// builds it in the plan's style (calibrated in docs/synth-results.md):
// depth <= 64 one LUT6 per output bit, plus the output register; other
// LUT ROMs about 1.3 LUTs per 64 bits (LUT6 and MUXF7/8); block RAM up to
// 2K deep in the widest RAMB18 aspect ratio that holds the depth, deeper
// ones in 2K x 9 pieces per 2K of depth plus the remaining bits in the
// widest ratio that holds the whole depth (RAMB36 past 4K deep when the ROM
// has 2K x 9 pieces, as Yosys builds it). MemAuto ROMs are counted as
// lut6Style would build them.
func romEstimate(m Mem) Resources {
	style := m.Style
	if style == MemAuto {
		style = lut6Style(m)
	}
	switch {
	case style == MemAuto:
		return Resources{}
	case style == MemLUT && m.Depth <= 64:
		return Resources{LUT: m.Width, FF: m.Width}
	case style == MemLUT:
		return Resources{LUT: int((m.Bits()*13 + 639) / 640), FF: m.Width}
	case m.Depth <= 2048:
		return Resources{BRAM: float64(ceilDiv(m.Width, ramb18Width(m.Depth))) / 2}
	}
	n18 := ceilDiv(m.Depth, 2048) * (m.Width / 9)
	if rem := m.Width % 9; rem > 0 {
		if m.Depth > 4096 && m.Width >= 9 {
			// Past 4K deep Yosys builds such a ROM from RAMB36 only: the
			// rest too, in RAMB36 of twice the RAMB18 width (8192 x 128:
			// 29 RAMB36, not 28 and a RAMB18; 4096 x 49 is 11 RAMB18).
			n18 += 2 * ceilDiv(rem, 2*ramb18Width(m.Depth)) * ceilDiv(m.Depth, 16384)
		} else {
			n18 += ceilDiv(rem, ramb18Width(m.Depth)) * ceilDiv(m.Depth, 16384)
		}
	}
	return Resources{BRAM: float64(n18) / 2}
}

// ramb18Width is the widest RAMB18 aspect ratio holding depth words (1 past
// 16K: the depth is then split).
func ramb18Width(depth int) int {
	for _, a := range []struct{ depth, width int }{{512, 36}, {1024, 18}, {2048, 9}, {4096, 4}, {8192, 2}, {16384, 1}} {
		if depth <= a.depth {
			return a.width
		}
	}
	return 1
}

// romLogicBits is the largest ROM (in bits) Yosys 0.23 synth_xilinx maps
// to LUT logic at any shape (1024 x 4 = 4096 bits: logic; 1024 x 49:
// three RAMB18).
const romLogicBits = 4096

// clog2 is the number of bits that count 0..n-1 (at least 1).
func clog2(n int) int {
	if n <= 2 {
		return 1
	}
	return bits.Len(uint(n - 1))
}
