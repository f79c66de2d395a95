package netlist

// The dense layer's rules. A dense layer consumes pixels or activations of
// any shape, flattened in storage order ((h*W+w)*C+c), and produces Out
// accumulators.

func (l *Dense) check(v *validator) Value {
	out := Value{Shape: Shape{C: max(l.Out, 0), H: 1, W: 1}, Kind: Accumulators, Bits: l.AccBits}
	okIn := v.consumes("a dense layer", matrixProducers, Pixels, Activations)
	if l.In <= 0 || l.Out <= 0 || l.In > 1<<24 || l.Out > 1<<24 {
		v.addf("in/out", "sizes must be in 1..2^24, got in=%d out=%d", l.In, l.Out)
		return out
	}
	if okIn && v.in.Shape.Size() != l.In {
		v.addf("in", "layer takes %d inputs but the previous layer %q produces %v = %d", l.In, v.prev.LayerName(), v.in.Shape, v.in.Shape.Size())
		okIn = false
	}
	if !v.matrixWidths(l.WeightBits, l.AccBits) {
		return out
	}
	if len(l.Weights) != l.In*l.Out {
		v.addf("weights", "have %d values, want out*in = %d*%d = %d", len(l.Weights), l.Out, l.In, l.In*l.Out)
		return out
	}
	if !v.checkWeights(l.Weights, l.Out, l.In, l.WeightBits) || !okIn {
		return out
	}
	v.accumulate(l.Out, l.In, l.Row, l.AccBits, &out)
	return out
}

func (l *Dense) reference(x []int64, _ Value) []int64 {
	y := make([]int64, l.Out)
	for o := range y {
		var acc int64
		for i := 0; i < l.In; i++ {
			acc += int64(l.W(o, i)) * x[i]
		}
		y[o] = acc
	}
	return y
}
