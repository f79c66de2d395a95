package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// Layer is one dense layer with its batch norm. Hidden layers have per-
// channel batch norm followed by the activation quantizer; the output layer
// has batch norm with one shared scale (one Gamma, one running variance)
// and per-class shifts, so that it folds into integer offsets exactly (see
// docs/training.md).
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

// Hidden reports whether l is a hidden layer (not the output layer).
func (l *Layer) Hidden() bool { return l.ABits > 0 }

// Model is the float model: latent weights and batch-norm parameters.
type Model struct {
	Cfg    Config
	Convs  []*Conv  // convolution stages, before the dense layers (none for an MLP)
	Layers []*Layer // dense layers, the output layer last

	inMask []float32 // input dropout multipliers, reused across steps
}

// NewModel returns a model initialized as in the recipe: weights uniform in
// [-1, 1], batch-norm scale 1 and shift 0.
func NewModel(cfg Config, rng *rand.Rand) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Cfg: cfg}
	features, inScale, err := m.addConvs(rng)
	if err != nil {
		return nil, err
	}
	sizes := append(append([]int{features}, cfg.Hidden...), cfg.classes())
	for i := 0; i+1 < len(sizes); i++ {
		l := &Layer{In: sizes[i], Out: sizes[i+1], WBits: cfg.WBits, InScale: inScale}
		hidden := i+2 < len(sizes)
		nvar := 1
		l.Gamma = []float32{1}
		if hidden {
			l.ABits, nvar = cfg.ABits, l.Out
			l.Gamma = slices.Repeat([]float32{1}, l.Out)
			inScale = actScale(cfg.ABits)
		}
		l.Beta = make([]float32, l.Out)
		l.Mean = make([]float64, l.Out)
		l.Var = slices.Repeat([]float64{1}, nvar)
		l.W = make([]float32, l.In*l.Out)
		for j := range l.W {
			l.W[j] = float32(2*rng.Float64() - 1)
		}
		m.Layers = append(m.Layers, l)
	}
	m.prepare()
	return m, nil
}

// addConvs appends the configuration's convolution stages and returns the
// number of features the first dense layer sees and the real value of one
// integer unit of them.
func (m *Model) addConvs(rng *rand.Rand) (int, float64, error) {
	cfg := &m.Cfg
	inScale := 1.0
	if cfg.InputBits == 8 {
		inScale = 1.0 / 255
	}
	st, err := cfg.Stack()
	if err != nil {
		return 0, 0, err
	}
	shapes, features, err := st.plan(cfg.InputShape())
	if err != nil {
		return 0, 0, err
	}
	if len(shapes) == 0 {
		return cfg.inputPixels(), inScale, nil
	}
	for i, g := range shapes {
		m.Convs = append(m.Convs, newConv(g, cfg.WBits, cfg.ABits, convInScale(cfg, i), convPad(cfg, i), rng))
	}
	inScale = actScale(cfg.ABits)
	return features, inScale, nil
}

// convInScale is the real value of one integer unit of convolution i's
// input: the pixels' for the first, the activations' after.
func convInScale(cfg *Config, i int) float64 {
	switch {
	case i > 0:
		return actScale(cfg.ABits)
	case cfg.InputBits == 8:
		return 1.0 / 255
	}
	return 1
}

// convPad is convolution i's padding value in the real domain of its
// input: +1 for bipolar values (binarized pixels, 1-bit activations), 0
// for 8-bit pixels and k-bit activations (level 0).
func convPad(cfg *Config, i int) float32 {
	if (i == 0 && cfg.InputBits == 8) || (i > 0 && cfg.ABits > 1) {
		return 0
	}
	return 1
}

// prepare allocates gradients and optimizer state (after NewModel or
// decoding a checkpoint).
func (m *Model) prepare() {
	for _, c := range m.Convs {
		c.L.prepare()
	}
	for _, l := range m.Layers {
		l.prepare()
	}
}

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

// lrScale is the recipe's per-layer learning-rate scale on the weights,
// 1/sqrt(1.5/(fan_in+fan_out)).
func (l *Layer) lrScale() float64 { return 1 / math.Sqrt(1.5/float64(l.In+l.Out)) }

// quantizeWeights refreshes the quantized weights wq from W, on up to
// threads goroutines.
func (l *Layer) quantizeWeights(threads int) {
	parallelRange(len(l.W), threads, func(lo, hi int) { quantizeRange(l.wq[lo:hi], l.W[lo:hi], l.WBits) })
}

// quantizeRange writes the real values of the quantized weights w to q.
func quantizeRange(q, w []float32, bits int) {
	q = q[:len(w)]
	if bits == 1 {
		// Branchless sign: 1.0 with v's sign bit (v+0 turns -0 into +0,
		// which quantizes to +1).
		for i, v := range w {
			q[i] = math.Float32frombits(0x3f800000 | math.Float32bits(v+0)&0x80000000)
		}
		return
	}
	n := float32(weightLevels(bits))
	for i, v := range w {
		q[i] = float32(weightInt(v, bits)) / n
	}
}

// parallelRange runs f over [0, n) split into up to threads ranges (only
// for large n); each index is handled by exactly one call.
func parallelRange(n, threads int, f func(lo, hi int)) {
	if n < 1<<16 || threads <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for _, r := range split(n, 64, threads) {
		wg.Go(func() { f(r[0], r[1]) })
	}
	wg.Wait()
}

// Clone returns a deep copy of the parameters (no optimizer state or caches).
func (m *Model) Clone() *Model {
	c := &Model{Cfg: m.Cfg}
	c.Cfg.Hidden = slices.Clone(m.Cfg.Hidden)
	for _, cv := range m.Convs {
		c.Convs = append(c.Convs, &Conv{ConvShape: cv.ConvShape, PadValue: cv.PadValue, L: cv.L.clone()})
	}
	for _, l := range m.Layers {
		c.Layers = append(c.Layers, l.clone())
	}
	c.prepare()
	return c
}

// clone returns a copy of the layer's parameters.
func (l *Layer) clone() *Layer {
	return &Layer{
		In: l.In, Out: l.Out, WBits: l.WBits, ABits: l.ABits, InScale: l.InScale,
		W: slices.Clone(l.W), Gamma: slices.Clone(l.Gamma), Beta: slices.Clone(l.Beta),
		Mean: slices.Clone(l.Mean), Var: slices.Clone(l.Var),
	}
}

// check verifies that decoded parameters have consistent sizes.
func (m *Model) check() error {
	if len(m.Layers) < 2 {
		return fmt.Errorf("train: model has %d layers, want at least 2", len(m.Layers))
	}
	if err := m.checkConvs(); err != nil {
		return err
	}
	for i, l := range m.Layers {
		nvar := 1
		if l.Hidden() {
			nvar = l.Out
		}
		if l.In <= 0 || l.Out <= 0 || len(l.W) != l.In*l.Out || len(l.Gamma) != nvar ||
			len(l.Beta) != l.Out || len(l.Mean) != l.Out || len(l.Var) != nvar {
			return fmt.Errorf("train: layer %d: inconsistent parameter sizes", i)
		}
		if i == 0 && len(m.Convs) > 0 && m.Convs[len(m.Convs)-1].outSize() != l.In {
			return fmt.Errorf("train: dense layer 0 takes %d inputs, the last convolution has %d outputs", l.In, m.Convs[len(m.Convs)-1].outSize())
		}
		if i > 0 && m.Layers[i-1].Out != l.In {
			return fmt.Errorf("train: layer %d takes %d inputs, previous layer has %d outputs", i, l.In, m.Layers[i-1].Out)
		}
	}
	return nil
}

// checkConvs verifies the decoded convolution stages against the
// configuration's layer string.
func (m *Model) checkConvs() error {
	st, err := m.Cfg.Stack()
	if err != nil {
		return err
	}
	shapes, _, err := st.plan(m.Cfg.InputShape())
	if err != nil {
		return err
	}
	if len(shapes) != len(m.Convs) {
		return fmt.Errorf("train: model has %d convolutions, the layer string %d", len(m.Convs), len(shapes))
	}
	for i, c := range m.Convs {
		l := c.L
		if c.ConvShape != shapes[i] || l == nil || l.In != c.K*c.K*c.InC || l.Out != c.Out ||
			len(l.W) != l.In*l.Out || len(l.Gamma) != l.Out || len(l.Beta) != l.Out ||
			len(l.Mean) != l.Out || len(l.Var) != l.Out || l.ABits != m.Cfg.ABits || l.WBits != m.Cfg.WBits ||
			l.InScale != convInScale(&m.Cfg, i) || c.PadValue != convPad(&m.Cfg, i) {
			return fmt.Errorf("train: convolution %d: inconsistent parameter sizes", i)
		}
	}
	return nil
}
