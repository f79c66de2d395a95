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
