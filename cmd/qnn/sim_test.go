package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// writeDesign writes a design directory (plan.json and netlist.json) for
// the test model folded to opt, as 'qnn gen' does.
func writeDesign(t *testing.T, opt hw.Options) (string, *hw.Plan) {
	t.Helper()
	n, err := netlist.Load(testModel)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := hw.Save(dir, p); err != nil {
		t.Fatal(err)
	}
	if err := netlist.Save(filepath.Join(dir, "netlist.json"), n); err != nil {
		t.Fatal(err)
	}
	return dir, p
}

func TestSimJSON(t *testing.T) {
	requireMNIST(t)
	dir, p := writeDesign(t, hw.Options{TargetCycles: 64})
	const limit = 300
	stdout, stderr, code := runQNN(t, "sim", dir, "--dataset", "mnist", "--limit", fmt.Sprint(limit), "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	wantKeys := map[string]bool{}
	for _, k := range []string{"design", "name", "dataset", "split", "offset", "frames", "correct", "accuracy", "agreement",
		"stall_in", "stall_out", "seed", "cycles", "cycles_per_frame", "plan_cycles_per_frame", "first_latency",
		"plan_latency", "layers", "stages", "seconds", "cycles_per_second"} {
		wantKeys[k] = true
	}
	if diff := cmp.Diff(wantKeys, jsonKeys(t, stdout)); diff != "" {
		t.Errorf("JSON keys mismatch (-want +got):\n%s", diff)
	}
	var r simReport
	decodeOneObject(t, stdout, &r)
	if r.Frames != limit || r.Agreement != 1 || r.Dataset != "mnist" || r.Split != "test" {
		t.Errorf("frames %d agreement %v dataset %s %s", r.Frames, r.Agreement, r.Dataset, r.Split)
	}
	if r.CyclesPerFrame != float64(p.CyclesPerFrame) || r.PlanCyclesPerFrame != p.CyclesPerFrame {
		t.Errorf("cycles/frame %v, plan %d (plan says %d)", r.CyclesPerFrame, r.PlanCyclesPerFrame, p.CyclesPerFrame)
	}
	if r.FirstLatency != int64(p.Latency) || r.PlanLatency != p.Latency {
		t.Errorf("latency %d, plan %d (plan says %d)", r.FirstLatency, r.PlanLatency, p.Latency)
	}
	// Accuracy against the labels, with the golden evaluator's classes.
	set, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := netlist.Eval(p.Net, set.Images()[:limit*set.ImageSize()], limit)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, w := range want {
		if w.Class == int(set.Labels[i]) {
			correct++
		}
	}
	if r.Correct != correct || r.Accuracy != float64(correct)/limit {
		t.Errorf("correct %d accuracy %v, want %d", r.Correct, r.Accuracy, correct)
	}
	if len(r.Layers) != 4 {
		t.Fatalf("%d layers", len(r.Layers))
	}
	for _, l := range r.Layers {
		if l.Busy+l.StallIn+l.StallOut != r.Cycles || l.Busy != limit*64 {
			t.Errorf("layer %+v, %d cycles", l, r.Cycles)
		}
	}
}

// TestSimOffset: --offset K --limit N simulates test images K..K+N-1:
// the report's correct count is netlist.Eval's on those images, and
// the frames and offset are reported; a --limit past the end stops at
// the split's end.
func TestSimOffset(t *testing.T) {
	requireMNIST(t)
	dir, p := writeDesign(t, hw.Options{TargetCycles: 64})
	set, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ offset, limit, frames int }{{4321, 40, 40}, {9990, 50, 10}} {
		stdout, stderr, code := runQNN(t, "sim", dir, "--dataset", "mnist", "--offset", fmt.Sprint(tc.offset), "--limit", fmt.Sprint(tc.limit), "--json")
		if code != exitOK {
			t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
		}
		var r simReport
		decodeOneObject(t, stdout, &r)
		sz := set.ImageSize()
		want, err := netlist.Eval(p.Net, set.Images()[tc.offset*sz:(tc.offset+tc.frames)*sz], tc.frames)
		if err != nil {
			t.Fatal(err)
		}
		correct := 0
		for i, w := range want {
			if w.Class == int(set.Labels[tc.offset+i]) {
				correct++
			}
		}
		if r.Offset != tc.offset || r.Frames != tc.frames || r.Correct != correct || r.Agreement != 1 {
			t.Errorf("--offset %d --limit %d: offset %d frames %d correct %d agreement %v, want %d frames, %d correct",
				tc.offset, tc.limit, r.Offset, r.Frames, r.Correct, r.Agreement, tc.frames, correct)
		}
	}
}

func TestSimTextTraceStalls(t *testing.T) {
	requireMNIST(t)
	dir, p := writeDesign(t, hw.Options{Folds: []hw.Fold{{PE: 7, SIMD: 50}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 4, SIMD: 16}}, InPix: 13})
	trace := filepath.Join(t.TempDir(), "trace.txt")
	stdout, stderr, code := runQNN(t, "sim", dir, "--dataset", "mnist", "--limit", "50",
		"--stall-in", "0.5", "--stall-out", "0.5", "--seed", "42", "--trace", trace)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	for _, w := range []string{"agreement:    100.00%", "stalls:       in 0.5, out 0.5, seed 42",
		fmt.Sprintf("plan %d", p.CyclesPerFrame), fmt.Sprintf("plan %d", p.Latency), "trace:        " + trace, "fc0", "fc3"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("report lacks %q:\n%s", w, stdout)
		}
	}
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("trace has %d lines, want 50", len(lines))
	}
	line := regexp.MustCompile(fmt.Sprintf(`^\d+ [0-9a-f]{%d}$`, p.Output.TDataBits/4))
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Fatalf("trace line %q is not \"cycle tdata\"", l)
		}
	}
}

func TestSimUserErrors(t *testing.T) {
	dir, _ := writeDesign(t, hw.Options{TargetCycles: 64})
	// A design whose netlist changed after the plan was written.
	stale, _ := writeDesign(t, hw.Options{TargetCycles: 64})
	n, err := netlist.Load(testModel)
	if err != nil {
		t.Fatal(err)
	}
	n.Name = "renamed"
	if err := netlist.Save(filepath.Join(stale, "netlist.json"), n); err != nil {
		t.Fatal(err)
	}
	noPlan := t.TempDir()
	if err := netlist.Save(filepath.Join(noPlan, "netlist.json"), n); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"no dir", []string{"sim", "--dataset", "mnist"}, []string{"sim: takes exactly one design directory"}},
		{"two dirs", []string{"sim", dir, dir, "--dataset", "mnist"}, []string{"got 2 arguments"}},
		{"no dataset", []string{"sim", dir}, []string{"--dataset is required"}},
		{"bad dataset", []string{"sim", dir, "--dataset", "cifar"}, []string{`"cifar"`}},
		{"limit 0", []string{"sim", dir, "--dataset", "mnist", "--limit", "0"}, []string{"--limit must be at least 1"}},
		{"offset negative", []string{"sim", dir, "--dataset", "mnist", "--offset", "-1"}, []string{"--offset must be at least 0, got -1"}},
		{"offset past the end", []string{"sim", dir, "--dataset", "mnist", "--offset", "10000"}, []string{"--offset 10000", "only 10000 images"}},
		{"stall-in 1", []string{"sim", dir, "--dataset", "mnist", "--stall-in", "1"}, []string{"--stall-in must be in [0, 1), got 1"}},
		{"stall-out negative", []string{"sim", dir, "--dataset", "mnist", "--stall-out", "-0.5"}, []string{"--stall-out"}},
		{"not a dir", []string{"sim", testModel, "--dataset", "mnist"}, []string{"is not a design directory"}},
		{"no netlist", []string{"sim", t.TempDir(), "--dataset", "mnist"}, []string{"netlist.json"}},
		{"no plan", []string{"sim", noPlan, "--dataset", "mnist"}, []string{"hw: ", "plan.json"}},
		{"stale plan", []string{"sim", stale, "--dataset", "mnist"}, []string{"plan does not match its netlist"}},
		{"missing data dir", []string{"sim", dir, "--dataset", "fashion", "--data-dir", "/nonexistent/qnn-data"}, []string{"dataset:", "/nonexistent/qnn-data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runQNN(t, tc.args...)
			checkUserError(t, stdout, stderr, code, tc.wants...)
		})
	}
}
