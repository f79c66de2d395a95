package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Layer is one dense layer with its batch norm. Hidden layers have per-
// channel batch norm followed by the activation quantizer; the output layer
// has batch norm with one shared scale (one Gamma, one running variance)
// and per-class shifts, so that it folds into integer offsets exactly (see
// docs/training.md). Layer is also the patch-wise dense view a convolution
// stage (Conv) runs its GEMM, batch norm and quantizer on.
type Layer struct {
	In, Out int
	WBits   int
	ABits   int // activation bits of a hidden layer; 0 for the output layer
	// InScale is the real value of one integer unit of the layer's input
	// (1 for bipolar values, 1/(2^k-1) for k-bit activations, 1/255 for
	// pixels).
	InScale float64
	W       []float32 // latent weights, Out rows of In, clipped to [-1, 1]
	Gamma   []float32 // batch-norm scale: Out values (hidden), 1 (output)
	Beta    []float32 // batch-norm shift: Out values
	Mean    []float64 // running mean of the pre-activation, Out values
	Var     []float64 // running variance: Out values (hidden), 1 (output)

	wq  []float32 // quantized weights (real values), refreshed every step
	gW  []float32 // gradients
	gG  []float32
	gB  []float32
	c   layerCache
	opt []*optimState // optimizer state of W, Gamma, Beta
	// stats, when set, accumulates the batch statistics of every
	// training forward pass (recomputing the running statistics, bnstats.go).
	stats *bnAccum
}

// layerCache holds one batch's forward values for the backward pass.
type layerCache struct {
	x       []float32 // input, batch x In (owned by the previous layer or the batch)
	xhat    []float32 // normalized pre-activation, batch x Out
	y       []float32 // batch-norm output, batch x Out
	a       []float32 // activation (hidden layers), batch x Out
	mask    []float32 // dropout multipliers on a (nil: no dropout)
	maskBuf []float32 // storage for mask, reused across steps
	invstd  []float32 // per channel (hidden) or 1 (output)
	dz      []float32 // gradient with respect to the pre-activation
}

// newDense returns a dense layer with weights uniform in [-1, 1], batch-
// norm scale 1 and shift 0: a hidden layer with abits-bit activations, or
// the output layer if abits is 0.
func newDense(in, out, wbits, abits int, inScale float64, rng *rand.Rand) *Layer {
	l := &Layer{In: in, Out: out, WBits: wbits, ABits: abits, InScale: inScale}
	nvar := 1
	l.Gamma = []float32{1}
	if abits > 0 {
		nvar = out
		l.Gamma = slices.Repeat([]float32{1}, out)
	}
	l.Beta = make([]float32, out)
	l.Mean = make([]float64, out)
	l.Var = slices.Repeat([]float64{1}, nvar)
	l.W = make([]float32, in*out)
	for j := range l.W {
		l.W[j] = float32(2*rng.Float64() - 1)
	}
	return l
}

// Hidden reports whether l is a hidden layer (not the output layer).
func (l *Layer) Hidden() bool { return l.ABits > 0 }

func (l *Layer) kind() string   { return "layer" }
func (l *Layer) outSize() int   { return l.Out }
func (l *Layer) store(m *Model) { m.Layers = append(m.Layers, l) }
func (l *Layer) norm() *Layer   { return l }

// prepare allocates the layer's gradients and, if missing, its optimizer
// state.
func (l *Layer) prepare() {
	l.wq = make([]float32, len(l.W))
	l.gW = make([]float32, len(l.W))
	l.gG = make([]float32, len(l.Gamma))
	l.gB = make([]float32, len(l.Beta))
	if l.opt == nil {
		l.opt = []*optimState{newOptimState(len(l.W)), newOptimState(len(l.Gamma)), newOptimState(len(l.Beta))}
	}
}

// check verifies that decoded parameters have consistent sizes.
func (l *Layer) check() bool {
	nvar := 1
	if l.Hidden() {
		nvar = l.Out
	}
	return l.In > 0 && l.Out > 0 && len(l.W) == l.In*l.Out && len(l.Gamma) == nvar &&
		len(l.Beta) == l.Out && len(l.Mean) == l.Out && len(l.Var) == nvar
}

// lrScale is the recipe's per-layer learning-rate scale on the weights,
// 1/sqrt(1.5/(fan_in+fan_out)).
func (l *Layer) lrScale() float64 { return 1 / math.Sqrt(1.5/float64(l.In+l.Out)) }

// quantizeWeights refreshes the quantized weights wq from W, on up to
// threads goroutines.
func (l *Layer) quantizeWeights(threads int) {
	parallelRange(len(l.W), threads, func(lo, hi int) { quantizeRange(l.wq[lo:hi], l.W[lo:hi], l.WBits) })
}

// ensureBuffers sizes the layer's batch buffers for rows rows.
func (l *Layer) ensureBuffers(rows int) {
	n := rows * l.Out
	l.c.y, l.c.xhat, l.c.a, l.c.dz = growF32(l.c.y, n), growF32(l.c.xhat, n), growF32(l.c.a, n), growF32(l.c.dz, n)
	l.c.invstd = growF32(l.c.invstd, len(l.Var))
}

// forwardTrain computes the batch-norm output of rows inputs x and, for a
// hidden layer, its activations with dropout; it returns the activations
// (hidden) or the batch-norm output (the output layer's scores).
func (l *Layer) forwardTrain(x []float32, rows int, cfg *Config, rng *rand.Rand) []float32 {
	th := cfg.threads()
	l.ensureBuffers(rows)
	l.quantizeWeights(th)
	l.forwardLinear(x, rows, th)
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
	return l.c.a
}

// outGrad is dL/da (hidden) or dL/dy (output), rows x Out.
func (l *Layer) outGrad() []float32 { return l.c.dz }

// backward propagates the gradient in c.dz through dropout, the
// quantizer's straight-through estimator (hidden layers) and batch norm to
// the weight and batch-norm gradients and, if dx is not nil, dL/dx.
func (l *Layer) backward(rows int, dx []float32, cfg *Config, rng *rand.Rand) {
	th := cfg.threads()
	d := l.c.dz[:rows*l.Out]
	if l.Hidden() {
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
	l.backwardLinear(d, rows, dx, th)
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

// update steps the weights with the per-layer scale and clipping to
// [-1, 1], the batch-norm parameters without. The output layer's shared
// scale is kept at least minOutGamma so that its folded form keeps the
// argmax (docs/training.md).
func (l *Layer) update(lr float64, cfg *Config) {
	l.step(lr, l.lrScale(), cfg)
	if !l.Hidden() {
		l.Gamma[0] = max(l.Gamma[0], minOutGamma)
	}
}

// step applies one optimizer step to W (learning rate lr*scale, clipped),
// Gamma and Beta (learning rate lr).
func (l *Layer) step(lr, scale float64, cfg *Config) {
	th := cfg.threads()
	l.opt[0].step(cfg.Optimizer, l.W, l.gW, lr*scale, true, th)
	l.opt[1].step(cfg.Optimizer, l.Gamma, l.gG, lr, false, th)
	l.opt[2].step(cfg.Optimizer, l.Beta, l.gB, lr, false, th)
}

// minOutGamma bounds the output layer's shared batch-norm scale from below.
const minOutGamma = 1e-3

// inference is the layer's inference form, named fc<k> (act<k>).
func (l *Layer) inference(k int, xmin, xmax int64, cfg *Config) infStage {
	f := newInfLayer(l, xmin, xmax, cfg.ShiftBN)
	f.index = k
	return f
}

func (l *Layer) clone() layer { return l.cloneLayer() }

// cloneLayer returns a copy of the layer's parameters.
func (l *Layer) cloneLayer() *Layer {
	return &Layer{
		In: l.In, Out: l.Out, WBits: l.WBits, ABits: l.ABits, InScale: l.InScale,
		W: slices.Clone(l.W), Gamma: slices.Clone(l.Gamma), Beta: slices.Clone(l.Beta),
		Mean: slices.Clone(l.Mean), Var: slices.Clone(l.Var),
	}
}

func (l *Layer) finite(k int) error { return l.finiteNamed(fmt.Sprintf("layer %d", k)) }

// finiteNamed returns an error naming the layer if a parameter or
// statistic is NaN or infinite.
func (l *Layer) finiteNamed(name string) error {
	for _, p := range [][]float32{l.W, l.Gamma, l.Beta} {
		for _, v := range p {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%s has a parameter %g", name, f)
			}
		}
	}
	for _, p := range [][]float64{l.Mean, l.Var} {
		for _, f := range p {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%s has a batch-norm statistic %g", name, f)
			}
		}
	}
	return nil
}

func (l *Layer) saveOpt(ck *checkpoint) { ck.Opt = append(ck.Opt, l.opt) }

func (l *Layer) loadOpt(ck *checkpoint, k int) bool {
	if k >= len(ck.Opt) || len(ck.Opt[k]) != 3 {
		return false
	}
	l.opt = ck.Opt[k]
	return true
}
