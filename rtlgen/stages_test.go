package rtlgen_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	lib, _ := filepath.Glob("lib/conv/*.v")
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

// stageMutants are broken copies of the modules; each must be caught.
var stageMutants = []mutant{
	// The writer may overwrite the lowest row the reader still needs.
	{"qnn_swg", "wire in_ready = (ahead_q - low) < RowsW;", "wire in_ready = (ahead_q - low) <= RowsW;"},
	// The first pixel of a window no longer loads the accumulator.
	{"qnn_pool", "(first || x > a) ? x : a", "(x > a) ? x : a"},
	// A pixel no longer moves across in the cycle its last beat arrives.
	{"qnn_dwc", "(wfull_q || pix_in)", "wfull_q"},
	// The bypass into an empty FIFO is gone (one cycle more latency).
	{"qnn_fifo", "wire bypass   = load && empty && in_hs;", "wire bypass   = 1'b0;"},
}

// TestStageCosimBroken: a broken copy of each module is caught by Icarus,
// and the broken window generator by Verilator too.
func TestStageCosimBroken(t *testing.T) {
	needTool(t, "iverilog")
	all := stageCases(t)
	for i, m := range stageMutants {
		var cases []*stageCase
		for _, c := range all {
			if c.module == m.module {
				cases = append(cases, c)
			}
		}
		simulators := []string{"icarus"}
		if i == 0 {
			simulators = append(simulators, "verilator")
		}
		for _, simulator := range simulators {
			t.Run(simulator+"_"+m.module, func(t *testing.T) {
				dir := t.TempDir()
				top := writeCases(t, dir, cases)
				if simulator == "icarus" {
					runIcarus(t, dir, top, writeMutant(t, dir, m))
				} else {
					needTool(t, "verilator")
					if testing.Short() {
						t.Skip("a second Verilator build (-short)")
					}
					runVerilator(t, dir, top, writeMutant(t, dir, m))
				}
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
}

// stageParamSets are lint parameter sets of the stage modules (where their
// code differs: one beat or many, padding or none, K = or < stride), and
// bad ones that must stop elaboration with a qnn_param_error_ check.
var stageParamSets = []struct {
	module string
	params []string
	bad    bool
}{
	{"qnn_swg", nil, false},
	{"qnn_swg", []string{"C=6", "H=7", "W=5", "Kh=3", "Kw=2", "Stride=2", "PadTop=1", "PadLeft=1", "PadRight=1", "Simd=3", "XBits=2", "PadElem=3", "Rows=5"}, false},
	{"qnn_swg", []string{"C=66", "H=32", "W=32", "Kh=5", "Kw=5", "Simd=66", "PadTop=2", "PadBottom=2", "Rows=6"}, false},
	{"qnn_swg", []string{"C=64", "H=32", "W=32", "Kh=3", "Kw=3", "Simd=32", "PadTop=1", "PadBottom=1", "PadLeft=1", "PadRight=1", "PadElem=1", "Rows=3"}, false},
	{"qnn_swg", []string{"C=8", "H=9", "W=4", "Kh=1", "Kw=3", "Stride=3", "Simd=2", "XBits=4", "Rows=1"}, false},
	{"qnn_swg", []string{"Kh=3", "Rows=2"}, true},
	{"qnn_swg", []string{"Style=1"}, false},
	{"qnn_swg", []string{"C=6", "H=7", "W=5", "Kh=3", "Kw=2", "Simd=3", "Rows=4", "Style=2"}, false},
	{"qnn_swg", []string{"Style=3"}, true},
	{"qnn_swg", []string{"C=6", "Simd=4"}, true},
	{"qnn_swg", []string{"Kh=3", "PadTop=3", "Rows=4"}, true},
	{"qnn_swg", []string{"H=2", "Kh=5", "PadTop=1", "PadBottom=1", "Rows=6"}, true},
	{"qnn_swg", []string{"XBits=2", "PadElem=4"}, true},
	{"qnn_pool", nil, false},
	{"qnn_pool", []string{"C=6", "H=7", "W=5", "K=2", "Stride=3", "Width=4", "XBits=2"}, false},
	{"qnn_pool", []string{"C=66", "H=32", "W=32", "K=2", "Stride=2", "Width=66"}, false},
	{"qnn_pool", []string{"C=5", "H=9", "W=4", "K=1", "Stride=3", "Width=2", "XBits=4"}, false},
	{"qnn_pool", []string{"H=4", "W=4", "K=3", "Stride=2"}, true},
	{"qnn_pool", []string{"H=4", "W=2", "K=3", "Stride=3"}, true},
	{"qnn_dwc", nil, false},
	{"qnn_dwc", []string{"C=7", "InWidth=3", "OutWidth=2", "XBits=3"}, false},
	{"qnn_dwc", []string{"C=66", "InWidth=66", "OutWidth=8"}, false},
	{"qnn_dwc", []string{"C=3", "InWidth=5", "OutWidth=5"}, false},
	{"qnn_dwc", []string{"C=0"}, true},
	{"qnn_fifo", nil, false},
	{"qnn_fifo", []string{"Depth=5", "Width=7"}, false},
	{"qnn_fifo", []string{"Depth=8", "Width=100"}, false},
	{"qnn_fifo", []string{"Depth=0"}, true},
	{"qnn_framer_pad", nil, false},
	{"qnn_framer_pad", []string{"Beats=1024", "Width=24"}, false},
	{"qnn_framer_pad", []string{"Beats=7", "DropBits=2", "Width=3"}, false},
	{"qnn_framer_pad", []string{"Beats=0"}, true},
	{"qnn_framer_pad", []string{"Width=0"}, true},
	{"qnn_frame_flags", nil, false},
	{"qnn_frame_flags", []string{"Depth=94"}, false},
	{"qnn_frame_flags", []string{"Depth=64"}, false},
	{"qnn_frame_flags", []string{"Depth=2"}, false},
	{"qnn_frame_flags", []string{"Depth=0"}, true},
}

// TestStageLint: verilator --lint-only -Wall is clean on the stage modules
// (no waivers) and bad parameters stop elaboration.
func TestStageLint(t *testing.T) {
	needTool(t, "verilator")
	for i, c := range stageParamSets {
		t.Run(fmt.Sprintf("%d_%s", i, c.module), func(t *testing.T) {
			args := []string{"--lint-only", "-Wall", "--top-module", c.module}
			for _, p := range c.params {
				args = append(args, "-G"+p)
			}
			out, err := exec.Command("verilator", append(args, "lib/conv/"+c.module+".v")...).CombinedOutput()
			switch {
			case c.bad && err == nil:
				t.Fatalf("parameters %v accepted", c.params)
			case c.bad && !strings.Contains(string(out), "qnn_param_error_"):
				t.Fatalf("parameters %v: want a qnn_param_error_ check, got:\n%s", c.params, out)
			case !c.bad && err != nil:
				t.Fatalf("lint: %v\n%s", err, out)
			}
		})
	}
	for _, m := range []string{"qnn_swg", "qnn_pool", "qnn_dwc", "qnn_fifo", "qnn_framer_pad", "qnn_frame_flags"} {
		src, err := os.ReadFile("lib/conv/" + m + ".v")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), "lint_off") {
			t.Errorf("%s has a lint waiver", m)
		}
	}
}

// TestStageYosysCheck: Yosys `proc; check -assert` (no
// multiple drivers, no combinational loops) and no latch cell after proc, on
// the good parameter sets.
func TestStageYosysCheck(t *testing.T) {
	needTool(t, "yosys")
	for _, c := range stageParamSets {
		if c.bad {
			continue
		}
		var set []string
		for _, p := range c.params {
			k, v, _ := strings.Cut(p, "=")
			set = append(set, "-set "+k+" "+v)
		}
		chparam := ""
		if len(set) > 0 {
			chparam = "chparam " + strings.Join(set, " ") + " " + c.module + "; "
		}
		script := fmt.Sprintf("read_verilog lib/conv/%s.v; %shierarchy -top %s; proc; check -assert; select -assert-none t:$dlatch t:$adlatch t:$dlatchsr", c.module, chparam, c.module)
		if out, err := exec.Command("yosys", "-q", "-p", script).CombinedOutput(); err != nil {
			t.Errorf("%s %v: yosys: %v\n%s", c.module, c.params, err, out)
		}
	}
}

// TestStageTestBenches runs the self-checking test benches of the stage
// modules (lib/conv/tb) with Icarus. The stage modules live in lib/conv,
// outside the library every design copies, until the generated top
// instantiates them.
func TestStageTestBenches(t *testing.T) {
	needTool(t, "iverilog")
	tbs, err := filepath.Glob("lib/conv/tb/*_tb.v")
	if err != nil || len(tbs) != 5 {
		t.Fatalf("want 5 test benches, found %v (%v)", tbs, err)
	}
	lib, _ := filepath.Glob("lib/conv/*.v")
	for _, tb := range tbs {
		name := strings.TrimSuffix(filepath.Base(tb), ".v")
		t.Run(name, func(t *testing.T) {
			vvp := filepath.Join(t.TempDir(), name+".vvp")
			args := append([]string{"-g2005", "-Wall", "-s", name, "-o", vvp, tb}, lib...)
			if out, err := exec.Command("iverilog", args...).CombinedOutput(); err != nil {
				t.Fatalf("iverilog: %v\n%s", err, out)
			}
			out, err := exec.Command("vvp", "-n", vvp).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "PASS "+name) || strings.Contains(string(out), "FAIL") {
				t.Fatalf("vvp: %v\n%s", err, out)
			}
		})
	}
}

// TestSWGMemStyleYosys: synth_xilinx builds qnn_swg's line buffer (128
// words of 16 bits, which Yosys left alone puts in LUT RAM) in block RAM
// with Style 1 and in LUT RAM with Style 2.
func TestSWGMemStyleYosys(t *testing.T) {
	needTool(t, "yosys")
	if testing.Short() {
		t.Skip("two syntheses (-short)")
	}
	dir := t.TempDir()
	for _, c := range []struct {
		style     int
		want, not string
	}{{1, "RAMB18E1", "RAM64M"}, {2, "RAM64M", "RAMB"}} {
		stat := filepath.Join(dir, fmt.Sprintf("stat%d.txt", c.style))
		script := fmt.Sprintf("read_verilog lib/conv/qnn_swg.v; chparam -set C 16 -set H 32 -set W 32 -set Kh 3 -set Kw 3 "+
			"-set Simd 16 -set Rows 4 -set Style %d qnn_swg; synth_xilinx -family xc7 -top qnn_swg; tee -q -o %s stat", c.style, stat)
		if out, err := exec.Command("yosys", "-q", "-p", script).CombinedOutput(); err != nil {
			t.Fatalf("Style %d: yosys: %v\n%s", c.style, err, out)
		}
		data, err := os.ReadFile(stat)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), c.want) || strings.Contains(string(data), c.not) {
			t.Errorf("Style %d: want %s and no %s; stat:\n%s", c.style, c.want, c.not, data)
		}
	}
}
