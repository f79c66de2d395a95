package rtlgen_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
)

// TestKitSimulate: for a 1-bit, a k-bit and an 8-bit-input design, the kit
// copied to a fresh directory passes under Icarus and Verilator with qnn
// absent from PATH, with and without random gaps and backpressure, and
// lints clean; a corrupted score ROM word fails at frame 0 and a deleted or
// truncated ROM file fails naming the file, under both simulators. -short
// runs the first design only.
func TestKitSimulate(t *testing.T) {
	for _, tool := range []string{"make", "iverilog", "vvp", "verilator"} {
		needTool(t, tool)
	}
	designs := kitDesigns(t)
	if testing.Short() {
		designs = designs[:1]
	}
	const frames = 6
	for _, d := range designs {
		t.Run(d.name, func(t *testing.T) {
			gen := filepath.Join(t.TempDir(), "gen")
			opt := rtlgen.Options{Version: "test", Stimulus: rtlgen.RandomStimulus(d.plan, frames, 5)}
			if err := rtlgen.Generate(d.plan, gen, opt); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "copy of design")
			dir = strings.ReplaceAll(dir, " ", "_") // make needs paths without spaces
			copyDir(t, gen, dir)
			os.RemoveAll(gen)
			pass := fmt.Sprintf("PASS: %d frames", frames)
			runs := []struct {
				args []string
				want string
			}{
				{[]string{"sim-icarus"}, pass},
				{[]string{"sim-icarus", "STALL_IN=40", "STALL_OUT=60", "SEED=3"}, pass},
				{[]string{"sim-verilator", "VERILATOR_OPT=-O0"}, pass},
				{[]string{"sim-verilator", "VERILATOR_OPT=-O0", "STALL_IN=70", "STALL_OUT=30", "SEED=11"}, pass},
				{[]string{"lint"}, "lint: clean"},
			}
			for _, r := range runs {
				out, err := kitMake(t, dir, r.args...)
				if err != nil || !strings.Contains(out, r.want) || strings.Contains(out, "FAIL") {
					t.Fatalf("make %v: %v\n%s", r.args, err, out)
				}
				if strings.HasPrefix(r.args[0], "sim-") && !strings.Contains(out, "latency") {
					t.Errorf("make %v: no latency line\n%s", r.args, out)
				}
			}
			kitFailures(t, d, dir)
		})
	}
}

// kitFailures breaks the design's memory files and checks that both
// simulators fail with a clear line (the Verilator binary is reused: the
// files are read at run time).
func kitFailures(t *testing.T, d kitDesign, dir string) {
	t.Helper()
	last := len(d.plan.Layers) - 1
	scores := filepath.Join(dir, "mem", fmt.Sprintf("layer%d_scores.mem", last))
	weights := filepath.Join(dir, "mem", "layer0_weights.mem")
	good := map[string][]byte{}
	for _, f := range []string{scores, weights} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		good[f] = data
	}
	restore := func() {
		for f, data := range good {
			if err := os.WriteFile(f, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name   string
		break_ func()
		want   string
	}{
		{"corrupt score word", func() {
			// Flip bit 0 of word 0: class 0's score offset, so every frame's score 0 changes.
			data := append([]byte(nil), good[scores]...)
			nl := strings.IndexByte(string(data), '\n')
			data[nl-1] = "1032547698badcfe"[strings.IndexByte("0123456789abcdef", data[nl-1])]
			os.WriteFile(scores, data, 0o644)
		}, "FAIL: frame 0: expected class"},
		{"deleted weights", func() { os.Remove(weights) }, "FAIL: ROM"},
		{"truncated weights", func() {
			os.WriteFile(weights, good[weights][:strings.IndexByte(string(good[weights]), '\n')+1], 0o644)
		}, "holds 1 words"},
	}
	for _, c := range cases {
		for _, target := range []string{"sim-icarus", "sim-verilator"} {
			c.break_()
			out, err := kitMake(t, dir, target, "VERILATOR_OPT=-O0")
			restore()
			if err == nil || !strings.Contains(out, c.want) || strings.Contains(out, "PASS:") {
				t.Errorf("%s, %s: err %v, want a failure with %q:\n%s", c.name, target, err, c.want, out)
			}
			if strings.HasPrefix(c.want, "FAIL: ROM") && !strings.Contains(out, "layer0_weights.mem") {
				t.Errorf("%s, %s: the FAIL line does not name the file:\n%s", c.name, target, out)
			}
		}
	}
}

// TestPathWithoutQNN: the kit tests' PATH really has no qnn.
func TestPathWithoutQNN(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "qnn"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if _, err := exec.LookPath("qnn"); err != nil {
		t.Fatal("the fake qnn is not on PATH")
	}
	t.Setenv("PATH", pathWithoutQNN(t))
	if p, err := exec.LookPath("qnn"); err == nil {
		t.Errorf("qnn still found at %s", p)
	}
}

// TestKitConvIcarus: the kit of a conv design (conv -> pool -> dwc -> conv
// -> dense) passes under Icarus with and without gaps and backpressure:
// every result equals the golden evaluator's; without stalls frame 0's
// latency is the plan's.
func TestKitConvIcarus(t *testing.T) {
	for _, tool := range []string{"make", "iverilog", "vvp"} {
		needTool(t, tool)
	}
	n := &netlist.Network{Name: "kit-conv", Layers: []netlist.Layer{
		&netlist.Input{Name: "input", Shape: netlist.Shape{C: 2, H: 6, W: 6}, Bits: 1},
		&netlist.Conv2D{Name: "conv0", OutC: 4, KH: 3, KW: 3, Stride: 1, Pad: netlist.Symmetric(1)},
		&netlist.Threshold{Name: "act0", Bits: 1},
		&netlist.MaxPool{Name: "pool0", K: 2, Stride: 2},
		&netlist.Conv2D{Name: "conv1", OutC: 6, KH: 2, KW: 2, Stride: 1, WeightBits: 2},
		&netlist.Threshold{Name: "act1", Bits: 2},
		&netlist.Dense{Name: "fc0", Out: 4},
		&netlist.Output{Name: "scores"},
	}}
	if err := netlist.Randomize(rand.New(rand.NewPCG(4, 14)), n); err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: []hw.Fold{{PE: 2, SIMD: 2}, {PE: 3, SIMD: 4}, {PE: 2, SIMD: 6}}})
	if err != nil {
		t.Fatal(err)
	}
	const frames = 4
	dir := filepath.Join(t.TempDir(), "conv")
	if err := rtlgen.Generate(p, dir, rtlgen.Options{Version: "test", Stimulus: rtlgen.RandomStimulus(p, frames, 5)}); err != nil {
		t.Fatal(err)
	}
	for i, args := range [][]string{{"sim-icarus"}, {"sim-icarus", "STALL_IN=40", "STALL_OUT=60", "SEED=3"}} {
		out, err := kitMake(t, dir, args...)
		if err != nil || !strings.Contains(out, fmt.Sprintf("PASS: %d frames", frames)) || strings.Contains(out, "FAIL") ||
			(i == 0 && !strings.Contains(out, fmt.Sprintf("(plan %d, checked)", p.Latency))) {
			t.Fatalf("make %v: %v\n%s", args, err, out)
		}
	}
}
