package train

import (
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/qnn-dev/qnn/netlist"
)

// lmWindow holds one BPTT window's activations (T steps of B streams,
// row index t*B+b) and the state carried between windows. In the
// quantized model x, h and the cell are kept in their integer units (exact
// in float32), in the float model as reals.
type lmWindow struct {
	T, B      int
	tok, tgt  []int32   // T*B inputs and next-word targets
	xmask     []float32 // T*B x D dropout scale (nil: no dropout)
	hmask     []float32 // T*B x H
	v         []float32 // T*B x (D+H): [x_t ; h_{t-1}]
	acc       []float32 // T*B x 4H gate accumulators
	z, gv     []float32 // T*B x 4H pre-activations (real) and gate values (real)
	cPrev, c  []float32 // T*B x H cell before and after (real)
	sat       []bool    // T*B x H the cell saturated
	tv        []float32 // T*B x H the cell's tanh (real)
	h         []float32 // T*B x H hidden state (units of v)
	hd        []float32 // T*B x H dropped-out hidden state, the output's input
	logits    []float32 // T*B x V
	h0, c0    []float32 // B x H the state entering the window (c0 in cell units)
	hT, cT    []float32 // B x H the state leaving it
	dz        []float32 // T*B x 4H
	dza       []float32 // T*B x 4H dz times the row's weight step
	dh, dhRec []float32 // B x H
	dc        []float32 // B x H
	dhOut     []float32 // T*B x H
	dx        []float32 // T*B x D
	// raw leaves the quantized model's integer scores acc + offset in
	// logits instead of the real logits (evaluation).
	raw bool
}

func newLMWindow(c *LMConfig, T, B int) *lmWindow {
	H, D, V := c.Hidden, c.Dim, c.Vocab
	n := T * B
	w := &lmWindow{T: T, B: B, tok: make([]int32, n), tgt: make([]int32, n),
		v: make([]float32, n*(D+H)), acc: make([]float32, n*4*H), z: make([]float32, n*4*H), gv: make([]float32, n*4*H),
		cPrev: make([]float32, n*H), c: make([]float32, n*H), sat: make([]bool, n*H), tv: make([]float32, n*H),
		h: make([]float32, n*H), hd: make([]float32, n*H), logits: make([]float32, n*V),
		h0: make([]float32, B*H), c0: make([]float32, B*H), hT: make([]float32, B*H), cT: make([]float32, B*H),
		dz: make([]float32, n*4*H), dza: make([]float32, n*4*H), dh: make([]float32, B*H), dhRec: make([]float32, B*H),
		dc: make([]float32, B*H), dhOut: make([]float32, n*H), dx: make([]float32, n*D)}
	if c.Dropout > 0 {
		w.xmask, w.hmask = make([]float32, n*D), make([]float32, n*H)
	}
	return w
}

// resetState zeroes the carried state (a sequence boundary).
func (w *lmWindow) resetState() {
	clear(w.h0)
	clear(w.c0)
}

// carry makes the state leaving the window the state entering the next.
func (w *lmWindow) carry() {
	copy(w.h0, w.hT)
	copy(w.c0, w.cT)
}

func lmThreads(c *LMConfig) int {
	if c.Threads > 0 {
		return c.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// forward runs the window: the recurrence, then the output projection into
// w.logits (real logits, or the integer scores if w.raw). With rng != nil (training) it draws dropout
// masks.
func (m *LM) forward(q *lmQuant, w *lmWindow, rng *rand.Rand) {
	c := &m.Cfg
	H, D, cols := c.Hidden, c.Dim, c.Dim+c.Hidden
	n := w.T * w.B
	drop := rng != nil && c.Dropout > 0
	for i, tok := range w.tok[:n] {
		x := w.v[i*cols : i*cols+D]
		copy(x, q.emb[int(tok)*D:(int(tok)+1)*D])
		if drop {
			dropMask(w.xmask[i*D:(i+1)*D], c.Dropout, rng)
			for k := range x {
				x[k] *= w.xmask[i*D+k]
			}
		}
	}
	th := lmThreads(c)
	// The x columns of every step at once, then the recurrence.
	gemm(n, 4*H, D, rowMajor(w.v, cols), transposed(q.w, cols), w.acc, 4*H, false, th)
	hPrev, cPrev := w.h0, w.c0
	for t := 0; t < w.T; t++ {
		r0 := t * w.B
		for b := 0; b < w.B; b++ {
			copy(w.v[(r0+b)*cols+D:(r0+b+1)*cols], hPrev[b*H:(b+1)*H])
		}
		gemm(w.B, 4*H, H, rowMajor(w.v[r0*cols+D:], cols), transposed(q.w[D:], cols), w.acc[r0*4*H:], 4*H, true, th)
		for b := 0; b < w.B; b++ {
			m.cellStep(q, w, r0+b, cPrev[b*H:(b+1)*H])
		}
		hPrev, cPrev = w.h[r0*H:(r0+w.B)*H], w.cellUnits(q, r0)
	}
	copy(w.hT, hPrev)
	copy(w.cT, cPrev)
	for i := range w.hd[:n*H] {
		w.hd[i] = w.h[i]
	}
	if drop {
		dropMask(w.hmask[:n*H], c.Dropout, rng)
		for i := range w.hd[:n*H] {
			w.hd[i] *= w.hmask[i]
		}
	}
	V := c.Vocab
	gemm(n, V, H, rowMajor(w.hd, H), transposed(q.wo, H), w.logits, V, false, th)
	u := float32(q.unit())
	if w.raw {
		u = 1
	}
	parallelRange(n, th, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := w.logits[i*V : (i+1)*V]
			for v := range row {
				row[v] = u * (row[v] + q.off[v])
			}
		}
	})
}

// cellUnits returns the cells of step rows r0..r0+B in cell units (the
// integer c_int in the quantized model), for the next step.
func (w *lmWindow) cellUnits(q *lmQuant, r0 int) []float32 {
	H := len(w.h0) / w.B
	cs := w.c[r0*H : (r0+w.B)*H]
	if q.float {
		return cs
	}
	// w.c holds reals; the integers are exact multiples of 2^-F.
	u := make([]float32, len(cs))
	s := float32(math.Ldexp(1, lmCellFrac(q.a)))
	for i, x := range cs {
		u[i] = x * s
	}
	return u
}

func dropMask(mask []float32, p float64, rng *rand.Rand) {
	keep := float32(1 / (1 - p))
	for i := range mask {
		if rng.Float64() < p {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// cellStep computes the gates, cell, tanh and hidden state of row i (one
// stream at one step) from its accumulators and its previous cell cp (in
// cell units).
func (m *LM) cellStep(q *lmQuant, w *lmWindow, i int, cp []float32) {
	H := m.Cfg.Hidden
	acc, z, gv := w.acc[i*4*H:(i+1)*4*H], w.z[i*4*H:(i+1)*4*H], w.gv[i*4*H:(i+1)*4*H]
	for r := range acc {
		z[r] = float32(q.rs[r]*float64(acc[r]) + float64(m.B[r]))
	}
	cPrev, cNew, sat, tv, h := w.cPrev[i*H:(i+1)*H], w.c[i*H:(i+1)*H], w.sat[i*H:(i+1)*H], w.tv[i*H:(i+1)*H], w.h[i*H:(i+1)*H]
	if q.float {
		for j := 0; j < H; j++ {
			ig, fg := sigmoid(float64(z[j])), sigmoid(float64(z[H+j]))
			gg, og := math.Tanh(float64(z[2*H+j])), sigmoid(float64(z[3*H+j]))
			gv[j], gv[H+j], gv[2*H+j], gv[3*H+j] = float32(ig), float32(fg), float32(gg), float32(og)
			cPrev[j] = cp[j]
			cNew[j] = float32(fg*float64(cp[j]) + ig*gg)
			tv[j] = float32(math.Tanh(float64(cNew[j])))
			h[j] = float32(og) * tv[j]
		}
		return
	}
	a := q.a
	k := 1<<a - 1
	half := int64(1) << (a - 1)
	sg, sh := math.Ldexp(1, -a), math.Ldexp(1, -(a-1))
	sc := math.Ldexp(1, -lmCellFrac(a))
	cb := lmCellBits(a)
	lo, hi := -(int64(1) << (cb - 1)), int64(1)<<(cb-1)-1
	lv := func(r int) int64 { return int64(countGEf(q.thr[r*k:(r+1)*k], acc[r])) }
	for j := 0; j < H; j++ {
		ii, ff, gg, oo := lv(j), lv(H+j), lv(2*H+j)-half, lv(3*H+j)
		gv[j], gv[H+j], gv[2*H+j], gv[3*H+j] = float32(float64(ii)*sg), float32(float64(ff)*sg), float32(float64(gg)*sh), float32(float64(oo)*sg)
		c0 := int64(cp[j])
		cPrev[j] = float32(float64(c0) * sc)
		cn := netlist.RoundShift(ff*c0, a) + ii*gg
		sat[j] = cn < lo || cn > hi
		cn = min(max(cn, lo), hi)
		cNew[j] = float32(float64(cn) * sc)
		t := int64(countGE(q.cell, cn)) - half
		tv[j] = float32(float64(t) * sh)
		h[j] = float32(int64(countGE(q.hid, oo*t)) - half)
	}
}

// countGEf counts the thresholds a (possibly fractional, under dropout)
// accumulator reaches.
func countGEf(t []int64, acc float32) int {
	n := 0
	for _, x := range t {
		if float64(acc) >= float64(x) {
			n++
		}
	}
	return n
}
