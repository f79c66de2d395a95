package qonnx

import (
	"fmt"
	"math"

	"github.com/qnn-dev/qnn/netlist"
)

// convSpec is a conv layer's geometry in the streamlined form; its weights
// (slLayer.w) have KH*KW*InC rows in the netlist's (kh, kw, c) order.
type convSpec struct {
	kh, kw, stride int
	pad            netlist.Padding
	padValue       int64 // in the input's integer domain (netlist.Conv2D.PadValue)
}

// poolSpec is a MaxPool after a conv layer's activation.
type poolSpec struct {
	name      string
	k, stride int
}

// layerIn is what a weight layer reads: the value map of its input, the
// Pad node in front of a Conv, and for a MatMul reading a spatial tensor
// the permutation perm[r] = netlist (channel-fastest) index of graph row r.
type layerIn struct {
	vm    valueMap
	pad   *Node
	perm  []int
	shape netlist.Shape
}

func isWeightOp(op string) bool { return op == "MatMul" || op == "Conv" }

// splitPad removes a Pad node that directly precedes a Conv from the end of
// chain; a Pad anywhere else is an error.
func splitPad(chain []*Node, next *Node) ([]*Node, *Node, error) {
	var pad *Node
	if k := len(chain); k > 0 && chain[k-1].Op == "Pad" && next != nil && next.Op == "Conv" {
		pad, chain = chain[k-1], chain[:k-1]
	}
	for _, n := range chain {
		if n.Op == "Pad" {
			return nil, nil, nodeErr(n, "a Pad is only supported directly before a Conv")
		}
	}
	return chain, pad, nil
}

// convLayer reads Conv node n (group 1, dilation 1, one stride, constant
// weights OIHW, optional bias) with the Pad before it; it returns the layer,
// the per-channel weight scale and the bias.
func convLayer(g *Graph, env Env, n *Node, st *layerIn, i int) (*slLayer, []float64, []float64, error) {
	w := g.Inits[n.Inputs[1]]
	if w == nil || len(w.Shape) != 4 {
		return nil, nil, nil, nodeErr(n, "weights must be a constant 4-D tensor")
	}
	if grp := n.attrInt("group", 1); grp != 1 {
		return nil, nil, nil, nodeErr(n, "group %d is not supported (only group 1)", grp)
	}
	geom, err := decodeGeom(n, w.Shape[2], w.Shape[3])
	if err != nil {
		return nil, nil, nil, nodeErr(n, "%v", err)
	}
	if geom.dh != 1 || geom.dw != 1 {
		return nil, nil, nil, nodeErr(n, "dilation %dx%d is not supported (only 1)", geom.dh, geom.dw)
	}
	if xs := env[n.Inputs[0]].Shape; len(xs) == 4 {
		geom = geom.resolve(xs[2], xs[3])
	}
	if geom.sh != geom.sw {
		return nil, nil, nil, nodeErr(n, "strides %dx%d differ (qnn's conv2d has one stride)", geom.sh, geom.sw)
	}
	pad, padFloat, src, err := convPadding(g, env, n, st.pad, geom)
	if err != nil {
		return nil, nil, nil, err
	}
	xs := env[src].Shape
	kh, kw, out := w.Shape[2], w.Shape[3], w.Shape[0]
	if len(xs) != 4 || xs[0] != 1 || xs[1] != w.Shape[1] {
		return nil, nil, nil, nodeErr(n, "input %v and weights %v: want (1, C, H, W) and (M, C, kH, kW)", xs, w.Shape)
	}
	if pad.Top >= kh || pad.Bottom >= kh || pad.Left >= kw || pad.Right >= kw {
		return nil, nil, nil, nodeErr(n, "padding %v must be smaller than the %dx%d kernel", pad, kh, kw)
	}
	inC := xs[1]
	l := &slLayer{name: fmt.Sprintf("conv%d", i), act: fmt.Sprintf("act%d", i), in: kh * kw * inC, out: out,
		conv: &convSpec{kh: kh, kw: kw, stride: geom.sh, pad: pad}, inShape: netlist.Shape{C: inC, H: xs[2], W: xs[3]}}
	wt := NewTensor(l.in, out)
	for o := 0; o < out; o++ {
		for c := 0; c < inC; c++ {
			for y := 0; y < kh; y++ {
				for x := 0; x < kw; x++ {
					wt.Data[((y*kw+x)*inC+c)*out+o] = w.Data[((o*inC+c)*kh+y)*kw+x]
				}
			}
		}
	}
	var scale []float64
	if l.w, scale, err = integerWeights(wt); err != nil {
		return nil, nil, nil, nodeErr(n, "%v", err)
	}
	if _, err := weightBits(l.w); err != nil {
		return nil, nil, nil, nodeErr(n, "%v", err)
	}
	if pad.Any() {
		if l.conv.padValue, err = padValue(st.vm, padFloat); err != nil {
			return nil, nil, nil, nodeErr(n, "%v", err)
		}
	}
	bias := make([]float64, out)
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		b := g.Inits[n.Inputs[2]]
		if b == nil || len(b.Data) != out {
			return nil, nil, nil, nodeErr(n, "bias must be a constant of %d values", out)
		}
		copy(bias, b.Data)
	}
	return l, scale, bias, nil
}

// convPadding combines the Conv's pads (zero in the float domain) with a
// constant Pad node before it; it returns the padding, the float pad value
// and the tensor the padding applies to.
func convPadding(g *Graph, env Env, n, padNode *Node, geom convGeom) (netlist.Padding, float64, string, error) {
	pad := netlist.Padding{Top: geom.pt, Bottom: geom.pb, Left: geom.pl, Right: geom.pr}
	if padNode == nil {
		return pad, 0, n.Inputs[0], nil
	}
	in := []*Tensor{nil}
	for _, name := range padNode.Inputs[1:] {
		in = append(in, g.Inits[name])
	}
	p, err := decodePad(padNode, in)
	if err != nil {
		return pad, 0, "", nodeErr(padNode, "%v", err)
	}
	extra := netlist.Padding{Top: p.top, Bottom: p.bottom, Left: p.left, Right: p.right}
	if extra.Any() && pad.Any() && p.value != 0 {
		return pad, 0, "", nodeErr(padNode, "pads with %v before a Conv that pads with 0: two pad values are not supported", p.value)
	}
	pad = netlist.Padding{Top: pad.Top + p.top, Bottom: pad.Bottom + p.bottom, Left: pad.Left + p.left, Right: pad.Right + p.right}
	v := 0.0
	if extra.Any() {
		v = p.value
	}
	return pad, v, padNode.Inputs[0], nil
}

// padValue maps a float pad value to the input's integer domain: the x with
// vm.m*x + vm.c == v exactly, inside [xmin, xmax] and not 0 for bipolar
// values.
func padValue(vm valueMap, v float64) (int64, error) {
	x := (v - vm.c) / vm.m
	r := math.Round(x)
	bipolar := vm.xmin == -1 && vm.xmax == 1
	if math.Abs(x-r) > 1e-9*math.Max(1, math.Abs(x)) || r < float64(vm.xmin) || r > float64(vm.xmax) || (bipolar && r == 0) {
		dom := fmt.Sprintf("[%d, %d]", vm.xmin, vm.xmax)
		if bipolar {
			dom = "{-1, +1}"
		}
		return 0, fmt.Errorf("padding with %v has no exact equivalent in the input's integer values %s (it would be %v)", v, dom, x)
	}
	return int64(r), nil
}

// readPools checks the MaxPool nodes after a conv layer's quantizer (square
// window, one stride, no pads, no ceil_mode, before any layout op and after
// no negative scale) and stores them in l.
func (l *slLayer) readPools(g *Graph, post []*Node, i int) error {
	layout, negative := false, false
	for _, n := range post {
		switch {
		case n.Op == "MaxPool":
			if l.conv == nil {
				return nodeErr(n, "a MaxPool after a MatMul layer is not supported")
			}
			if layout || negative {
				return nodeErr(n, "must come directly after the activation quantizer (before layout ops and negative scales)")
			}
			p, err := poolOf(n)
			if err != nil {
				return err
			}
			p.name = poolName(i, len(l.pools))
			l.pools = append(l.pools, p)
		case isLayout(n.Op):
			layout = true
		case (n.Op == "Mul" || n.Op == "Div") && isScalarElementwise(g, n):
			negative = negative || g.Inits[n.Inputs[1]].Data[0] < 0
		}
	}
	return nil
}

// poolName names layer i's j-th MaxPool in an imported netlist.
func poolName(i, j int) string {
	if j == 0 {
		return fmt.Sprintf("pool%d", i)
	}
	return fmt.Sprintf("pool%d_%d", i, j)
}

func poolOf(n *Node) (poolSpec, error) {
	ks := n.attrInts("kernel_shape")
	if len(ks) != 2 || ks[0] != ks[1] {
		return poolSpec{}, nodeErr(n, "kernel_shape %v must be square (qnn's maxpool is KxK)", ks)
	}
	if n.attrInt("ceil_mode", 0) != 0 {
		return poolSpec{}, nodeErr(n, "ceil_mode 1 is not supported")
	}
	geom, err := decodeGeom(n, int(ks[0]), int(ks[1]))
	if err != nil {
		return poolSpec{}, nodeErr(n, "%v", err)
	}
	if geom.pt != 0 || geom.pl != 0 || geom.pb != 0 || geom.pr != 0 || geom.autoPad != "" {
		return poolSpec{}, nodeErr(n, "pads and auto_pad SAME_* are not supported (qnn's maxpool has no padding)")
	}
	if geom.dh != 1 || geom.dw != 1 || geom.sh != geom.sw {
		return poolSpec{}, nodeErr(n, "strides %dx%d / dilations %dx%d: want one stride and no dilation", geom.sh, geom.sw, geom.dh, geom.dw)
	}
	return poolSpec{k: int(ks[0]), stride: geom.sh}, nil
}

// flattenPerm runs the layout ops of post on the netlist indices of the
// spatial tensor src (NCHW in the graph): graph row r of the next MatMul
// reads netlist element perm[r].
func flattenPerm(g *Graph, env Env, post []*Node, src string) ([]int, netlist.Shape, error) {
	sh := env[src].Shape
	if len(sh) != 4 || sh[0] != 1 {
		return nil, netlist.Shape{}, fmt.Errorf("qonnx: tensor %q: shape %v, want (1, C, H, W)", src, sh)
	}
	s := netlist.Shape{C: sh[1], H: sh[2], W: sh[3]}
	cur := NewTensor(sh...)
	for c := 0; c < s.C; c++ {
		for h := 0; h < s.H; h++ {
			for w := 0; w < s.W; w++ {
				cur.Data[(c*s.H+h)*s.W+w] = float64((h*s.W+w)*s.C + c)
			}
		}
	}
	for _, p := range post {
		if !isLayout(p.Op) {
			continue
		}
		local := Env{p.Inputs[0]: cur}
		for _, k := range p.Inputs[1:] {
			local[k] = g.Inits[k]
		}
		if err := step(local, p); err != nil {
			return nil, s, err
		}
		cur = local[p.Outputs[0]]
	}
	perm := make([]int, len(cur.Data))
	for r, v := range cur.Data {
		perm[r] = int(v)
	}
	return perm, s, nil
}

// permuteRows reorders the rows of w (N, M) so that row perm[r] of the
// result is row r of w.
func permuteRows(w *Tensor, perm []int) *Tensor {
	out := NewTensor(w.Shape...)
	cols := w.Shape[1]
	for r, j := range perm {
		copy(out.Data[j*cols:(j+1)*cols], w.Data[r*cols:(r+1)*cols])
	}
	return out
}

// hoistedPools are MaxPools found between a Conv and its quantizer: chain
// is the chain without them (inputs renamed past them), prefixes[j] the
// pool-free nodes before pool j.
type hoistedPools struct {
	chain    []*Node
	pools    []poolSpec
	prefixes [][]*Node
	nodes    []*Node           // the MaxPool nodes
	alias    map[string]string // pool output -> the tensor it pooled
}

// renamed returns n reading past the hoisted pools.
func (h *hoistedPools) renamed(n *Node) *Node {
	a, ok := h.alias[n.Inputs[0]]
	if !ok {
		return n
	}
	m := *n
	m.Inputs = append([]string{a}, n.Inputs[1:]...)
	return &m
}

// hoistPools takes the MaxPools out of the chain between a Conv and its
// quantizer. Pooling commutes with the rest when the nodes before each pool
// and the whole chain with the quantizer are non-decreasing per channel
// (checkHoisted), so the pools move after the threshold layer.
func hoistPools(chain []*Node) (*hoistedPools, error) {
	alias := map[string]string{}
	h := &hoistedPools{alias: alias}
	for _, n := range chain {
		in := n.Inputs[0]
		if a, ok := alias[in]; ok {
			in = a
		}
		if n.Op == "MaxPool" {
			p, err := poolOf(n)
			if err != nil {
				return nil, err
			}
			h.pools, h.nodes = append(h.pools, p), append(h.nodes, n)
			h.prefixes = append(h.prefixes, append([]*Node(nil), h.chain...))
			alias[n.Outputs[0]] = in
			continue
		}
		m := *n
		m.Inputs = append([]string{in}, n.Inputs[1:]...)
		h.chain = append(h.chain, &m)
	}
	return h, nil
}

// checkHoisted checks that moving the pools after the threshold is exact:
// no reversed channel, and each pool's prefix non-decreasing per channel on
// the accumulator range (the ops are affine per channel).
func (h *hoistedPools) checkHoisted(g *Graph, wop *Node, l *slLayer, a, b []float64, vm valueMap) error {
	if l.sign != nil {
		return nodeErr(h.nodes[0], "a MaxPool before the activation quantizer of a decreasing channel (negative scale) cannot be moved after it exactly")
	}
	lo, hi := make([]float64, l.out), make([]float64, l.out)
	for o := range lo {
		ilo, ihi := l.rowRange(o, vm.xmin, vm.xmax)
		lo[o], hi[o] = a[o]*float64(ilo)+b[o], a[o]*float64(ihi)+b[o]
	}
	for j, pre := range h.prefixes {
		seg := &segment{g: g, in: wop.Outputs[0], shape: []int{1, l.out, 1, 1}, nodes: pre}
		ylo, err := seg.run(lo)
		if err != nil {
			return err
		}
		yhi, err := seg.run(hi)
		if err != nil {
			return err
		}
		for o := range ylo {
			if yhi[o] < ylo[o] {
				return nodeErr(h.nodes[j], "channel %d decreases before this MaxPool (negative scale): pooling it after the quantizer would not be exact", o)
			}
		}
	}
	return nil
}

// classes is the number of scores layer l produces as the last layer:
// out for a MatMul, OutC*OH*OW for a conv.
func (l *slLayer) classes() int {
	if l.conv == nil {
		return l.out
	}
	return l.convOut().Size()
}

// convOut is a conv layer's output shape.
func (l *slLayer) convOut() netlist.Shape {
	c := l.conv
	nc := netlist.Conv2D{OutC: l.out, KH: c.kh, KW: c.kw, Stride: c.stride, Pad: c.pad}
	return nc.OutShape(l.inShape.H, l.inShape.W)
}

// lowerConvScores lowers a Conv whose accumulators are the scores: the
// layout ops after it must flatten them channel-fastest (the netlist's class
// order, as Export writes: Transpose to NHWC, Reshape), since the netlist
// cannot reorder its classes.
func (s *streamlined) lowerConvScores(g *Graph, env Env, l *slLayer, wop *Node, chain []*Node, a, b []float64) error {
	perm, _, err := flattenPerm(g, env, chain, wop.Outputs[0])
	if err != nil {
		return err
	}
	for r, j := range perm {
		if r != j {
			return nodeErr(wop, "its outputs are the scores but are not flattened channel-fastest (qnn's class order: Transpose to NHWC before the flatten)")
		}
	}
	return s.lowerScores(l, &segment{g: g, in: wop.Outputs[0], shape: env[wop.Outputs[0]].Shape, nodes: chain}, a, b)
}
