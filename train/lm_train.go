package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/qnn-dev/qnn/dataset"
)

// LMEpoch is one epoch's record.
type LMEpoch struct {
	Epoch    int
	LR       float64
	TrainPPL float64 // exp of the mean training loss (with dropout)
	ValidPPL float64 // the evaluation protocol's perplexity on the validation stream
	GradNorm float64 // mean global gradient norm before clipping
	Seconds  float64
}

// LMOptions are the non-model settings of TrainLM.
type LMOptions struct {
	// EvalSeqLen is the validation protocol's sequence length (as
	// netlist.StreamNLL's); 0 means DefaultEvalSeqLen.
	EvalSeqLen int
	// Progress, if not nil, is called after every window with the windows
	// done, their total and the running training loss.
	Progress func(done, total int, loss float64)
	// Epoch, if not nil, is called after every epoch.
	Epoch func(e LMEpoch, best bool)
	// Checkpoint, if set, is written (atomically) after every epoch:
	// ResumeLM continues from it as if the run had not stopped.
	Checkpoint string
}

// DefaultEvalSeqLen is the evaluation sequence length: the stream is cut
// into sequences of this many tokens, each from the reset state.
const DefaultEvalSeqLen = 1000

// TrainLM trains a language model on the train stream with truncated BPTT
// (cfg.Batch contiguous rows, windows of cfg.SeqLen, the state carried
// from window to window and reset at each epoch), Adam with the learning
// rate decaying exponentially from LR to LRFinal, global gradient-norm
// clipping and dropout, and returns the model of the epoch with the lowest
// validation perplexity and every epoch's record. ctx cancels between
// windows (the best model so far is returned with ctx's error).
func TrainLM(ctx context.Context, cfg LMConfig, trainStream, valid []int32, opt LMOptions) (*LM, []LMEpoch, error) {
	m, err := NewLM(cfg)
	if err != nil {
		return nil, nil, err
	}
	r := &lmRun{cfg: cfg, m: m, pcg: rand.NewPCG(cfg.Seed, 0xd20), bestPPL: math.Inf(1)}
	for _, p := range m.params() {
		r.opts = append(r.opts, newOptimState(len(p)))
	}
	return r.run(ctx, trainStream, valid, opt)
}

// lmRun is a training run's state between epochs: what a checkpoint holds.
type lmRun struct {
	cfg     LMConfig
	m       *LM
	opts    []*optimState // per m.params() tensor
	pcg     *rand.PCG     // dropout
	best    *LM
	bestPPL float64
	hist    []LMEpoch
	epoch   int // epochs done
}

// run trains the epochs from r.epoch on.
func (r *lmRun) run(ctx context.Context, trainStream, valid []int32, opt LMOptions) (*LM, []LMEpoch, error) {
	cfg, m := r.cfg, r.m
	if opt.EvalSeqLen <= 0 {
		opt.EvalSeqLen = DefaultEvalSeqLen
	}
	for _, s := range [][]int32{trainStream, valid} {
		for i, tok := range s {
			if tok < 0 || int(tok) >= cfg.Vocab {
				return nil, nil, fmt.Errorf("train: token %d at position %d is outside the vocabulary 0..%d", tok, i, cfg.Vocab-1)
			}
		}
	}
	bp, err := dataset.NewBPTT(trainStream, cfg.Batch, cfg.SeqLen)
	if err != nil {
		return nil, nil, fmt.Errorf("train: %w", err)
	}
	if len(valid) < 2 {
		return nil, nil, fmt.Errorf("train: the validation stream has %d tokens, need at least 2", len(valid))
	}
	rng := rand.New(r.pcg)
	g := newLMGrads(m)
	opts := r.opts
	windows := map[int]*lmWindow{}
	var q *lmQuant
	th := lmThreads(&cfg)
	for ep := r.epoch; ep < cfg.Epochs; ep++ {
		start := time.Now()
		lr := cfg.LR
		if cfg.Epochs > 1 {
			lr = cfg.LR * math.Pow(cfg.LRFinal/cfg.LR, float64(ep)/float64(cfg.Epochs-1))
		}
		var lossSum, normSum float64
		tokens := 0
		var carried *lmWindow
		for i := 0; i < bp.Windows(); i++ {
			if err := ctx.Err(); err != nil {
				return r.best, r.hist, err
			}
			x, y := bp.Window(i)
			T := len(x[0])
			w := windows[T]
			if w == nil {
				w = newLMWindow(&m.Cfg, T, cfg.Batch)
				windows[T] = w
			}
			if carried == nil {
				w.resetState()
			} else if carried != w {
				copy(w.h0, carried.hT)
				copy(w.c0, carried.cT)
			} else {
				w.carry()
			}
			for b := range x {
				for t := 0; t < T; t++ {
					w.tok[t*cfg.Batch+b], w.tgt[t*cfg.Batch+b] = x[b][t], y[b][t]
				}
			}
			q = newLMQuantInto(q, m, w.tok)
			m.forward(q, w, rng)
			lossSum += softmaxLoss(w, cfg.Vocab, th)
			tokens += T * cfg.Batch
			g.zero()
			m.backward(q, w, g)
			normSum += clipGrads(g, cfg.Clip)
			for k, p := range m.params() {
				opts[k].step("adam", p, g.list()[k], lr, false, th)
			}
			carried = w
			if opt.Progress != nil {
				opt.Progress(i+1, bp.Windows(), lossSum/float64(tokens))
			}
		}
		if err := m.finite(); err != nil {
			return r.best, r.hist, fmt.Errorf("%w (epoch %d; try a lower --lr than %g)", err, ep+1, cfg.LR)
		}
		sum, count := m.StreamNLL(valid, opt.EvalSeqLen)
		e := LMEpoch{Epoch: ep + 1, LR: lr, TrainPPL: math.Exp(lossSum / float64(tokens)),
			ValidPPL: math.Exp(sum / float64(count)), GradNorm: normSum / float64(bp.Windows()),
			Seconds: time.Since(start).Seconds()}
		r.hist = append(r.hist, e)
		isBest := e.ValidPPL < r.bestPPL
		if isBest {
			r.bestPPL, r.best = e.ValidPPL, m.Clone()
		}
		r.epoch = ep + 1
		if opt.Checkpoint != "" {
			if err := r.save(opt.Checkpoint); err != nil {
				return r.best, r.hist, err
			}
		}
		if opt.Epoch != nil {
			opt.Epoch(e, isBest)
		}
	}
	return r.best, r.hist, nil
}
