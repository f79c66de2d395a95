package qonnx

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// reshaped returns t's data under a new shape (sharing the data).
func reshaped(t *Tensor, shape []int) *Tensor {
	return &Tensor{Shape: shape, Data: t.Data}
}

// intsOf converts a tensor of integer values to ints.
func intsOf(t *Tensor, what string) ([]int, error) {
	out := make([]int, len(t.Data))
	for i, v := range t.Data {
		if v != math.Trunc(v) || math.Abs(v) > maxElements {
			return nil, fmt.Errorf("%s value %v is not a small integer", what, v)
		}
		out[i] = int(v)
	}
	return out, nil
}

func opReshape(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	want, err := intsOf(in[1], "shape")
	if err != nil {
		return nil, err
	}
	shape, err := resolveShape(in[0].Shape, want)
	if err != nil {
		return nil, err
	}
	return []*Tensor{reshaped(in[0], shape)}, nil
}

// resolveShape applies ONNX Reshape's 0 (copy) and -1 (infer) rules.
func resolveShape(from, want []int) ([]int, error) {
	shape := make([]int, len(want))
	infer, known := -1, 1
	for i, d := range want {
		switch {
		case d == 0 && i < len(from):
			shape[i] = from[i]
		case d == -1 && infer < 0:
			infer = i
			continue
		case d > 0:
			shape[i] = d
		default:
			return nil, fmt.Errorf("bad target shape %v", want)
		}
		known *= shape[i]
	}
	total := numel(from)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", from, want)
		}
		shape[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("cannot reshape %v to %v", from, want)
	}
	return shape, nil
}

func opFlatten(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	axis, err := normAxis(int(n.attrInt("axis", 1)), len(x.Shape)+1)
	if err != nil {
		return nil, err
	}
	return []*Tensor{reshaped(x, []int{numel(x.Shape[:axis]), numel(x.Shape[axis:])})}, nil
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(a, rank int) (int, error) {
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", a, rank)
	}
	return a, nil
}

func opTranspose(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	r := len(x.Shape)
	perm := make([]int, r)
	for i := range perm {
		perm[i] = r - 1 - i
	}
	if p := n.attrInts("perm"); p != nil {
		if len(p) != r {
			return nil, fmt.Errorf("perm %v for rank %d", p, r)
		}
		seen := make([]bool, r)
		for i, v := range p {
			if v < 0 || int(v) >= r || seen[v] {
				return nil, fmt.Errorf("perm %v is not a permutation", p)
			}
			seen[v] = true
			perm[i] = int(v)
		}
	}
	return []*Tensor{transpose(x, perm)}, nil
}

// transpose permutes t's axes: output axis i is input axis perm[i].
func transpose(t *Tensor, perm []int) *Tensor {
	shape := make([]int, len(perm))
	for i, p := range perm {
		shape[i] = t.Shape[p]
	}
	out := NewTensor(shape...)
	inStride := make([]int, len(t.Shape))
	acc := 1
	for i := len(t.Shape) - 1; i >= 0; i-- {
		inStride[i] = acc
		acc *= t.Shape[i]
	}
	idx := make([]int, len(shape))
	for k := range out.Data {
		src := 0
		for i, p := range perm {
			src += idx[i] * inStride[p]
		}
		out.Data[k] = t.Data[src]
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// axesOf reads the axes of Squeeze/Unsqueeze from the attribute (opset < 13)
// or the second input (opset 13).
func axesOf(n *Node, in []*Tensor) ([]int, error) {
	if a := n.attrInts("axes"); a != nil {
		out := make([]int, len(a))
		for i, v := range a {
			out[i] = int(v)
		}
		return out, nil
	}
	if len(in) > 1 && in[1] != nil {
		return intsOf(in[1], "axes")
	}
	return nil, nil
}

func opSqueeze(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	axes, err := axesOf(n, in)
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(x.Shape))
	for _, a := range axes {
		a, err := normAxis(a, len(x.Shape))
		if err != nil {
			return nil, err
		}
		if x.Shape[a] != 1 {
			return nil, fmt.Errorf("axis %d has size %d, not 1", a, x.Shape[a])
		}
		drop[a] = true
	}
	var shape []int
	for i, d := range x.Shape {
		if !drop[i] && (axes != nil || d != 1) {
			shape = append(shape, d)
		}
	}
	return []*Tensor{reshaped(x, shape)}, nil
}

func opUnsqueeze(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	axes, err := axesOf(n, in)
	if err != nil {
		return nil, err
	}
	r := len(x.Shape) + len(axes)
	ins := make([]bool, r)
	for _, a := range axes {
		a, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		if ins[a] {
			return nil, fmt.Errorf("axis %d repeated", a)
		}
		ins[a] = true
	}
	shape := make([]int, 0, r)
	j := 0
	for i := 0; i < r; i++ {
		if ins[i] {
			shape = append(shape, 1)
		} else {
			shape = append(shape, x.Shape[j])
			j++
		}
	}
	return []*Tensor{reshaped(x, shape)}, nil
}

func opShape(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	out := NewTensor(len(in[0].Shape))
	for i, d := range in[0].Shape {
		out.Data[i] = float64(d)
	}
	return []*Tensor{out}, nil
}

// opGather takes elements of in[0] along axis at the indices in in[1].
func opGather(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	x, ind := in[0], in[1]
	if len(x.Shape) == 0 {
		return nil, errors.New("cannot gather from a scalar")
	}
	axis, err := normAxis(int(n.attrInt("axis", 0)), len(x.Shape))
	if err != nil {
		return nil, err
	}
	idx, err := intsOf(ind, "index")
	if err != nil {
		return nil, err
	}
	outer, dim, inner := numel(x.Shape[:axis]), x.Shape[axis], numel(x.Shape[axis+1:])
	shape := append(append(append([]int(nil), x.Shape[:axis]...), ind.Shape...), x.Shape[axis+1:]...)
	if err := checkSize(shape, 1); err != nil {
		return nil, err
	}
	out := NewTensor(shape...)
	k := 0
	for o := 0; o < outer; o++ {
		for _, i := range idx {
			if i < 0 {
				i += dim
			}
			if i < 0 || i >= dim {
				return nil, fmt.Errorf("index %d out of range for size %d", i, dim)
			}
			copy(out.Data[k:k+inner], x.Data[(o*dim+i)*inner:(o*dim+i+1)*inner])
			k += inner
		}
	}
	return []*Tensor{out}, nil
}

func opConcat(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	r := len(in[0].Shape)
	axis, err := normAxis(int(n.attrInt("axis", 0)), r)
	if err != nil {
		return nil, err
	}
	shape := append([]int(nil), in[0].Shape...)
	shape[axis] = 0
	for _, t := range in {
		if t == nil || len(t.Shape) != r {
			return nil, errors.New("inputs differ in rank")
		}
		for d := range shape {
			if d != axis && t.Shape[d] != shape[d] {
				return nil, fmt.Errorf("shapes %v and %v do not concatenate on axis %d", in[0].Shape, t.Shape, axis)
			}
		}
		shape[axis] += t.Shape[axis]
	}
	if err := checkSize(shape, 1); err != nil {
		return nil, err
	}
	out := NewTensor(shape...)
	outer := numel(shape[:axis])
	k := 0
	for o := 0; o < outer; o++ {
		for _, t := range in {
			blk := numel(t.Shape[axis:])
			copy(out.Data[k:k+blk], t.Data[o*blk:(o+1)*blk])
			k += blk
		}
	}
	return []*Tensor{out}, nil
}

// opTopK returns the k largest values of the last axis of a (1, N) or (N)
// tensor and their indices; equal values keep the lower index first.
func opTopK(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	x := in[0]
	kk, err := scalarOf(in[1], "k")
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(int(n.attrInt("axis", -1)), len(x.Shape))
	if err != nil {
		return nil, err
	}
	if axis != len(x.Shape)-1 || numel(x.Shape[:axis]) != 1 {
		return nil, errors.New("supports one row along the last axis only")
	}
	k := int(kk)
	if k < 1 || k > len(x.Data) {
		return nil, fmt.Errorf("k = %v out of range", kk)
	}
	largest := n.attrInt("largest", 1) != 0
	idx := make([]int, len(x.Data))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if largest {
			return x.Data[idx[a]] > x.Data[idx[b]]
		}
		return x.Data[idx[a]] < x.Data[idx[b]]
	})
	shape := append(append([]int(nil), x.Shape[:axis]...), k)
	vals, inds := NewTensor(shape...), NewTensor(shape...)
	for i := 0; i < k; i++ {
		vals.Data[i], inds.Data[i] = x.Data[idx[i]], float64(idx[i])
	}
	return []*Tensor{vals, inds}, nil
}
