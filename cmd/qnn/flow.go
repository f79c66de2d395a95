package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/flow"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/train"
	"github.com/urfave/cli/v2"
)

func flowCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "flow",
		Usage:     "train -> export -> gen -> sim -> cosim -> synth in one directory, with a report (report.html)",
		ArgsUsage: " ",
		Description: "Runs the whole pipeline in DIR and writes DIR/report.md, report.json and report.html. Each stage\n" +
			"prints one line with its time and key result. Re-running skips the stages whose inputs are unchanged\n" +
			"(DIR/flow-state.json records their hashes); --from STAGE re-runs from a stage. Ctrl-C keeps what is\n" +
			"done (and the training checkpoint): run the same command again to resume. docs/flow.md has the details.",
		Flags: flowFlags(),
		Action: func(c *cli.Context) error {
			cfg, jsonOut, err := flowConfig(c, e)
			if err != nil {
				return err
			}
			rep, err := flow.Run(e.ctx, cfg)
			if err != nil {
				return flowError(cfg.Dir, rep, err)
			}
			if jsonOut {
				return writeJSON(e.stdout, rep)
			}
			_, err = fmt.Fprintf(e.stdout, "report: %s (also report.md, report.json)\n", filepath.Join(cfg.Dir, flow.ReportHTML))
			return err
		},
	}
}

func flowFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "flow `DIR` (required; an existing one must be a flow directory, unless --force)"},
		&cli.BoolFlag{Name: "force", Usage: "delete DIR first and run every stage"},
		&cli.StringFlag{Name: "from", Usage: "re-run from `STAGE` (train|export|gen|sim|cosim|synth) even if unchanged"},
		&cli.StringFlag{Name: "dataset", Value: "mnist", Usage: "data set `NAME`: " + strings.Join(datasetNames, "|") + ", or images:DIR, idx:DIR (docs/datasets.md)"},
		&cli.StringFlag{Name: "data-dir", Usage: "`DIR` holding the data set's files, or CIFAR-10's tarball", DefaultText: "the installed copy"},
		&cli.StringFlag{Name: "arch", Value: "tfc", Usage: "`ARCH`itecture: tfc, sfc, lfc, mlp4096, lenet, cnv28, cnv (sets the layers and the training schedule; cnv trains on cifar10), or lstm (an LSTM language model on --dataset ptb)"},
		&cli.StringFlag{Name: "hidden", Usage: "hidden layer `WIDTHS`, e.g. 64,64,64 (overrides --arch's)"},
		&cli.StringFlag{Name: "layers", Usage: "convolutional layer `STACK`, e.g. c16,p2,c32,p2,f64,f10 (as qnn train --layers; overrides --arch's)"},
		&cli.IntFlag{Name: "wbits", Value: 1, Usage: "weight `BITS`: 1|2|4"},
		&cli.IntFlag{Name: "abits", Value: 1, Usage: "activation `BITS`: 1|2|4"},
		&cli.IntFlag{Name: "input-bits", Value: 1, Usage: "input `BITS`: 1 (binarized pixels) or 8", DefaultText: "1, 8 for cifar10"},
		inputSizeFlag(),
		&cli.IntFlag{Name: "epochs", Usage: "training `EPOCHS`", DefaultText: "per architecture"},
		&cli.IntFlag{Name: "batch", Usage: "batch `SIZE`", DefaultText: "per architecture"},
		&cli.IntFlag{Name: "limit", Usage: "train on the first `N` images only (lstm: the first N tokens of the training and validation splits)", DefaultText: "50000"},
		&cli.IntFlag{Name: "test-images", Usage: "export and sim measure the first `N` test images only (lstm: export's test tokens; 0: all)"},
		&cli.IntFlag{Name: "sim-tokens", Value: 2000, Usage: "lstm: sim runs the first `N` test tokens (0: all)"},
		&cli.BoolFlag{Name: "all-logits", Usage: "lstm: the design's m_axis streams every logit (sim and cosim then measure perplexity from it)"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random `SEED` (same seed, same netlist, plan and RTL)"},
		&cli.IntFlag{Name: "threads", Usage: "`N` goroutines for training (0: one per CPU)"},
		&cli.StringFlag{Name: "fold", Usage: "folding: a JSON `FILE` of {\"layer\",\"pe\",\"simd\"} per dense or conv2d layer, or auto", Value: "auto"},
		&cli.IntFlag{Name: "target-cycles", Usage: "auto folding: cycles per frame target `N`"},
		&cli.Float64Flag{Name: "target-fps", Usage: "auto folding: frames per second target `F` at --clock-mhz"},
		&cli.IntFlag{Name: "max-luts", Usage: "auto folding: the fastest folding whose LUT estimate is at most `N` (no faster than --target-cycles/--target-fps if given)"},
		&cli.Float64Flag{Name: "clock-mhz", Value: 100, Usage: "clock `MHZ` for --target-fps and the report's throughput"},
		&cli.BoolFlag{Name: "no-pad", Usage: "refuse foldings that need padding"},
		&cli.IntFlag{Name: "in-pix", Usage: "pixels per input beat `N` (default: chosen by the plan)"},
		&cli.IntFlag{Name: "cosim-images", Value: 200, Usage: "co-simulate the first `N` test images (lstm: test tokens; 0: no co-simulation)"},
		&cli.StringFlag{Name: "simulator", Value: "verilator", Usage: "RTL simulator: verilator|icarus"},
		&cli.StringFlag{Name: "target", Value: "xc7", Usage: "synthesis `TARGET`: xc7|ice40|none"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress lines on stderr (training epochs, tool stages)"},
		&cli.BoolFlag{Name: "json", Usage: "print report.json on stdout (stage lines go to stderr)"},
		&cli.StringFlag{Name: "from-model", Usage: "start from the netlist `MODEL.json` instead of training (e.g. a model of qnn train)"},
		&cli.StringFlag{Name: "from-onnx", Usage: "import QONNX / FINN-ONNX `MODEL.onnx` instead of training (see qnn import)"},
		&cli.Float64Flag{Name: "pixel-divisor", Value: 1, Usage: "with --from-onnx: the graph's input is pixel/`D`"},
	}
}

// flowConfig reads and checks flow's flags; every problem is a user error.
func flowConfig(c *cli.Context, e *env) (flow.Config, bool, error) {
	cfg := flow.Config{Dir: c.String("output"), Force: c.Bool("force"), From: c.String("from"), DataDir: c.String("data-dir"),
		TargetCycles: c.Int("target-cycles"), MaxLUTs: c.Int("max-luts"), NoPad: c.Bool("no-pad"), InPix: c.Int("in-pix"), ClockMHz: c.Float64("clock-mhz"),
		CosimImages: c.Int("cosim-images"), Simulator: c.String("simulator"), SynthTarget: c.String("target"),
		Version: version, Out: e.stdout, Progress: e.stderr}
	// Few images: build the Verilator model without C++ optimisation (the
	// build dominates; the run is short either way).
	cfg.QuickBuild = cfg.CosimImages <= 1000
	jsonOut := c.Bool("json")
	if c.Args().Present() {
		return cfg, false, userErrf("flow: takes no arguments, got %q (use -o DIR)", c.Args().Slice())
	}
	if cfg.Dir == "" {
		return cfg, false, userErrf("flow: -o DIR is required (the directory for the model, the design and the report)")
	}
	if jsonOut {
		cfg.Out = e.stderr
	}
	if c.Bool("quiet") {
		cfg.Progress = nil
	}
	if cfg.SynthTarget == "none" {
		cfg.SynthTarget = ""
	}
	if c.IsSet("in-pix") && cfg.InPix < 1 {
		return cfg, false, userErrf("flow: --in-pix must be at least 1, got %d", cfg.InPix)
	}
	if c.IsSet("target-cycles") && cfg.TargetCycles < 1 {
		return cfg, false, userErrf("flow: --target-cycles must be at least 1, got %d", cfg.TargetCycles)
	}
	if c.IsSet("max-luts") && cfg.MaxLUTs < 1 {
		return cfg, false, userErrf("flow: --max-luts must be at least 1, got %d", cfg.MaxLUTs)
	}
	if fold := c.String("fold"); fold != "auto" && fold != "" {
		if c.IsSet("target-cycles") || c.IsSet("target-fps") || c.IsSet("max-luts") {
			return cfg, false, userErrf("flow: --fold FILE excludes --target-cycles, --target-fps and --max-luts")
		}
		folds, err := hw.ReadFolds(fold)
		if err != nil {
			return cfg, false, userErr(err)
		}
		cfg.Folds = folds
	}
	if c.IsSet("target-fps") {
		if c.IsSet("target-cycles") {
			return cfg, false, userErrf("flow: give either --target-cycles or --target-fps, not both")
		}
		t, err := hw.TargetCyclesFromFPS(c.Float64("target-fps"), cfg.ClockMHz)
		if err != nil {
			return cfg, false, userErr(err)
		}
		cfg.TargetCycles = t
	}
	if err := flowModelConfig(c, e, &cfg); err != nil {
		return cfg, false, err
	}
	cfg.ONNX, cfg.PixelDivisor, cfg.Model = c.String("from-onnx"), c.Float64("pixel-divisor"), c.String("from-model")
	if cfg.ONNX != "" && cfg.Model != "" {
		return cfg, false, userErrf("flow: give either --from-onnx or --from-model, not both")
	}
	if cfg.TestImages = c.Int("test-images"); cfg.TestImages < 0 {
		return cfg, false, userErrf("flow: --test-images must not be negative, got %d", cfg.TestImages)
	}
	if !(cfg.PixelDivisor > 0) {
		return cfg, false, userErrf("flow: --pixel-divisor must be positive, got %g", cfg.PixelDivisor)
	}
	return cfg, jsonOut, nil
}

// lstmFlowCycles is a sequence model's default auto-folding target in
// cycles per token (docs/flow.md).
const lstmFlowCycles = 2000

// flowModelConfig sets what the flow trains (cfg.Train, or cfg.LM for an
// LSTM language model) or reads (a --from-model netlist, checked here,
// before flow creates DIR: a broken file leaves nothing behind).
func flowModelConfig(c *cli.Context, e *env, cfg *flow.Config) error {
	var seqModel bool
	if m := c.String("from-model"); m != "" {
		n, err := loadModel(e.log, m, sequenceHardwareUse("flow"))
		if err != nil {
			return err
		}
		seqModel = n.IsSequence()
		if seqModel && c.IsSet("dataset") && c.String("dataset") != dataset.PTB {
			return userErrf("flow: %s; run it on --dataset %s", sequenceModelError("", m, n), dataset.PTB)
		}
		if seqModel {
			// A sequence model the hardware plan refuses (docs/lstm-hardware.md)
			// is refused before DIR is made.
			opt := hw.Options{Folds: cfg.Folds, TargetCycles: cfg.TargetCycles, MaxLUTs: cfg.MaxLUTs, NoPad: cfg.NoPad, InPix: cfg.InPix,
				Target: cfg.SynthTarget, Popcount: hw.PopcountFor(cfg.SynthTarget), AllLogits: c.Bool("all-logits")}
			if _, err := hw.NewPlan(n, opt); err != nil {
				return userErr(fmt.Errorf("flow: %s: %w", m, err))
			}
		}
	}
	if seqModel || isLMRun(c) {
		if !seqModel && c.String("from-model") != "" {
			return userErrf("flow: --dataset %s needs a sequence model; %s is an image model", dataset.PTB, c.String("from-model"))
		}
		cfg.Train = train.Config{Dataset: dataset.PTB}
		cfg.AllLogits, cfg.SimTokens, cfg.TrainTokens = c.Bool("all-logits"), c.Int("sim-tokens"), c.Int("limit")
		if cfg.Folds == nil && cfg.TargetCycles == 0 && cfg.MaxLUTs == 0 {
			// PE = SIMD = 1 would take V*H cycles per token (3M on PTB at 300
			// units): fold to lstmFlowCycles unless told otherwise.
			cfg.TargetCycles = lstmFlowCycles
		}
		if seqModel || c.String("from-onnx") != "" {
			return nil
		}
		lm, err := lmConfigFromFlags(c)
		if err != nil {
			return userErr(errors.New(strings.Replace(err.Error(), "train: ", "flow: ", 1)))
		}
		lm.Threads = c.Int("threads")
		cfg.LM = &lm
		return nil
	}
	for _, f := range []string{"all-logits", "sim-tokens"} {
		if c.IsSet(f) {
			return userErrf("flow: --%s is for sequence models (--arch lstm --dataset %s)", f, dataset.PTB)
		}
	}
	tc, err := flowTrainConfig(c)
	if err != nil {
		return userErr(err)
	}
	cfg.Train = tc
	return nil
}

// flowTrainConfig is the training run: the architecture's defaults with
// the flags that were set.
func flowTrainConfig(c *cli.Context) (train.Config, error) {
	cfg, err := train.DefaultConfig(c.String("arch"))
	if err != nil {
		return cfg, err
	}
	if err := flowLayers(c, &cfg); err != nil {
		return cfg, err
	}
	if c.IsSet("dataset") || cfg.Dataset == "" || cfg.Layers == "" {
		cfg.Dataset = c.String("dataset") // else the architecture's (cifar10 for cnv)
	}
	cfg.Seed, cfg.Limit, cfg.Threads = c.Uint64("seed"), c.Int("limit"), c.Int("threads")
	cfg.WBits, cfg.ABits = c.Int("wbits"), c.Int("abits")
	switch {
	case c.IsSet("input-bits"):
		cfg.InputBits = c.Int("input-bits")
	case cfg.Dataset == dataset.CIFAR10:
		cfg.InputBits = 8 // raw pixels: colour images do not binarize usefully
	case cfg.Layers == "":
		cfg.InputBits = c.Int("input-bits")
	} // else the architecture's default
	if cfg.InputSize, err = inputSizeValue(c, "flow"); err != nil {
		return cfg, err
	}
	if c.IsSet("epochs") {
		cfg.Epochs = c.Int("epochs")
	}
	if c.IsSet("batch") {
		cfg.Batch = c.Int("batch")
	}
	return cfg, cfg.Validate()
}

// flowLayers applies --hidden or --layers over the architecture's layers.
func flowLayers(c *cli.Context, cfg *train.Config) error {
	if c.IsSet("hidden") && c.IsSet("layers") {
		return fmt.Errorf("flow: --hidden and --layers cannot be combined (--layers holds the dense widths too)")
	}
	if c.IsSet("hidden") {
		h, err := train.ParseHidden(c.String("hidden"))
		if err != nil {
			return err
		}
		cfg.Arch, cfg.Layers, cfg.Hidden = "custom", "", h
	}
	if c.IsSet("layers") {
		st, err := train.ParseLayers(c.String("layers"))
		if err != nil {
			return err
		}
		cfg.Arch, cfg.Layers, cfg.Hidden = "custom", c.String("layers"), st.Dense[:len(st.Dense)-1]
	}
	return nil
}

// flowError turns a flow failure into qnn's error classes: user errors and
// interruptions exit 1, anything else 2. It names the report of what
// completed.
func flowError(dir string, rep *flow.Report, err error) error {
	if rep != nil {
		err = fmt.Errorf("%w (completed stages kept in %s; report %s)", err, dir, filepath.Join(dir, flow.ReportHTML))
	}
	if errors.Is(err, flow.ErrInterrupted) {
		msg := strings.Replace(oneLine(err), "flow: interrupted; ", "", 1)
		return interrupted("flow", "in stage "+strings.TrimPrefix(msg, "flow: "))
	}
	if errors.Is(err, flow.ErrUser) {
		return userErr(err)
	}
	return err
}
