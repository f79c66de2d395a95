package main

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// smallModel writes a tiny xnor network (16-8-4, 1-bit) for synthesis
// tests: Yosys maps it in seconds.
func smallModel(t *testing.T) string {
	t.Helper()
	n, err := netlist.Random(rand.New(rand.NewPCG(5, 5)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 4, W: 4},
		InputBits: 1, Hidden: []int{8}, Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "small.json")
	if err := netlist.Save(path, n); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSynth(t *testing.T) {
	if _, err := exec.LookPath("yosys"); err != nil {
		t.Skip("yosys not installed (scripts/setup.sh)")
	}
	dir := filepath.Join(t.TempDir(), "d")
	if _, stderr, code := runQNN(t, "gen", "--model", smallModel(t), "-o", dir, "--target-cycles", "4"); code != exitOK {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runQNN(t, "synth", dir, "--target", "xc7", "--json")
	if code != exitOK {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	var r synthReport
	decodeOneObject(t, stdout, &r)
	if r.Report == nil || r.Total.LUT <= 0 || r.Total.FF <= 0 || r.Depth <= 0 || len(r.Modules) < 3 {
		t.Fatalf("report %+v", r.Report)
	}
	// 16*8 + 8*4 binary MACs per frame.
	if r.MACsPerFrame != 160 || !r.Binary {
		t.Errorf("MACs per frame %d (binary %v), want 160 binary", r.MACsPerFrame, r.Binary)
	}
	want := 160 / float64(r.CyclesPerFrame) / float64(r.Total.LUT)
	if math.Abs(r.MACsPerCycleLUT-want) > 1e-12 {
		t.Errorf("MACs/cycle/LUT %g, want %g", r.MACsPerCycleLUT, want)
	}
	// Calibration (the 12-design table is scripts/bench-synth.sh): block
	// RAM exact, LUTs and FFs logged.
	if r.Estimate.BRAM != r.Total.BRAM36() {
		t.Errorf("estimate %g BRAM36, Yosys %g", r.Estimate.BRAM, r.Total.BRAM36())
	}
	t.Logf("estimate vs Yosys: LUT %d / %d, FF %d / %d", r.Estimate.LUT, r.Total.LUT, r.Estimate.FF, r.Total.FF)
	for _, f := range []string{"report.json", "report.md"} {
		if _, err := os.Stat(filepath.Join(dir, "synth", f)); err != nil {
			t.Errorf("missing synth/%s", f)
		}
	}
	// Text output: the module table, totals and FINN's figures.
	stdout, stderr, code = runQNN(t, "synth", dir)
	if code != exitOK {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"qnn_top", "TOTAL", "logic depth", "FINN SFC-max 0.23", "BNN-PYNQ LFC 0.22"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestSynthErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	if _, stderr, code := runQNN(t, "gen", "--model", smallModel(t), "-o", dir); code != exitOK {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	cases := []struct {
		name  string
		args  []string
		path  string // PATH for the run ("" keeps it)
		wants []string
	}{
		{"no dir", []string{"synth"}, "", []string{"missing DIR"}},
		{"not a design", []string{"synth", t.TempDir()}, "", []string{"netlist.json"}},
		{"bad target", []string{"synth", dir, "--target", "ecp5"}, "", []string{"unknown target"}},
		{"pnr on xc7", []string{"synth", dir, "--pnr"}, "", []string{"--pnr needs --target ice40"}},
		{"no yosys", []string{"synth", dir}, t.TempDir(), []string{"yosys not found", "scripts/setup.sh"}},
		{"no nextpnr", []string{"synth", dir, "--target", "ice40", "--pnr"}, t.TempDir(), []string{"not found", "scripts/setup.sh"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != "" {
				t.Setenv("PATH", tc.path)
			}
			stdout, stderr, code := runQNN(t, tc.args...)
			checkUserError(t, stdout, stderr, code, tc.wants...)
		})
	}
}

// TestMACsPerFrameConv: a convolution's MACs count at every output pixel.
// cnv28 (runs/cnv28-w1a1) on 28x28x1, by hand:
// c32 26*26*32*9 + c32 24*24*32*288 + c64 10*10*64*288 + c64 8*8*64*576 +
// f512 1024*512 + f10 512*10 = 10,235,008, not binary (8-bit pixels).
func TestMACsPerFrameConv(t *testing.T) {
	n, err := netlist.Load("../../runs/cnv28-w1a1/cnv28-w1a1.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	macs, binary, err := MACsPerFrame(p)
	const want = 26*26*32*9 + 24*24*32*288 + 10*10*64*288 + 8*8*64*576 + 1024*512 + 512*10
	if err != nil || macs != want || binary {
		t.Errorf("MACsPerFrame = %d, binary %v, %v; want %d, not binary", macs, binary, err, want)
	}
}
