package train

import "golang.org/x/sys/cpu"

// useBNAsm selects the AVX2 batch-norm passes (bn_amd64.s).
var useBNAsm = cpu.X86.HasAVX2

// bnVec is the number of leading channels (a multiple of 4) of an n-channel
// range the AVX2 passes take, 0 if they are off or the tensor (length
// size) is too short for rows rows of stride.
func bnVec(n, rows, stride, size int) int {
	v := n &^ 3
	if !useBNAsm || v == 0 || rows == 0 || size < (rows-1)*stride+n {
		return 0
	}
	return v
}

//go:noescape
func bnSumAVX2(y *float32, rows, stride, n int, acc *float64)

//go:noescape
func bnDevAVX2(y *float32, rows, stride, n int, mean, dev *float64)

//go:noescape
func bnNormAVX2(y, xhat *float32, rows, stride, n int, mean *float64, inv, gam, beta *float32)

//go:noescape
func bnGradSumAVX2(d, xhat *float32, rows, stride, n int, sdy, sdyx *float64)

//go:noescape
func bnGradAVX2(d, xhat *float32, rows, stride, n int, my, mx, gs *float64)
