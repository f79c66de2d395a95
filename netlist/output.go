package netlist

import "math"

// The output layer's rules. It follows an accumulating layer and turns each
// of its elements (in storage order) into one class score.

func (l *Output) check(v *validator) Value {
	out := Value{Shape: Shape{C: max(l.Classes, 0), H: 1, W: 1}, Kind: Scores, Bits: l.ScoreBits}
	okIn := v.consumes("the output layer", accProducers, Accumulators)
	if okIn && l.Classes != v.in.Shape.Size() {
		v.addf("classes", "have %d classes but the %s layer %q has %d outputs", l.Classes, v.prev.Op(), v.prev.LayerName(), v.in.Shape.Size())
		okIn = false
	}
	if l.Classes <= 0 {
		v.addf("classes", "must be positive, got %d", l.Classes)
		return out
	}
	if l.Offsets != nil && len(l.Offsets) != l.Classes {
		v.addf("offsets", "have %d offsets for %d classes", len(l.Offsets), l.Classes)
		return out
	}
	if l.LogitScale < 0 || math.IsNaN(l.LogitScale) || math.IsInf(l.LogitScale, 0) {
		v.addf("logit_scale", "must be a finite non-negative number, got %g", l.LogitScale)
	}
	if l.ScoreBits < 2 || l.ScoreBits > 32 {
		v.addf("score_bits", "unsupported score width %d (want 2..32)", l.ScoreBits)
		return out
	}
	smin, smax := signedRange(l.ScoreBits)
	for c, off := range l.Offsets {
		if off < smin || off > smax {
			v.addf("offsets", "class %d: offset %d does not fit %d signed bits", c, off, l.ScoreBits)
			return out
		}
	}
	cr := v.in.ChanRange
	if !okIn || len(cr) == 0 || len(cr) != v.in.Shape.C {
		return out
	}
	lo, hi := int64(0), int64(0)
	for c := 0; c < l.Classes; c++ {
		r := cr[c%len(cr)]
		rlo, rhi := r[0]+l.Offset(c), r[1]+l.Offset(c)
		if c == 0 || rlo < lo {
			lo = rlo
		}
		if c == 0 || rhi > hi {
			hi = rhi
		}
	}
	out.Min, out.Max = lo, hi
	if lo < smin || hi > smax {
		v.addf("score_bits", "score range [%d, %d] overflows %d signed bits [%d, %d]", lo, hi, l.ScoreBits, smin, smax)
	}
	return out
}

func (l *Output) reference(x []int64, _ Value) []int64 {
	y := make([]int64, l.Classes)
	for c := range y {
		y[c] = x[c] + l.Offset(c)
	}
	return y
}
