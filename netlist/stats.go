package netlist

import "strconv"

// LayerStats summarises one layer for reports such as `qnn inspect`.
type LayerStats struct {
	Index     int
	Op        string
	Name      string
	Out       Shape  // output tensor shape
	Bits      int    // output element width
	Detail    string // e.g. "w1 a1", "8-bit pixels, thr 128"
	ParamBits int64  // weight, threshold and offset bits stored for the layer
	MACs      int64  // multiply-accumulates per frame
	// BinaryMACs counts MACs whose both operands are 1 bit (XNOR-popcount).
	BinaryMACs int64
}

// Stats summarises a valid network layer by layer.
func Stats(n *Network) ([]LayerStats, error) {
	vals, err := Values(n)
	if err != nil {
		return nil, err
	}
	st := make([]LayerStats, len(n.Layers))
	for i, l := range n.Layers {
		s := LayerStats{Index: i, Op: l.Op(), Name: l.LayerName(), Out: vals[i].Shape, Bits: vals[i].Bits}
		switch l := l.(type) {
		case *Input:
			if l.Bits == 1 {
				s.Detail = "binarized pixels (p >= " + itoa(l.Threshold) + " -> +1)"
			} else {
				s.Detail = "8-bit unsigned pixels"
			}
		case *Dense:
			in := vals[i-1]
			s.Detail = "in " + itoa(l.In) + ", w" + itoa(l.WeightBits) + " x a" + itoa(in.Bits) + ", acc " + itoa(l.AccBits) + " bits"
			s.ParamBits = int64(l.In) * int64(l.Out) * int64(l.WeightBits)
			s.MACs = int64(l.In) * int64(l.Out)
			if l.WeightBits == 1 && in.Bipolar {
				s.BinaryMACs = s.MACs
			}
		case *Threshold:
			s.Detail = itoa(l.PerChannel()) + " thresholds/channel"
			if l.Bits > 1 {
				s.Detail += ", base " + itoa(l.Base)
			}
			if k := countTrue(l.Reversed); k > 0 {
				s.Detail += ", " + itoa(k) + " reversed"
			}
			accBits := n.Layers[i-1].(*Dense).AccBits
			s.ParamBits = int64(len(l.T))*int64(accBits) + int64(countTrue(l.Reversed))
		case *Output:
			s.Detail = "argmax of " + itoa(l.Classes) + " scores"
			if l.Offsets != nil {
				s.ParamBits = int64(l.Classes) * int64(l.ScoreBits)
			}
		}
		st[i] = s
	}
	return st, nil
}

func countTrue(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

func itoa(i int) string { return strconv.Itoa(i) }
