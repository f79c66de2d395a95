package flow

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/synth"
	"github.com/qnn-dev/qnn/train"
)

// Stage names, in pipeline order.
const (
	StageTrain  = "train"
	StageExport = "export"
	StageGen    = "gen"
	StageSim    = "sim"
	StageCosim  = "cosim"
	StageSynth  = "synth"
)

// Stages lists the stages in the order they run.
var Stages = []string{StageTrain, StageExport, StageGen, StageSim, StageCosim, StageSynth}

// ErrUser is wrapped by every error the user can fix: a bad option, a
// missing or corrupt input, a missing tool, an output directory that
// cannot be used.
var ErrUser = errors.New("flow: user error")

// ErrInterrupted is wrapped by the error of a run stopped by its context
// (Ctrl-C); the completed stages and the training checkpoint are kept, and
// the same command resumes.
var ErrInterrupted = errors.New("flow: interrupted")

// userErrorf returns an error wrapping ErrUser.
func userErrorf(format string, args ...any) error {
	return &userError{fmt.Errorf(format, args...)}
}

type userError struct{ err error }

func (e *userError) Error() string        { return e.err.Error() }
func (e *userError) Unwrap() error        { return e.err }
func (e *userError) Is(target error) bool { return target == ErrUser }

// asUser marks err as a user error.
func asUser(err error) error { return &userError{err} }

// Config is one flow run.
type Config struct {
	// Dir is the output directory (see Run for when an existing one is
	// accepted). Force replaces it.
	Dir   string
	Force bool
	// From re-runs this stage and every later one even if unchanged; ""
	// runs only what changed.
	From string

	// Train is the training run; its Dataset is the flow's data set.
	Train train.Config
	// LM, if set, makes the run a sequence model's (flow/seq.go): the
	// train stage trains this LSTM language model on Penn Treebank (Train
	// is unused but for Train.Dataset, "ptb"). A --from-model sequence
	// model makes the same run without training. TestImages then counts
	// test tokens (export and sim), CosimImages the tokens co-simulated.
	LM *train.LMConfig
	// AllLogits is hw.Options.AllLogits: a sequence model's m_axis carries
	// every logit, so sim and cosim measure perplexity from the design's
	// own outputs (by default: the predicted token and its score).
	AllLogits bool
	// SimTokens is the test prefix the sim stage runs through a sequence
	// model's design (0: the whole test split).
	SimTokens int
	// TrainTokens, if positive, trains a sequence model on the first
	// TrainTokens tokens of the training and validation splits (CI-sized
	// runs).
	TrainTokens int
	// DataDir holds the data set's files (or is CIFAR-10's tarball); ""
	// uses the installed copy (docs/datasets.md).
	DataDir string

	// ONNX, if set, is a QONNX / FINN-ONNX model imported instead of
	// training (the train stage is skipped; export imports it and compares
	// with qonnx.Execute); PixelDivisor is qonnx.ImportOptions.PixelDivisor.
	ONNX         string
	PixelDivisor float64
	// Model, if set, is a netlist file used instead of training (the train
	// stage is skipped; export copies it and measures it with
	// netlist.Eval).
	Model string
	// TestImages, if positive, limits the test images export and sim
	// measure to the first TestImages (0: the whole test split).
	TestImages int

	// Folds, TargetCycles, MaxLUTs, NoPad and InPix select the folding as
	// in hw.Options.
	Folds        []hw.Fold
	TargetCycles int
	MaxLUTs      int
	NoPad        bool
	InPix        int
	// ClockMHz is the clock for the throughput and latency figures.
	ClockMHz float64

	// CosimImages test images go through the RTL under Simulator
	// (verilator or icarus); 0 skips co-simulation.
	CosimImages int
	Simulator   string
	// QuickBuild builds the Verilator model without C++ optimisation
	// (faster builds for a few hundred images).
	QuickBuild bool

	// SynthTarget is "xc7" or "ice40"; "" skips synthesis.
	SynthTarget string

	// Version is the qnn version written in generated files.
	Version string

	// Out receives one line per stage; Progress receives training epochs
	// and tool progress. Either may be nil.
	Out, Progress io.Writer
}

// check validates the configuration; every problem wraps ErrUser.
func (c *Config) check() error {
	if c.Dir == "" {
		return userErrorf("flow: no output directory (-o DIR)")
	}
	if c.From != "" && !slices.Contains(Stages, c.From) {
		return userErrorf("flow: --from: unknown stage %q (want one of %v)", c.From, Stages)
	}
	if c.LM != nil {
		if err := c.LM.Validate(); err != nil {
			return asUser(err)
		}
		if !c.LM.Quantized() {
			return userErrorf("flow: the 32-bit float LSTM has no netlist form: train it with qnn train --arch lstm --wbits 32 --abits 32, and flow a quantized one (--wbits/--abits 2..8)")
		}
	}
	if c.sequence() {
		if c.ONNX != "" {
			return userErrorf("flow: an ONNX import is an image model: it does not run on %s", c.Train.Dataset)
		}
	} else if t := c.Train; true {
		t.Threads = max(t.Threads, 0)
		if err := t.Validate(); err != nil {
			return asUser(err)
		}
	}
	if c.MaxLUTs < 0 {
		return userErrorf("flow: max LUTs must not be negative, got %d", c.MaxLUTs)
	}
	if c.TargetCycles < 0 {
		return userErrorf("flow: target cycles must not be negative, got %d", c.TargetCycles)
	}
	if c.InPix < 0 {
		return userErrorf("flow: --in-pix must be at least 1, got %d", c.InPix)
	}
	if !(c.ClockMHz > 0) {
		return userErrorf("flow: --clock-mhz must be positive, got %g", c.ClockMHz)
	}
	if c.SimTokens < 0 || c.TrainTokens < 0 {
		return userErrorf("flow: --sim-tokens and --limit must not be negative, got %d and %d", c.SimTokens, c.TrainTokens)
	}
	if c.TestImages < 0 {
		return userErrorf("flow: --test-images must not be negative, got %d", c.TestImages)
	}
	if c.ONNX != "" && c.Model != "" {
		return userErrorf("flow: give either an ONNX model or a netlist model, not both")
	}
	if c.CosimImages < 0 {
		return userErrorf("flow: --cosim-images must not be negative, got %d", c.CosimImages)
	}
	switch c.Simulator {
	case "":
		c.Simulator = "verilator"
	case "verilator", "icarus":
	default:
		return userErrorf("flow: --simulator: unknown simulator %q (want verilator or icarus)", c.Simulator)
	}
	switch synth.Target(c.SynthTarget) {
	case "", synth.XC7, synth.ICE40:
	default:
		return userErrorf("flow: --target: unknown synthesis target %q (want xc7, ice40 or none)", c.SynthTarget)
	}
	return nil
}

// sequence reports whether the run is a sequence model's: an LSTM to
// train, or a --from-model sequence model.
func (c *Config) sequence() bool { return c.LM != nil || (c.Model != "" && isSequenceModel(c.Model)) }

// fromIndex is the index in Stages of From, or len(Stages).
func (c *Config) fromIndex() int {
	if i := slices.Index(Stages, c.From); i >= 0 {
		return i
	}
	return len(Stages)
}
