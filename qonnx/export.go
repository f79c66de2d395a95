package qonnx

import (
	"encoding/json"
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
)

// Export writes n as a QONNX graph: the input flattened by Reshape, the
// pixel binarization as a MultiThreshold, each dense layer as MatMul with
// its integer weights behind a BipolarQuant (1-bit) or Quant (k-bit,
// scale 1, zero point 0, signed, not narrow), each threshold layer as
// MultiThreshold (reversed channels as a Mul by -1 before it), and class
// offsets as Add. Predict on the result equals netlist.Eval's class on every
// image (raw pixels 0..255 in the netlist's input shape as (1, C, H, W)).
func Export(n *netlist.Network, opt ExportOptions) (*Graph, IntTensors, error) {
	if err := netlist.Validate(n); err != nil {
		return nil, nil, fmt.Errorf("qonnx: %w", err)
	}
	if n.IsSequence() {
		return nil, nil, fmt.Errorf("qonnx: model %q: export of sequence models (embedding, lstm) is not supported", n.Name)
	}
	s, err := fromNetlist(n)
	if err != nil {
		return nil, nil, err
	}
	if opt.QuantActivations {
		for _, l := range n.Layers {
			if c, ok := l.(*netlist.Conv2D); ok {
				return nil, nil, fmt.Errorf("qonnx: layer %q: conv2d layers are exported with MultiThreshold only", c.Name)
			}
			if t, ok := l.(*netlist.Threshold); ok && t.Bits > 1 {
				return nil, nil, fmt.Errorf("qonnx: layer %q: %d-bit thresholds have no exact Quant form (only 1-bit ones do); export with MultiThreshold", t.Name, t.Bits)
			}
		}
		s.quantActs = true
	}
	bits := map[string]int{}
	for _, l := range n.Layers {
		if d, ok := l.(*netlist.Dense); ok {
			bits[d.Name] = d.WeightBits
		}
		if c, ok := l.(*netlist.Conv2D); ok {
			bits[c.Name] = c.WeightBits
		}
	}
	g := s.build(func(g *Graph, l *slLayer, w string) string { return wrapWeights(g, l, w, bits[l.name]) })
	g.Name = n.Name
	return g, intInits(g), nil
}

// intInits names the shape and pad operands of g's Reshape and Pad nodes,
// written as INT64.
func intInits(g *Graph) IntTensors {
	ints := IntTensors{}
	for _, n := range g.Nodes {
		if (n.Op == "Reshape" || n.Op == "Pad") && len(n.Inputs) > 1 {
			ints[n.Inputs[1]] = true
		}
	}
	return ints
}

// wrapWeights puts a weight quantizer in front of initializer w.
func wrapWeights(g *Graph, l *slLayer, w string, bits int) string {
	out := l.name + "_Wq"
	one := l.name + "_Wscale"
	g.Inits[one] = Scalar(1)
	if bits == 1 {
		g.Nodes = append(g.Nodes, &Node{Name: l.name + "_wquant", Op: "BipolarQuant", Domain: customDomain,
			Inputs: []string{w, one}, Outputs: []string{out}, Attrs: map[string]Attr{}})
		return out
	}
	zp, bw := l.name+"_Wzeropt", l.name+"_Wbits"
	g.Inits[zp], g.Inits[bw] = Scalar(0), Scalar(float64(bits))
	g.Nodes = append(g.Nodes, &Node{Name: l.name + "_wquant", Op: "Quant", Domain: customDomain,
		Inputs: []string{w, one, zp, bw}, Outputs: []string{out}, Attrs: map[string]Attr{
			"signed": {Kind: AttrInt, I: 1}, "narrow": {Kind: AttrInt, I: 0}, "rounding_mode": {Kind: AttrString, S: "ROUND"}}})
	return out
}

// ExportOptions configures Export.
type ExportOptions struct {
	// QuantActivations writes the input binarization and 1-bit threshold
	// layers as Add (minus the thresholds) + BipolarQuant, standard ops and
	// QONNX quantizers only (for readers without MultiThreshold, such as
	// hls4ml's ONNX front end); k-bit thresholds then fail.
	QuantActivations bool
}

// fromNetlist builds the streamlined form of n (the inverse of toNetlist).
func fromNetlist(n *netlist.Network) (*streamlined, error) {
	in := n.InputLayer()
	s := &streamlined{inName: "pixels", inShape: []int{1, in.Shape.C, in.Shape.H, in.Shape.W}}
	if in.Bits == 1 {
		s.inThresholds, s.inScale, s.inBias = []float64{float64(in.Threshold)}, 2, -1
	}
	h := header{Name: n.Name, Meta: n.Meta}
	first, spatial := true, false
	shape := in.Shape
	for _, l := range n.Layers {
		hl := headerLayer{Name: l.LayerName()}
		switch l := l.(type) {
		case *netlist.Dense:
			sl := denseLayer(l, in.Shape, first)
			sl.flat, sl.inShape = spatial, shape
			s.layers = append(s.layers, sl)
			first, spatial = false, false
			hl.Bits, hl.WeightBits = l.AccBits, l.WeightBits
			shape = netlist.Shape{C: l.Out, H: 1, W: 1}
		case *netlist.Conv2D:
			s.layers = append(s.layers, convLayerOf(l, shape))
			first, spatial = false, true
			hl.Bits, hl.WeightBits = l.AccBits, l.WeightBits
			shape = l.OutShape(shape.H, shape.W)
		case *netlist.MaxPool:
			last := &s.layers[len(s.layers)-1]
			last.pools = append(last.pools, poolSpec{name: l.Name, k: l.K, stride: l.Stride})
			shape = l.OutShape(shape)
		case *netlist.Threshold:
			thresholdLayer(&s.layers[len(s.layers)-1], l)
		case *netlist.Output:
			hl.Bits = l.ScoreBits
			if l.Offsets != nil {
				s.offsets = make([]float64, l.Classes)
				for c := range s.offsets {
					s.offsets[c] = float64(l.Offsets[c])
				}
			}
		case *netlist.Input:
		default:
			return nil, fmt.Errorf("qonnx: layer %q: op %q cannot be exported", l.LayerName(), l.Op())
		}
		h.Layers = append(h.Layers, hl)
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("qonnx: %w", err)
	}
	s.props = map[string]string{headerKey: string(raw)}
	return s, nil
}

func denseLayer(d *netlist.Dense, shape netlist.Shape, first bool) slLayer {
	l := slLayer{name: d.Name, in: d.In, out: d.Out, w: make([]float64, d.In*d.Out)}
	for o := 0; o < d.Out; o++ {
		for j := 0; j < d.In; j++ {
			r := j
			if first {
				r = nchwIndex(shape, j)
			}
			l.w[r*d.Out+o] = float64(d.W(o, j))
		}
	}
	return l
}

// convLayerOf is conv2d layer c reading a tensor of shape in.
func convLayerOf(c *netlist.Conv2D, in netlist.Shape) slLayer {
	n := c.RowLen()
	l := slLayer{name: c.Name, in: n, out: c.OutC, w: make([]float64, n*c.OutC), inShape: in,
		conv: &convSpec{kh: c.KH, kw: c.KW, stride: c.Stride, pad: c.Pad, padValue: c.PadValue}}
	for f := 0; f < c.OutC; f++ {
		for j, v := range c.Row(f) {
			l.w[j*c.OutC+f] = float64(v)
		}
	}
	return l
}

func thresholdLayer(l *slLayer, t *netlist.Threshold) {
	l.act, l.k = t.Name, t.PerChannel()
	if t.Bits == 1 {
		l.outScale, l.outBi = 2, -1
	} else {
		l.outScale, l.outBi = 1, float64(t.Base)
	}
	rev := make([]bool, t.Channels)
	rows := make([][]int64, t.Channels)
	for c := range rows {
		rows[c] = t.Row(c)
		rev[c] = t.IsReversed(c)
	}
	l.setThresholds(rows, rev)
}
