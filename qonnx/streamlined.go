package qonnx

import (
	"fmt"
)

// The streamlined form is the graph Streamline produces, ToNetlist reads and
// Export writes (with the weights behind quantizer nodes): FINN's
// streamlined dense network with integers everywhere.
//
//	input (1,C,H,W) raw pixels -> Reshape (1, N)
//	  [-> MultiThreshold (1, K) on the pixels: K = 1, out_scale 2, out_bias -1
//	     for a binarized input; more levels: out_scale 1, out_bias = base]
//	  -> MatMul (N, M) integer weights [-> Mul (1, M) of +-1: reversed channels]
//	  -> MultiThreshold (M, 2^k-1) integer thresholds (out_scale 2, out_bias -1
//	     for k = 1; out_scale 1, out_bias = base for k >= 2)
//	  ... -> MatMul -> [Add (1, M) integer class offsets] -> output scores
//
// Weight rows follow the input's row-major (NCHW) order.
type streamlined struct {
	inName  string
	inShape []int // ONNX input shape (1, C, H, W) or (1, N)
	// inThresholds are the pixel thresholds (nil for 8-bit pixels used as
	// they are); inScale and inBias map the level to the next layer's value.
	inThresholds    []float64
	inScale, inBias float64
	layers          []slLayer
	offsets         []float64 // last layer's class offsets (nil: none)
	props           map[string]string
	// quantActs writes 1-bit thresholds as Add(-T) + BipolarQuant instead
	// of MultiThreshold (ExportOptions.QuantActivations).
	quantActs bool
}

// slLayer is one MatMul with its activation (none for the last layer).
type slLayer struct {
	name            string
	in, out         int
	w               []float64 // (in, out) row-major, integers
	sign            []float64 // per output +-1; nil when all +1
	act             string    // activation node name
	t               []float64 // (out, K) thresholds, nil for the last layer
	k               int       // thresholds per channel
	outScale, outBi float64
}

const customDomain = "qonnx.custom_op.general"

// build writes the streamlined form as a graph; weights are plain
// initializers (wrap adds quantizer nodes in front of them when exporting).
func (s *streamlined) build(wrap func(g *Graph, l *slLayer, w string) string) *Graph {
	g := &Graph{Name: "qnn", Inits: map[string]*Tensor{}, Opsets: map[string]int64{"": 11, customDomain: 1},
		Inputs: []ValueInfo{{Name: s.inName, Shape: append([]int(nil), s.inShape...)}}}
	n := numel(s.inShape)
	g.Inits["flat_shape"] = &Tensor{Shape: []int{2}, Data: []float64{1, float64(n)}}
	cur := "flat"
	g.Nodes = append(g.Nodes, &Node{Name: "flatten", Op: "Reshape", Inputs: []string{s.inName, "flat_shape"}, Outputs: []string{cur}, Attrs: map[string]Attr{}})
	if s.inThresholds != nil {
		g.Inits["input_thresholds"] = &Tensor{Shape: []int{1, len(s.inThresholds)}, Data: s.inThresholds}
		if s.quantActs {
			g.Nodes = append(g.Nodes, bipolarNodes(g, "input_quant", cur, "input_q", s.inThresholds)...)
		} else {
			g.Nodes = append(g.Nodes, mtNode("input_quant", cur, "input_thresholds", "input_q", s.inScale, s.inBias, len(s.inThresholds)))
		}
		cur = "input_q"
	}
	for i := range s.layers {
		l := &s.layers[i]
		wn := l.name + "_W"
		g.Inits[wn] = &Tensor{Shape: []int{l.in, l.out}, Data: l.w}
		if wrap != nil {
			wn = wrap(g, l, wn)
		}
		acc := l.name + "_acc"
		g.Nodes = append(g.Nodes, &Node{Name: l.name, Op: "MatMul", Inputs: []string{cur, wn}, Outputs: []string{acc}, Attrs: map[string]Attr{}})
		cur = acc
		if l.t == nil {
			break
		}
		if l.sign != nil {
			g.Inits[l.name+"_sign"] = &Tensor{Shape: []int{1, l.out}, Data: l.sign}
			g.Nodes = append(g.Nodes, &Node{Name: l.name + "_reverse", Op: "Mul", Inputs: []string{cur, l.name + "_sign"}, Outputs: []string{l.name + "_signed"}, Attrs: map[string]Attr{}})
			cur = l.name + "_signed"
		}
		if s.quantActs && l.k == 1 {
			g.Nodes = append(g.Nodes, bipolarNodes(g, l.act, cur, l.act+"_out", l.t)...)
		} else {
			g.Inits[l.act+"_T"] = &Tensor{Shape: []int{l.out, l.k}, Data: l.t}
			g.Nodes = append(g.Nodes, mtNode(l.act, cur, l.act+"_T", l.act+"_out", l.outScale, l.outBi, l.k))
		}
		cur = l.act + "_out"
	}
	if s.offsets != nil {
		g.Inits["class_offsets"] = &Tensor{Shape: []int{1, len(s.offsets)}, Data: s.offsets}
		g.Nodes = append(g.Nodes, &Node{Name: "offsets", Op: "Add", Inputs: []string{cur, "class_offsets"}, Outputs: []string{"scores"}, Attrs: map[string]Attr{}})
		cur = "scores"
	}
	g.Outputs = []ValueInfo{{Name: cur, Shape: []int{1, s.layers[len(s.layers)-1].out}}}
	g.Props = s.props
	return g
}

func mtNode(name, in, th, out string, scale, bias float64, k int) *Node {
	return &Node{Name: name, Op: "MultiThreshold", Domain: customDomain, Inputs: []string{in, th}, Outputs: []string{out},
		Attrs: map[string]Attr{
			"out_scale": {Kind: AttrFloat, F: scale}, "out_bias": {Kind: AttrFloat, F: bias},
			"out_dtype": {Kind: AttrString, S: mtDtype(scale, bias, k)}, "data_layout": {Kind: AttrString, S: "NCHW"},
		}}
}

// mtDtype names the FINN DataType of a MultiThreshold's output.
func mtDtype(scale, bias float64, k int) string {
	if scale == 2 && bias == -1 {
		return "BIPOLAR"
	}
	lo, hi := int64(bias), int64(bias)+int64(k)
	if lo >= 0 {
		b := 1
		for int64(1)<<b <= hi {
			b++
		}
		return fmt.Sprintf("UINT%d", b)
	}
	b := 1
	for -(int64(1)<<(b-1)) > lo || int64(1)<<(b-1)-1 < hi {
		b++
	}
	return fmt.Sprintf("INT%d", b)
}

// bipolarNodes is a 1-bit threshold as standard ops plus BipolarQuant:
// BipolarQuant(x - T) is +1 exactly where x >= T (one T per channel, or one
// for all).
func bipolarNodes(g *Graph, name, in, out string, t []float64) []*Node {
	neg := make([]float64, len(t))
	for i, v := range t {
		neg[i] = -v
	}
	g.Inits[name+"_negT"] = &Tensor{Shape: []int{1, len(t)}, Data: neg}
	g.Inits[name+"_scale"] = Scalar(1)
	return []*Node{
		{Name: name + "_shift", Op: "Add", Inputs: []string{in, name + "_negT"}, Outputs: []string{name + "_x"}, Attrs: map[string]Attr{}},
		{Name: name, Op: "BipolarQuant", Domain: customDomain, Inputs: []string{name + "_x", name + "_scale"}, Outputs: []string{out}, Attrs: map[string]Attr{}},
	}
}
