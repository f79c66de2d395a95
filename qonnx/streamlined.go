package qonnx

import (
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
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
	conv            *convSpec  // nil for a MatMul layer
	pools           []poolSpec // MaxPools after the activation (conv layers)
	// flat marks a MatMul reading a spatial tensor: the graph flattens it
	// channel-fastest (Transpose to NHWC + Reshape) and w's rows are in the
	// netlist's order.
	flat    bool
	inShape netlist.Shape // the (C, H, W) tensor a conv or flat layer reads
}

const customDomain = "qonnx.custom_op.general"

// build writes the streamlined form as a graph; weights are plain
// initializers (wrap adds quantizer nodes in front of them when exporting).
func (s *streamlined) build(wrap func(g *Graph, l *slLayer, w string) string) *Graph {
	g := &Graph{Name: "qnn", Inits: map[string]*Tensor{}, Opsets: map[string]int64{"": 11, customDomain: 1},
		Inputs: []ValueInfo{{Name: s.inName, Shape: append([]int(nil), s.inShape...)}}}
	cur := s.inName
	spatial := s.layers[0].conv != nil
	if !spatial {
		g.Inits["flat_shape"] = &Tensor{Shape: []int{2}, Data: []float64{1, float64(numel(s.inShape))}}
		g.Nodes = append(g.Nodes, &Node{Name: "flatten", Op: "Reshape", Inputs: []string{s.inName, "flat_shape"}, Outputs: []string{"flat"}, Attrs: map[string]Attr{}})
		cur = "flat"
	}
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
		if l.flat {
			cur = flattenNodes(g, l, cur)
		}
		cur = l.weightNode(g, cur, wrap)
		if l.t == nil {
			if l.conv != nil {
				cur = flattenScores(g, l, cur)
			}
			break
		}
		cur = s.activationNodes(g, l, cur)
	}
	if s.offsets != nil {
		g.Inits["class_offsets"] = &Tensor{Shape: []int{1, len(s.offsets)}, Data: s.offsets}
		g.Nodes = append(g.Nodes, &Node{Name: "offsets", Op: "Add", Inputs: []string{cur, "class_offsets"}, Outputs: []string{"scores"}, Attrs: map[string]Attr{}})
		cur = "scores"
	}
	g.Outputs = []ValueInfo{{Name: cur, Shape: []int{1, s.layers[len(s.layers)-1].classes()}}}
	g.Props = s.props
	return g
}

// weightNode writes layer l's MatMul or Conv (a conv padding with a
// non-zero value gets a constant Pad node in front: ONNX Conv pads with 0).
func (l *slLayer) weightNode(g *Graph, cur string, wrap func(g *Graph, l *slLayer, w string) string) string {
	wn := l.name + "_W"
	if l.conv == nil {
		g.Inits[wn] = &Tensor{Shape: []int{l.in, l.out}, Data: l.w}
	} else {
		g.Inits[wn] = l.oihw()
	}
	if wrap != nil {
		wn = wrap(g, l, wn)
	}
	acc := l.name + "_acc"
	if l.conv == nil {
		g.Nodes = append(g.Nodes, &Node{Name: l.name, Op: "MatMul", Inputs: []string{cur, wn}, Outputs: []string{acc}, Attrs: map[string]Attr{}})
		return acc
	}
	c := l.conv
	p := c.pad
	attrs := map[string]Attr{"kernel_shape": {Kind: AttrInts, Ints: []int64{int64(c.kh), int64(c.kw)}},
		"strides": {Kind: AttrInts, Ints: []int64{int64(c.stride), int64(c.stride)}}}
	if p.Any() && c.padValue != 0 {
		g.Inits[l.name+"_pads"] = &Tensor{Shape: []int{8}, Data: []float64{0, 0, float64(p.Top), float64(p.Left), 0, 0, float64(p.Bottom), float64(p.Right)}}
		g.Inits[l.name+"_padvalue"] = Scalar(float64(c.padValue))
		g.Nodes = append(g.Nodes, &Node{Name: l.name + "_pad", Op: "Pad", Inputs: []string{cur, l.name + "_pads", l.name + "_padvalue"},
			Outputs: []string{l.name + "_padded"}, Attrs: map[string]Attr{"mode": {Kind: AttrString, S: "constant"}}})
		cur = l.name + "_padded"
	} else if p.Any() {
		attrs["pads"] = Attr{Kind: AttrInts, Ints: []int64{int64(p.Top), int64(p.Left), int64(p.Bottom), int64(p.Right)}}
	}
	g.Nodes = append(g.Nodes, &Node{Name: l.name, Op: "Conv", Inputs: []string{cur, wn}, Outputs: []string{acc}, Attrs: attrs})
	return acc
}

// oihw returns a conv layer's weights as an ONNX (M, C, kH, kW) tensor.
func (l *slLayer) oihw() *Tensor {
	c, inC := l.conv, l.inShape.C
	t := NewTensor(l.out, inC, c.kh, c.kw)
	for o := 0; o < l.out; o++ {
		for ci := 0; ci < inC; ci++ {
			for y := 0; y < c.kh; y++ {
				for x := 0; x < c.kw; x++ {
					t.Data[((o*inC+ci)*c.kh+y)*c.kw+x] = l.w[((y*c.kw+x)*inC+ci)*l.out+o]
				}
			}
		}
	}
	return t
}

// activationNodes writes layer l's reversed-channel Mul, its thresholds and
// its MaxPools.
func (s *streamlined) activationNodes(g *Graph, l *slLayer, cur string) string {
	if l.sign != nil {
		shape := []int{1, l.out}
		if l.conv != nil {
			shape = []int{1, l.out, 1, 1}
		}
		g.Inits[l.name+"_sign"] = &Tensor{Shape: shape, Data: l.sign}
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
	for _, p := range l.pools {
		g.Nodes = append(g.Nodes, &Node{Name: p.name, Op: "MaxPool", Inputs: []string{cur}, Outputs: []string{p.name + "_out"},
			Attrs: map[string]Attr{"kernel_shape": {Kind: AttrInts, Ints: []int64{int64(p.k), int64(p.k)}},
				"strides": {Kind: AttrInts, Ints: []int64{int64(p.stride), int64(p.stride)}}}})
		cur = p.name + "_out"
	}
	return cur
}

// flattenNodes flattens a spatial (1, C, H, W) tensor in the netlist's
// channel-fastest order: Transpose to (1, H, W, C), then Reshape to (1, N).
func flattenNodes(g *Graph, l *slLayer, cur string) string {
	g.Nodes = append(g.Nodes, &Node{Name: l.name + "_nhwc", Op: "Transpose", Inputs: []string{cur}, Outputs: []string{l.name + "_nhwc"},
		Attrs: map[string]Attr{"perm": {Kind: AttrInts, Ints: []int64{0, 2, 3, 1}}}})
	g.Inits[l.name+"_flat_shape"] = &Tensor{Shape: []int{2}, Data: []float64{1, float64(l.in)}}
	g.Nodes = append(g.Nodes, &Node{Name: l.name + "_flatten", Op: "Reshape", Inputs: []string{l.name + "_nhwc", l.name + "_flat_shape"}, Outputs: []string{l.name + "_in"}, Attrs: map[string]Attr{}})
	return l.name + "_in"
}

// flattenScores flattens a conv layer's accumulators channel-fastest: the
// netlist's class order.
func flattenScores(g *Graph, l *slLayer, cur string) string {
	g.Nodes = append(g.Nodes, &Node{Name: l.name + "_nhwc", Op: "Transpose", Inputs: []string{cur}, Outputs: []string{l.name + "_nhwc"},
		Attrs: map[string]Attr{"perm": {Kind: AttrInts, Ints: []int64{0, 2, 3, 1}}}})
	g.Inits[l.name+"_flat_shape"] = &Tensor{Shape: []int{2}, Data: []float64{1, float64(l.classes())}}
	g.Nodes = append(g.Nodes, &Node{Name: l.name + "_flatten", Op: "Reshape", Inputs: []string{l.name + "_nhwc", l.name + "_flat_shape"}, Outputs: []string{l.name + "_scores"}, Attrs: map[string]Attr{}})
	return l.name + "_scores"
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
