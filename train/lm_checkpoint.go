package train

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"math/rand/v2"

	"github.com/qnn-dev/qnn/netlist"
)

// The LSTM trainer's checkpoint (LMOptions.Checkpoint, ResumeLM): the
// state of a run between two epochs, gob-encoded: configuration, latent
// parameters, Adam state, dropout generator, best epoch's model and the
// history. A resumed run continues bit for bit as the uninterrupted one.
const (
	lmCheckpointFormat  = "qnn-lm-checkpoint"
	lmCheckpointVersion = 1
)

type lmCheckpoint struct {
	Format  string
	Version int
	Cfg     LMConfig
	Params  [][]float32 // LM.params() order
	Opt     []*optimState
	Best    [][]float32 // nil before the first epoch
	BestPPL float64
	RNG     []byte
	Epoch   int
	History []LMEpoch
}

// save writes the run's state to path atomically.
func (r *lmRun) save(path string) error {
	rng, err := r.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	ck := lmCheckpoint{Format: lmCheckpointFormat, Version: lmCheckpointVersion, Cfg: r.cfg, Params: r.m.params(),
		Opt: r.opts, BestPPL: r.bestPPL, RNG: rng, Epoch: r.epoch, History: r.hist}
	if r.best != nil {
		ck.Best = r.best.params()
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&ck); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := netlist.WriteFileAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return nil
}

// ResumeLM continues the run whose checkpoint is at path (written by
// LMOptions.Checkpoint) on the same streams, from the epoch after the
// last one it recorded; opt.Checkpoint, if set, goes on being written.
func ResumeLM(ctx context.Context, path string, trainStream, valid []int32, opt LMOptions) (*LM, []LMEpoch, error) {
	r, err := readLMCheckpoint(path)
	if err != nil {
		return nil, nil, err
	}
	return r.run(ctx, trainStream, valid, opt)
}

// LMCheckpointConfig is the configuration a checkpoint trains.
func LMCheckpointConfig(path string) (LMConfig, error) {
	r, err := readLMCheckpoint(path)
	if err != nil {
		return LMConfig{}, err
	}
	return r.cfg, nil
}

// readLMCheckpoint decodes and checks a checkpoint, bounded by its size.
func readLMCheckpoint(path string) (*lmRun, error) {
	f, rd, err := openCheckpoint(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ck lmCheckpoint
	if err := gob.NewDecoder(rd).Decode(&ck); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: not a qnn LSTM training checkpoint (or one from an incompatible qnn version)", path)
	}
	if ck.Format != lmCheckpointFormat || ck.Version != lmCheckpointVersion {
		return nil, fmt.Errorf("train: checkpoint %s: format %q version %d, want %q version %d", path, ck.Format, ck.Version, lmCheckpointFormat, lmCheckpointVersion)
	}
	if err := ck.Cfg.Validate(); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	m, err := NewLM(ck.Cfg)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	bad := func(what string) error { return fmt.Errorf("train: checkpoint %s: inconsistent %s", path, what) }
	if ck.Epoch < 1 || ck.Epoch > ck.Cfg.Epochs || len(ck.History) != ck.Epoch {
		return nil, bad("epoch count")
	}
	if err := setParams(m, ck.Params); err != nil {
		return nil, bad("model")
	}
	r := &lmRun{cfg: ck.Cfg, m: m, opts: ck.Opt, pcg: &rand.PCG{}, bestPPL: ck.BestPPL, hist: ck.History, epoch: ck.Epoch}
	if len(r.opts) != len(m.params()) {
		return nil, bad("optimizer state")
	}
	for i, p := range m.params() {
		if o := r.opts[i]; o == nil || len(o.M) != len(p) || len(o.V) != len(p) || o.T < 0 {
			return nil, bad("optimizer state")
		}
	}
	if ck.Best != nil {
		r.best = m.Clone()
		if err := setParams(r.best, ck.Best); err != nil {
			return nil, bad("best model")
		}
	}
	if err := r.pcg.UnmarshalBinary(ck.RNG); err != nil {
		return nil, bad("random generator")
	}
	return r, nil
}

// setParams copies saved tensors into m's, which must have their sizes.
func setParams(m *LM, saved [][]float32) error {
	ps := m.params()
	if len(saved) != len(ps) {
		return fmt.Errorf("%d tensors, want %d", len(saved), len(ps))
	}
	for i, p := range ps {
		if len(saved[i]) != len(p) {
			return fmt.Errorf("tensor %d has %d values, want %d", i, len(saved[i]), len(p))
		}
		copy(p, saved[i])
	}
	return nil
}
