package netlist

// The LSTM layer's validation: it follows an embedding or another LSTM, and
// every width it declares (gate accumulators, cell state) is checked against
// the values its weights and activations can reach.

func (l *LSTM) check(v *validator) Value {
	out := Value{Shape: Shape{C: max(l.Hidden, 0), H: 1, W: 1}, Kind: Activations}
	okIn := v.consumes("an lstm layer", "an embedding or lstm layer", Activations)
	switch v.prev.(type) {
	case *Embedding, *LSTM:
	default:
		if okIn {
			v.addf("op", "an lstm layer must follow an embedding or lstm layer, not %q", v.prev.Op())
			okIn = false
		}
	}
	if l.In <= 0 || l.Hidden <= 0 || l.In > 1<<16 || l.Hidden > 1<<16 {
		v.addf("in/hidden", "sizes must be in 1..65536, got in=%d hidden=%d", l.In, l.Hidden)
		return out
	}
	if okIn && v.in.Shape.Size() != l.In {
		v.addf("in", "layer takes %d inputs but the previous layer %q produces %d", l.In, v.prev.LayerName(), v.in.Shape.Size())
		okIn = false
	}
	if !v.matrixWidths(l.WeightBits, l.AccBits) {
		return out
	}
	if l.CellBits < 2 || l.CellBits > 32 {
		v.addf("cell_bits", "unsupported cell-state width %d (want 2..32)", l.CellBits)
		return out
	}
	for _, s := range []struct {
		field    string
		val, max int
	}{{"f_shift", l.FShift, 16}, {"ig_shift", l.IGShift, 24}} {
		if s.val < 0 || s.val > s.max {
			v.addf(s.field, "shift %d is outside 0..%d", s.val, s.max)
			return out
		}
	}
	cols := l.Cols()
	if len(l.Weights) != 4*l.Hidden*cols {
		v.addf("weights", "have %d values, want 4*hidden rows of in+hidden = %d*%d = %d", len(l.Weights), 4*l.Hidden, cols, 4*l.Hidden*cols)
		return out
	}
	if !v.checkWeights(l.Weights, 4*l.Hidden, cols, l.WeightBits) {
		return out
	}
	// The activations' structure, then the widths, then whether every
	// threshold lies within the integer it is compared with.
	const wide = int64(1) << 31
	ok := v.lstmAct("hidden_act", l.HiddenAct, l.Hidden, -wide, wide-1)
	for g, t := range l.Gates {
		ok = ok && v.lstmAct(gateFields[g], t, l.Hidden, -wide, wide-1)
	}
	ok = ok && v.lstmAct("cell_act", l.CellAct, l.Hidden, -wide, wide-1)
	if !ok {
		return out
	}
	hmin, hmax := actRange(l.HiddenAct)
	out.Bits, out.Min, out.Max = l.HiddenAct.Bits, hmin, hmax
	if hmin > 0 || hmax < 0 {
		v.addf("hidden_act", "the hidden values [%d, %d] do not include 0, the reset state (base %d)", hmin, hmax, l.HiddenAct.Base)
		return out
	}
	if fmin, _ := actRange(l.Gates[GateF]); fmin < 0 {
		v.addf("forget_gate", "forget-gate values must be non-negative (a sigmoid), base is %d", l.Gates[GateF].Base)
		return out
	}
	if okIn && !l.checkAcc(v, hmin, hmax) {
		return out
	}
	// The input-gate term must fit the cell state on its own: a width that
	// saturates i*g from a zero state is a wrong declaration, not a rounding.
	cmin, cmax := signedRange(l.CellBits)
	imin, imax := actRange(l.Gates[GateI])
	gmin, gmax := actRange(l.Gates[GateG])
	plo, phi := productRange(imin, imax, gmin, gmax)
	plo, phi = RoundShift(plo, l.IGShift), RoundShift(phi, l.IGShift)
	if plo < cmin || phi > cmax {
		v.addf("cell_bits", "%d signed bits [%d, %d] cannot hold the input-gate term rshr(i*g, %d) in [%d, %d]", l.CellBits, cmin, cmax, l.IGShift, plo, phi)
		return out
	}
	amin, amax := signedRange(l.AccBits)
	for g, t := range l.Gates {
		if !v.lstmAct(gateFields[g], t, l.Hidden, amin, amax) {
			return out
		}
	}
	v.lstmAct("cell_act", l.CellAct, l.Hidden, cmin, cmax)
	return out
}

// checkAcc computes the gate accumulators' ranges over x in the input's
// range and h in [hmin, hmax] and checks them against AccBits.
func (l *LSTM) checkAcc(v *validator, hmin, hmax int64) bool {
	var lo, hi int64
	for r := 0; r < 4*l.Hidden; r++ {
		row := l.Row(r)
		xlo, xhi := RowRange(row[:l.In], v.in.Min, v.in.Max)
		hlo, hhi := RowRange(row[l.In:], hmin, hmax)
		if r == 0 || xlo+hlo < lo {
			lo = xlo + hlo
		}
		if r == 0 || xhi+hhi > hi {
			hi = xhi + hhi
		}
	}
	if amin, amax := signedRange(l.AccBits); lo < amin || hi > amax {
		v.addf("acc_bits", "gate accumulator range [%d, %d] overflows %d signed bits [%d, %d]", lo, hi, l.AccBits, amin, amax)
		return false
	}
	return true
}

// lstmAct checks one of an LSTM's activations: channels units, k >= 2 bits
// (values Base + level), thresholds sorted and within [lo, hi].
func (v *validator) lstmAct(field string, t *Threshold, channels int, lo, hi int64) bool {
	if t == nil {
		v.addf(field, "missing")
		return false
	}
	if t.Channels != channels {
		v.addf(field+".channels", "have %d channels, want hidden = %d", t.Channels, channels)
		return false
	}
	if t.Bits < 2 || t.Bits > MaxActBits {
		v.addf(field+".bits", "unsupported width %d (want 2..%d)", t.Bits, MaxActBits)
		return false
	}
	if t.Base < -256 || t.Base > 256 {
		v.addf(field+".base", "base %d is outside -256..256", t.Base)
		return false
	}
	k := t.PerChannel()
	if len(t.T) != channels*k {
		v.addf(field+".thresholds", "have %d values, want %d channels x %d thresholds = %d", len(t.T), channels, k, channels*k)
		return false
	}
	if t.Reversed != nil && len(t.Reversed) != channels {
		v.addf(field+".reversed", "have %d flags for %d channels", len(t.Reversed), channels)
		return false
	}
	for c := 0; c < channels; c++ {
		row := t.Row(c)
		for j, x := range row {
			if x < lo || x > hi {
				v.addf(field+".thresholds", "channel %d threshold %d: %d is outside [%d, %d]", c, j, x, lo, hi)
				return false
			}
			if j > 0 && x < row[j-1] {
				v.addf(field+".thresholds", "channel %d: thresholds not sorted ascending (%d after %d)", c, x, row[j-1])
				return false
			}
		}
	}
	return true
}

// actRange is the value range of a k-bit (k >= 2) activation.
func actRange(t *Threshold) (lo, hi int64) {
	return int64(t.Base), int64(t.Base) + int64(t.PerChannel())
}

// productRange is the range of a*b for a in [amin, amax], b in [bmin, bmax].
func productRange(amin, amax, bmin, bmax int64) (lo, hi int64) {
	p := [4]int64{amin * bmin, amin * bmax, amax * bmin, amax * bmax}
	lo, hi = p[0], p[0]
	for _, x := range p[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}
