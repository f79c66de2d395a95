package netlist

// The threshold layer's rules. A threshold layer follows an accumulating
// layer (dense or conv2d) and applies channel c's thresholds to channel c at
// every pixel; its output has the accumulators' shape.

func (l *Threshold) check(v *validator) Value {
	out := Value{Shape: v.in.Shape, Kind: Activations, Bits: l.Bits}
	if out.Shape.Size() == 0 {
		out.Shape = Shape{C: max(l.Channels, 0), H: 1, W: 1}
	}
	okIn := v.consumes("a threshold layer", accProducers, Accumulators)
	if okIn && l.Channels != v.in.Shape.C {
		v.addf("channels", "have %d channels but the %s layer %q has %d outputs", l.Channels, v.prev.Op(), v.prev.LayerName(), v.in.Shape.C)
		okIn = false
	}
	if l.Channels <= 0 {
		v.addf("channels", "must be positive, got %d", l.Channels)
		return out
	}
	if l.Bits < 1 || l.Bits > MaxActBits {
		v.addf("bits", "unsupported activation width %d (want 1..%d)", l.Bits, MaxActBits)
		return out
	}
	if l.Bits == 1 {
		if l.Base != 0 {
			v.addf("base", "a 1-bit activation is bipolar (-1/+1) and takes no base, got %d", l.Base)
		}
		out.Bipolar, out.Min, out.Max = true, -1, 1
	} else {
		if l.Base < -256 || l.Base > 256 {
			v.addf("base", "base %d is outside -256..256", l.Base)
		}
		out.Min, out.Max = int64(l.Base), int64(l.Base)+int64(l.PerChannel())
	}
	k := l.PerChannel()
	if len(l.T) != l.Channels*k {
		v.addf("thresholds", "have %d values, want %d channels x %d thresholds (2^%d-1) = %d", len(l.T), l.Channels, k, l.Bits, l.Channels*k)
		return out
	}
	if l.Reversed != nil && len(l.Reversed) != l.Channels {
		v.addf("reversed", "have %d flags for %d channels", len(l.Reversed), l.Channels)
	}
	amin, amax := int64(-1)<<31, int64(1)<<31-1
	if okIn && v.in.Bits >= 2 && v.in.Bits <= 32 {
		amin, amax = signedRange(v.in.Bits)
	}
	for c := 0; c < l.Channels; c++ {
		row := l.Row(c)
		for j, t := range row {
			if t < amin || t > amax {
				v.addf("thresholds", "channel %d threshold %d: %d is outside the accumulator range [%d, %d]", c, j, t, amin, amax)
				return out
			}
			if j > 0 && t < row[j-1] {
				v.addf("thresholds", "channel %d: thresholds not sorted ascending (%d after %d)", c, t, row[j-1])
				return out
			}
		}
	}
	return out
}

func (l *Threshold) reference(x []int64, _ Value) []int64 {
	y := make([]int64, len(x))
	for i, acc := range x {
		c := i % l.Channels
		y[i] = l.Value(l.Level(c, acc))
	}
	return y
}
