package netlist

import "fmt"

// Result is the network's answer for one image.
type Result struct {
	Class  int     // argmax of Scores, the lowest index winning ties
	Scores []int64 // integer class scores
}

// Reference evaluates the network on one image, one multiply-accumulate at
// a time, and returns every layer's output: outs[i] is the output of
// n.Layers[i] as integers (bipolar values as -1/+1, accumulators, scores),
// stored channel-fastest. It is the readable statement of what Eval
// computes: each layer's own reference method (in the file of its op). pixels
// holds the input tensor's C*H*W bytes in (h*W+w)*C+c order. The network
// must be valid.
func Reference(n *Network, pixels []byte) ([][]int64, error) {
	in := n.InputLayer()
	if n.IsSequence() {
		return nil, fmt.Errorf("netlist: network %q is a sequence model (layer 0 is an embedding): evaluate it with ReferenceSequence", n.Name)
	}
	if in == nil {
		return nil, fmt.Errorf("netlist: network has no input layer")
	}
	if len(pixels) != in.Shape.Size() {
		return nil, fmt.Errorf("netlist: input %q: got %d pixels, want %v = %d", in.Name, len(pixels), in.Shape, in.Shape.Size())
	}
	vals, err := Values(n)
	if err != nil {
		return nil, err
	}
	outs := make([][]int64, len(n.Layers))
	x := make([]int64, len(pixels))
	for i, p := range pixels {
		x[i] = int64(p)
	}
	var inv Value
	for li, l := range n.Layers {
		x = l.reference(x, inv)
		outs[li] = x
		inv = vals[li]
	}
	return outs, nil
}

// ReferenceResult evaluates one image with Reference and returns the class
// and scores.
func ReferenceResult(n *Network, pixels []byte) (Result, error) {
	outs, err := Reference(n, pixels)
	if err != nil {
		return Result{}, err
	}
	s := outs[len(outs)-1]
	return Result{Class: Argmax(s), Scores: s}, nil
}
