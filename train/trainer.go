package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/qnn-dev/qnn/dataset"
)

// ErrInterrupted is returned (wrapped) by Run when its context is cancelled;
// the state was saved to the checkpoint first if one was configured.
var ErrInterrupted = errors.New("train: interrupted")

// ErrDiverged is wrapped by Run's error when a batch's loss or the
// weights become NaN or infinite; the checkpoint on disk is then the last
// good one (the diverged state is not saved).
var ErrDiverged = errors.New("train: training diverged")

// EpochStats is one line of the training log.
type EpochStats struct {
	Epoch    int     `json:"epoch"`     // 1-based
	LR       float64 `json:"lr"`        // learning rate used
	Loss     float64 `json:"loss"`      // mean training loss over the epoch's batches
	TrainAcc float64 `json:"train_acc"` // running accuracy on the training batches (training mode)
	ValAcc   float64 `json:"val_acc"`   // validation accuracy of the inference function
	Seconds  float64 `json:"seconds"`   // wall time of the epoch including validation
	Best     bool    `json:"best"`      // the best validation accuracy so far
}

// Progress describes the batch just finished.
type Progress struct {
	Epoch, Epochs   int // 1-based epoch
	Batch, Batches  int // 1-based batch within the epoch
	Loss            float64
	ImagesPerSecond float64
	Elapsed         time.Duration // since the start (or resumption) of the epoch
}

// Hooks are Run's callbacks and options; all are optional.
type Hooks struct {
	Batch      func(Progress)
	Epoch      func(EpochStats)
	Checkpoint string // path written atomically after every epoch and on interruption
}

// Trainer runs the training loop. Its whole state (model, optimizer, random
// generator, position in the epoch) goes into checkpoints, so a resumed run
// continues exactly as an uninterrupted one.
type Trainer struct {
	cfg        Config
	model      *Model
	best       *Model
	bestAcc    float64
	bestEpoch  int
	pcg        *rand.PCG
	rng        *rand.Rand
	train, val *dataset.Set

	epoch, step int     // next epoch (0-based) and batch within it
	perm        []int32 // this epoch's order of the training images
	lossSum     float64
	correct     int
	elapsed     float64 // seconds spent in this epoch before the last resumption
	history     []EpochStats
	bnStats     int // images for recomputed batch-norm statistics (SetBNStats; 0: off)

	x    []float32 // encoded batch
	pix  []byte    // gathered batch pixels
	labs []byte
}

// New returns a trainer for cfg on the given training and validation sets.
func New(cfg Config, train, val *dataset.Set) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pcg := rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)
	rng := rand.New(pcg)
	m, err := NewModel(cfg, rng)
	if err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, model: m, pcg: pcg, rng: rng, bestAcc: -1}
	return t, t.attach(train, val)
}

// attach checks and sets the data sets.
func (t *Trainer) attach(train, val *dataset.Set) error {
	if train == nil || val == nil {
		return fmt.Errorf("train: missing training or validation set")
	}
	want := t.cfg.InputShape()
	for _, s := range []*dataset.Set{train, val} {
		if s.C != want.C {
			return fmt.Errorf("train: the %s images have %d channels but the configuration's data set %q has %d",
				s.Split, s.C, t.cfg.Dataset, want.C)
		}
		if s.Rows != want.H || s.Cols != want.W {
			return fmt.Errorf("train: the %s images are %dx%d but the configuration's input size is %dx%d (resize them with dataset.Set.Resize)",
				s.Split, s.Rows, s.Cols, want.H, want.W)
		}
	}
	if train.N < t.cfg.Batch {
		return fmt.Errorf("train: %d training images are fewer than one batch of %d", train.N, t.cfg.Batch)
	}
	if val.N == 0 {
		return fmt.Errorf("train: empty validation set")
	}
	t.train, t.val = train, val
	t.x = make([]float32, t.cfg.Batch*want.Size())
	t.pix = make([]byte, t.cfg.Batch*want.Size())
	t.labs = make([]byte, t.cfg.Batch)
	return nil
}

// Config returns the run's configuration.
func (t *Trainer) Config() Config { return t.cfg }

// Model returns the current model.
func (t *Trainer) Model() *Model { return t.model }

// Best returns the model with the best validation accuracy so far (nil
// before the first epoch ends), its accuracy and its 1-based epoch.
func (t *Trainer) Best() (*Model, float64, int) { return t.best, t.bestAcc, t.bestEpoch }

// History returns the statistics of the finished epochs.
func (t *Trainer) History() []EpochStats { return t.history }

// Batches is the number of batches per epoch (the last partial batch is
// dropped).
func (t *Trainer) Batches() int { return t.train.N / t.cfg.Batch }

// Run trains until the configured number of epochs is done or ctx is
// cancelled (then it saves a checkpoint and returns ErrInterrupted).
func (t *Trainer) Run(ctx context.Context, h Hooks) error {
	for t.epoch < t.cfg.Epochs {
		if err := t.runEpoch(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// runEpoch finishes the current epoch.
func (t *Trainer) runEpoch(ctx context.Context, h Hooks) error {
	batches := t.Batches()
	if t.step == 0 {
		t.startEpoch()
	}
	lr := t.cfg.LRAt(t.epoch)
	start, startStep := time.Now(), t.step
	for t.step < batches {
		if ctx.Err() != nil {
			t.elapsed += time.Since(start).Seconds()
			if err := t.saveIfSet(h.Checkpoint); err != nil {
				return err
			}
			return fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
		}
		t.gather(t.step)
		loss, correct := t.model.TrainStep(t.pix, t.labs, t.cfg.Batch, lr, t.rng, t.x)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("%w: loss %g at epoch %d batch %d (learning rate %g): lower --lr", ErrDiverged, loss, t.epoch+1, t.step+1, lr)
		}
		t.lossSum += loss
		t.correct += correct
		t.step++
		if h.Batch != nil {
			el := time.Since(start)
			h.Batch(Progress{Epoch: t.epoch + 1, Epochs: t.cfg.Epochs, Batch: t.step, Batches: batches,
				Loss: t.lossSum / float64(t.step), Elapsed: el,
				ImagesPerSecond: float64((t.step-startStep)*t.cfg.Batch) / el.Seconds()})
		}
	}
	if err := t.model.finite(); err != nil {
		return fmt.Errorf("%w: %w at the end of epoch %d (learning rate %g): lower --lr", ErrDiverged, err, t.epoch+1, lr)
	}
	st := t.finishEpoch(lr)
	st.Seconds = t.elapsed + time.Since(start).Seconds()
	t.history = append(t.history, st)
	if err := t.saveIfSet(h.Checkpoint); err != nil {
		return err
	}
	if h.Epoch != nil {
		h.Epoch(st)
	}
	return nil
}

// startEpoch begins an epoch: a new order of the training images and
// zeroed running statistics.
func (t *Trainer) startEpoch() {
	t.perm = make([]int32, t.train.N)
	for i := range t.perm {
		t.perm[i] = int32(i)
	}
	t.rng.Shuffle(len(t.perm), func(i, j int) { t.perm[i], t.perm[j] = t.perm[j], t.perm[i] })
	t.lossSum, t.correct, t.elapsed = 0, 0, 0
}

// gather copies batch s of the epoch's permutation into the batch buffers,
// shifting every image by a random offset if the configuration asks for
// augmentation (in pixels of the model's input, after downsampling), and
// mirroring it with probability 1/2 if it asks for flips.
func (t *Trainer) gather(s int) {
	a, shape := t.cfg.Augment, t.cfg.InputShape()
	sz := shape.Size()
	for b := 0; b < t.cfg.Batch; b++ {
		i := int(t.perm[s*t.cfg.Batch+b])
		dst := t.pix[b*sz : (b+1)*sz]
		if a > 0 {
			dx, dy := t.rng.IntN(2*a+1)-a, t.rng.IntN(2*a+1)-a
			shiftImage(dst, t.train.Image(i), shape, dx, dy)
		} else {
			copy(dst, t.train.Image(i))
		}
		if t.cfg.Flip && t.rng.IntN(2) == 1 {
			flipImage(dst, shape)
		}
		t.labs[b] = t.train.Labels[i]
	}
}

// shiftImage writes the image src of shape s (channel-fastest) moved
// right by dx and down by dy pixels (negative: left, up) to dst; pixels
// shifted in are 0
// (background). Augmentation works on the raw pixels, before binarization,
// so the model sees shifted images exactly as it would see them in the
// data set.
func shiftImage(dst, src []byte, s dataset.Shape, dx, dy int) {
	ch, w := s.C, s.W
	clear(dst[:s.Size()])
	for r := max(0, dy); r < min(s.H, s.H+dy); r++ {
		sr := r - dy
		c0, c1 := max(0, dx), min(w, w+dx)
		if c0 >= c1 {
			continue
		}
		copy(dst[(r*w+c0)*ch:(r*w+c1)*ch], src[(sr*w+c0-dx)*ch:(sr*w+c1-dx)*ch])
	}
}

// flipImage mirrors an image of shape s (channel-fastest) left to right
// in place.
func flipImage(img []byte, s dataset.Shape) {
	ch := s.C
	for r := 0; r < s.H; r++ {
		row := img[r*s.W*ch : (r+1)*s.W*ch]
		for i, j := 0, s.W-1; i < j; i, j = i+1, j-1 {
			for c := 0; c < ch; c++ {
				row[i*ch+c], row[j*ch+c] = row[j*ch+c], row[i*ch+c]
			}
		}
	}
}

// finishEpoch validates, tracks the best model and advances the epoch.
// With SetBNStats, the model validated (and kept as the best) is a copy
// with recomputed batch-norm statistics (preciseBN); the trained model
// keeps its running statistics.
func (t *Trainer) finishEpoch(lr float64) EpochStats {
	batches := t.Batches()
	st := EpochStats{Epoch: t.epoch + 1, LR: lr, Loss: t.lossSum / float64(batches),
		TrainAcc: float64(t.correct) / float64(batches*t.cfg.Batch)}
	eval := t.model
	if t.bnStats > 0 {
		eval = t.model.preciseBN(t.train, t.bnStats, t.x)
	}
	st.ValAcc = Accuracy(eval.Inference(), t.val)
	if st.ValAcc > t.bestAcc {
		if eval == t.model {
			eval = t.model.Clone()
		}
		t.best, t.bestAcc, t.bestEpoch = eval, st.ValAcc, st.Epoch
		st.Best = true
	}
	t.epoch++
	t.step = 0
	return st
}

// Accuracy is the fraction of set's images that inf classifies correctly.
func Accuracy(inf *Inference, set *dataset.Set) float64 {
	classes, _ := inf.Predict(set.Pixels, set.N)
	ok := 0
	for i, c := range classes {
		if c == int(set.Labels[i]) {
			ok++
		}
	}
	return float64(ok) / float64(set.N)
}

func (t *Trainer) saveIfSet(path string) error {
	if path == "" {
		return nil
	}
	return t.SaveCheckpoint(path)
}

// finite returns an error naming the first layer with a NaN or infinite
// parameter.
func (m *Model) finite() error {
	return m.eachLayer(func(l layer, k int) error { return l.finite(k) })
}
