package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/flow"
	"github.com/qnn-dev/qnn/netlist"
)

// flowStream is the first n+1 tokens of PTB's test split, as ints.
func flowStream(t *testing.T, n int) []int {
	t.Helper()
	c := loadPTB(t)
	s := make([]int, n+1)
	for i := range s {
		s[i] = int(c.Test[i])
	}
	return s
}

// TestLSTMFlow runs qnn flow --arch lstm on Penn Treebank at CI size (8
// units, one epoch on 4,000 tokens): the export is exact (0 test tokens
// whose trainer and netlist scores differ), export's perplexity is the
// netlist's own (netlist.StreamNLL on model.json), sim and Verilator take
// a prefix and agree with the netlist on every token, and the report has
// the perplexity table.
func TestLSTMFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the lstm flow trains and runs Verilator")
	}
	requirePTB(t)
	dir := filepath.Join(t.TempDir(), "flow")
	cosim := "30"
	if _, err := exec.LookPath("verilator"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: verilator must be installed")
		}
		cosim = "0"
	}
	const testTokens, simTokens = 3000, 150
	stdout, stderr, code := runQNN(t, "flow", "-o", dir, "--arch", "lstm", "--dataset", "ptb", "--hidden", "8", "--epochs", "1",
		"--limit", "4000", "--wbits", "3", "--abits", "3", "--test-images", "3000", "--sim-tokens", "150", "--target-cycles", "300",
		"--cosim-images", cosim, "--target", "none", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	stageLines(t, stdout)
	var rep flow.Report
	readJSONFile(t, filepath.Join(dir, flow.ReportJSON), &rep)
	if rep.LMTrain == nil || rep.LMExport == nil || rep.LMSim == nil || rep.Gen == nil {
		t.Fatalf("report lacks a stage result: train %v export %v sim %v gen %v", rep.LMTrain != nil, rep.LMExport != nil, rep.LMSim != nil, rep.Gen != nil)
	}
	if rep.LMTrain.Disagreements != 0 || rep.LMTrain.Name != "lstm8-w3a3" {
		t.Errorf("train: %s, %d test tokens whose trainer and netlist scores differ (want 0)", rep.LMTrain.Name, rep.LMTrain.Disagreements)
	}
	n, err := netlist.Load(filepath.Join(dir, flow.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		t.Fatal(err)
	}
	sum, count, err := netlist.StreamNLL(f, n.OutputLayer().LogitScale, flowStream(t, testTokens), 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if e := rep.LMExport; e.Tokens != testTokens || count != testTokens || e.Perplexity != math.Exp(sum/float64(count)) {
		t.Errorf("export: %d tokens, perplexity %v; netlist.StreamNLL on model.json: %d tokens, %v", e.Tokens, e.Perplexity, count, math.Exp(sum/float64(count)))
	}
	if s := rep.LMSim; s.Tokens != simTokens || s.Disagreements != 0 || s.CyclesPerToken != float64(s.PlanCyclesPerToken) || s.Perplexity != nil {
		t.Errorf("sim: %d tokens, %d disagreements, %.2f cycles/token (plan %d), perplexity %v (the default design has no logits on m_axis)",
			s.Tokens, s.Disagreements, s.CyclesPerToken, s.PlanCyclesPerToken, s.Perplexity)
	}
	if cosim != "0" && (rep.LMCosim == nil || rep.LMCosim.Tokens != 30) {
		t.Errorf("cosim: %+v, want 30 tokens matched", rep.LMCosim)
	}
	md, err := os.ReadFile(filepath.Join(dir, flow.ReportMD))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Perplexity at every stage", "netlist (netlist.FastSeq)", "Go simulator (sim)", "tokens/s", "lstm0"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// TestLSTMFlowAllLogits starts the flow from a sequence model file with
// --all-logits (the design streams every logit on m_axis): sim's and the
// RTL's perplexities, computed from the design's own logits, are the
// netlist's on the same prefix to the bit.
func TestLSTMFlowAllLogits(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs Verilator")
	}
	requirePTB(t)
	tmp := t.TempDir()
	model, n := ptbHWLM(t, tmp, 5, 1.0/512)
	dir := filepath.Join(tmp, "flow")
	cosim := "25"
	if _, err := exec.LookPath("verilator"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: verilator must be installed")
		}
		cosim = "0"
	}
	stdout, stderr, code := runQNN(t, "flow", "-o", dir, "--from-model", model, "--dataset", "ptb", "--all-logits",
		"--test-images", "500", "--sim-tokens", "60", "--cosim-images", cosim, "--target-cycles", "300", "--target", "none", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var rep flow.Report
	readJSONFile(t, filepath.Join(dir, flow.ReportJSON), &rep)
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name   string
		res    *flow.LMRunResult
		tokens int
	}{{"sim", rep.LMSim, 60}, {"cosim", rep.LMCosim, 25}} {
		if x.name == "cosim" && cosim == "0" {
			continue
		}
		if x.res == nil || x.res.Perplexity == nil {
			t.Fatalf("%s: no perplexity in %+v", x.name, x.res)
		}
		sum, count, err := netlist.StreamNLL(f, 1.0/512, flowStream(t, x.tokens), 1000, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := math.Exp(sum / float64(count))
		if *x.res.Perplexity != want || x.res.NetlistPerplexity != want || x.res.Tokens != x.tokens {
			t.Errorf("%s: perplexity %v (netlist on the prefix %v) over %d tokens; netlist.StreamNLL: %v over %d",
				x.name, *x.res.Perplexity, x.res.NetlistPerplexity, x.res.Tokens, want, count)
		}
	}
	if rep.LMTrain != nil {
		t.Error("a flow from a model file trained")
	}
}
