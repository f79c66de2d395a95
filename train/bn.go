package train

import (
	"math"
	"sync"
)

// Batch norm. Hidden layers normalize each channel with its own mean and
// variance; the output layer normalizes each class with its own mean and a
// variance shared by all classes, and has one shared scale, so that its
// inference function is s*(z_c + o_c) with one s > 0 for all classes.

// effGamma is the scale batch norm applies: gamma, or its power-of-two
// approximation for shift-based batch norm.
func effGamma(g float32, shift bool) float32 {
	if shift {
		return ap2f(g)
	}
	return g
}

// invStd is 1/sqrt(v + eps), or its power-of-two approximation.
func invStd(v float64, shift bool) float64 {
	s := 1 / math.Sqrt(v+bnEps)
	if shift {
		return ap2(s)
	}
	return s
}

// sqDev is the squared deviation d*d, or d*ap2(d) for shift-based batch
// norm (Algorithm 3 of the paper).
func sqDev(d float64, shift bool) float64 {
	if shift {
		return d * ap2(d)
	}
	return d * d
}

// bnForward normalizes the pre-activations in l.c.y (rows x Out) with batch
// statistics, stores xhat, replaces y with gamma*xhat + beta and updates the
// running statistics, or, while l.stats is set, adds the batch's statistics
// to it instead (bnstats.go). Large batches are split by channel across
// threads goroutines; every channel's sums run over the batch in the same order
// whatever the split, so the results do not depend on threads.
func (l *Layer) bnForward(rows int, shift bool, threads int) {
	ch := l.Out
	y := l.c.y[:rows*ch]
	mean := make([]float64, ch)
	dev := make([]float64, ch)
	channelRanges(rows, ch, threads, func(c0, c1 int) {
		sumCols(y[c0:], rows, ch, mean[c0:c1])
		for c := c0; c < c1; c++ {
			mean[c] /= float64(rows)
		}
		if !shift {
			devCols(y[c0:], rows, ch, mean[c0:c1], dev[c0:c1])
			return
		}
		for b := 0; b < rows; b++ {
			for c, v := range y[b*ch+c0 : b*ch+c1] {
				dev[c0+c] += sqDev(float64(v)-mean[c0+c], shift)
			}
		}
	})
	if l.stats != nil {
		l.stats.add(rows, mean, dev)
	}
	nv := len(l.Var) // ch for hidden layers, 1 for the output layer
	vars := make([]float64, nv)
	for c, d := range dev {
		vars[c%nv] += d
	}
	count := float64(rows * ch / nv)
	unbias := count / (count - 1)
	for c := range vars {
		vars[c] /= count
		l.c.invstd[c] = float32(invStd(vars[c], shift))
		if l.stats == nil {
			l.Var[c] = (1-bnMomentum)*l.Var[c] + bnMomentum*vars[c]*unbias
		}
	}
	if l.stats == nil {
		for c := range mean {
			l.Mean[c] = (1-bnMomentum)*l.Mean[c] + bnMomentum*mean[c]
		}
	}
	xhat := l.c.xhat[:rows*ch]
	// Per-channel scale and variance index (c % nv, hoisted out of the
	// loop over the batch).
	gam, inv := make([]float32, ch), make([]float32, ch)
	for c := range gam {
		gam[c], inv[c] = effGamma(l.Gamma[c%nv], shift), l.c.invstd[c%nv]
	}
	channelRanges(rows, ch, threads, func(c0, c1 int) {
		normCols(y[c0:], xhat[c0:], rows, ch, mean[c0:c1], inv[c0:], gam[c0:], l.Beta[c0:])
	})
}

// bnBackward turns dL/dy in d (rows x Out) into dL/dz in place and stores
// the gradients of Gamma and Beta. For shift-based batch norm the power-of-
// two approximations pass the gradient straight through. Threads as in
// bnForward.
func (l *Layer) bnBackward(d []float32, rows int, shift bool, threads int) {
	ch, nv := l.Out, len(l.Var)
	xhat := l.c.xhat[:rows*ch]
	sdy := make([]float64, ch)
	sdyx := make([]float64, ch)
	channelRanges(rows, ch, threads, func(c0, c1 int) {
		gradSumCols(d[c0:], xhat[c0:], rows, ch, sdy[c0:c1], sdyx[c0:c1])
	})
	clear(l.gG)
	for c := range sdy {
		l.gB[c] = float32(sdy[c])
		l.gG[c%nv] += float32(sdyx[c])
	}
	// Means over the set each statistic was taken on: per channel for the
	// mean, per variance group for the variance.
	vsum := make([]float64, nv)
	for c := range sdyx {
		vsum[c%nv] += sdyx[c]
	}
	count := float64(rows * ch / nv)
	// Per-channel factors, hoisted out of the loop over the batch.
	g, my, mx := make([]float64, ch), make([]float64, ch), make([]float64, ch)
	for c := range g {
		g[c] = float64(effGamma(l.Gamma[c%nv], shift)) * float64(l.c.invstd[c%nv])
		my[c], mx[c] = sdy[c]/float64(rows), vsum[c%nv]/count
	}
	channelRanges(rows, ch, threads, func(c0, c1 int) {
		gradCols(d[c0:], xhat[c0:], rows, ch, my[c0:c1], mx[c0:c1], g[c0:c1])
	})
}

// channelRanges runs f over channel ranges [c0, c1) covering [0, ch), on
// up to threads goroutines when the tensor (rows x ch) is large.
func channelRanges(rows, ch, threads int, f func(c0, c1 int)) {
	if threads <= 1 || ch < 2 || rows*ch < 1<<16 {
		f(0, ch)
		return
	}
	var wg sync.WaitGroup
	for _, r := range split(ch, 8, threads) {
		wg.Go(func() { f(r[0], r[1]) })
	}
	wg.Wait()
}
