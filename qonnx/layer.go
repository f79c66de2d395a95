package qonnx

import (
	"fmt"
	"math"
)

// lowerLayer lowers MatMul mm and what follows it up to the next MatMul (or
// the output) into layer i, updating vm to what the next layer sees. It
// returns the next MatMul, nil after the last layer.
func (s *streamlined) lowerLayer(g *Graph, env Env, mm *Node, vm *valueMap, i int) (*slLayer, *Node, error) {
	w := g.Inits[mm.Inputs[1]]
	if w == nil || len(w.Shape) != 2 {
		return nil, nil, nodeErr(mm, "weights must be a constant 2-D tensor")
	}
	l := &slLayer{name: fmt.Sprintf("fc%d", i), act: fmt.Sprintf("act%d", i), in: w.Shape[0], out: w.Shape[1]}
	var scale []float64
	var err error
	l.w, scale, err = integerWeights(w)
	if err != nil {
		return nil, nil, nodeErr(mm, "%v", err)
	}
	if _, err := weightBits(l.w); err != nil {
		return nil, nil, nodeErr(mm, "%v", err)
	}
	// The MatMul's float output is a[o]*acc[o] + b[o] for the integer
	// accumulator acc = W_int . x.
	a, b := make([]float64, l.out), make([]float64, l.out)
	for o := 0; o < l.out; o++ {
		rs := 0.0
		for r := 0; r < l.in; r++ {
			rs += l.w[r*l.out+o]
		}
		a[o], b[o] = vm.m*scale[o], vm.c*scale[o]*rs
	}
	chain, q, err := follow(g, mm.Outputs[0], func(n *Node) bool { return isQuantizer(n.Op) || n.Op == "TopK" || n.Op == "MatMul" })
	if err != nil {
		return nil, nil, err
	}
	if err := checkChain(g, env, chain, l.out); err != nil {
		return nil, nil, err
	}
	accShape := env[mm.Outputs[0]].Shape
	if q == nil || q.Op == "TopK" {
		return l, nil, s.lowerScores(l, &segment{g: g, in: mm.Outputs[0], shape: accShape, nodes: chain}, a, b)
	}
	if q.Op == "MatMul" {
		return nil, nil, nodeErr(q, "follows a MatMul without an activation quantizer in between")
	}
	lv, err := quantizerLevels(g, q)
	if err != nil {
		return nil, nil, err
	}
	seg := &segment{g: g, in: mm.Outputs[0], shape: accShape, nodes: append(chain, q)}
	if !l.copyThresholds(g, chain, q, lv, a, b, *vm) {
		if err := l.thresholds(seg, lv, a, b, *vm); err != nil {
			return nil, nil, nodeErr(q, "%v", err)
		}
	}
	post, next, err := follow(g, q.Outputs[0], func(n *Node) bool { return n.Op == "MatMul" || isQuantizer(n.Op) || n.Op == "TopK" })
	if err != nil {
		return nil, nil, err
	}
	if next == nil || next.Op != "MatMul" {
		return nil, nil, fmt.Errorf("qonnx: %s: its output must feed a MatMul (only scalar Add/Sub/Mul/Div and layout ops in between)", nodeLabel(q))
	}
	*vm, err = l.nextValues(&segment{g: g, in: q.Outputs[0], shape: env[q.Outputs[0]].Shape, nodes: post}, lv)
	return l, next, err
}

// checkChain accepts only monotone elementwise ops between a MatMul and its
// quantizer: Add/Sub/Mul/Div by scalar or per-channel constants, batch
// normalization, and reshapes.
func checkChain(g *Graph, env Env, chain []*Node, ch int) error {
	for _, n := range chain {
		switch n.Op {
		case "Add", "Sub", "Mul", "Div":
			k := g.Inits[n.Inputs[1]]
			if len(k.Data) != 1 && len(k.Data) != ch {
				return nodeErr(n, "constant has %d values for %d channels", len(k.Data), ch)
			}
		case "BatchNormalization", "Reshape", "Flatten", "Squeeze", "Unsqueeze":
		default:
			return nodeErr(n, "not supported between a MatMul and its quantizer")
		}
		if numel(env[n.Outputs[0]].Shape) != ch {
			return nodeErr(n, "changes the number of elements")
		}
	}
	return nil
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
