package train

import (
	"sync"
)

// matView is a strided, read-only view of a float32 matrix: element (i, j)
// is data[i*rs+j*cs]. Transposes are free: swap rs and cs.
//
// If patch is not nil the view is instead the im2col matrix of a batch of
// images (patch.go), offset by r0 rows and c0 columns, and data, rs and cs
// are unused: the packing routines read the patches from the images.
type matView struct {
	data   []float32
	rs, cs int
	patch  *patchView
	r0, c0 int
}

// rowMajor views data as a row-major matrix with cols columns.
func rowMajor(data []float32, cols int) matView { return matView{data: data, rs: cols, cs: 1} }

// transposed views a row-major matrix with cols columns as its transpose.
func transposed(data []float32, cols int) matView { return matView{data: data, rs: 1, cs: cols} }

// sub is the view starting at row i0 and column j0.
func (v matView) sub(i0, j0 int) matView {
	if v.patch != nil {
		v.r0, v.c0 = v.r0+i0, v.c0+j0
		return v
	}
	v.data = v.data[i0*v.rs+j0*v.cs:]
	return v
}

// Blocking of the GEMM (BLIS-style): a KC x NC block of B and an MC x KC
// block of A are packed into micro-panels of NR columns and MR rows that the
// micro-kernel streams through.
const (
	gemmMR = 12
	gemmNR = 32
	gemmKC = 256
	gemmMC = 10 * gemmMR
	gemmNC = 1024
)

// gemmWork holds one goroutine's packing buffers.
type gemmWork struct {
	a, b  []float32
	whole []float32 // all of a small B, packed (gemmTall)
	tile  [gemmMR * gemmNR]float32
}

var gemmPool = sync.Pool{New: func() any {
	return &gemmWork{a: make([]float32, gemmMC*gemmKC), b: make([]float32, gemmKC*gemmNC)}
}}

// gemm computes C = A·B, or C += A·B if acc, for an m x k matrix A, a k x n
// matrix B and an m x n row-major C with row stride ldc, on up to threads
// goroutines. Every element of C is summed in the same order whatever the
// thread count, so results do not depend on it.
func gemm(m, n, k int, a, b matView, c []float32, ldc int, acc bool, threads int) {
	if m == 0 || n == 0 {
		return
	}
	threads = max(1, threads)
	// Split C into column (or row) stripes aligned to the micro-tile.
	var jobs [][4]int // i0, i1, j0, j1
	if n >= 2*gemmNR*threads || m < 2*gemmMR*threads {
		for _, s := range split(n, gemmNR, threads) {
			jobs = append(jobs, [4]int{0, m, s[0], s[1]})
		}
	} else {
		for _, s := range split(m, gemmMR, threads) {
			jobs = append(jobs, [4]int{s[0], s[1], 0, n})
		}
	}
	if len(jobs) == 1 {
		gemmSerial(m, n, k, a, b, c, ldc, acc)
		return
	}
	var wg sync.WaitGroup
	for _, jb := range jobs {
		wg.Go(func() {
			i0, i1, j0, j1 := jb[0], jb[1], jb[2], jb[3]
			av, bv := a.sub(i0, 0), b.sub(0, j0)
			gemmSerial(i1-i0, j1-j0, k, av, bv, c[i0*ldc+j0:], ldc, acc)
		})
	}
	wg.Wait()
}

// split cuts [0, n) into at most parts ranges whose boundaries are
// multiples of align.
func split(n, align, parts int) [][2]int {
	blocks := (n + align - 1) / align
	parts = max(1, min(parts, blocks))
	var out [][2]int
	lo := 0
	for p := 0; p < parts; p++ {
		hi := min(n, (blocks*(p+1)/parts)*align)
		if hi > lo {
			out = append(out, [2]int{lo, hi})
		}
		lo = hi
	}
	return out
}

// gemmSerial is gemm on the calling goroutine.
func gemmSerial(m, n, k int, a, b matView, c []float32, ldc int, acc bool) {
	if k == 0 {
		if !acc {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	w := gemmPool.Get().(*gemmWork)
	defer gemmPool.Put(w)
	for jc := 0; jc < n; jc += gemmNC {
		nc := min(gemmNC, n-jc)
		if k*roundUp(nc, gemmNR) <= gemmWholeB {
			gemmTall(w, m, nc, k, a, b.sub(0, jc), c[jc:], ldc, acc)
			continue
		}
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			packB(w.b, b, pc, jc, kc, nc)
			accum := acc || pc > 0
			for ic := 0; ic < m; ic += gemmMC {
				mc := min(gemmMC, m-ic)
				rows := packA(w.a, a, ic, pc, mc, kc)
				gemmBlock(w.a, w.b, mc, nc, kc, c[ic*ldc+jc:], ldc, accum, rows, &w.tile)
			}
		}
	}
}

// gemmWholeB is the largest packed B (k x nc floats) that gemmTall keeps
// whole (4 MB; a variable for the tests).
var gemmWholeB = 1 << 20

// gemmTall is gemmSerial's loop for a B small enough to pack whole (a
// convolution's or dense layer's weights): B is packed once, and every
// MC-row block of C is finished over all of k before the next, so that it
// stays in cache instead of being streamed k/KC times (C is the large
// operand of the forward products). Every element of C is still summed
// KC block by KC block in k order, as in gemmSerial's other loop, so the
// results are the same bits.
func gemmTall(w *gemmWork, m, nc, k int, a, b matView, c []float32, ldc int, acc bool) {
	np := roundUp(nc, gemmNR)
	if len(w.whole) < k*np {
		w.whole = make([]float32, k*np)
	}
	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		packB(w.whole[pc*np:], b, pc, 0, kc, nc)
	}
	for ic := 0; ic < m; ic += gemmMC {
		mc := min(gemmMC, m-ic)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			rows := packA(w.a, a, ic, pc, mc, kc)
			gemmBlock(w.a, w.whole[pc*np:], mc, nc, kc, c[ic*ldc:], ldc, acc || pc > 0, rows, &w.tile)
		}
	}
}

func roundUp(n, a int) int { return (n + a - 1) / a * a }

// gemmBlock multiplies the packed mc x kc block of A (pa; packed by rows
// if rows) by the packed kc x nc block of B (pb) into C.
func gemmBlock(pa, pb []float32, mc, nc, kc int, c []float32, ldc int, acc, rows bool, tile *[gemmMR * gemmNR]float32) {
	for jr := 0; jr < nc; jr += gemmNR {
		nr := min(gemmNR, nc-jr)
		bp := pb[jr*kc : jr*kc+gemmNR*kc]
		for ir := 0; ir < mc; ir += gemmMR {
			mr := min(gemmMR, mc-ir)
			ap := pa[ir*kc : ir*kc+gemmMR*kc]
			kern := kernel
			if rows {
				kern = kernelRows
			}
			if mr == gemmMR && nr == gemmNR {
				kern(kc, ap, bp, c[ir*ldc+jr:], ldc, acc)
				continue
			}
			kern(kc, ap, bp, tile[:], gemmNR, false)
			for i := 0; i < mr; i++ {
				dst := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nr]
				src := tile[i*gemmNR : i*gemmNR+nr]
				if acc {
					for j := range dst {
						dst[j] += src[j]
					}
				} else {
					copy(dst, src)
				}
			}
		}
	}
}

// packA copies A[ic:ic+mc, pc:pc+kc] into micro-panels of MR rows: panel p
// holds, for each kk, the MR values A[ic+p*MR+r, pc+kk] (zero past mc).
//
// It reports whether it packed by rows instead (packARows): with the AVX2
// kernel, for every A but a transposed one (whose columns are contiguous,
// so that the interleaved panels are the plain copies).
func packA(dst []float32, a matView, ic, pc, mc, kc int) (byRows bool) {
	if rowwiseA() && (a.patch != nil || a.rs != 1) {
		packARows(dst, a, ic, pc, mc, kc)
		return true
	}
	for p := 0; p*gemmMR < mc; p++ {
		panel := dst[p*gemmMR*kc : (p+1)*gemmMR*kc]
		rows := min(gemmMR, mc-p*gemmMR)
		if rows < gemmMR {
			clear(panel)
		}
		if a.patch != nil {
			a.patch.packRows(panel, a.r0+ic+p*gemmMR, rows, a.c0+pc, kc)
			continue
		}
		if a.rs == 1 { // a transposed matrix: rows are contiguous per kk
			base := ic + p*gemmMR + pc*a.cs
			for kk := 0; kk < kc; kk++ {
				copy(panel[kk*gemmMR:kk*gemmMR+rows], a.data[base+kk*a.cs:base+kk*a.cs+rows])
			}
			continue
		}
		for r := 0; r < rows; r++ {
			base := (ic+p*gemmMR+r)*a.rs + pc*a.cs
			if a.cs == 1 {
				copyStrided(panel[r:], gemmMR, a.data[base:base+kc])
				continue
			}
			for kk := 0; kk < kc; kk++ {
				panel[kk*gemmMR+r] = a.data[base+kk*a.cs]
			}
		}
	}
	return false
}

// packARows is packA's row-wise layout (rowwiseA): panel p holds the rows
// A[ic+p*MR+r, pc:pc+kc] one after the other (zero rows past mc).
func packARows(dst []float32, a matView, ic, pc, mc, kc int) {
	for p := 0; p*gemmMR < mc; p++ {
		panel := dst[p*gemmMR*kc : (p+1)*gemmMR*kc]
		rows := min(gemmMR, mc-p*gemmMR)
		clear(panel[rows*kc:])
		i0 := ic + p*gemmMR
		switch {
		case a.patch != nil:
			for r := 0; r < rows; r++ {
				a.patch.row(panel[r*kc:(r+1)*kc], a.r0+i0+r, a.c0+pc)
			}
		case a.cs == 1:
			for r := 0; r < rows; r++ {
				base := (i0+r)*a.rs + pc
				copy(panel[r*kc:(r+1)*kc], a.data[base:base+kc])
			}
		default:
			for r := 0; r < rows; r++ {
				base := (i0+r)*a.rs + pc*a.cs
				for kk := 0; kk < kc; kk++ {
					panel[r*kc+kk] = a.data[base+kk*a.cs]
				}
			}
		}
	}
}

// packB copies B[pc:pc+kc, jc:jc+nc] into micro-panels of NR columns: panel
// q holds, for each kk, the NR values B[pc+kk, jc+q*NR+j] (zero past nc).
func packB(dst []float32, b matView, pc, jc, kc, nc int) {
	if b.patch != nil {
		for q := 0; q*gemmNR < nc; q++ {
			if nc-q*gemmNR < gemmNR {
				clear(dst[q*gemmNR*kc : (q+1)*gemmNR*kc])
			}
		}
		b.patch.packCols(dst, b.r0+pc, b.c0+jc, kc, nc)
		return
	}
	for q := 0; q*gemmNR < nc; q++ {
		panel := dst[q*gemmNR*kc : (q+1)*gemmNR*kc]
		cols := min(gemmNR, nc-q*gemmNR)
		if cols < gemmNR {
			clear(panel)
		}
		if b.cs == 1 {
			for kk := 0; kk < kc; kk++ {
				base := (pc+kk)*b.rs + jc + q*gemmNR
				copy(panel[kk*gemmNR:kk*gemmNR+cols], b.data[base:base+cols])
			}
			continue
		}
		for j := 0; j < cols; j++ {
			base := pc*b.rs + (jc+q*gemmNR+j)*b.cs
			if b.rs == 1 {
				src := b.data[base : base+kc]
				for kk, v := range src {
					panel[kk*gemmNR+j] = v
				}
				continue
			}
			for kk := 0; kk < kc; kk++ {
				panel[kk*gemmNR+j] = b.data[base+kk*b.rs]
			}
		}
	}
}

// kernelGo is the portable micro-kernel: C[MR x NR] (row stride ldc) =
// (acc ? C : 0) + A·B over kc packed steps.
func kernelGo(kc int, a, b, c []float32, ldc int, acc bool) {
	var t [gemmMR * gemmNR]float32
	for kk := 0; kk < kc; kk++ {
		ak := a[kk*gemmMR : kk*gemmMR+gemmMR]
		bk := b[kk*gemmNR : kk*gemmNR+gemmNR]
		for i, ai := range ak {
			ti := t[i*gemmNR : i*gemmNR+gemmNR]
			for j, bj := range bk {
				ti[j] += ai * bj
			}
		}
	}
	for i := 0; i < gemmMR; i++ {
		dst := c[i*ldc : i*ldc+gemmNR]
		src := t[i*gemmNR : i*gemmNR+gemmNR]
		if acc {
			for j := range dst {
				dst[j] += src[j]
			}
		} else {
			copy(dst, src)
		}
	}
}
