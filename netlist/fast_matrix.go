package netlist

import "math/bits"

// fastTile is the number of output rows computed before their accumulators
// are turned into activations: one 64-bit word of every output plane.
const fastTile = 64

// fastConvTile is the number of output pixels of one image whose windows
// are gathered (im2col) and evaluated together.
const fastConvTile = 32

// fastMatrix is one accumulating layer (Dense or Conv2D) together with the
// Threshold or Output layer that consumes its accumulators. Its dot products
// run over "entries": for a dense layer an entry is an image's packed input
// tensor; for a convolution an entry is one output pixel's window, gathered
// from the input tensor's pixel chunks (and the pad value's chunk) into
// KH*KW chunks per plane. Weight rows are packed exactly like an entry, with
// zero bits wherever the entry has unused bits, so popcounts see only real
// elements.
type fastMatrix struct {
	layer int // index of the accumulating layer in Network.Layers
	in    fastTensor
	out   fastTensor // the threshold output (pixel layout); its enc is unset for Output
	rows  int        // output channels
	n     int        // elements per dot product
	nw    int        // words per entry plane (and per weight plane)
	conv  *fastConv  // nil for a dense layer

	x   fastEnc // input encoding
	wE  fastEnc // weight encoding
	xor bool    // both operands bipolar: acc = n - 2*popcount(w^x)

	wStride  int               // words per weight row: len(wE.c)*nw
	w        []uint64          // rows of wStride words: plane p of row o at o*wStride+p*nw
	rowConst []int64           // n*wc0*xc0 + xc0*sum_p wc[p]*popcount(row plane p)
	coef     []int64           // wc[p]*xc[q] at p*len(x.c)+q
	km       *kernelMatrix     // w for the tile kernels
	b8       *conv8Matrix      // the byte path of a convolution on 8-bit pixels, or nil
	pad8     int64             // the pad value of the byte path
	kt       *kernelThresholds // t for the quantize kernels (thrBits > 1)

	// The consumer: a Threshold layer (thrBits > 0) or the Output layer.
	thrBits int
	tk      int     // thresholds per channel
	t       []int64 // thresholds, tk per channel
	rev     []bool  // reversed channels
	mask, u []int64 // 1-bit thresholds: bit = uint64(u-(acc^mask)) >> 63
	offsets []int64 // Output offsets, one per class (element)
}

// fastConv is the window geometry of a convolution.
type fastConv struct {
	kh, kw, stride int
	pad            Padding
	inH, inW       int
	outH, outW     int
	padChunk       []uint64 // the pad value's chunk: len(x.c) planes of padCW words
	padCW          int      // words of one pixel's channels, fastWords(InC)
}

func newFastMatrix(li int, rows, n int, wbits int, in fastTensor) *fastMatrix {
	s := &fastMatrix{layer: li, in: in, rows: rows, n: n, x: in.enc}
	if wbits == 1 {
		s.wE = bipolarEnc()
	} else {
		s.wE = unsignedEnc(0, wbits)
		s.wE.c[wbits-1] = -s.wE.c[wbits-1] // the sign plane weighs -2^(k-1)
	}
	s.xor = s.wE.bipolar() && s.x.bipolar()
	return s
}

// newFastDense packs a dense layer's weights in its input tensor's layout.
func newFastDense(li int, d *Dense, in fastTensor) *fastMatrix {
	s := newFastMatrix(li, d.Out, d.In, d.WeightBits, in)
	s.nw = in.planeWords()
	s.packWeights(d.WeightBits, d.Row, func(i int) (int, uint) { return in.pos(i) })
	return s
}

// newFastConv packs a convolution's weights in the window layout: the
// window's elements are packed tightly in row order, element (k, c) of
// kernel position k = kh*KW+kw at bit k*InC + c, so that a window of few
// channels (the first layer's 3) takes few words.
func newFastConv(li int, l *Conv2D, in fastTensor) *fastMatrix {
	s := newFastMatrix(li, l.OutC, l.RowLen(), l.WeightBits, in)
	s.nw = fastWords(l.RowLen())
	os := l.OutShape(in.shape.H, in.shape.W)
	s.conv = &fastConv{kh: l.KH, kw: l.KW, stride: l.Stride, pad: l.Pad,
		inH: in.shape.H, inW: in.shape.W, outH: os.H, outW: os.W}
	nq, pcw := len(s.x.c), fastWords(l.InC)
	s.conv.padCW = pcw
	s.conv.padChunk = make([]uint64, nq*pcw)
	pb := s.x.bits(l.PadValue)
	for q := 0; q < nq; q++ {
		if pb>>q&1 == 1 {
			for c := 0; c < l.InC; c++ {
				s.conv.padChunk[q*pcw+c>>6] |= 1 << uint(c&63)
			}
		}
	}
	s.packWeights(l.WeightBits, l.Row, func(i int) (int, uint) { return i >> 6, uint(i & 63) })
	return s
}

// packWeights fills w, rowConst and coef; pos maps a row element to its word
// and bit within a plane.
func (s *fastMatrix) packWeights(wbits int, row func(int) []int8, pos func(int) (int, uint)) {
	np := wbits
	s.wStride = np * s.nw
	s.w = make([]uint64, s.rows*s.wStride)
	s.rowConst = make([]int64, s.rows)
	for o := 0; o < s.rows; o++ {
		packed := s.w[o*s.wStride : (o+1)*s.wStride]
		for i, v := range row(o) {
			u := s.wE.bits(int64(v)) & (1<<np - 1)
			w, b := pos(i)
			for p := 0; p < np; p++ {
				packed[p*s.nw+w] |= (u >> p & 1) << b
			}
		}
		rc := int64(s.n) * s.wE.c0 * s.x.c0
		for p := 0; p < np; p++ {
			rc += s.x.c0 * s.wE.c[p] * int64(fastPopcount(packed[p*s.nw:(p+1)*s.nw]))
		}
		s.rowConst[o] = rc
	}
	s.km = newKernelMatrix(s.w, s.rows, s.wStride, s.nw, np)
	s.coef = make([]int64, np*len(s.x.c))
	for p, cw := range s.wE.c {
		for q, cx := range s.x.c {
			s.coef[p*len(s.x.c)+q] = cw * cx
		}
	}
}

// outShape is the accumulators' shape.
func (s *fastMatrix) outShape() Shape {
	if s.conv == nil {
		return Shape{C: s.rows, H: 1, W: 1}
	}
	return Shape{C: s.rows, H: s.conv.outH, W: s.conv.outW}
}

func (s *fastMatrix) setThreshold(t *Threshold) {
	s.thrBits = t.Bits
	s.tk = t.PerChannel()
	s.t = append([]int64(nil), t.T...)
	s.rev = make([]bool, t.Channels)
	for c := range s.rev {
		s.rev[c] = t.IsReversed(c)
	}
	if t.Bits == 1 {
		s.out = pixelTensor(s.outShape(), bipolarEnc())
		// acc >= T  <=>  (T-1) - acc < 0, and, as ^acc = -acc-1,
		// acc <= T  <=>  acc - (T+1) < 0  <=>  (-T-2) - ^acc < 0.
		s.mask = make([]int64, t.Channels)
		s.u = make([]int64, t.Channels)
		for c := range s.mask {
			th := s.t[c]
			if s.rev[c] {
				s.mask[c], s.u[c] = -1, -th-2
			} else {
				s.mask[c], s.u[c] = 0, th-1
			}
		}
		return
	}
	s.out = pixelTensor(s.outShape(), unsignedEnc(int64(t.Base), t.Bits))
	s.kt = newKernelThresholds(s.t, s.rev, t.Channels, s.tk)
}

func (s *fastMatrix) setOutput(o *Output) {
	s.offsets = make([]int64, o.Classes)
	for c := range s.offsets {
		s.offsets[c] = o.Offset(c)
	}
}

func fastPopcount(ws []uint64) int {
	n := 0
	for _, w := range ws {
		n += bits.OnesCount64(w)
	}
	return n
}
