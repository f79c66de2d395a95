package netlist

import "math/bits"

// The popcount loops of the pure-Go kernel (goKernel, kernel.go). Each
// applies one weight plane w to the planes of one or several images (each
// at least len(w) words long) and returns the popcounts of the word-wise
// XOR or AND.
//
// With a cheap popcount instruction (fastPopcntCheap) four images share each
// load of w and keep four independent accumulators; with GOAMD64=v1, where
// every bits.OnesCount64 carries a CPU-feature check and a fallback call, the
// simplest one-image loop is fastest.

// xorPop1 returns popcount(w ^ x).
func xorPop1(w, x []uint64) int {
	x = x[:len(w)]
	n := 0
	for j, wj := range w {
		n += bits.OnesCount64(wj ^ x[j])
	}
	return n
}

// xorPop4 returns popcount(w ^ x_i) for four images.
func xorPop4(w, x0, x1, x2, x3 []uint64) (a0, a1, a2, a3 int) {
	n := len(w)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for j, wj := range w {
		a0 += bits.OnesCount64(wj ^ x0[j])
		a1 += bits.OnesCount64(wj ^ x1[j])
		a2 += bits.OnesCount64(wj ^ x2[j])
		a3 += bits.OnesCount64(wj ^ x3[j])
	}
	return
}

// andPop1 returns popcount(w & x).
func andPop1(w, x []uint64) int {
	x = x[:len(w)]
	n := 0
	for j, wj := range w {
		n += bits.OnesCount64(wj & x[j])
	}
	return n
}

// andPop4 returns popcount(w & x_i) for four images.
func andPop4(w, x0, x1, x2, x3 []uint64) (a0, a1, a2, a3 int) {
	n := len(w)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for j, wj := range w {
		a0 += bits.OnesCount64(wj & x0[j])
		a1 += bits.OnesCount64(wj & x1[j])
		a2 += bits.OnesCount64(wj & x2[j])
		a3 += bits.OnesCount64(wj & x3[j])
	}
	return
}
