package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/internal/dirlock"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/urfave/cli/v2"
)

// genReport is what `qnn gen --json` prints.
type genReport struct {
	Model          string       `json:"model"`
	Dir            string       `json:"dir"`
	Name           string       `json:"name"`
	NetlistSHA256  string       `json:"netlist_sha256"`
	Folds          []hw.Fold    `json:"folds"`
	InPix          int          `json:"in_pix"`
	CyclesPerFrame int          `json:"cycles_per_frame"`
	Latency        int          `json:"latency"`
	Estimate       estimateJSON `json:"estimate"`
	Files          []string     `json:"files"`
}

func genCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "gen",
		Usage:     "generate the Verilog dataflow accelerator of a netlist (rtl/, mem/, plan.json, README.md) and its kit (tb/, vivado/, yosys/)",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "netlist `FILE` (required)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "design `DIR` to write (required; must not exist unless --force)"},
			&cli.StringFlag{Name: "fold", Usage: "folding: a JSON `FILE` of {\"layer\",\"pe\",\"simd\"} per dense or conv2d layer (without \"layer\": in order), or \"auto\" (default: auto)"},
			&cli.IntFlag{Name: "target-cycles", Usage: "auto folding: cycles per frame target `N` (default: PE = SIMD = 1)"},
			&cli.Float64Flag{Name: "target-fps", Usage: "auto folding: frames per second target `F` (needs --clock-mhz)"},
			&cli.Float64Flag{Name: "clock-mhz", Usage: "clock frequency `M` in MHz for --target-fps"},
			&cli.IntFlag{Name: "max-luts", Usage: "auto folding: the fastest folding whose LUT estimate is at most `N` (no faster than --target-cycles/--target-fps if given)"},
			&cli.BoolFlag{Name: "no-pad", Usage: "refuse foldings that need padding"},
			&cli.IntFlag{Name: "in-pix", Usage: "pixels per input beat `N` (default: chosen by the plan)"},
			&cli.StringFlag{Name: "target", Usage: "FPGA family `T` the design is tuned for: xc7 (compressor-tree popcount) or ice40 (behavioural)"},
			&cli.StringFlag{Name: "popcount", Usage: "xnor PE reduction `R`: tree|behavioural (default: tree for --target xc7, else behavioural)"},
			&cli.IntFlag{Name: "pipeline-every", Usage: "compressor trees: a register rank every `N` stages (0: combinational)"},
			&cli.BoolFlag{Name: "all-logits", Usage: "a sequence model: m_axis streams every logit, ceil(V/PE) beats per token (default: the predicted token and its score)"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing DIR"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		}, tbFlags()...),
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return userErrf("gen: takes no arguments, got %q (use --model FILE -o DIR)", c.Args().Slice())
			}
			model, dir := c.String("model"), c.String("output")
			if model == "" {
				return userErrf("gen: --model is required (a netlist file)")
			}
			if dir == "" {
				return userErrf("gen: -o DIR is required (the design directory to write)")
			}
			n, err := loadModel(e.log, model, sequenceHardwareUse("gen"))
			if err != nil {
				return err
			}
			opt, err := planOptions(c, "gen")
			if err != nil {
				return err
			}
			if opt.AllLogits = c.Bool("all-logits"); opt.AllLogits && !n.IsSequence() {
				return userErrf("gen: --all-logits is for sequence models; an image model's m_axis carries every score already")
			}
			p, err := hw.NewPlan(n, opt)
			if err != nil {
				return userErr(err)
			}
			if err := checkAbsurd(e, p, c.IsSet("in-pix")); err != nil {
				return err
			}
			stim, err := tbStimulus(c, e.log, model, p)
			if err != nil {
				return err
			}
			gopt := rtlgen.Options{Version: version, Force: c.Bool("force"), Stimulus: stim}
			if err := rtlgen.GenerateContext(e.ctx, p, dir, gopt); err != nil {
				return genError(e, dir, err)
			}
			e.log.Debug("wrote design", "dir", dir)
			if c.Bool("json") {
				return writeGenJSON(e, model, dir, p)
			}
			_, err = fmt.Fprintf(e.stdout, "%s\nwrote %s (top %s)\n", p.Dump(), dir,
				filepath.Join(dir, rtlgen.RTLDir, rtlgen.DefaultTop+".v"))
			return err
		},
	}
}

// planOptions reads the folding flags of gen: --fold FILE, or auto folding
// with --target-cycles or --target-fps and --clock-mhz; --no-pad, --in-pix.
func planOptions(c *cli.Context, cmd string) (hw.Options, error) {
	opt := hw.Options{NoPad: c.Bool("no-pad"), InPix: c.Int("in-pix")}
	if c.IsSet("in-pix") && opt.InPix < 1 {
		return opt, userErrf("%s: --in-pix must be at least 1, got %d", cmd, opt.InPix)
	}
	if err := popcountOptions(c, cmd, &opt); err != nil {
		return opt, err
	}
	fold := c.String("fold")
	cyclesSet, fpsSet, clockSet := c.IsSet("target-cycles"), c.IsSet("target-fps"), c.IsSet("clock-mhz")
	if c.IsSet("max-luts") {
		if opt.MaxLUTs = c.Int("max-luts"); opt.MaxLUTs < 1 {
			return opt, userErrf("%s: --max-luts must be at least 1, got %d", cmd, opt.MaxLUTs)
		}
	}
	if fold != "" && fold != "auto" {
		if cyclesSet || fpsSet || clockSet || c.IsSet("max-luts") {
			return opt, userErrf("%s: --fold FILE excludes --target-cycles, --target-fps, --clock-mhz and --max-luts", cmd)
		}
		folds, err := hw.ReadFolds(fold)
		if err != nil {
			return opt, userErr(err)
		}
		opt.Folds = folds
		return opt, nil
	}
	switch {
	case cyclesSet && (fpsSet || clockSet):
		return opt, userErrf("%s: give either --target-cycles or --target-fps with --clock-mhz, not both", cmd)
	case cyclesSet:
		if c.Int("target-cycles") < 1 {
			return opt, userErrf("%s: --target-cycles must be at least 1, got %d", cmd, c.Int("target-cycles"))
		}
		opt.TargetCycles = c.Int("target-cycles")
	case fpsSet != clockSet:
		return opt, userErrf("%s: --target-fps and --clock-mhz go together", cmd)
	case fpsSet:
		t, err := hw.TargetCyclesFromFPS(c.Float64("target-fps"), c.Float64("clock-mhz"))
		if err != nil {
			return opt, userErr(err)
		}
		opt.TargetCycles = t
	}
	return opt, nil
}

// popcountOptions reads --target, --popcount and --pipeline-every.
func popcountOptions(c *cli.Context, cmd string, opt *hw.Options) error {
	target := c.String("target")
	switch target {
	case "", "xc7", "ice40":
	default:
		return userErrf("%s: --target: unknown target %q (want xc7 or ice40)", cmd, target)
	}
	opt.Popcount, opt.Target = hw.PopcountFor(target), target
	switch pc := hw.Popcount(c.String("popcount")); pc {
	case "":
	case hw.PopcountTree, hw.PopcountBehavioural:
		opt.Popcount = pc
	default:
		return userErrf("%s: --popcount: unknown reduction %q (want tree or behavioural)", cmd, pc)
	}
	opt.PipelineEvery = c.Int("pipeline-every")
	if opt.PipelineEvery < 0 {
		return userErrf("%s: --pipeline-every must be at least 0, got %d", cmd, opt.PipelineEvery)
	}
	if opt.PipelineEvery > 0 && opt.Popcount != hw.PopcountTree {
		return userErrf("%s: --pipeline-every needs the compressor tree (--popcount tree or --target xc7)", cmd)
	}
	return nil
}

// genError classes Generate's errors: an interruption, and everything the
// user can fix (an existing, locked, foreign or unwritable DIR, a network
// the RTL library cannot build) are not internal.
func genError(e *env, dir string, err error) error {
	if e.ctx.Err() != nil {
		return interrupted("gen", fmt.Sprintf("nothing written (%s unchanged, temporary files removed)", dir))
	}
	var pe *fs.PathError
	var le *os.LinkError
	for _, target := range []error{rtlgen.ErrExists, rtlgen.ErrRefused, rtlgen.ErrUnsupported, dirlock.ErrBusy} {
		if errors.Is(err, target) {
			return userErr(err)
		}
	}
	if errors.As(err, &pe) || errors.As(err, &le) {
		return userErr(err)
	}
	return err
}

// writeGenJSON prints gen's report; the file list is the manifest's, so it
// names every file gen wrote.
func writeGenJSON(e *env, model, dir string, p *hw.Plan) error {
	m, err := rtlgen.ReadManifest(dir)
	if err != nil {
		return err
	}
	r := genReport{Model: model, Dir: dir, Name: p.Name, NetlistSHA256: p.NetlistSHA256,
		InPix: p.Input.InPix, CyclesPerFrame: p.CyclesPerFrame, Latency: p.Latency, Estimate: newEstimateJSON(p.Estimate)}
	for _, l := range p.Layers {
		r.Folds = append(r.Folds, hw.Fold{PE: l.PE, SIMD: l.SIMD})
	}
	for name := range m.Files {
		r.Files = append(r.Files, name)
	}
	r.Files = append(r.Files, rtlgen.ManifestFile)
	slices.Sort(r.Files)
	return writeJSON(e.stdout, r)
}

// Bounds past which a design is no longer useful: more LUTs than the
// largest FPGAs have (about 4M in a Virtex UltraScale+ VU19P), and more
// than 0.1 s per frame at 100 MHz.
const (
	absurdLUTs   = 4_000_000
	absurdCycles = 10_000_000
)

// checkAbsurd refuses an --in-pix wider than a frame and warns about
// designs too large or too slow to be of use, with their numbers.
func checkAbsurd(e *env, p *hw.Plan, inPixSet bool) error {
	if size := p.Input.Shape.Size(); inPixSet && p.Input.InPix > size {
		return userErrf("gen: --in-pix %d is more than the %d pixels of a frame (a %d-bit input bus); use at most %d",
			p.Input.InPix, size, p.Input.TDataBits, size)
	}
	if p.Estimate.LUT > absurdLUTs {
		e.log.Warn(fmt.Sprintf("the design's estimate is %d LUTs, more than the largest FPGA (about %d); fold it further (--target-cycles or --max-luts)",
			p.Estimate.LUT, absurdLUTs))
	}
	if p.CyclesPerFrame > absurdCycles {
		e.log.Warn(fmt.Sprintf("the design takes %d cycles per frame (%.2f s at 100 MHz); unfold it (--target-cycles or --fold)",
			p.CyclesPerFrame, float64(p.CyclesPerFrame)/100e6))
	}
	return nil
}
