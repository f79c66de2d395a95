//go:build amd64 && !purego

package netlist

// Block sizes of the generated kernels (kernel_gen.go).
const (
	avx512Rows = 4 // groups of 8 rows
	avx512Ents = 6
	avx2Ents   = 3
)

var (
	avx512Kernel = &kernel{name: "avx512", xor: avx512XorTile, and: avx512AndTile, binarize: avx512Binarize, pack1: avx512Pack1, pack8: avx512Pack8, quantize: avx512Quantize, conv8: avx2Conv8}
	avx2Kernel   = &kernel{name: "avx2", xor: avx2XorTile, and: avx2AndTile, binarize: avx2Binarize, pack1: goPack1, pack8: goPack8, quantize: goQuantize, conv8: avx2Conv8}
)

// archKernels returns the vector kernels this CPU runs, fastest first.
func archKernels() []*kernel {
	f := detectCPU()
	var ks []*kernel
	if f.avx512 {
		ks = append(ks, avx512Kernel)
	}
	if f.avx2 {
		ks = append(ks, avx2Kernel)
	}
	return ks
}

func avx512XorTile(m *kernelMatrix, r0, r1 int, x []uint64, xst, nent int, n int64, acc []int64, ast int) {
	checkTile(m, 0, r0, r1, x, xst, nent, acc, ast)
	avx512Tile(false, m, 0, r0, r1, x, xst, nent, n, acc, ast)
}

func avx512AndTile(m *kernelMatrix, p, r0, r1 int, x []uint64, xst, nent int, c int64, acc []int64, ast int) {
	checkTile(m, p, r0, r1, x, xst, nent, acc, ast)
	avx512Tile(true, m, p, r0, r1, x, xst, nent, c, acc, ast)
}

// avx512Tile covers the tile with blocks of up to avx512Rows groups times
// avx512Ents entries; the last group's rows past r1 are masked off.
func avx512Tile(and bool, m *kernelMatrix, p, r0, r1 int, x []uint64, xst, nent int, n int64, acc []int64, ast int) {
	if nent == 0 || r0 == r1 {
		return
	}
	nw := m.nw
	gs := uintptr(nw * 64)
	g0, g1 := r0/8, (r1+7)/8
	for g := g0; g < g1; g += avx512Rows {
		R := min(avx512Rows, g1-g)
		last := uint64(1)<<(min(r1, (g+R)*8)-(g+R-1)*8) - 1
		w := &m.group(p, g)[0]
		for e := 0; e < nent; e += avx512Ents {
			E := min(avx512Ents, nent-e)
			xp, ap := &x[e*xst], &acc[e*ast+g*8-r0]
			if and {
				andAVX512(R, E, w, gs, xp, uintptr(xst*8), nw, n, ap, uintptr(ast*8), last)
			} else {
				xorAVX512(R, E, w, gs, xp, uintptr(xst*8), nw, n, ap, uintptr(ast*8), last)
			}
		}
	}
}

func avx2XorTile(m *kernelMatrix, r0, r1 int, x []uint64, xst, nent int, n int64, acc []int64, ast int) {
	checkTile(m, 0, r0, r1, x, xst, nent, acc, ast)
	avx2Tile(false, m, 0, r0, r1, x, xst, nent, n, acc, ast)
}

func avx2AndTile(m *kernelMatrix, p, r0, r1 int, x []uint64, xst, nent int, c int64, acc []int64, ast int) {
	checkTile(m, p, r0, r1, x, xst, nent, acc, ast)
	avx2Tile(true, m, p, r0, r1, x, xst, nent, c, acc, ast)
}

// avx2Tile covers the tile with blocks of one group times up to avx2Ents
// entries. An xor block of a whole group writes its accumulators in place;
// the others return popcounts, combined here.
func avx2Tile(and bool, m *kernelMatrix, p, r0, r1 int, x []uint64, xst, nent int, n int64, acc []int64, ast int) {
	if nent == 0 || r0 == r1 {
		return
	}
	var out [8 * avx2Ents]int64
	nw := m.nw
	for g := r0 / 8; g*8 < r1; g++ {
		rows := min(r1, g*8+8) - g*8
		w := &m.group(p, g)[0]
		for e := 0; e < nent; e += avx2Ents {
			E := min(avx2Ents, nent-e)
			if and {
				andAVX2(E, w, &x[e*xst], uintptr(xst*8), nw, 0, &out[0], 64)
				for i := 0; i < E; i++ {
					a, o := acc[(e+i)*ast+g*8-r0:][:rows], out[i*8:i*8+rows]
					for j, v := range o {
						a[j] += n * v
					}
				}
				continue
			}
			if rows == 8 {
				xorAVX2(E, w, &x[e*xst], uintptr(xst*8), nw, n, &acc[e*ast+g*8-r0], uintptr(ast*8))
				continue
			}
			xorAVX2(E, w, &x[e*xst], uintptr(xst*8), nw, n, &out[0], 64)
			for i := 0; i < E; i++ {
				copy(acc[(e+i)*ast+g*8-r0:][:rows], out[i*8:i*8+rows])
			}
		}
	}
}

//go:noescape
func binarizeAVX512(acc *int64, ast uintptr, nimg int, m *int64, u *int64, nv int, last uint64, dst *uint64, dstStride uintptr)

//go:noescape
func binarizeAVX2(acc *int64, ast uintptr, nimg int, m *int64, u *int64, nv int, dst *uint64, dstStride uintptr)

// avx2Binarize is goBinarize with VPCMPGTQ and VMOVMSKPD on 4 rows at a
// time; rows past the last multiple of 4 are added in Go.
func avx2Binarize(acc []int64, ast, nimg, rows int, m, u []int64, dst []uint64, dstStride, wi int) {
	checkBinarize(acc, ast, nimg, rows, m, u, dst, dstStride, wi)
	if nimg == 0 {
		return
	}
	nv := rows / 4
	binarizeAVX2(&acc[0], uintptr(ast*8), nimg, &m[0], &u[0], nv, &dst[wi], uintptr(dstStride*8))
	r0 := 4 * nv
	if r0 == rows {
		return
	}
	for b := 0; b < nimg; b++ {
		var word uint64
		for r := r0; r < rows; r++ {
			word |= uint64(u[r]-(acc[b*ast+r]^m[r])) >> 63 << r
		}
		dst[b*dstStride+wi] |= word
	}
}

//go:noescape
func pack1AVX512(px *byte, size int, nimg int, thr uint64, dst *uint64, nw int)

func avx512Binarize(acc []int64, ast, nimg, rows int, m, u []int64, dst []uint64, dstStride, wi int) {
	checkBinarize(acc, ast, nimg, rows, m, u, dst, dstStride, wi)
	if nimg == 0 {
		return
	}
	nv := (rows + 7) / 8
	last := uint64(1)<<(rows-8*(nv-1)) - 1
	binarizeAVX512(&acc[0], uintptr(ast*8), nimg, &m[0], &u[0], nv, last, &dst[wi], uintptr(dstStride*8))
}

func avx512Pack1(px []byte, size, nimg, threshold int, dst []uint64, nw int) {
	checkPack1(px, size, nimg, dst, nw)
	if nimg == 0 {
		return
	}
	if threshold > 255 { // no pixel reaches it
		clear(dst[:nimg*nw])
		return
	}
	pack1AVX512(&px[0], size, nimg, uint64(threshold), &dst[0], nw)
}

//go:noescape
func quantizeAVX512(acc *int64, ast uintptr, nimg int, tt *int64, k int, neg *int64, nv int, last uint64, nq int, dst *uint64, dstStride uintptr, planeStride uintptr)

// avx512QuantizeMaxK is the most thresholds per channel for which the
// linear count of the vector kernel beats goQuantize's binary search.
const avx512QuantizeMaxK = 31

func avx512Quantize(acc []int64, ast, nimg, c0, rows int, kt *kernelThresholds, nq int, dst []uint64, dstStride, planeStride, wi int) {
	if kt.k > avx512QuantizeMaxK {
		goQuantize(acc, ast, nimg, c0, rows, kt, nq, dst, dstStride, planeStride, wi)
		return
	}
	checkQuantize(acc, ast, nimg, c0, rows, kt, nq, dst, dstStride, planeStride, wi)
	if nimg == 0 {
		return
	}
	nv := (rows + 7) / 8
	last := uint64(1)<<(rows-8*(nv-1)) - 1
	quantizeAVX512(&acc[0], uintptr(ast*8), nimg, &kt.tt[c0*kt.k], kt.k, &kt.neg[c0], nv, last, nq, &dst[wi], uintptr(dstStride*8), uintptr(planeStride*8))
}

//go:noescape
func pack8AVX512(px *byte, size int, nimg int, dst *uint64, nw int)

func avx512Pack8(px []byte, size, nimg int, dst []uint64, nw int) {
	checkPack8(px, size, nimg, dst, nw)
	if nimg == 0 {
		return
	}
	pack8AVX512(&px[0], size, nimg, &dst[0], nw)
}
