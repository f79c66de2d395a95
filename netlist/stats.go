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
		var in Value
		if i > 0 {
			in = vals[i-1]
		}
		l.describe(&s, in, vals[i])
		st[i] = s
	}
	return st, nil
}

func (l *Input) describe(s *LayerStats, _, _ Value) {
	if l.Bits == 1 {
		s.Detail = "binarized pixels (p >= " + itoa(l.Threshold) + " -> +1)"
	} else {
		s.Detail = "8-bit unsigned pixels"
	}
}

func (l *Dense) describe(s *LayerStats, in, _ Value) {
	s.Detail = "in " + itoa(l.In) + ", w" + itoa(l.WeightBits) + " x a" + itoa(in.Bits) + ", acc " + itoa(l.AccBits) + " bits"
	s.ParamBits = int64(l.In) * int64(l.Out) * int64(l.WeightBits)
	s.MACs = int64(l.In) * int64(l.Out)
	if l.WeightBits == 1 && in.Bipolar {
		s.BinaryMACs = s.MACs
	}
}

func (l *Conv2D) describe(s *LayerStats, in, out Value) {
	s.Detail = itoa(l.KH) + "x" + itoa(l.KW) + " /" + itoa(l.Stride)
	if l.Pad.Any() {
		p := l.Pad
		s.Detail += " pad " + itoa(p.Top) + "," + itoa(p.Bottom) + "," + itoa(p.Left) + "," + itoa(p.Right) + " (" + strconv.FormatInt(l.PadValue, 10) + ")"
	}
	s.Detail += ", w" + itoa(l.WeightBits) + " x a" + itoa(in.Bits) + ", acc " + itoa(l.AccBits) + " bits"
	s.ParamBits = int64(len(l.Weights)) * int64(l.WeightBits)
	s.MACs = int64(out.Shape.H) * int64(out.Shape.W) * int64(l.OutC) * int64(l.RowLen())
	if l.WeightBits == 1 && in.Bipolar {
		s.BinaryMACs = s.MACs
	}
}

func (l *Threshold) describe(s *LayerStats, in, _ Value) {
	s.Detail = itoa(l.PerChannel()) + " thresholds/channel"
	if l.Bits > 1 {
		s.Detail += ", base " + itoa(l.Base)
	}
	if k := countTrue(l.Reversed); k > 0 {
		s.Detail += ", " + itoa(k) + " reversed"
	}
	s.ParamBits = int64(len(l.T))*int64(in.Bits) + int64(countTrue(l.Reversed))
}

func (l *MaxPool) describe(s *LayerStats, in, _ Value) {
	s.Detail = itoa(l.K) + "x" + itoa(l.K) + " /" + itoa(l.Stride)
	if in.Bipolar {
		s.Detail += ", OR of bipolar values"
	} else {
		s.Detail += ", max of levels"
	}
}

func (l *Output) describe(s *LayerStats, _, _ Value) {
	s.Detail = "argmax of " + itoa(l.Classes) + " scores"
	if l.Offsets != nil {
		s.ParamBits = int64(l.Classes) * int64(l.ScoreBits)
	}
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
