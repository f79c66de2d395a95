package netlist

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Fast is a compiled, bit-packed form of a network for batched evaluation.
// It computes exactly what Reference computes, on every layer, but packs
// activations and weights into uint64 bit planes and evaluates dot products
// with population counts:
//
//   - 1-bit weights times 1-bit (bipolar) inputs: acc = N - 2*popcount(w XOR x).
//   - any other width: every operand is an affine combination of unsigned bit
//     planes (bipolar 2b-1; two's complement sum 2^j b_j with -2^(k-1) on the
//     sign plane; activation Base + sum 2^j b_j; pixel sum 2^j b_j), so the dot
//     product is a sum of coefficient*popcount(planeW AND planeX) plus
//     corrections from per-row and per-entry plane popcounts and a constant.
//
// Tensors are packed along channels (one chunk of words per pixel; see
// fastTensor), so a convolution window is a set of whole chunks that are
// gathered (im2col) and multiplied like a dense input, and a max-pool is an
// OR (bipolar) or a bit-sliced maximum of chunks. A convolution on the 8-bit
// input pixels is instead a byte dot product of the raw pixels with the
// weights as signed bytes (fast_conv8.go). Images are evaluated in
// blocks, each weight row being applied to a whole block (or a tile of output
// pixels) before the next row is loaded, and blocks are spread over
// goroutines. A Fast is immutable once built and safe for concurrent use.
type Fast struct {
	in        *fastInput
	stages    []fastStage
	nLayers   int
	classes   int
	maxStride int  // the largest per-image packed tensor, in words
	maxCol    int  // the largest gathered convolution window, in words
	block     int  // images per block
	rawInput  bool // the first stage reads the raw pixels (conv8): no need to pack them
	kern      *kernel
}

// fastStage is one compiled stage: a matrix layer with its consumer, or a
// pool.
type fastStage interface {
	// exec evaluates nimg images from src into dst (or res); if outs is not
	// nil (nimg == 1) it records the outputs of the layers it covers.
	exec(src, dst []uint64, nimg int, sc *fastScratch, res []Result, outs [][]int64)
}

// fastCompiler carries the state of NewFast from layer to layer: each layer
// type's compileFast method (beside its stage) adds to it.
type fastCompiler struct {
	n    *Network
	li   int
	f    *Fast
	cur  fastTensor  // the packed form of the latest layer's output
	last *fastMatrix // the latest accumulating stage
}

func (c *fastCompiler) tensor(t fastTensor) {
	c.cur = t
	c.f.maxStride = max(c.f.maxStride, t.stride())
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
	if n.IsSequence() {
		return nil, fmt.Errorf("netlist: network %q is a sequence model (layer 0 is an embedding): evaluate it with NewFastSeq", n.Name)
	}
	f := &Fast{nLayers: len(n.Layers), kern: kernels[0]}
	c := &fastCompiler{n: n, f: f}
	for li, l := range n.Layers {
		c.li = li
		l.compileFast(c)
	}
	if f.classes == 0 || f.in == nil {
		return nil, fmt.Errorf("netlist: network has no input or output layer")
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

// compileFast packs the input flat (one run of bits) for a dense layer, and
// for a convolution whose pixels do not fill whole words (the 3 channels of
// an RGB image), where a kernel row is then one run of bits; otherwise one
// chunk per pixel.
func (l *Input) compileFast(c *fastCompiler) {
	var flat bool
	switch c.n.Layers[c.li+1].(type) {
	case *Dense:
		flat = true
	case *Conv2D:
		flat = l.Shape.C%64 != 0
	}
	c.f.in = newFastInput(l, flat)
	c.tensor(c.f.in.out)
}

func (l *Dense) compileFast(c *fastCompiler) {
	c.last = newFastDense(c.li, l, c.cur)
	c.f.stages = append(c.f.stages, c.last)
}

func (l *Conv2D) compileFast(c *fastCompiler) {
	c.last = newFastConv(c.li, l, c.cur)
	if in, ok := c.n.Layers[c.li-1].(*Input); ok && in.Bits == 8 {
		// The raw pixels: the byte kernels, if the weights fit their lanes.
		c.last.b8, c.last.pad8 = newConv8Matrix(l), l.PadValue
		c.f.rawInput = c.last.b8 != nil
	}
	c.f.maxCol = max(c.f.maxCol, len(c.last.x.c)*c.last.nw)
	c.f.stages = append(c.f.stages, c.last)
}

func (l *Threshold) compileFast(c *fastCompiler) {
	c.last.setThreshold(l)
	c.tensor(c.last.out)
}

func (l *Output) compileFast(c *fastCompiler) {
	c.last.setOutput(l)
	c.f.classes = l.Classes
}

func (l *MaxPool) compileFast(c *fastCompiler) {
	p := newFastPool(c.li, l, c.cur)
	c.f.stages = append(c.f.stages, p)
	c.tensor(p.out)
}

func (s *fastMatrix) exec(src, dst []uint64, nimg int, sc *fastScratch, res []Result, outs [][]int64) {
	var rec []int64
	if outs != nil {
		rec = make([]int64, s.outShape().Size())
		outs[s.layer] = rec
	}
	s.run(src, dst, nimg, sc, res, rec)
	if outs != nil {
		if s.thrBits > 0 {
			outs[s.layer+1] = s.out.decode(dst)
		} else {
			outs[s.layer+1] = res[0].Scores
		}
	}
}

func (s *fastPool) exec(src, dst []uint64, nimg int, _ *fastScratch, _ []Result, outs [][]int64) {
	s.run(src, dst, nimg)
	if outs != nil {
		outs[s.layer] = s.out.decode(dst)
	}
}

// InputSize is the number of bytes of one image.
func (f *Fast) InputSize() int { return f.in.out.shape.Size() }

// Classes is the number of class scores per image.
func (f *Fast) Classes() int { return f.classes }

// fastScratch is one worker's buffers.
type fastScratch struct {
	kern   *kernel
	a, b   []uint64 // ping-pong activation buffers, block*maxStride words
	acc    []int64  // entries*fastTile accumulators
	corr   []int64  // per-entry correction term
	scores [][]int64
	col    []uint64 // gathered convolution windows
	rows   []uint64 // kernel rows of a flat-packed convolution input (rowWords)
	px     []byte   // the raw pixels of the current block (for conv8)
	win8   []byte   // a window copied with its padding (conv8)
}

// newScratch returns buffers for blocks of up to min(count, f.block) images.
func (f *Fast) newScratch(count int) *fastScratch {
	bs := max(1, min(count, f.block))
	ne := bs
	if f.maxCol > 0 {
		ne = max(bs, fastConvTile)
	}
	return &fastScratch{
		kern:   f.kern,
		a:      make([]uint64, bs*f.maxStride),
		b:      make([]uint64, bs*f.maxStride),
		acc:    make([]int64, ne*fastTile),
		corr:   make([]int64, ne),
		scores: make([][]int64, ne),
		col:    make([]uint64, fastConvTile*f.maxCol),
	}
}

func (f *Fast) checkPixels(pixels []byte, count int) error {
	if f == nil {
		return fmt.Errorf("netlist: nil Fast")
	}
	if count < 0 {
		return fmt.Errorf("netlist: negative image count %d", count)
	}
	if size := f.InputSize(); len(pixels)%size != 0 || len(pixels)/size != count {
		return fmt.Errorf("netlist: input %q: got %d pixels for %d images, want %d images of %v = %d pixels", f.in.name, len(pixels), count, count, f.in.out.shape, size)
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
	bs, size := f.block, f.InputSize()
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
	sc.px = pixels
	if outs != nil || !f.rawInput {
		f.in.pack(sc.kern, pixels, nimg, src)
	}
	if outs != nil {
		outs[0] = f.in.out.decode(src)
	}
	for _, s := range f.stages {
		s.exec(src, dst, nimg, sc, res, outs)
		src, dst = dst, src
	}
}
