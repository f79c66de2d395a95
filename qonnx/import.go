package qonnx

import (
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
)

// ImportOptions configures Import.
type ImportOptions struct {
	// PixelDivisor says what the graph's input is: pixel / PixelDivisor for
	// raw pixels 0..255. 1 (or 0) for graphs that take raw pixels (FINN's
	// build_dataflow example divides by 255 itself), 255 for graphs that take
	// pixel/255 (the QONNX zoo's MNIST models).
	PixelDivisor float64
	// Name is the netlist name when the file does not record one (files
	// written by Export do).
	Name string
}

// Passes returns the import's graph passes in order; Import runs them and
// converts the streamlined result. A conv lowering pass goes between
// FoldInputLayout and Streamline.
func Passes(opt ImportOptions) []Pass {
	div := opt.PixelDivisor
	if div == 0 {
		div = 1
	}
	return []Pass{ScaleInput(div), FoldConstants, RemoveIdentities, GemmToMatMul, FoldInputLayout}
}

// Import converts a dense QONNX / FINN-ONNX graph into a validated netlist
// whose predictions on raw pixels equal Predict's on the graph.
func Import(g *Graph, opt ImportOptions) (*netlist.Network, error) {
	for _, p := range Passes(opt) {
		var err error
		if g, err = p.Run(g); err != nil {
			return nil, err
		}
	}
	s, err := streamline(g)
	if err != nil {
		return nil, err
	}
	name := opt.Name
	if name == "" {
		name = "imported"
	}
	n, err := s.toNetlist(name)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// PixelTensor returns image pixels (0..255, in the graph's row-major order:
// NCHW) as the graph input of shape, each divided by div.
func PixelTensor(pixels []byte, shape []int, div float64) (*Tensor, error) {
	if numel(shape) != len(pixels) {
		return nil, fmt.Errorf("qonnx: %d pixels for input shape %v", len(pixels), shape)
	}
	t := &Tensor{Shape: shape, Data: make([]float64, len(pixels))}
	for i, p := range pixels {
		t.Data[i] = float64(p) / div
	}
	return t, nil
}

// ImageTensor returns one image in netlist order (channel-fastest, as
// netlist.Eval reads it) as an NCHW graph input (1, C, H, W).
func ImageTensor(pixels []byte, s netlist.Shape) (*Tensor, error) {
	if len(pixels) != s.Size() {
		return nil, fmt.Errorf("qonnx: %d pixels for input shape %v", len(pixels), s)
	}
	t := NewTensor(1, s.C, s.H, s.W)
	for j, p := range pixels {
		t.Data[nchwIndex(s, j)] = float64(p)
	}
	return t, nil
}
