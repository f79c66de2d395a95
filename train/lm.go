package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// LMConfig configures a word-level LSTM language model (a 1-layer LSTM
// between an embedding and a softmax over the vocabulary) and its training
// by truncated backpropagation through time.
type LMConfig struct {
	Vocab  int // number of words (PTB: 10,000)
	Dim    int // embedding size (the LSTM's input)
	Hidden int // LSTM units
	// WBits and ABits are the weight and activation widths, 2..8, or 0 for
	// the 32-bit float baseline (no quantizer, not exportable). ABits
	// quantizes the embedding, the gates, the cell's tanh and the hidden
	// state alike.
	WBits, ABits int
	SeqLen       int     // BPTT window (35)
	Batch        int     // parallel streams (batch rows)
	Epochs       int     // passes over the training stream
	LR, LRFinal  float64 // Adam learning rate, decayed exponentially per epoch
	Clip         float64 // global gradient-norm clip (0: none)
	Dropout      float64 // on the embedding output and the LSTM output
	Seed         uint64
	Threads      int // GEMM goroutines (0: GOMAXPROCS)
}

// DefaultLMConfig is the PTB setup of the benchmarks: 300 units (as in
// HitNet's 1-layer baseline), embedding 300, BPTT 35, batch 20, Adam.
func DefaultLMConfig(wbits, abits int) LMConfig {
	return LMConfig{Vocab: 10000, Dim: 300, Hidden: 300, WBits: wbits, ABits: abits,
		SeqLen: 35, Batch: 20, Epochs: 15, LR: 2e-3, LRFinal: 1e-4, Clip: 1, Dropout: 0.5, Seed: 1}
}

// Quantized reports whether the model has quantizers (and so exports).
func (c *LMConfig) Quantized() bool { return c.ABits > 0 }

// Validate checks the configuration.
func (c *LMConfig) Validate() error {
	switch {
	case c.Vocab < 2 || c.Vocab > 1<<20:
		return fmt.Errorf("train: vocabulary size %d is outside 2..2^20", c.Vocab)
	case c.Dim < 1 || c.Dim > 4096 || c.Hidden < 1 || c.Hidden > 4096:
		return fmt.Errorf("train: embedding %d and hidden %d must be in 1..4096", c.Dim, c.Hidden)
	case (c.WBits == 0) != (c.ABits == 0):
		return fmt.Errorf("train: --wbits %d and --abits %d: both quantized (2..8) or both 32-bit float", c.WBits, c.ABits)
	case c.ABits != 0 && (c.WBits < 2 || c.WBits > 8 || c.ABits < 2 || c.ABits > 8):
		return fmt.Errorf("train: an LSTM takes 2..8-bit weights and activations (or 32 for float), got w%d a%d", c.WBits, c.ABits)
	case c.SeqLen < 1 || c.SeqLen > 10000 || c.Batch < 1 || c.Batch > 10000:
		return fmt.Errorf("train: sequence length %d and batch %d must be in 1..10000", c.SeqLen, c.Batch)
	case c.Epochs < 1:
		return fmt.Errorf("train: epochs %d must be >= 1", c.Epochs)
	case !(c.LR > 0 && c.LR <= MaxLR) || !(c.LRFinal > 0 && c.LRFinal <= c.LR):
		return fmt.Errorf("train: learning rates %g -> %g must satisfy 0 < final <= initial <= %d", c.LR, c.LRFinal, MaxLR)
	case !(c.Dropout >= 0 && c.Dropout < 1) || !(c.Clip >= 0):
		return fmt.Errorf("train: dropout %g must be in [0, 1) and the clip %g >= 0", c.Dropout, c.Clip)
	}
	return nil
}

// Name is the model's name, e.g. "lstm300-w4a4" or "lstm300-float".
func (c *LMConfig) Name() string {
	if !c.Quantized() {
		return fmt.Sprintf("lstm%d-float", c.Hidden)
	}
	return fmt.Sprintf("lstm%d-w%da%d", c.Hidden, c.WBits, c.ABits)
}

// LM is the float model: latent (unquantized) parameters. Its gate matrix
// W has 4*Hidden rows (gates i, f, g, o, as the netlist's) of Dim+Hidden
// columns over [x_t ; h_{t-1}].
type LM struct {
	Cfg LMConfig
	Emb []float32 // Vocab x Dim
	W   []float32 // 4*Hidden x (Dim+Hidden)
	B   []float32 // 4*Hidden gate biases
	Wo  []float32 // Vocab x Hidden output projection
	Bo  []float32 // Vocab
}

// NewLM initializes a model: uniform weights in +-1/sqrt(fan-in), forget
// gate biases 1.
func NewLM(cfg LMConfig) (*LM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x15a))
	H, D, V := cfg.Hidden, cfg.Dim, cfg.Vocab
	m := &LM{Cfg: cfg, Emb: make([]float32, V*D), W: make([]float32, 4*H*(D+H)), B: make([]float32, 4*H),
		Wo: make([]float32, V*H), Bo: make([]float32, V)}
	uniform := func(p []float32, r float64) {
		for i := range p {
			p[i] = float32((rng.Float64()*2 - 1) * r)
		}
	}
	// Embeddings span the activation range, so that k-bit entries are not
	// all zero at the start.
	uniform(m.Emb, 0.5)
	uniform(m.W, 1/math.Sqrt(float64(D+H)))
	uniform(m.Wo, 1/math.Sqrt(float64(H)))
	for j := H; j < 2*H; j++ {
		m.B[j] = 1
	}
	return m, nil
}

// params lists the parameter tensors in a fixed order (optimizer state and
// checkpoints follow it).
func (m *LM) params() [][]float32 { return [][]float32{m.Emb, m.W, m.B, m.Wo, m.Bo} }

// Clone returns a deep copy.
func (m *LM) Clone() *LM {
	c := &LM{Cfg: m.Cfg}
	ps := [](*[]float32){&c.Emb, &c.W, &c.B, &c.Wo, &c.Bo}
	for i, p := range m.params() {
		*ps[i] = append([]float32(nil), p...)
	}
	return c
}
