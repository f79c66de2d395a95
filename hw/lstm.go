package hw

import "github.com/qnn-dev/qnn/netlist"

// The recurrent stage of a sequence model (docs/lstm-hardware.md "LSTM
// stage"): the embedding ROM, the gate matrix-vector unit over [x_t ;
// h_{t-1}] with its rows in unit-major order, the gate, cell and hidden
// units and the two h banks. LSTMStage holds its parameters and, as
// methods, the images of its memories; lstm_lower.go builds it from the
// netlist, lstm_estimate.go estimates it.

// LSTMPipeline is the cycles the lstm stage adds after issuing a token's
// NF*SF (nf, sf) pairs, PipeDepth aside: the register ranks of stages B
// (accumulate), C (gates), D (cell), E (hidden) and the output register.
// Beat nf of a token whose input handshake is in cycle T0 is valid from
// cycle T0 + (nf+1)*SF + LSTMPipeline + PipeDepth (stage E is the cycle
// before), and the last beat clears busy_q in that cycle, so the next
// token's handshake is at T0 + NF*SF + LSTMPipeline + PipeDepth at the
// earliest.
const LSTMPipeline = 5

// LSTMStage is the lstm stage: the netlist's embedding and lstm layers
// folded PE x SIMD (docs/lstm-hardware.md). Elements of x and h are levels
// (unsigned Bits bits, value Base + level), weights two's complement; the
// gate accumulators are in the hardware domain (acc = acc_hw +
// Base*rowsum), the cell unit works in netlist values.
type LSTMStage struct {
	Name      string // the netlist lstm layer
	Embedding string // the netlist embedding layer (its table is the embedding ROM)
	V, D, H   int    // vocabulary, embedding size (the lstm's In), hidden units

	// Bits is a, the width of an element of x and h; Base the netlist value
	// of level 0 of both (the embedding's and the hidden state's encodings
	// are equal); L0 = -Base the reset level (h = 0).
	Bits  int
	Base  int64
	L0    int
	WBits int // 2..8, two's complement

	PE, SIMD int // gate rows and lanes in parallel; PE is a multiple of 4
	U        int // units per beat, PE/4
	NF       int // beats per token, ceil(H/U)
	SFx, SFh int // folds over x, ceil(D/SIMD), and over h, ceil(H/SIMD)
	SF       int // SFx + SFh

	// AccWidth is the two's-complement width of a gate accumulator;
	// [AccMin, AccMax] (containing 0) holds every partial and final sum of
	// w*level over every hardware row, padded rows and lanes (weight 0)
	// included.
	AccWidth       int
	AccMin, AccMax int64

	GateBits     int      // a_G, the level width of all four gates
	GateBase     [4]int64 // Base_G of the gates i, f, g, o: gate value = Base_G + level
	GateNumThr   int      // 2^GateBits - 1 thresholds per hardware row
	GateThrWidth int      // signed width of a hardware gate threshold, SignedBits(AccMin-1, AccMax+1)

	CellBits int // signed width of the cell state
	FShift   int // c = sat(rshr(f*c_prev, FShift) + rshr(i*g, IGShift))
	IGShift  int
	// FCWidth and IGWidth are the signed widths of the products f*c_prev
	// and i*g over every gate value and cell state, rounding constant
	// 2^(shift-1) added; CellSumWidth that of the sum of the two shifted
	// terms before the saturation to CellBits.
	FCWidth, IGWidth, CellSumWidth int

	CellActBits  int   // level width of the cell's tanh t
	CellActBase  int64 // t = CellActBase + level
	CellNumThr   int   // 2^CellActBits - 1 thresholds on c per unit
	CellThrWidth int   // signed width of a cell-act threshold: CellBits (the netlist keeps them within the cell range)

	// OTWidth is the signed width of the product o*t; the hidden
	// thresholds, on o*t, are clamped to its range widened by one and
	// stored in HidThrWidth bits.
	OTWidth     int
	HidNumThr   int // 2^Bits - 1 thresholds on o*t per unit
	HidThrWidth int

	PipeDepth int // extra register ranks in stage B (0: a behavioural sum)
	Cycles    int // per token: NF*SF + LSTMPipeline + PipeDepth

	EmbMem     Mem // depth V*SFx, width SIMD*Bits
	WeightMem  Mem // depth NF*SF, width PE*SIMD*WBits
	GateThrMem Mem // depth NF, width PE*(GateNumThr*GateThrWidth+1)
	CellThrMem Mem // depth NF, width U*(CellNumThr*CellThrWidth+1)
	HidThrMem  Mem // depth NF, width U*(HidNumThr*HidThrWidth+1)
	CellMem    Mem // the cell RAM: depth NF, width U*CellBits

	emb     *netlist.Embedding
	net     *netlist.LSTM
	gateThr []int64 // 4H*GateNumThr hardware thresholds by netlist row G*H + j
	gateRev []bool  // 4H
	hidThr  []int64 // H*HidNumThr clamped hidden thresholds
	zeros   []int64 // the thresholds of padded rows and units
}

// CyclesPerToken is the stage's cycles per token without stalls, Cycles:
// NF*SF + LSTMPipeline + PipeDepth.
func (s *LSTMStage) CyclesPerToken() int { return s.Cycles }

// Rows is the hardware rows of the gate matrix, NF*PE (4H real ones).
func (s *LSTMStage) Rows() int { return s.NF * s.PE }

// HBankWords is the words of one h bank, SFh words of SIMD levels.
func (s *LSTMStage) HBankWords() int { return s.SFh }

// NetlistRow is the netlist gate row of hardware row rho = 4*unit + gate
// (gate in i, f, g, o order): gate*H + unit, or -1 for a padded row (unit
// >= H).
func (s *LSTMStage) NetlistRow(rho int) int {
	unit, gate := rho/4, rho%4
	if unit >= s.H {
		return -1
	}
	return gate*s.H + unit
}

// Column is the netlist column of lane l of fold sf: x column sf*SIMD + l
// for sf < SFx, else column D + (sf-SFx)*SIMD + l of h; -1 for a pad lane
// (past D or past H).
func (s *LSTMStage) Column(sf, l int) int {
	if sf < s.SFx {
		if c := sf*s.SIMD + l; c < s.D {
			return c
		}
		return -1
	}
	if c := (sf-s.SFx)*s.SIMD + l; c < s.H {
		return s.D + c
	}
	return -1
}

// EmbWord is word tok*SFx + sf of the embedding ROM: lane l is the level
// of element sf*SIMD + l of token tok's row, 0 past D.
func (s *LSTMStage) EmbWord(tok, sf int) []int {
	row := s.emb.Row(tok)
	lanes := make([]int, s.SIMD)
	for l := range lanes {
		if c := sf*s.SIMD + l; c < s.D {
			lanes[l] = int(row[c])
		}
	}
	return lanes
}

// Weight is the weight ROM's field for hardware row rho (PE rho%PE of
// word (rho/PE)*SF + sf) and lane l: the signed weight of netlist row
// NetlistRow(rho) at column Column(sf, l), 0 for padding.
func (s *LSTMStage) Weight(rho, sf, l int) int {
	r, c := s.NetlistRow(rho), s.Column(sf, l)
	if r < 0 || c < 0 {
		return 0
	}
	return int(s.net.Row(r)[c])
}

// GateThresholds are hardware row rho's GateNumThr thresholds on its
// hardware accumulator (the netlist's T - Base*rowsum, clamped to
// [AccMin-1, AccMax+1]; ascending) and its reversed flag: the gate level
// is the number of t with acc_hw >= t (acc_hw <= t when reversed). Padded
// rows: all 0, not reversed.
func (s *LSTMStage) GateThresholds(rho int) (t []int64, reversed bool) {
	r := s.NetlistRow(rho)
	if r < 0 {
		return s.zeros[:s.GateNumThr:s.GateNumThr], false
	}
	k := s.GateNumThr
	return s.gateThr[r*k : (r+1)*k : (r+1)*k], s.gateRev[r]
}

// CellThresholds are unit's CellNumThr thresholds on the cell state c (the
// netlist's cell_act, unchanged) and its reversed flag: t = CellActBase +
// the level. Padded units (>= H): all 0, not reversed.
func (s *LSTMStage) CellThresholds(unit int) (t []int64, reversed bool) {
	if unit >= s.H {
		return s.zeros[:s.CellNumThr:s.CellNumThr], false
	}
	a := s.net.CellAct
	return a.Row(unit), a.IsReversed(unit)
}

// HiddenThresholds are unit's HidNumThr thresholds on the product o*t (the
// netlist's hidden_act, clamped to the product's range widened by one) and
// its reversed flag: the hidden level is the number reached. Padded units:
// all 0, not reversed.
func (s *LSTMStage) HiddenThresholds(unit int) (t []int64, reversed bool) {
	if unit >= s.H {
		return s.zeros[:s.HidNumThr:s.HidNumThr], false
	}
	k := s.HidNumThr
	return s.hidThr[unit*k : (unit+1)*k : (unit+1)*k], s.net.HiddenAct.IsReversed(unit)
}

// newLSTMStage derives the fold-independent parameters of the lstm stage:
// the hardware-domain accumulator range and gate thresholds, the cell
// unit's widths, the clamped hidden thresholds. fold sets the rest.
func newLSTMStage(e *netlist.Embedding, l *netlist.LSTM) *LSTMStage {
	h := l.HiddenAct
	s := &LSTMStage{Name: l.Name, Embedding: e.Name, V: e.Vocab, D: l.In, H: l.Hidden,
		Bits: h.Bits, Base: int64(h.Base), L0: -h.Base, WBits: l.WeightBits,
		GateBits: l.Gates[0].Bits, GateNumThr: l.Gates[0].PerChannel(),
		CellBits: l.CellBits, FShift: l.FShift, IGShift: l.IGShift,
		CellActBits: l.CellAct.Bits, CellActBase: int64(l.CellAct.Base), CellNumThr: l.CellAct.PerChannel(),
		CellThrWidth: l.CellBits, HidNumThr: h.PerChannel(), emb: e, net: l}
	for g, t := range l.Gates {
		s.GateBase[g] = int64(t.Base)
	}
	s.zeros = make([]int64, max(s.GateNumThr, s.CellNumThr, s.HidNumThr))
	s.gateDomain()
	s.cellWidths()
	return s
}

// gateDomain sets the accumulator range (levels in [0, 2^Bits-1]: every
// lane's product range contains 0, so the row ranges bound every partial
// sum, and padded rows are 0) and moves the gate thresholds into the
// hardware domain.
func (s *LSTMStage) gateDomain() {
	l, rows := s.net, 4*s.H
	lmax := int64(1)<<s.Bits - 1
	for r := range rows {
		lo, hi := netlist.RowRange(l.Row(r), 0, lmax)
		s.AccMin, s.AccMax = min(s.AccMin, lo), max(s.AccMax, hi)
	}
	s.AccWidth = netlist.SignedBits(s.AccMin, s.AccMax)
	s.GateThrWidth = netlist.SignedBits(s.AccMin-1, s.AccMax+1)
	k := s.GateNumThr
	s.gateThr, s.gateRev = make([]int64, rows*k), make([]bool, rows)
	for r := range rows {
		g, j := l.Gates[r/s.H], r%s.H
		var sum int64
		for _, w := range l.Row(r) {
			sum += int64(w)
		}
		s.gateRev[r] = g.IsReversed(j)
		for i, th := range g.Row(j) {
			s.gateThr[r*k+i] = min(max(th-s.Base*sum, s.AccMin-1), s.AccMax+1)
		}
	}
}

// cellWidths sizes the cell unit's datapath from the value ranges of its
// operands, so that no intermediate wraps: gate values Base_G ..
// Base_G + 2^GateBits - 1, c_prev in the signed CellBits range, t in
// CellActBase .. CellActBase + 2^CellActBits - 1.
func (s *LSTMStage) cellWidths() {
	span := int64(1)<<s.GateBits - 1
	gate := func(g int) (lo, hi int64) { return s.GateBase[g], s.GateBase[g] + span }
	cmin, cmax := -(int64(1) << (s.CellBits - 1)), int64(1)<<(s.CellBits-1)-1
	flo, fhi := gate(netlist.GateF)
	fcLo, fcHi := productRange(flo, fhi, cmin, cmax)
	ilo, ihi := gate(netlist.GateI)
	glo, ghi := gate(netlist.GateG)
	igLo, igHi := productRange(ilo, ihi, glo, ghi)
	s.FCWidth = netlist.SignedBits(fcLo, fcHi+half(s.FShift))
	s.IGWidth = netlist.SignedBits(igLo, igHi+half(s.IGShift))
	s.CellSumWidth = netlist.SignedBits(netlist.RoundShift(fcLo, s.FShift)+netlist.RoundShift(igLo, s.IGShift),
		netlist.RoundShift(fcHi, s.FShift)+netlist.RoundShift(igHi, s.IGShift))
	olo, ohi := gate(netlist.GateO)
	tlo, thi := s.CellActBase, s.CellActBase+int64(1)<<s.CellActBits-1
	otLo, otHi := productRange(olo, ohi, tlo, thi)
	s.OTWidth = netlist.SignedBits(otLo, otHi)
	s.HidThrWidth = netlist.SignedBits(otLo-1, otHi+1)
	k := s.HidNumThr
	s.hidThr = make([]int64, s.H*k)
	for j := range s.H {
		for i, th := range s.net.HiddenAct.Row(j) {
			s.hidThr[j*k+i] = min(max(th, otLo-1), otHi+1)
		}
	}
}

// half is rshr's rounding constant 2^(shift-1), 0 for shift 0.
func half(shift int) int64 {
	if shift == 0 {
		return 0
	}
	return int64(1) << (shift - 1)
}

// productRange is the range of a*b for a in [amin, amax], b in [bmin, bmax].
func productRange(amin, amax, bmin, bmax int64) (lo, hi int64) {
	p := [4]int64{amin * bmin, amin * bmax, amax * bmin, amax * bmax}
	lo, hi = p[0], p[0]
	for _, x := range p[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// fold is the stage folded f (checked): the folds, cycles and memories,
// in the memory styles of target.
func (s *LSTMStage) fold(f Fold, target string) *LSTMStage {
	c := *s
	c.PE, c.SIMD = f.PE, f.SIMD
	c.U = c.PE / 4
	c.NF = ceilDiv(c.H, c.U)
	c.SFx, c.SFh = ceilDiv(c.D, c.SIMD), ceilDiv(c.H, c.SIMD)
	c.SF = c.SFx + c.SFh
	c.Cycles = c.NF*c.SF + LSTMPipeline + c.PipeDepth
	c.EmbMem = Mem{Depth: c.V * c.SFx, Width: c.SIMD * c.Bits}
	c.WeightMem = Mem{Depth: c.NF * c.SF, Width: c.PE * c.SIMD * c.WBits}
	c.GateThrMem = Mem{Depth: c.NF, Width: c.PE * (c.GateNumThr*c.GateThrWidth + 1)}
	c.CellThrMem = Mem{Depth: c.NF, Width: c.U * (c.CellNumThr*c.CellThrWidth + 1)}
	c.HidThrMem = Mem{Depth: c.NF, Width: c.U * (c.HidNumThr*c.HidThrWidth + 1)}
	c.CellMem = Mem{Depth: c.NF, Width: c.U * c.CellBits}
	if target != TargetICE40 {
		c.EmbMem.Style, c.WeightMem.Style = weightStyle(c.EmbMem), weightStyle(c.WeightMem)
		c.GateThrMem.Style, c.CellThrMem.Style, c.HidThrMem.Style = lut6Style(c.GateThrMem), lut6Style(c.CellThrMem), lut6Style(c.HidThrMem)
		c.CellMem.Style = lut6Style(c.CellMem)
	}
	return &c
}

// cost is the stage's cycles per token folded f: NF*SF + LSTMPipeline.
func (s *LSTMStage) cost(f Fold) int {
	u := max(f.PE/4, 1)
	return ceilDiv(s.H, u)*(ceilDiv(s.D, f.SIMD)+ceilDiv(s.H, f.SIMD)) + LSTMPipeline + s.PipeDepth
}
