package netlist

// fastSink says where a batch of entries' outputs go: entry j's packed
// threshold output starts at dst[base[j]] (plane q at +q*planeStride), or its
// class scores are scores[j].
type fastSink struct {
	dst         []uint64
	base        []int
	planeStride int
	scores      [][]int64
	rec         []int64 // accumulators of every element (Layers only), or nil
	recBase     []int   // entry j's first element in rec
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
	sink := fastSink{dst: dst, base: sc.base[:nimg], planeStride: s.out.planeWords(), rec: rec, recBase: sc.recBase[:nimg]}
	if s.thrBits == 0 {
		sink.scores = sc.scores[:nimg]
	}
	for b := 0; b < nimg; b++ {
		sink.base[b] = b * s.out.stride()
		sink.recBase[b] = 0
		if s.thrBits == 0 {
			sink.scores[b] = res[b].Scores
		}
	}
	s.entries(src, s.in.stride(), nimg, sc, &sink)
}

// runConv gathers the windows of fastConvTile output pixels at a time into
// sc.col and evaluates them as entries.
func (s *fastMatrix) runConv(src, dst []uint64, nimg int, sc *fastScratch, res []Result, rec []int64) {
	cv := s.conv
	npix := cv.outH * cv.outW
	colStride := len(s.x.c) * s.nw
	for b := 0; b < nimg; b++ {
		img := src[b*s.in.stride() : (b+1)*s.in.stride()]
		for p0 := 0; p0 < npix; p0 += fastConvTile {
			p1 := min(p0+fastConvTile, npix)
			ne := p1 - p0
			sink := fastSink{dst: dst, base: sc.base[:ne], planeStride: s.out.planeWords(), rec: rec, recBase: sc.recBase[:ne]}
			if s.thrBits == 0 {
				sink.scores = sc.scores[:ne]
			}
			for j := 0; j < ne; j++ {
				p := p0 + j
				s.gather(img, p/cv.outW, p%cv.outW, sc.col[j*colStride:(j+1)*colStride])
				sink.base[j] = b*s.out.stride() + p*s.out.cw
				sink.recBase[j] = p * s.rows
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
			s.dotsXor(src, st, ne, o0, o1, acc)
		} else {
			s.dotsPlanes(src, st, ne, o0, o1, corr, acc)
		}
		if sink.rec != nil {
			for j := 0; j < ne; j++ {
				copy(sink.rec[sink.recBase[j]+o0:sink.recBase[j]+o1], acc[j*fastTile:j*fastTile+o1-o0])
			}
		}
		switch {
		case s.thrBits == 1:
			s.binarize(acc, ne, o0, o1, sink)
		case s.thrBits > 1:
			s.quantize(acc, ne, o0, o1, sink)
		default:
			for j := 0; j < ne; j++ {
				a := acc[j*fastTile : j*fastTile+o1-o0]
				sco := sink.scores[j][o0:o1]
				e0 := sink.recBase[j] // the first element's class index
				for i, v := range a {
					sco[i] = v + s.offsets[e0+o0+i]
				}
			}
		}
	}
}

// dotsXor computes acc[b*fastTile+o-o0] = n - 2*popcount(w_o ^ x_b) for
// rows o0..o1 and entries 0..nimg (x_b = src[b*st:], nw words), both
// operands bipolar single planes.
func (s *fastMatrix) dotsXor(src []uint64, st int, nimg, o0, o1 int, acc []int64) {
	nw, n := s.nw, int64(s.n)
	for o := o0; o < o1; o++ {
		xorAccImages(s.w[o*nw:(o+1)*nw], src, st, nimg, n, acc[o-o0:])
	}
}

// dotsPlanes computes the accumulators of rows o0..o1 for entries 0..nimg
// from the AND popcounts of every (weight plane, input plane) pair; plane q
// of entry b is src[b*st+q*nw:], corr[b] its correction term.
func (s *fastMatrix) dotsPlanes(src []uint64, st int, nimg, o0, o1 int, corr []int64, acc []int64) {
	nw, nq := s.nw, len(s.x.c)
	for o := o0; o < o1; o++ {
		row := s.w[o*s.wStride : (o+1)*s.wStride]
		rc := s.rowConst[o]
		a := acc[o-o0:]
		for b, c := range corr[:nimg] {
			a[b*fastTile] = rc + c
		}
		for p := range s.wE.c {
			wp := row[p*nw : (p+1)*nw]
			for q := 0; q < nq; q++ {
				andAccImages(wp, src[q*nw:], st, nimg, s.coef[p*nq+q], a)
			}
		}
	}
}

// binarize turns the accumulators of rows o0..o1 into one word of 1-bit
// activations per entry.
func (s *fastMatrix) binarize(acc []int64, ne, o0, o1 int, sink *fastSink) {
	m, u := s.mask[o0:o1], s.u[o0:o1]
	wi := o0 / 64
	for j := 0; j < ne; j++ {
		a := acc[j*fastTile : j*fastTile+len(m)]
		u := u[:len(a)]
		var word uint64
		for i, v := range a {
			word |= uint64(u[i]-(v^m[i])) >> 63 << (i & 63)
		}
		sink.dst[sink.base[j]+wi] = word
	}
}

// quantize turns the accumulators of rows o0..o1 into one word of every
// level plane per entry.
func (s *fastMatrix) quantize(acc []int64, ne, o0, o1 int, sink *fastSink) {
	k, nq := s.tk, s.thrBits
	half := (k + 1) / 2
	wi := o0 / 64
	for j := 0; j < ne; j++ {
		var planes [MaxActBits]uint64
		for i, v := range acc[j*fastTile : j*fastTile+o1-o0] {
			c := o0 + i
			t := s.t[c*k : (c+1)*k]
			var level int
			if s.rev[c] {
				level = k - fastCountLE(t, v-1, half) // thresholds >= v
			} else {
				level = fastCountLE(t, v, half) // thresholds <= v
			}
			for q := 0; q < nq; q++ {
				planes[q] |= uint64(level>>q&1) << (i & 63)
			}
		}
		for q := 0; q < nq; q++ {
			sink.dst[sink.base[j]+q*sink.planeStride+wi] = planes[q]
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
