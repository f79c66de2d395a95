package qonnx

import (
	"fmt"
	"math"
	"sort"
)

// segment is a run of single-input nodes of g read as one function of the
// tensor named in, evaluated on values of in's static shape.
type segment struct {
	g     *Graph
	in    string
	shape []int
	nodes []*Node
}

// run evaluates the segment on data (laid out in in's shape) and returns the
// last node's output (or data itself for an empty segment).
func (s *segment) run(data []float64) ([]float64, error) {
	env := Env{s.in: &Tensor{Shape: s.shape, Data: data}}
	for _, k := range s.constInputs() {
		env[k] = s.g.Inits[k]
	}
	for _, n := range s.nodes {
		if err := step(env, n); err != nil {
			return nil, err
		}
	}
	if len(s.nodes) == 0 {
		return data, nil
	}
	return env[s.nodes[len(s.nodes)-1].Outputs[0]].Data, nil
}

func (s *segment) constInputs() []string {
	var out []string
	for _, n := range s.nodes {
		for _, in := range n.Inputs[1:] {
			if in != "" {
				out = append(out, in)
			}
		}
	}
	return out
}

// out is the name of the segment's result.
func (s *segment) out() string {
	if len(s.nodes) == 0 {
		return s.in
	}
	return s.nodes[len(s.nodes)-1].Outputs[0]
}

// follow collects the chain of nodes reading from name until stop says a
// node ends it (that node is returned separately, nil at the graph output).
func follow(g *Graph, name string, stop func(*Node) bool) ([]*Node, *Node, error) {
	var chain []*Node
	for {
		if g.IsGraphOutput(name) {
			return chain, nil, nil
		}
		cs := g.Consumers(name)
		if len(cs) != 1 {
			return nil, nil, fmt.Errorf("qonnx: tensor %q feeds %d nodes; a single chain is supported", name, len(cs))
		}
		n := cs[0]
		if len(n.Inputs) == 0 || n.Inputs[0] != name {
			return nil, nil, nodeErr(n, "data input must be the first input")
		}
		for _, in := range n.Inputs[1:] {
			if in != "" && g.Inits[in] == nil {
				return nil, nil, nodeErr(n, "input %q must be a constant", in)
			}
		}
		if stop(n) {
			return chain, n, nil
		}
		chain = append(chain, n)
		name = n.Outputs[0]
	}
}

func isQuantizer(op string) bool {
	switch op {
	case "Quant", "BipolarQuant", "MultiThreshold", "Trunc":
		return true
	}
	return false
}

// levelSet is the sorted set of values a quantizer can output, uniformly
// spaced: v0, v0+d, ..., v0+(L-1)d with d > 0.
type levelSet struct {
	v0, d float64
	n     int
}

// value returns the value of level l.
func (s levelSet) value(l int) float64 { return s.v0 + s.d*float64(l) }

// level returns the level of v, or -1 if v is not one of the set's values.
func (s levelSet) level(v float64) int {
	l := math.Round((v - s.v0) / s.d)
	if l < 0 || int(l) >= s.n || math.Abs(s.value(int(l))-v) > 1e-9*math.Max(1, math.Abs(v)) {
		return -1
	}
	return int(l)
}

// uniformLevels builds a levelSet from values (any order, duplicates
// allowed); it fails unless they are uniformly spaced.
func uniformLevels(vals []float64) (levelSet, error) {
	u := append([]float64(nil), vals...)
	sort.Float64s(u)
	var d []float64
	for _, v := range u {
		if len(d) == 0 || v != d[len(d)-1] {
			d = append(d, v)
		}
	}
	if len(d) < 2 {
		return levelSet{}, fmt.Errorf("output is constant (%v)", d)
	}
	s := levelSet{v0: d[0], d: d[1] - d[0], n: len(d)}
	for i, v := range d {
		if s.level(v) != i {
			return levelSet{}, fmt.Errorf("output levels %v are not uniformly spaced (non-uniform scale)", d)
		}
	}
	return s, nil
}

// quantizerLevels returns the values quantizer node q can output; every
// parameter must be one scalar (a per-channel scale is a non-uniform scale).
func quantizerLevels(g *Graph, q *Node) (levelSet, error) {
	param := func(i int, what string) (float64, error) {
		t := g.Inits[q.Inputs[i]]
		if len(q.Inputs) <= i || t == nil {
			return 0, nodeErr(q, "%s must be a constant", what)
		}
		if len(t.Data) != 1 {
			return 0, nodeErr(q, "%s has %d values; only one scale per tensor is supported (non-uniform scale)", what, len(t.Data))
		}
		return t.Data[0], nil
	}
	var vals []float64
	switch q.Op {
	case "BipolarQuant":
		s, err := param(1, "scale")
		if err != nil {
			return levelSet{}, err
		}
		vals = []float64{-s, s}
	case "Quant":
		s, err := param(1, "scale")
		if err != nil {
			return levelSet{}, err
		}
		z, err := param(2, "zero point")
		if err != nil {
			return levelSet{}, err
		}
		b, err := param(3, "bit width")
		if err != nil {
			return levelSet{}, err
		}
		if b != math.Trunc(b) || b < 1 || b > 8 {
			return levelSet{}, nodeErr(q, "activation bit width %v is not supported (qnn's IR takes 1..8 bits)", b)
		}
		signed, narrow := q.attrInt("signed", 1) != 0, q.attrInt("narrow", 0) != 0
		lo, hi := intRange(signed, narrow, int(b))
		if b == 1 && signed {
			lo, hi = -1, 1
			vals = []float64{(lo - z) * s, (hi - z) * s}
			break
		}
		for v := lo; v <= hi; v++ {
			vals = append(vals, (v-z)*s)
		}
	case "MultiThreshold":
		t := g.Inits[q.Inputs[1]]
		if t == nil || len(t.Shape) != 2 {
			return levelSet{}, nodeErr(q, "thresholds must be a constant (C, K) tensor")
		}
		if t.Shape[1] > 255 {
			return levelSet{}, nodeErr(q, "%d thresholds per channel need more than 8 output bits", t.Shape[1])
		}
		sc, bi := q.attrFloat("out_scale", 1), q.attrFloat("out_bias", 0)
		for k := 0; k <= t.Shape[1]; k++ {
			vals = append(vals, sc*float64(k)+bi)
		}
	default:
		return levelSet{}, nodeErr(q, "quantizer is not supported here")
	}
	s, err := uniformLevels(vals)
	if err != nil {
		return levelSet{}, nodeErr(q, "%v", err)
	}
	return s, nil
}

// bitsFor is the activation width holding n levels (1 for 2 levels).
func bitsFor(n int) int {
	b := 1
	for 1<<b < n {
		b++
	}
	return b
}
