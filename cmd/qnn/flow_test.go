package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/flow"
)

// miniFlow is the CI's miniature flow: a 16-16 hidden network trained for
// one epoch on 1,000 images, folded to 128 cycles per frame.
func miniFlow(dir string, extra ...string) []string {
	return append([]string{"flow", "-o", dir, "--hidden", "16,16", "--epochs", "1", "--limit", "1000",
		"--target-cycles", "128", "--quiet"}, extra...)
}

// stageLines maps each stage to its line on stdout.
func stageLines(t *testing.T, stdout string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range strings.Split(stdout, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 {
			m[f[0]] = l
		}
	}
	for _, s := range flow.Stages {
		if m[s] == "" {
			t.Errorf("no line for stage %s in:\n%s", s, stdout)
		}
	}
	return m
}

// TestFlowMiniature runs the whole flow end to end, Verilator and Yosys
// included (each skipped with a note when the tool is missing), checks
// the report, then re-runs: unchanged stages are skipped, a new folding
// re-runs gen and what follows but not training.
func TestFlowMiniature(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the miniature flow runs Verilator and Yosys")
	}
	dir := filepath.Join(t.TempDir(), "flow")
	cosim, target := "10", "xc7"
	if _, err := exec.LookPath("verilator"); err != nil {
		t.Log("verilator not installed: no co-simulation")
		cosim = "0"
	}
	if _, err := exec.LookPath("yosys"); err != nil {
		t.Log("yosys not installed: no synthesis")
		target = "none"
	}
	stdout, stderr, code := runQNN(t, miniFlow(dir, "--cosim-images", cosim, "--target", target)...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	lines := stageLines(t, stdout)
	if !strings.Contains(stdout, "report: "+filepath.Join(dir, "report.html")) {
		t.Errorf("stdout does not name the report:\n%s", stdout)
	}
	var rep flow.Report
	data, err := os.ReadFile(filepath.Join(dir, flow.ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	wantRows := 3
	if cosim != "0" {
		wantRows = 4
		if rep.Cosim == nil || !rep.Cosim.Match || rep.Cosim.Frames != 10 {
			t.Errorf("cosim result %+v, want a match on 10 frames", rep.Cosim)
		}
	}
	if len(rep.Accuracy) != wantRows {
		t.Errorf("%d accuracy rows, want %d: %+v", len(rep.Accuracy), wantRows, rep.Accuracy)
	}
	for _, a := range rep.Accuracy[2:] {
		if a.Disagreements != 0 {
			t.Errorf("%s disagrees with %s on %d images", a.Stage, a.Versus, a.Disagreements)
		}
	}
	if p := rep.Performance; p == nil || p.CyclesPerFrame != 128 || p.FramesPerSecond <= 0 {
		t.Errorf("performance %+v, want 128 cycles per frame", p)
	}
	if target != "none" {
		if rep.Synth == nil || rep.Synth.Total.LUT == 0 || len(rep.Layers) == 0 || rep.Layers[0].Synth == nil {
			t.Errorf("synth result %+v, layers %+v: want LUT counts per layer", rep.Synth, rep.Layers)
		} else if rep.Performance.MACsPerCyclePerLUT <= 0 {
			t.Errorf("no binary MACs per cycle per LUT: %+v", rep.Performance)
		}
	}
	checkHTML(t, filepath.Join(dir, flow.ReportHTML))

	// Unchanged: every stage is skipped.
	stdout, stderr, code = runQNN(t, miniFlow(dir, "--cosim-images", cosim, "--target", target)...)
	if code != 0 {
		t.Fatalf("re-run: exit %d\n%s%s", code, stdout, stderr)
	}
	lines = stageLines(t, stdout)
	for _, s := range flow.Stages {
		if l := lines[s]; !strings.Contains(l, "unchanged, skipped") && !strings.Contains(l, "skipped: --") {
			t.Errorf("re-run: stage %s ran: %s", s, l)
		}
	}
	// A new folding: train and export are skipped, gen and sim run.
	args := miniFlow(dir, "--cosim-images", "0", "--target", "none")
	args[slices.Index(args, "--target-cycles")+1] = "64"
	stdout, stderr, code = runQNN(t, args...)
	if code != 0 {
		t.Fatalf("refold: exit %d\n%s%s", code, stdout, stderr)
	}
	lines = stageLines(t, stdout)
	for _, s := range []string{"train", "export"} {
		if !strings.Contains(lines[s], "unchanged, skipped") {
			t.Errorf("refold: %s ran: %s", s, lines[s])
		}
	}
	for _, s := range []string{"gen", "sim"} {
		if strings.Contains(lines[s], "skipped") || !strings.Contains(lines[s], "64") {
			t.Errorf("refold: %s did not re-run at 64 cycles/frame: %s", s, lines[s])
		}
	}
	// --from export re-runs export although nothing changed.
	stdout, _, _ = runQNN(t, append(args, "--from", "export")...)
	if l := stageLines(t, stdout)["export"]; strings.Contains(l, "skipped") {
		t.Errorf("--from export: %s", l)
	}
}

// checkHTML requires a self-contained report: inline PNGs, no external
// reference.
func checkHTML(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := string(data)
	if n := strings.Count(h, `src="data:image/png;base64,`); n < 2 {
		t.Errorf("%s has %d inline PNGs, want at least 2", path, n)
	}
	for _, bad := range []string{`src="http`, `href="http`, `<link`, `<script`, `url(`} {
		if strings.Contains(h, bad) {
			t.Errorf("%s is not self-contained: it contains %q", path, bad)
		}
	}
	for _, want := range []string{"Test accuracy at every stage", "Throughput and latency", "Resources", "FINN"} {
		if !strings.Contains(h, want) {
			t.Errorf("%s lacks %q", path, want)
		}
	}
}

// TestFlowReproducible runs the same small flow twice in two directories:
// the netlist, the plan and every generated RTL and memory file must be
// byte-identical.
func TestFlowReproducible(t *testing.T) {
	var dirs [2]string
	for i := range dirs {
		dirs[i] = filepath.Join(t.TempDir(), "flow")
		args := miniFlow(dirs[i], "--cosim-images", "0", "--target", "none", "--seed", "7")
		if i == 1 {
			args = append(args, "--json")
		}
		stdout, stderr, code := runQNN(t, args...)
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", i, code, stdout, stderr)
		}
		if i == 1 { // --json: stdout is report.json, the stage lines went to stderr
			var rep flow.Report
			decodeOneObject(t, stdout, &rep)
			if rep.Export == nil || rep.Export.Model != "model.json" || !strings.Contains(stderr, "export ") {
				t.Errorf("--json: report %+v, stderr:\n%s", rep.Export, stderr)
			}
		}
	}
	var files []string
	for _, sub := range []string{"model.json", "design"} {
		err := filepath.WalkDir(filepath.Join(dirs[0], sub), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dirs[0], p)
				files = append(files, rel)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d files to compare: %v", len(files), files)
	}
	for _, f := range files {
		a, errA := os.ReadFile(filepath.Join(dirs[0], f))
		b, errB := os.ReadFile(filepath.Join(dirs[1], f))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", f, errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	t.Logf("%d files identical, e.g. %s", len(files), strings.Join(files[:3], ", "))
}

// TestFlowRenderChromium renders a report in headless Chromium (skipped
// when Chromium is not installed) and requires a non-trivial screenshot.
func TestFlowRenderChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	dir := filepath.Join(t.TempDir(), "flow")
	if _, stderr, code := runQNN(t, miniFlow(dir, "--cosim-images", "0", "--target", "none")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	out, err := exec.Command("bash", "../../scripts/render-report.sh", dir, shot).CombinedOutput()
	if err != nil {
		t.Fatalf("render-report.sh: %v\n%s", err, out)
	}
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 50_000 {
		t.Errorf("screenshot %s: %v, %d bytes: want a rendered page", shot, err, fi.Size())
	}
}
