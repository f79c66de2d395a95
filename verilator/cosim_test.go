package verilator_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/verilator"
)

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (run scripts/setup.sh)", name)
		}
		t.Skipf("%s not installed (run scripts/setup.sh)", name)
	}
}

// generate writes the design of n with opt into a temporary directory.
func generate(t *testing.T, n *netlist.Network, opt hw.Options) *verilator.Design {
	t.Helper()
	p, err := hw.NewPlan(n, opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "design")
	if err := rtlgen.Generate(p, dir, rtlgen.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	d, err := verilator.LoadDesign(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func tfcDesign(t *testing.T) *verilator.Design {
	t.Helper()
	n, err := netlist.Load("../testdata/random-tfc-w1a1.json")
	if err != nil {
		t.Fatal(err)
	}
	return generate(t, n, hw.Options{TargetCycles: 64})
}

func mnist(t *testing.T, frames int) []byte {
	t.Helper()
	set, err := dataset.Load("mnist", "test", "")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return set.Images()[:frames*set.ImageSize()]
}

func cosim(t *testing.T, d *verilator.Design, pixels []byte, frames int, opt verilator.Options) *verilator.Report {
	t.Helper()
	rep, err := verilator.Cosim(context.Background(), d, pixels, frames, opt)
	if err != nil {
		t.Fatalf("%s, stalls %g/%g seed %d: %v", opt.Simulator, opt.StallIn, opt.StallOut, opt.Seed, err)
	}
	if rep.Beats != frames {
		t.Fatalf("%d output beats compared, want %d", rep.Beats, frames)
	}
	t.Logf("%s stalls %g/%g: %d frames, %d cycles, build %.1f s (cached %v), %.0f cycles/s, reset seed %d",
		opt.Simulator, opt.StallIn, opt.StallOut, frames, rep.Cycles, rep.BuildSeconds, rep.Cached, rep.CyclesPerSecond, rep.ResetSeed)
	return rep
}

// TestCosimTFCVerilator: the testdata TFC model on 100 MNIST images
// through Verilator, without stalls (throughput and latency) and with
// input gaps and output back-pressure at 0.5: cycle for cycle equal to sim.
func TestCosimTFCVerilator(t *testing.T) {
	needTool(t, "verilator")
	d := tfcDesign(t)
	const frames = 100
	px := mnist(t, frames)
	rep := cosim(t, d, px, frames, verilator.Options{QuickBuild: true})
	p := d.Plan
	if got := rep.Sim.FirstLatency; got != int64(p.Latency) {
		t.Errorf("first-frame latency %d, plan says %d", got, p.Latency)
	}
	if got, want := rep.Sim.CyclesPerFrame, float64(p.CyclesPerFrame); math.Abs(got-want) > 0.01*want {
		t.Errorf("cycles per frame %.2f, plan bound %.0f", got, want)
	}
	if !rep.Cached && rep.BuildSeconds <= 0 {
		t.Errorf("no build time reported")
	}
	for _, seed := range []uint64{1, 2} {
		rep := cosim(t, d, px[:50*784], 50, verilator.Options{QuickBuild: true, StallIn: 0.5, StallOut: 0.5, Seed: seed})
		if !rep.Cached {
			t.Errorf("second run of the same RTL was not cached")
		}
	}
}

// treeNetwork is a small all-xnor network whose layers use pipelined
// compressor trees (PipeDepth > 0) with padding.
func treeNetwork(t *testing.T, every int) *verilator.Design {
	t.Helper()
	n, err := netlist.Random(rand.New(rand.NewPCG(9, 9)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 6, W: 7},
		InputBits: 1, Hidden: []int{24, 13}, Classes: 5})
	if err != nil {
		t.Fatal(err)
	}
	d := generate(t, n, hw.Options{Folds: []hw.Fold{{PE: 3, SIMD: 40}, {PE: 4, SIMD: 7}, {PE: 2, SIMD: 13}}, InPix: 5,
		Popcount: hw.PopcountTree, PipelineEvery: every})
	if every > 0 && d.Plan.Layers[0].PipeDepth == 0 {
		t.Fatalf("PipelineEvery %d: layer 0 PipeDepth 0", every)
	}
	return d
}

// TestCosimTreeVerilator: pipelined compressor trees (a register rank
// every stage, the deepest pipeline) through Verilator, with and without
// stalls: cycle for cycle equal to sim, whose latency is the plan's.
func TestCosimTreeVerilator(t *testing.T) {
	needTool(t, "verilator")
	d := treeNetwork(t, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	px := randomPixels(rng, 20*42)
	cosim(t, d, px, 20, verilator.Options{QuickBuild: true})
	cosim(t, d, px, 20, verilator.Options{QuickBuild: true, StallIn: 0.5, StallOut: 0.5, Seed: 5})
}

// TestCosimTreeIcarus: combinational and 2-stage-pipelined trees through
// Icarus with stalls.
func TestCosimTreeIcarus(t *testing.T) {
	needTool(t, "iverilog")
	rng := rand.New(rand.NewPCG(1, 2))
	px := randomPixels(rng, 12*42)
	for _, every := range []int{0, 2} {
		d := treeNetwork(t, every)
		cosim(t, d, px, 12, verilator.Options{Simulator: verilator.Icarus, StallIn: 0.4, StallOut: 0.4, Seed: uint64(every)})
	}
}

// laneNetwork is a small network with every k-bit kind (x1, w1, mul, then
// xnor) on lane-product trees, padded, a register rank every `every`
// stages.
func laneNetwork(t *testing.T, every int) *verilator.Design {
	t.Helper()
	n, err := netlist.Random(rand.New(rand.NewPCG(11, 11)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 5, W: 7},
		InputBits: 1, Hidden: []int{30, 17, 11}, ActBits: []int{2, 2, 1}, WeightBits: []int{2, 1, 2, 1}, Classes: 6})
	if err != nil {
		t.Fatal(err)
	}
	d := generate(t, n, hw.Options{Folds: []hw.Fold{{PE: 4, SIMD: 16}, {PE: 3, SIMD: 30}, {PE: 2, SIMD: 7}, {PE: 6, SIMD: 11}}, InPix: 5,
		Popcount: hw.PopcountTree, PipelineEvery: every})
	for _, l := range d.Plan.Layers[:3] {
		if !l.LaneTree() {
			t.Fatalf("layer %d (%s) is not a lane tree", l.Index, l.Kind)
		}
	}
	return d
}

// TestCosimLaneTreesVerilator: lane-product trees (the lane-tree hardware
// domain) with a register rank every stage through Verilator, lint-clean,
// with and without stalls: cycle for cycle equal to sim, first-frame
// latency the plan's.
func TestCosimLaneTreesVerilator(t *testing.T) {
	needTool(t, "verilator")
	rng := rand.New(rand.NewPCG(3, 3))
	px := randomPixels(rng, 16*35)
	d := laneNetwork(t, 1)
	if err := verilator.Lint(context.Background(), d.Dir, ""); err != nil {
		t.Fatal(err)
	}
	rep := cosim(t, d, px, 16, verilator.Options{QuickBuild: true})
	if got := rep.Sim.FirstLatency; got != int64(d.Plan.Latency) {
		t.Errorf("first-frame latency %d, plan says %d", got, d.Plan.Latency)
	}
	cosim(t, d, px, 16, verilator.Options{QuickBuild: true, StallIn: 0.5, StallOut: 0.5, Seed: 9})
}

// TestCosimLaneTreesIcarus: combinational and 2-stage-pipelined lane trees
// through Icarus with stalls.
func TestCosimLaneTreesIcarus(t *testing.T) {
	needTool(t, "iverilog")
	rng := rand.New(rand.NewPCG(3, 4))
	px := randomPixels(rng, 8*35)
	for _, every := range []int{0, 2} {
		d := laneNetwork(t, every)
		cosim(t, d, px, 8, verilator.Options{Simulator: verilator.Icarus, StallIn: 0.4, StallOut: 0.4, Seed: uint64(every)})
	}
}

// TestCosimTFCIcarus: the same through Icarus, with and without stalls.
func TestCosimTFCIcarus(t *testing.T) {
	needTool(t, "iverilog")
	d := tfcDesign(t)
	px := mnist(t, 50)
	cosim(t, d, px[:20*784], 20, verilator.Options{Simulator: verilator.Icarus})
	trace := filepath.Join(t.TempDir(), "wave.vcd")
	cosim(t, d, px, 50, verilator.Options{Simulator: verilator.Icarus, StallIn: 0.5, StallOut: 0.5, Seed: 3, Trace: trace})
	if st, err := os.Stat(trace); err != nil || st.Size() == 0 {
		t.Errorf("no trace written: %v", err)
	}
}

// randomNetwork draws a small random network and folding: input (1,H,W)
// with H*W <= 63, 1 to 3 hidden layers of widths 1..maxWidth, weight and
// activation widths in {1,2,4}, 1- or 8-bit input, random PE and SIMD
// (padding allowed) of at most maxLanes lanes and maxCycles cycles per
// layer (maxCycles wins).
func randomNetwork(t *testing.T, rng *rand.Rand, maxWidth, maxLanes, maxCycles int) (*netlist.Network, hw.Options) {
	t.Helper()
	bits := []int{1, 2, 4}
	cfg := netlist.RandomConfig{
		Input:     netlist.Shape{C: 1, H: 1 + rng.IntN(7), W: 1 + rng.IntN(9)},
		InputBits: []int{1, 8}[rng.IntN(2)],
		Classes:   1 + rng.IntN(12),
	}
	for i := rng.IntN(3); i >= 0; i-- {
		cfg.Hidden = append(cfg.Hidden, 1+rng.IntN(maxWidth))
		cfg.ActBits = append(cfg.ActBits, bits[rng.IntN(3)])
	}
	for range len(cfg.Hidden) + 1 {
		cfg.WeightBits = append(cfg.WeightBits, bits[rng.IntN(3)])
	}
	n, err := netlist.Random(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mw := cfg.Input.Size()
	var folds []hw.Fold
	for _, mh := range append(append([]int{}, cfg.Hidden...), cfg.Classes) {
		f := hw.Fold{PE: 1 + rng.IntN(mh), SIMD: 1 + rng.IntN(mw)}
		if rng.IntN(4) == 0 {
			f = hw.Fold{PE: 1, SIMD: 1}
		}
		// At most maxLanes lanes (build time), at most maxCycles cycles.
		for f.PE*f.SIMD > maxLanes {
			if f.PE > f.SIMD {
				f.PE = (f.PE + 1) / 2
			} else {
				f.SIMD = (f.SIMD + 1) / 2
			}
		}
		for ((mh+f.PE-1)/f.PE)*((mw+f.SIMD-1)/f.SIMD) > maxCycles {
			if (f.PE <= f.SIMD || f.SIMD == mw) && f.PE < mh {
				f.PE = min(mh, 2*f.PE)
			} else {
				f.SIMD = min(mw, 2*f.SIMD)
			}
		}
		folds = append(folds, f)
		mw = mh
	}
	opt := hw.Options{Folds: folds, InPix: 1 + rng.IntN(8)}
	if rng.IntN(2) == 0 { // compressor trees: lane-product trees for the k-bit kinds
		opt.Popcount, opt.PipelineEvery = hw.PopcountTree, rng.IntN(3)
	}
	return n, opt
}

func randomPixels(rng *rand.Rand, n int) []byte {
	px := make([]byte, n)
	for i := range px {
		px[i] = byte(rng.IntN(256))
	}
	return px
}

// TestRandomNetworksVerilator: random networks through Verilator, cycle
// for cycle against sim, without stalls and with stalls 0.5/0.5; one
// Verilator build per network. 15 networks (the acceptance
// number; about 5 minutes of C++ builds on 2 cores), 3 with -short.
func TestRandomNetworksVerilator(t *testing.T) {
	needTool(t, "verilator")
	count := 15
	if testing.Short() {
		count = 3
	}
	rng := rand.New(rand.NewPCG(2026, 4))
	for i := range count {
		n, opt := randomNetwork(t, rng, 300, 512, 4000)
		px := randomPixels(rng, 8*n.InputLayer().Shape.Size())
		t.Run(fmt.Sprintf("net%02d", i), func(t *testing.T) {
			d := generate(t, n, opt)
			t.Logf("%s", strings.ReplaceAll(d.Plan.Dump(), "\n", "\n\t"))
			cosim(t, d, px, 8, verilator.Options{QuickBuild: true})
			cosim(t, d, px, 8, verilator.Options{QuickBuild: true, StallIn: 0.5, StallOut: 0.5, Seed: uint64(i)})
		})
	}
}

// TestRandomNetworksIcarus: random networks through Icarus with stalls.
func TestRandomNetworksIcarus(t *testing.T) {
	needTool(t, "iverilog")
	rng := rand.New(rand.NewPCG(2026, 5))
	for i := range 8 {
		n, opt := randomNetwork(t, rng, 40, 256, 200)
		px := randomPixels(rng, 6*n.InputLayer().Shape.Size())
		t.Run(fmt.Sprintf("net%02d", i), func(t *testing.T) {
			d := generate(t, n, opt)
			t.Logf("%s", strings.ReplaceAll(d.Plan.Dump(), "\n", "\n\t"))
			cosim(t, d, px, 6, verilator.Options{Simulator: verilator.Icarus, StallIn: 0.5, StallOut: 0.5, Seed: uint64(i)})
			// Every generated design in the tests is lint-clean (Verilator
			// builds use -Wall; these are linted here).
			if _, err := exec.LookPath("verilator"); err == nil {
				if err := verilator.Lint(context.Background(), d.Dir, ""); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestMismatchReported: a design whose score ROM was tampered with must
// be caught at frame 0 with the cycle and both values.
func TestMismatchReported(t *testing.T) {
	needTool(t, "iverilog")
	d := tfcDesign(t)
	path := filepath.Join(d.Dir, "mem", "layer3_scores.mem")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(data))
	for i, l := range lines {
		lines[i] = strings.Repeat("0", len(l)-1) + "1"
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	px := mnist(t, 3)
	rep, err := verilator.Cosim(context.Background(), d, px, 3, verilator.Options{Simulator: verilator.Icarus})
	var mm *verilator.Mismatch
	if !errors.As(err, &mm) {
		t.Fatalf("got %v, want a mismatch", err)
	}
	if mm.Frame != 0 || rep.Mismatch != mm || !strings.Contains(err.Error(), "frame 0, cycle ") ||
		!strings.Contains(mm.Expected, "tdata") || !strings.Contains(mm.Actual, "tdata") || mm.Expected == mm.Actual {
		t.Fatalf("mismatch report %+v: %v", mm, err)
	}
}

// TestMissingTool: without the simulators on PATH, a one-line error naming
// scripts/setup.sh.
func TestMissingTool(t *testing.T) {
	d := tfcDesign(t)
	t.Setenv("PATH", t.TempDir())
	for _, s := range []string{verilator.Verilator, verilator.Icarus} {
		_, err := verilator.Cosim(context.Background(), d, make([]byte, 784), 1, verilator.Options{Simulator: s})
		if !errors.Is(err, verilator.ErrNoTool) || !strings.Contains(err.Error(), "scripts/setup.sh") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v", s, err)
		}
	}
}

func TestBadOptions(t *testing.T) {
	d := tfcDesign(t)
	for _, opt := range []verilator.Options{{StallIn: 1}, {StallOut: -0.1}, {Simulator: "xsim"}} {
		if _, err := verilator.Cosim(context.Background(), d, make([]byte, 784), 1, opt); err == nil {
			t.Errorf("%+v accepted", opt)
		}
	}
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}
