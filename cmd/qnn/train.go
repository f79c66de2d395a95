package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/flow"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/train"
	"github.com/urfave/cli/v2"
)

// trainFlagNames are the flags that define a run; --resume takes them from
// the checkpoint instead.
var trainFlagNames = []string{"dataset", "arch", "hidden", "layers", "augment-style", "wbits", "abits", "input-bits", "input-threshold", "input-size",
	"epochs", "batch", "lr", "lr-final", "seed", "limit", "dropout", "dropout-in", "augment", "loss", "optimizer",
	"gbits", "shift-bn"}

// trainOptions are train's checked flag values other than the run's
// configuration.
type trainOptions struct {
	cfg                      train.Config
	out, checkpoint, resume  string
	metrics, plot, dataDir   string
	quiet, json, progressBar bool
	// bnStats is --bn-stats (-1: not set, the architecture's default or
	// the checkpoint's).
	bnStats int
}

// trainReport is what `qnn train --json` prints.
type trainReport struct {
	Model         string  `json:"model"`
	Checkpoint    string  `json:"checkpoint"`
	Name          string  `json:"name"`
	Dataset       string  `json:"dataset"`
	Hidden        []int   `json:"hidden"`
	Layers        string  `json:"layers,omitempty"` // layer string of a conv net
	WeightBits    int     `json:"weight_bits"`
	ActBits       int     `json:"act_bits"`
	InputBits     int     `json:"input_bits"`
	Epochs        int     `json:"epochs"`
	BestEpoch     int     `json:"best_epoch"`
	ValAccuracy   float64 `json:"val_accuracy"`
	TestImages    int     `json:"test_images"`
	TestAccuracy  float64 `json:"test_accuracy"` // netlist.Eval on the saved file
	Disagreements int     `json:"disagreements"` // float model vs netlist on the test set
	// RoundingDisagreements counts test images whose class would change if
	// the output offsets were not rounded to integers (information only).
	RoundingDisagreements int                `json:"rounding_disagreements"`
	Seconds               float64            `json:"seconds"` // training wall time of this invocation
	History               []train.EpochStats `json:"history"`
}

func trainCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train a binarized or quantized MLP or conv net and export it exactly as a netlist",
		Flags: append(trainFlags(), lmFlags()...),
		Action: func(c *cli.Context) error {
			if isLMRun(c) {
				return runTrainLM(c, e)
			}
			opt, err := trainFlagValues(c, e)
			if err != nil {
				return err
			}
			r, err := runTrain(e, opt)
			if err != nil {
				return err
			}
			if opt.json {
				return writeJSON(e.stdout, r)
			}
			return writeTrainText(e.stdout, r)
		},
	}
}

func trainFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dataset", Value: "mnist", Usage: "data set `NAME`: " + strings.Join(datasetNames, "|") + ", or images:DIR, idx:DIR (docs/datasets.md)", DefaultText: "mnist, cifar10 for cnv"},
		&cli.StringFlag{Name: "arch", Value: "tfc", Usage: "`ARCH`itecture: tfc (784-64x3-10), sfc (256x3), lfc (1024x3), mlp4096 (4096x3), lenet (small conv net), cnv28 (CNV-style net for 28x28, 8-bit pixels), cnv (FINN's CNV), lstm (word-level LSTM language model on --dataset ptb); sets the default schedule"},
		&cli.StringFlag{Name: "hidden", Usage: "hidden layer `WIDTHS`, e.g. 1024,1024,1024 (overrides --arch's)"},
		&cli.StringFlag{Name: "layers", Usage: "convolutional layer `STACK`, e.g. c64,c64,p2,c128k3p1,f512,f10 (c<F>[k<K>][s<S>][p<P>] conv, p<K> max-pool, f<N> dense; see docs/training.md)"},
		&cli.IntFlag{Name: "wbits", Value: 1, Usage: "weight `BITS`: 1|2|4"},
		&cli.IntFlag{Name: "abits", Value: 1, Usage: "activation `BITS`: 1|2|4"},
		&cli.IntFlag{Name: "input-bits", Value: 1, Usage: "input `BITS`: 1 (binarized pixels) or 8 (raw pixels)", DefaultText: "1, 8 for cifar10 and cnv"},
		&cli.IntFlag{Name: "input-threshold", Value: 128, Usage: "pixel binarization `THRESHOLD` for --input-bits 1"},
		inputSizeFlag(),
		&cli.IntFlag{Name: "epochs", Usage: "number of `EPOCHS`", DefaultText: "per architecture"},
		&cli.IntFlag{Name: "batch", Usage: "batch `SIZE`", DefaultText: "per architecture"},
		&cli.Float64Flag{Name: "lr", Usage: "initial learning `RATE`", DefaultText: "per architecture"},
		&cli.Float64Flag{Name: "lr-final", Usage: "final learning `RATE` (exponential decay)", DefaultText: "per architecture"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random `SEED` (same seed, same model file)"},
		&cli.IntFlag{Name: "limit", Usage: "train on the first `N` images only (lstm: the first N tokens of every split)", DefaultText: "all training images: 50000 (MNIST), 45000 (CIFAR-10)"},
		&cli.Float64Flag{Name: "dropout", Usage: "dropout `P` on hidden activations", DefaultText: "per architecture"},
		&cli.Float64Flag{Name: "dropout-in", Usage: "dropout `P` on the input", DefaultText: "per architecture"},
		&cli.IntFlag{Name: "augment", Usage: "shift training images randomly by up to `N` pixels each way, i.e. pad by N and crop (0: off)", DefaultText: "per architecture"},
		&cli.StringFlag{Name: "augment-style", Usage: "`STYLE` of augmentation: crop (random crop only) or crop-flip (and horizontal flips)", DefaultText: "crop-flip for cnv, else crop"},
		&cli.StringFlag{Name: "loss", Value: "hinge", Usage: "`LOSS`: hinge (squared hinge) or xent (cross-entropy)"},
		&cli.StringFlag{Name: "optimizer", Value: "adam", Usage: "`OPT`: adam or shift-adamax (shift-based AdaMax)"},
		&cli.IntFlag{Name: "gbits", Usage: "quantize gradients to `BITS` bits (stochastic rounding); 0: off"},
		&cli.BoolFlag{Name: "shift-bn", Usage: "shift-based batch norm (powers of two)"},
		&cli.IntFlag{Name: "bn-stats", Usage: "recompute the batch-norm statistics exactly on the first `N` training images before every validation and the export (0: the running averages; may be given with --resume)", DefaultText: "10000 for lenet and cnv, else 0"},
		&cli.IntFlag{Name: "threads", Usage: "`N` goroutines for matrix products (0: one per CPU)"},
		&cli.StringFlag{Name: "out", Usage: "exported netlist `FILE`", DefaultText: "NAME.json, e.g. tfc-w1a1.json"},
		&cli.StringFlag{Name: "checkpoint", Usage: "checkpoint `FILE`, written after every epoch and on Ctrl-C", DefaultText: "OUT.ckpt"},
		&cli.StringFlag{Name: "resume", Usage: "resume from checkpoint `FILE` (its configuration is used)"},
		&cli.StringFlag{Name: "metrics", Usage: "write per-epoch metrics to CSV `FILE`"},
		&cli.StringFlag{Name: "plot", Usage: "draw loss and accuracy curves to PNG `FILE`"},
		&cli.StringFlag{Name: "data-dir", Usage: "`DIR` holding the data set's files, or CIFAR-10's tarball", DefaultText: "the installed copy"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress bar and no per-epoch lines on stderr"},
		&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
	}
}

// trainFlagValues reads and checks train's flags; every problem is a user
// error.
func trainFlagValues(c *cli.Context, e *env) (trainOptions, error) {
	opt := trainOptions{out: c.String("out"), checkpoint: c.String("checkpoint"), resume: c.String("resume"),
		metrics: c.String("metrics"), plot: c.String("plot"), dataDir: c.String("data-dir"),
		quiet: c.Bool("quiet"), json: c.Bool("json"), bnStats: -1}
	if c.IsSet("bn-stats") {
		if opt.bnStats = c.Int("bn-stats"); opt.bnStats < 0 {
			return opt, userErrf("train: --bn-stats must not be negative, got %d", opt.bnStats)
		}
	}
	// The bar is drawn on stderr, only when both stdout and stderr are
	// terminals (issue 3: off when stdout is not a terminal).
	opt.progressBar = !opt.quiet && isTerminal(e.stderr) && isTerminal(e.stdout)
	if c.Args().Present() {
		return opt, userErrf("train: takes no arguments, got %q", c.Args().Slice())
	}
	if opt.resume != "" {
		for _, f := range trainFlagNames {
			if c.IsSet(f) {
				return opt, userErrf("train: --%s cannot be combined with --resume (the checkpoint holds the configuration)", f)
			}
		}
		cfg, err := train.CheckpointConfig(opt.resume)
		if err != nil {
			return opt, userErr(err)
		}
		opt.cfg = cfg
	} else {
		cfg, err := configFromFlags(c)
		if err != nil {
			return opt, userErr(err)
		}
		opt.cfg = cfg
	}
	opt.cfg.Threads = c.Int("threads")
	if err := opt.cfg.Validate(); err != nil {
		return opt, userErr(err)
	}
	if opt.bnStats > 0 && opt.cfg.ShiftBN {
		return opt, userErrf("train: --bn-stats needs exact batch norm, not --shift-bn")
	}
	if opt.out == "" {
		opt.out = opt.cfg.Name() + ".json"
	}
	if opt.checkpoint == "" {
		opt.checkpoint = opt.out + ".ckpt"
	}
	// Refuse unwritable outputs before training, not after it.
	for _, f := range []struct{ flag, path string }{{"out", opt.out}, {"checkpoint", opt.checkpoint},
		{"metrics", opt.metrics}, {"plot", opt.plot}} {
		if f.path == "" {
			continue
		}
		if err := checkWritable(f.path); err != nil {
			return opt, userErr(fmt.Errorf("train: --%s %s: cannot write: %w", f.flag, f.path, err))
		}
	}
	return opt, nil
}

// checkWritable reports whether a file can be created next to path, and
// path itself is not a directory.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("it is a directory")
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".qnn-write-check*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// configFromFlags builds the run's configuration: the architecture's
// defaults overridden by the flags that were set.
func configFromFlags(c *cli.Context) (train.Config, error) {
	cfg, err := train.DefaultConfig(c.String("arch"))
	if err != nil {
		return cfg, err
	}
	if c.IsSet("hidden") && c.IsSet("layers") {
		return cfg, fmt.Errorf("train: --hidden and --layers cannot be combined (--layers holds the dense widths too)")
	}
	if c.IsSet("hidden") {
		if cfg.Hidden, err = train.ParseHidden(c.String("hidden")); err != nil {
			return cfg, err
		}
		cfg.Arch, cfg.Layers = "custom", ""
	}
	if c.IsSet("layers") {
		st, err := train.ParseLayers(c.String("layers"))
		if err != nil {
			return cfg, err
		}
		cfg.Arch, cfg.Layers, cfg.Hidden = "custom", c.String("layers"), st.Dense[:len(st.Dense)-1]
	}
	if c.IsSet("augment-style") {
		switch c.String("augment-style") {
		case "crop":
			cfg.Flip = false
		case "crop-flip":
			cfg.Flip = true
		default:
			return cfg, fmt.Errorf("train: unknown augmentation style %q (want crop or crop-flip)", c.String("augment-style"))
		}
	}
	if c.IsSet("dataset") || cfg.Dataset == "" {
		cfg.Dataset = c.String("dataset") // else the architecture's (cifar10 for cnv)
	}
	cfg.Seed, cfg.Limit = c.Uint64("seed"), c.Int("limit")
	cfg.WBits, cfg.ABits = c.Int("wbits"), c.Int("abits")
	switch {
	case c.IsSet("input-bits"):
		cfg.InputBits = c.Int("input-bits")
	case cfg.Dataset == dataset.CIFAR10:
		cfg.InputBits = 8
	} // else the architecture's default
	cfg.InputThreshold, cfg.Loss, cfg.Optimizer = c.Int("input-threshold"), c.String("loss"), c.String("optimizer")
	cfg.GBits, cfg.ShiftBN = c.Int("gbits"), c.Bool("shift-bn")
	if cfg.InputSize, err = inputSizeValue(c, "train"); err != nil {
		return cfg, err
	}
	if c.IsSet("dropout") {
		cfg.Drop = c.Float64("dropout")
	}
	if c.IsSet("dropout-in") {
		cfg.DropIn = c.Float64("dropout-in")
	}
	if c.IsSet("augment") {
		cfg.Augment = c.Int("augment")
	}
	if c.IsSet("epochs") {
		cfg.Epochs = c.Int("epochs")
	}
	if c.IsSet("batch") {
		cfg.Batch = c.Int("batch")
	}
	if c.IsSet("lr") {
		cfg.LR = c.Float64("lr")
	}
	if c.IsSet("lr-final") {
		cfg.LRFinal = c.Float64("lr-final")
	}
	return cfg, nil
}

// loadTrainingData splits the data set's training file into the training
// images (the first 50,000, or --limit) and the validation images (the
// rest).
func loadTrainingData(opt trainOptions) (trainSet, val *dataset.Set, err error) {
	full, err := loadResized(opt.cfg, "train", opt.dataDir)
	if err != nil {
		return nil, nil, err
	}
	trainSet, val, err = train.Split(full, opt.cfg.Limit)
	if err != nil {
		return nil, nil, userErr(err)
	}
	return trainSet, val, nil
}

// runTrain trains (or resumes), saves the best model and evaluates it on
// the test set.
func runTrain(e *env, opt trainOptions) (*trainReport, error) {
	trainSet, val, err := loadTrainingData(opt)
	if err != nil {
		return nil, err
	}
	test, err := loadResized(opt.cfg, "test", opt.dataDir)
	if err != nil {
		return nil, err
	}
	var tr *train.Trainer
	if opt.resume != "" {
		tr, err = train.Resume(opt.resume, trainSet, val)
	} else {
		tr, err = train.New(opt.cfg, trainSet, val)
	}
	if err != nil {
		return nil, userErr(err)
	}
	if err := setBNStats(opt, tr); err != nil {
		return nil, userErr(err)
	}
	e.log.Debug("training", "name", opt.cfg.Name(), "hidden", opt.cfg.Hidden, "images", trainSet.N, "epochs", opt.cfg.Epochs)
	start := time.Now()
	if err := trainLoop(e, opt, tr); err != nil {
		return nil, err
	}
	r, err := finalReport(opt, tr, test)
	if err != nil {
		return nil, err
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// setBNStats applies --bn-stats, or for a new run the architecture's
// default (a resumed run keeps its checkpoint's).
func setBNStats(opt trainOptions, tr *train.Trainer) error {
	switch {
	case opt.bnStats >= 0:
		return tr.SetBNStats(opt.bnStats)
	case opt.resume == "" && !opt.cfg.ShiftBN:
		return tr.SetBNStats(train.DefaultBNStats(opt.cfg.Arch))
	}
	return nil
}

// trainLoop runs the trainer with the progress bar, epoch lines, model
// saving and metrics; Ctrl-C saves a checkpoint and ends the command.
func trainLoop(e *env, opt trainOptions, tr *train.Trainer) error {
	ctx := e.ctx
	bar := &progressBar{w: e.stderr, on: opt.progressBar}
	var saveErr error
	hooks := train.Hooks{Checkpoint: opt.checkpoint, Batch: bar.update}
	hooks.Epoch = func(st train.EpochStats) {
		bar.clear()
		if !opt.quiet {
			fmt.Fprintf(e.stderr, "epoch %3d/%d  loss %.4f  train %.2f%%  val %.2f%%  lr %.3g  %.1fs%s\n",
				st.Epoch, opt.cfg.Epochs, st.Loss, 100*st.TrainAcc, 100*st.ValAcc, st.LR, st.Seconds, bestMark(st.Best))
		}
		if st.Best && saveErr == nil {
			saveErr = saveBest(opt, tr)
		}
		if saveErr == nil {
			saveErr = writeMetrics(opt, tr.History())
		}
	}
	err := tr.Run(ctx, hooks)
	bar.clear()
	if errors.Is(err, train.ErrInterrupted) {
		return interrupted("train", fmt.Sprintf("checkpoint saved to %s (continue with --resume %s); best model so far in %s",
			opt.checkpoint, opt.checkpoint, opt.out))
	}
	if errors.Is(err, train.ErrDiverged) {
		kept := "no checkpoint was written (no epoch finished)"
		if len(tr.History()) > 0 {
			kept = fmt.Sprintf("the checkpoint of the last good epoch (%d) is kept in %s", len(tr.History()), opt.checkpoint)
		}
		return userErr(fmt.Errorf("%w; %s", err, kept))
	}
	if err != nil {
		return err
	}
	if saveErr != nil {
		return saveErr
	}
	if best, _, _ := tr.Best(); best == nil {
		return fmt.Errorf("train: no epoch finished")
	}
	// Save again: a resumed run that had already finished has not saved.
	if err := saveBest(opt, tr); err != nil {
		return err
	}
	if _, acc, _ := tr.Best(); acc < 1.5/float64(dataset.Classes) {
		e.log.Warn(fmt.Sprintf("the model did not learn: best validation accuracy %.2f%%, chance is %.0f%%; is the learning rate (--lr %g) too high?",
			100*acc, 100/float64(dataset.Classes), opt.cfg.LR))
	}
	return writeMetrics(opt, tr.History())
}

func bestMark(best bool) string {
	if best {
		return "  *"
	}
	return ""
}

// saveBest exports the best model to --out.
func saveBest(opt trainOptions, tr *train.Trainer) error {
	n, err := tr.ExportBest()
	if err != nil {
		return err
	}
	if err := netlist.Save(opt.out, n); err != nil {
		return userErr(err)
	}
	return nil
}

// finalReport evaluates the saved model file with netlist.Eval on the test
// set and counts disagreements with the float model.
func finalReport(opt trainOptions, tr *train.Trainer, test *dataset.Set) (*trainReport, error) {
	best, acc, epoch := tr.Best()
	if best == nil {
		return nil, fmt.Errorf("train: no epoch finished")
	}
	n, err := netlist.Load(opt.out)
	if err != nil {
		return nil, err
	}
	res, err := netlist.Eval(n, test.Pixels, test.N)
	if err != nil {
		return nil, err
	}
	classes, unrounded := best.Inference().Predict(test.Pixels, test.N)
	cfg := tr.Config()
	r := &trainReport{Model: opt.out, Checkpoint: opt.checkpoint, Name: n.Name, Dataset: cfg.Dataset,
		Hidden: cfg.Hidden, Layers: cfg.Layers, WeightBits: cfg.WBits, ActBits: cfg.ABits, InputBits: cfg.InputBits,
		Epochs: cfg.Epochs, BestEpoch: epoch, ValAccuracy: acc, TestImages: test.N, History: tr.History()}
	correct := 0
	for i, x := range res {
		if x.Class == int(test.Labels[i]) {
			correct++
		}
		if x.Class != classes[i] {
			r.Disagreements++
		}
		if unrounded[i] != classes[i] {
			r.RoundingDisagreements++
		}
	}
	r.TestAccuracy = float64(correct) / float64(test.N)
	return r, nil
}

func writeTrainText(w io.Writer, r *trainReport) error {
	fmt.Fprintf(w, "model:          %s (%s, %s)\n", r.Model, r.Name, r.Dataset)
	fmt.Fprintf(w, "best epoch:     %d of %d, validation accuracy %.2f%%\n", r.BestEpoch, r.Epochs, 100*r.ValAccuracy)
	fmt.Fprintf(w, "test accuracy:  %.2f%% (netlist.Eval on %s, %d images)\n", 100*r.TestAccuracy, r.Model, r.TestImages)
	fmt.Fprintf(w, "disagreements:  %d (float model vs netlist; %d more if the output offsets were not rounded)\n",
		r.Disagreements, r.RoundingDisagreements)
	_, err := fmt.Fprintf(w, "time:           %.1f s\n", r.Seconds)
	return err
}

// writeMetrics rewrites the metrics CSV and the plot with every finished
// epoch.
func writeMetrics(opt trainOptions, h []train.EpochStats) error {
	if opt.metrics != "" {
		var b strings.Builder
		b.WriteString("epoch,lr,loss,train_acc,val_acc,seconds\n")
		for _, s := range h {
			fmt.Fprintf(&b, "%d,%g,%.6f,%.6f,%.6f,%.3f\n", s.Epoch, s.LR, s.Loss, s.TrainAcc, s.ValAcc, s.Seconds)
		}
		if err := netlist.WriteFileAtomic(opt.metrics, []byte(b.String())); err != nil {
			return userErr(fmt.Errorf("train: --metrics: %w", err))
		}
	}
	if opt.plot != "" && len(h) > 0 {
		if err := drawPlot(opt.plot, h); err != nil {
			return userErr(fmt.Errorf("train: --plot: %w", err))
		}
	}
	return nil
}

// drawPlot writes the training curves (flow.TrainingPlot) to path.
func drawPlot(path string, h []train.EpochStats) error {
	img, err := flow.TrainingPlot(h)
	if err != nil {
		return err
	}
	return netlist.WriteFileAtomic(path, img)
}

// progressBar draws one self-overwriting line on a terminal.
type progressBar struct {
	w    io.Writer
	on   bool
	last time.Time
}

func (p *progressBar) update(pr train.Progress) {
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && pr.Batch < pr.Batches) {
		return
	}
	p.last = time.Now()
	const width = 30
	done := width * pr.Batch / pr.Batches
	eta := time.Duration(float64(pr.Elapsed) * float64(pr.Batches-pr.Batch) / float64(pr.Batch)).Round(time.Second)
	fmt.Fprintf(p.w, "\r\033[Kepoch %d/%d [%s%s] %d/%d  loss %.4f  %.0f img/s  ETA %s",
		pr.Epoch, pr.Epochs, strings.Repeat("=", done), strings.Repeat(" ", width-done),
		pr.Batch, pr.Batches, pr.Loss, math.Round(pr.ImagesPerSecond), eta)
}

func (p *progressBar) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
