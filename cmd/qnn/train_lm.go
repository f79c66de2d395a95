package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/train"
	"github.com/urfave/cli/v2"
)

// lmFlags are the flags only the LSTM language model takes.
func lmFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "seq-len", Usage: "lstm: BPTT window of `N` tokens", DefaultText: "35"},
		&cli.IntFlag{Name: "embed", Usage: "lstm: embedding size `N`", DefaultText: "the hidden size"},
		&cli.Float64Flag{Name: "clip", Usage: "lstm: clip the global gradient norm to `NORM` (0: off)", DefaultText: "1"},
		&cli.IntFlag{Name: "eval-seq-len", Usage: "lstm: evaluate in sequences of `N` tokens, each from the reset state", DefaultText: "1000"},
	}
}

// isLMRun reports whether the flags ask for the LSTM language model.
func isLMRun(c *cli.Context) bool {
	return c.String("arch") == "lstm" || c.String("dataset") == dataset.PTB
}

// lmResult is what `qnn train --arch lstm` reports.
type lmResult struct {
	Model        string          `json:"model"`
	Out          string          `json:"out,omitempty"`
	Config       train.LMConfig  `json:"config"`
	Epochs       []train.LMEpoch `json:"epochs"`
	BestEpoch    int             `json:"best_epoch"`
	ValidPPL     float64         `json:"valid_ppl"`
	TestPPL      float64         `json:"test_ppl"`         // the trainer's (quantized) forward
	NetlistPPL   float64         `json:"netlist_test_ppl"` // the exported netlist's, 0 for float
	TestTokens   int             `json:"test_tokens"`
	Disagree     int             `json:"disagreeing_tokens"` // test tokens whose trainer and netlist scores differ
	EvalSeqLen   int             `json:"eval_seq_len"`
	Seconds      float64         `json:"seconds"`
	TrainSeconds float64         `json:"train_seconds"`
}

func lmConfigFromFlags(c *cli.Context) (train.LMConfig, error) {
	if c.IsSet("dataset") && c.String("dataset") != dataset.PTB {
		return train.LMConfig{}, fmt.Errorf("train: --arch lstm trains on --dataset ptb, not %q", c.String("dataset"))
	}
	if c.IsSet("arch") && c.String("arch") != "lstm" {
		return train.LMConfig{}, fmt.Errorf("train: --dataset ptb trains --arch lstm, not %q", c.String("arch"))
	}
	for _, f := range []string{"layers", "input-bits", "input-threshold", "input-size", "augment", "augment-style", "loss", "optimizer",
		"gbits", "shift-bn", "bn-stats", "dropout-in", "plot"} {
		if c.IsSet(f) {
			return train.LMConfig{}, fmt.Errorf("train: --%s does not apply to --arch lstm", f)
		}
	}
	wb, ab := 4, 4
	if c.IsSet("wbits") {
		wb = c.Int("wbits")
	}
	if c.IsSet("abits") {
		ab = c.Int("abits")
	}
	if wb == 32 && ab == 32 {
		wb, ab = 0, 0 // the float baseline
	} else if wb == 32 || ab == 32 {
		return train.LMConfig{}, fmt.Errorf("train: --wbits %d --abits %d: 32 (float) is for both or neither", wb, ab)
	}
	cfg := train.DefaultLMConfig(wb, ab)
	if c.IsSet("hidden") {
		h, err := train.ParseHidden(c.String("hidden"))
		if err != nil || len(h) != 1 {
			return cfg, fmt.Errorf("train: --hidden for --arch lstm is one size (one LSTM layer), got %q", c.String("hidden"))
		}
		cfg.Hidden, cfg.Dim = h[0], h[0]
	}
	ints := []struct {
		flag string
		dst  *int
	}{{"embed", &cfg.Dim}, {"seq-len", &cfg.SeqLen}, {"batch", &cfg.Batch}, {"epochs", &cfg.Epochs}, {"threads", &cfg.Threads}}
	for _, f := range ints {
		if c.IsSet(f.flag) {
			*f.dst = c.Int(f.flag)
		}
	}
	floats := []struct {
		flag string
		dst  *float64
	}{{"lr", &cfg.LR}, {"lr-final", &cfg.LRFinal}, {"clip", &cfg.Clip}, {"dropout", &cfg.Dropout}}
	for _, f := range floats {
		if c.IsSet(f.flag) {
			*f.dst = c.Float64(f.flag)
		}
	}
	if c.IsSet("lr") && !c.IsSet("lr-final") {
		cfg.LRFinal = min(cfg.LRFinal, cfg.LR)
	}
	cfg.Seed = c.Uint64("seed")
	return cfg, cfg.Validate()
}

// lmConfigFlags are the flags that set an LSTM's configuration, which
// --resume takes from its checkpoint.
var lmConfigFlags = []string{"hidden", "embed", "seq-len", "batch", "epochs", "lr", "lr-final", "clip", "dropout", "wbits", "abits", "seed"}

// lmResumeConfig is the configuration of the checkpoint --resume names;
// the flags that would change it are refused.
func lmResumeConfig(c *cli.Context, path string) (train.LMConfig, error) {
	for _, f := range lmConfigFlags {
		if c.IsSet(f) {
			return train.LMConfig{}, fmt.Errorf("train: --%s cannot be combined with --resume (the checkpoint holds the configuration)", f)
		}
	}
	cfg, err := train.LMCheckpointConfig(path)
	if err != nil {
		return cfg, err
	}
	if c.IsSet("threads") {
		cfg.Threads = c.Int("threads")
	}
	return cfg, nil
}

// runTrainLM is `qnn train --arch lstm --dataset ptb`.
func runTrainLM(c *cli.Context, e *env) error {
	start := time.Now()
	resume := c.String("resume")
	var cfg train.LMConfig
	var err error
	if resume != "" {
		cfg, err = lmResumeConfig(c, resume)
	} else {
		cfg, err = lmConfigFromFlags(c)
	}
	if err != nil {
		return userErr(err)
	}
	if c.Args().Present() {
		return userErrf("train: takes no arguments, got %q", c.Args().Slice())
	}
	evalLen := train.DefaultEvalSeqLen
	if c.IsSet("eval-seq-len") {
		if evalLen = c.Int("eval-seq-len"); evalLen < 1 {
			return userErrf("train: --eval-seq-len must be positive, got %d", evalLen)
		}
	}
	out, metrics := c.String("out"), c.String("metrics")
	if out == "" && cfg.Quantized() {
		out = cfg.Name() + ".json"
	}
	if out != "" && !cfg.Quantized() {
		return userErrf("train: --out: the 32-bit float LSTM has no netlist form (train with --wbits/--abits 2..8 to export)")
	}
	ckpt := c.String("checkpoint")
	if ckpt == "" {
		ckpt = cmp.Or(out, cfg.Name()+".json") + ".ckpt"
	}
	for _, f := range []struct{ flag, path string }{{"out", out}, {"metrics", metrics}, {"checkpoint", ckpt}} {
		if f.path != "" {
			if err := checkWritable(f.path); err != nil {
				return userErr(fmt.Errorf("train: --%s %s: cannot write: %w", f.flag, f.path, err))
			}
		}
	}
	corpus, err := dataset.LoadPTB(dataset.PTBOptions{Dir: c.String("data-dir")})
	if err != nil {
		return userErr(err)
	}
	if c.IsSet("limit") {
		// The first N tokens of every split (CI-sized runs).
		n := c.Int("limit")
		if n < 2 {
			return userErrf("train: --limit for --arch lstm is a token count >= 2, got %d", n)
		}
		corpus.Train, corpus.Valid, corpus.Test = corpus.Train[:min(n, len(corpus.Train))], corpus.Valid[:min(n, len(corpus.Valid))], corpus.Test[:min(n, len(corpus.Test))]
	}
	if cfg.Vocab != corpus.VocabSize() {
		return userErrf("train: the corpus has %d words, the model %d", corpus.VocabSize(), cfg.Vocab)
	}
	quiet := c.Bool("quiet")
	opt := train.LMOptions{EvalSeqLen: evalLen, Checkpoint: ckpt, Epoch: func(ep train.LMEpoch, best bool) {
		if quiet {
			return
		}
		mark := ""
		if best {
			mark = "  *"
		}
		fmt.Fprintf(e.stderr, "epoch %3d/%d  train ppl %.2f  valid ppl %.2f  lr %.3g  |g| %.3g  %.1fs%s\n",
			ep.Epoch, cfg.Epochs, ep.TrainPPL, ep.ValidPPL, ep.LR, ep.GradNorm, ep.Seconds, mark)
	}}
	if !quiet && isTerminal(e.stderr) {
		opt.Progress = func(done, total int, loss float64) {
			if done%20 == 0 || done == total {
				fmt.Fprintf(e.stderr, "\r\033[Kwindow %d/%d  train ppl %.2f", done, total, math.Exp(loss))
				if done == total {
					fmt.Fprint(e.stderr, "\r\033[K")
				}
			}
		}
	}
	var m *train.LM
	var hist []train.LMEpoch
	if resume != "" {
		m, hist, err = train.ResumeLM(e.ctx, resume, corpus.Train, corpus.Valid, opt)
	} else {
		m, hist, err = train.TrainLM(e.ctx, cfg, corpus.Train, corpus.Valid, opt)
	}
	if err != nil {
		if errors.Is(err, e.ctx.Err()) && e.ctx.Err() != nil {
			if len(hist) == 0 {
				return interrupted("train", "nothing written (no epoch finished)")
			}
			return interrupted("train", fmt.Sprintf("checkpoint of epoch %d in %s: continue with --resume %s", len(hist), ckpt, ckpt))
		}
		return userErr(err)
	}
	r := lmResult{Model: cfg.Name(), Out: out, Config: cfg, Epochs: hist, EvalSeqLen: evalLen, TrainSeconds: time.Since(start).Seconds()}
	for _, ep := range hist {
		if r.BestEpoch == 0 || ep.ValidPPL < r.ValidPPL {
			r.BestEpoch, r.ValidPPL = ep.Epoch, ep.ValidPPL
		}
	}
	sum, count := m.StreamNLL(corpus.Test, evalLen)
	r.TestPPL, r.TestTokens = math.Exp(sum/float64(count)), count
	if cfg.Quantized() {
		if err := exportLM(m, corpus, &r); err != nil {
			return err
		}
	}
	if metrics != "" {
		if err := netlist.WriteFileAtomic(metrics, lmMetricsCSV(hist)); err != nil {
			return userErr(fmt.Errorf("train: --metrics: %w", err))
		}
	}
	r.Seconds = time.Since(start).Seconds()
	if c.Bool("json") {
		return writeJSON(e.stdout, r)
	}
	return writeLMText(e.stdout, &r)
}

// exportLM exports the quantized model, checks it against the trainer on
// every test token and saves it.
func exportLM(m *train.LM, corpus *dataset.Corpus, r *lmResult) error {
	n, err := m.Export(r.Model)
	if err != nil {
		return err
	}
	n.Meta = map[string]string{"dataset": "ptb", "trainer": "qnn train --arch lstm",
		"valid_ppl": fmt.Sprintf("%.4f", r.ValidPPL), "test_ppl": fmt.Sprintf("%.4f", r.TestPPL), "eval_seq_len": fmt.Sprint(r.EvalSeqLen)}
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		return err
	}
	sum, count, differ, err := m.CheckExport(f, n.OutputLayer().LogitScale, corpus.Test, r.EvalSeqLen)
	if err != nil {
		return err
	}
	r.NetlistPPL, r.Disagree = math.Exp(sum/float64(count)), differ
	if err := netlist.Save(r.Out, n); err != nil {
		return userErr(err)
	}
	return nil
}

func lmMetricsCSV(hist []train.LMEpoch) []byte {
	var b strings.Builder
	b.WriteString("epoch,lr,train_ppl,valid_ppl,grad_norm,seconds\n")
	for _, e := range hist {
		fmt.Fprintf(&b, "%d,%g,%.4f,%.4f,%.4g,%.1f\n", e.Epoch, e.LR, e.TrainPPL, e.ValidPPL, e.GradNorm, e.Seconds)
	}
	return []byte(b.String())
}

func writeLMText(w io.Writer, r *lmResult) error {
	fmt.Fprintf(w, "model %s: best epoch %d of %d, validation perplexity %.2f\n", r.Model, r.BestEpoch, len(r.Epochs), r.ValidPPL)
	fmt.Fprintf(w, "test perplexity %.2f over %d tokens (sequences of %d from the reset state)\n", r.TestPPL, r.TestTokens, r.EvalSeqLen)
	if r.Out != "" {
		fmt.Fprintf(w, "netlist %s: test perplexity %.2f, %d of %d test tokens with scores differing from the trainer's\n",
			r.Out, r.NetlistPPL, r.Disagree, r.TestTokens)
	} else {
		fmt.Fprintln(w, "32-bit float baseline: no netlist")
	}
	_, err := fmt.Fprintf(w, "%.0f s (training %.0f s)\n", r.Seconds, r.TrainSeconds)
	return err
}
