package rtlgen_test

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// stageCases are the co-simulation cases of every stage module: at least
// ten random parameter sets each.
func stageCases(t *testing.T) []*stageCase {
	rng := rand.New(rand.NewPCG(21, 11))
	var cases []*stageCase
	cases = append(cases, swgCases(rng, 10)...)
	cases = append(cases, poolCases(rng, 10)...)
	cases = append(cases, dwcCases(rng, 10)...)
	cases = append(cases, fifoCases(rng, 10)...)
	for _, c := range cases {
		c.prepare(t)
	}
	return cases
}

// TestStageCosim runs every stage module case under Icarus and Verilator
// (one build each for all cases) and requires every output handshake, cycle
// and data, to equal the Go model's.
func TestStageCosim(t *testing.T) {
	needTool(t, "iverilog")
	needTool(t, "verilator")
	cases := stageCases(t)
	lib, _ := filepath.Glob("lib/*.v")
	for _, sim := range []string{"icarus", "verilator"} {
		t.Run(sim, func(t *testing.T) {
			dir := t.TempDir()
			top := writeCases(t, dir, cases)
			if sim == "icarus" {
				runIcarus(t, dir, top, lib)
			} else {
				runVerilator(t, dir, top, lib)
			}
			for i, c := range cases {
				if d := compare(dir, i, c); d != "" {
					t.Errorf("%s: %s", c.name, d)
				}
			}
		})
	}
}

// TestStageCosimBroken: a broken copy of each module is caught (Icarus).
func TestStageCosimBroken(t *testing.T) {
	needTool(t, "iverilog")
	all := stageCases(t)
	for _, m := range []mutant{
		// The writer may overwrite the lowest row the reader still needs.
		{"qnn_swg", "wire in_ready = (ahead_q - low) < RowsW;", "wire in_ready = (ahead_q - low) <= RowsW;"},
		// Ties keep the accumulator: the same maximum, unless the first
		// pixel of a window no longer loads it.
		{"qnn_pool", "(first || x > a) ? x : a", "(x > a) ? x : a"},
		// A pixel no longer moves across in the cycle its last beat arrives.
		{"qnn_dwc", "(wfull_q || pix_in)", "wfull_q"},
		// The bypass into an empty FIFO is gone (one cycle more latency).
		{"qnn_fifo", "wire bypass   = load && empty && in_hs;", "wire bypass   = 1'b0;"},
	} {
		t.Run(m.module, func(t *testing.T) {
			var cases []*stageCase
			for _, c := range all {
				if c.module == m.module {
					cases = append(cases, c)
				}
			}
			dir := t.TempDir()
			top := writeCases(t, dir, cases)
			runIcarus(t, dir, top, writeMutant(t, dir, m))
			caught := 0
			for i, c := range cases {
				if compare(dir, i, c) != "" {
					caught++
				}
			}
			if caught == 0 {
				t.Fatalf("the broken %s passed all %d cases", m.module, len(cases))
			}
			t.Logf("broken %s caught in %d of %d cases", m.module, caught, len(cases))
		})
	}
}
