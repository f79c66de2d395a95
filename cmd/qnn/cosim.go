package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/verilator"
	"github.com/urfave/cli/v2"
)

// cosimReport is what `qnn cosim --json` prints.
type cosimReport struct {
	Dir      string  `json:"dir"`
	Name     string  `json:"name"`
	Dataset  string  `json:"dataset"`
	StallIn  float64 `json:"stall_in"`
	StallOut float64 `json:"stall_out"`
	Seed     uint64  `json:"seed"`
	Trace    string  `json:"trace,omitempty"`
	Match    bool    `json:"match"`
	Correct  int     `json:"correct"` // RTL predictions equal to the labels (a sequence model: to the next tokens)
	Accuracy float64 `json:"accuracy"`
	// SeqLen is set for a sequence model: Frames counts tokens, cut into
	// sequences of SeqLen input tokens that each start from the reset
	// state.
	SeqLen int `json:"seq_len,omitempty"`
	*verilator.Report
}

func cosimCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "cosim",
		Usage:     "co-simulate a generated design (Verilator or Icarus) against qnn's cycle-accurate model, cycle for cycle",
		ArgsUsage: "DIR",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dataset", Usage: "data set: " + strings.Join(datasetNames, "|") + "|images:DIR|idx:DIR, or " + dataset.PTB + " for a sequence model (required)"},
			&cli.IntFlag{Name: "limit", Usage: "run only the first `N` test images or input tokens (default: all)"},
			&cli.IntFlag{Name: "seq-len", Value: defaultSeqLen, Usage: "ptb: cut the token stream into sequences of `L` input tokens, each from the reset state"},
			&cli.StringFlag{Name: "simulator", Value: verilator.Verilator, Usage: "RTL simulator: verilator|icarus"},
			&cli.Float64Flag{Name: "stall-in", Usage: "probability `P` in [0,1) that a pending input beat waits a cycle"},
			&cli.Float64Flag{Name: "stall-out", Usage: "probability `P` in [0,1) that m_axis_tready is 0 in a cycle"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "stall schedule seed `S`"},
			&cli.Uint64Flag{Name: "reset-seed", Usage: "Verilator random initial value seed `N` (default: random, printed)"},
			&cli.StringFlag{Name: "trace", Usage: "write a waveform to `FILE` (.vcd, or .fst)"},
			&cli.StringFlag{Name: "data-dir", Usage: "`DIR` holding the data set's files, or CIFAR-10's tarball (default: the installed copy)"},
			allowEditedFlag(),
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			switch c.NArg() {
			case 0:
				return userErrf("cosim: missing DIR argument (a design directory written by qnn gen)")
			case 1:
			default:
				return userErrf("cosim: takes one DIR argument, got %d: %q", c.NArg(), c.Args().Slice())
			}
			dir := c.Args().First()
			name := c.String("dataset")
			sim := c.String("simulator")
			switch {
			case name == "":
				return userErrf("cosim: --dataset is required (%s)", datasetList())
			case !validDataset(name) && name != dataset.PTB:
				return userErrf("cosim: --dataset: unknown data set %q (want %s, or %s for a sequence model)", name, datasetList(), dataset.PTB)
			case c.Int("seq-len") < 1:
				return userErrf("cosim: --seq-len must be at least 1, got %d", c.Int("seq-len"))
			case sim != verilator.Verilator && sim != verilator.Icarus:
				return userErrf("cosim: --simulator: unknown simulator %q (want verilator or icarus)", sim)
			case c.IsSet("limit") && c.Int("limit") < 1:
				return userErrf("cosim: --limit must be at least 1, got %d", c.Int("limit"))
			case !(c.Float64("stall-in") >= 0 && c.Float64("stall-in") < 1) || !(c.Float64("stall-out") >= 0 && c.Float64("stall-out") < 1):
				return userErrf("cosim: --stall-in and --stall-out must be in [0, 1), got %g and %g", c.Float64("stall-in"), c.Float64("stall-out"))
			}
			trace := c.String("trace")
			if err := checkTracePath(trace); err != nil {
				return err
			}
			d, err := openDesign(e, "cosim", dir, false, c.Bool("allow-edited"))
			if err != nil {
				return err
			}
			defer d.release()
			p := d.Plan
			opt := verilator.Options{
				Simulator: sim, StallIn: c.Float64("stall-in"), StallOut: c.Float64("stall-out"),
				Seed: c.Uint64("seed"), ResetSeed: c.Uint64("reset-seed"), Trace: trace,
			}
			if e.log.IsDebug() {
				opt.Log = e.stderr
			}
			model := filepath.Join(dir, designNetlistFile)
			if p.Net.IsSequence() || name == dataset.PTB {
				return cosimSeq(e, c, d, model, opt)
			}
			size, err := modelInputSize("cosim", model, p.Net.InputLayer(), name)
			if err != nil {
				return err
			}
			set, err := dataset.Load(name, "test", c.String("data-dir"))
			if err != nil {
				return userErr(err)
			}
			if l := c.Int("limit"); l > 0 && l < set.N {
				set = set.Slice(0, l)
			}
			if err := checkTraceSize(trace, set.N, p); err != nil {
				return err
			}
			if set, err = set.Resize(size); err != nil {
				return userErr(err)
			}
			e.log.Debug("co-simulating", "dir", dir, "simulator", sim, "frames", set.N)
			rep, err := verilator.Cosim(e.ctx, d.Design, set.Images(), set.N, opt)
			mm, err := cosimOutcome(e, rep, err, opt)
			if err != nil {
				return err
			}
			r := cosimReport{Dir: dir, Name: p.Name, Dataset: name, StallIn: opt.StallIn, StallOut: opt.StallOut,
				Seed: opt.Seed, Trace: trace, Match: mm == nil, Report: rep}
			if mm == nil {
				for i, cl := range rep.Sim.Classes {
					if cl == int(set.Labels[i]) {
						r.Correct++
					}
				}
				r.Accuracy = float64(r.Correct) / float64(set.N)
			}
			return finishCosim(e, d, &r, mm, c.Bool("json"))
		},
	}
}

// cosimOutcome classes a co-simulation's error: an interruption, a
// mismatch (returned as mm for the report), or a user error (a missing
// tool, a failing build or run of the RTL: the environment, or a
// hand-edited design); it checks the trace was written.
func cosimOutcome(e *env, rep *verilator.Report, err error, opt verilator.Options) (mm *verilator.Mismatch, _ error) {
	switch {
	case e.ctx.Err() != nil:
		kept := "nothing written (the simulator was stopped, its temporary build and run directories removed)"
		if opt.Trace != "" && os.Remove(opt.Trace) == nil {
			kept += "; the partial trace " + opt.Trace + " removed"
		}
		return nil, interrupted("cosim", kept)
	case err != nil && !errors.As(err, &mm):
		return nil, userErr(err)
	}
	if rep != nil && !rep.Cached && opt.Simulator == verilator.Verilator {
		capCache(e)
	}
	if opt.Trace != "" {
		if _, err := os.Stat(opt.Trace); err != nil {
			return nil, fmt.Errorf("cosim: %s did not write the trace %s: %w", opt.Simulator, opt.Trace, err)
		}
	}
	return mm, nil
}

// finishCosim prints the report and returns the mismatch as a
// disagreement.
func finishCosim(e *env, d *openedDesign, r *cosimReport, mm *verilator.Mismatch, asJSON bool) error {
	if asJSON {
		if err := writeJSON(e.stdout, r); err != nil {
			return err
		}
	} else {
		writeCosimText(e, r)
	}
	if mm != nil {
		return d.disagreement(fmt.Errorf("cosim: %s differs from qnn sim: %w", r.Simulator, mm))
	}
	return nil
}

func writeCosimText(e *env, r *cosimReport) {
	w := e.stdout
	fmt.Fprintf(w, "design:     %s (%s)\n", r.Dir, r.Name)
	fmt.Fprintf(w, "simulator:  %s", r.Simulator)
	if r.Simulator == verilator.Verilator {
		fmt.Fprintf(w, ", reset seed %d (+verilator+seed+%d)", r.ResetSeed, r.ResetSeed)
	}
	fmt.Fprintln(w)
	if r.Cached {
		fmt.Fprintf(w, "build:      cached\n")
	} else {
		fmt.Fprintf(w, "build:      %.1f s\n", r.BuildSeconds)
	}
	if r.SeqLen > 0 {
		fmt.Fprintf(w, "stimulus:   %d %s test tokens (sequences of %d), stall-in %g, stall-out %g, seed %d\n", r.Frames, r.Dataset, r.SeqLen, r.StallIn, r.StallOut, r.Seed)
	} else {
		fmt.Fprintf(w, "stimulus:   %d %s test images, stall-in %g, stall-out %g, seed %d\n", r.Frames, r.Dataset, r.StallIn, r.StallOut, r.Seed)
	}
	if r.Match {
		fmt.Fprintf(w, "result:     MATCH: %d output handshakes identical to qnn sim (cycle and data)\n", r.Beats)
		what := "accuracy:  "
		if r.SeqLen > 0 {
			what = "next word: "
		}
		fmt.Fprintf(w, "%s %.2f%% (%d/%d)\n", what, 100*r.Accuracy, r.Correct, r.Frames)
	} else {
		fmt.Fprintf(w, "result:     MISMATCH: %v\n", r.Mismatch)
	}
	fmt.Fprintf(w, "cycles:     %d simulated; %s %.0f cycles/s, qnn sim %.0f cycles/s\n", r.Cycles, r.Simulator, r.CyclesPerSecond, r.SimCyclesPerSecond)
	if r.Trace != "" {
		fmt.Fprintf(w, "trace:      %s\n", r.Trace)
	}
}

// traceBytesPerFFCycle is the VCD size per flip-flop (hw's estimate) and
// simulated cycle: 6.46 MB for 510 cycles of the TFC test design at 64
// cycles per frame with 4,400 flip-flops, i.e. 2.9 bytes, rounded up.
const traceBytesPerFFCycle = 3

// maxTraceBytes bounds the estimated size of a --trace.
const maxTraceBytes = 1 << 30

// checkTracePath checks --trace before anything runs: the suffix, and that
// the file can be created (its directory exists and is writable, it is not
// a directory).
func checkTracePath(trace string) error {
	if trace == "" {
		return nil
	}
	if !strings.HasSuffix(trace, ".vcd") && !strings.HasSuffix(trace, ".fst") {
		return userErrf("cosim: --trace %q: the file name must end in .vcd or .fst", trace)
	}
	if fi, err := os.Stat(trace); err == nil && fi.IsDir() {
		return userErrf("cosim: --trace %s is a directory", trace)
	}
	if err := checkWritable(trace); err != nil {
		return userErrf("cosim: --trace %s: cannot write: %w", trace, err)
	}
	return nil
}

// checkTraceSize refuses a trace estimated over maxTraceBytes.
func checkTraceSize(trace string, frames int, p *hw.Plan) error {
	if trace == "" {
		return nil
	}
	perFrame := float64(max(p.CyclesPerFrame, 1)) * float64(max(p.Estimate.FF, 1000)) * traceBytesPerFFCycle
	if est := float64(frames) * perFrame; est > maxTraceBytes {
		return userErrf("cosim: --trace of %d frames would be about %.1f GB (%.1f MB per frame); trace fewer frames, e.g. --limit %d",
			frames, est/1e9, perFrame/1e6, max(1, int(maxTraceBytes/perFrame)))
	}
	return nil
}
