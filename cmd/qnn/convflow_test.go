package main

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/flow"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
)

// TestConvFlow runs the flow end to end on a small convolutional network
// (MNIST at 14x14, two convolutions and a pool, one epoch on 300 images,
// 20 test images, Verilator on 3 of them; no Yosys, which takes minutes on
// a loaded machine: TestPipelineRows in flow checks the per-stage Yosys
// attribution and TestFlowMiniature the synth stage) and checks that the
// report has a row for every stage of the plan, window generators and
// pools included, in the folding, cycles and resource tables; that sim
// counted every stage; that each stage's instances exist in the top; and
// that the bottleneck stage's cycles are the ones sim measured per frame.
func TestConvFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the conv flow trains and runs Verilator and Yosys")
	}
	dir := filepath.Join(t.TempDir(), "flow")
	cosim, target := "3", "none"
	if _, err := exec.LookPath("verilator"); err != nil {
		t.Log("verilator not installed: no co-simulation")
		cosim = "0"
	}
	stdout, stderr, code := runQNN(t, "flow", "-o", dir, "--layers", "c4,p2,c8,f16,f10", "--input-size", "14", "--epochs", "1",
		"--limit", "300", "--test-images", "20", "--target-cycles", "400", "--cosim-images", cosim, "--target", target, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	stageLines(t, stdout)
	var rep flow.Report
	readJSONFile(t, filepath.Join(dir, flow.ReportJSON), &rep)
	var plan struct {
		Stages []struct{ Kind, Name string }
	}
	readJSONFile(t, filepath.Join(dir, "design", "plan.json"), &plan)
	kinds := map[string]bool{}
	for _, s := range plan.Stages {
		kinds[s.Kind] = true
	}
	for _, k := range []string{"input", "swg", "mvtu", "pool", "output"} {
		if !kinds[k] {
			t.Errorf("plan.json has no %s stage: %+v", k, plan.Stages)
		}
	}
	if len(rep.Pipeline) != len(plan.Stages) {
		t.Fatalf("report has %d pipeline rows, plan.json %d stages", len(rep.Pipeline), len(plan.Stages))
	}
	md, err := os.ReadFile(filepath.Join(dir, flow.ReportMD))
	if err != nil {
		t.Fatal(err)
	}
	checkConvRows(t, &rep, plan.Stages, string(md), cosim != "0", target != "none")
	top, err := os.ReadFile(filepath.Join(dir, "design", "rtl", "qnn_top.v"))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rep.Pipeline {
		for _, inst := range row.Instances {
			if !strings.Contains(string(top), ") "+inst+" (") {
				t.Errorf("stage %s %s: instance %s not in qnn_top.v", row.Kind, row.Name, inst)
			}
		}
	}
}

// checkConvRows checks each pipeline row against the plan's stage and the
// report's tables.
func checkConvRows(t *testing.T, rep *flow.Report, stages []struct{ Kind, Name string }, md string, cosim, synth bool) {
	t.Helper()
	if rep.Sim == nil || rep.Performance == nil {
		t.Fatalf("no sim result or performance in the report")
	}
	bottleneck := false
	for i, row := range rep.Pipeline {
		want := stages[i]
		if row.Kind != want.Kind || row.Name != want.Name {
			t.Errorf("pipeline row %d is %s %s, plan stage %s %s", i, row.Kind, row.Name, want.Kind, want.Name)
		}
		// The folding, cycles and resource tables (headed "| stage |
		// kind |") each have a row "| name | kind |", bold when
		// highlighted.
		plain, bold := "| "+row.Name+" | "+row.Kind+" |", "| **"+row.Name+"** | **"+row.Kind+"** |"
		tables := stageTables(md)
		if len(tables) != 3 {
			t.Fatalf("report.md has %d stage tables, want 3 (folding, cycles, resources)", len(tables))
		}
		for j, tab := range tables {
			if n := strings.Count(tab, plain) + strings.Count(tab, bold); n != 1 {
				t.Errorf("stage %s %s: %d rows in stage table %d of report.md, want 1", row.Kind, row.Name, n, j)
			}
		}
		if row.Kind != "input" && row.Sim == nil {
			t.Errorf("stage %s %s: no sim counts", row.Kind, row.Name)
		}
		if synth && row.Synth == nil {
			t.Errorf("stage %s %s: no Yosys counts", row.Kind, row.Name)
		}
		if row.Bottleneck {
			bottleneck = true
			if float64(row.Cycles) != rep.Sim.CyclesPerFrame {
				t.Errorf("bottleneck %s %s: %d cycles/frame, sim measured %g", row.Kind, row.Name, row.Cycles, rep.Sim.CyclesPerFrame)
			}
			if !strings.Contains(rep.Performance.Bottleneck, row.Name) {
				t.Errorf("bottleneck line %q does not name %s", rep.Performance.Bottleneck, row.Name)
			}
		}
	}
	if !bottleneck {
		t.Errorf("no bottleneck stage in %+v", rep.Pipeline)
	}
	if cosim && (rep.Cosim == nil || !rep.Cosim.Match || rep.Cosim.Frames != 3) {
		t.Errorf("cosim result %+v, want a match on 3 frames", rep.Cosim)
	}
	if rep.Export == nil || rep.Export.TestImages != 20 || rep.Sim.Frames != 20 {
		t.Errorf("--test-images 20: export %+v, sim %d frames", rep.Export, rep.Sim.Frames)
	}
}

// stageTables returns the markdown tables whose header starts with
// "| stage | kind |".
func stageTables(md string) []string {
	var out []string
	for _, block := range strings.Split(md, "\n\n") {
		if b := strings.TrimSpace(block); strings.HasPrefix(b, "| stage | kind |") {
			out = append(out, b)
		}
	}
	return out
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestFlowFromModel starts a flow from a netlist file (a random conv net
// on 14x14 MNIST): training is skipped, export measures the file with
// netlist.Eval on --test-images images, sim agrees on the same images.
func TestFlowFromModel(t *testing.T) {
	n := &netlist.Network{Name: "conv-random", Layers: []netlist.Layer{
		&netlist.Input{Name: "input", Shape: netlist.Shape{C: 1, H: 14, W: 14}, Bits: 1},
		&netlist.Conv2D{Name: "conv0", OutC: 4, KH: 3, KW: 3, Stride: 1}, &netlist.Threshold{Name: "act0", Bits: 1},
		&netlist.MaxPool{Name: "pool0", K: 2, Stride: 2},
		&netlist.Dense{Name: "fc0", Out: 10}, &netlist.Output{Name: "scores"}}}
	if err := netlist.Randomize(rand.New(rand.NewPCG(3, 4)), n); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "model.json")
	if err := netlist.Save(model, n); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "flow")
	stdout, stderr, code := runQNN(t, "flow", "-o", dir, "--from-model", model, "--test-images", "12", "--target-cycles", "300",
		"--cosim-images", "0", "--target", "none", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var rep flow.Report
	readJSONFile(t, filepath.Join(dir, flow.ReportJSON), &rep)
	if rep.Train != nil || rep.Export == nil || rep.Export.Source != flow.ModelSource || rep.Export.TestImages != 12 {
		t.Fatalf("train %+v, export %+v: want no training and the model measured on 12 images", rep.Train, rep.Export)
	}
	if rep.Sim == nil || rep.Sim.Frames != 12 || rep.Sim.Correct != rep.Export.NetlistCorrect || len(rep.Pipeline) == 0 {
		t.Errorf("sim %+v (netlist correct %d), %d pipeline rows", rep.Sim, rep.Export.NetlistCorrect, len(rep.Pipeline))
	}
	for _, args := range [][]string{
		{"--from-model", model, "--from-onnx", "x.onnx"},
		{"--test-images", "-1"},
	} {
		_, stderr, code := runQNN(t, append([]string{"flow", "-o", filepath.Join(t.TempDir(), "f")}, args...)...)
		if code != 1 || !strings.Contains(stderr, "flow: ") {
			t.Errorf("flow %v: exit %d, stderr %q; want a one-line user error", args, code, stderr)
		}
	}
}

// TestFlowConvConfig checks flow's training defaults for conv nets:
// --arch cnv trains CNV's layer string on cifar10 with 8-bit pixels,
// --layers overrides the layers, dense architectures keep --dataset.
func TestFlowConvConfig(t *testing.T) {
	for _, c := range []struct {
		args          []string
		dataset, arch string
		layers        string
		inputBits     int
	}{
		{[]string{"--arch", "cnv"}, "cifar10", "cnv", "c64,c64,p2,c128,c128,p2,c256,c256,f512,f512,f10", 8},
		{[]string{"--arch", "cnv", "--input-bits", "1"}, "cifar10", "cnv", "c64,c64,p2,c128,c128,p2,c256,c256,f512,f512,f10", 1},
		{[]string{"--arch", "lenet"}, "mnist", "lenet", "c32,p2,c64,p2,f512,f10", 1},
		{[]string{"--arch", "cnv28"}, "mnist", "cnv28", "c32,c32,p2,c64,c64,p2,f512,f10", 8},
		{[]string{"--arch", "cnv28", "--dataset", "fashion"}, "fashion", "cnv28", "c32,c32,p2,c64,c64,p2,f512,f10", 8},
		{[]string{"--layers", "c8,p2,f16,f10", "--dataset", "fashion"}, "fashion", "custom", "c8,p2,f16,f10", 1},
		{[]string{"--arch", "tfc"}, "mnist", "tfc", "", 1},
		{[]string{"--arch", "tfc", "--dataset", "cifar10"}, "cifar10", "tfc", "", 8},
	} {
		var got flow.Config
		app := &cli.App{Flags: flowFlags(), Action: func(ctx *cli.Context) error {
			var err error
			got, _, err = flowConfig(ctx, &env{stdout: io.Discard, stderr: io.Discard})
			return err
		}}
		if err := app.Run(append([]string{"flow", "-o", "d"}, c.args...)); err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		tc := got.Train
		if tc.Dataset != c.dataset || tc.Arch != c.arch || tc.Layers != c.layers || tc.InputBits != c.inputBits {
			t.Errorf("%v: dataset %q arch %q layers %q input bits %d, want %q %q %q %d", c.args, tc.Dataset, tc.Arch, tc.Layers,
				tc.InputBits, c.dataset, c.arch, c.layers, c.inputBits)
		}
	}
}
