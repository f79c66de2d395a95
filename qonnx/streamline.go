package qonnx

import (
	"fmt"
	"math"
)

// Streamline rewrites a folded dense graph (after FoldConstants,
// RemoveIdentities, GemmToMatMul, FoldInputLayout) into the streamlined
// form: it collapses the scales of weights and activations into integers,
// folds everything between a MatMul and the next quantizer (batch norm,
// per-channel Mul/Add, the quantizer itself) into integer thresholds per
// channel by searching the integer accumulator range in float64 with
// Execute's own op implementations, folds the input preprocessing and
// quantizer into pixel thresholds, and turns the final scalar affine map
// into integer class offsets. Predict's class is unchanged; the quantized
// activations are the same up to a known affine map.
var Streamline = Pass{Name: "streamline", Run: func(g *Graph) (*Graph, error) {
	s, err := streamline(g)
	if err != nil {
		return nil, err
	}
	return s.build(nil), nil
}}

// valueMap says what the next layer sees: v = m*x + c for the netlist value x.
type valueMap struct {
	m, c       float64
	xmin, xmax int64
}

func streamline(g *Graph) (*streamlined, error) {
	env, err := shapes(g)
	if err != nil {
		return nil, err
	}
	in := g.Inputs[0]
	s := &streamlined{inName: in.Name, inShape: in.Shape, props: g.Props}
	start := in.Name
	if cs := g.Consumers(in.Name); len(cs) == 1 && cs[0].Op == "Reshape" {
		start = cs[0].Outputs[0]
	}
	seg, wop, err := follow(g, start, func(n *Node) bool { return isWeightOp(n.Op) })
	if err != nil {
		return nil, err
	}
	if wop == nil {
		return nil, fmt.Errorf("qonnx: no MatMul or Conv after the input")
	}
	if wop.Op == "MatMul" && start == in.Name {
		return nil, fmt.Errorf("qonnx: the input must be flattened by one Reshape (run FoldInputLayout first)")
	}
	st := layerIn{}
	if seg, st.pad, err = splitPad(seg, wop); err != nil {
		return nil, err
	}
	if st.vm, err = s.lowerInput(&segment{g: g, in: start, shape: []int{1, 256}, nodes: seg}); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		l, next, err := s.lowerLayer(g, env, wop, &st, i)
		if err != nil {
			return nil, err
		}
		s.layers = append(s.layers, *l)
		if next == nil {
			return s, nil
		}
		wop = next
	}
}

// lowerInput evaluates the preprocessing and input quantizer on every pixel
// value 0..255 and chooses the input encoding.
func (s *streamlined) lowerInput(seg *segment) (valueMap, error) {
	px := make([]float64, 256)
	for i := range px {
		px[i] = float64(i)
	}
	f, err := seg.run(px)
	if err != nil {
		return valueMap{}, err
	}
	quantized := false
	for _, n := range seg.nodes {
		quantized = quantized || isQuantizer(n.Op)
	}
	if !quantized {
		m, c := f[1]-f[0], f[0]
		for p, v := range f {
			if math.Abs(v-(m*float64(p)+c)) > 1e-9*math.Max(1, math.Abs(v)) {
				return valueMap{}, fmt.Errorf("qonnx: input preprocessing is not affine in the pixel value")
			}
		}
		return valueMap{m: m, c: c, xmin: 0, xmax: 255}, nil
	}
	lv, err := uniformLevels(f)
	if err != nil {
		return valueMap{}, fmt.Errorf("qonnx: input quantizer: %v", err)
	}
	levels := make([]int, 256)
	for p, v := range f {
		levels[p] = lv.level(v)
		if p > 0 && levels[p] < levels[p-1] {
			if lv.n == 2 {
				return s.binaryInput(f, levels)
			}
			return valueMap{}, fmt.Errorf("qonnx: input quantizer decreases with the pixel value")
		}
	}
	if lv.n == 2 {
		return s.binaryInput(f, levels)
	}
	return s.multiLevelInput(lv, levels)
}

// binaryInput encodes a two-level input: pixel >= T gives +1 (whichever
// of the two values the graph's quantizer gives above T: m may be negative).
func (s *streamlined) binaryInput(f []float64, levels []int) (valueMap, error) {
	t := 0
	for t < 256 && levels[t] == levels[0] {
		t++
	}
	for p := t; p < 256; p++ {
		if levels[p] != levels[t] {
			return valueMap{}, fmt.Errorf("qonnx: input quantizer is not monotone in the pixel value")
		}
	}
	s.inThresholds, s.inScale, s.inBias = []float64{float64(t)}, 2, -1
	hi, lo := f[t], f[0]
	return valueMap{m: (hi - lo) / 2, c: (hi + lo) / 2, xmin: -1, xmax: 1}, nil
}

// multiLevelInput encodes a k-level input as pixel thresholds (levels
// base..base+2^b-1); ToNetlist lowers it to 8-bit pixels, an identity dense
// layer and a threshold layer.
func (s *streamlined) multiLevelInput(lv levelSet, levels []int) (valueMap, error) {
	bits := bitsFor(lv.n)
	k := 1<<bits - 1
	th := make([]float64, k)
	for j := 1; j <= k; j++ {
		th[j-1] = 256
		for p, l := range levels {
			if l >= j {
				th[j-1] = float64(p)
				break
			}
		}
	}
	base := baseFor(lv)
	s.inThresholds, s.inScale, s.inBias = th, 1, float64(base)
	return valueMap{m: lv.d, c: lv.v0 - lv.d*float64(base), xmin: int64(base), xmax: int64(base + k)}, nil
}

// baseFor is the netlist base of a level set: v0/d when that is a small
// integer (so the values are integers times d), else 0.
func baseFor(lv levelSet) int {
	b := math.Round(lv.v0 / lv.d)
	if math.Abs(lv.v0/lv.d-b) < 1e-9 && b >= -256 && b <= 256-float64(lv.n) {
		return int(b)
	}
	return 0
}
