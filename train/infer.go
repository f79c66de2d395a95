package train

import (
	"math"
	"slices"

	"github.com/qnn-dev/qnn/netlist"
)

// Inference is a model's inference function: the "float (quantized-
// forward) model" whose decisions the exported netlist reproduces exactly.
// Accumulators are integers (products of integer weights and integer
// activations, summed exactly in float32 because every partial sum is below
// 2^24); each hidden channel maps its accumulator z through batch norm with
// the running statistics in float64 and the activation quantizer; the
// output layer adds integer offsets to its accumulators (the folded batch
// norm with its shared scale, rounded to integers; see docs/training.md).
type Inference struct {
	cfg    Config
	stages []infStage // one per layer of the model, the output layer (an *infLayer) last
}

// infLayer is the inference form of a dense layer (the patch-wise view of
// a convolution stage is one too).
type infLayer struct {
	index   int // among the dense layers: the netlist names fc<index>, act<index>
	in, out int
	wbits   int
	abits   int       // 0 for the output layer
	w       []int8    // integer weights, out x in
	wf      []float32 // the same as float32
	xmin    int64     // range of one input element
	xmax    int64
	sc      float64   // real value of one accumulator unit
	gamma   []float64 // hidden: effective batch-norm scale
	inv     []float64 // hidden: effective 1/sqrt(var + eps)
	mean    []float64
	beta    []float64
	offsets []int64   // output: integer class offsets
	rawOff  []float64 // output: offsets before rounding
}

// Inference returns the model's inference function (a snapshot: later
// training does not change it).
func (m *Model) Inference() *Inference {
	inf := &Inference{cfg: m.Cfg}
	xmin, xmax := int64(-1), int64(1)
	if m.Cfg.InputBits == 8 {
		xmin, xmax = 0, 255
	}
	m.eachLayer(func(l layer, k int) error {
		s := l.inference(k, xmin, xmax, &m.Cfg)
		inf.stages = append(inf.stages, s)
		xmin, xmax = s.actRange()
		return nil
	})
	return inf
}

// output is the output layer's inference form.
func (inf *Inference) output() *infLayer { return inf.stages[len(inf.stages)-1].(*infLayer) }

// newInfLayer is the inference form of a dense layer (or of a
// convolution's patch-wise dense view) whose input elements lie in
// [xmin, xmax].
func newInfLayer(l *Layer, xmin, xmax int64, shift bool) *infLayer {
	f := &infLayer{in: l.In, out: l.Out, wbits: l.WBits, abits: l.ABits, xmin: xmin, xmax: xmax,
		sc: l.InScale * weightScale(l.WBits), mean: slices.Clone(l.Mean)}
	f.w = make([]int8, len(l.W))
	f.wf = make([]float32, len(l.W))
	for i, w := range l.W {
		f.w[i] = weightInt(w, l.WBits)
		f.wf[i] = float32(f.w[i])
	}
	f.beta = make([]float64, l.Out)
	for c, b := range l.Beta {
		f.beta[c] = float64(b)
	}
	if !l.Hidden() {
		f.outputOffsets(float64(effGamma(l.Gamma[0], shift)), invStd(l.Var[0], shift))
		return f
	}
	f.gamma = make([]float64, l.Out)
	f.inv = make([]float64, l.Out)
	for c := range f.gamma {
		f.gamma[c] = float64(effGamma(l.Gamma[c], shift))
		f.inv[c] = invStd(l.Var[c], shift)
	}
	return f
}

// actRange is the range of the integer values a hidden layer's
// activations take.
func (f *infLayer) actRange() (int64, int64) {
	if f.abits > 1 {
		return 0, int64(actLevels(f.abits))
	}
	return -1, 1
}

// outputOffsets folds the output batch norm y_c = g*inv*(z_c*sc - mean_c) +
// beta_c = s*(z_c + o_c), s = g*inv*sc > 0, into integer offsets round(o_c).
// Offsets are shifted so the largest is 0 and clamped below at -(2R+1),
// where R bounds |z|: neither changes any argmax over integer z.
func (f *infLayer) outputOffsets(g, inv float64) {
	s := g * inv * f.sc
	f.rawOff = make([]float64, f.out)
	f.offsets = make([]int64, f.out)
	r := int64(0)
	for c := 0; c < f.out; c++ {
		f.rawOff[c] = f.beta[c]/s - f.mean[c]/f.sc
		lo, hi := netlist.RowRange(f.w[c*f.in:(c+1)*f.in], f.xmin, f.xmax)
		r = max(r, -lo, hi)
	}
	top := math.Inf(-1)
	for _, o := range f.rawOff {
		top = max(top, math.Round(o))
	}
	for c, o := range f.rawOff {
		f.offsets[c] = int64(max(math.Round(o)-top, float64(-(2*r + 1))))
	}
}

// bnOut is a hidden channel's batch-norm output for the integer
// accumulator z, in float64. Every operation is monotone in z and the
// explicit conversions forbid fused multiply-adds, so the function is the
// same wherever it is called (inference and threshold folding).
//
//go:noinline
func (f *infLayer) bnOut(c int, z int64) float64 {
	t := float64(float64(z)*f.sc) - f.mean[c]
	t = float64(t * f.inv[c])
	return float64(f.gamma[c]*t) + f.beta[c]
}

// level is a hidden channel's activation level for accumulator z.
func (f *infLayer) level(c int, z int64) int { return actLevelOf(f.bnOut(c, z), f.abits) }

// Predict classifies count images (of the configuration's input size, back
// to back) and
// returns the predicted classes and, for information, the classes the
// output batch norm would give without rounding its offsets to integers.
func (inf *Inference) Predict(pixels []byte, count int) (classes, unrounded []int) {
	chunk := inf.chunk()
	classes = make([]int, count)
	unrounded = make([]int, count)
	th := inf.cfg.threads()
	sz := inf.cfg.inputPixels()
	var bufA, bufB, scratch []float32
	for lo := 0; lo < count; lo += chunk {
		rows := min(chunk, count-lo)
		bufA = growF32(bufA, rows*sz)
		encodeInput(bufA, pixels[lo*sz:(lo+rows)*sz], &inf.cfg, true)
		x := bufA
		for _, s := range inf.stages {
			n := rows * s.bufSize()
			scratch, bufB = growF32(scratch, n), growF32(bufB, n)
			s.forward(bufB, x, scratch, rows, th)
			bufA, bufB = bufB, bufA
			x = bufA
		}
		inf.output().classify(x, rows, classes[lo:], unrounded[lo:])
	}
	return classes, unrounded
}

func (f *infLayer) bufSize() int { return f.out }

// forward computes the accumulators of rows inputs x and, for a hidden
// layer, replaces them by the integer activation values.
func (f *infLayer) forward(out, x, _ []float32, rows, threads int) {
	gemm(rows, f.out, f.in, rowMajor(x, f.in), transposed(f.wf, f.in), out, f.out, false, threads)
	if f.abits > 0 {
		f.activateInt(out, rows)
	}
}

// activateInt replaces accumulators (rows x out) by the integer activation
// values the next layer sees.
func (f *infLayer) activateInt(z []float32, rows int) {
	for b := 0; b < rows; b++ {
		for c := 0; c < f.out; c++ {
			i := b*f.out + c
			z[i] = actValue(f.level(c, int64(z[i])), f.abits)
		}
	}
}

// classify writes the argmax of z + offsets (lowest index wins ties), and
// of z + unrounded offsets.
func (f *infLayer) classify(z []float32, rows int, classes, unrounded []int) {
	for b := 0; b < rows; b++ {
		zb := z[b*f.out : (b+1)*f.out]
		best, bestU := 0, 0
		for c := range zb {
			if int64(zb[c])+f.offsets[c] > int64(zb[best])+f.offsets[best] {
				best = c
			}
			if float64(zb[c])+f.rawOff[c] > float64(zb[bestU])+f.rawOff[bestU] {
				bestU = c
			}
		}
		classes[b], unrounded[b] = best, bestU
	}
}

func growF32(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
