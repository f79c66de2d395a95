package qonnx

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/qnn-dev/qnn/netlist"
)

// headerKey is the metadata_props key under which Export records what the
// ONNX graph cannot say (netlist name, meta, layer names, declared widths),
// so that export -> import gives back the same netlist.
const headerKey = "qnn.netlist"

type header struct {
	Name   string            `json:"name"`
	Meta   map[string]string `json:"meta,omitempty"`
	Layers []headerLayer     `json:"layers"`
}

type headerLayer struct {
	Name string `json:"name"`
	Bits int    `json:"bits,omitempty"` // acc_bits of dense and conv2d, score_bits of output
	// WeightBits is the declared weight width of dense and conv2d layers:
	// weights drawn at k bits may fit in fewer, which the graph cannot say.
	WeightBits int `json:"weight_bits,omitempty"`
}

// inputShape maps the ONNX input shape to the netlist's (C, H, W).
func inputShape(shape []int) (netlist.Shape, error) {
	switch len(shape) {
	case 4:
		if shape[0] == 1 {
			return netlist.Shape{C: shape[1], H: shape[2], W: shape[3]}, nil
		}
	case 2:
		if shape[0] == 1 {
			return netlist.Shape{C: shape[1], H: 1, W: 1}, nil
		}
	}
	return netlist.Shape{}, fmt.Errorf("qonnx: input shape %v: want (1, C, H, W) or (1, N)", shape)
}

// nchwIndex is the ONNX (row-major NCHW) position of netlist input element j
// (channel-fastest: j = (h*W + w)*C + c).
func nchwIndex(s netlist.Shape, j int) int {
	c, hw := j%s.C, j/s.C
	return c*s.H*s.W + hw
}

// toNetlist converts the streamlined form into a validated netlist.
func (s *streamlined) toNetlist(name string) (*netlist.Network, error) {
	shape, err := inputShape(s.inShape)
	if err != nil {
		return nil, err
	}
	in := &netlist.Input{Name: "input", Shape: shape, Bits: 8}
	n := &netlist.Network{Name: name, Layers: []netlist.Layer{in}}
	xmin, xmax := int64(0), int64(255)
	switch {
	case s.inThresholds == nil:
	case len(s.inThresholds) == 1 && s.inScale == 2 && s.inBias == -1:
		in.Bits, in.Threshold = 1, int(math.Min(math.Max(s.inThresholds[0], 0), 256))
		xmin, xmax = -1, 1
	case s.layers[0].conv != nil:
		xmin, xmax = s.identityConvInput(n, shape.C)
	default:
		xmin, xmax = s.identityInput(n, shape.Size())
	}
	for i := range s.layers {
		l := &s.layers[i]
		acc, accBits, lo, hi, err := l.accumulating(shape, i == 0, xmin, xmax)
		if err != nil {
			return nil, err
		}
		n.Layers = append(n.Layers, acc)
		if l.t == nil {
			n.Layers = append(n.Layers, s.output(l, lo, hi))
			break
		}
		t := l.threshold()
		amin, amax := minOf(lo)-1, maxOf(hi)+1
		for _, v := range t.T {
			amin, amax = min(amin, v), max(amax, v)
		}
		*accBits = netlist.SignedBits(amin, amax)
		n.Layers = append(n.Layers, t)
		for _, p := range l.pools {
			n.Layers = append(n.Layers, &netlist.MaxPool{Name: p.name, K: p.k, Stride: p.stride})
		}
		xmin, xmax = int64(t.Value(0)), int64(t.Value(t.PerChannel()))
	}
	if err := applyHeader(n, s.props); err != nil {
		return nil, err
	}
	if err := netlist.Validate(n); err != nil {
		return nil, fmt.Errorf("qonnx: imported netlist is invalid: %w", err)
	}
	return n, nil
}

// identityInput lowers a multi-level input quantizer: 8-bit pixels, an
// identity dense layer and a threshold layer with the pixel thresholds.
func (s *streamlined) identityInput(n *netlist.Network, size int) (int64, int64) {
	d := &netlist.Dense{Name: "input_identity", In: size, Out: size, WeightBits: 2, AccBits: 10, Weights: make([]int8, size*size)}
	for i := 0; i < size; i++ {
		d.Weights[i*size+i] = 1
	}
	k := len(s.inThresholds)
	t := &netlist.Threshold{Name: "input_quant", Channels: size, Bits: bitsFor(k + 1), Base: int(s.inBias)}
	for c := 0; c < size; c++ {
		for _, v := range s.inThresholds {
			t.T = append(t.T, int64(v))
		}
	}
	n.Layers = append(n.Layers, d, t)
	return int64(t.Value(0)), int64(t.Value(t.PerChannel()))
}

// accumulating converts layer l to a dense or conv2d layer; it returns the
// layer, its acc_bits field and the per-channel accumulator ranges.
func (l *slLayer) accumulating(shape netlist.Shape, first bool, xmin, xmax int64) (netlist.Layer, *int, []int64, []int64, error) {
	if l.conv != nil {
		c, lo, hi, err := l.conv2d(xmin, xmax)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		return c, &c.AccBits, lo, hi, nil
	}
	d, lo, hi, err := l.dense(shape, first, xmin, xmax)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return d, &d.AccBits, lo, hi, nil
}

// conv2d converts conv layer l (weights already in (kh, kw, c) row order).
func (l *slLayer) conv2d(xmin, xmax int64) (*netlist.Conv2D, []int64, []int64, error) {
	bits, err := weightBits(l.w)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("qonnx: %s: %v", l.name, err)
	}
	cs := l.conv
	c := &netlist.Conv2D{Name: l.name, InC: l.inShape.C, OutC: l.out, KH: cs.kh, KW: cs.kw, Stride: cs.stride,
		Pad: cs.pad, PadValue: cs.padValue, WeightBits: bits, Weights: make([]int8, l.in*l.out)}
	for f := 0; f < l.out; f++ {
		for j := 0; j < l.in; j++ {
			c.Weights[f*l.in+j] = int8(l.w[j*l.out+f])
		}
	}
	lo, hi := make([]int64, l.out), make([]int64, l.out)
	for f := range lo {
		lo[f], hi[f] = netlist.RowRange(c.Row(f), xmin, xmax)
	}
	c.AccBits = netlist.SignedBits(minOf(lo)-1, maxOf(hi)+1)
	return c, lo, hi, nil
}

// identityConvInput is identityInput for a convolutional network: a 1x1
// identity conv2d and a per-channel threshold layer.
func (s *streamlined) identityConvInput(n *netlist.Network, ch int) (int64, int64) {
	c := &netlist.Conv2D{Name: "input_identity", InC: ch, OutC: ch, KH: 1, KW: 1, Stride: 1, WeightBits: 2, AccBits: 10, Weights: make([]int8, ch*ch)}
	for i := 0; i < ch; i++ {
		c.Weights[i*ch+i] = 1
	}
	k := len(s.inThresholds)
	t := &netlist.Threshold{Name: "input_quant", Channels: ch, Bits: bitsFor(k + 1), Base: int(s.inBias)}
	for i := 0; i < ch; i++ {
		for _, v := range s.inThresholds {
			t.T = append(t.T, int64(v))
		}
	}
	n.Layers = append(n.Layers, c, t)
	return int64(t.Value(0)), int64(t.Value(t.PerChannel()))
}

// dense converts layer l; the first layer's columns are permuted from NCHW
// to channel-fastest order. It returns the per-channel accumulator ranges.
func (l *slLayer) dense(shape netlist.Shape, first bool, xmin, xmax int64) (*netlist.Dense, []int64, []int64, error) {
	bits, err := weightBits(l.w)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("qonnx: %s: %v", l.name, err)
	}
	d := &netlist.Dense{Name: l.name, In: l.in, Out: l.out, WeightBits: bits, Weights: make([]int8, l.in*l.out)}
	if first && shape.Size() != l.in {
		return nil, nil, nil, fmt.Errorf("qonnx: %s: %d inputs for input shape %v", l.name, l.in, shape)
	}
	for o := 0; o < l.out; o++ {
		for j := 0; j < l.in; j++ {
			r := j
			if first {
				r = nchwIndex(shape, j)
			}
			d.Weights[o*l.in+j] = int8(l.w[r*l.out+o])
		}
	}
	lo, hi := make([]int64, l.out), make([]int64, l.out)
	for o := range lo {
		lo[o], hi[o] = netlist.RowRange(d.Row(o), xmin, xmax)
	}
	d.AccBits = netlist.SignedBits(minOf(lo)-1, maxOf(hi)+1)
	return d, lo, hi, nil
}

// threshold converts l's activation: sign -1 channels become reversed.
func (l *slLayer) threshold() *netlist.Threshold {
	t := &netlist.Threshold{Name: l.act, Channels: l.out, Bits: bitsFor(l.k + 1), Reversed: make([]bool, l.out)}
	if t.Bits > 1 {
		t.Base = int(l.outBi)
	}
	for o := 0; o < l.out; o++ {
		row := make([]int64, l.k)
		for i, v := range l.t[o*l.k : (o+1)*l.k] {
			row[i] = int64(v)
		}
		if l.sign != nil && l.sign[o] < 0 {
			t.Reversed[o] = true
			for i := range row {
				row[i] = -row[i]
			}
		}
		sort.Slice(row, func(i, j int) bool { return row[i] < row[j] })
		t.T = append(t.T, row...)
	}
	return t
}

func (s *streamlined) output(l *slLayer, lo, hi []int64) *netlist.Output {
	classes := l.classes()
	o := &netlist.Output{Name: "scores", Classes: classes}
	smin, smax := int64(0), int64(0)
	for j := 0; j < classes; j++ {
		off := int64(0)
		if s.offsets != nil {
			off = int64(s.offsets[j])
		}
		c := j % l.out // channel-fastest
		smin, smax = min(smin, lo[c]+off), max(smax, hi[c]+off)
	}
	if s.offsets != nil {
		o.Offsets = make([]int64, classes)
		for j, v := range s.offsets {
			o.Offsets[j] = int64(v)
		}
	}
	o.ScoreBits = max(2, netlist.SignedBits(smin, smax))
	return o
}

// applyHeader restores names, meta and declared widths recorded by Export.
func applyHeader(n *netlist.Network, props map[string]string) error {
	raw, ok := props[headerKey]
	if !ok {
		return nil
	}
	var h header
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return fmt.Errorf("qonnx: metadata %q: %v", headerKey, err)
	}
	if len(h.Layers) != len(n.Layers) {
		return fmt.Errorf("qonnx: metadata %q lists %d layers, the graph has %d", headerKey, len(h.Layers), len(n.Layers))
	}
	n.Name, n.Meta = h.Name, h.Meta
	for i, hl := range h.Layers {
		switch l := n.Layers[i].(type) {
		case *netlist.Input:
			l.Name = hl.Name
		case *netlist.Dense:
			l.Name = hl.Name
			if hl.Bits > 0 {
				l.AccBits = hl.Bits
			}
			if hl.WeightBits > 0 {
				l.WeightBits = hl.WeightBits
			}
		case *netlist.Conv2D:
			l.Name = hl.Name
			if hl.Bits > 0 {
				l.AccBits = hl.Bits
			}
			if hl.WeightBits > 0 {
				l.WeightBits = hl.WeightBits
			}
		case *netlist.Threshold:
			l.Name = hl.Name
		case *netlist.MaxPool:
			l.Name = hl.Name
		case *netlist.Output:
			l.Name = hl.Name
			if hl.Bits > 0 {
				l.ScoreBits = hl.Bits
			}
		}
	}
	return nil
}

func minOf(v []int64) int64 {
	m := v[0]
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

func maxOf(v []int64) int64 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
