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
	if cfg.DropIn > 0 {
		m.inMask = growF32(m.inMask, len(x))
		dropout(x, m.inMask, cfg.DropIn, rng)
	}
	in := x
	for _, l := range m.stack {
		in = l.forwardTrain(in, rows, cfg, rng)
	}
	return in
}

// backward propagates dL/dy of the output layer (in its outGrad) down to
// every layer's parameter gradients.
func (m *Model) backward(rows int, rng *rand.Rand) {
	for i := len(m.stack) - 1; i >= 0; i-- {
		var dx []float32
		if i > 0 {
			dx = m.stack[i-1].outGrad()
		}
		m.stack[i].backward(rows, dx, &m.Cfg, rng)
	}
}

// update applies one optimizer step at learning rate lr to every layer.
func (m *Model) update(lr float64) {
	for _, l := range m.stack {
		l.update(lr, &m.Cfg)
	}
}

// TrainStep runs one training step on rows images and their labels and
// returns the batch loss and the number of correct predictions.
func (m *Model) TrainStep(pixels []byte, labels []byte, rows int, lr float64, rng *rand.Rand, x []float32) (float64, int) {
	n := rows * m.Cfg.inputPixels()
	encodeInput(x[:n], pixels[:n], &m.Cfg, false)
	y := m.forwardTrain(x[:n], rows, rng)
	out := m.output()
	loss, correct := lossGrad(m.Cfg.Loss, y, labels, rows, out.outSize(), out.outGrad())
	m.backward(rows, rng)
	m.update(lr)
	return loss, correct
}
