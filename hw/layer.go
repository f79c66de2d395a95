package hw

import (
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/popcount"
)

// Layer is one MVTU: a dense layer with its fused activation (threshold
// mode) or output offsets (score mode). All values are in the hardware
// domain of docs/dataflow.md.
type Layer struct {
	Index   int    // MVTU index, 0 first
	Name    string // the netlist dense layer's name
	ActName string // the fused netlist threshold (or output) layer's name
	Kind    Kind
	Mode    Mode

	MW, MH   int // matrix width (inputs) and height (neurons) of the netlist layer
	PE, SIMD int // folding
	SF, NF   int // synapse folds ceil(MW/SIMD), neuron folds ceil(MH/PE)
	MWp, MHp int // padded sizes SF*SIMD and NF*PE

	WBits, XBits int   // hardware weight and input element widths (1 for bipolar)
	PadX, PadW   int   // pad input element and pad weight, hardware encoding
	Base         int64 // netlist value of input level 0 (k-bit activations), else 0

	InWidth, InBeats int // elements per input beat and input beats per frame

	// AccWidth is the two's-complement width of the hardware accumulator;
	// [AccMin, AccMax] holds every partial and final sum of every neuron,
	// padded ones included (xnor: [0, MW], so the top bit is always 0).
	AccWidth       int
	AccMin, AccMax int64

	NumThr   int   // threshold mode: 2^OutBits - 1 thresholds per neuron; score mode 0
	ThrWidth int   // signed width of a stored threshold (threshold mode)
	OutBits  int   // output element width: activation bits, or ScoreBits in score mode
	ScoreMul int64 // score mode: 2 for xnor, else 1

	// Tree is set when the PE reduces with the compressor tree
	// popcount.Plan(Options{N: SIMD, XNOR: true, PipelineEvery}) (xnor
	// layers of a PopcountTree plan); PipeDepth is then its Latency().
	Tree          bool `json:",omitempty"`
	PipelineEvery int  `json:",omitempty"`

	PipeDepth int // extra register stages between stages A and B
	Cycles    int // NF*SF

	WeightMem Mem // depth NF*SF, width PE*SIMD*WBits
	ThrMem    Mem // threshold mode: depth NF, width PE*(NumThr*ThrWidth+1); score mode: depth NF, width PE*ScoreBits

	// InBufStyle is how the input buffer is built (qnn_input_buffer
	// Style): MemAuto registers (any shape; the iCE40 plan), MemBlock or
	// MemLUT InBufGroups() memories of InBufMem() (xc7: inBufStyle).
	InBufStyle MemStyle `json:",omitempty"`

	Estimate Resources // this MVTU's share of the estimate (input buffer included)

	spec     mvtuSpec
	thr      []int64 // MHp*NumThr hardware thresholds (threshold mode)
	reversed []bool  // MHp
	scoreAdd []int64 // MHp (score mode)
	planned  *popcount.Tree
}

// mvtuSpec is what NewPlan reads from the netlist for one accumulating
// layer (dense or conv2d) and its activation.
type mvtuSpec struct {
	name     string // the dense or conv2d layer's name
	mw, mh   int    // matrix width (a dense layer's In, a conv layer's KH*KW*InC) and height
	wbits    int
	row      func(o int) []int8 // neuron o's weights, MW of them (a conv layer's in (kh, kw, c) order)
	dense    *netlist.Dense     // dense layers
	conv     *netlist.Conv2D    // conv2d layers
	inShape  netlist.Shape      // the tensor the layer reads
	thr      *netlist.Threshold // threshold mode
	out      *netlist.Output    // score mode
	xBits    int                // input element width: 1 (bipolar), k (levels) or 8 (pixels)
	xBipolar bool
	base     int64 // input Base for k-bit activations
	layerIdx int   // netlist layer index of the dense or conv2d layer
}

// mvtuSpecs pairs every dense and conv2d layer with its activation and
// input format, in order.
func mvtuSpecs(n *netlist.Network, vals []netlist.Value) ([]mvtuSpec, error) {
	var specs []mvtuSpec
	for i, l := range n.Layers {
		var s mvtuSpec
		switch l := l.(type) {
		case *netlist.Dense:
			s = mvtuSpec{name: l.Name, mw: l.In, mh: l.Out, wbits: l.WeightBits, row: l.Row, dense: l}
		case *netlist.Conv2D:
			s = mvtuSpec{name: l.Name, mw: l.RowLen(), mh: l.OutC, wbits: l.WeightBits, row: l.Row, conv: l}
		default:
			continue
		}
		s.layerIdx, s.inShape, s.xBits, s.xBipolar = i, vals[i-1].Shape, vals[i-1].Bits, vals[i-1].Bipolar
		s.base = inputBase(n, i)
		switch next := n.Layers[i+1].(type) {
		case *netlist.Threshold:
			s.thr = next
		case *netlist.Output:
			s.out = next
		default:
			return nil, fmt.Errorf("hw: layer %d %q: a %s layer must be followed by a threshold or output layer, not %q", i, s.name, l.Op(), next.Op())
		}
		specs = append(specs, s)
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("hw: network %q has no dense layer", n.Name)
	}
	return specs, nil
}

// inputBase is the Base of the k-bit activations layer i reads (through
// any max-pool layers; an lstm layer's hidden state), 0 for pixels and
// bipolar values.
func inputBase(n *netlist.Network, i int) int64 {
	for j := i - 1; j > 0; j-- {
		switch l := n.Layers[j].(type) {
		case *netlist.MaxPool:
			continue
		case *netlist.Threshold:
			if l.Bits > 1 {
				return int64(l.Base)
			}
		case *netlist.LSTM:
			return int64(l.HiddenAct.Base)
		}
		break
	}
	return 0
}

func (s mvtuSpec) kind() Kind {
	w1 := s.wbits == 1
	switch {
	case w1 && s.xBipolar:
		return KindXnor
	case w1:
		return KindW1
	case s.xBipolar:
		return KindX1
	default:
		return KindMul
	}
}

// newLayer builds MVTU i from its spec and folding (already checked).
func newLayer(i int, s mvtuSpec, f Fold) *Layer {
	l := &Layer{Index: i, Name: s.name, Kind: s.kind(), MW: s.mw, MH: s.mh, PE: f.PE, SIMD: f.SIMD,
		WBits: s.wbits, XBits: s.xBits, Base: s.base, spec: s}
	l.SF, l.NF = ceilDiv(l.MW, l.SIMD), ceilDiv(l.MH, l.PE)
	l.MWp, l.MHp = l.SF*l.SIMD, l.NF*l.PE
	l.Cycles = l.NF * l.SF
	if l.Kind == KindXnor || l.Kind == KindX1 {
		l.PadX = 1
	}
	l.WeightMem = Mem{Depth: l.NF * l.SF, Width: l.PE * l.SIMD * l.WBits}
	l.domain()
	return l
}

// domain derives what depends on the hardware domain of the accumulator
// (the lane product kind, and for k-bit kinds whether the PE is a
// lane-product tree): the accumulator range and width, the thresholds or
// score constants and the activation ROM.
func (l *Layer) domain() {
	s := l.spec
	l.accRange()
	l.AccWidth = netlist.SignedBits(l.AccMin, l.AccMax)
	if s.thr != nil {
		l.Mode, l.ActName = ModeThreshold, s.thr.Name
		l.OutBits, l.NumThr = s.thr.Bits, s.thr.PerChannel()
		l.ThrWidth = netlist.SignedBits(l.AccMin-1, l.AccMax+1)
		l.ThrMem = Mem{Depth: l.NF, Width: l.PE * (l.NumThr*l.ThrWidth + 1), Style: l.ThrMem.Style}
		l.hwThresholds()
	} else {
		l.Mode, l.ActName = ModeScore, s.out.Name
		l.OutBits, l.ScoreMul = s.out.ScoreBits, l.LaneScale()
		l.ThrMem = Mem{Depth: l.NF, Width: l.PE * l.OutBits, Style: l.ThrMem.Style}
		l.scoreAdds()
	}
}

// usePopcount selects the compressor tree for the layer of a PopcountTree
// plan and sets PipeDepth to its latency: the XNOR popcount for xnor
// layers; for the k-bit kinds the lane-product tree (popcount.Product),
// when it is estimated cheaper than the signed adder tree, which moves the
// layer into the lane-tree hardware domain (docs/dataflow.md).
// MaxLanePlanes bounds the bit planes per lane of a lane-product tree
// (w1 with k-bit inputs: k; x1: k; mul: kw*kx). Wider products (8-bit
// pixels on a w1 layer, 4x8-bit mul) keep the signed adder tree: their trees
// are large generated netlists of counter modules whose Verilator builds take
// minutes, for kinds that BNN-style networks rarely use.
const MaxLanePlanes = 4

func (l *Layer) usePopcount(pc Popcount, every int) error {
	if pc != PopcountTree {
		return nil
	}
	// A lane-product tree costs at least 4/3 LUT per plane and lane (three
	// terms per first-level counter of two LUTs): skip planning trees that
	// cannot win.
	if o := l.treeOptions(every); l.Kind != KindXnor && (o.Planes() > MaxLanePlanes || 4*o.Planes()*l.SIMD >= 3*l.laneLUTs()) {
		return nil
	}
	t, err := l.tree(every)
	if err != nil {
		return fmt.Errorf("hw: layer %d %q: %w", l.Index, l.Name, err)
	}
	if l.Kind != KindXnor && t.LUTs() >= l.laneLUTs() {
		return nil
	}
	l.Tree, l.PipelineEvery, l.PipeDepth = true, every, t.Latency()
	if l.Kind != KindXnor {
		l.domain()
	}
	return nil
}

// PopcountOptions is the compressor tree of a Tree layer.
func (l *Layer) PopcountOptions() popcount.Options {
	return l.treeOptions(l.PipelineEvery)
}

// treeOptions is the layer's compressor tree with a register rank every
// `every` stages: the XNOR popcount, or the lane-product tree of the k-bit
// kinds.
func (l *Layer) treeOptions(every int) popcount.Options {
	o := popcount.Options{N: l.SIMD, PipelineEvery: every}
	switch l.Kind {
	case KindXnor:
		o.XNOR = true
	case KindW1:
		o.Product, o.WBits, o.XBits = popcount.ProductW1, 1, l.XBits
	case KindX1:
		o.Product, o.WBits, o.XBits = popcount.ProductX1, l.WBits, 1
	default:
		o.Product, o.WBits, o.XBits = popcount.ProductMul, l.WBits, l.XBits
	}
	return o
}

// tree plans the layer's compressor tree (the last one planned is kept:
// planning a wide tree takes milliseconds).
func (l *Layer) tree(every int) (*popcount.Tree, error) {
	o := l.treeOptions(every)
	if l.planned != nil && l.planned.Options == o {
		return l.planned, nil
	}
	t, err := popcount.Plan(o)
	if err == nil {
		l.planned = t
	}
	return t, err
}

// LaneTree reports whether the layer is in the lane-tree domain: a k-bit
// kind reduced by a lane-product tree (Tree set, kind not xnor).
func (l *Layer) LaneTree() bool { return l.Tree && l.Kind != KindXnor }

// LaneScale is S of the hardware domain: the netlist accumulator is
// S*acc_hw - RowOffset(neuron) + Base*rowsum (docs/dataflow.md "Hardware
// domain"): 2 for xnor and for x1 lane trees, else 1. In score mode it is
// ScoreMul.
func (l *Layer) LaneScale() int64 {
	switch {
	case l.Kind == KindXnor:
		return 2
	case l.LaneTree():
		return l.PopcountOptions().LaneScale()
	}
	return 1
}

// LaneOffset is lane col's share of the offset between the lane product p
// and the hardware-domain lane value v of neuron's weight at col:
// LaneScale()*v = p + LaneOffset, for every input the lane can hold (the
// pad element PadX at col >= MW, where p is 0). It is 0 for the signed
// kinds without a lane tree, and for xnor 1 at real columns, 0 at padded
// ones.
func (l *Layer) LaneOffset(neuron, col int) int64 {
	switch {
	case l.Kind == KindXnor:
		if col < l.MW {
			return 1
		}
		return 0
	case l.LaneTree():
		return l.PopcountOptions().LaneOffset(l.Weight(neuron, col))
	}
	return 0
}

// RowOffset is the sum of LaneOffset over neuron's MWp columns.
func (l *Layer) RowOffset(neuron int) int64 {
	if l.Kind == KindXnor {
		return int64(l.MW)
	}
	if !l.LaneTree() {
		return 0
	}
	o := l.PopcountOptions()
	var c int64
	for col := 0; col < l.MWp; col++ {
		c += o.LaneOffset(l.Weight(neuron, col))
	}
	return c
}

// xRange is the range of a hardware input element as a lane operand: the
// lane product is laneWeight(w) * x with x in [xmin, xmax].
func (l *Layer) xRange() (xmin, xmax int64) {
	switch l.Kind {
	case KindXnor, KindX1:
		return -1, 1
	default:
		return 0, int64(1)<<l.XBits - 1
	}
}

// laneWeight is the integer a hardware weight multiplies the lane operand
// by (xnor: the bipolar weight; the accumulator is then (sum+MW)/2).
func (l *Layer) laneWeight(hw int) int64 {
	if l.WBits == 1 {
		return int64(2*hw - 1)
	}
	return int64(hw)
}

// accRange sets AccMin/AccMax over every neuron, padded ones included, and
// every prefix of the synapse folds (each lane's product range contains 0,
// so the full-row range bounds every partial sum).
func (l *Layer) accRange() {
	if l.Kind == KindXnor {
		l.AccMin, l.AccMax = 0, int64(l.MW)
		return
	}
	if l.LaneTree() {
		l.laneTreeRange()
		return
	}
	xmin, xmax := l.xRange()
	for o := 0; o < l.MHp; o++ {
		var lo, hi int64
		for c := 0; c < l.MW; c++ {
			w := l.laneWeight(l.Weight(o, c))
			a, b := w*xmin, w*xmax
			lo += min(a, b)
			hi += max(a, b)
		}
		l.AccMin, l.AccMax = min(l.AccMin, lo), max(l.AccMax, hi)
	}
}

// laneTreeRange is accRange in the lane-tree domain: lane values are >= 0,
// so every partial sum is in [0, the row's sum of lane maxima], pad lanes
// at their value for PadX.
func (l *Layer) laneTreeRange() {
	o := l.PopcountOptions()
	xmax := 1<<o.XBits - 1
	hi := make([]int64, 1<<o.WBits) // the largest lane value per weight code
	for w := range hi {
		for x := 0; x <= xmax; x++ {
			hi[w] = max(hi[w], o.LaneValue(w, x))
		}
	}
	l.AccMin, l.AccMax = 0, 0
	for n := 0; n < l.MHp; n++ {
		var sum int64
		for col := 0; col < l.MWp; col++ {
			w := l.Weight(n, col)
			if col >= l.MW {
				sum += o.LaneValue(w, l.PadX)
				continue
			}
			sum += hi[w&(1<<o.WBits-1)]
		}
		l.AccMax = max(l.AccMax, sum)
	}
}

// rowSum is the sum of neuron o's netlist weights.
func (l *Layer) rowSum(o int) int64 {
	var s int64
	for _, w := range l.spec.row(o) {
		s += int64(w)
	}
	return s
}

// hwThresholds moves the netlist thresholds into the hardware domain.
func (l *Layer) hwThresholds() {
	t := l.spec.thr
	l.thr = make([]int64, l.MHp*l.NumThr)
	l.reversed = make([]bool, l.MHp)
	for o := 0; o < l.MH; o++ {
		rev := t.IsReversed(o)
		l.reversed[o] = rev
		// acc = S*acc_hw - RowOffset + Base*rowsum >= th (<= th reversed).
		shift := l.Base*l.rowSum(o) - l.RowOffset(o)
		scale := l.LaneScale()
		for j, th := range t.Row(o) {
			h := th - shift
			switch {
			case scale == 1:
			case rev:
				h = floorDiv64(h, scale)
			default:
				h = ceilDiv64(h, scale)
			}
			l.thr[o*l.NumThr+j] = min(max(h, l.AccMin-1), l.AccMax+1)
		}
	}
}

// scoreAdds computes the score-mode constants.
func (l *Layer) scoreAdds() {
	l.scoreAdd = make([]int64, l.MHp)
	for o := 0; o < l.MH; o++ {
		l.scoreAdd[o] = l.spec.out.Offset(o) + l.Base*l.rowSum(o) - l.RowOffset(o)
	}
}

// Weight is the hardware-domain weight of neuron in [0, MHp) at column col
// in [0, MWp): the bit (1 = +1) for WBits == 1, else the signed value; the
// pad weight PadW (0) outside the netlist's MH x MW matrix.
func (l *Layer) Weight(neuron, col int) int {
	if neuron >= l.MH || col >= l.MW {
		return l.PadW
	}
	w := l.spec.row(neuron)[col]
	if l.WBits == 1 {
		if w > 0 {
			return 1
		}
		return 0
	}
	return int(w)
}

// Thresholds returns neuron's hardware-domain thresholds (ascending,
// clamped to [AccMin-1, AccMax+1]) and its reversed flag: the level is the
// number of t with acc_hw >= t (acc_hw <= t when reversed). Padded neurons
// have all-zero thresholds, not reversed. Score-mode layers return nil.
func (l *Layer) Thresholds(neuron int) (t []int64, reversed bool) {
	if l.Mode != ModeThreshold {
		return nil, false
	}
	return l.thr[neuron*l.NumThr : (neuron+1)*l.NumThr : (neuron+1)*l.NumThr], l.reversed[neuron]
}

// ScoreAdd is neuron's score constant in score mode: score = ScoreMul *
// acc_hw + ScoreAdd. It is 0 for padded neurons and in threshold mode.
func (l *Layer) ScoreAdd(neuron int) int64 {
	if l.Mode != ModeScore {
		return 0
	}
	return l.scoreAdd[neuron]
}

// Level is the threshold unit: the output level of neuron for the
// hardware accumulator acc (threshold mode).
func (l *Layer) Level(neuron int, acc int64) int {
	t, rev := l.Thresholds(neuron)
	n := 0
	for _, th := range t {
		if (!rev && acc >= th) || (rev && acc <= th) {
			n++
		}
	}
	return n
}

// Score is the score unit: ScoreMul*acc + ScoreAdd(neuron), as the
// ScoreBits-bit two's-complement value the hardware emits (only padded
// neurons can wrap).
func (l *Layer) Score(neuron int, acc int64) int64 {
	return SignExtend(l.ScoreMul*acc+l.ScoreAdd(neuron), l.OutBits)
}

// SignExtend returns the low bits of v as a two's-complement value.
func SignExtend(v int64, bits int) int64 {
	s := 64 - uint(bits)
	return v << s >> s
}
