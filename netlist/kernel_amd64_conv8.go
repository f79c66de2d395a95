//go:build amd64 && !purego

package netlist

// conv8AVX2 is the AVX2 byte kernel (kernel_amd64_conv8.s): 32 output
// channels of nent windows, two at a time, with the packed weights w of one
// quad (ng groups of 4 bytes per kernel row, kh kernel rows). Byte offsets:
// estep between windows, rstep between kernel rows; ast between the
// windows' accumulators.
//
//go:noescape
func conv8AVX2(w *int8, ng, kh int, x *byte, estep, rstep uintptr, nent int, acc *int64, ast uintptr)

// avx2Conv8 is goConv8 with VPMADDUBSW: 4 pixel bytes broadcast against 8
// channels' 4 weight bytes, pairs summed into 16-bit lanes, accumulated in
// 16 bits (newConv8Matrix guarantees no overflow), widened at the end with
// VPMADDWD (the two lanes of a channel) and VPMOVSXDQ. It runs on AVX2 and
// AVX-512 machines alike.
func avx2Conv8(m *conv8Matrix, q int, x []byte, x0, estep, rstep, nent int, acc []int64, ast int) {
	checkConv8(m, q, x, x0, estep, rstep, nent, acc, ast)
	if nent == 0 {
		return
	}
	conv8AVX2(&m.quad(q)[0], m.g, m.kh, &x[x0], uintptr(estep), uintptr(rstep), nent, &acc[0], uintptr(ast*8))
}
