package sim

import (
	"errors"
	"flag"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

var long = flag.Bool("long", false, "run the long tests (the whole MNIST test set)")

const tfcModel = "../testdata/random-tfc-w1a1.json"

func loadTFC(t testing.TB) *netlist.Network {
	t.Helper()
	n, err := netlist.Load(tfcModel)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mnistTest returns the MNIST test images, skipping the test if the data
// set is not installed.
func mnistTest(t testing.TB) *dataset.Set {
	t.Helper()
	set, err := dataset.Load("mnist", "test", "")
	if errors.Is(err, dataset.ErrNotInstalled) {
		t.Skipf("MNIST not installed: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestTFCOnMNIST runs the testdata model on MNIST test images under
// several foldings, with and without stalls: the first design on all
// 10,000, the others on 1000 (all with -long).
func TestTFCOnMNIST(t *testing.T) {
	n := loadTFC(t)
	set := mnistTest(t)
	frames := min(1000, set.N)
	if *long {
		frames = set.N
	}
	for _, tc := range []struct {
		name   string
		opt    hw.Options
		cfg    Config
		frames int
	}{
		{"target64", hw.Options{TargetCycles: 64}, Config{}, set.N},
		{"target50-stalls", hw.Options{TargetCycles: 50}, Config{StallIn: 0.3, StallOut: 0.3, Seed: 7}, frames},
		{"finnlike", hw.Options{Folds: []hw.Fold{{PE: 16, SIMD: 49}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 5, SIMD: 16}}}, Config{}, frames},
		{"padded", hw.Options{Folds: []hw.Fold{{PE: 7, SIMD: 50}, {PE: 9, SIMD: 10}, {PE: 64, SIMD: 64}, {PE: 3, SIMD: 63}}, InPix: 13}, Config{StallOut: 0.5, Seed: 3}, frames},
		{"tree-p1-stalls", hw.Options{TargetCycles: 50, Popcount: hw.PopcountTree, PipelineEvery: 1}, Config{StallIn: 0.3, StallOut: 0.3, Seed: 7}, frames},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := hw.NewPlan(n, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstEval(t, p, set.Images()[:tc.frames*set.ImageSize()], tc.frames, tc.cfg)
		})
	}
}

// randomNetwork draws a small random network: 1-4 dense layers of widths
// 1-300 (some around a 64-bit word), weight and activation widths in
// {1, 2, 4}, 1-bit or 8-bit input of a small shape.
func randomNetwork(rng *rand.Rand, maxWidth int) (*netlist.Network, error) {
	widths := []int{1, 2, 4}
	cfg := netlist.RandomConfig{
		Input:     netlist.Shape{C: 1 + rng.IntN(2), H: 1 + rng.IntN(7), W: 1 + rng.IntN(9)},
		InputBits: []int{1, 8}[rng.IntN(2)],
		Classes:   1 + rng.IntN(12),
	}
	nh := rng.IntN(4)
	for range nh {
		w := 1 + rng.IntN(maxWidth)
		if rng.IntN(3) == 0 {
			w = 60 + rng.IntN(10)
		}
		cfg.Hidden = append(cfg.Hidden, w)
		cfg.ActBits = append(cfg.ActBits, widths[rng.IntN(3)])
	}
	for range nh + 1 {
		cfg.WeightBits = append(cfg.WeightBits, widths[rng.IntN(3)])
	}
	return netlist.Random(rng, cfg)
}

// randomPlan folds n at random (PE = SIMD = 1 up to fully parallel, with
// or without padding) with a random InPix.
func randomPlan(rng *rand.Rand, n *netlist.Network) (*hw.Plan, error) {
	opt := hw.Options{NoPad: rng.IntN(3) == 0}
	for _, l := range n.Layers {
		if d, ok := l.(*netlist.Dense); ok {
			opt.Folds = append(opt.Folds, randomFold(rng, d.In, d.Out, opt.NoPad))
		}
	}
	if rng.IntN(3) > 0 {
		opt.InPix = 1 + rng.IntN(n.InputLayer().Shape.Size()+8)
	}
	if rng.IntN(2) == 0 { // compressor trees (k-bit kinds: the lane-tree domain)
		opt.Popcount, opt.PipelineEvery = hw.PopcountTree, rng.IntN(3)
	}
	return hw.NewPlan(n, opt)
}

var stallChoices = []float64{0, 0, 0.1, 0.5, 0.9}

// TestRandomNetworks is the property test: 200+ random networks and
// foldings, a few random frames each under random stalls, equal Eval.
func TestRandomNetworks(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2026))
	count := 400
	if *long {
		count = 2000
	}
	kinds, laneTrees := map[hw.Kind]int{}, map[hw.Kind]int{}
	padded := 0
	for i := range count {
		n, err := randomNetwork(rng, 300)
		if err != nil {
			t.Fatal(err)
		}
		p, err := randomPlan(rng, n)
		if err != nil {
			t.Fatalf("network %d: %v", i, err)
		}
		for _, l := range p.Layers {
			kinds[l.Kind]++
			if l.MWp != l.MW || l.MHp != l.MH {
				padded++
			}
			if l.LaneTree() {
				laneTrees[l.Kind]++
			}
		}
		frames := 1 + rng.IntN(5)
		cfg := Config{StallIn: stallChoices[rng.IntN(5)], StallOut: stallChoices[rng.IntN(5)], Seed: rng.Uint64()}
		checkAgainstEval(t, p, randomPixels(rng, p, frames), frames, cfg)
	}
	t.Logf("%d networks; layers per kind %v; %d padded layers; lane trees per kind %v", count, kinds, padded, laneTrees)
	for _, k := range []hw.Kind{hw.KindW1, hw.KindX1, hw.KindMul} {
		if laneTrees[k] == 0 {
			t.Errorf("no %s lane-tree layer drawn", k)
		}
	}
	for _, k := range []hw.Kind{hw.KindXnor, hw.KindW1, hw.KindX1, hw.KindMul} {
		if kinds[k] == 0 {
			t.Errorf("no %s layer drawn", k)
		}
	}
}

// TestBackpressure drops input beats and output ready at probability 0.5:
// every frame comes out once, in order, equal to Eval.
func TestBackpressure(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var stallOut int64
	for i := range 30 {
		n, err := randomNetwork(rng, 100)
		if err != nil {
			t.Fatal(err)
		}
		p, err := randomPlan(rng, n)
		if err != nil {
			t.Fatal(err)
		}
		frames := 8 + rng.IntN(8)
		cfg := Config{StallIn: 0.5, StallOut: 0.5, Seed: uint64(i)}
		r := checkAgainstEval(t, p, randomPixels(rng, p, frames), frames, cfg)
		for _, ls := range r.Layers {
			stallOut += ls.StallOut
		}
		if r.FirstLatency < int64(p.Latency) {
			t.Errorf("%s: first latency %d below the stall-free %d", describe(p, cfg), r.FirstLatency, p.Latency)
		}
	}
	if stallOut == 0 {
		t.Error("no MVTU was ever held by backpressure")
	}
	t.Logf("%d MVTU stall-out cycles in all", stallOut)
}

// TestThroughput runs 100+ frames back to back without stalls under many
// random foldings: cycles per frame equal the plan's within 1% and the
// first frame's latency equals the plan's exactly.
func TestThroughput(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	const frames = 100
	count := 60
	if *long {
		count = 600
	}
	for i := 0; i < count; {
		n, err := randomNetwork(rng, 120)
		if err != nil {
			t.Fatal(err)
		}
		var p *hw.Plan
		switch {
		case i%4 == 0: // compressor trees, pipelined: PipeDepth > 0 counted exactly
			p, err = hw.NewPlan(n, hw.Options{TargetCycles: 1 + rng.IntN(300), Popcount: hw.PopcountTree, PipelineEvery: rng.IntN(3)})
		case i%2 == 0: // auto folding: balanced layers, default InPix
			p, err = hw.NewPlan(n, hw.Options{TargetCycles: 1 + rng.IntN(300), NoPad: rng.IntN(2) == 0})
		default:
			p, err = randomPlan(rng, n)
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.CyclesPerFrame > 2000 {
			continue
		}
		i++
		cfg := Config{Seed: uint64(i)}
		r := checkAgainstEval(t, p, randomPixels(rng, p, frames), frames, cfg)
		if r.FirstLatency != int64(p.Latency) {
			t.Errorf("%s: first-frame latency %d, plan %d", describe(p, cfg), r.FirstLatency, p.Latency)
		}
		if d := r.CyclesPerFrame/float64(p.CyclesPerFrame) - 1; d > 0.01 || d < -0.01 {
			t.Errorf("%s: %g cycles/frame, plan %d", describe(p, cfg), r.CyclesPerFrame, p.CyclesPerFrame)
		}
	}
}

func TestSplitMix64(t *testing.T) {
	// The reference splitmix64 sequence for seed 0.
	want := []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f}
	g := NewSplitMix64(0)
	for i, w := range want {
		if got := g.Next(); got != w {
			t.Errorf("draw %d: %#x, want %#x", i, got, w)
		}
	}
	if u := Uniform(^uint64(0)); u >= 1 || u < 0.999999 {
		t.Errorf("Uniform(max) = %v", u)
	}
	if u := Uniform(0); u != 0 {
		t.Errorf("Uniform(0) = %v", u)
	}
}

func TestTDataHex(t *testing.T) {
	for _, tc := range []struct {
		class  int
		scores []int64
		sw     int
		want   string
	}{
		{3, []int64{1, -2}, 16, "fffe00010003"},
		{0, []int64{-1}, 32, "ffffffff0000"},
		{65535, []int64{0x7fff, -32768}, 16, "80007fffffff"},
	} {
		if got := TDataHex(tc.class, tc.scores, tc.sw); got != tc.want {
			t.Errorf("TDataHex(%d, %v, %d) = %s, want %s", tc.class, tc.scores, tc.sw, got, tc.want)
		}
	}
	if got := InputTDataHex([]byte{0x01, 0xab}); got != "ab01" {
		t.Errorf("InputTDataHex = %s", got)
	}
}

func TestRunErrors(t *testing.T) {
	p, err := hw.NewPlan(loadTFC(t), hw.Options{TargetCycles: 64})
	if err != nil {
		t.Fatal(err)
	}
	px := make([]byte, 784)
	for _, tc := range []struct {
		name   string
		pixels []byte
		frames int
		cfg    Config
		want   string
	}{
		{"short", px[:100], 1, Config{}, "100 pixel bytes for 1 frames"},
		{"stall-in", px, 1, Config{StallIn: 1}, "input stall probability 1"},
		{"stall-out", px, 1, Config{StallOut: -0.1}, "output stall probability -0.1"},
		{"max-cycles", px, 1, Config{MaxCycles: 10}, "only 0 of 1 frames out after 10 cycles"},
	} {
		_, err := Run(p, tc.pixels, tc.frames, tc.cfg)
		if err == nil || err.Error()[:5] != "sim: " || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
