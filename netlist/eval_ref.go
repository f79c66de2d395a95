package netlist

import "fmt"

// Result is the network's answer for one image.
type Result struct {
	Class  int     // argmax of Scores, the lowest index winning ties
	Scores []int64 // integer class scores
}

// Reference evaluates the network on one image, one multiply-accumulate at
// a time, and returns every layer's output: outs[i] is the output of
// n.Layers[i] as integers (bipolar values as -1/+1, accumulators, scores).
// It is the readable statement of what Eval computes. pixels holds the
// input tensor's C*H*W bytes in (h*W+w)*C+c order. The network must be valid.
func Reference(n *Network, pixels []byte) ([][]int64, error) {
	in := n.InputLayer()
	if in == nil {
		return nil, fmt.Errorf("netlist: network has no input layer")
	}
	if len(pixels) != in.Shape.Size() {
		return nil, fmt.Errorf("netlist: input %q: got %d pixels, want %v = %d", in.Name, len(pixels), in.Shape, in.Shape.Size())
	}
	outs := make([][]int64, len(n.Layers))
	var x []int64
	for li, l := range n.Layers {
		switch l := l.(type) {
		case *Input:
			x = make([]int64, len(pixels))
			for i, p := range pixels {
				switch {
				case l.Bits == 8:
					x[i] = int64(p)
				case int(p) >= l.Threshold:
					x[i] = 1
				default:
					x[i] = -1
				}
			}
		case *Dense:
			y := make([]int64, l.Out)
			for o := 0; o < l.Out; o++ {
				var acc int64
				for i := 0; i < l.In; i++ {
					acc += int64(l.W(o, i)) * x[i]
				}
				y[o] = acc
			}
			x = y
		case *Threshold:
			y := make([]int64, l.Channels)
			for c := range y {
				y[c] = l.Value(l.Level(c, x[c]))
			}
			x = y
		case *Output:
			y := make([]int64, l.Classes)
			for c := range y {
				y[c] = x[c] + l.Offset(c)
			}
			x = y
		default:
			return nil, fmt.Errorf("netlist: layer %d: unsupported layer type %T", li, l)
		}
		outs[li] = x
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
