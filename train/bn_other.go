//go:build !amd64

package train

// Only amd64 has the assembly batch-norm passes.
var useBNAsm = false

func bnVec(n, rows, stride, size int) int { return 0 }

func bnSumAVX2(y *float32, rows, stride, n int, acc *float64)            { panic("unreachable") }
func bnDevAVX2(y *float32, rows, stride, n int, mean, dev *float64)      { panic("unreachable") }
func bnGradSumAVX2(d, xhat *float32, rows, stride, n int, s, t *float64) { panic("unreachable") }
func bnGradAVX2(d, xhat *float32, rows, stride, n int, my, mx, gs *float64) {
	panic("unreachable")
}
func bnNormAVX2(y, xhat *float32, rows, stride, n int, mean *float64, inv, gam, beta *float32) {
	panic("unreachable")
}
