package netlist

// fastSink says where a batch of entries' outputs go: entry j's packed
// threshold output starts at dst[base+j*stride] (plane q at +q*planeStride),
// or its class scores are scores[j]. Entry j's first element (in the layer's
// output, channel-fastest) is elem+j*elemStride: it indexes rec and the
// output offsets.
type fastSink struct {
	dst              []uint64
	base, stride     int
	planeStride      int
	scores           [][]int64
	rec              []int64 // accumulators of every element (Layers only), or nil
	elem, elemStride int
}

// run evaluates the layer and its consumer for nimg images: src holds the
// packed inputs (image b at b*in.stride()), dst receives the packed threshold
// outputs (image b at b*out.stride()), or res[b].Scores the scores. If rec is
// not nil (nimg == 1) it receives the accumulators.
func (s *fastMatrix) run(src, dst []uint64, nimg int, sc *fastScratch, res []Result, rec []int64) {
	if s.conv != nil {
		s.runConv(src, dst, nimg, sc, res, rec)
		return
	}
	sink := fastSink{dst: dst, stride: s.out.stride(), planeStride: s.out.planeWords(), rec: rec}
	if s.thrBits == 0 {
		sink.scores = sc.scores[:nimg]
		for b := 0; b < nimg; b++ {
			sink.scores[b] = res[b].Scores
		}
	}
	s.entries(src, s.in.stride(), nimg, sc, &sink)
}

// runConv gathers the windows of fastConvTile output pixels at a time into
// sc.col and evaluates them as entries.
func (s *fastMatrix) runConv(src, dst []uint64, nimg int, sc *fastScratch, res []Result, rec []int64) {
	if s.b8 != nil {
		s.runConv8(sc.px, dst, nimg, sc, res, rec)
		return
	}
	cv := s.conv
	npix := cv.outH * cv.outW
	colStride := len(s.x.c) * s.nw
	for b := 0; b < nimg; b++ {
		img := src[b*s.in.stride() : (b+1)*s.in.stride()]
		rw := s.rowWords(img, sc)
		for p0 := 0; p0 < npix; p0 += fastConvTile {
			p1 := min(p0+fastConvTile, npix)
			ne := p1 - p0
			sink := fastSink{dst: dst, base: b*s.out.stride() + p0*s.out.cw, stride: s.out.cw, planeStride: s.out.planeWords(),
				rec: rec, elem: p0 * s.rows, elemStride: s.rows}
			if s.thrBits == 0 {
				sink.scores = sc.scores[:ne]
			}
			for j := 0; j < ne; j++ {
				p := p0 + j
				if rw != nil {
					s.gatherRows(rw, img, p/cv.outW, p%cv.outW, sc.col[j*colStride:(j+1)*colStride])
				} else {
					s.gather(img, p/cv.outW, p%cv.outW, sc.col[j*colStride:(j+1)*colStride])
				}
				if s.thrBits == 0 {
					sink.scores[j] = res[b].Scores[p*s.rows : (p+1)*s.rows]
				}
			}
			s.entries(sc.col, colStride, ne, sc, &sink)
		}
	}
}

// gather packs output pixel (oh, ow)'s window into col: plane q at
// col[q*nw], element (k, c) at bit k*C + c. Each pixel chunk (C bits in cw
// words, unused bits zero) is shifted into place and ORed.
func (s *fastMatrix) gather(img []uint64, oh, ow int, col []uint64) {
	if s.in.chunks == 1 {
		s.gatherFlat(img, oh, ow, col)
		return
	}
	if s.in.chunk == 64*s.in.cw {
		s.gatherAligned(img, oh, ow, col)
		return
	}
	cv := s.conv
	cw, pw, nc := s.in.cw, s.in.planeWords(), s.in.chunk
	clear(col)
	for kh := 0; kh < cv.kh; kh++ {
		ih := oh*cv.stride - cv.pad.Top + kh
		for kw := 0; kw < cv.kw; kw++ {
			iw := ow*cv.stride - cv.pad.Left + kw
			off := (kh*cv.kw + kw) * nc
			inside := ih >= 0 && ih < cv.inH && iw >= 0 && iw < cv.inW
			for q := range s.x.c {
				var chunk []uint64
				if inside {
					o := q*pw + (ih*cv.inW+iw)*cw
					chunk = img[o : o+cw]
				} else {
					chunk = cv.padChunk[q*cw : (q+1)*cw]
				}
				orBits(col[q*s.nw:(q+1)*s.nw], chunk, off)
			}
		}
	}
}

// gatherAligned is gather for whole-word pixel chunks (C a multiple of 64):
// every kernel position starts on a word, and the positions of one kernel
// row that lie inside the input are one contiguous run of words.
func (s *fastMatrix) gatherAligned(img []uint64, oh, ow int, col []uint64) {
	cv := s.conv
	cw, pw := s.in.cw, s.in.planeWords()
	iw0 := ow*cv.stride - cv.pad.Left
	if ih0 := oh*cv.stride - cv.pad.Top; ih0 >= 0 && iw0 >= 0 && ih0+cv.kh <= cv.inH && iw0+cv.kw <= cv.inW {
		// Inside the input: kernel row kh is the run of kw*cw words at
		// pixel (ih0+kh, iw0).
		n, rs := cv.kw*cw, cv.inW*cw
		for q := range s.x.c {
			src, d := img[q*pw+(ih0*cv.inW+iw0)*cw:], col[q*s.nw:q*s.nw+cv.kh*n]
			for kh := 0; kh < cv.kh; kh++ {
				copyWords(d[kh*n:(kh+1)*n], src[kh*rs:kh*rs+n])
			}
		}
		return
	}
	lo, hi := max(0, -iw0), min(cv.kw, cv.inW-iw0) // kernel columns inside the input
	for kh := 0; kh < cv.kh; kh++ {
		ih := oh*cv.stride - cv.pad.Top + kh
		rowInside := ih >= 0 && ih < cv.inH
		for q := range s.x.c {
			d := col[q*s.nw+kh*cv.kw*cw : q*s.nw+(kh+1)*cv.kw*cw]
			pad := cv.padChunk[q*cw : (q+1)*cw]
			for kw := 0; kw < cv.kw; kw++ {
				if !rowInside || kw < lo || kw >= hi {
					copy(d[kw*cw:(kw+1)*cw], pad)
				}
			}
			if rowInside && lo < hi {
				o := q*pw + (ih*cv.inW+iw0+lo)*cw
				copy(d[lo*cw:hi*cw], img[o:o+(hi-lo)*cw])
			}
		}
	}
}

// gatherFlat is gather from a flat-packed input (the input image of a
// first convolution with few channels): the elements of one kernel row
// inside the input are one contiguous run of bits.
func (s *fastMatrix) gatherFlat(img []uint64, oh, ow int, col []uint64) {
	cv := s.conv
	c, pw := s.in.shape.C, s.in.planeWords()
	iw0 := ow*cv.stride - cv.pad.Left
	lo, hi := max(0, -iw0), min(cv.kw, cv.inW-iw0) // kernel columns inside the input
	clear(col)
	for kh := 0; kh < cv.kh; kh++ {
		ih := oh*cv.stride - cv.pad.Top + kh
		rowInside := ih >= 0 && ih < cv.inH
		for q := range s.x.c {
			d := col[q*s.nw : (q+1)*s.nw]
			for kw := 0; kw < cv.kw; kw++ {
				if !rowInside || kw < lo || kw >= hi {
					orBits(d, cv.padChunk[q*cv.padCW:(q+1)*cv.padCW], (kh*cv.kw+kw)*c)
				}
			}
			if rowInside && lo < hi {
				copyBits(d, (kh*cv.kw+lo)*c, img[q*pw:(q+1)*pw], (ih*cv.inW+iw0+lo)*c, (hi-lo)*c)
			}
		}
	}
}

// rowWords returns, if the layer's input is flat-packed and its window
// fits in one word per plane, the table of every input position's kernel
// row: word q*H*W+i holds the kw*C bits of plane q that start at element
// i*C (the run of one kernel row starting at pixel i). Otherwise it returns
// nil. The table lives in sc.rows.
func (s *fastMatrix) rowWords(img []uint64, sc *fastScratch) []uint64 {
	cv := s.conv
	if s.in.chunks != 1 || s.nw != 1 {
		return nil
	}
	c, pw, hw := s.in.shape.C, s.in.planeWords(), cv.inH*cv.inW
	need := len(s.x.c) * hw
	if cap(sc.rows) < need {
		sc.rows = make([]uint64, need)
	}
	rw := sc.rows[:need]
	mask := uint64(1)<<uint(cv.kw*c) - 1 // kw*C <= 64 (a shift by 64 gives all ones)
	for q := range s.x.c {
		plane, dst := img[q*pw:(q+1)*pw], rw[q*hw:(q+1)*hw]
		for i := range dst {
			so := i * c
			w, b := so>>6, uint(so&63)
			v := plane[w] >> b
			if b != 0 && w+1 < len(plane) {
				v |= plane[w+1] << (64 - b)
			}
			dst[i] = v & mask
		}
	}
	return rw
}

// gatherRows is gather from the table of rowWords for output pixel (oh,
// ow): the window's kernel rows are ORed side by side. A window reaching
// into the padding is gathered by gatherFlat.
func (s *fastMatrix) gatherRows(rw, img []uint64, oh, ow int, col []uint64) {
	cv := s.conv
	ih0, iw0 := oh*cv.stride-cv.pad.Top, ow*cv.stride-cv.pad.Left
	if ih0 < 0 || iw0 < 0 || ih0+cv.kh > cv.inH || iw0+cv.kw > cv.inW {
		s.gatherFlat(img, oh, ow, col)
		return
	}
	hw, n := cv.inH*cv.inW, uint(cv.kw*s.in.shape.C)
	i0 := ih0*cv.inW + iw0
	for q := range s.x.c {
		r := rw[q*hw+i0:]
		var w uint64
		for kh := 0; kh < cv.kh; kh++ {
			w |= r[kh*cv.inW] << (uint(kh) * n)
		}
		col[q] = w
	}
}

// copyWords copies src to dst (a few words: a loop, not a memmove call).
func copyWords(dst, src []uint64) {
	dst = dst[:len(src)]
	for i, w := range src {
		dst[i] = w
	}
}

// copyBits ORs the n bits of src starting at bit so into dst starting at bit
// do; the destination bits must be zero.
func copyBits(dst []uint64, do int, src []uint64, so, n int) {
	for n > 0 {
		k := min(n, 64)
		w, b := so>>6, uint(so&63)
		v := src[w] >> b
		if b != 0 && w+1 < len(src) {
			v |= src[w+1] << (64 - b)
		}
		if k < 64 {
			v &= 1<<uint(k) - 1
		}
		dw, db := do>>6, uint(do&63)
		dst[dw] |= v << db
		if db != 0 && dw+1 < len(dst) {
			dst[dw+1] |= v >> (64 - db)
		}
		so, do, n = so+k, do+k, n-k
	}
}

// orBits ORs the words of src into dst starting at bit off; the bits of src
// past the end of dst must be zero.
func orBits(dst, src []uint64, off int) {
	d, sh := off>>6, uint(off&63)
	if sh == 0 {
		for j, w := range src {
			dst[d+j] |= w
		}
		return
	}
	for j, w := range src {
		dst[d+j] |= w << sh
		if d+j+1 < len(dst) {
			dst[d+j+1] |= w >> (64 - sh)
		}
	}
}

// entries evaluates ne entries (entry j's plane q at src[j*st+q*nw]) and
// hands every row tile's accumulators to the sink.
func (s *fastMatrix) entries(src []uint64, st, ne int, sc *fastScratch, sink *fastSink) {
	corr := sc.corr[:ne]
	if !s.xor {
		// wc0 * sum_q xc[q]*popcount(plane q of the entry).
		for j := range corr {
			var c int64
			if s.wE.c0 != 0 {
				for q, cx := range s.x.c {
					c += cx * int64(fastPopcount(src[j*st+q*s.nw:j*st+(q+1)*s.nw]))
				}
				c *= s.wE.c0
			}
			corr[j] = c
		}
	}
	acc := sc.acc
	for o0 := 0; o0 < s.rows; o0 += fastTile {
		o1 := min(o0+fastTile, s.rows)
		if s.xor {
			s.dotsXor(sc.kern, src, st, ne, o0, o1, acc)
		} else {
			s.dotsPlanes(sc.kern, src, st, ne, o0, o1, corr, acc)
		}
		s.emit(acc, ne, o0, o1, sc, sink)
	}
}

// emit hands the accumulators of rows o0..o1 of ne entries (entry j's at
// acc[j*fastTile:]) to the sink: the threshold kernels, or the scores.
func (s *fastMatrix) emit(acc []int64, ne, o0, o1 int, sc *fastScratch, sink *fastSink) {
	if sink.rec != nil {
		for j := 0; j < ne; j++ {
			e := sink.elem + j*sink.elemStride
			copy(sink.rec[e+o0:e+o1], acc[j*fastTile:j*fastTile+o1-o0])
		}
	}
	switch {
	case s.thrBits == 1:
		sc.kern.binarize(acc, fastTile, ne, o1-o0, s.mask[o0:o1], s.u[o0:o1], sink.dst[sink.base:], sink.stride, o0/64)
	case s.thrBits > 1:
		sc.kern.quantize(acc, fastTile, ne, o0, o1-o0, s.kt, s.thrBits, sink.dst[sink.base:], sink.stride, sink.planeStride, o0/64)
	default:
		for j := 0; j < ne; j++ {
			a := acc[j*fastTile : j*fastTile+o1-o0]
			sco := sink.scores[j][o0:o1]
			e0 := sink.elem + j*sink.elemStride // the first element's class index
			for i, v := range a {
				sco[i] = v + s.offsets[e0+o0+i]
			}
		}
	}
}

// dotsXor computes acc[b*fastTile+o-o0] = n - 2*popcount(w_o ^ x_b) for
// rows o0..o1 and entries 0..nimg (x_b = src[b*st:], nw words), both
// operands bipolar single planes, with the tile kernel k.
func (s *fastMatrix) dotsXor(k *kernel, src []uint64, st int, nimg, o0, o1 int, acc []int64) {
	k.xor(s.km, o0, o1, src, st, nimg, int64(s.n), acc, fastTile)
}

// dotsPlanes computes the accumulators of rows o0..o1 for entries 0..nimg
// from the AND popcounts of every (weight plane, input plane) pair; plane q
// of entry b is src[b*st+q*nw:], corr[b] its correction term.
func (s *fastMatrix) dotsPlanes(k *kernel, src []uint64, st int, nimg, o0, o1 int, corr []int64, acc []int64) {
	nw, nq := s.nw, len(s.x.c)
	for b, c := range corr[:nimg] {
		a := acc[b*fastTile : b*fastTile+o1-o0]
		for i, rc := range s.rowConst[o0:o1] {
			a[i] = rc + c
		}
	}
	for p := range s.wE.c {
		for q := 0; q < nq; q++ {
			k.and(s.km, p, o0, o1, src[q*nw:], st, nimg, s.coef[p*nq+q], acc, fastTile)
		}
	}
}

// fastCountLE returns the number of elements of the ascending t that are
// <= v, where len(t) = 2*half-1 and half is a power of two, by a branch-free
// binary search.
func fastCountLE(t []int64, v int64, half int) int {
	n := 0
	for step := half; step > 0; step >>= 1 {
		// Add step if t[n+step-1] <= v, that is t[n+step-1]-v-1 < 0.
		le := int(uint64(t[n+step-1]-v-1) >> 63)
		n += step & -le
	}
	return n
}
