package rtlgen_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// thrParams is one qnn_threshold parameter set.
type thrParams struct{ accWidth, accSigned, outBits, thrWidth int }

func (p thrParams) numThr() int { return 1<<p.outBits - 1 }

func (p thrParams) String() string {
	return fmt.Sprintf("acc%d_s%d_o%d_t%d", p.accWidth, p.accSigned, p.outBits, p.thrWidth)
}

// thrCheck is a Verilog module whose output ok is 1 when lib's
// qnn_threshold and the reference model (testdata/qnn_threshold_ref.v)
// agree, or, with ascending set, when the thresholds are not ascending
// (qnn_threshold's contract).
func thrCheck(p thrParams, ascending bool) string {
	params := fmt.Sprintf("#(.AccWidth(%d), .AccSigned(%d), .NumThr(%d), .ThrWidth(%d), .OutBits(%d))",
		p.accWidth, p.accSigned, p.numThr(), p.thrWidth, p.outBits)
	var b strings.Builder
	fmt.Fprintf(&b, "module thr_check (input wire [%d:0] acc, input wire [%d:0] thr, output wire ok);\n",
		p.accWidth-1, p.numThr()*p.thrWidth)
	fmt.Fprintf(&b, "  wire [%d:0] gold, gate;\n", p.outBits-1)
	fmt.Fprintf(&b, "  qnn_threshold_ref %s u_gold (.acc_i(acc), .thr_i(thr), .level_o(gold));\n", params)
	fmt.Fprintf(&b, "  qnn_threshold %s u_gate (.acc_i(acc), .thr_i(thr), .level_o(gate));\n", params)
	sorted := []string{"1'b1"}
	for j := 0; ascending && j+1 < p.numThr(); j++ {
		sorted = append(sorted, fmt.Sprintf("($signed(thr[%d +: %d]) <= $signed(thr[%d +: %d]))",
			j*p.thrWidth, p.thrWidth, (j+1)*p.thrWidth, p.thrWidth))
	}
	fmt.Fprintf(&b, "  assign ok = !(%s) || (gold == gate);\nendmodule\n", strings.Join(sorted, " && "))
	return b.String()
}

// proveThreshold runs Yosys sat on thr_check built from lib (the library
// qnn_threshold, or a mutated copy): nil when ok is proven 1 for every
// input.
func proveThreshold(t *testing.T, lib string, p thrParams, ascending bool) error {
	t.Helper()
	dir := t.TempDir()
	check := filepath.Join(dir, "thr_check.v")
	if err := os.WriteFile(check, []byte(thrCheck(p, ascending)), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := filepath.Abs("testdata/qnn_threshold_ref.v")
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("read_verilog %s %s %s; hierarchy -top thr_check; proc; flatten; opt; "+
		"sat -verify -prove ok 1 -show-inputs thr_check", lib, ref, check)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "yosys", "-q", "-p", script).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s: yosys timed out", p)
	}
	if err != nil {
		if !strings.Contains(string(out), "proof did fail") {
			t.Fatalf("%s: yosys: %v\n%s", p, err, out)
		}
		return fmt.Errorf("%s: counterexample:\n%s", p, out)
	}
	return nil
}

// TestThresholdFormal proves qnn_threshold (one comparator per threshold
// with the reversed flag folded into its operands, the level read from the
// hits by binary search) equal to the contract's direct model for every
// accumulator, threshold set and flag, given ascending thresholds, at the
// widths of the LFC-w1a2 design (13-bit signed lane-tree accumulators,
// 11-bit xnor popcounts), of 1-bit (w1a1) and 3- and 4-bit activations, and
// thresholds wider and narrower than the accumulator. Negative controls:
// without the ascending assumption the proof fails for 2-bit levels (the
// contract is needed), and mutated modules are caught.
func TestThresholdFormal(t *testing.T) {
	needTool(t, "yosys")
	lib, err := filepath.Abs("lib/qnn_threshold.v")
	if err != nil {
		t.Fatal(err)
	}
	cases := []thrParams{
		{13, 1, 2, 13}, {11, 0, 2, 11}, {11, 0, 1, 11}, {10, 0, 1, 10}, {4, 0, 1, 6},
		{5, 1, 2, 6}, {8, 1, 3, 5}, {7, 1, 4, 6}, {3, 1, 4, 5}, {6, 0, 3, 4},
	}
	for _, p := range cases {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			if err := proveThreshold(t, lib, p, true); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("unsorted_caught", func(t *testing.T) {
		if proveThreshold(t, lib, thrParams{5, 1, 2, 6}, false) == nil {
			t.Fatal("unsorted thresholds: proof passed, want a counterexample")
		}
	})
	src, err := os.ReadFile(lib)
	if err != nil {
		t.Fatal(err)
	}
	mutants := []struct{ name, from, to string }{
		{"no_reversed_index", "idx = LastThr - idx;", "idx = idx;"},
		{"no_threshold_flip", "t_raw} ^ flip;", "t_raw};"},
		{"unsigned_compare", "assign hit[j] = (acc_f >= t_f);", "assign hit[j] = ($unsigned(acc_f) >= $unsigned(t_f));"},
	}
	for _, m := range mutants {
		t.Run(m.name+"_caught", func(t *testing.T) {
			if strings.Count(string(src), m.from) != 1 {
				t.Fatalf("mutation %q: want one occurrence of %q", m.name, m.from)
			}
			mutated := filepath.Join(t.TempDir(), "qnn_threshold.v")
			if err := os.WriteFile(mutated, []byte(strings.Replace(string(src), m.from, m.to, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			if proveThreshold(t, mutated, thrParams{5, 1, 2, 6}, true) == nil {
				t.Fatalf("mutation %q: proof passed, want a counterexample", m.name)
			}
		})
	}
}
