package qonnx

import (
	"errors"
	"fmt"
)

// padSides is a constant Pad of a 4-D NCHW tensor: the pad widths of the
// spatial sides and the fill value.
type padSides struct {
	top, left, bottom, right int
	value                    float64
}

// decodePad reads a Pad node's pads (input 1 from opset 11 on, else the
// "pads" attribute) and constant value (input 2, else "value"); only
// constant mode, non-negative pads and unpadded N and C axes.
func decodePad(n *Node, in []*Tensor) (padSides, error) {
	var p padSides
	if m := n.attrString("mode", "constant"); m != "constant" {
		return p, fmt.Errorf("mode %q is not supported (only constant)", m)
	}
	pads := n.attrInts("pads")
	if len(in) > 1 && in[1] != nil {
		pads = pads[:0]
		for _, v := range in[1].Data {
			pads = append(pads, int64(v))
		}
	}
	if len(pads) != 8 {
		return p, fmt.Errorf("pads %v: want 8 values for a 4-D tensor", pads)
	}
	for _, v := range pads {
		if v < 0 || v > 1<<16 {
			return p, fmt.Errorf("pads %v: want 0..65536", pads)
		}
	}
	if pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 {
		return p, errors.New("only the spatial axes (H, W) may be padded")
	}
	p.top, p.left, p.bottom, p.right = int(pads[2]), int(pads[3]), int(pads[6]), int(pads[7])
	p.value = n.attrFloat("value", 0)
	if len(in) > 2 && in[2] != nil {
		if len(in[2].Data) != 1 {
			return p, errors.New("constant_value must be one value")
		}
		p.value = in[2].Data[0]
	}
	return p, nil
}

// opPad pads a 4-D NCHW tensor with a constant.
func opPad(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	if len(x.Shape) != 4 {
		return nil, fmt.Errorf("supports 4-D NCHW only, got %v", x.Shape)
	}
	p, err := decodePad(n, in)
	if err != nil {
		return nil, err
	}
	nc, h, w := x.Shape[0]*x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := h+p.top+p.bottom, w+p.left+p.right
	if err := checkSize([]int{x.Shape[0], x.Shape[1], oh, ow}, 1); err != nil {
		return nil, err
	}
	out := NewTensor(x.Shape[0], x.Shape[1], oh, ow)
	for i := range out.Data {
		out.Data[i] = p.value
	}
	for k := 0; k < nc; k++ {
		for y := 0; y < h; y++ {
			copy(out.Data[(k*oh+y+p.top)*ow+p.left:], x.Data[(k*h+y)*w:(k*h+y+1)*w])
		}
	}
	return []*Tensor{out}, nil
}
