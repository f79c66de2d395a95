package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
)

// Conv is one convolution stage: a KxK convolution over a (C,H,W) tensor
// stored channel-fastest, per-channel batch norm over every pixel of every
// image, an optional max-pool and the activation quantizer.
//
// The convolution is a dense layer over image patches (im2col): patch
// element (kh*K+kw)*InC+c is the input at kernel position (kh, kw), channel
// c, which is the netlist's weight order, so L's weight rows are the
// exported Conv2D rows as they are. L holds the weights and the batch norm
// and runs the GEMM, batch-norm and quantizer code of the dense layers on
// rows*OH*OW "rows" of patches.
//
// The pool is taken on the batch-norm output, before the quantizer. The
// quantizer is non-decreasing, so max(q(y)) = q(max(y)): the forward value
// is that of the netlist's Threshold followed by MaxPool, while the
// gradient goes to the largest pre-activation of each window rather than
// to the first of many tied quantized values.
type Conv struct {
	ConvShape
	// PadValue is the padding value in the real domain of the input: +1
	// for bipolar inputs (as Larq's one-padding), 0 for k-bit activations
	// (level 0) and for 8-bit pixels.
	PadValue float32
	L        *Layer

	x    []float32 // this batch's input (owned by the previous stage or the batch)
	dcol []float32 // gradient of the patches of a chunk of images per goroutine (inputGrad)
	yp   []float32 // pooled batch-norm output (nil without a pool)
	idx  []int32   // argmax of each pool window (index into L.c.y)
	a    []float32 // activations, rows x PH*PW*OutC
	da   []float32 // gradient of a, rows x PH*PW*OutC
	dy   []float32 // gradient of the batch-norm output, rows*OH*OW x OutC
}

// newConv returns a convolution stage with weights uniform in [-1, 1].
func newConv(g ConvShape, wbits, abits int, inScale float64, pad float32, rng *rand.Rand) *Conv {
	return &Conv{ConvShape: g, PadValue: pad, L: newDense(g.K*g.K*g.InC, g.Out, wbits, abits, inScale, rng)}
}

func (c *Conv) kind() string       { return "convolution" }
func (c *Conv) store(m *Model)     { m.Convs = append(m.Convs, c) }
func (c *Conv) prepare()           { c.L.prepare() }
func (c *Conv) outGrad() []float32 { return c.da }
func (c *Conv) norm() *Layer       { return c.L }

// update steps the weights with the convolution's learning-rate scale and
// the batch-norm parameters.
func (c *Conv) update(lr float64, cfg *Config) { c.L.step(lr, c.lrScale(), cfg) }

func (c *Conv) clone() layer {
	return &Conv{ConvShape: c.ConvShape, PadValue: c.PadValue, L: c.L.cloneLayer()}
}

func (c *Conv) finite(k int) error { return c.L.finiteNamed(fmt.Sprintf("convolution %d", k)) }

func (c *Conv) saveOpt(ck *checkpoint) { ck.ConvOpt = append(ck.ConvOpt, c.L.opt) }

func (c *Conv) loadOpt(ck *checkpoint, k int) bool {
	if k >= len(ck.ConvOpt) || len(ck.ConvOpt[k]) != 3 {
		return false
	}
	c.L.opt = ck.ConvOpt[k]
	return true
}

// check verifies a decoded stage against the shape and the values the
// configuration gives convolution i.
func (c *Conv) check(cfg *Config, i int, g ConvShape) bool {
	l := c.L
	return c.ConvShape == g && l != nil && l.In == c.K*c.K*c.InC && l.Out == c.Out &&
		len(l.W) == l.In*l.Out && len(l.Gamma) == l.Out && len(l.Beta) == l.Out &&
		len(l.Mean) == l.Out && len(l.Var) == l.Out && l.ABits == cfg.ABits && l.WBits == cfg.WBits &&
		l.InScale == convInScale(cfg, i) && c.PadValue == convPad(cfg, i)
}

// pixels is OH*OW, the number of output pixels per image.
func (c *Conv) pixels() int { return c.OH * c.OW }

// outSize is the number of values per image after the pool.
func (c *Conv) outSize() int { return c.PH * c.PW * c.Out }

// inSize is the number of values per input image.
func (c *Conv) inSize() int { return c.InH * c.InW * c.InC }

// lrScale is the Glorot-style learning-rate scale of BinaryNet's
// convolutions, 1/sqrt(1.5/(K*K*InC + K*K*OutC)).
func (c *Conv) lrScale() float64 {
	return 1 / math.Sqrt(1.5/float64(c.K*c.K*(c.InC+c.Out)))
}

// ensureBuffers sizes the stage's batch buffers for rows images.
func (c *Conv) ensureBuffers(rows int) {
	n := rows * c.pixels()
	l := c.L
	l.c.y, l.c.xhat = growF32(l.c.y, n*c.Out), growF32(l.c.xhat, n*c.Out)
	l.c.invstd = growF32(l.c.invstd, c.Out)
	c.dy = growF32(c.dy, n*c.Out)
	c.a = growF32(c.a, rows*c.outSize())
	c.da = growF32(c.da, rows*c.outSize())
	if c.Pool > 0 {
		c.yp = growF32(c.yp, rows*c.outSize())
		if cap(c.idx) < rows*c.outSize() {
			c.idx = make([]int32, rows*c.outSize())
		}
		c.idx = c.idx[:rows*c.outSize()]
	}
}

// forwardTrain runs the stage on rows input images x (rows x inSize) with
// batch statistics and returns the activations (rows x outSize).
func (c *Conv) forwardTrain(x []float32, rows int, cfg *Config, _ *rand.Rand) []float32 {
	th := cfg.threads()
	c.ensureBuffers(rows)
	l := c.L
	l.quantizeWeights(th)
	c.x = x
	n := rows * c.pixels()
	gemm(n, c.Out, l.In, patches(x, &c.ConvShape, c.PadValue), transposed(l.wq, l.In), l.c.y, c.Out, false, th)
	l.bnForward(rows*c.pixels(), cfg.ShiftBN, th)
	y := l.c.y[:n*c.Out]
	if c.Pool > 0 {
		in, out := c.pixels()*c.Out, c.outSize()
		parallelImages(rows, in, th, func(b int) {
			maxPoolForward(c.yp[b*out:(b+1)*out], c.idx[b*out:(b+1)*out], y[b*in:(b+1)*in], 1, c.OH, c.OW, c.Out, c.Pool)
			for i := range c.idx[b*out : (b+1)*out] {
				c.idx[b*out+i] += int32(b * in)
			}
		})
		y = c.yp
	}
	a := c.a[:rows*c.outSize()]
	parallelRange(len(a), th, func(lo, hi int) { activate(a[lo:hi], y[lo:hi], l.ABits) })
	return a
}

// backward turns dL/da in c.da into the weight and batch-norm gradients
// and, if dx is not nil, dL/dx (rows x inSize).
func (c *Conv) backward(rows int, dx []float32, cfg *Config, rng *rand.Rand) {
	th := cfg.threads()
	l := c.L
	n := rows * c.pixels()
	da := c.da[:rows*c.outSize()]
	dy := c.dy[:n*c.Out]
	if c.Pool > 0 {
		in, out := c.pixels()*c.Out, c.outSize()
		parallelImages(rows, in, th, func(b int) {
			activateGrad(da[b*out:(b+1)*out], c.yp[b*out:(b+1)*out], l.ABits)
			maxPoolBackward(dy[b*in:(b+1)*in], c.idx[b*out:(b+1)*out], da[b*out:(b+1)*out], b*in)
		})
	} else {
		y := l.c.y[:n*c.Out]
		parallelRange(len(dy), th, func(lo, hi int) {
			for i := lo; i < hi; i += 4096 { // a block stays in L1 between the two
				j := min(hi, i+4096)
				copy(dy[i:j], da[i:j])
				activateGrad(dy[i:j], y[i:j], l.ABits)
			}
		})
	}
	l.bnBackward(dy, n, cfg.ShiftBN, th)
	if cfg.GBits > 0 {
		quantizeGrad(dy, cfg.GBits, rng)
	}
	gemm(l.Out, l.In, n, transposed(dy, l.Out), patches(c.x, &c.ConvShape, c.PadValue), l.gW, l.In, false, th)
	if dx == nil {
		return
	}
	c.inputGrad(dx, dy, rows, th)
}

// inputGrad computes dL/dx (rows images) from dL/dz in dy: the patch
// gradient dy·Wq, summed back into dx by col2im. Chunks of images (about
// 2*MC patch rows) are done one at a time on each goroutine, so that the
// patch gradient stays in cache instead of being written out for the whole
// batch (it is K*K times the size of dx). Each element is the same sum
// either way, so the bits do not depend on the chunks or the threads.
func (c *Conv) inputGrad(dx, dy []float32, rows, threads int) {
	l := c.L
	px := c.pixels()
	chunk := max(1, min(rows, (2*gemmMC+px-1)/px))
	parts := split(rows, chunk, threads)
	if len(parts) < max(1, threads) { // small layers: parallel products instead
		c.dcol = growF32(c.dcol, rows*px*l.In)
		gemm(rows*px, l.In, l.Out, rowMajor(dy, l.Out), rowMajor(l.wq, l.In), c.dcol, l.In, false, threads)
		col2im(dx, c.dcol, rows, &c.ConvShape, threads)
		return
	}
	per := chunk * px * l.In
	c.dcol = growF32(c.dcol, len(parts)*per)
	var wg sync.WaitGroup
	for t, r := range parts {
		buf := c.dcol[t*per : (t+1)*per]
		wg.Go(func() {
			for b0 := r[0]; b0 < r[1]; b0 += chunk {
				nb := min(chunk, r[1]-b0)
				gemmSerial(nb*px, l.In, l.Out, rowMajor(dy[b0*px*l.Out:], l.Out), rowMajor(l.wq, l.In), buf, l.In, false)
				col2im(dx[b0*c.inSize():], buf, nb, &c.ConvShape, 1)
			}
		})
	}
	wg.Wait()
}

// im2col writes the patches (the matrix patchView reads on the fly; kept
// as its plain definition for the tests) of rows images x (each InH x InW x InC,
// channel-fastest) to col: one row of K*K*InC values per output pixel,
// (kh*K+kw)*InC+c within a row, pad outside the image.
func im2col(col, x []float32, rows int, g *ConvShape, pad float32, threads int) {
	rl := g.K * g.K * g.InC
	in := g.InH * g.InW * g.InC
	parallelImages(rows, g.OH*g.OW*rl, threads, func(b int) {
		xb := x[b*in : (b+1)*in]
		cb := col[b*g.OH*g.OW*rl : (b+1)*g.OH*g.OW*rl]
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				dst := cb[(oh*g.OW+ow)*rl : (oh*g.OW+ow+1)*rl]
				patch(dst, xb, g, oh, ow, pad)
			}
		}
	})
}

// patch writes one output pixel's patch.
func patch(dst, x []float32, g *ConvShape, oh, ow int, pad float32) {
	ic := g.InC
	seg := g.K * ic
	iw0 := ow*g.Stride - g.Pad
	for kh := 0; kh < g.K; kh++ {
		ih := oh*g.Stride - g.Pad + kh
		d := dst[kh*seg : (kh+1)*seg]
		switch {
		case ih < 0 || ih >= g.InH:
			fill(d, pad)
		case iw0 >= 0 && iw0+g.K <= g.InW:
			copy(d, x[(ih*g.InW+iw0)*ic:(ih*g.InW+iw0+g.K)*ic])
		default:
			for kw := 0; kw < g.K; kw++ {
				iw := iw0 + kw
				if iw < 0 || iw >= g.InW {
					fill(d[kw*ic:(kw+1)*ic], pad)
				} else {
					copy(d[kw*ic:(kw+1)*ic], x[(ih*g.InW+iw)*ic:(ih*g.InW+iw+1)*ic])
				}
			}
		}
	}
}

// col2im sums the patch gradients dcol back into the input gradient dx
// (the adjoint of im2col; padding positions are dropped).
func col2im(dx, dcol []float32, rows int, g *ConvShape, threads int) {
	rl := g.K * g.K * g.InC
	in := g.InH * g.InW * g.InC
	ic := g.InC
	parallelImages(rows, g.OH*g.OW*rl, threads, func(b int) {
		xb := dx[b*in : (b+1)*in]
		clear(xb)
		cb := dcol[b*g.OH*g.OW*rl : (b+1)*g.OH*g.OW*rl]
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				src := cb[(oh*g.OW+ow)*rl : (oh*g.OW+ow+1)*rl]
				for kh := 0; kh < g.K; kh++ {
					ih := oh*g.Stride - g.Pad + kh
					if ih < 0 || ih >= g.InH {
						continue
					}
					for kw := 0; kw < g.K; kw++ {
						iw := ow*g.Stride - g.Pad + kw
						if iw < 0 || iw >= g.InW {
							continue
						}
						addTo(xb[(ih*g.InW+iw)*ic:(ih*g.InW+iw+1)*ic], src[(kh*g.K+kw)*ic:(kh*g.K+kw+1)*ic])
					}
				}
			}
		}
	})
}

// parallelImages runs f for every image b < rows, on up to threads
// goroutines when the work (rows*per values) is large enough; every image
// is handled by one call, so results do not depend on threads.
func parallelImages(rows, per, threads int, f func(b int)) {
	run := func(lo, hi int) {
		for b := lo; b < hi; b++ {
			f(b)
		}
	}
	if threads <= 1 || rows < 2 || rows*per < 1<<15 {
		run(0, rows)
		return
	}
	var wg sync.WaitGroup
	for _, r := range split(rows, 1, threads) {
		wg.Go(func() { run(r[0], r[1]) })
	}
	wg.Wait()
}

func fill(d []float32, v float32) {
	for i := range d {
		d[i] = v
	}
}
