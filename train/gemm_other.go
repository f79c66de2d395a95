//go:build !amd64

package train

// useAsm and useAVX2 are false: only amd64 has assembly micro-kernels.
var useAsm, useAVX2 = false, false

func kernel(kc int, a, b, c []float32, ldc int, acc bool) { kernelGo(kc, a, b, c, ldc, acc) }

func adamVec(p, g, m, v []float32, k *[8]float32) int { return 0 }

func scatterF32(dst, src *float32, n, stride int) { panic("unreachable") }

// addTo adds src to dst elementwise (float32 adds).
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for j, v := range src {
		dst[j] += v
	}
}

func rowwiseA() bool { return false }

var noRowwiseA bool

func kernelRows(kc int, a, b, c []float32, ldc int, acc bool) { panic("unreachable") }
