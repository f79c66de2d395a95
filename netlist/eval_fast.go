package netlist

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// Fast is a compiled, bit-packed form of a network for batched evaluation.
// It computes exactly what Reference computes, on every layer, but packs
// activations and weights into uint64 bit planes and evaluates dot products
// with population counts:
//
//   - 1-bit weights times 1-bit (bipolar) inputs: acc = In - 2*popcount(w XOR x).
//   - any other width: every operand is an affine combination of unsigned bit
//     planes (bipolar 2b-1; two's complement sum 2^j b_j with -2^(k-1) on the
//     sign plane; activation Base + sum 2^j b_j; pixel sum 2^j b_j), so the dot
//     product is a sum of coefficient*popcount(planeW AND planeX) plus
//     corrections from per-row and per-image plane popcounts and a constant.
//
// Images are evaluated in blocks, each weight row being applied to a whole
// block before the next row is loaded, and blocks are spread over goroutines.
// A Fast is immutable once built and safe for concurrent use.
type Fast struct {
	in        fastInput
	stages    []*fastDense // one per Dense layer, in order
	nLayers   int
	classes   int
	maxStride int // the largest per-image activation buffer, in words
	block     int // images per block
}

// fastInput packs the input pixels into bit planes.
type fastInput struct {
	name      string
	shape     Shape
	size      int
	bits      int // 1 or 8
	threshold int
	nw        int     // words per plane
	kern      *kernel // packs 1-bit pixels
}

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

// fastTile is the number of output rows computed before their accumulators
// are turned into activations: one 64-bit word of every output plane.
const fastTile = 64

// fastDense is one Dense layer together with the Threshold or Output layer
// that consumes its accumulators.
type fastDense struct {
	layer   int // index of the Dense layer in Network.Layers
	in, out int
	nw      int // words per input plane (and per weight plane)

	x   fastEnc // input encoding
	wE  fastEnc // weight encoding
	xor bool    // both operands bipolar: acc = In - 2*popcount(w^x)

	wStride  int               // words per weight row: len(wE.c)*nw
	w        []uint64          // Out rows of wStride words: plane p of row o at o*wStride+p*nw
	rowConst []int64           // In*wc0*xc0 + xc0*sum_p wc[p]*popcount(row plane p)
	coef     []int64           // wc[p]*xc[q] at p*len(x.c)+q
	km       *kernelMatrix     // w for the tile kernels
	kern     *kernel           // the tile kernels used
	kt       *kernelThresholds // t for the quantize kernels (thrBits > 1)

	// The consumer: a Threshold layer (thrBits > 0) or the Output layer.
	thrBits int     // output width; 0 for Output
	outEnc  fastEnc // encoding of the packed output (for thrBits > 0)
	outNW   int     // words per output plane
	tk      int     // thresholds per channel
	t       []int64 // thresholds, tk per channel
	rev     []bool  // reversed channels
	mask, u []int64 // 1-bit thresholds: bit = uint64(u-(acc^mask)) >> 63
	offsets []int64 // Output offsets
}

// NewFast validates n and compiles it for Fast evaluation. The Fast keeps no
// reference to n: later changes to n do not affect it.
func NewFast(n *Network) (*Fast, error) {
	if n == nil {
		return nil, fmt.Errorf("netlist: nil network")
	}
	if err := Validate(n); err != nil {
		return nil, err
	}
	in := n.InputLayer()
	f := &Fast{
		in: fastInput{
			name: in.Name, shape: in.Shape, size: in.Shape.Size(),
			bits: in.Bits, threshold: in.Threshold,
			nw: fastWords(in.Shape.Size()), kern: kernels[0],
		},
		nLayers: len(n.Layers),
	}
	var enc fastEnc
	if in.Bits == 1 {
		enc = bipolarEnc()
	} else {
		enc = unsignedEnc(0, 8)
	}
	f.maxStride = len(enc.c) * f.in.nw
	// A valid network is Input, (Dense, Threshold)*, Dense, Output.
	for li := 1; li < len(n.Layers); li += 2 {
		d, ok := n.Layers[li].(*Dense)
		if !ok || li+1 >= len(n.Layers) {
			return nil, fmt.Errorf("netlist: layer %d: fast evaluation wants a dense layer followed by a threshold or output layer", li)
		}
		s := newFastDense(li, d, enc)
		switch next := n.Layers[li+1].(type) {
		case *Threshold:
			s.setThreshold(next)
			enc = s.outEnc
			f.maxStride = max(f.maxStride, len(enc.c)*s.outNW)
		case *Output:
			if li+2 != len(n.Layers) {
				return nil, fmt.Errorf("netlist: layer %d: output layer is not last", li+1)
			}
			s.offsets = make([]int64, next.Classes)
			for c := range s.offsets {
				s.offsets[c] = next.Offset(c)
			}
			f.classes = next.Classes
		default:
			return nil, fmt.Errorf("netlist: layer %d: fast evaluation does not support a %q layer after a dense layer", li+1, n.Layers[li+1].Op())
		}
		f.stages = append(f.stages, s)
	}
	if f.classes == 0 {
		return nil, fmt.Errorf("netlist: network has no output layer")
	}
	// Keep each block's activation buffers small enough to stay in cache.
	f.block = max(1, min(fastMaxBlock, fastBlockWords/f.maxStride))
	return f, nil
}

// fastMaxBlock is the largest number of images evaluated together;
// fastBlockWords bounds the size of a block's activation buffer.
const (
	fastMaxBlock   = 32
	fastBlockWords = 1 << 14
)

func fastWords(n int) int { return (n + 63) / 64 }

func newFastDense(li int, d *Dense, x fastEnc) *fastDense {
	s := &fastDense{layer: li, in: d.In, out: d.Out, nw: fastWords(d.In), x: x}
	np := d.WeightBits
	if d.WeightBits == 1 {
		s.wE = bipolarEnc()
	} else {
		s.wE = unsignedEnc(0, np)
		s.wE.c[np-1] = -s.wE.c[np-1] // the sign plane weighs -2^(k-1)
	}
	s.xor = s.wE.bipolar() && x.bipolar()
	s.wStride = np * s.nw
	s.w = make([]uint64, d.Out*s.wStride)
	s.rowConst = make([]int64, d.Out)
	for o := 0; o < d.Out; o++ {
		row := s.w[o*s.wStride : (o+1)*s.wStride]
		for i, v := range d.Row(o) {
			var u uint64 // bit pattern of v's planes
			if d.WeightBits == 1 {
				if v > 0 {
					u = 1
				}
			} else {
				u = uint64(uint8(v))
			}
			for p := 0; p < np; p++ {
				row[p*s.nw+i>>6] |= (u >> p & 1) << (i & 63)
			}
		}
		rc := int64(d.In) * s.wE.c0 * x.c0
		for p := 0; p < np; p++ {
			rc += x.c0 * s.wE.c[p] * int64(fastPopcount(row[p*s.nw:(p+1)*s.nw]))
		}
		s.rowConst[o] = rc
	}
	s.km, s.kern = newKernelMatrix(s.w, d.Out, s.wStride, s.nw, np), kernels[0]
	s.coef = make([]int64, np*len(x.c))
	for p, cw := range s.wE.c {
		for q, cx := range x.c {
			s.coef[p*len(x.c)+q] = cw * cx
		}
	}
	return s
}

func (s *fastDense) setThreshold(t *Threshold) {
	s.thrBits = t.Bits
	s.outNW = fastWords(t.Channels)
	s.tk = t.PerChannel()
	s.t = append([]int64(nil), t.T...)
	s.rev = make([]bool, t.Channels)
	for c := range s.rev {
		s.rev[c] = t.IsReversed(c)
	}
	if t.Bits == 1 {
		s.outEnc = bipolarEnc()
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
	s.outEnc = unsignedEnc(int64(t.Base), t.Bits)
	s.kt = newKernelThresholds(s.t, s.rev, t.Channels, s.tk)
}

func fastPopcount(ws []uint64) int {
	n := 0
	for _, w := range ws {
		n += bits.OnesCount64(w)
	}
	return n
}

// InputSize is the number of bytes of one image.
func (f *Fast) InputSize() int { return f.in.size }

// Classes is the number of class scores per image.
func (f *Fast) Classes() int { return f.classes }

// fastScratch is one worker's buffers.
type fastScratch struct {
	a, b []uint64 // ping-pong activation buffers, block*maxStride words
	acc  []int64  // block*fastTile accumulators
	corr []int64  // per-image correction term
}

// newScratch returns buffers for blocks of up to min(count, f.block) images.
func (f *Fast) newScratch(count int) *fastScratch {
	bs := max(1, min(count, f.block))
	return &fastScratch{
		a:    make([]uint64, bs*f.maxStride),
		b:    make([]uint64, bs*f.maxStride),
		acc:  make([]int64, bs*fastTile),
		corr: make([]int64, bs),
	}
}

func (f *Fast) checkPixels(pixels []byte, count int) error {
	if f == nil {
		return fmt.Errorf("netlist: nil Fast")
	}
	if count < 0 {
		return fmt.Errorf("netlist: negative image count %d", count)
	}
	if size := f.in.size; len(pixels)%size != 0 || len(pixels)/size != count {
		return fmt.Errorf("netlist: input %q: got %d pixels for %d images, want %d images of %v = %d pixels", f.in.name, len(pixels), count, count, f.in.shape, size)
	}
	return nil
}

// Layers evaluates one image and returns every layer's output, exactly as
// Reference does: outs[i] is the output of Layers[i] of the network.
func (f *Fast) Layers(pixels []byte) ([][]int64, error) {
	if err := f.checkPixels(pixels, 1); err != nil {
		return nil, err
	}
	outs := make([][]int64, f.nLayers)
	sc := f.newScratch(1)
	res := []Result{{Scores: make([]int64, f.classes)}}
	f.runBlock(sc, pixels, 1, res, outs)
	return outs, nil
}

// Eval evaluates count images stored back to back in pixels (each
// InputSize() bytes) and returns one Result per image. The images are split
// into blocks evaluated by workers goroutines (runtime.GOMAXPROCS(0) if
// workers <= 0); the results do not depend on workers.
func (f *Fast) Eval(pixels []byte, count int, workers int) ([]Result, error) {
	if err := f.checkPixels(pixels, count); err != nil {
		return nil, err
	}
	res := make([]Result, count)
	scores := make([]int64, count*f.classes)
	for i := range res {
		res[i].Scores = scores[i*f.classes : (i+1)*f.classes : (i+1)*f.classes]
	}
	if count == 0 {
		return res, nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	bs, size := f.block, f.in.size
	nblocks := (count + bs - 1) / bs
	workers = min(workers, nblocks)
	work := func(sc *fastScratch, blk int) {
		i0 := blk * bs
		i1 := min(i0+bs, count)
		f.runBlock(sc, pixels[i0*size:i1*size], i1-i0, res[i0:i1], nil)
	}
	if workers == 1 {
		sc := f.newScratch(count)
		for blk := 0; blk < nblocks; blk++ {
			work(sc, blk)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				sc := f.newScratch(count)
				for {
					blk := int(next.Add(1) - 1)
					if blk >= nblocks {
						return
					}
					work(sc, blk)
				}
			})
		}
		wg.Wait()
	}
	for i := range res {
		res[i].Class = Argmax(res[i].Scores)
	}
	return res, nil
}

// Eval evaluates count images stored back to back in pixels on all cores;
// it is NewFast followed by Fast.Eval. It defines the network's function.
func Eval(n *Network, pixels []byte, count int) ([]Result, error) {
	f, err := NewFast(n)
	if err != nil {
		return nil, err
	}
	return f.Eval(pixels, count, 0)
}

// runBlock evaluates nimg <= f.block images and writes their scores into
// res[b].Scores. If outs is not nil (nimg == 1), it also records every
// layer's output there.
func (f *Fast) runBlock(sc *fastScratch, pixels []byte, nimg int, res []Result, outs [][]int64) {
	src, dst := sc.a, sc.b
	stride := f.in.pack(pixels, nimg, src)
	if outs != nil {
		enc := bipolarEnc()
		if f.in.bits == 8 {
			enc = unsignedEnc(0, 8)
		}
		outs[0] = fastDecode(src, f.in.nw, enc, f.in.size)
	}
	for _, s := range f.stages {
		var rec []int64
		if outs != nil {
			rec = make([]int64, s.out)
			outs[s.layer] = rec
		}
		dstStride := len(s.outEnc.c) * s.outNW
		s.run(src, stride, dst, dstStride, nimg, sc, res, rec)
		if outs != nil {
			if s.thrBits > 0 {
				outs[s.layer+1] = fastDecode(dst, s.outNW, s.outEnc, s.out)
			} else {
				outs[s.layer+1] = res[0].Scores
			}
		}
		src, dst = dst, src
		stride = dstStride
	}
}

// fastDecode returns the n integers encoded by the planes of one image.
func fastDecode(planes []uint64, nw int, enc fastEnc, n int) []int64 {
	v := make([]int64, n)
	for i := range v {
		x := enc.c0
		for q, c := range enc.c {
			x += c * int64(planes[q*nw+i>>6]>>(i&63)&1)
		}
		v[i] = x
	}
	return v
}

// pack writes the bit planes of nimg images into dst, image b's planes at
// b*stride, and returns stride.
func (in *fastInput) pack(pixels []byte, nimg int, dst []uint64) int {
	nw, size := in.nw, in.size
	if in.bits == 1 {
		in.kern.pack1(pixels, size, nimg, in.threshold, dst, nw)
		return nw
	}
	in.kern.pack8(pixels, size, nimg, dst, nw)
	return 8 * nw
}

// run evaluates the dense layer and its consumer for nimg images: src holds
// the packed inputs (image b at b*srcStride), dst receives the packed
// threshold outputs (image b at b*dstStride), or res[b].Scores the scores.
// If rec is not nil (nimg == 1) it receives the accumulators.
func (s *fastDense) run(src []uint64, srcStride int, dst []uint64, dstStride int, nimg int, sc *fastScratch, res []Result, rec []int64) {
	corr := sc.corr[:nimg]
	if !s.xor {
		// wc0 * sum_q xc[q]*popcount(plane q of the image).
		for b := range corr {
			var c int64
			if s.wE.c0 != 0 {
				for q, cx := range s.x.c {
					c += cx * int64(fastPopcount(src[b*srcStride+q*s.nw:b*srcStride+(q+1)*s.nw]))
				}
				c *= s.wE.c0
			}
			corr[b] = c
		}
	}
	acc := sc.acc
	for o0 := 0; o0 < s.out; o0 += fastTile {
		o1 := min(o0+fastTile, s.out)
		if s.xor {
			s.dotsXor(src, srcStride, nimg, o0, o1, acc)
		} else {
			s.dotsPlanes(src, srcStride, nimg, o0, o1, corr, acc)
		}
		if rec != nil {
			copy(rec[o0:o1], acc[:o1-o0])
		}
		switch {
		case s.thrBits == 1:
			s.binarize(acc, nimg, o0, o1, dst, dstStride)
		case s.thrBits > 1:
			s.quantize(acc, nimg, o0, o1, dst, dstStride)
		default:
			off := s.offsets[o0:o1]
			for b := 0; b < nimg; b++ {
				a := acc[b*fastTile : b*fastTile+len(off)]
				sco := res[b].Scores[o0:o1]
				for i, v := range a {
					sco[i] = v + off[i]
				}
			}
		}
	}
}

// dotsXor computes acc[b*fastTile+o-o0] = In - 2*popcount(w_o ^ x_b) for
// rows o0..o1 and images 0..nimg, both operands bipolar single planes.
func (s *fastDense) dotsXor(src []uint64, st int, nimg, o0, o1 int, acc []int64) {
	s.kern.xor(s.km, o0, o1, src, st, nimg, int64(s.in), acc, fastTile)
}

// dotsPlanes computes the accumulators of rows o0..o1 for images 0..nimg
// from the AND popcounts of every (weight plane, input plane) pair.
func (s *fastDense) dotsPlanes(src []uint64, st int, nimg, o0, o1 int, corr []int64, acc []int64) {
	nw, nq := s.nw, len(s.x.c)
	for b, c := range corr[:nimg] {
		a := acc[b*fastTile : b*fastTile+o1-o0]
		for i, rc := range s.rowConst[o0:o1] {
			a[i] = rc + c
		}
	}
	for p := range s.wE.c {
		for q := 0; q < nq; q++ {
			s.kern.and(s.km, p, o0, o1, src[q*nw:], st, nimg, s.coef[p*nq+q], acc, fastTile)
		}
	}
}

// binarize turns the accumulators of rows o0..o1 into one word of 1-bit
// activations per image.
func (s *fastDense) binarize(acc []int64, nimg, o0, o1 int, dst []uint64, dstStride int) {
	s.kern.binarize(acc, fastTile, nimg, o1-o0, s.mask[o0:o1], s.u[o0:o1], dst, dstStride, o0/64)
}

// quantize turns the accumulators of rows o0..o1 into one word of every
// level plane per image.
func (s *fastDense) quantize(acc []int64, nimg, o0, o1 int, dst []uint64, dstStride int) {
	s.kern.quantize(acc, fastTile, nimg, o0, o1-o0, s.kt, s.thrBits, dst, dstStride, s.outNW, o0/64)
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
