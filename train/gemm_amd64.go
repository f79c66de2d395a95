package train

import "golang.org/x/sys/cpu"

// useAsm selects the AVX-512 micro-kernel when the CPU and OS support it;
// otherwise useAVX2 selects the AVX2+FMA one, which rounds as the AVX-512
// kernel does (fused multiply-adds in the same order). The AVX2 Adam update
// needs no FMA and is bit-identical to adamRangeGo as the AVX-512 one is.
var (
	useAsm  = cpu.X86.HasAVX512F
	useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// kernel12x32 is implemented in gemm_amd64.s.
//
//go:noescape
func kernel12x32(kc int, a, b, c *float32, ldc int, acc bool)

// kernel6x16 is implemented in gemm_avx2_amd64.s: one 6x16 quarter of the
// 12x32 micro-tile.
//
//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, acc bool)

// kernel6x16r is kernel6x16 for A packed by rows (gemm_avx2_amd64.s).
//
//go:noescape
func kernel6x16r(kc int, a, b, c *float32, ldc int, acc bool, lda int)

// rowwiseA reports whether packA packs A by rows (panel[r*kc+kk]) for
// kernelRows rather than interleaved (panel[kk*MR+r]): with the AVX2
// kernel, whose broadcasts can come from six row pointers, so that packing
// a row-major A or patch rows is a plain copy instead of a scatter.
func rowwiseA() bool { return useAVX2 && !useAsm && !noRowwiseA }

// noRowwiseA turns the row-wise packing off (tests).
var noRowwiseA bool

// kernelRows is kernel for an A panel packed by rows.
func kernelRows(kc int, a, b, c []float32, ldc int, acc bool) {
	if kc == 0 {
		kernelGo(kc, a, b, c, ldc, acc)
		return
	}
	_ = a[gemmMR*kc-1]
	_ = b[gemmNR*kc-1]
	_ = c[(gemmMR-1)*ldc+gemmNR-1]
	kernel6x16r(kc, &a[0], &b[0], &c[0], ldc, acc, kc)
	kernel6x16r(kc, &a[6*kc], &b[0], &c[6*ldc], ldc, acc, kc)
	kernel6x16r(kc, &a[0], &b[16], &c[16], ldc, acc, kc)
	kernel6x16r(kc, &a[6*kc], &b[16], &c[6*ldc+16], ldc, acc, kc)
}

// kernel runs the micro-kernel on packed panels a (MR x kc) and b (kc x NR)
// into c.
func kernel(kc int, a, b, c []float32, ldc int, acc bool) {
	if !useAsm && !useAVX2 || kc == 0 {
		kernelGo(kc, a, b, c, ldc, acc)
		return
	}
	_ = a[gemmMR*kc-1]
	_ = b[gemmNR*kc-1]
	_ = c[(gemmMR-1)*ldc+gemmNR-1]
	if useAsm {
		kernel12x32(kc, &a[0], &b[0], &c[0], ldc, acc)
		return
	}
	kernel6x16(kc, &a[0], &b[0], &c[0], ldc, acc)
	kernel6x16(kc, &a[6], &b[0], &c[6*ldc], ldc, acc)
	kernel6x16(kc, &a[0], &b[16], &c[16], ldc, acc)
	kernel6x16(kc, &a[6], &b[16], &c[6*ldc+16], ldc, acc)
}

// scatterF32 is implemented in scatter_amd64.s: dst[k*stride] = src[k]
// for k < n (n > 0).
//
//go:noescape
func scatterF32(dst, src *float32, n, stride int)

// addF32 is implemented in scatter_amd64.s: dst[i] += src[i] for i < n
// (AVX2).
//
//go:noescape
func addF32(dst, src *float32, n int)

// addTo adds src to dst elementwise (float32 adds).
func addTo(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	dst = dst[:len(src)]
	if useAVX2 || useAsm {
		addF32(&dst[0], &src[0], len(src))
		return
	}
	for j, v := range src {
		dst[j] += v
	}
}

// adamAVX512 is implemented in adam_amd64.s: the Adam update of n elements
// (a multiple of 16) with constants k = {b1, 1-b1, b2, 1-b2, lrt, eps, lo,
// hi}.
//
//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, k *[8]float32)

// adamAVX2 is adamAVX512 for n a multiple of 8, on AVX2.
//
//go:noescape
func adamAVX2(p, grad, m, v *float32, n int, k *[8]float32)

// adamVec runs the assembly Adam update on the longest prefix whose length
// is a multiple of 16 and returns that length (0 without AVX-512 or AVX2).
func adamVec(p, g, m, v []float32, k *[8]float32) int {
	n := len(p) &^ 15
	if !useAsm && !useAVX2 || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	if useAsm {
		adamAVX512(&p[0], &g[0], &m[0], &v[0], n, k)
	} else {
		adamAVX2(&p[0], &g[0], &m[0], &v[0], n, k)
	}
	return n
}
