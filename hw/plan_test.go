package hw

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/hw")

// hwEval evaluates the plan's hardware-domain arithmetic directly: padded
// matrices, pad elements and weights, hardware thresholds and score
// constants. It returns each layer's outputs for the netlist neurons (the
// hardware levels, or the scores) and fails on an accumulator (partial
// sums included) outside the plan's range.
func hwEval(t *testing.T, p *Plan, pixels []byte) [][]int64 {
	t.Helper()
	x := make([]int64, len(pixels))
	for i, px := range pixels {
		x[i] = int64(px)
		if p.Input.Bits == 1 {
			x[i] = 0
			if int(px) >= p.Input.Threshold {
				x[i] = 1
			}
		}
	}
	var outs [][]int64
	for _, l := range p.Layers {
		x = hwLayer(t, l, x)
		outs = append(outs, x)
	}
	return outs
}

// hwLayer is one MVTU of hwEval on the hardware elements x (MW of them):
// the netlist neurons' levels or scores.
func hwLayer(t *testing.T, l *Layer, x []int64) []int64 {
	t.Helper()
	y := make([]int64, l.MHp)
	for o := 0; o < l.MHp; o++ {
		var acc int64
		for c := 0; c < l.MWp; c++ {
			xe := int64(l.PadX)
			if c < l.MW {
				xe = x[c]
			}
			w := int64(l.Weight(o, c))
			switch {
			case l.LaneTree(): // the lane-tree domain: lane values
				acc += l.PopcountOptions().LaneValue(int(w), int(xe))
			case l.Kind == KindXnor:
				if w == xe {
					acc++
				}
			case l.Kind == KindW1:
				acc += (2*w - 1) * xe
			case l.Kind == KindX1:
				acc += (2*xe - 1) * w
			default:
				acc += w * xe
			}
			if acc < l.AccMin || acc > l.AccMax {
				t.Fatalf("layer %d neuron %d: partial sum %d outside [%d, %d]", l.Index, o, acc, l.AccMin, l.AccMax)
			}
		}
		if l.Mode == ModeThreshold {
			y[o] = int64(l.Level(o, acc))
		} else {
			y[o] = l.Score(o, acc)
		}
	}
	return y[:l.MH]
}

// randomPlan draws a small random network (all four lane kinds) and a
// random, usually padded, folding.
func randomPlan(rng *rand.Rand) (*Plan, error) {
	widths := []int{1, 2, 4, 8}
	cfg := netlist.RandomConfig{
		Input:     netlist.Shape{C: 1 + rng.IntN(2), H: 1 + rng.IntN(5), W: 1 + rng.IntN(9)},
		InputBits: []int{1, 8}[rng.IntN(2)],
		Classes:   1 + rng.IntN(12),
	}
	nh := rng.IntN(4)
	for range nh {
		cfg.Hidden = append(cfg.Hidden, 1+rng.IntN(150))
		cfg.ActBits = append(cfg.ActBits, widths[rng.IntN(4)])
	}
	for range nh + 1 {
		cfg.WeightBits = append(cfg.WeightBits, widths[rng.IntN(4)])
	}
	n, err := netlist.Random(rng, cfg)
	if err != nil {
		return nil, err
	}
	var opt Options
	for _, l := range n.Layers {
		if d, ok := l.(*netlist.Dense); ok {
			opt.Folds = append(opt.Folds, Fold{PE: 1 + rng.IntN(d.Out), SIMD: 1 + rng.IntN(d.In)})
		}
	}
	if rng.IntN(2) == 0 { // compressor trees: the lane-tree domain for k-bit kinds
		opt.Popcount, opt.PipelineEvery = PopcountTree, rng.IntN(3)
	}
	return NewPlan(n, opt)
}

// TestPaddingNeutrality: the padded hardware-domain arithmetic equals the
// netlist on every layer (levels as the netlist encodes them, scores).
func TestPaddingNeutrality(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range 150 {
		p, err := randomPlan(rng)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			px := make([]byte, p.Input.Shape.Size())
			for j := range px {
				px[j] = byte(rng.UintN(256))
			}
			ref, err := netlist.Reference(p.Net, px)
			if err != nil {
				t.Fatal(err)
			}
			got := hwEval(t, p, px)
			for li, l := range p.Layers {
				want := ref[l.spec.layerIdx+1]
				for o := 0; o < l.MH; o++ {
					v := got[li][o]
					if l.Mode == ModeThreshold {
						v = l.spec.thr.Value(int(v))
					}
					if v != want[o] {
						t.Fatalf("plan %d layer %d (%s, PE %d SIMD %d, MW %d MH %d) neuron %d: hardware %d, netlist %d",
							i, li, l.Kind, l.PE, l.SIMD, l.MW, l.MH, o, v, want[o])
					}
				}
			}
		}
	}
}

// TestPlanNumbers checks the derived numbers of a padded TFC plan.
func TestPlanNumbers(t *testing.T) {
	p, err := NewPlan(loadTFC(t), Options{Folds: []Fold{{PE: 7, SIMD: 50}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 4, SIMD: 16}}, InPix: 13})
	if err != nil {
		t.Fatal(err)
	}
	l0, l3 := p.Layers[0], p.Layers[3]
	type nums struct{ SF, NF, MWp, MHp, InWidth, InBeats, AccWidth, ThrWidth, Cycles int }
	if diff := cmp.Diff(nums{16, 10, 800, 70, 13, 61, 11, 11, 160},
		nums{l0.SF, l0.NF, l0.MWp, l0.MHp, l0.InWidth, l0.InBeats, l0.AccWidth, l0.ThrWidth, l0.Cycles}); diff != "" {
		t.Errorf("layer 0 (-want +got):\n%s", diff)
	}
	if l3.InWidth != 16 || l3.InBeats != 4 || l3.NF != 3 || l3.MHp != 12 || l3.ScoreMul != 2 {
		t.Errorf("layer 3: %+v", l3)
	}
	if p.Output.PE != 4 || p.Output.Beats != 3 || p.Output.SW != 16 || p.Output.TDataBits != 176 {
		t.Errorf("output: %+v", p.Output)
	}
	if p.CyclesPerFrame != 160 || p.Latency != 61+(160+3)+(16+3)+(16+3)+(3*4+3) {
		t.Errorf("cycles/frame %d, latency %d", p.CyclesPerFrame, p.Latency)
	}
	if l0.WeightMem != (Mem{160, 350, MemBlock}) || l0.ThrMem != (Mem{10, 7 * 12, MemLUT}) || l3.ThrMem != (Mem{3, 4 * 9, MemLUT}) {
		t.Errorf("memories: %v %v %v", l0.WeightMem, l0.ThrMem, l3.ThrMem)
	}
	// Padded weights are 0, padded neurons have zero thresholds.
	if l0.Weight(0, 790) != 0 || l0.Weight(69, 0) != 0 {
		t.Error("pad weight not 0")
	}
	if th, rev := l0.Thresholds(69); th[0] != 0 || rev {
		t.Errorf("padded neuron thresholds %v %v", th, rev)
	}
	if l3.ScoreAdd(11) != 0 {
		t.Error("padded score constant not 0")
	}
	beats := p.InputBeats(make([]byte, 784))
	if len(beats) != 61 || len(beats[60]) != 13 {
		t.Errorf("InputBeats: %d beats", len(beats))
	}
}

func TestDefaultInPix(t *testing.T) {
	for _, tc := range []struct{ size, maxT, want int }{
		{784, 512, 8}, {784, 64, 16}, {784, 1, 1024}, {63, 1, 64}, {3, 1, 8}, {784, 98, 8},
	} {
		if got := DefaultInPix(tc.size, tc.maxT); got != tc.want {
			t.Errorf("DefaultInPix(%d, %d) = %d, want %d", tc.size, tc.maxT, got, tc.want)
		}
	}
}

// goldenPlans are the plans whose dumps are golden files.
func goldenPlans(t *testing.T) map[string]*Plan {
	t.Helper()
	n := loadTFC(t)
	plans := map[string]*Plan{}
	add := func(name string, n *netlist.Network, opt Options) {
		p, err := NewPlan(n, opt)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	add("tfc-target64", n, Options{TargetCycles: 64})
	add("tfc-padded", n, Options{Folds: []Fold{{PE: 7, SIMD: 50}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 4, SIMD: 16}}, InPix: 13})
	mixed, err := netlist.Random(rand.New(rand.NewPCG(9, 9)), netlist.RandomConfig{
		Input: netlist.Shape{C: 1, H: 7, W: 9}, InputBits: 8, Hidden: []int{70, 33}, Classes: 10,
		WeightBits: []int{1, 2, 4}, ActBits: []int{2, 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	add("mixed-target40", mixed, Options{TargetCycles: 40})
	lstm := seqNet(t, rand.New(rand.NewPCG(4, 4)), netlist.RandomLSTMConfig{Vocab: 11, Dim: 7, Hidden: []int{5},
		WeightBits: 4, ActBits: 3, OutWeightBits: 2})
	add("lstm-padded", lstm, Options{Folds: []Fold{{Layer: "lstm0", PE: 8, SIMD: 3}, {Layer: "proj", PE: 4, SIMD: 2}}})
	add("tiny-lstm-target8", docSeqNet2(t), Options{TargetCycles: 8})
	return plans
}

func TestDumpGolden(t *testing.T) {
	for name, p := range goldenPlans(t) {
		path := filepath.Join("..", "testdata", "hw", name+".txt")
		got := p.Dump()
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./hw -update)", err)
		}
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("%s dump mismatch (-want +got):\n%s", name, diff)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	for name, p := range goldenPlans(t) {
		dir := t.TempDir()
		if err := Save(dir, p); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, PlanFile)
		q, err := Load(path, p.Net)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if q.Dump() != p.Dump() || string(q.Marshal()) != string(p.Marshal()) {
			t.Errorf("%s: loaded plan differs", name)
		}
		// Another netlist: the hash differs.
		other := goldenPlans(t)["mixed-target40"].Net
		if name == "mixed-target40" {
			other = loadTFC(t)
		}
		if _, err := Load(path, other); err == nil || !strings.Contains(err.Error(), "plan does not match its netlist") {
			t.Errorf("%s: other netlist: %v", name, err)
		}
		// A tampered plan.
		data, _ := os.ReadFile(path)
		bad := strings.Replace(string(data), fmt.Sprintf(`"Latency": %d`, p.Latency), fmt.Sprintf(`"Latency": %d`, p.Latency+1), 1)
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("at Latency: %d in the file, %d rebuilt", p.Latency+1, p.Latency)
		if _, err := Load(path, p.Net); err == nil || !strings.Contains(err.Error(), "differs from the plan rebuilt") ||
			!strings.Contains(err.Error(), want) {
			t.Errorf("%s: tampered plan: %v, want it to say %q", name, err, want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope.json"), loadTFC(t)); err == nil || !strings.HasPrefix(err.Error(), "hw: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestMemStyle(t *testing.T) {
	for _, c := range []struct {
		m    Mem
		want MemStyle
	}{
		{Mem{Depth: 64, Width: 784}, MemLUT},    // one LUT6 per bit
		{Mem{Depth: 1024, Width: 4}, MemLUT},    // 4096 bits: small
		{Mem{Depth: 1024, Width: 5}, MemBlock},  // past romLogicBits
		{Mem{Depth: 256, Width: 256}, MemBlock}, // Yosys alone builds it from ~1,000 LUTs
		{Mem{Depth: 65, Width: 63}, MemLUT},
		{Mem{Depth: 65, Width: 64}, MemBlock},
		{Mem{}, MemAuto},
	} {
		if got := lut6Style(c.m); got != c.want {
			t.Errorf("lut6Style(%d x %d) = %q, want %q", c.m.Depth, c.m.Width, got, c.want)
		}
	}
}

// TestTargetMemStyle: xc7 and "" give every threshold ROM the LUT6 rule's
// style, every weight ROM weightStyle's and every input buffer
// inBufStyle's, ice40 leaves the ROMs to the tool and builds the input
// buffers from registers, xc7 and "" estimate alike, and Load rebuilds the
// target.
func TestTargetMemStyle(t *testing.T) {
	n := randomNet(t, 7, []int{200, 70})
	for _, target := range []string{"", TargetXC7, TargetICE40} {
		p, err := NewPlan(n, Options{TargetCycles: 300, Target: target})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Layers {
			w, a := l.WeightMem, l.ThrMem
			for _, c := range []struct {
				m    Mem
				want MemStyle
			}{{w, weightStyle(Mem{Depth: w.Depth, Width: w.Width})}, {a, lut6Style(Mem{Depth: a.Depth, Width: a.Width})}} {
				if target == TargetICE40 {
					c.want = MemAuto
				}
				if c.m.Style != c.want {
					t.Errorf("target %q layer %d: %v, want style %q", target, l.Index, c.m, c.want)
				}
			}
			want := l.inBufStyle()
			if target == TargetICE40 {
				want = MemAuto
			}
			if l.InBufStyle != want {
				t.Errorf("target %q layer %d: input buffer %q, want %q", target, l.Index, l.InBufStyle, want)
			}
		}
		if p.Target != target {
			t.Errorf("plan target %q, want %q", p.Target, target)
		}
		q, err := NewPlan(n, Options{TargetCycles: 300})
		if err != nil {
			t.Fatal(err)
		}
		if target != TargetICE40 && p.Estimate != q.Estimate {
			t.Errorf("target %q: estimate %v, without target %v", target, p.Estimate, q.Estimate)
		}
		dir := t.TempDir()
		if err := Save(dir, p); err != nil {
			t.Fatal(err)
		}
		back, err := Load(filepath.Join(dir, PlanFile), n)
		if err != nil {
			t.Fatalf("target %q: %v", target, err)
		}
		if back.Target != target {
			t.Errorf("loaded target %q, want %q", back.Target, target)
		}
	}
	if _, err := NewPlan(n, Options{Target: "ecp5"}); err == nil || !strings.Contains(err.Error(), `unknown target "ecp5"`) {
		t.Errorf("target ecp5: error %v", err)
	}
}

// randomNet is a random 1-bit MLP on a 28x28 input.
func randomNet(t *testing.T, seed uint64, hidden []int) *netlist.Network {
	t.Helper()
	n, err := netlist.Random(rand.New(rand.NewPCG(seed, 1)), netlist.RandomConfig{
		Input: netlist.Shape{C: 1, H: 28, W: 28}, InputBits: 1, Hidden: hidden, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
