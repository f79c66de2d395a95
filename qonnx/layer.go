package qonnx

import (
	"fmt"
	"math"
)

// lowerLayer lowers weight node wop (MatMul or Conv) and what follows it up
// to the next weight node (or the output) into layer i; st says what the
// layer reads and becomes what the next one reads. It returns the next
// weight node, nil after the last layer.
func (s *streamlined) lowerLayer(g *Graph, env Env, wop *Node, st *layerIn, i int) (*slLayer, *Node, error) {
	l, a, b, err := weightLayer(g, env, wop, st, i)
	if err != nil {
		return nil, nil, err
	}
	chain, q, err := follow(g, wop.Outputs[0], func(n *Node) bool { return isQuantizer(n.Op) || n.Op == "TopK" || isWeightOp(n.Op) })
	if err != nil {
		return nil, nil, err
	}
	accShape := env[wop.Outputs[0]].Shape
	convScores := l.conv != nil && (q == nil || q.Op == "TopK")
	if convScores {
		return l, nil, s.lowerConvScores(g, env, l, wop, chain, a, b)
	}
	if err := checkChain(g, env, chain, l.out, numel(accShape), l.conv != nil); err != nil {
		return nil, nil, err
	}
	var hoisted *hoistedPools
	if l.conv != nil {
		accShape = []int{1, l.out, 1, 1} // per-channel evaluation
		if hoisted, err = hoistPools(chain); err != nil {
			return nil, nil, err
		}
		chain, l.pools = hoisted.chain, hoisted.pools
		for j := range l.pools {
			l.pools[j].name = poolName(i, j)
		}
	}
	if q == nil || q.Op == "TopK" {
		return l, nil, s.lowerScores(l, &segment{g: g, in: wop.Outputs[0], shape: accShape, nodes: chain}, a, b)
	}
	if isWeightOp(q.Op) {
		return nil, nil, nodeErr(q, "follows a %s without an activation quantizer in between", wop.Op)
	}
	lv, err := quantizerLevels(g, q)
	if err != nil {
		return nil, nil, err
	}
	qs := q
	if hoisted != nil {
		qs = hoisted.renamed(q)
	}
	seg := &segment{g: g, in: wop.Outputs[0], shape: accShape, nodes: append(chain, qs)}
	if !l.copyThresholds(g, chain, q, lv, a, b, st.vm) {
		if err := l.thresholds(seg, lv, a, b, st.vm); err != nil {
			return nil, nil, nodeErr(q, "%v", err)
		}
	}
	if hoisted != nil && len(hoisted.pools) > 0 {
		if err := hoisted.checkHoisted(g, wop, l, a, b, st.vm); err != nil {
			return nil, nil, err
		}
	}
	next, nst, err := s.lowerPost(g, env, l, q, lv, i)
	if err != nil {
		return nil, nil, err
	}
	*st = nst
	return l, next, nil
}

// weightLayer reads weight node wop (Conv or MatMul) into layer i. Its float
// output is a[o]*acc[o] + b[o] for the integer accumulator acc = W_int . x
// (padding included: a pad value x_p stands for the float m*x_p + c
// exactly).
func weightLayer(g *Graph, env Env, wop *Node, st *layerIn, i int) (*slLayer, []float64, []float64, error) {
	var l *slLayer
	var scale, bias []float64
	var err error
	if wop.Op == "Conv" {
		l, scale, bias, err = convLayer(g, env, wop, st, i)
	} else {
		l, scale, err = matmulLayer(g, wop, st, i)
		bias = make([]float64, len(scale))
	}
	if err != nil {
		return nil, nil, nil, err
	}
	a, b := make([]float64, l.out), make([]float64, l.out)
	for o := 0; o < l.out; o++ {
		rs := 0.0
		for r := 0; r < l.in; r++ {
			rs += l.w[r*l.out+o]
		}
		a[o], b[o] = st.vm.m*scale[o], st.vm.c*scale[o]*rs+bias[o]
	}
	return l, a, b, nil
}

// matmulLayer reads MatMul node mm; after a spatial layer its weight rows
// are permuted to the netlist's channel-fastest order (st.perm).
func matmulLayer(g *Graph, mm *Node, st *layerIn, i int) (*slLayer, []float64, error) {
	w := g.Inits[mm.Inputs[1]]
	if w == nil || len(w.Shape) != 2 {
		return nil, nil, nodeErr(mm, "weights must be a constant 2-D tensor")
	}
	l := &slLayer{name: fmt.Sprintf("fc%d", i), act: fmt.Sprintf("act%d", i), in: w.Shape[0], out: w.Shape[1]}
	if st.perm != nil {
		if len(st.perm) != l.in {
			return nil, nil, nodeErr(mm, "%d weight rows for %d inputs", l.in, len(st.perm))
		}
		w = permuteRows(w, st.perm)
		l.flat, l.inShape = true, st.shape
	}
	var scale []float64
	var err error
	l.w, scale, err = integerWeights(w)
	if err != nil {
		return nil, nil, nodeErr(mm, "%v", err)
	}
	if _, err := weightBits(l.w); err != nil {
		return nil, nil, nodeErr(mm, "%v", err)
	}
	return l, scale, nil
}

// lowerPost reads what follows layer l's quantizer q up to the next weight
// node: MaxPools (conv layers), scalar Add/Sub/Mul/Div, layout ops (the
// flatten) and a Pad before a Conv.
func (s *streamlined) lowerPost(g *Graph, env Env, l *slLayer, q *Node, lv levelSet, i int) (*Node, layerIn, error) {
	var st layerIn
	post, next, err := follow(g, q.Outputs[0], func(n *Node) bool { return isWeightOp(n.Op) || isQuantizer(n.Op) || n.Op == "TopK" })
	if err != nil {
		return nil, st, err
	}
	if next == nil || !isWeightOp(next.Op) {
		return nil, st, fmt.Errorf("qonnx: %s: its output must feed a MatMul or Conv (only MaxPool, scalar Add/Sub/Mul/Div and layout ops in between)", nodeLabel(q))
	}
	if post, st.pad, err = splitPad(post, next); err != nil {
		return nil, st, err
	}
	if err := l.readPools(g, post, i); err != nil {
		return nil, st, err
	}
	if st.vm, err = l.nextValues(&segment{g: g, in: q.Outputs[0], shape: env[q.Outputs[0]].Shape, nodes: post}, lv); err != nil {
		return nil, st, err
	}
	if next.Op == "MatMul" && l.conv != nil {
		src := q.Outputs[0]
		for _, n := range post {
			if n.Op == "MaxPool" {
				src = n.Outputs[0]
			}
		}
		st.perm, st.shape, err = flattenPerm(g, env, post, src)
	}
	return next, st, err
}

// checkChain accepts only monotone elementwise ops between a weight node and
// its quantizer: Add/Sub/Mul/Div by scalar or per-channel constants, batch
// normalization, and (after a MatMul) reshapes.
func checkChain(g *Graph, env Env, chain []*Node, ch, elems int, conv bool) error {
	what := "MatMul"
	if conv {
		what = "Conv"
	}
	for _, n := range chain {
		switch n.Op {
		case "Add", "Sub", "Mul", "Div":
			k := g.Inits[n.Inputs[1]]
			if len(k.Data) != 1 && len(k.Data) != ch {
				return nodeErr(n, "constant has %d values for %d channels", len(k.Data), ch)
			}
			if conv && len(k.Data) != 1 && !perChannel(k.Shape, ch) {
				return nodeErr(n, "constant of shape %v is not per channel (want (1, %d, 1, 1))", k.Shape, ch)
			}
		case "BatchNormalization":
		case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
			if conv {
				return nodeErr(n, "not supported between a Conv and its quantizer")
			}
		case "MaxPool":
			if !conv {
				return nodeErr(n, "a MaxPool after a MatMul is not supported")
			}
			continue // hoistPools moves it after the quantizer
		default:
			return nodeErr(n, "not supported between a %s and its quantizer", what)
		}
		if numel(env[n.Outputs[0]].Shape) != elems && !pooled(chain, n) {
			return nodeErr(n, "changes the number of elements")
		}
	}
	return nil
}

// pooled reports whether a MaxPool comes before n in chain (the element
// count is then the pooled one).
func pooled(chain []*Node, n *Node) bool {
	for _, m := range chain {
		if m == n {
			return false
		}
		if m.Op == "MaxPool" {
			return true
		}
	}
	return false
}

// perChannel reports whether shape is (..., ch, 1, 1): one value per NCHW
// channel.
func perChannel(shape []int, ch int) bool {
	k := len(shape)
	return k >= 3 && shape[k-3] == ch && shape[k-2] == 1 && shape[k-1] == 1
}

// integerWeights factors w = W_int * scale[column]: one scale for the whole
// tensor if possible, else one per output channel (column).
func integerWeights(w *Tensor) ([]float64, []float64, error) {
	rows, cols := w.Shape[0], w.Shape[1]
	if s, ok := commonScale(w.Data); ok {
		return divide(w.Data, func(int) float64 { return s }, cols), fill(cols, s), nil
	}
	scale := make([]float64, cols)
	col := make([]float64, rows)
	for o := 0; o < cols; o++ {
		for r := 0; r < rows; r++ {
			col[r] = w.Data[r*cols+o]
		}
		s, ok := commonScale(col)
		if !ok {
			if wideIntegers(col) {
				return nil, nil, fmt.Errorf("weights of output %d need more than 8 bits (qnn's IR takes 1..8)", o)
			}
			return nil, nil, fmt.Errorf("weights of output %d are not integers times one scale (float weights without a quantizer?)", o)
		}
		scale[o] = s
	}
	return divide(w.Data, func(o int) float64 { return scale[o] }, cols), scale, nil
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func divide(w []float64, s func(int) float64, cols int) []float64 {
	out := make([]float64, len(w))
	for i, v := range w {
		out[i] = math.Round(v / s(i%cols))
	}
	return out
}

// commonScale finds the scale s > 0 with every value an integer multiple of
// s in -128..127, preferring the smallest integers (s = max|v|/q for the
// first q = 1..128 that works).
func commonScale(v []float64) (float64, bool) {
	mx := 0.0
	for _, x := range v {
		mx = math.Max(mx, math.Abs(x))
	}
	if mx == 0 {
		return 1, true
	}
	ints := true
	for _, x := range v {
		ints = ints && isInteger(x) && x >= -128 && x <= 127
	}
	if ints {
		return 1, true
	}
	for q := 1.0; q <= 128; q++ {
		s := mx / q
		ok := true
		for _, x := range v {
			r := x / s
			if math.Abs(r-math.Round(r)) > 1e-6 || r < -128 || r > 127 {
				ok = false
				break
			}
		}
		if ok {
			return s, true
		}
	}
	return 0, false
}

// weightBits is the netlist weight width of integer weights: 1 for all
// +-1, else the two's-complement width (2..8).
func weightBits(w []float64) (int, error) {
	bip := true
	lo, hi := 0.0, 0.0
	for _, v := range w {
		bip = bip && (v == 1 || v == -1)
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if bip {
		return 1, nil
	}
	for b := 2; b <= 8; b++ {
		if lo >= -math.Exp2(float64(b-1)) && hi <= math.Exp2(float64(b-1))-1 {
			return b, nil
		}
	}
	return 0, fmt.Errorf("weights in [%v, %v] need more than 8 bits (qnn's IR takes 1..8)", lo, hi)
}

// wideIntegers reports whether v are integer multiples of their smallest
// non-zero magnitude (quantized weights, but wider than 8 bits).
func wideIntegers(v []float64) bool {
	mn := math.Inf(1)
	for _, x := range v {
		if x != 0 {
			mn = math.Min(mn, math.Abs(x))
		}
	}
	for _, x := range v {
		if r := x / mn; math.Abs(r-math.Round(r)) > 1e-6 {
			return false
		}
	}
	return !math.IsInf(mn, 1)
}
