package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
	"github.com/urfave/cli/v2"
)

// designNetlistFile is the netlist's name inside a design directory.
const designNetlistFile = "netlist.json"

// simOptions are sim's checked flag values.
type simOptions struct {
	dir, dataset, dataDir, trace string
	limit                        int // 0: every test image or token (from offset on)
	offset                       int // the first test image or token simulated
	seqLen                       int // ptb: input tokens per sequence
	stallIn, stallOut            float64
	seed                         uint64
	json, allowEdited            bool
	// model, when set, is a netlist simulated without a design directory,
	// planned with plan (gen's folding flags), without writing a design.
	model string
	plan  hw.Options
}

// simLayer is one MVTU's cycle counts in the report.
type simLayer struct {
	Name     string `json:"name"`
	Busy     int64  `json:"busy"`      // cycles a (nf, sf) pair was issued
	StallIn  int64  `json:"stall_in"`  // cycles idle, waiting for a full input vector
	StallOut int64  `json:"stall_out"` // cycles held by the next stage
}

// simStage is one stage's cycle counts in the report (sim.StageStats).
type simStage struct {
	Kind     string `json:"kind"` // swg, mvtu, pool, dwc, fifo, output
	Name     string `json:"name"`
	Busy     int64  `json:"busy"`      // cycles with an input handshake or a valid output
	StallIn  int64  `json:"stall_in"`  // cycles with nothing in and nothing out
	StallOut int64  `json:"stall_out"` // cycles holding an output the next stage does not take
}

// simReport is what `qnn sim --json` prints.
type simReport struct {
	Design   string  `json:"design"` // the directory as given
	Name     string  `json:"name"`   // the netlist's name
	Dataset  string  `json:"dataset"`
	Split    string  `json:"split"`
	Offset   int     `json:"offset"` // the index of the first test image simulated (frame 0)
	Frames   int     `json:"frames"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"` // Correct / Frames, against the labels
	// Agreement is the fraction of frames whose class and scores equal
	// netlist.Eval; anything but 1 is an error exit instead of a report.
	Agreement          float64    `json:"agreement"`
	StallIn            float64    `json:"stall_in"`
	StallOut           float64    `json:"stall_out"`
	Seed               uint64     `json:"seed"`
	Cycles             int64      `json:"cycles"`
	CyclesPerFrame     float64    `json:"cycles_per_frame"` // measured, steady state
	PlanCyclesPerFrame int        `json:"plan_cycles_per_frame"`
	FirstLatency       int64      `json:"first_latency"` // measured, cycles
	PlanLatency        int        `json:"plan_latency"`
	Layers             []simLayer `json:"layers"`
	Stages             []simStage `json:"stages"`          // every stage after the input, in stream order
	Trace              string     `json:"trace,omitempty"` // the trace file written, if any
	Seconds            float64    `json:"seconds"`         // simulation only
	CyclesPerSecond    float64    `json:"cycles_per_second"`
}

func simCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "sim",
		Usage:     "run test images (or a sequence model's PTB test tokens) through the cycle-accurate simulator of a design",
		ArgsUsage: "DIR | --model FILE",
		Description: "DIR is a design directory written by 'qnn gen' (plan.json and netlist.json); or --model FILE\n" +
			"plans a netlist with gen's folding flags and simulates it without writing a design. Every\n" +
			"frame's class and scores must equal the netlist evaluator's; a difference is an error naming\n" +
			"the frame. A sequence model's design reads the PTB test stream (--dataset ptb) in sequences of\n" +
			"--seq-len tokens, and every token's prediction must equal netlist.ReferenceSequence's.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "simulate the netlist `FILE` (planned with the flags below) instead of a design directory"},
			&cli.StringFlag{Name: "fold", Usage: "--model: folding JSON `FILE` (as gen's --fold) or \"auto\""},
			&cli.IntFlag{Name: "target-cycles", Usage: "--model: auto folding cycles per frame target `N`"},
			&cli.Float64Flag{Name: "target-fps", Usage: "--model: auto folding frames per second target `F` (needs --clock-mhz)"},
			&cli.Float64Flag{Name: "clock-mhz", Usage: "--model: clock frequency `M` in MHz for --target-fps"},
			&cli.IntFlag{Name: "max-luts", Usage: "--model: auto folding: the fastest folding whose LUT estimate is at most `N`"},
			&cli.BoolFlag{Name: "no-pad", Usage: "--model: refuse foldings that need padding"},
			&cli.IntFlag{Name: "in-pix", Usage: "--model: pixels per input beat `N`"},
			&cli.StringFlag{Name: "target", Usage: "--model: FPGA family `T` (xc7 or ice40)"},
			&cli.StringFlag{Name: "popcount", Usage: "--model: xnor PE reduction `R`: tree|behavioural"},
			&cli.IntFlag{Name: "pipeline-every", Usage: "--model: compressor trees: a register rank every `N` stages"},
			&cli.BoolFlag{Name: "all-logits", Usage: "--model, a sequence model: m_axis streams every logit, ceil(V/PE) beats per token (default: the predicted token and its score)"},
			&cli.StringFlag{Name: "dataset", Usage: "data set: " + strings.Join(datasetNames, "|") + "|images:DIR|idx:DIR, or " + dataset.PTB + " for a sequence model (required; the test split is used)"},
			&cli.IntFlag{Name: "limit", Usage: "simulate only the first `N` images or input tokens (N >= 1; default: all)"},
			&cli.IntFlag{Name: "offset", Usage: "start at test image (or token) `K` (K >= 0; --limit counts from there): shards of one split run as separate processes"},
			&cli.IntFlag{Name: "seq-len", Value: defaultSeqLen, Usage: "ptb: cut the token stream into sequences of `L` input tokens, each from the reset state"},
			&cli.Float64Flag{Name: "stall-in", Usage: "probability `P` in [0, 1) that a pending input beat is held back a cycle"},
			&cli.Float64Flag{Name: "stall-out", Usage: "probability `P` in [0, 1) that m_axis_tready is low in a cycle"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "`SEED` of the splitmix64 stall schedule (as cosim's --seed)"},
			&cli.StringFlag{Name: "data-dir", Usage: "`DIR` holding the data set's files, or CIFAR-10's tarball (default: the installed copy)"},
			&cli.StringFlag{Name: "trace", Usage: "write every output handshake to `FILE`, one \"cycle tdata\" line each"},
			allowEditedFlag(),
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			opt, err := simFlags(c)
			if err != nil {
				return err
			}
			r, err := runSim(e, opt)
			if err != nil {
				return err
			}
			if opt.json {
				return writeJSON(e.stdout, r)
			}
			if sr, ok := r.(*seqSimReport); ok {
				return writeSeqSimText(e.stdout, sr)
			}
			return writeSimText(e.stdout, r.(*simReport))
		},
	}
}

// simFlags reads and checks sim's flags; every problem is a user error.
func simFlags(c *cli.Context) (simOptions, error) {
	opt := simOptions{
		dataset: c.String("dataset"), dataDir: c.String("data-dir"), trace: c.String("trace"),
		limit: c.Int("limit"), offset: c.Int("offset"), stallIn: c.Float64("stall-in"), stallOut: c.Float64("stall-out"),
		seed: c.Uint64("seed"), json: c.Bool("json"), allowEdited: c.Bool("allow-edited"), seqLen: c.Int("seq-len"),
	}
	args := c.Args().Slice()
	opt.model = c.String("model")
	if opt.model != "" {
		if len(args) != 0 {
			return opt, userErrf("sim: --model FILE takes no design directory, got %d arguments", len(args))
		}
		args = []string{""}
		var err error
		if opt.plan, err = planOptions(c, "sim"); err != nil {
			return opt, err
		}
		opt.plan.AllLogits = c.Bool("all-logits")
	} else {
		for _, f := range []string{"all-logits", "fold", "target-cycles", "target-fps", "clock-mhz", "max-luts", "no-pad", "in-pix", "target", "popcount", "pipeline-every"} {
			if c.IsSet(f) {
				return opt, userErrf("sim: --%s plans a --model; a design directory has its plan", f)
			}
		}
	}
	switch {
	case len(args) != 1:
		return opt, userErrf("sim: takes exactly one design directory, got %d arguments", len(args))
	case opt.dataset == "":
		return opt, userErrf("sim: --dataset is required (%s)", datasetList())
	case !validDataset(opt.dataset) && opt.dataset != dataset.PTB:
		return opt, userErrf("sim: --dataset: unknown data set %q (want %s, or %s for a sequence model)", opt.dataset, datasetList(), dataset.PTB)
	case opt.seqLen < 1:
		return opt, userErrf("sim: --seq-len must be at least 1, got %d", opt.seqLen)
	case c.IsSet("seq-len") && opt.dataset != dataset.PTB:
		return opt, userErrf("sim: --seq-len is for sequence models on --dataset %s, not %s", dataset.PTB, opt.dataset)
	case c.IsSet("limit") && opt.limit < 1:
		return opt, userErrf("sim: --limit must be at least 1, got %d (omit it to simulate every image)", opt.limit)
	case opt.offset < 0:
		return opt, userErrf("sim: --offset must be at least 0, got %d", opt.offset)
	case !(opt.stallIn >= 0 && opt.stallIn < 1):
		return opt, userErrf("sim: --stall-in must be in [0, 1), got %g", opt.stallIn)
	case !(opt.stallOut >= 0 && opt.stallOut < 1):
		return opt, userErrf("sim: --stall-out must be in [0, 1), got %g", opt.stallOut)
	}
	if opt.trace != "" {
		if err := checkWritable(opt.trace); err != nil {
			return opt, userErrf("sim: --trace %s: cannot write: %w", opt.trace, err)
		}
	}
	opt.dir = args[0]
	return opt, nil
}

// runSim loads the design and the data set, simulates the images, checks
// every frame against netlist.Eval and writes the trace.
func runSim(e *env, opt simOptions) (any, error) {
	log := e.log
	p, d, err := simPlan(e, opt)
	if err != nil {
		return nil, err
	}
	defer d.release()
	n := p.Net
	model := filepath.Join(opt.dir, designNetlistFile)
	if opt.model != "" {
		model = opt.model
	}
	if n.IsSequence() {
		return runSimSeq(e, opt, p, d, model)
	}
	if opt.dataset == dataset.PTB {
		return nil, userErrf("sim: model %s is an image model: --dataset %s needs a sequence model (an embedding as layer 0)", model, dataset.PTB)
	}
	size, err := checkModelFitsDataset("sim", evalOptions{model: model, dataset: opt.dataset}, n)
	if err != nil {
		return nil, err
	}
	set, err := dataset.Load(opt.dataset, "test", opt.dataDir)
	if err != nil {
		return nil, userErr(err)
	}
	if set, err = simImages(log, set, opt); err != nil {
		return nil, err
	}
	if set, err = set.Resize(size); err != nil {
		return nil, userErr(err)
	}
	pixels := set.Images()
	want, err := netlist.Eval(n, pixels, set.N)
	if err != nil {
		return nil, err
	}
	log.Debug("simulating", "frames", set.N, "cycles_per_frame", p.CyclesPerFrame, "latency", p.Latency)
	start := time.Now()
	res, err := sim.Run(p, pixels, set.N, sim.Config{StallIn: opt.stallIn, StallOut: opt.stallOut, Seed: opt.seed})
	elapsed := time.Since(start)
	if err != nil {
		return nil, err
	}
	if opt.trace != "" {
		if err := writeTrace(opt.trace, res.Beats); err != nil {
			return nil, err
		}
	}
	design := opt.dir
	if opt.model != "" {
		design = opt.model
	}
	r := &simReport{Design: design, Name: n.Name, Dataset: set.Name, Split: set.Split, Offset: opt.offset, Frames: set.N,
		StallIn: opt.stallIn, StallOut: opt.stallOut, Seed: opt.seed, Trace: opt.trace,
		Cycles: res.Cycles, CyclesPerFrame: res.CyclesPerFrame, PlanCyclesPerFrame: p.CyclesPerFrame,
		FirstLatency: res.FirstLatency, PlanLatency: p.Latency, Seconds: elapsed.Seconds()}
	for f := range set.N {
		if res.Classes[f] != want[f].Class || !slices.Equal(res.Scores[f], want[f].Scores) {
			return nil, d.disagreement(fmt.Errorf("sim: frame %d (test image %d): the simulator gives class %d scores %v but netlist.Eval gives class %d scores %v (output handshake at cycle %d)",
				f, opt.offset+f, res.Classes[f], res.Scores[f], want[f].Class, want[f].Scores, res.Beats[f].Cycle))
		}
		if res.Classes[f] == int(set.Labels[f]) {
			r.Correct++
		}
	}
	if r.Frames > 0 {
		r.Accuracy = float64(r.Correct) / float64(r.Frames)
		r.Agreement = 1
	}
	if r.Seconds > 0 {
		r.CyclesPerSecond = float64(r.Cycles) / r.Seconds
	}
	for _, ls := range res.Layers {
		r.Layers = append(r.Layers, simLayer{Name: ls.Name, Busy: ls.Busy, StallIn: ls.StallIn, StallOut: ls.StallOut})
	}
	for _, st := range res.Stages {
		r.Stages = append(r.Stages, simStage{Kind: st.Kind, Name: st.Name, Busy: st.Busy, StallIn: st.StallIn, StallOut: st.StallOut})
	}
	return r, nil
}

// simImages is the part of the test split that --offset and --limit
// select.
func simImages(log hclog.Logger, set *dataset.Set, opt simOptions) (*dataset.Set, error) {
	if opt.offset >= set.N {
		return nil, userErrf("sim: --offset %d: the %s %s split has only %d images", opt.offset, set.Name, set.Split, set.N)
	}
	hi := set.N
	if opt.limit > 0 {
		if opt.offset+opt.limit > set.N {
			log.Warn("--limit exceeds the split's size; simulating every image from --offset on", "offset", opt.offset, "limit", opt.limit, "images", set.N)
		} else {
			hi = opt.offset + opt.limit
		}
	}
	return set.Slice(opt.offset, hi), nil
}

// simPlan is the plan to simulate: the design directory's, or --model's
// planned with the folding flags (d is then a design without a lock).
func simPlan(e *env, opt simOptions) (*hw.Plan, *openedDesign, error) {
	if opt.model == "" {
		d, err := openDesign(e, "sim", opt.dir, false, opt.allowEdited)
		if err != nil {
			return nil, nil, err
		}
		return d.Plan, d, nil
	}
	n, err := loadModel(e.log, opt.model, sequenceHardwareUse("sim"))
	if err != nil {
		return nil, nil, err
	}
	if n.IsSequence() && opt.dataset != dataset.PTB {
		return nil, nil, userErrf("sim: %s; simulate it on --dataset %s", sequenceModelError("", opt.model, n), dataset.PTB)
	}
	p, err := hw.NewPlan(n, opt.plan)
	if err != nil {
		return nil, nil, userErr(err)
	}
	return p, &openedDesign{}, nil
}

// writeTrace writes one "cycle tdata" line per output handshake.
func writeTrace(path string, beats []sim.Beat) error {
	var b strings.Builder
	for _, bt := range beats {
		fmt.Fprintf(&b, "%d %s\n", bt.Cycle, bt.TData)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return userErrf("sim: --trace: %w", err)
	}
	return nil
}

func writeSimText(w io.Writer, r *simReport) error {
	fmt.Fprintf(w, "design:       %s (%s)\n", r.Design, r.Name)
	fmt.Fprintf(w, "data set:     %s %s, %d frames\n", r.Dataset, r.Split, r.Frames)
	fmt.Fprintf(w, "accuracy:     %.2f%% (%d/%d correct)\n", 100*r.Accuracy, r.Correct, r.Frames)
	fmt.Fprintf(w, "agreement:    %.2f%% with netlist.Eval (class and every score)\n", 100*r.Agreement)
	fmt.Fprintf(w, "stalls:       in %g, out %g, seed %d\n", r.StallIn, r.StallOut, r.Seed)
	fmt.Fprintf(w, "cycles/frame: %.2f measured, plan %d\n", r.CyclesPerFrame, r.PlanCyclesPerFrame)
	fmt.Fprintf(w, "latency:      %d cycles measured (first frame), plan %d\n", r.FirstLatency, r.PlanLatency)
	fmt.Fprintf(w, "cycles:       %d in %.3f s (%.0f cycles/s)\n", r.Cycles, r.Seconds, r.CyclesPerSecond)
	if r.Trace != "" {
		fmt.Fprintf(w, "trace:        %s\n", r.Trace)
	}
	fmt.Fprintf(w, "\nper layer (cycles)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "layer\tbusy\tstall-in\tstall-out\t\n")
	for _, l := range r.Layers {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", l.Name, l.Busy, l.StallIn, l.StallOut)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nper stage (cycles)\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "stage\tkind\tbusy\tstall-in\tstall-out\t\n")
	for _, s := range r.Stages {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", s.Name, s.Kind, s.Busy, s.StallIn, s.StallOut)
	}
	return tw.Flush()
}
