package train

import (
	"math"
)

// The LSTM's quantizers. With a = ABits every activation is a k-bit
// integer with a fixed real unit:
//
//   - embedding entries and hidden values: x_int, h_int in [-2^(a-1), 2^(a-1)-1],
//     real value x_int * 2^-(a-1);
//   - the sigmoid gates i, f, o: levels 0..2^a-1 of real value level/2^a,
//     level = min(round(sigmoid(z) * 2^a), 2^a-1);
//   - the cell candidate g and the cell's tanh: g_int in [-2^(a-1), 2^(a-1)-1]
//     of real value g_int/2^(a-1), g_int = clamp(round(tanh(z) * 2^(a-1)));
//   - the cell state: a signed integer of lmCellFrac(a) = 2a-1 fractional
//     bits (so i*g is exact) and 4 integer bits (real range [-8, 8)).
//
// The pre-activation of gate row r is z = rs[r]*acc + b[r], acc the exact
// integer dot product of the row's integer weights with [x_int ; h_int] and
// rs[r] = step[r] * 2^-(a-1). A quantized gate is then a count of the
// integer thresholds T[r][k] = ceil((z_k - b[r]) / rs[r]) reached by acc,
// z_k the cut points of the quantized sigmoid or tanh: the training
// forward counts exactly those integers, and the export writes them, so the
// exported netlist computes the trainer's quantized forward bit for bit.

// lmCellFrac is the cell state's fractional bits for a-bit activations.
func lmCellFrac(a int) int { return 2*a - 1 }

// lmCellBits is the cell state's signed width: 4 integer bits.
func lmCellBits(a int) int { return lmCellFrac(a) + 4 }

// lmWeightStep is the quantization step of k-bit symmetric weights
// (integers in [-(2^(k-1)-1), 2^(k-1)-1]) relative to the RMS of the
// weights it quantizes: the step of the optimal uniform quantizer of a
// Gaussian with that many levels (Max 1960).
func lmWeightStep(bits int) float64 {
	return [...]float64{2: 1.224, 3: 0.586, 4: 0.335, 5: 0.188, 6: 0.104, 7: 0.057, 8: 0.031}[bits]
}

// lmQuant is the quantized view of an LM's parameters for one step: the
// integer weights (as float32, exact), their steps, the integer thresholds
// of every gate row and the output's integer offsets. For the float
// baseline the "integer" weights are the weights, every scale 1, and no
// thresholds.
type lmQuant struct {
	float bool
	a     int
	sa    float64   // real unit of x_int and h_int, 2^-(a-1)
	emb   []float32 // Vocab x Dim: x_int (float: the embedding)
	embIn []bool    // the entry is inside the quantizer's range (STE)
	w     []float32 // integer gate weights
	wIn   []bool
	step  []float64 // per gate row
	rs    []float64 // per gate row: step*sa
	thr   []int64   // per gate row 2^a-1 thresholds on acc
	wo    []float32 // integer output weights
	woIn  []bool
	stepO float64   // output weight step (one for the matrix)
	off   []float32 // integer output offsets (float: the biases)
	cell  []int64   // 2^a-1 thresholds of the cell's tanh, on c_int
	hid   []int64   // 2^a-1 thresholds of the hidden state, on o_int*t_int
}

// unit is the real value of one output score unit.
func (q *lmQuant) unit() float64 { return q.stepO * q.sa }

func newLMQuant(m *LM) *lmQuant { return newLMQuantInto(nil, m, nil) }

// newLMQuantInto is newLMQuant reusing the buffers of q (if not nil; it
// must come from the same model). If toks is not nil, only those tokens'
// embedding rows are quantized (a training window reads no others).
func newLMQuantInto(q *lmQuant, m *LM, toks []int32) *lmQuant {
	c := &m.Cfg
	H, D := c.Hidden, c.Dim
	if q == nil || q.float {
		q = &lmQuant{}
	}
	*q = lmQuant{float: !c.Quantized(), a: c.ABits, sa: 1, stepO: 1,
		emb: q.emb, embIn: q.embIn, w: q.w, wIn: q.wIn, step: q.step, rs: q.rs, thr: q.thr, wo: q.wo, woIn: q.woIn, off: q.off}
	if q.float {
		q.emb, q.w, q.wo, q.off = m.Emb, m.W, m.Wo, m.Bo
		q.rs = make([]float64, 4*H)
		for r := range q.rs {
			q.rs[r] = 1
		}
		q.step = q.rs
		return q
	}
	a := c.ABits
	q.sa = math.Ldexp(1, -(a - 1))
	lim := float64(int(1) << (a - 1))
	q.emb, q.embIn = grow(q.emb, len(m.Emb)), grow(q.embIn, len(m.Emb))
	quantEmb := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := math.Round(float64(m.Emb[i]) / q.sa)
			q.embIn[i] = v >= -lim-0.5 && v <= lim-0.5
			q.emb[i] = float32(min(max(v, -lim), lim-1))
		}
	}
	if toks == nil {
		quantEmb(0, len(m.Emb))
	}
	for _, t := range toks {
		quantEmb(int(t)*D, int(t+1)*D)
	}
	cols := D + H
	q.w, q.wIn, q.step = grow(q.w, len(m.W)), grow(q.wIn, len(m.W)), grow(q.step, 4*H)
	q.rs = grow(q.rs, 4*H)
	for r := 0; r < 4*H; r++ {
		q.step[r] = quantizeRows(q.w[r*cols:(r+1)*cols], q.wIn[r*cols:(r+1)*cols], m.W[r*cols:(r+1)*cols], c.WBits)
		q.rs[r] = q.step[r] * q.sa
	}
	q.wo, q.woIn = grow(q.wo, len(m.Wo)), grow(q.woIn, len(m.Wo))
	q.stepO = quantizeRows(q.wo, q.woIn, m.Wo, c.WBits)
	u := q.unit()
	q.off = grow(q.off, len(m.Bo))
	for v, b := range m.Bo {
		q.off[v] = float32(math.Round(float64(b) / u))
	}
	q.thr = grow(q.thr, 4*H*(1<<a-1))
	for g := 0; g < 4; g++ {
		cuts := gateCuts(a, g == GateGIndex)
		for j := 0; j < H; j++ {
			r := g*H + j
			t := q.thr[r*len(cuts) : (r+1)*len(cuts)]
			for k, z := range cuts {
				t[k] = ceilInt((z - float64(m.B[r])) / q.rs[r])
			}
		}
	}
	q.cell, q.hid = lmCellThresholds(a), lmHiddenThresholds(a)
	return q
}

// GateGIndex is the cell candidate's gate index (netlist.GateG).
const GateGIndex = 2

// quantizeRows quantizes w to k-bit symmetric integers with step
// lmWeightStep(k) times the RMS of w, writing the integers to q and whether
// each weight lies within the quantizer's range (where the straight-through
// gradient passes) to in; it returns the step.
func quantizeRows(q []float32, in []bool, w []float32, bits int) float64 {
	var ss float64
	for _, x := range w {
		ss += float64(x) * float64(x)
	}
	step := lmWeightStep(bits) * math.Sqrt(ss/float64(len(w)))
	if !(step > 0) {
		step = 1e-6
	}
	n := float64(int(1)<<(bits-1) - 1)
	for i, x := range w {
		v := math.Round(float64(x) / step)
		in[i] = math.Abs(v) <= n
		q[i] = float32(min(max(v, -n), n))
	}
	return step
}

// gateCuts returns the 2^a-1 cut points z_k of a quantized sigmoid
// (level >= k iff sigmoid(z)*2^a >= k-1/2) or, for the cell candidate, of
// a quantized tanh (level >= m iff tanh(z)*2^(a-1) >= m-2^(a-1)-1/2).
func gateCuts(a int, tanh bool) []float64 {
	n := 1<<a - 1
	z := make([]float64, n)
	for k := 1; k <= n; k++ {
		if tanh {
			z[k-1] = math.Atanh((float64(k) - float64(int(1)<<(a-1)) - 0.5) / float64(int(1)<<(a-1)))
		} else {
			p := (float64(k) - 0.5) / float64(int(1)<<a)
			z[k-1] = math.Log(p / (1 - p))
		}
	}
	return z
}

// lmCellThresholds are the quantized tanh's thresholds on c_int (cut
// points of gateCuts(a, true) at 2^F units).
func lmCellThresholds(a int) []int64 {
	cuts := gateCuts(a, true)
	t := make([]int64, len(cuts))
	for k, z := range cuts {
		t[k] = ceilInt(math.Ldexp(z, lmCellFrac(a)))
	}
	return t
}

// lmHiddenThresholds are the hidden quantizer's thresholds on the product
// p = o_int * t_int (real value p/2^(2a-1)): h_int = clamp(rshr(p, a)), so
// level >= m iff p >= (m-2^(a-1))*2^a - 2^(a-1).
func lmHiddenThresholds(a int) []int64 {
	half := int64(1) << (a - 1)
	t := make([]int64, 1<<a-1)
	for m := range t {
		t[m] = (int64(m+1)-half)<<a - half
	}
	return t
}

// ceilInt is ceil(x) as an integer, bounded to +-2^40 (beyond any
// accumulator).
func ceilInt(x float64) int64 {
	const lim = 1 << 40
	if math.IsNaN(x) {
		return lim
	}
	return int64(min(max(math.Ceil(x), -lim), lim))
}

// countGE returns the number of the ascending thresholds t that v reaches.
func countGE(t []int64, v int64) int {
	n := 0
	for _, x := range t {
		if v >= x {
			n++
		}
	}
	return n
}

// grow returns b resliced to n elements, or a new slice if b is too short.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}
