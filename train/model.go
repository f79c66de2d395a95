package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// Model is the float model: latent weights and batch-norm parameters, an
// ordered list of layers (see layer) with the output layer last.
//
// Convs and Layers hold the same layers by kind, in order: they are the
// form checkpoints store (gob, so their names and types are the checkpoint
// format), and a decoded model's order is rebuilt from them (link). A new
// layer kind adds its own list here.
type Model struct {
	Cfg    Config
	Convs  []*Conv  // convolution stages, before the dense layers (none for an MLP)
	Layers []*Layer // dense layers, the output layer last

	stack  []layer   // every layer in order, the output layer last
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
		abits := 0
		if i+2 < len(sizes) {
			abits = cfg.ABits
		}
		m.add(newDense(sizes[i], sizes[i+1], cfg.WBits, abits, inScale, rng))
		inScale = actScale(cfg.ABits)
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
		m.add(newConv(g, cfg.WBits, cfg.ABits, convInScale(cfg, i), convPad(cfg, i), rng))
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
	for _, l := range m.stack {
		l.prepare()
	}
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
	for _, l := range m.stack {
		c.add(l.clone())
	}
	c.prepare()
	return c
}

// check verifies that decoded parameters have consistent sizes.
func (m *Model) check() error {
	if len(m.Layers) < 2 {
		return fmt.Errorf("train: model has %d layers, want at least 2", len(m.Layers))
	}
	features, err := m.checkConvs()
	if err != nil {
		return err
	}
	for i, l := range m.Layers {
		if l == nil || !l.check() {
			return fmt.Errorf("train: layer %d: inconsistent parameter sizes", i)
		}
		if i == 0 && len(m.Convs) > 0 && features != l.In {
			return fmt.Errorf("train: dense layer 0 takes %d inputs, the last convolution has %d outputs", l.In, features)
		}
		if i > 0 && m.Layers[i-1].Out != l.In {
			return fmt.Errorf("train: layer %d takes %d inputs, previous layer has %d outputs", i, l.In, m.Layers[i-1].Out)
		}
	}
	return nil
}

// checkConvs verifies the decoded convolution stages against the
// configuration's layer string and returns the number of values the last
// one outputs per image.
func (m *Model) checkConvs() (int, error) {
	st, err := m.Cfg.Stack()
	if err != nil {
		return 0, err
	}
	shapes, features, err := st.plan(m.Cfg.InputShape())
	if err != nil {
		return 0, err
	}
	if len(shapes) != len(m.Convs) {
		return 0, fmt.Errorf("train: model has %d convolutions, the layer string %d", len(m.Convs), len(shapes))
	}
	for i, c := range m.Convs {
		if c == nil || !c.check(&m.Cfg, i, shapes[i]) {
			return 0, fmt.Errorf("train: convolution %d: inconsistent parameter sizes", i)
		}
	}
	return features, nil
}
