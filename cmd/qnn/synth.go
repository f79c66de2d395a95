package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/synth"
	"github.com/urfave/cli/v2"
)

// FINN's published binary MACs per cycle per LUT (docs in
// /work/shared/ANCHORS.md): SFC-max 334,336 MACs / 16 cycles / 91,131 LUTs
// and BNN-PYNQ LFC-w1a1 2,913,792 MACs / 512 cycles / 25,358 LUTs.
const (
	finnSFCMaxMACsPerCycleLUT = 334336.0 / 16 / 91131
	finnLFCMACsPerCycleLUT    = 2913792.0 / 512 / 25358
)

// synthReport is what `qnn synth --json` prints.
type synthReport struct {
	Dir            string `json:"dir"`
	Name           string `json:"name"`
	ReportFile     string `json:"report_file"` // DIR/synth/report.md
	CyclesPerFrame int    `json:"cycles_per_frame"`
	// MACsPerFrame is the netlist's multiply-accumulates per frame
	// (netlist.Stats: MW*MH for a dense layer, times the output pixels for
	// a convolution).
	MACsPerFrame int64 `json:"macs_per_frame"`
	Binary       bool  `json:"binary"` // every MAC is binary (XNOR-popcount)
	// MACsPerCycleLUT is MACsPerFrame / CyclesPerFrame / Total.LUT.
	MACsPerCycleLUT float64      `json:"macs_per_cycle_per_lut"`
	FINNSFCMax      float64      `json:"finn_sfc_max_macs_per_cycle_per_lut"`
	FINNLFC         float64      `json:"finn_lfc_macs_per_cycle_per_lut"`
	Estimate        estimateJSON `json:"estimate"`
	*synth.Report
}

func synthCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "synth",
		Usage:     "synthesize a generated design with Yosys (xc7 or ice40) and report LUTs, FFs, RAM and logic depth",
		ArgsUsage: "DIR",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "target", Value: string(synth.XC7), Usage: "FPGA family: xc7|ice40"},
			&cli.BoolFlag{Name: "abc9", Usage: "map LUTs with Yosys' abc9 flow"},
			&cli.BoolFlag{Name: "pnr", Usage: "place and route with nextpnr-ice40 (--target ice40) and report Fmax"},
			&cli.StringFlag{Name: "device", Value: "hx8k", Usage: "iCE40 device for --pnr: hx8k|up5k"},
			&cli.Float64Flag{Name: "freq-mhz", Aliases: []string{"clock-mhz"}, Value: 12, Usage: "nextpnr target clock `MHZ` (> 0; with --pnr)"},
			&cli.IntFlag{Name: "dffe-min-ce-use", Usage: "ice40: fold clock enables of fewer than `N` flip-flops into LUTs (synth_ice40 -dffe_min_ce_use; 8 lets nextpnr place designs with many small enables)"},
			allowEditedFlag(),
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			switch c.NArg() {
			case 0:
				return userErrf("synth: missing DIR argument (a design directory written by qnn gen)")
			case 1:
			default:
				return userErrf("synth: takes one DIR argument, got %d: %q", c.NArg(), c.Args().Slice())
			}
			dir := c.Args().First()
			target := synth.Target(c.String("target"))
			if target != synth.XC7 && target != synth.ICE40 {
				return userErrf("synth: --target: unknown target %q (want xc7 or ice40)", target)
			}
			if c.Bool("pnr") && target != synth.ICE40 {
				return userErrf("synth: --pnr needs --target ice40")
			}
			if n := c.Int("dffe-min-ce-use"); n < 0 || (n > 0 && target != synth.ICE40) {
				return userErrf("synth: --dffe-min-ce-use %d: needs --target ice40 and N >= 0", n)
			}
			if f := c.Float64("freq-mhz"); !(f > 0 && f < 1e6) {
				return userErrf("synth: --freq-mhz must be a positive number of MHz, got %g", f)
			}
			if c.IsSet("freq-mhz") && !c.Bool("pnr") {
				return userErrf("synth: --freq-mhz is nextpnr's target clock: it needs --pnr")
			}
			tools := []string{"yosys"}
			if c.Bool("pnr") {
				tools = append(tools, "nextpnr-ice40")
			}
			for _, tool := range tools {
				if _, err := exec.LookPath(tool); err != nil {
					return userErrf("synth: %s not found on PATH; install it with scripts/setup.sh", tool)
				}
			}
			d, err := openDesign(e, "synth", dir, true, c.Bool("allow-edited"))
			if err != nil {
				return err
			}
			defer d.release()
			macs, binary, err := MACsPerFrame(d.Plan)
			if err != nil {
				return err // the design's netlist passed hw.Load's checks: a qnn bug
			}
			prog := newStageProgress(e.stderr, 3*time.Second)
			opt := synth.Options{Dir: dir, Top: rtlgen.DefaultTop, Target: target, ABC9: c.Bool("abc9"),
				PnR: c.Bool("pnr"), Device: c.String("device"), FreqMHz: c.Float64("freq-mhz"), MinCEUse: c.Int("dffe-min-ce-use"),
				Progress: prog.stage}
			e.log.Debug("synthesizing", "dir", dir, "target", target)
			rep, err := runSynth(e, opt)
			prog.done()
			if err != nil {
				return err
			}
			r := newSynthReport(dir, d.Plan, rep, macs, binary)
			if c.Bool("json") {
				return writeJSON(e.stdout, r)
			}
			return writeSynthText(e.stdout, r)
		},
	}
}

// MACsPerFrame is the multiply-accumulates of one frame (or token) of the
// plan's netlist, as netlist.Stats counts them (a convolution's at every
// output pixel), and whether they are all binary (XNOR-popcount) MACs.
func MACsPerFrame(p *hw.Plan) (macs int64, binary bool, err error) {
	st, err := netlist.Stats(p.Net)
	if err != nil {
		return 0, false, fmt.Errorf("synth: MACs of %q: %w", p.Name, err)
	}
	var bin int64
	for _, s := range st {
		macs += s.MACs
		bin += s.BinaryMACs
	}
	return macs, bin == macs, nil
}

func newSynthReport(dir string, p *hw.Plan, rep *synth.Report, macs int64, binary bool) *synthReport {
	r := &synthReport{Dir: dir, Name: p.Name, ReportFile: filepath.Join(dir, "synth", "report.md"),
		CyclesPerFrame: p.CyclesPerFrame, FINNSFCMax: finnSFCMaxMACsPerCycleLUT, FINNLFC: finnLFCMACsPerCycleLUT,
		Estimate: newEstimateJSON(p.Estimate), Report: rep}
	r.MACsPerFrame, r.Binary = macs, binary
	if rep.Total.LUT > 0 && p.CyclesPerFrame > 0 {
		r.MACsPerCycleLUT = float64(r.MACsPerFrame) / float64(p.CyclesPerFrame) / float64(rep.Total.LUT)
	}
	return r
}

// writeSynthText prints the per-module table, the totals and the MAC
// efficiency beside FINN's.
func writeSynthText(w io.Writer, r *synthReport) error {
	rep := r.Report
	var b strings.Builder
	fmt.Fprintf(&b, "design:  %s (%s), top %s\n", r.Dir, r.Name, rep.Top)
	flow := "synth_xilinx -family xc7"
	if rep.Target == synth.ICE40 {
		flow = "synth_ice40"
	}
	if rep.ABC9 {
		flow += " -abc9"
	}
	fmt.Fprintf(&b, "yosys:   %s, %s, %.1f s\n\n", rep.Yosys, flow, rep.YosysSeconds)
	fmt.Fprintf(&b, "%-44s %5s %8s %8s %6s %6s %7s %6s %6s %4s\n", "module", "inst", "LUT", "FF", "carry", "muxf", "BRAM36", "RAM4K", "LUTRAM", "DSP")
	row := func(name string, inst int, t synth.Resources) {
		name = moduleName(name)
		fmt.Fprintf(&b, "%-44s %5d %8d %8d %6d %6d %7.1f %6d %6d %4d\n", name, inst, t.LUT, t.FF, t.Carry,
			t.MuxF7+t.MuxF8, t.BRAM36(), t.RAM4K, t.LUTRAM, t.DSP)
	}
	for _, m := range rep.Modules {
		row(m.Name, m.Instances, m.Total)
	}
	row("TOTAL", 1, rep.Total)
	fmt.Fprintf(&b, "\nestimate (hw): %d LUT, %d FF, %g BRAM36\n", r.Estimate.LUT, r.Estimate.FF, r.Estimate.BRAM)
	fmt.Fprintf(&b, "logic depth:   %d LUT levels between registers\n", rep.Depth)
	kind := "binary MACs"
	if !r.Binary {
		kind = "MACs (not all binary)"
	}
	fmt.Fprintf(&b, "throughput:    %d %s per frame, %d cycles per frame\n", r.MACsPerFrame, kind, r.CyclesPerFrame)
	fmt.Fprintf(&b, "efficiency:    %.3f MACs per cycle per LUT (FINN SFC-max %.2f, BNN-PYNQ LFC %.2f)\n",
		r.MACsPerCycleLUT, r.FINNSFCMax, r.FINNLFC)
	if p := rep.PnR; p != nil {
		for _, c := range p.Fmax {
			met := "met"
			if c.AchievedMHz < c.TargetMHz {
				met = "missed"
			}
			fmt.Fprintf(&b, "fmax:          %s %.1f MHz (target %g MHz %s)\n", c.Name, c.AchievedMHz, c.TargetMHz, met)
		}
		for _, u := range p.Utilization {
			if u.Used > 0 {
				fmt.Fprintf(&b, "utilization:   %s %d / %d\n", u.Resource, u.Used, u.Available)
			}
		}
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(&b, "warnings:      %d non-fatal Yosys warnings (see the report)\n", len(rep.Warnings))
	}
	fmt.Fprintf(&b, "report:        %s\n", r.ReportFile)
	_, err := io.WriteString(w, b.String())
	return err
}

// stageProgress prints synthesis stages on stderr once a run has taken
// longer than quiet, so short runs stay silent.
type stageProgress struct {
	w     io.Writer
	start time.Time
	quiet time.Duration
	mu    sync.Mutex
	last  string
	shown bool
}

func newStageProgress(w io.Writer, quiet time.Duration) *stageProgress {
	return &stageProgress{w: w, start: time.Now(), quiet: quiet}
}

func (s *stageProgress) stage(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el := time.Since(s.start)
	if el < s.quiet || name == s.last {
		s.last = name
		return
	}
	s.last, s.shown = name, true
	fmt.Fprintf(s.w, "qnn synth: %6.1fs %s\n", el.Seconds(), name)
}

func (s *stageProgress) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown {
		fmt.Fprintf(s.w, "qnn synth: %6.1fs done\n", time.Since(s.start).Seconds())
	}
}

// moduleName shortens Yosys' "$paramod$HASH\\name" to "name#HASH6".
func moduleName(name string) string {
	if rest, ok := strings.CutPrefix(name, "$paramod$"); ok {
		if hash, mod, ok := strings.Cut(rest, `\`); ok {
			name = mod + "#" + hash[:min(6, len(hash))]
		}
	}
	if len(name) > 44 {
		name = name[:41] + "..."
	}
	return name
}

// runSynth runs Yosys (and nextpnr) into a temporary DIR/.synth.tmp-*,
// moved to DIR/synth when the tools finish (with their logs when they
// failed); an interruption removes it and keeps the previous DIR/synth.
func runSynth(e *env, opt synth.Options) (*synth.Report, error) {
	final := filepath.Join(opt.Dir, rtlgen.SynthDir)
	tmp, err := os.MkdirTemp(opt.Dir, ".synth.tmp-")
	if err != nil {
		return nil, userErrf("synth: %w", err)
	}
	defer os.RemoveAll(tmp)
	opt.OutDir = tmp
	rep, err := synth.Run(e.ctx, opt)
	if e.ctx.Err() != nil {
		return nil, interrupted("synth", fmt.Sprintf("yosys/nextpnr stopped, nothing written (%s as it was)", final))
	}
	if ierr := replaceDir(tmp, final); ierr != nil {
		return nil, userErrf("synth: %w", ierr)
	}
	if err != nil {
		err = &renamedPathError{err: err, old: tmp, new: final}
		if errors.Is(err, synth.ErrDesign) || strings.Contains(err.Error(), "unknown iCE40 device") {
			return nil, userErr(err)
		}
		if strings.Contains(err.Error(), "Unable to find legal placement") && opt.MinCEUse == 0 {
			err = fmt.Errorf("%w (many small clock-enable nets defeat nextpnr's legalizer: try --dffe-min-ce-use 8)", err)
		}
		// A tool that fails on the design (broken RTL, a design too big
		// for the device) is the environment's or the input's, not qnn's.
		return nil, userErr(err)
	}
	return rep, nil
}

// replaceDir moves dir tmp to final, replacing final (written by qnn synth).
func replaceDir(tmp, final string) error {
	old := tmp + ".old"
	if err := os.Rename(final, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Rename(old, final)
		return err
	}
	return os.RemoveAll(old)
}

// renamedPathError is err with the temporary output directory's path
// replaced by the final one (the logs it names were moved there).
type renamedPathError struct {
	err      error
	old, new string
}

func (e *renamedPathError) Error() string { return strings.ReplaceAll(e.err.Error(), e.old, e.new) }
func (e *renamedPathError) Unwrap() error { return e.err }
