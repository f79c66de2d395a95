package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func genDesign(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "design")
	if _, stderr, code := runQNN(t, "gen", "--model", testModel, "-o", dir, "--target-cycles", "64"); code != exitOK {
		t.Fatalf("gen: %s", stderr)
	}
	return dir
}

func TestCosimIcarus(t *testing.T) {
	if _, err := exec.LookPath("iverilog"); err != nil {
		t.Skip("iverilog not installed")
	}
	dir := genDesign(t)
	stdout, stderr, code := runQNN(t, "cosim", dir, "--dataset", "mnist", "--limit", "4", "--simulator", "icarus", "--stall-in", "0.3", "--stall-out", "0.3", "--seed", "5")
	if code != exitOK {
		if strings.Contains(stderr, "dataset") {
			t.Skip(stderr)
		}
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "MATCH: 4 output handshakes") {
		t.Errorf("stdout:\n%s", stdout)
	}
	stdout, stderr, code = runQNN(t, "cosim", dir, "--dataset", "mnist", "--limit", "2", "--simulator", "icarus", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	keys := jsonKeys(t, stdout)
	for _, k := range []string{"match", "cycles", "cycles_per_second", "sim_cycles_per_second", "build_seconds", "beats_compared", "accuracy"} {
		if !keys[k] {
			t.Errorf("--json lacks %q:\n%s", k, stdout)
		}
	}
}

func TestCosimErrors(t *testing.T) {
	dir := genDesign(t)
	empty := t.TempDir()
	cases := []struct {
		args  []string
		wants []string
	}{
		{[]string{"cosim", "--dataset", "mnist"}, []string{"missing DIR"}},
		{[]string{"cosim", dir}, []string{"--dataset is required"}},
		{[]string{"cosim", dir, "--dataset", "cifar"}, []string{"unknown data set"}},
		{[]string{"cosim", dir, "--dataset", "mnist", "--simulator", "xsim"}, []string{"unknown simulator"}},
		{[]string{"cosim", dir, "--dataset", "mnist", "--stall-in", "1"}, []string{"[0, 1)"}},
		{[]string{"cosim", dir, "--dataset", "mnist", "--limit", "0"}, []string{"--limit"}},
		{[]string{"cosim", dir, "--dataset", "mnist", "--trace", "x.txt"}, []string{".vcd or .fst"}},
		{[]string{"cosim", filepath.Join(empty, "nope"), "--dataset", "mnist"}, []string{"not a design directory"}},
		{[]string{"cosim", empty, "--dataset", "mnist"}, []string{"netlist"}},
	}
	for _, c := range cases {
		stdout, stderr, code := runQNN(t, c.args...)
		checkUserError(t, stdout, stderr, code, c.wants...)
	}
	// Missing simulators: one line naming scripts/setup.sh.
	t.Setenv("PATH", t.TempDir())
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	for _, sim := range []string{"verilator", "icarus"} {
		stdout, stderr, code := runQNN(t, "cosim", dir, "--dataset", "mnist", "--limit", "1", "--simulator", sim)
		if strings.Contains(stderr, "dataset") {
			t.Skip(stderr)
		}
		checkUserError(t, stdout, stderr, code, "scripts/setup.sh")
	}
}
