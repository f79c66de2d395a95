package netlist

// The input layer's rules: its pixels and their encoding.

func (l *Input) check(v *validator) Value {
	s := l.Shape
	if s.C <= 0 || s.H <= 0 || s.W <= 0 {
		v.addf("shape", "dimensions must be positive, got %v", s)
	} else if s.C > 1<<16 || s.H > 1<<16 || s.W > 1<<16 || s.Size() > 1<<24 {
		v.addf("shape", "tensor %v is too large", s)
	}
	switch l.Bits {
	case 1:
		if l.Threshold < 0 || l.Threshold > 256 {
			v.addf("threshold", "pixel binarization threshold %d is outside 0..256", l.Threshold)
		}
		return Value{Shape: s, Kind: Pixels, Bits: 1, Bipolar: true, Min: -1, Max: 1}
	case 8:
		if l.Threshold != 0 {
			v.addf("threshold", "an 8-bit input has no binarization threshold (got %d)", l.Threshold)
		}
	default:
		v.addf("bits", "unsupported input width %d (want 1 or 8)", l.Bits)
	}
	return Value{Shape: s, Kind: Pixels, Bits: 8, Min: 0, Max: 255}
}

// reference maps pixels (0..255, passed in x) to the values the next layer
// sees: +1/-1 for binarized pixels, the pixel itself for 8-bit input.
func (l *Input) reference(x []int64, _ Value) []int64 {
	y := make([]int64, len(x))
	for i, p := range x {
		switch {
		case l.Bits == 8:
			y[i] = p
		case p >= int64(l.Threshold):
			y[i] = 1
		default:
			y[i] = -1
		}
	}
	return y
}
