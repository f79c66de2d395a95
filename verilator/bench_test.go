package verilator_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/verilator"
)

var benchOut = flag.String("bench-cosim", "", "run the co-simulation benchmark (scripts/bench-cosim.sh) and write its markdown table to `FILE`")

// TestBenchCosim is the benchmark behind scripts/bench-cosim.sh: an
// SFC-sized (784-256-256-256-10) and an LFC-sized (784-1024-1024-1024-10)
// w1a1 network with random weights; the SFC design through Verilator on
// all 10,000 MNIST test images (zero differences required); Go sim vs
// Verilator speed in cycles/s on both; Verilator build times.
func TestBenchCosim(t *testing.T) {
	if *benchOut == "" {
		t.Skip("benchmark: run scripts/bench-cosim.sh (or go test -run TestBenchCosim -bench-cosim FILE)")
	}
	needTool(t, "verilator")
	set, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, folding                    string
		frames                           int
		cycles                           int64
		cpf                              float64
		build, simCPS, rtlCPS, simFrames float64
		match                            bool
	}
	var rows []row
	models := []struct {
		name   string
		hidden int
		target int
		frames int
	}{
		{"SFC w1a1 (784-256-256-256-10)", 256, 256, set.N},
		{"LFC w1a1 (784-1024-1024-1024-10)", 1024, 512, 1000},
	}
	for i, m := range models {
		rng := rand.New(rand.NewPCG(uint64(i), 99))
		n, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 28, W: 28}, InputBits: 1,
			Hidden: []int{m.hidden, m.hidden, m.hidden}, Classes: 10})
		if err != nil {
			t.Fatal(err)
		}
		d := generate(t, n, hw.Options{TargetCycles: m.target})
		var folds []string
		for _, l := range d.Plan.Layers {
			folds = append(folds, fmt.Sprintf("%dx%d", l.PE, l.SIMD))
		}
		opt := verilator.Options{ResetSeed: 1}
		start := time.Now()
		rep, err := verilator.Cosim(t.Context(), d, set.Images()[:m.frames*set.ImageSize()], m.frames, opt)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		t.Logf("%s: %d frames in %.1f s", m.name, m.frames, time.Since(start).Seconds())
		rows = append(rows, row{name: m.name, folding: strings.Join(folds, ", "), frames: m.frames, cycles: rep.Cycles,
			cpf: float64(d.Plan.CyclesPerFrame), build: rep.BuildSeconds, simCPS: rep.SimCyclesPerSecond,
			rtlCPS: rep.CyclesPerSecond, match: rep.Mismatch == nil && rep.Beats == m.frames})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# qnn co-simulation benchmark\n\n")
	fmt.Fprintf(&b, "Random-weight w1a1 networks of the FINN SFC and LFC shapes, auto-folded; MNIST test images; no stalls.\n")
	fmt.Fprintf(&b, "%s, optimised harness build (`-Os`); Go sim single-threaded. Machine: %s.\n\n", verilatorVersion(), machine())
	fmt.Fprintf(&b, "| design | folding (PE x SIMD) | cycles/frame | frames | cycles | RTL = sim | Verilator build (s) | Go sim (cycles/s) | Verilator (cycles/s) | sim / Verilator |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %d | %d | %v | %.1f | %.3g | %.3g | %.2fx |\n", r.name, r.folding, r.cpf, r.frames, r.cycles,
			map[bool]string{true: "yes, 0 differences", false: "NO"}[r.match], r.build, r.simCPS, r.rtlCPS, r.simCPS/r.rtlCPS)
	}
	if err := os.WriteFile(*benchOut, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Print(b.String())
}

func verilatorVersion() string {
	out, err := execOutput("verilator", "--version")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(out)
}

func machine() string {
	out, err := execOutput("sh", "-c", "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
	if err != nil {
		return "?"
	}
	f := strings.Split(strings.TrimSpace(out), "\n")
	if len(f) < 2 {
		return strings.Join(f, " ")
	}
	return fmt.Sprintf("%s cores, %s", f[0], strings.TrimSpace(f[1]))
}
