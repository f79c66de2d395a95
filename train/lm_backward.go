package train

import (
	"math"
)

// lmGrads holds the gradients of an LM's parameters (the order of params).
type lmGrads struct {
	Emb, W, B, Wo, Bo []float32
}

func newLMGrads(m *LM) *lmGrads {
	return &lmGrads{Emb: make([]float32, len(m.Emb)), W: make([]float32, len(m.W)), B: make([]float32, len(m.B)),
		Wo: make([]float32, len(m.Wo)), Bo: make([]float32, len(m.Bo))}
}

func (g *lmGrads) list() [][]float32 { return [][]float32{g.Emb, g.W, g.B, g.Wo, g.Bo} }

func (g *lmGrads) zero() {
	for _, p := range g.list() {
		clear(p)
	}
}

// softmaxLoss turns w.logits (real) into dL/dlogits of the mean
// cross-entropy over the window's n rows and returns the summed NLL.
func softmaxLoss(w *lmWindow, V, threads int) float64 {
	n := w.T * w.B
	sums := make([]float64, n)
	inv := float32(1 / float64(n))
	parallelRange(n, threads, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := w.logits[i*V : (i+1)*V]
			mx := row[0]
			for _, x := range row {
				mx = max(mx, x)
			}
			tg := int(w.tgt[i])
			zt := float64(row[tg] - mx)
			var s float64
			for v, x := range row {
				e := math.Exp(float64(x - mx))
				row[v] = float32(e)
				s += e
			}
			sums[i] = math.Log(s) - zt
			k := float32(1/s) * inv
			for v := range row {
				row[v] *= k
			}
			row[tg] -= inv
		}
	})
	var total float64
	for _, s := range sums {
		total += s
	}
	return total
}

// backward computes the gradients of the window's loss (dL/dlogits in
// w.logits) into g, by backpropagation through the window's steps, with
// straight-through gradients for every quantizer (zero where a weight or
// embedding entry lies outside its quantizer's range and where the cell
// saturated).
func (m *LM) backward(q *lmQuant, w *lmWindow, g *lmGrads) {
	c := &m.Cfg
	H, D, V, cols := c.Hidden, c.Dim, c.Vocab, c.Dim+c.Hidden
	n := w.T * w.B
	th := lmThreads(c)
	sa, so := float32(q.sa), float32(q.stepO)
	// The output projection: dWo = dlogits^T hd (real units), dhd = dlogits Wo.
	gemm(V, H, n, transposed(w.logits, V), rowMajor(w.hd, H), g.Wo, H, true, th)
	for i := range g.Wo {
		g.Wo[i] *= sa
	}
	for i := 0; i < n; i++ {
		addTo(g.Bo, w.logits[i*V:(i+1)*V])
	}
	gemm(n, H, V, rowMajor(w.logits, V), rowMajor(q.wo, H), w.dhOut, H, false, th)
	for i := range w.dhOut[:n*H] {
		w.dhOut[i] *= so
		if w.hmask != nil {
			w.dhOut[i] *= w.hmask[i]
		}
	}
	// Through time.
	clear(w.dhRec)
	clear(w.dc)
	for t := w.T - 1; t >= 0; t-- {
		r0 := t * w.B
		for i := range w.dh {
			w.dh[i] = w.dhOut[r0*H+i] + w.dhRec[i]
		}
		for b := 0; b < w.B; b++ {
			m.cellBack(q, w, r0+b, w.dh[b*H:(b+1)*H], w.dc[b*H:(b+1)*H])
		}
		dza := w.dza[r0*4*H : (r0+w.B)*4*H]
		gemm(w.B, H, 4*H, rowMajor(dza, 4*H), rowMajor(q.w[D:], cols), w.dhRec, H, false, th)
	}
	// dW = dz^T v (real units), dB = sum dz, dx = dza Wx.
	gemm(4*H, cols, n, transposed(w.dz, 4*H), rowMajor(w.v, cols), g.W, cols, true, th)
	if !q.float {
		for i := range g.W {
			if !q.wIn[i] {
				g.W[i] = 0
			} else {
				g.W[i] *= sa
			}
		}
	}
	for i := 0; i < n; i++ {
		addTo(g.B, w.dz[i*4*H:(i+1)*4*H])
	}
	gemm(n, D, 4*H, rowMajor(w.dza, 4*H), rowMajor(q.w, cols), w.dx, D, false, th)
	for i, tok := range w.tok[:n] {
		dx, e := w.dx[i*D:(i+1)*D], int(tok)*D
		for k, d := range dx {
			if w.xmask != nil {
				d *= w.xmask[i*D+k]
			}
			if q.float || q.embIn[e+k] {
				g.Emb[e+k] += d
			}
		}
	}
	if !q.float {
		for i := range g.Wo {
			if !q.woIn[i] {
				g.Wo[i] = 0
			}
		}
	}
}

// cellBack backpropagates row i (one stream at one step): dh is dL/dh_t
// (real), dc is dL/dc_t from the step after, replaced by dL/dc_{t-1}.
// It writes dL/dz to w.dz and dL/dz times the row's weight step to w.dza.
func (m *LM) cellBack(q *lmQuant, w *lmWindow, i int, dh, dc []float32) {
	H := m.Cfg.Hidden
	z, gv := w.z[i*4*H:(i+1)*4*H], w.gv[i*4*H:(i+1)*4*H]
	dz, dza := w.dz[i*4*H:(i+1)*4*H], w.dza[i*4*H:(i+1)*4*H]
	cPrev, cNew, sat, tv := w.cPrev[i*H:(i+1)*H], w.c[i*H:(i+1)*H], w.sat[i*H:(i+1)*H], w.tv[i*H:(i+1)*H]
	for j := 0; j < H; j++ {
		ig, fg, gg, og := float64(gv[j]), float64(gv[H+j]), float64(gv[2*H+j]), float64(gv[3*H+j])
		d := float64(dh[j])
		do := d * float64(tv[j])
		th := math.Tanh(float64(cNew[j]))
		dcell := float64(dc[j]) + d*og*(1-th*th)
		if sat[j] {
			dcell = 0
		}
		df, di, dg := dcell*float64(cPrev[j]), dcell*gg, dcell*ig
		dc[j] = float32(dcell * fg)
		si, sf, so := sigmoid(float64(z[j])), sigmoid(float64(z[H+j])), sigmoid(float64(z[3*H+j]))
		tg := math.Tanh(float64(z[2*H+j]))
		dz[j] = float32(di * si * (1 - si))
		dz[H+j] = float32(df * sf * (1 - sf))
		dz[2*H+j] = float32(dg * (1 - tg*tg))
		dz[3*H+j] = float32(do * so * (1 - so))
	}
	for r := range dz {
		dza[r] = dz[r] * float32(q.step[r])
	}
}

// clipGrads scales the gradients so that their global L2 norm is at most
// limit (if limit > 0) and returns the norm before clipping.
func clipGrads(g *lmGrads, limit float64) float64 {
	var ss float64
	for _, p := range g.list() {
		for _, x := range p {
			ss += float64(x) * float64(x)
		}
	}
	norm := math.Sqrt(ss)
	if limit > 0 && norm > limit {
		s := float32(limit / norm)
		for _, p := range g.list() {
			for i := range p {
				p[i] *= s
			}
		}
	}
	return norm
}
