package train

import (
	"math"
	"math/rand/v2"
)

// encodeInput writes the float model's view of images (pixels, back to
// back) into x: -1/+1 for binarized input (pixel >= threshold gives +1,
// exactly as netlist.Input), pixel/255 for 8-bit input. If ints, 8-bit
// pixels are written as the integers 0..255 instead (the inference path).
func encodeInput(x []float32, pixels []byte, cfg *Config, ints bool) {
	for i, p := range pixels {
		switch {
		case cfg.InputBits == 8 && ints:
			x[i] = float32(p)
		case cfg.InputBits == 8:
			x[i] = float32(p) / 255
		case int(p) >= cfg.InputThreshold:
			x[i] = 1
		default:
			x[i] = -1
		}
	}
}

// ensureBuffers sizes every layer's batch buffers for rows rows.
func (m *Model) ensureBuffers(rows int) {
	grow := growF32
	for _, l := range m.Layers {
		n := rows * l.Out
		l.c.y, l.c.xhat, l.c.a, l.c.dz = grow(l.c.y, n), grow(l.c.xhat, n), grow(l.c.a, n), grow(l.c.dz, n)
		l.c.invstd = grow(l.c.invstd, len(l.Var))
	}
}

// dropout draws a mask (0 or 1/(1-p)) for len(v) values and applies it to
// v. Each value takes 16 bits of a 64-bit random draw (four values per
// draw): it is dropped if those bits are below round(p * 65536), so the
// drop probability is p rounded to a multiple of 1/65536.
func dropout(v, mask []float32, p float64, rng *rand.Rand) {
	keep := float32(1 / (1 - p))
	thr := uint64(math.Round(p * 65536))
	mask = mask[:len(v)]
	var r uint64
	for i := range v {
		if i&3 == 0 {
			r = rng.Uint64()
		}
		k := keep
		if r&0xffff < thr {
			k = 0
		}
		r >>= 16
		mask[i] = k
		v[i] *= k
	}
}

// forwardTrain runs the training forward pass (batch statistics, dropout)
// on rows encoded inputs x and returns the output layer's scores.
func (m *Model) forwardTrain(x []float32, rows int, rng *rand.Rand) []float32 {
	cfg := &m.Cfg
	th := cfg.threads()
	m.ensureBuffers(rows)
	if cfg.DropIn > 0 {
		m.inMask = growF32(m.inMask, len(x))
		dropout(x, m.inMask, cfg.DropIn, rng)
	}
	in := x
	for _, c := range m.Convs {
		in = c.forwardTrain(in, rows, cfg)
	}
	for _, l := range m.Layers {
		l.quantizeWeights(th)
		l.forwardLinear(in, rows, th)
		l.bnForward(rows, cfg.ShiftBN, th)
		if !l.Hidden() {
			return l.c.y[:rows*l.Out]
		}
		activate(l.c.a, l.c.y, l.ABits)
		l.c.mask = nil
		if cfg.Drop > 0 {
			l.c.maskBuf = growF32(l.c.maskBuf, rows*l.Out)
			l.c.mask = l.c.maskBuf
			dropout(l.c.a[:rows*l.Out], l.c.mask, cfg.Drop, rng)
		}
		in = l.c.a
	}
	panic("unreachable: the last layer is the output layer")
}

// backward propagates dL/dy of the output layer (in its c.dz) down to every
// layer's weight and batch-norm gradients.
func (m *Model) backward(rows int, rng *rand.Rand) {
	cfg := &m.Cfg
	th := cfg.threads()
	for i := len(m.Layers) - 1; i >= 0; i-- {
		l := m.Layers[i]
		d := l.c.dz[:rows*l.Out]
		if l.Hidden() {
			// d holds dL/da: through dropout and the quantizer's STE.
			if l.c.mask != nil {
				for j, k := range l.c.mask {
					d[j] *= k
				}
			}
			activateGrad(d, l.c.y, l.ABits)
		}
		l.bnBackward(d, rows, cfg.ShiftBN, th)
		if cfg.GBits > 0 {
			quantizeGrad(d, cfg.GBits, rng)
		}
		var dx []float32
		switch {
		case i > 0:
			dx = m.Layers[i-1].c.dz
		case len(m.Convs) > 0:
			dx = m.Convs[len(m.Convs)-1].da
		}
		l.backwardLinear(d, rows, dx, th)
	}
	for i := len(m.Convs) - 1; i >= 0; i-- {
		var dx []float32
		if i > 0 {
			dx = m.Convs[i-1].da
		}
		m.Convs[i].backward(rows, dx, cfg, rng)
	}
}

// forwardLinear computes the pre-activations l.c.y = x·Wq^T for rows inputs.
func (l *Layer) forwardLinear(x []float32, rows, threads int) {
	l.c.x = x
	gemm(rows, l.Out, l.In, rowMajor(x, l.In), transposed(l.wq, l.In), l.c.y, l.Out, false, threads)
}

// backwardLinear turns dL/dz (rows x Out) into the weight gradient and, if
// dx is not nil, dL/dx (rows x In).
func (l *Layer) backwardLinear(d []float32, rows int, dx []float32, threads int) {
	gemm(l.Out, l.In, rows, transposed(d, l.Out), rowMajor(l.c.x, l.In), l.gW, l.In, false, threads)
	if dx != nil {
		gemm(rows, l.In, l.Out, rowMajor(d, l.Out), rowMajor(l.wq, l.In), dx, l.In, false, threads)
	}
}

// update applies one optimizer step at learning rate lr: the weights with
// the per-layer scale and clipping to [-1, 1], the batch-norm parameters
// without. The output layer's shared scale is kept at least minOutGamma so
// that its folded form keeps the argmax (docs/training.md).
func (m *Model) update(lr float64) {
	cfg := &m.Cfg
	th := cfg.threads()
	for _, c := range m.Convs {
		l := c.L
		l.opt[0].step(cfg.Optimizer, l.W, l.gW, lr*c.lrScale(), true, th)
		l.opt[1].step(cfg.Optimizer, l.Gamma, l.gG, lr, false, th)
		l.opt[2].step(cfg.Optimizer, l.Beta, l.gB, lr, false, th)
	}
	for _, l := range m.Layers {
		l.opt[0].step(cfg.Optimizer, l.W, l.gW, lr*l.lrScale(), true, th)
		l.opt[1].step(cfg.Optimizer, l.Gamma, l.gG, lr, false, th)
		l.opt[2].step(cfg.Optimizer, l.Beta, l.gB, lr, false, th)
		if !l.Hidden() {
			l.Gamma[0] = max(l.Gamma[0], minOutGamma)
		}
	}
}

// minOutGamma bounds the output layer's shared batch-norm scale from below.
const minOutGamma = 1e-3

// TrainStep runs one training step on rows images and their labels and
// returns the batch loss and the number of correct predictions.
func (m *Model) TrainStep(pixels []byte, labels []byte, rows int, lr float64, rng *rand.Rand, x []float32) (float64, int) {
	n := rows * m.Cfg.inputPixels()
	encodeInput(x[:n], pixels[:n], &m.Cfg, false)
	y := m.forwardTrain(x[:n], rows, rng)
	out := m.Layers[len(m.Layers)-1]
	loss, correct := lossGrad(m.Cfg.Loss, y, labels, rows, out.Out, out.c.dz)
	m.backward(rows, rng)
	m.update(lr)
	return loss, correct
}
