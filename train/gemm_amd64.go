package train

import "golang.org/x/sys/cpu"

// useAsm selects the AVX-512 micro-kernel when the CPU and OS support it.
var useAsm = cpu.X86.HasAVX512F

// kernel12x32 is implemented in gemm_amd64.s.
//
//go:noescape
func kernel12x32(kc int, a, b, c *float32, ldc int, acc bool)

// kernel runs the micro-kernel on packed panels a (MR x kc) and b (kc x NR)
// into c.
func kernel(kc int, a, b, c []float32, ldc int, acc bool) {
	if !useAsm {
		kernelGo(kc, a, b, c, ldc, acc)
		return
	}
	_ = a[gemmMR*kc-1]
	_ = b[gemmNR*kc-1]
	_ = c[(gemmMR-1)*ldc+gemmNR-1]
	kernel12x32(kc, &a[0], &b[0], &c[0], ldc, acc)
}

// adamAVX512 is implemented in adam_amd64.s: the Adam update of n elements
// (a multiple of 16) with constants k = {b1, 1-b1, b2, 1-b2, lrt, eps, lo,
// hi}.
//
//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, k *[8]float32)

// adamVec runs the assembly Adam update on the longest prefix whose length
// is a multiple of 16 and returns that length (0 without AVX-512).
func adamVec(p, g, m, v []float32, k *[8]float32) int {
	n := len(p) &^ 15
	if !useAsm || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	adamAVX512(&p[0], &g[0], &m[0], &v[0], n, k)
	return n
}
