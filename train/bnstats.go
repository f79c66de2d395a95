package train

import (
	"fmt"

	"github.com/qnn-dev/qnn/dataset"
)

// Recomputed batch-norm statistics (Trainer.SetBNStats). The running
// statistics are exponential moving averages over the last few dozen
// batches, so at small learning rates they still move with the last
// batches' noise, and the inference function and the exported thresholds
// with them. preciseBN replaces them by the exact statistics of a fixed
// set of training images, taken in the training forward pass (batch
// statistics in every layer, as during training; no dropout, no
// augmentation, the weights fixed): each channel's mean and variance over
// every value the layer's batch norm saw (every pixel of every image for a
// convolution), as PyTorch's precise BN and SWA's bn_update do.

// bnAccum accumulates one batch norm's per-channel statistics over
// batches: the count of values per channel, their mean and the sum of
// their squared deviations from it (combined batch by batch as Chan et
// al., so the result is the statistic of all the values, in float64).
type bnAccum struct {
	n    float64
	mean []float64
	m2   []float64
}

func newBNAccum(ch int) *bnAccum {
	return &bnAccum{mean: make([]float64, ch), m2: make([]float64, ch)}
}

// add adds a batch of rows values per channel with the given means and
// sums of squared deviations from them.
func (a *bnAccum) add(rows int, mean, dev []float64) {
	nb := float64(rows)
	n := a.n + nb
	for c := range a.mean {
		d := mean[c] - a.mean[c]
		a.mean[c] += d * nb / n
		a.m2[c] += dev[c] + d*d*a.n*nb/n
	}
	a.n = n
}

// set writes the accumulated statistics to l's running statistics: the
// means per channel, the variances per variance group (per channel for a
// hidden layer, pooled over the classes for the output layer), unbiased as
// the running variances are.
func (a *bnAccum) set(l *Layer) {
	copy(l.Mean, a.mean)
	nv := len(l.Var)
	clear(l.Var)
	for c, m := range a.m2 {
		l.Var[c%nv] += m
	}
	count := a.n * float64(len(a.mean)/nv)
	for g := range l.Var {
		l.Var[g] /= count - 1
	}
}

// preciseBN returns a copy of m whose running statistics are the exact
// batch-norm statistics of the first n images of set (rounded down to
// whole batches of Cfg.Batch, at least one), run through m in the training
// forward pass in that order, batch by batch (memory: one batch). m's
// parameters and running statistics are left as they are, and its random
// generator is not used, so training continues as without the pass; x is
// an encoding buffer of at least one batch.
func (m *Model) preciseBN(set *dataset.Set, n int, x []float32) *Model {
	batch := m.Cfg.Batch
	n = max(batch, min(n, set.N)/batch*batch)
	saved := m.Cfg
	m.Cfg.Drop, m.Cfg.DropIn = 0, 0
	defer func() { m.Cfg = saved }()
	var norms []*Layer
	for _, l := range m.stack {
		if b := l.norm(); b != nil {
			b.stats = newBNAccum(b.Out)
			norms = append(norms, b)
		}
	}
	sz := m.Cfg.inputPixels()
	for b0 := 0; b0+batch <= n; b0 += batch {
		encodeInput(x[:batch*sz], set.Pixels[b0*sz:(b0+batch)*sz], &m.Cfg, false)
		m.forwardTrain(x[:batch*sz], batch, nil)
	}
	c := m.Clone()
	i := 0
	for _, l := range c.stack {
		if b := l.norm(); b != nil {
			norms[i].stats.set(b)
			norms[i].stats = nil
			i++
		}
	}
	return c
}

// SetBNStats makes the trainer recompute the batch-norm statistics of
// every epoch's model on the first n training images before validation
// (so the best model and its export have them too); 0 turns it off (the
// running averages, the default of New). It is a setting of the trainer,
// not of Config, and checkpoints keep it (checkpointExt). It needs exact
// batch norm (not ShiftBN: its variance is not a sum of squares).
func (t *Trainer) SetBNStats(n int) error {
	switch {
	case n < 0:
		return fmt.Errorf("train: bn-stats must not be negative, got %d", n)
	case n > 0 && t.cfg.ShiftBN:
		return fmt.Errorf("train: bn-stats needs exact batch norm, not shift-based batch norm")
	}
	t.bnStats = n
	return nil
}

// BNStats is the number of images SetBNStats set (0: off).
func (t *Trainer) BNStats() int { return t.bnStats }
