package netlist

import "fmt"

//go:generate go run kernel_gen.go

// The popcount tile kernels of Fast. A tile is a range of rows of a
// bit-packed weight matrix applied to several entries (images of a dense
// layer; later (image, output pixel) rows of a convolution's im2col matrix):
//
//   - xor: acc[e*ast+r-r0] = n - 2*popcount(w_r ^ x_e), both operands
//     bipolar single planes of nw words (n is the dot-product length);
//   - and: acc[e*ast+r-r0] += c*popcount(w_{r,p} & x_e), for one weight
//     plane p and one input plane.
//
// Entry e's nw words are x[e*xst:]. Three implementations exist: AVX-512
// with VPOPCNTQ, AVX2 with a nibble-lookup popcount (VPSHUFB), and pure Go
// (the only one on other architectures and with the purego build tag);
// the vector kernels register-block several groups of 8 rows times several
// entries, so that each weight vector and each input word loaded is used
// many times. They read the weights in the interleaved layout of
// kernelMatrix.packed: one vector holds the same word of 8 consecutive rows.

// kernelMatrix is a bit-packed weight matrix in the two layouts the kernels
// read. It is immutable once built.
type kernelMatrix struct {
	rows, nw, planes int
	// rowMajor: plane p of row r is rowMajor[r*stride+p*nw:][:nw].
	rowMajor []uint64
	stride   int
	// packed: word k of plane p of row r = 8g+j is
	// packed[((p*groups+g)*nw+k)*8+j]; rows past the last are zero.
	packed []uint64
	groups int
}

// newKernelMatrix wraps the row-major planes w (plane p of row r at
// w[r*stride+p*nw:]) and builds the interleaved copy.
func newKernelMatrix(w []uint64, rows, stride, nw, planes int) *kernelMatrix {
	m := &kernelMatrix{rows: rows, nw: nw, planes: planes, rowMajor: w, stride: stride, groups: (rows + 7) / 8}
	m.packed = make([]uint64, planes*m.groups*nw*8)
	for p := 0; p < planes; p++ {
		for r := 0; r < rows; r++ {
			g, j := r/8, r%8
			base := (p*m.groups + g) * nw * 8
			for k := 0; k < nw; k++ {
				m.packed[base+k*8+j] = w[r*stride+p*nw+k]
			}
		}
	}
	return m
}

// group returns plane p's packed words from group g on.
func (m *kernelMatrix) group(p, g int) []uint64 { return m.packed[(p*m.groups+g)*m.nw*8:] }

// kernel is one implementation of the tile kernels. r0 must be a multiple
// of 8; x must hold (nent-1)*xst+nw words and acc (nent-1)*ast+r1-r0.
type kernel struct {
	name string
	xor  func(m *kernelMatrix, r0, r1 int, x []uint64, xst, nent int, n int64, acc []int64, ast int)
	and  func(m *kernelMatrix, p, r0, r1 int, x []uint64, xst, nent int, c int64, acc []int64, ast int)
	// binarize sets dst[e*dstStride+wi] for nimg entries to the 1-bit
	// activations of rows 0..rows (<= 64) of acc[e*ast:]: bit r is
	// (acc[r]^m[r]) > u[r] (fastDense.setThreshold); bits past rows are 0.
	binarize func(acc []int64, ast, nimg, rows int, m, u []int64, dst []uint64, dstStride, wi int)
	// pack1 binarizes nimg images of size pixels: bit i of word w of image
	// b, dst[b*nw+w], is px[b*size+64w+i] >= threshold (0..256).
	pack1 func(px []byte, size, nimg, threshold int, dst []uint64, nw int)
	// quantize writes the multi-bit activations of channels c0..c0+rows
	// (c0 a multiple of 8, rows <= 64): see goQuantize.
	// pack8 writes the 8 bit planes of nimg images of size 8-bit pixels:
	// plane j of image b is dst[b*8*nw+j*nw:][:nw].
	pack8    func(px []byte, size, nimg int, dst []uint64, nw int)
	quantize func(acc []int64, ast, nimg, c0, rows int, kt *kernelThresholds, nq int, dst []uint64, dstStride, planeStride, wi int)
	// conv8 computes 32 output channels of a convolution on 8-bit pixels
	// for nent windows read in place (see goConv8).
	conv8 func(m *conv8Matrix, q int, x []byte, x0, estep, rstep, nent int, acc []int64, ast int)
}

// goKernel is the pure-Go kernel, which reads the row-major layout.
var goKernel = &kernel{name: "go", xor: goXorTile, and: goAndTile, binarize: goBinarize, pack1: goPack1, pack8: goPack8, quantize: goQuantize, conv8: goConv8}

// kernels lists the kernels this CPU can run, fastest first.
var kernels = append(archKernels(), goKernel)

// Kernels returns the names of the popcount kernels this CPU can run,
// fastest first ("avx512", "avx2", "go"); Fast uses the first by default.
func Kernels() []string {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	return names
}

func kernelNamed(name string) (*kernel, error) {
	for _, k := range kernels {
		if k.name == name {
			return k, nil
		}
	}
	return nil, fmt.Errorf("netlist: kernel %q is not available on this CPU (available: %v)", name, Kernels())
}

// Kernel returns the name of the popcount kernel f uses.
func (f *Fast) Kernel() string { return f.kern.name }

// WithKernel returns a copy of f that evaluates with the named kernel (one
// of Kernels()); results are identical, only speed differs.
func (f *Fast) WithKernel(name string) (*Fast, error) {
	if f == nil {
		return nil, fmt.Errorf("netlist: nil Fast")
	}
	k, err := kernelNamed(name)
	if err != nil {
		return nil, err
	}
	g := *f
	g.kern = k
	return &g, nil
}

// checkTile panics if a tile call would read or write out of bounds: the
// vector kernels do not check.
func checkTile(m *kernelMatrix, p, r0, r1 int, x []uint64, xst, nent int, acc []int64, ast int) {
	if r0%8 != 0 || r0 < 0 || r1 > m.rows || r0 > r1 || p < 0 || p >= m.planes || nent < 0 ||
		(nent > 0 && (len(x) < (nent-1)*xst+m.nw || len(acc) < (nent-1)*ast+r1-r0)) {
		panic(fmt.Sprintf("netlist: tile rows %d..%d plane %d of %dx%dx%d, %d entries stride %d in %d words, acc stride %d in %d",
			r0, r1, p, m.rows, m.planes, m.nw, nent, xst, len(x), ast, len(acc)))
	}
}

func goXorTile(m *kernelMatrix, r0, r1 int, x []uint64, xst, nent int, n int64, acc []int64, ast int) {
	checkTile(m, 0, r0, r1, x, xst, nent, acc, ast)
	nw := m.nw
	for r := r0; r < r1; r++ {
		w := m.rowMajor[r*m.stride : r*m.stride+nw]
		a := acc[r-r0:]
		e := 0
		if fastPopcntCheap {
			for ; e+4 <= nent; e += 4 {
				p0, p1, p2, p3 := xorPop4(w, x[e*xst:], x[(e+1)*xst:], x[(e+2)*xst:], x[(e+3)*xst:])
				a[e*ast] = n - 2*int64(p0)
				a[(e+1)*ast] = n - 2*int64(p1)
				a[(e+2)*ast] = n - 2*int64(p2)
				a[(e+3)*ast] = n - 2*int64(p3)
			}
		}
		for ; e < nent; e++ {
			a[e*ast] = n - 2*int64(xorPop1(w, x[e*xst:]))
		}
	}
}

func goAndTile(m *kernelMatrix, p, r0, r1 int, x []uint64, xst, nent int, c int64, acc []int64, ast int) {
	checkTile(m, p, r0, r1, x, xst, nent, acc, ast)
	nw := m.nw
	for r := r0; r < r1; r++ {
		w := m.rowMajor[r*m.stride+p*nw : r*m.stride+(p+1)*nw]
		a := acc[r-r0:]
		e := 0
		if fastPopcntCheap {
			for ; e+4 <= nent; e += 4 {
				p0, p1, p2, p3 := andPop4(w, x[e*xst:], x[(e+1)*xst:], x[(e+2)*xst:], x[(e+3)*xst:])
				a[e*ast] += c * int64(p0)
				a[(e+1)*ast] += c * int64(p1)
				a[(e+2)*ast] += c * int64(p2)
				a[(e+3)*ast] += c * int64(p3)
			}
		}
		for ; e < nent; e++ {
			a[e*ast] += c * int64(andPop1(w, x[e*xst:]))
		}
	}
}

func checkBinarize(acc []int64, ast, nimg, rows int, m, u []int64, dst []uint64, dstStride, wi int) {
	if rows < 1 || rows > 64 || len(m) < rows || len(u) < rows || nimg < 0 || wi < 0 ||
		(nimg > 0 && (len(acc) < (nimg-1)*ast+rows || len(dst) < (nimg-1)*dstStride+wi+1)) {
		panic(fmt.Sprintf("netlist: binarize %d rows of %d entries (acc stride %d in %d, dst stride %d word %d in %d)",
			rows, nimg, ast, len(acc), dstStride, wi, len(dst)))
	}
}

func checkPack1(px []byte, size, nimg int, dst []uint64, nw int) {
	if nw != fastWords(size) || len(px) < nimg*size || len(dst) < nimg*nw {
		panic(fmt.Sprintf("netlist: pack %d images of %d pixels (%d) into %d words of %d", nimg, size, len(px), nw, len(dst)))
	}
}

func goBinarize(acc []int64, ast, nimg, rows int, m, u []int64, dst []uint64, dstStride, wi int) {
	checkBinarize(acc, ast, nimg, rows, m, u, dst, dstStride, wi)
	m, u = m[:rows], u[:rows]
	for b := 0; b < nimg; b++ {
		a := acc[b*ast : b*ast+rows]
		var word uint64
		for i, v := range a {
			word |= uint64(u[i]-(v^m[i])) >> 63 << (i & 63)
		}
		dst[b*dstStride+wi] = word
	}
}

func goPack1(px []byte, size, nimg, threshold int, dst []uint64, nw int) {
	checkPack1(px, size, nimg, dst, nw)
	thr := int64(threshold) - 1
	for b := 0; b < nimg; b++ {
		img := px[b*size : (b+1)*size]
		out := dst[b*nw : (b+1)*nw]
		for w := range out {
			chunk := img[w*64 : min(w*64+64, size)]
			var word uint64
			for i, p := range chunk {
				// p >= threshold  <=>  (threshold-1) - p < 0
				word |= uint64(thr-int64(p)) >> 63 << i
			}
			out[w] = word
		}
	}
}

func checkPack8(px []byte, size, nimg int, dst []uint64, nw int) {
	if nw != fastWords(size) || len(px) < nimg*size || len(dst) < nimg*8*nw {
		panic(fmt.Sprintf("netlist: pack %d images of %d pixels (%d) into %d planes of %d words in %d", nimg, size, len(px), 8, nw, len(dst)))
	}
}

func goPack8(pixels []byte, size, nimg int, dst []uint64, nw int) {
	checkPack8(pixels, size, nimg, dst, nw)
	stride := 8 * nw
	for b := 0; b < nimg; b++ {
		px := pixels[b*size : (b+1)*size]
		out := dst[b*stride : (b+1)*stride]
		for w := 0; w < nw; w++ {
			chunk := px[w*64 : min(w*64+64, size)]
			var planes [8]uint64
			i := 0
			for ; i+8 <= len(chunk); i += 8 {
				v := uint64(chunk[i]) | uint64(chunk[i+1])<<8 | uint64(chunk[i+2])<<16 | uint64(chunk[i+3])<<24 |
					uint64(chunk[i+4])<<32 | uint64(chunk[i+5])<<40 | uint64(chunk[i+6])<<48 | uint64(chunk[i+7])<<56
				for j := range planes {
					// Gather bit j of the 8 bytes into one byte.
					m := v >> j & 0x0101010101010101
					planes[j] |= (m * 0x0102040810204080 >> 56) << i
				}
			}
			for ; i < len(chunk); i++ {
				p := uint64(chunk[i])
				for j := range planes {
					planes[j] |= (p >> j & 1) << i
				}
			}
			for j, pl := range planes {
				out[j*nw+w] = pl
			}
		}
	}
}
