package qonnx

import (
	"fmt"
	"math"
)

// A Pass is one graph transformation of the import, in the style of
// QONNX/FINN transformations: it takes a graph and returns the transformed
// graph (the input is not modified). Each pass keeps Execute's result
// (see the pass's comment for what "the same" means) and is tested so.
type Pass struct {
	Name string
	Run  func(*Graph) (*Graph, error)
}

// shapes runs g on a zero input and returns every tensor's value, for the
// static shapes passes need. Execute errors (an unsupported op, a shape
// mismatch) come back here, naming the node.
func shapes(g *Graph) (Env, error) {
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("qonnx: graph must have exactly one input")
	}
	return Execute(g, NewTensor(g.Inputs[0].Shape...))
}

// ScaleInput prepends Div(pixels, div) so that the graph takes raw pixels
// 0..255 where it took pixel/div (the QONNX zoo's MNIST models take
// pixel/255). Execute(after, p) == Execute(before, p/div) exactly.
func ScaleInput(div float64) Pass {
	return Pass{Name: "scale-input", Run: func(g0 *Graph) (*Graph, error) {
		g := g0.Clone()
		if div == 1 {
			return g, nil
		}
		orig := g.Inputs[0].Name
		raw := uniqueName(g, "qnn_pixels")
		k := uniqueName(g, "qnn_pixel_scale")
		g.Inits[k] = Scalar(div)
		g.Inputs[0].Name = raw
		d := &Node{Name: "qnn_scale_input", Op: "Div", Inputs: []string{raw, k}, Outputs: []string{orig}, Attrs: map[string]Attr{}}
		g.Nodes = append([]*Node{d}, g.Nodes...)
		return g, nil
	}}
}

// uniqueName returns base, or base with a numeric suffix, unused in g.
func uniqueName(g *Graph, base string) string {
	used := map[string]bool{}
	for k := range g.Inits {
		used[k] = true
	}
	for _, v := range g.Inputs {
		used[v.Name] = true
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			used[o] = true
		}
		used[n.Name] = true
	}
	name := base
	for i := 1; used[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	return name
}

// FoldConstants replaces Shape nodes of statically shaped tensors and every
// node whose inputs are all constants (weight quantizers and their
// transposes, the Shape/Gather/Unsqueeze/Concat chains Brevitas emits for
// flatten) by initializers holding their values, and drops unused
// initializers. Execute's output is unchanged exactly.
var FoldConstants = Pass{Name: "fold-constants", Run: foldConstants}

func foldConstants(g0 *Graph) (*Graph, error) {
	env, err := shapes(g0)
	if err != nil {
		return nil, err
	}
	g := g0.Clone()
	var kept []*Node
	for _, n := range g.Nodes {
		if n.Op == "Shape" && len(n.Inputs) == 1 && !g.IsGraphOutput(n.Outputs[0]) {
			g.Inits[n.Outputs[0]] = env[n.Outputs[0]]
			continue
		}
		if allConst(g, n) && !g.IsGraphOutput(n.Outputs[0]) {
			local := Env{}
			for _, in := range n.Inputs {
				local[in] = g.Inits[in]
			}
			if err := step(local, n); err != nil {
				return nil, err
			}
			for _, o := range n.Outputs {
				g.Inits[o] = local[o]
			}
			continue
		}
		kept = append(kept, n)
	}
	g.Nodes = kept
	g.PruneInits()
	return g, nil
}

// allConst reports whether every input of n is an initializer (or omitted).
func allConst(g *Graph, n *Node) bool {
	for _, in := range n.Inputs {
		if in != "" && g.Inits[in] == nil {
			return false
		}
	}
	return true
}

// RemoveIdentities drops Identity nodes, Mul/Div by a scalar 1 and Add/Sub
// of a scalar 0 (FINN's exports carry Mul-by-1 scale placeholders).
// Execute's output is unchanged exactly.
var RemoveIdentities = Pass{Name: "remove-identities", Run: removeIdentities}

func removeIdentities(g0 *Graph) (*Graph, error) {
	g := g0.Clone()
	var kept []*Node
	for _, n := range g.Nodes {
		if isIdentity(g, n) && !g.IsGraphOutput(n.Outputs[0]) {
			g.Rename(n.Outputs[0], n.Inputs[0])
			continue
		}
		kept = append(kept, n)
	}
	g.Nodes = kept
	g.PruneInits()
	return g, nil
}

func isIdentity(g *Graph, n *Node) bool {
	if n.Op == "Identity" && len(n.Inputs) == 1 {
		return true
	}
	if len(n.Inputs) != 2 || g.Inits[n.Inputs[0]] != nil {
		return false
	}
	k := g.Inits[n.Inputs[1]]
	if k == nil || len(k.Data) != 1 || len(k.Shape) > 1 {
		return false
	}
	switch n.Op {
	case "Mul", "Div":
		return k.Data[0] == 1
	case "Add", "Sub":
		return k.Data[0] == 0
	}
	return false
}

// GemmToMatMul rewrites Gemm(A, B, C) with constant B as MatMul(A, B')
// followed by Add(beta*C), alpha folded into B'. Execute's output is
// unchanged up to float rounding of alpha (exact for alpha = 1).
var GemmToMatMul = Pass{Name: "gemm-to-matmul", Run: gemmToMatMul}

func gemmToMatMul(g0 *Graph) (*Graph, error) {
	g := g0.Clone()
	var nodes []*Node
	for _, n := range g.Nodes {
		if n.Op != "Gemm" {
			nodes = append(nodes, n)
			continue
		}
		b := g.Inits[n.Inputs[1]]
		if b == nil || len(b.Shape) != 2 || n.attrInt("transA", 0) != 0 {
			return nil, nodeErr(n, "only Gemm with constant 2-D B and transA = 0 is supported")
		}
		w := b
		if n.attrInt("transB", 0) != 0 {
			w = transpose2(b)
		} else {
			w = b.Clone()
		}
		if alpha := n.attrFloat("alpha", 1); alpha != 1 {
			for i := range w.Data {
				w.Data[i] *= alpha
			}
		}
		wn := uniqueName(g, n.Outputs[0]+"_w")
		g.Inits[wn] = w
		mm := &Node{Name: n.Name, Op: "MatMul", Inputs: []string{n.Inputs[0], wn}, Outputs: []string{n.Outputs[0]}, Attrs: map[string]Attr{}}
		nodes = append(nodes, mm)
		if len(n.Inputs) > 2 && n.Inputs[2] != "" {
			c := g.Inits[n.Inputs[2]]
			if c == nil {
				return nil, nodeErr(n, "bias C must be constant")
			}
			c = c.Clone()
			beta := n.attrFloat("beta", 1)
			for i := range c.Data {
				c.Data[i] *= beta
			}
			mid := uniqueName(g, n.Outputs[0]+"_mm")
			mm.Outputs[0] = mid
			cn := uniqueName(g, n.Outputs[0]+"_c")
			g.Inits[cn] = c
			nodes = append(nodes, &Node{Name: n.Name + "_bias", Op: "Add", Inputs: []string{mid, cn}, Outputs: []string{n.Outputs[0]}, Attrs: map[string]Attr{}})
		}
	}
	g.Nodes = nodes
	g.PruneInits()
	return g, nil
}

// isLayout reports whether op only rearranges or reshapes data.
func isLayout(op string) bool {
	switch op {
	case "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze":
		return true
	}
	return false
}

// isScalarElementwise reports whether n is Add/Sub/Mul/Div of its data
// input with a one-element constant.
func isScalarElementwise(g *Graph, n *Node) bool {
	switch n.Op {
	case "Add", "Sub", "Mul", "Div":
	default:
		return false
	}
	if len(n.Inputs) != 2 || g.Inits[n.Inputs[0]] != nil {
		return false
	}
	k := g.Inits[n.Inputs[1]]
	return k != nil && len(k.Data) == 1
}

// FoldInputLayout removes the layout ops (Reshape, Flatten, Transpose,
// Squeeze, Unsqueeze) between the graph input and the first MatMul (a
// graph whose first weight op is a Conv is left as it is): the
// input is reshaped to (1, N) once at the start and the MatMul's weight rows
// are permuted to read the input in its own row-major (NCHW) order. Ops on
// that path must be layout ops, scalar Add/Sub/Mul/Div, or quantizers with
// scalar parameters. Execute's output is unchanged exactly.
var FoldInputLayout = Pass{Name: "fold-input-layout", Run: foldInputLayout}

func foldInputLayout(g0 *Graph) (*Graph, error) {
	g := g0.Clone()
	path, mm, err := inputPath(g)
	if err != nil {
		return nil, err
	}
	if mm.Op == "Conv" {
		// A Conv reads the NCHW input as it is.
		for _, p := range path {
			if isLayout(p.Op) {
				return nil, nodeErr(p, "layout ops before the first Conv are not supported")
			}
		}
		return g, nil
	}
	w := g.Inits[mm.Inputs[1]]
	in := g.Inputs[0]
	n := numel(in.Shape)
	if w == nil || len(w.Shape) != 2 || w.Shape[0] != n {
		return nil, nodeErr(mm, "first MatMul needs constant weights with %d rows", n)
	}
	// Where does each MatMul input position come from? Run the layout ops on
	// the element indices.
	idx := NewTensor(in.Shape...)
	for i := range idx.Data {
		idx.Data[i] = float64(i)
	}
	env := Env{}
	for k, t := range g.Inits {
		env[k] = t
	}
	cur := idx
	for _, p := range path {
		if !isLayout(p.Op) {
			continue
		}
		local := Env{p.Inputs[0]: cur}
		for _, k := range p.Inputs[1:] {
			local[k] = env[k]
		}
		if err := step(local, p); err != nil {
			return nil, err
		}
		cur = local[p.Outputs[0]]
	}
	for _, p := range path {
		if isLayout(p.Op) {
			g.Rename(p.Outputs[0], p.Inputs[0])
			g.RemoveNode(p)
		}
	}
	src := cur
	if src == nil || len(src.Data) != n {
		return nil, nodeErr(mm, "input path does not deliver %d elements", n)
	}
	nw := NewTensor(w.Shape...)
	cols := w.Shape[1]
	for j, from := range src.Data {
		copy(nw.Data[int(from)*cols:(int(from)+1)*cols], w.Data[j*cols:(j+1)*cols])
	}
	wn := uniqueName(g, mm.Inputs[1]+"_nchw")
	g.Inits[wn] = nw
	mm.Inputs[1] = wn
	flat := uniqueName(g, in.Name+"_flat")
	shp := uniqueName(g, "qnn_flat_shape")
	g.Inits[shp] = &Tensor{Shape: []int{2}, Data: []float64{1, float64(n)}}
	g.Rename(in.Name, flat)
	re := &Node{Name: "qnn_flatten_input", Op: "Reshape", Inputs: []string{in.Name, shp}, Outputs: []string{flat}, Attrs: map[string]Attr{}}
	g.Nodes = append([]*Node{re}, g.Nodes...)
	g.PruneInits()
	return g, nil
}

// inputPath returns the chain of nodes from the graph input to the first
// MatMul (exclusive) and that MatMul; every node on it has one data input.
func inputPath(g *Graph) ([]*Node, *Node, error) {
	cur := g.Inputs[0].Name
	var path []*Node
	for {
		cs := g.Consumers(cur)
		if len(cs) != 1 {
			return nil, nil, fmt.Errorf("qonnx: tensor %q feeds %d nodes; a single chain is supported", cur, len(cs))
		}
		n := cs[0]
		if n.Inputs[0] != cur {
			return nil, nil, nodeErr(n, "data input must be the first input")
		}
		if isWeightOp(n.Op) {
			return path, n, nil
		}
		if !isLayout(n.Op) && !isScalarElementwise(g, n) && !isScalarQuantizer(g, n) && n.Op != "Pad" {
			return nil, nil, nodeErr(n, "not supported before the first MatMul or Conv (only layout ops, scalar Add/Sub/Mul/Div and quantizers with scalar parameters)")
		}
		for _, in := range n.Inputs[1:] {
			if in != "" && g.Inits[in] == nil {
				return nil, nil, nodeErr(n, "input %q must be constant", in)
			}
		}
		path = append(path, n)
		cur = n.Outputs[0]
	}
}

// isScalarQuantizer reports whether n is a quantizer whose parameters are
// the same for every element.
func isScalarQuantizer(g *Graph, n *Node) bool {
	switch n.Op {
	case "Quant", "BipolarQuant", "Trunc":
		for _, in := range n.Inputs[1:] {
			if t := g.Inits[in]; t == nil || len(t.Data) != 1 {
				return false
			}
		}
		return true
	case "MultiThreshold":
		t := g.Inits[n.Inputs[1]]
		return t != nil && len(t.Shape) == 2 && t.Shape[0] == 1
	}
	return false
}

// isInteger reports whether v is an integer.
func isInteger(v float64) bool { return v == math.Trunc(v) && !math.IsInf(v, 0) }
