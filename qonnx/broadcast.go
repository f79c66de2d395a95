package qonnx

import (
	"fmt"
	"math"
)

// broadcastShape returns the numpy-style broadcast of shapes a and b.
func broadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := dimFromEnd(a, n-1-i), dimFromEnd(b, n-1-i)
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// dimFromEnd returns dimension len(s)-1-k of s, or 1 past its start.
func dimFromEnd(s []int, k int) int {
	i := len(s) - 1 - k
	if i < 0 {
		return 1
	}
	return s[i]
}

// strides returns the element strides of s, with 0 for broadcast dimensions
// when s is aligned to out (rank len(out)).
func broadcastStrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := i - (len(out) - len(s))
		if j < 0 {
			continue
		}
		if s[j] != 1 {
			st[i] = acc
		}
		acc *= s[j]
	}
	return st
}

// broadcastOp applies f elementwise to a and b with broadcasting.
func broadcastOp(a, b *Tensor, f func(x, y float64) float64) (*Tensor, error) {
	shape, err := broadcastShape(a.Shape, b.Shape)
	if err != nil {
		return nil, err
	}
	if err := checkSize(shape, 1); err != nil {
		return nil, err
	}
	out := NewTensor(shape...)
	sa, sb := broadcastStrides(a.Shape, shape), broadcastStrides(b.Shape, shape)
	idx := make([]int, len(shape))
	for k := range out.Data {
		ia, ib := 0, 0
		for d := range idx {
			ia += idx[d] * sa[d]
			ib += idx[d] * sb[d]
		}
		out.Data[k] = f(a.Data[ia], b.Data[ib])
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

// roundHalfEven rounds to the nearest integer, ties to even (numpy.round).
func roundHalfEven(x float64) float64 { return math.RoundToEven(x) }

// rounding returns the function for a QONNX rounding_mode.
func rounding(mode string) (func(float64) float64, error) {
	switch mode {
	case "ROUND", "round", "HALF_EVEN":
		return roundHalfEven, nil
	case "CEIL", "ceil":
		return math.Ceil, nil
	case "FLOOR", "floor":
		return math.Floor, nil
	case "ROUND_TO_ZERO":
		return math.Trunc, nil
	}
	return nil, fmt.Errorf("unsupported rounding_mode %q", mode)
}

// maxWork bounds the multiply-accumulates of one node, so that a hostile
// file cannot keep Execute busy for hours.
const maxWork = 1 << 32

// checkSize fails unless a tensor of shape fits maxElements and computing
// it, at work operations per element, fits maxWork.
func checkSize(shape []int, work int) error {
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > maxElements/d) {
			return fmt.Errorf("output shape %v has more than %d elements", shape, maxElements)
		}
		n *= d
	}
	if n > maxElements {
		return fmt.Errorf("output shape %v has more than %d elements", shape, maxElements)
	}
	if work > 0 && n > 0 && work > maxWork/n {
		return fmt.Errorf("output shape %v at %d operations per element is more work than allowed", shape, work)
	}
	return nil
}
