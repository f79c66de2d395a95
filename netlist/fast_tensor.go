package netlist

// fastEnc describes how a packed tensor's planes encode integers:
// value = c0 + sum_q c[q]*plane_q.
type fastEnc struct {
	c0 int64
	c  []int64
}

func bipolarEnc() fastEnc { return fastEnc{c0: -1, c: []int64{2}} }

func unsignedEnc(base int64, k int) fastEnc {
	e := fastEnc{c0: base, c: make([]int64, k)}
	for j := range e.c {
		e.c[j] = 1 << j
	}
	return e
}

func (e fastEnc) bipolar() bool { return e.c0 == -1 && len(e.c) == 1 && e.c[0] == 2 }

// bits returns the plane bits of value v (the inverse of the encoding).
func (e fastEnc) bits(v int64) uint64 {
	if e.bipolar() {
		if v > 0 {
			return 1
		}
		return 0
	}
	return uint64(v - e.c0)
}

// fastTensor describes how one image's tensor is packed into uint64 words.
// Elements, in storage order (h*W+w)*C+c, are cut into chunks of chunk
// consecutive elements; each chunk starts on a word boundary and takes cw
// words per plane, its unused high bits zero. Plane q of the image occupies
// words [q*planeWords(), (q+1)*planeWords()).
//
// Two layouts are used: pixel layout (chunk = C: one chunk per pixel, so a
// convolution window or pooling window is a set of whole chunks) and flat
// layout (one chunk of all elements, for the input of a dense layer).
type fastTensor struct {
	shape  Shape
	enc    fastEnc
	chunk  int // elements per chunk
	cw     int // words per chunk and plane
	chunks int
}

func pixelTensor(s Shape, enc fastEnc) fastTensor {
	return fastTensor{shape: s, enc: enc, chunk: s.C, cw: fastWords(s.C), chunks: s.H * s.W}
}

func flatTensor(s Shape, enc fastEnc) fastTensor {
	return fastTensor{shape: s, enc: enc, chunk: s.Size(), cw: fastWords(s.Size()), chunks: 1}
}

func fastWords(n int) int { return (n + 63) / 64 }

// planeWords is the number of words of one plane of one image.
func (t fastTensor) planeWords() int { return t.chunks * t.cw }

// stride is the number of words of one image.
func (t fastTensor) stride() int { return len(t.enc.c) * t.planeWords() }

// pos returns the word index within a plane and the bit of element e.
func (t fastTensor) pos(e int) (word int, bit uint) {
	ch, i := e/t.chunk, e%t.chunk
	return ch*t.cw + i>>6, uint(i & 63)
}

// decode returns the integers of one image's packed tensor.
func (t fastTensor) decode(planes []uint64) []int64 {
	n, pw := t.shape.Size(), t.planeWords()
	v := make([]int64, n)
	for e := range v {
		w, b := t.pos(e)
		x := t.enc.c0
		for q, c := range t.enc.c {
			x += c * int64(planes[q*pw+w]>>b&1)
		}
		v[e] = x
	}
	return v
}
