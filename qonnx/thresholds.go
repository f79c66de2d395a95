package qonnx

import (
	"fmt"
	"math"
	"sort"
)

// rowRange is the accumulator range of weight column o over inputs in
// [xmin, xmax].
func (l *slLayer) rowRange(o int, xmin, xmax int64) (lo, hi int64) {
	for r := 0; r < l.in; r++ {
		w := int64(l.w[r*l.out+o])
		if w > 0 {
			lo, hi = lo+w*xmin, hi+w*xmax
		} else {
			lo, hi = lo+w*xmax, hi+w*xmin
		}
	}
	return lo, hi
}

// levelsAt evaluates the segment (chain + quantizer) at accumulator acc[o]
// per channel and returns each channel's output level.
func levelsAt(seg *segment, lv levelSet, a, b []float64, acc []int64) ([]int, error) {
	y := make([]float64, len(acc))
	for o := range acc {
		y[o] = a[o]*float64(acc[o]) + b[o]
	}
	out, err := seg.run(y)
	if err != nil {
		return nil, err
	}
	lev := make([]int, len(out))
	for o, v := range out {
		if lev[o] = lv.level(v); lev[o] < 0 {
			return nil, fmt.Errorf("output %v of channel %d is not one of its levels", v, o)
		}
	}
	return lev, nil
}

// thresholds finds, per channel, the integer accumulator values where the
// quantized output steps up one level (or, for a decreasing channel, down),
// by binary search over the channel's accumulator range.
func (l *slLayer) thresholds(seg *segment, lv levelSet, a, b []float64, vm valueMap) error {
	bits := bitsFor(lv.n)
	l.k = 1<<bits - 1
	lo, hi := make([]int64, l.out), make([]int64, l.out)
	for o := range lo {
		lo[o], hi[o] = l.rowRange(o, vm.xmin, vm.xmax)
	}
	atLo, err := levelsAt(seg, lv, a, b, lo)
	if err != nil {
		return err
	}
	atHi, err := levelsAt(seg, lv, a, b, hi)
	if err != nil {
		return err
	}
	rev := make([]bool, l.out)
	for o := range rev {
		rev[o] = atHi[o] < atLo[o]
	}
	t := make([][]int64, l.out)
	for j := 1; j <= l.k; j++ {
		tj, err := searchLevel(seg, lv, a, b, lo, hi, rev, j)
		if err != nil {
			return err
		}
		for o := range t {
			t[o] = append(t[o], tj[o])
		}
	}
	l.setThresholds(t, rev)
	if bits == 1 {
		l.outScale, l.outBi = 2, -1
	} else {
		l.outScale, l.outBi = 1, float64(baseFor(lv))
	}
	return nil
}

// searchLevel returns per channel the first accumulator (last, for reversed
// channels) whose level is at least j; lo-1 / hi+1 stand for "never".
func searchLevel(seg *segment, lv levelSet, a, b []float64, lo, hi []int64, rev []bool, j int) ([]int64, error) {
	n := len(lo)
	L, R := make([]int64, n), make([]int64, n)
	for o := range L {
		if rev[o] {
			L[o], R[o] = lo[o]-1, hi[o] // last acc with level >= j; L is virtually true
		} else {
			L[o], R[o] = lo[o], hi[o]+1 // first acc with level >= j; R is virtually true
		}
	}
	mid := make([]int64, n)
	for {
		done := true
		for o := range mid {
			if L[o] < R[o] {
				done = false
			}
			if rev[o] {
				mid[o] = L[o] + (R[o]-L[o]+1)/2
			} else {
				mid[o] = L[o] + (R[o]-L[o])/2
			}
		}
		if done {
			return L, nil
		}
		lev, err := levelsAt(seg, lv, a, b, mid)
		if err != nil {
			return nil, err
		}
		for o := range mid {
			if L[o] >= R[o] {
				continue
			}
			ok := lev[o] >= j
			switch {
			case rev[o] && ok:
				L[o] = mid[o]
			case rev[o]:
				R[o] = mid[o] - 1
			case ok:
				R[o] = mid[o]
			default:
				L[o] = mid[o] + 1
			}
		}
	}
}

// setThresholds stores netlist thresholds t (ascending per channel) in the
// streamlined form: a reversed channel gets sign -1 and thresholds -t.
func (l *slLayer) setThresholds(t [][]int64, rev []bool) {
	l.t = make([]float64, 0, l.out*l.k)
	any := false
	sign := make([]float64, l.out)
	for o, row := range t {
		sign[o] = 1
		vals := make([]float64, len(row))
		for i, v := range row {
			vals[i] = float64(v)
		}
		if rev[o] {
			any = true
			sign[o] = -1
			for i := range vals {
				vals[i] = -vals[i]
			}
			sort.Float64s(vals)
		}
		l.t = append(l.t, vals...)
	}
	if any {
		l.sign = sign
	}
}

// nextValues maps the netlist values of the activation through the scalar
// ops after the quantizer (post) and returns what the next MatMul sees.
func (l *slLayer) nextValues(post *segment, lv levelSet) (valueMap, error) {
	for _, n := range post.nodes {
		if !isLayout(n.Op) && !isScalarElementwise(post.g, n) && n.Op != "MaxPool" {
			return valueMap{}, nodeErr(n, "not supported between a quantizer and the next MatMul or Conv (only MaxPool, scalar Add/Sub/Mul/Div and layout ops)")
		}
	}
	var xs []int64
	if l.k == 1 {
		xs = []int64{-1, 1}
	} else {
		base := int64(l.outBi)
		for i := 0; i < lv.n; i++ {
			xs = append(xs, base+int64(i))
		}
	}
	vs := make([]float64, len(xs))
	for i := range xs {
		out, err := post.run(fill(numel(post.shape), lv.value(i)))
		if err != nil {
			return valueMap{}, err
		}
		vs[i] = out[0]
	}
	m := (vs[1] - vs[0]) / float64(xs[1]-xs[0])
	c := vs[0] - m*float64(xs[0])
	for i, x := range xs {
		if math.Abs(m*float64(x)+c-vs[i]) > 1e-9*math.Max(1, math.Abs(vs[i])) {
			return valueMap{}, fmt.Errorf("qonnx: %s: activation values %v are not uniformly spaced", l.act, vs)
		}
	}
	vm := valueMap{m: m, c: c, xmin: xs[0], xmax: int64(l.outBi) + int64(l.k)}
	if l.k == 1 {
		vm.xmax = 1
	}
	return vm, nil
}

// lowerScores turns the last MatMul's scores into integer offsets: the
// elementwise chain after it must map a[o]*acc + b[o] to
// alpha*(acc + offset[o]) + gamma for one alpha != 0 and integer offsets.
func (s *streamlined) lowerScores(l *slLayer, seg *segment, a, b []float64) error {
	classes := l.classes()
	ch := l.out
	// Accumulator j (storage order of seg's input: NCHW for a conv) is of
	// channel chOf(j).
	chOf := func(j int) int { return j }
	if l.conv != nil {
		hw := classes / ch
		chOf = func(j int) int { return j / hw }
	}
	for _, n := range seg.nodes {
		switch n.Op {
		case "Add", "Sub", "Mul", "Div", "BatchNormalization":
		default:
			if !isLayout(n.Op) {
				return nodeErr(n, "not supported after the last MatMul")
			}
		}
	}
	at := func(acc float64) ([]float64, error) {
		y := make([]float64, classes)
		for j := range y {
			y[j] = a[chOf(j)]*acc + b[chOf(j)]
		}
		return seg.run(y)
	}
	z0, err := at(0)
	if err != nil {
		return err
	}
	z1, err := at(1)
	if err != nil {
		return err
	}
	alpha := z1[0] - z0[0]
	if alpha == 0 {
		return fmt.Errorf("qonnx: %s: scores do not depend on the accumulator", l.name)
	}
	if len(z0) != classes {
		return fmt.Errorf("qonnx: %s: %d scores for %d accumulators", l.name, len(z0), classes)
	}
	off := make([]float64, classes)
	nonzero := false
	for o := range off {
		if d := z1[o] - z0[o]; math.Abs(d-alpha) > 1e-9*math.Abs(alpha) {
			return fmt.Errorf("qonnx: %s: classes have different score scales (%v and %v): non-uniform scale", l.name, alpha, d)
		}
		off[o] = (z0[o] - z0[0]) / alpha
		if math.Abs(off[o]-math.Round(off[o])) > 1e-6 {
			return fmt.Errorf("qonnx: %s: class %d's offset %v is not an integer", l.name, o, off[o])
		}
		off[o] = math.Round(off[o])
	}
	// Offsets relative to class 0; shift so that they are b/alpha-based
	// integers when possible (keeps exported offsets as they were).
	if base := z0[0] / alpha; math.Abs(base-math.Round(base)) < 1e-6 {
		for o := range off {
			off[o] += math.Round(base)
		}
	}
	for o := range off {
		nonzero = nonzero || off[o] != 0
	}
	for _, n := range seg.nodes {
		// A per-class Add/Sub (Export's class offsets) keeps its offsets
		// even when they are all zero.
		if (n.Op == "Add" || n.Op == "Sub") && len(seg.g.Inits[n.Inputs[1]].Data) == classes && classes > 1 {
			nonzero = true
		}
	}
	if alpha < 0 {
		for i := range l.w {
			l.w[i] = -l.w[i]
		}
		for o := range off {
			off[o] = -off[o]
		}
		if _, err := weightBits(l.w); err != nil {
			return fmt.Errorf("qonnx: %s: negated weights: %v", l.name, err)
		}
	}
	if nonzero {
		s.offsets = off
	}
	return nil
}

// copyThresholds handles a layer already in the streamlined form (integer
// accumulator, optional +-1 sign Mul, MultiThreshold with integer
// thresholds): the thresholds are taken as they are, so that export ->
// import gives back the same netlist. It reports false when the layer is
// not in that form.
func (l *slLayer) copyThresholds(g *Graph, chain []*Node, q *Node, lv levelSet, a, b []float64, vm valueMap) bool {
	if q.Op != "MultiThreshold" || len(chain) > 1 {
		return false
	}
	for o := range a {
		if a[o] != 1 || b[o] != 0 {
			return false
		}
	}
	sign := fill(l.out, 1)
	if len(chain) == 1 {
		k := g.Inits[chain[0].Inputs[1]]
		if chain[0].Op != "Mul" || len(k.Data) != l.out {
			return false
		}
		for o, v := range k.Data {
			if v != 1 && v != -1 {
				return false
			}
			sign[o] = v
		}
	}
	th := g.Inits[q.Inputs[1]]
	if th.Shape[0] != l.out {
		return false
	}
	for _, v := range th.Data {
		if !isInteger(v) {
			return false
		}
	}
	sc, bi := q.attrFloat("out_scale", 1), q.attrFloat("out_bias", 0)
	bits := bitsFor(lv.n)
	if !(bits == 1 && sc == 2 && bi == -1) && !(bits > 1 && sc == 1 && isInteger(bi)) {
		return false
	}
	kk := th.Shape[1]
	l.k = 1<<bits - 1
	t := make([][]int64, l.out)
	rev := make([]bool, l.out)
	for o := range t {
		lo, hi := l.rowRange(o, vm.xmin, vm.xmax)
		row := make([]int64, 0, l.k)
		for _, v := range th.Data[o*kk : (o+1)*kk] {
			row = append(row, int64(v*sign[o]))
		}
		rev[o] = sign[o] < 0
		for len(row) < l.k {
			if rev[o] {
				row = append(row, lo-1)
			} else {
				row = append(row, hi+1)
			}
		}
		sort.Slice(row, func(i, j int) bool { return row[i] < row[j] })
		t[o] = row
	}
	l.setThresholds(t, rev)
	l.outScale, l.outBi = sc, bi
	return true
}
