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
	var total Resources
	if p.Input.Bits == 1 { // binarizer: an 8-bit constant comparison per pixel
		total.LUT += 2 * p.Input.InPix
	}
	for _, l := range p.Layers {
		l.Estimate = l.estimate()
		total.add(l.Estimate)
	}
	o := p.Output
	total.LUT += o.PE*(ceilDiv(o.ScoreBits, 2)+o.ScoreBits) + 20
	total.FF += o.Classes*o.ScoreBits + o.ScoreBits + 16 + clog2(o.Beats) + o.TDataBits + 1
	p.Estimate = total
}

// estimate is one MVTU with its input buffer and ROMs.
func (l *Layer) estimate() Resources {
	var r Resources
	r.LUT = l.PE*(l.laneLUTs()+l.AccWidth+l.activateLUTs()) + 40
	r.LUT += l.SIMD * l.XBits * ceilDiv(2*l.SF-1, 3) // bank and fold read multiplexer
	if l.InBeats > 1 {
		r.LUT += 2 * l.InBeats // write-enable decoder
	}
	r.FF = 2*l.MW*l.XBits + // input buffer banks
		l.SIMD*l.XBits + // stage B input lanes
		l.PE*l.AccWidth + l.PE*l.OutBits + // accumulators, output register
		clog2(l.InBeats) + 3*clog2(l.NF) + clog2(l.SF) + 10 // counters and flags
	for _, m := range []Mem{l.WeightMem, l.ThrMem} {
		r.add(romEstimate(m))
	}
	return r
}

// laneLUTs is one PE's lane products and reduction tree.
func (l *Layer) laneLUTs() int {
	n := l.SIMD
	switch l.Kind {
	case KindXnor: // XNORs two per LUT6_2, then a compressor tree of about one LUT per input
		if n == 1 {
			return 1
		}
		return ceilDiv(n, 2) + n
	case KindW1: // conditional negation, then an adder tree
		return n*l.XBits + adderTree(n, l.XBits+1)
	case KindX1:
		return n*l.WBits + adderTree(n, l.WBits+1)
	default: // LUT multipliers
		return n*l.WBits*l.XBits + adderTree(n, l.WBits+l.XBits)
	}
}

// adderTree is a balanced tree adding n operands of b bits.
func adderTree(n, b int) int { return (n - 1) * (b + 1) }

// activateLUTs is one PE's threshold or score unit.
func (l *Layer) activateLUTs() int {
	if l.Mode == ModeScore {
		return l.OutBits
	}
	c := l.NumThr * (ceilDiv(l.ThrWidth, 2) + 1)
	if l.NumThr > 1 {
		c += l.NumThr
	}
	return c
}

// romEstimate maps a synchronous-read ROM: depth <= 64 to LUTs (one LUT6
// per output bit per 64 words, plus the output register), deeper ones to
// block RAM in the widest RAMB18 aspect ratio that holds the depth.
func romEstimate(m Mem) Resources {
	if m.Depth == 0 || m.Width == 0 {
		return Resources{}
	}
	if m.Depth <= 64 {
		return Resources{LUT: m.Width, FF: m.Width}
	}
	w18 := 1
	for _, a := range []struct{ depth, width int }{{512, 36}, {1024, 18}, {2048, 9}, {4096, 4}, {8192, 2}, {16384, 1}} {
		if m.Depth <= a.depth {
			w18 = a.width
			break
		}
	}
	n18 := ceilDiv(m.Width, w18) * ceilDiv(m.Depth, 16384)
	return Resources{BRAM: float64(n18) / 2}
}

// clog2 is the number of bits that count 0..n-1 (at least 1).
func clog2(n int) int {
	if n <= 2 {
		return 1
	}
	return bits.Len(uint(n - 1))
}
