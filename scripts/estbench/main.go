// Command estbench calibrates hw's resource estimate against Yosys
// (scripts/bench-estimate.sh): it plans a fixed set of small and medium
// designs (dense and convolutional, every stage kind), writes each with
// rtlgen, synthesizes it with Yosys synth_xilinx -family xc7 (package
// synth), attributes the flattened cells to the plan's stages through
// rtlgen.StageInstances, and tabulates the estimate beside Yosys per stage
// and per stage kind (LUT, FF, BRAM36):
//
//	go run ./scripts/estbench -work /tmp/estbench -o docs/estimate-results.md
//
// A design whose Yosys counts are already in WORK (yosys.json) is not
// synthesized again unless -fresh; the estimate is always recomputed, so a
// changed formula is re-tabulated in seconds. -only selects designs by a
// regular expression on their names; -list prints the names. -design DIR
// tabulates instead a design of qnn gen that `qnn synth DIR --target xc7`
// has synthesized (DIR/synth/netlist.json), e.g. a CNV folding.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/synth"
)

func main() {
	work := flag.String("work", "", "`DIR` for the designs and their Yosys counts (required)")
	out := flag.String("o", "", "markdown `FILE` for the tables (default: stdout)")
	only := flag.String("only", "", "synthesize and tabulate only designs matching `REGEXP`")
	fresh := flag.Bool("fresh", false, "synthesize again even if WORK has the design's counts")
	list := flag.Bool("list", false, "print the design names and exit")
	dry := flag.Bool("dry", false, "no Yosys: tabulate the estimates with the counts WORK has (none without -work)")
	design := flag.String("design", "", "tabulate the design `DIR` that qnn synth synthesized instead")
	fifo := flag.String("fifo-estimate", "", "print hw's estimate of a FIFO of `DEPTH,WIDTH`: LUT and FF")
	flag.Parse()
	var err error
	switch {
	case *fifo != "":
		var f hw.FIFOStage
		if _, err = fmt.Sscanf(*fifo, "%d,%d", &f.Depth, &f.Width); err == nil {
			e := f.Estimate()
			fmt.Println(e.LUT, e.FF)
		}
	case *design != "":
		err = runDesign(*design, *out)
	default:
		err = run(*work, *out, *only, *fresh, *list, *dry)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "estbench:", err)
		os.Exit(1)
	}
}

func run(work, out, only string, fresh, list, dry bool) error {
	re, err := regexp.Compile(only)
	if err != nil {
		return err
	}
	var ds []design
	for _, d := range designs() {
		if re.MatchString(d.name) {
			ds = append(ds, d)
		}
	}
	if list {
		for _, d := range ds {
			fmt.Println(d.name)
		}
		return nil
	}
	if work == "" && !dry {
		return fmt.Errorf("-work DIR is required")
	}
	var rows []stageRow
	for _, d := range ds {
		p, err := d.plan(nil)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		y, dir := &yosysRun{}, filepath.Join(work, d.name)
		if work != "" {
			if y, err = yosysCounts(p, dir, fresh, dry); err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
		}
		// The estimate of the design Yosys synthesized: its folding as
		// its plan.json has it (auto folding may have changed since).
		if folds, err := synthesizedFolds(dir); err == nil && len(y.Instances) > 0 {
			if p, err = d.plan(folds); err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
		}
		r, err := stageRows(d.name, p, y)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		rows = append(rows, r...)
	}
	return write(out, tables(rows))
}

// runDesign tabulates a synthesized design directory of qnn gen.
func runDesign(dir, out string) error {
	n, err := netlist.Load(filepath.Join(dir, rtlgen.NetlistFile))
	if err != nil {
		return err
	}
	p, err := hw.Load(filepath.Join(dir, "plan.json"), n)
	if err != nil {
		return err
	}
	inst, err := instanceCounts(filepath.Join(dir, "synth", "netlist.json"))
	if err != nil {
		return err
	}
	rows, err := stageRows(filepath.Base(dir), p, &yosysRun{Instances: inst})
	if err != nil {
		return err
	}
	return write(out, tables(rows))
}

func write(out, text string) error {
	if out == "" {
		_, err := os.Stdout.WriteString(text)
		return err
	}
	return os.WriteFile(out, []byte(text), 0o644)
}

// yosysRun is one design's Yosys counts per top-level instance.
type yosysRun struct {
	Yosys     string            `json:"yosys"`
	Seconds   float64           `json:"seconds"`
	Load      string            `json:"load"` // /proc/loadavg when the run started
	Instances map[string]counts `json:"instances"`
}

// yosysCounts synthesizes p in dir (or reads dir/yosys.json).
func yosysCounts(p *hw.Plan, dir string, fresh, dry bool) (*yosysRun, error) {
	cache := filepath.Join(dir, "yosys.json")
	if !fresh {
		if b, err := os.ReadFile(cache); err == nil {
			var y yosysRun
			if err := json.Unmarshal(b, &y); err != nil {
				return nil, fmt.Errorf("%s: %w", cache, err)
			}
			return &y, nil
		}
	}
	if dry {
		return &yosysRun{}, nil
	}
	design := filepath.Join(dir, "design")
	if err := rtlgen.Generate(p, design, rtlgen.Options{Version: "estbench", Force: true}); err != nil {
		return nil, err
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(os.Stderr, "estbench: yosys on %s (load %s)\n", design, trimSpace(string(load)))
	start := time.Now()
	rep, err := synth.Run(context.Background(), synth.Options{Dir: design, Top: rtlgen.DefaultTop, Target: synth.XC7,
		OutDir: filepath.Join(dir, "synth")})
	if err != nil {
		return nil, err
	}
	inst, err := instanceCounts(filepath.Join(dir, "synth", "netlist.json"))
	if err != nil {
		return nil, err
	}
	y := &yosysRun{Yosys: rep.Yosys, Seconds: time.Since(start).Seconds(), Load: trimSpace(string(load)), Instances: inst}
	b, err := json.MarshalIndent(y, "", "  ")
	if err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, "synth", "netlist.json")) // large; the counts are kept
	return y, os.WriteFile(cache, b, 0o644)
}

// synthesizedFolds is the folding of the design in dir (its plan.json).
func synthesizedFolds(dir string) ([]hw.Fold, error) {
	b, err := os.ReadFile(filepath.Join(dir, "design", "plan.json"))
	if err != nil {
		return nil, err
	}
	var p struct{ Layers []struct{ PE, SIMD int } }
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	var folds []hw.Fold
	for _, l := range p.Layers {
		folds = append(folds, hw.Fold{PE: l.PE, SIMD: l.SIMD})
	}
	return folds, nil
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}
