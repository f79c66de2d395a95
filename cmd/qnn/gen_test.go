package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "design")
	stdout, stderr, code := runQNN(t, "gen", "--model", testModel, "-o", dir, "--fold", "auto", "--target-cycles", "64")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"cycles/frame 64", "latency", "wrote " + dir} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"rtl/qnn_top.v", "mem/layer0_weights.mem", "plan.json", "netlist.json", "README.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	// An existing directory is refused, replaced with --force.
	stdout, stderr, code = runQNN(t, "gen", "--model", testModel, "-o", dir)
	checkUserError(t, stdout, stderr, code, "exists", "--force")
	stdout, stderr, code = runQNN(t, "gen", "--model", testModel, "-o", dir, "--force", "--json", "--target-fps", "1e6", "--clock-mhz", "100")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r genReport
	decodeOneObject(t, stdout, &r)
	if r.CyclesPerFrame > 100 || len(r.Folds) != 4 || r.Dir != dir || len(r.Files) < 10 {
		t.Errorf("report %+v", r)
	}
	// An explicit folding file.
	fold := filepath.Join(t.TempDir(), "fold.json")
	data, _ := json.Marshal([]map[string]int{{"pe": 8, "simd": 49}, {"pe": 4, "simd": 16}, {"pe": 4, "simd": 16}, {"pe": 2, "simd": 16}})
	os.WriteFile(fold, data, 0o644)
	dir2 := filepath.Join(t.TempDir(), "d2")
	stdout, stderr, code = runQNN(t, "gen", "--model", testModel, "-o", dir2, "--fold", fold, "--no-pad", "--in-pix", "28", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	decodeOneObject(t, stdout, &r)
	if r.InPix != 28 || r.Folds[0].PE != 8 || r.Folds[0].SIMD != 49 {
		t.Errorf("report %+v", r)
	}
}

func TestGenErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	fold := filepath.Join(t.TempDir(), "fold.json")
	os.WriteFile(fold, []byte(`[{"pe": 3, "simd": 7}, {"pe": 1, "simd": 1}, {"pe": 1, "simd": 1}, {"pe": 1, "simd": 1}]`), 0o644)
	cases := []struct {
		args  []string
		wants []string
	}{
		{[]string{"gen", "-o", dir}, []string{"--model is required"}},
		{[]string{"gen", "--model", testModel}, []string{"-o DIR is required"}},
		{[]string{"gen", "--model", "missing.json", "-o", dir}, []string{"missing.json"}},
		{[]string{"gen", "--model", testModel, "-o", dir, "--target-cycles", "0"}, []string{"--target-cycles"}},
		{[]string{"gen", "--model", testModel, "-o", dir, "--target-fps", "100"}, []string{"--clock-mhz"}},
		{[]string{"gen", "--model", testModel, "-o", dir, "--fold", fold, "--target-cycles", "9"}, []string{"--fold FILE"}},
		{[]string{"gen", "--model", testModel, "-o", dir, "--fold", fold, "--no-pad"}, []string{"hw:"}},
		{[]string{"gen", "--model", testModel, "-o", dir, "--in-pix", "0"}, []string{"--in-pix"}},
		{[]string{"gen", "--model", testModel, "-o", dir, "extra"}, []string{"no arguments"}},
	}
	for _, c := range cases {
		stdout, stderr, code := runQNN(t, c.args...)
		checkUserError(t, stdout, stderr, code, c.wants...)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a failed gen left %s behind", dir)
	}
}

// TestGenPopcount: --target xc7 selects the compressor trees (pipelined
// with --pipeline-every, so the latency grows by the trees' PipeDepth).
func TestGenPopcount(t *testing.T) {
	var base, tree genReport
	dir := filepath.Join(t.TempDir(), "d")
	stdout, stderr, code := runQNN(t, "gen", "--model", testModel, "-o", dir, "--target-cycles", "64", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	decodeOneObject(t, stdout, &base)
	stdout, stderr, code = runQNN(t, "gen", "--model", testModel, "-o", dir, "--force", "--target-cycles", "64",
		"--target", "xc7", "--pipeline-every", "1", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	decodeOneObject(t, stdout, &tree)
	if tree.Latency <= base.Latency || tree.CyclesPerFrame != base.CyclesPerFrame {
		t.Errorf("tree latency %d (cycles %d), behavioural %d (%d)", tree.Latency, tree.CyclesPerFrame, base.Latency, base.CyclesPerFrame)
	}
	if _, err := os.Stat(filepath.Join(dir, "rtl", "qnn_pe_tree.v")); err != nil {
		t.Errorf("no qnn_pe_tree.v: %v", err)
	}
	for _, tc := range []struct {
		args  []string
		wants []string
	}{
		{[]string{"--target", "ecp5"}, []string{"--target", "ecp5"}},
		{[]string{"--popcount", "magic"}, []string{"--popcount", "magic"}},
		{[]string{"--pipeline-every", "2"}, []string{"--pipeline-every needs the compressor tree"}},
		{[]string{"--popcount", "tree", "--pipeline-every", "-1"}, []string{"at least 0"}},
	} {
		args := append([]string{"gen", "--model", testModel, "-o", filepath.Join(t.TempDir(), "x")}, tc.args...)
		stdout, stderr, code := runQNN(t, args...)
		checkUserError(t, stdout, stderr, code, tc.wants...)
	}
}
