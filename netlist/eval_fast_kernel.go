package netlist

import "math/bits"

// The popcount kernels of Fast. Each applies one weight plane w to the
// planes of one or several images (each at least len(w) words long) and
// returns or accumulates the popcounts of the word-wise XOR or AND.
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

// xorAccImages sets acc[b*fastTile] = n - 2*popcount(w ^ x_b) for the nimg
// images x_b = x[b*st:].
//
//go:noinline
func xorAccImages(w, x []uint64, st, nimg int, n int64, acc []int64) {
	b := 0
	if fastPopcntCheap {
		for ; b+4 <= nimg; b += 4 {
			p0, p1, p2, p3 := xorPop4(w, x[b*st:], x[(b+1)*st:], x[(b+2)*st:], x[(b+3)*st:])
			acc[b*fastTile] = n - 2*int64(p0)
			acc[(b+1)*fastTile] = n - 2*int64(p1)
			acc[(b+2)*fastTile] = n - 2*int64(p2)
			acc[(b+3)*fastTile] = n - 2*int64(p3)
		}
	}
	for ; b < nimg; b++ {
		acc[b*fastTile] = n - 2*int64(xorPop1(w, x[b*st:]))
	}
}

// andAccImages adds c*popcount(w & x_b) to acc[b*fastTile] for the nimg
// images x_b = x[b*st:].
//
//go:noinline
func andAccImages(w, x []uint64, st, nimg int, c int64, acc []int64) {
	b := 0
	if fastPopcntCheap {
		for ; b+4 <= nimg; b += 4 {
			p0, p1, p2, p3 := andPop4(w, x[b*st:], x[(b+1)*st:], x[(b+2)*st:], x[(b+3)*st:])
			acc[b*fastTile] += c * int64(p0)
			acc[(b+1)*fastTile] += c * int64(p1)
			acc[(b+2)*fastTile] += c * int64(p2)
			acc[(b+3)*fastTile] += c * int64(p3)
		}
	}
	for ; b < nimg; b++ {
		acc[b*fastTile] += c * int64(andPop1(w, x[b*st:]))
	}
}
