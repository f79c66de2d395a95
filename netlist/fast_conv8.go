package netlist

import "fmt"

// The byte path of a convolution on 8-bit input pixels (the first layer of
// an image network: CNV's 3x3x3 windows). Instead of 8 bit-plane AND
// kernels over a gathered one-word window, the accumulators are direct dot
// products of the pixel bytes with the weights as signed bytes:
//
//	acc(f, pixel) = sum over kh, j < KW*InC of W(f, kh, j) * x[row(kh) + j]
//
// where row(kh) is the byte offset of the window's kernel row kh (KW*InC
// consecutive bytes of the channel-fastest image). A window inside the
// image is read in place; one reaching into the padding is first copied,
// with the pad value, into a small buffer.
//
// The vector kernels (VPMADDUBSW: unsigned pixel byte times signed weight
// byte, adjacent pairs summed into 16-bit lanes) accumulate in 16 bits, so
// the path is taken only when no partial sum can overflow: 255 times the
// largest sum of |w| over a row is at most conv8Limit. That holds for 1-bit
// weights up to 128 window elements and excludes most 8-bit-weight layers,
// which keep the bit-plane path.

// conv8Quad is the number of output channels one kernel call computes.
const conv8Quad = 32

// conv8Limit is the largest partial sum the 16-bit lanes hold.
const conv8Limit = 1<<15 - 1

// conv8Matrix is a convolution's weights for the byte kernels. Kernel row
// kh of the window is read as g groups of 4 bytes (the last group runs past
// the row's KW*InC bytes; the weights there are zero).
type conv8Matrix struct {
	kh, rowLen int // kernel rows, bytes per kernel row (KW*InC)
	g          int // 4-byte groups per kernel row
	rows       int // output channels
	quads      int // blocks of conv8Quad output channels
	// packed: weight (f = 32q+8v+c, kh, 4j+b) at ((q*kh+kh)*g+j)*128 +
	// v*32 + c*4 + b; channels past rows and bytes past rowLen are zero.
	packed []int8
	// rowMajor: the layer's weights, channel f's row at f*kh*rowLen.
	rowMajor []int8
}

// newConv8Matrix returns the byte-kernel form of l, or nil if the layer's
// weights could overflow the 16-bit lanes.
func newConv8Matrix(l *Conv2D) *conv8Matrix {
	for f := 0; f < l.OutC; f++ {
		var l1 int
		for _, w := range l.Row(f) {
			l1 += max(int(w), -int(w))
		}
		if 255*l1 > conv8Limit {
			return nil
		}
	}
	m := &conv8Matrix{kh: l.KH, rowLen: l.KW * l.InC, rows: l.OutC, rowMajor: l.Weights}
	m.g = (m.rowLen + 3) / 4
	m.quads = (l.OutC + conv8Quad - 1) / conv8Quad
	m.packed = make([]int8, m.quads*m.kh*m.g*4*conv8Quad)
	for f := 0; f < l.OutC; f++ {
		q, v, c := f/conv8Quad, f%conv8Quad/8, f%8
		for i := 0; i < m.kh; i++ {
			for j := 0; j < m.rowLen; j++ {
				at := ((q*m.kh+i)*m.g+j/4)*4*conv8Quad + v*32 + c*4 + j%4
				m.packed[at] = l.Weights[f*l.RowLen()+i*m.rowLen+j]
			}
		}
	}
	return m
}

// quad returns the packed weights of output channels 32q..32q+31.
func (m *conv8Matrix) quad(q int) []int8 { return m.packed[q*m.kh*m.g*4*conv8Quad:] }

// windowBytes is the number of bytes a kernel reads from an entry's
// first kernel row on, with kernel rows rstep bytes apart.
func (m *conv8Matrix) windowBytes(rstep int) int { return (m.kh-1)*rstep + 4*m.g }

// checkConv8 panics if a conv8 call would read or write out of bounds: the
// vector kernels do not check.
func checkConv8(m *conv8Matrix, q int, x []byte, x0, estep, rstep, nent int, acc []int64, ast int) {
	if q < 0 || q >= m.quads || x0 < 0 || estep < 0 || rstep < m.rowLen || nent < 0 || ast < conv8Quad ||
		(nent > 0 && (len(x) < x0+(nent-1)*estep+m.windowBytes(rstep) || len(acc) < (nent-1)*ast+conv8Quad)) {
		panic(fmt.Sprintf("netlist: conv8 quad %d of %d, %d entries at byte %d step %d row step %d in %d bytes, acc stride %d in %d",
			q, m.quads, nent, x0, estep, rstep, len(x), ast, len(acc)))
	}
}

// goConv8 is the pure-Go byte kernel: for entries e < nent, whose window's
// kernel row i starts at byte x0 + e*estep + i*rstep of x, it sets
// acc[e*ast+r] to the dot product of output channel 32q+r, for r < 32
// (0 for channels past the layer's).
func goConv8(m *conv8Matrix, q int, x []byte, x0, estep, rstep, nent int, acc []int64, ast int) {
	checkConv8(m, q, x, x0, estep, rstep, nent, acc, ast)
	n := m.kh * m.rowLen
	var buf [256]int32
	xw := buf[:0]
	if n > len(buf) {
		xw = make([]int32, 0, n)
	}
	for e := 0; e < nent; e++ {
		// The window's bytes, widened once for the 32 channels.
		xw = xw[:0]
		for i := 0; i < m.kh; i++ {
			for _, p := range x[x0+e*estep+i*rstep:][:m.rowLen] {
				xw = append(xw, int32(p))
			}
		}
		a := acc[e*ast : e*ast+conv8Quad]
		for r := range a {
			f := q*conv8Quad + r
			if f >= m.rows {
				a[r] = 0
				continue
			}
			a[r] = int64(dot8(m.rowMajor[f*n:(f+1)*n], xw))
		}
	}
}

// dot8 returns sum w[i]*x[i] (len(x) >= len(w)).
func dot8(w []int8, x []int32) int32 {
	x = x[:len(w)]
	var s0, s1 int32
	i := 0
	for ; i+2 <= len(w); i += 2 {
		s0 += int32(w[i]) * x[i]
		s1 += int32(w[i+1]) * x[i+1]
	}
	if i < len(w) {
		s0 += int32(w[i]) * x[i]
	}
	return s0 + s1
}

// runConv8 evaluates the layer on the raw pixels of nimg images in px,
// fastConvTile output pixels at a time, and hands the accumulators to the
// consumer as runConv does.
func (s *fastMatrix) runConv8(px []byte, dst []uint64, nimg int, sc *fastScratch, res []Result, rec []int64) {
	cv := s.conv
	npix := cv.outH * cv.outW
	size := cv.inH * cv.inW * s.in.shape.C
	for b := 0; b < nimg; b++ {
		for p0 := 0; p0 < npix; p0 += fastConvTile {
			p1 := min(p0+fastConvTile, npix)
			sink := fastSink{dst: dst, base: b*s.out.stride() + p0*s.out.cw, stride: s.out.cw, planeStride: s.out.planeWords(),
				rec: rec, elem: p0 * s.rows, elemStride: s.rows}
			if s.thrBits == 0 {
				sink.scores = sc.scores[:p1-p0]
				for j := range sink.scores {
					sink.scores[j] = res[b].Scores[(p0+j)*s.rows : (p0+j+1)*s.rows]
				}
			}
			for o0 := 0; o0 < s.rows; o0 += fastTile {
				o1 := min(o0+fastTile, s.rows)
				s.dots8(sc, px, b*size, p0, p1, o0, o1)
				s.emit(sc.acc, p1-p0, o0, o1, sc, &sink)
			}
		}
	}
}

// dots8 computes the accumulators of rows o0..o1 (o0 a multiple of
// fastTile) for output pixels p0..p1 of the image at byte img of px into
// sc.acc (entry j at j*fastTile). Runs of windows of one output row that
// lie inside the image are read in place, one kernel call per run and quad.
func (s *fastMatrix) dots8(sc *fastScratch, px []byte, img, p0, p1, o0, o1 int) {
	cv, m := s.conv, s.b8
	c := s.in.shape.C
	rstep, estep := cv.inW*c, cv.stride*c
	for p := p0; p < p1; {
		oh, ow := p/cv.outW, p%cv.outW
		ih0, iw0 := oh*cv.stride-cv.pad.Top, ow*cv.stride-cv.pad.Left
		x0 := img + (ih0*cv.inW+iw0)*c
		if ih0 < 0 || ih0+cv.kh > cv.inH || iw0 < 0 || iw0+cv.kw > cv.inW || x0+m.windowBytes(rstep) > len(px) {
			win := s.window8(px[img:img+cv.inH*rstep], ih0, iw0, sc)
			for q := o0 / conv8Quad; q*conv8Quad < o1; q++ {
				sc.kern.conv8(m, q, win, 0, 0, 4*m.g, 1, sc.acc[(p-p0)*fastTile+q*conv8Quad-o0:], fastTile)
			}
			p++
			continue
		}
		// The run: following windows of this output row inside the image
		// whose reads stay within px.
		n := 1
		for ; p+n < p1 && ow+n < cv.outW; n++ {
			iw := iw0 + n*cv.stride
			if iw+cv.kw > cv.inW || x0+n*estep+m.windowBytes(rstep) > len(px) {
				break
			}
		}
		for q := o0 / conv8Quad; q*conv8Quad < o1; q++ {
			sc.kern.conv8(m, q, px, x0, estep, rstep, n, sc.acc[(p-p0)*fastTile+q*conv8Quad-o0:], fastTile)
		}
		p += n
	}
}

// window8 copies the window whose top-left input pixel is (ih0, iw0) from
// the image img into sc.win8, kernel row i at byte i*4*g, with the pad
// value outside the image, and returns it.
func (s *fastMatrix) window8(img []byte, ih0, iw0 int, sc *fastScratch) []byte {
	cv, m := s.conv, s.b8
	c, rs := s.in.shape.C, 4*m.g
	if cap(sc.win8) < cv.kh*rs {
		sc.win8 = make([]byte, cv.kh*rs)
	}
	win := sc.win8[:cv.kh*rs]
	pad := byte(s.pad8)
	for i := 0; i < cv.kh; i++ {
		ih := ih0 + i
		row := win[i*rs : (i+1)*rs]
		for kw := 0; kw < cv.kw; kw++ {
			iw := iw0 + kw
			d := row[kw*c : (kw+1)*c]
			if ih < 0 || ih >= cv.inH || iw < 0 || iw >= cv.inW {
				for k := range d {
					d[k] = pad
				}
				continue
			}
			copy(d, img[(ih*cv.inW+iw)*c:])
		}
	}
	return win
}
