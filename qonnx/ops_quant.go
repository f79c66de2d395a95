package qonnx

import (
	"errors"
	"fmt"
	"math"
)

// scalarOf returns the single value of a one-element tensor.
func scalarOf(t *Tensor, what string) (float64, error) {
	if len(t.Data) != 1 {
		return 0, fmt.Errorf("%s must be a scalar, has shape %v", what, t.Shape)
	}
	return t.Data[0], nil
}

// intRange is QONNX's integer range for a Quant of the given kind.
func intRange(signed, narrow bool, bits int) (lo, hi float64) {
	switch {
	case signed && narrow:
		return -math.Exp2(float64(bits-1)) + 1, math.Exp2(float64(bits-1)) - 1
	case signed:
		return -math.Exp2(float64(bits - 1)), math.Exp2(float64(bits-1)) - 1
	case narrow:
		return 0, math.Exp2(float64(bits)) - 2
	}
	return 0, math.Exp2(float64(bits)) - 1
}

// quantParams is a Quant node's decoded configuration.
type quantParams struct {
	signed, narrow bool
	bits           int
	round          func(float64) float64
}

func decodeQuant(n *Node, in []*Tensor) (quantParams, error) {
	var p quantParams
	if err := needInputs(in, 4); err != nil {
		return p, err
	}
	b, err := scalarOf(in[3], "bit width")
	if err != nil {
		return p, err
	}
	if b != math.Trunc(b) || b < 1 || b > 32 {
		return p, fmt.Errorf("bit width %v is not an integer in 1..32", b)
	}
	p.bits = int(b)
	p.signed = n.attrInt("signed", 1) != 0
	p.narrow = n.attrInt("narrow", 0) != 0
	p.round, err = rounding(n.attrString("rounding_mode", "ROUND"))
	return p, err
}

// opQuant is QONNX's Quant (IntQuant): y = x/scale + zeropt; a 1-bit
// signed Quant is bipolar (y >= 0 -> +1, else -1); otherwise clip to the
// integer range and round; then (y - zeropt) * scale.
func opQuant(n *Node, in []*Tensor) ([]*Tensor, error) {
	p, err := decodeQuant(n, in)
	if err != nil {
		return nil, err
	}
	lo, hi := intRange(p.signed, p.narrow, p.bits)
	y, err := broadcastOp(in[0], in[1], func(x, s float64) float64 { return x / s })
	if err != nil {
		return nil, err
	}
	y, err = broadcastOp(y, in[2], func(v, z float64) float64 {
		v += z
		if p.bits == 1 && p.signed {
			if v >= 0 {
				return 1
			}
			return -1
		}
		v = math.Min(math.Max(v, lo), hi)
		return p.round(v)
	})
	if err != nil {
		return nil, err
	}
	y, err = broadcastOp(y, in[2], func(v, z float64) float64 { return v - z })
	if err != nil {
		return nil, err
	}
	y, err = broadcastOp(y, in[1], func(v, s float64) float64 { return v * s })
	return []*Tensor{y}, err
}

// opBipolarQuant: x >= 0 -> +scale, else -scale.
func opBipolarQuant(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	y, err := broadcastOp(in[0], in[1], func(x, s float64) float64 {
		if x >= 0 {
			return s
		}
		return -s
	})
	return []*Tensor{y}, err
}

// opTrunc is QONNX's Trunc: y = round(x/scale + zeropt), divided by
// 2^(in_bits - out_bits), rounded with rounding_mode (default FLOOR), then
// (y - zeropt) * scale.
func opTrunc(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 5); err != nil {
		return nil, err
	}
	ib, err := scalarOf(in[3], "input bit width")
	if err != nil {
		return nil, err
	}
	ob, err := scalarOf(in[4], "output bit width")
	if err != nil {
		return nil, err
	}
	round, err := rounding(n.attrString("rounding_mode", "FLOOR"))
	if err != nil {
		return nil, err
	}
	div := math.Exp2(ib - ob)
	y, err := broadcastOp(in[0], in[1], func(x, s float64) float64 { return x / s })
	if err != nil {
		return nil, err
	}
	y, err = broadcastOp(y, in[2], func(v, z float64) float64 { return round(roundHalfEven(v+z)/div) - z })
	if err != nil {
		return nil, err
	}
	y, err = broadcastOp(y, in[1], func(v, s float64) float64 { return v * s })
	return []*Tensor{y}, err
}

// opMultiThreshold counts, per element, the thresholds of its channel that
// the element reaches (x >= T), then applies out_scale and out_bias. The
// channel axis is 1 (data_layout NCHW, the default) or the last axis (NHWC);
// thresholds have shape (C, K) or (1, K).
func opMultiThreshold(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	x, th := in[0], in[1]
	if len(th.Shape) != 2 {
		return nil, fmt.Errorf("thresholds must have rank 2, have shape %v", th.Shape)
	}
	axis, err := channelAxis(n, x)
	if err != nil {
		return nil, err
	}
	tc, k := th.Shape[0], th.Shape[1]
	if tc != 1 && tc != x.Shape[axis] {
		return nil, fmt.Errorf("thresholds for %d channels, input has %d", tc, x.Shape[axis])
	}
	if err := checkSize(x.Shape, k); err != nil {
		return nil, err
	}
	scale, bias := n.attrFloat("out_scale", 1), n.attrFloat("out_bias", 0)
	inner := numel(x.Shape[axis+1:])
	out := NewTensor(x.Shape...)
	for i, v := range x.Data {
		c := 0
		if tc > 1 {
			c = (i / inner) % x.Shape[axis]
		}
		count := 0
		for _, t := range th.Data[c*k : (c+1)*k] {
			if v >= t {
				count++
			}
		}
		out.Data[i] = scale*float64(count) + bias
	}
	return []*Tensor{out}, nil
}

// channelAxis is MultiThreshold's channel axis for x.
func channelAxis(n *Node, x *Tensor) (int, error) {
	if len(x.Shape) < 2 {
		return 0, errors.New("input must have rank >= 2")
	}
	switch l := n.attrString("data_layout", "NCHW"); l {
	case "NCHW", "NC", "NCW":
		return 1, nil
	case "NHWC", "NWC":
		return len(x.Shape) - 1, nil
	default:
		return 0, fmt.Errorf("unsupported data_layout %q", l)
	}
}

func pow(x, y float64) float64 { return math.Pow(x, y) }
