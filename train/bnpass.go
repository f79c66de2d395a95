package train

// The batch-norm passes over a (rows x stride) tensor's channel range: each
// runs over rows rows of len(acc) (or len(mean)) channels starting at the
// slices' first element, the rows stride floats apart. Every channel's
// float64 sum runs over the rows in order, so splitting the channels (across
// goroutines, or between the AVX2 code and the Go tail) changes no bit.
// bnVec(n) is how many leading channels the AVX2 code takes (0 without it).

// sumCols: acc[c] += float64(y[b*stride+c]).
func sumCols(y []float32, rows, stride int, acc []float64) {
	n := len(acc)
	v := bnVec(n, rows, stride, len(y))
	if v > 0 {
		bnSumAVX2(&y[0], rows, stride, v, &acc[0])
	}
	for b := 0; b < rows; b++ {
		for c, x := range y[b*stride+v : b*stride+n] {
			acc[v+c] += float64(x)
		}
	}
}

// devCols: d = float64(y[b*stride+c]) - mean[c]; dev[c] += d*d.
func devCols(y []float32, rows, stride int, mean, dev []float64) {
	n := len(dev)
	mean = mean[:n]
	v := bnVec(n, rows, stride, len(y))
	if v > 0 {
		bnDevAVX2(&y[0], rows, stride, v, &mean[0], &dev[0])
	}
	for b := 0; b < rows; b++ {
		for c, x := range y[b*stride+v : b*stride+n] {
			d := float64(x) - mean[v+c]
			dev[v+c] += float64(d * d)
		}
	}
}

// normCols: xh = float32(float64(y) - mean[c]) * inv[c]; xhat = xh;
// y = gam[c]*xh + beta[c].
func normCols(y, xhat []float32, rows, stride int, mean []float64, inv, gam, beta []float32) {
	n := len(mean)
	inv, gam, beta = inv[:n], gam[:n], beta[:n]
	v := bnVec(n, rows, stride, min(len(y), len(xhat)))
	if v > 0 {
		bnNormAVX2(&y[0], &xhat[0], rows, stride, v, &mean[0], &inv[0], &gam[0], &beta[0])
	}
	for b := 0; b < rows; b++ {
		yb, xb := y[b*stride+v:b*stride+n], xhat[b*stride+v:b*stride+n]
		for j, x := range yb {
			c := v + j
			xh := float32(float64(x)-mean[c]) * inv[c]
			xb[j] = xh
			yb[j] = float32(gam[c]*xh) + beta[c]
		}
	}
}

// gradSumCols: sdy[c] += float64(d); sdyx[c] += float64(d) * float64(xhat).
func gradSumCols(d, xhat []float32, rows, stride int, sdy, sdyx []float64) {
	n := len(sdy)
	sdyx = sdyx[:n]
	v := bnVec(n, rows, stride, min(len(d), len(xhat)))
	if v > 0 {
		bnGradSumAVX2(&d[0], &xhat[0], rows, stride, v, &sdy[0], &sdyx[0])
	}
	for b := 0; b < rows; b++ {
		db, xb := d[b*stride+v:b*stride+n], xhat[b*stride+v:b*stride+n]
		for j, dv := range db {
			sdy[v+j] += float64(dv)
			sdyx[v+j] += float64(float64(dv) * float64(xb[j]))
		}
	}
}

// gradCols: d = float32(g[c] * ((float64(d) - my[c]) - float64(xhat)*mx[c])).
func gradCols(d, xhat []float32, rows, stride int, my, mx, g []float64) {
	n := len(g)
	my, mx = my[:n], mx[:n]
	v := bnVec(n, rows, stride, min(len(d), len(xhat)))
	if v > 0 {
		bnGradAVX2(&d[0], &xhat[0], rows, stride, v, &my[0], &mx[0], &g[0])
	}
	for b := 0; b < rows; b++ {
		db, xb := d[b*stride+v:b*stride+n], xhat[b*stride+v:b*stride+n]
		for j, dv := range db {
			c := v + j
			x := float64(dv) - my[c] - float64(float64(xb[j])*mx[c])
			db[j] = float32(g[c] * x)
		}
	}
}
