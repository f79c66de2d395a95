package train

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// checkpointFormat identifies checkpoint files; checkpointVersion changes
// whenever their content changes incompatibly.
const (
	checkpointFormat  = "qnn-train-checkpoint"
	checkpointVersion = 1
)

// checkpoint is a Trainer's whole state, gob-encoded.
type checkpoint struct {
	Format    string
	Version   int
	Cfg       Config
	Model     *Model
	Opt       [][]*optimState // per dense layer: W, Gamma, Beta (layer.saveOpt)
	ConvOpt   [][]*optimState // per convolution: W, Gamma, Beta
	Best      *Model
	BestAcc   float64
	BestEpoch int
	RNG       []byte
	Epoch     int
	Step      int
	Perm      []int32
	LossSum   float64
	Correct   int
	Elapsed   float64
	History   []EpochStats

	ext checkpointExt // the gob value after it, if any
}

// checkpointExt holds trainer settings that are not part of Config (whose
// gob type is part of the format, so a new field would change every
// checkpoint's bytes). It is written as a second gob value after the
// checkpoint only when a setting is not zero, so files without them keep
// their bytes and older files read as zero.
type checkpointExt struct {
	BNStats int // Trainer.SetBNStats
}

// SaveCheckpoint writes the trainer's state to path atomically.
func (t *Trainer) SaveCheckpoint(path string) error {
	rng, err := t.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	ck := checkpoint{Format: checkpointFormat, Version: checkpointVersion, Cfg: t.cfg, Model: t.model,
		Best: t.best, BestAcc: t.bestAcc, BestEpoch: t.bestEpoch, RNG: rng, Epoch: t.epoch, Step: t.step,
		Perm: t.perm, LossSum: t.lossSum, Correct: t.correct, Elapsed: t.elapsed, History: t.history}
	for _, l := range t.model.stack {
		l.saveOpt(&ck)
	}
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(&ck); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if ext := (checkpointExt{BNStats: t.bnStats}); ext != (checkpointExt{}) {
		if err := enc.Encode(&ext); err != nil {
			return fmt.Errorf("train: checkpoint: %w", err)
		}
	}
	if err := netlist.WriteFileAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// MaxCheckpointSize bounds a checkpoint file: mlp4096 (the largest
// architecture) with its optimizer state and best model is about 0.6 GB.
const MaxCheckpointSize = 2 << 30

// openCheckpoint opens a checkpoint file for decoding, bounded by its
// size: a device or a file larger than any checkpoint is refused before
// anything is read.
func openCheckpoint(path string) (*os.File, io.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("train: checkpoint: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("train: checkpoint: %w", err)
	}
	switch {
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, nil, fmt.Errorf("train: checkpoint %s: not a regular file", path)
	case fi.Size() > MaxCheckpointSize:
		f.Close()
		return nil, nil, fmt.Errorf("train: checkpoint %s: %d bytes, larger than any checkpoint (at most %d)", path, fi.Size(), int64(MaxCheckpointSize))
	}
	return f, bufio.NewReader(io.LimitReader(f, fi.Size())), nil
}

// readCheckpoint decodes and checks a checkpoint file.
func readCheckpoint(path string) (*checkpoint, error) {
	f, r, err := openCheckpoint(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ck checkpoint
	dec := gob.NewDecoder(r)
	if err := dec.Decode(&ck); err != nil {
		// gob's own message names Go types, not the user's problem.
		return nil, fmt.Errorf("train: checkpoint %s: not a qnn training checkpoint (or one from an incompatible qnn version)", path)
	}
	if err := dec.Decode(&ck.ext); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("train: checkpoint %s: bad trainer settings after the checkpoint", path)
	}
	if ck.Format != checkpointFormat || ck.Version != checkpointVersion {
		return nil, fmt.Errorf("train: checkpoint %s: format %q version %d, want %q version %d",
			path, ck.Format, ck.Version, checkpointFormat, checkpointVersion)
	}
	if err := ck.Cfg.Validate(); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	if ck.ext.BNStats < 0 || (ck.ext.BNStats > 0 && ck.Cfg.ShiftBN) {
		return nil, fmt.Errorf("train: checkpoint %s: bad bn-stats %d", path, ck.ext.BNStats)
	}
	if ck.Model != nil {
		ck.Model.Cfg = ck.Cfg
	}
	if ck.Best != nil {
		ck.Best.Cfg = ck.Cfg
	}
	if ck.Model == nil || ck.Model.check() != nil || len(ck.Opt) != len(ck.Model.Layers) || len(ck.ConvOpt) != len(ck.Model.Convs) {
		return nil, fmt.Errorf("train: checkpoint %s: inconsistent model", path)
	}
	if ck.Best != nil && ck.Best.check() != nil {
		return nil, fmt.Errorf("train: checkpoint %s: inconsistent best model", path)
	}
	ck.Model.link()
	if ck.Best != nil {
		ck.Best.link()
	}
	return &ck, nil
}

// CheckpointConfig returns the configuration stored in a checkpoint, so the
// caller can load the data sets it needs before Resume.
func CheckpointConfig(path string) (Config, error) {
	ck, err := readCheckpoint(path)
	if err != nil {
		return Config{}, err
	}
	return ck.Cfg, nil
}

// Resume restores a trainer from a checkpoint. train and val must be the
// data the run started with.
func Resume(path string, train, val *dataset.Set) (*Trainer, error) {
	ck, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	pcg := &rand.PCG{}
	if err := pcg.UnmarshalBinary(ck.RNG); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	m := ck.Model
	m.Cfg = ck.Cfg
	err = m.eachLayer(func(l layer, k int) error {
		if !l.loadOpt(ck, k) {
			return fmt.Errorf("train: checkpoint %s: %s %d: bad optimizer state", path, l.kind(), k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.prepare()
	if ck.Best != nil {
		ck.Best.Cfg = ck.Cfg
		ck.Best.prepare()
	}
	t := &Trainer{cfg: ck.Cfg, model: m, best: ck.Best, bestAcc: ck.BestAcc, bestEpoch: ck.BestEpoch,
		pcg: pcg, rng: rand.New(pcg), epoch: ck.Epoch, step: ck.Step, perm: ck.Perm,
		lossSum: ck.LossSum, correct: ck.Correct, elapsed: ck.Elapsed, history: ck.History, bnStats: ck.ext.BNStats}
	if err := t.attach(train, val); err != nil {
		return nil, err
	}
	if t.step > 0 && (len(t.perm) != train.N || t.step > t.Batches()) {
		return nil, fmt.Errorf("train: checkpoint %s: made with %d training images, got %d", path, len(t.perm), train.N)
	}
	return t, nil
}
