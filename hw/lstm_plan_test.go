package hw

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

// docSeqNet is the sequence-model example of docs/netlist-format.md.
func docSeqNet(t *testing.T) *netlist.Network {
	t.Helper()
	doc, err := os.ReadFile("../docs/netlist-format.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	s = s[strings.Index(s, "## A sequence-model example"):]
	i := strings.Index(s, "```json\n")
	j := i + strings.Index(s[i:], "\n```\n")
	n, err := netlist.Read(strings.NewReader(s[i+len("```json\n") : j+1]))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// docSeqNet2 is the documented example with its bipolar embedding
// re-encoded as the hidden state's 2-bit levels of base -1 (+1 is level 2,
// -1 level 0): the same values, so the same worked-out results.
func docSeqNet2(t *testing.T) *netlist.Network {
	t.Helper()
	n := docSeqNet(t)
	e := n.EmbeddingLayer()
	e.Bits, e.Base = 2, -1
	for i, lv := range e.Levels {
		e.Levels[i] = 2 * lv
	}
	if err := netlist.Validate(n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLSTMDocExample: the documented tiny LSTM is refused (its embedding
// is bipolar, its hidden state 2-bit levels); re-encoded, its plan has the
// numbers worked out by hand below and reproduces the document's hidden
// states and scores.
func TestLSTMDocExample(t *testing.T) {
	_, err := NewPlan(docSeqNet(t), Options{})
	want := `hw: layer 0 "embed": bits: 1-bit bipolar entries unlike the hidden state of layer 1 "lstm0" (2-bit levels with base -1): an embedding encoded unlike the hidden state is not supported yet`
	if err == nil || err.Error() != want {
		t.Errorf("doc example: error %v, want %s", err, want)
	}
	n := docSeqNet2(t)
	p, err := NewPlan(n, Options{Folds: []Fold{{PE: 4, SIMD: 1}, {PE: 3, SIMD: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	s := p.LSTM()
	// Levels 0..3 of base -1; rows i (1 0 1), f (0 1 0), g (1 1 -1), o (1 -1 0):
	// ranges [0, 6], [0, 3], [-3, 6], [-3, 3]; thresholds T - (-1)*rowsum.
	type nums struct {
		L0, U, NF, SFx, SFh, SF, Cycles          int
		AccMin, AccMax                           int64
		AccWidth, GateThrWidth                   int
		FCWidth, IGWidth, CellSumWidth           int
		OTWidth, HidThrWidth, TokenBits, Latency int
	}
	// f*c in [-48, 45] (+2 rounding), i*g in [-6, 3], sum in [-12-6, 11+3];
	// o*t in [-6, 3]; latency 1 + (3+5) + (1+3).
	wantNums := nums{1, 1, 1, 2, 1, 3, 8, -3, 6, 4, 4, 7, 4, 6, 4, 4, 8, 13}
	gotNums := nums{s.L0, s.U, s.NF, s.SFx, s.SFh, s.SF, s.Cycles, s.AccMin, s.AccMax, s.AccWidth, s.GateThrWidth,
		s.FCWidth, s.IGWidth, s.CellSumWidth, s.OTWidth, s.HidThrWidth, p.Input.TokenBits, p.Latency}
	if diff := cmp.Diff(wantNums, gotNums); diff != "" {
		t.Errorf("numbers (-hand +plan):\n%s", diff)
	}
	var thr [][]int64
	for rho := range 4 {
		th, _ := s.GateThresholds(rho)
		thr = append(thr, th)
	}
	if diff := cmp.Diff([][]int64{{1, 3, 4}, {0, 1, 2}, {-2, 0, 2}, {-2, 0, 1}}, thr); diff != "" {
		t.Errorf("gate thresholds (-hand +plan):\n%s", diff)
	}
	if p.CyclesPerFrame != 8 || s.EmbMem != (Mem{6, 2, MemLUT}) || s.WeightMem != (Mem{3, 8, MemLUT}) ||
		s.GateThrMem != (Mem{1, 4 * 13, MemLUT}) || s.CellThrMem != (Mem{1, 16, MemLUT}) || s.HidThrMem != (Mem{1, 13, MemLUT}) {
		t.Errorf("cycles %d, memories %v %v %v %v %v", p.CyclesPerFrame, s.EmbMem, s.WeightMem, s.GateThrMem, s.CellThrMem, s.HidThrMem)
	}
	hidden, scores := hwSequence(t, p, []int{1, 0, 2}, []bool{false, false, true})
	if diff := cmp.Diff([][]int64{{3}, {2}, {2}}, hidden); diff != "" { // h = 2, 1, 1: levels of base -1
		t.Errorf("hidden levels (-doc +plan):\n%s", diff)
	}
	if diff := cmp.Diff([][]int64{{2, -1, -5}, {1, 0, -3}, {1, 0, -3}}, scores); diff != "" {
		t.Errorf("scores (-doc +plan):\n%s", diff)
	}
	// SIMD 2: one x fold (token 1 is +1 +1, token 0 +1 -1) and one h fold
	// whose lane 1 is padding.
	p2, err := NewPlan(n, Options{Folds: []Fold{{PE: 4, SIMD: 2}, {PE: 3, SIMD: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	s2 := p2.LSTM()
	got := []any{s2.EmbWord(1, 0), s2.EmbWord(0, 0), s2.Weight(2, 0, 1), s2.Weight(2, 1, 0), s2.Weight(2, 1, 1), s2.Weight(3, 0, 1)}
	if diff := cmp.Diff([]any{[]int{2, 2}, []int{2, 0}, 1, -1, 0, -1}, got); diff != "" {
		t.Errorf("ROM images (-hand +plan):\n%s", diff)
	}
}

// TestLSTMRefused: every sequence model the plan does not build yet is
// refused in one line naming the layer and the field.
func TestLSTMRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	cfg := netlist.RandomLSTMConfig{Vocab: 6, Dim: 5, Hidden: []int{4}, WeightBits: 3, ActBits: 3, OutWeightBits: 2}
	two := cfg
	two.Hidden = []int{4, 3}
	w1 := cfg
	w1.WeightBits = 1
	base := seqNet(t, rng, cfg)
	base.EmbeddingLayer().Base++
	unmatched, err := netlist.RandomLSTM(rng, netlist.RandomLSTMConfig{Vocab: 6, Dim: 5, EmbedBits: 1, Hidden: []int{4}, WeightBits: 3, ActBits: 3, OutWeightBits: 2})
	if err != nil {
		t.Fatal(err)
	}
	gates := seqNet(t, rng, cfg)
	widenForgetGate(t, gates)
	noLSTM := seqNet(t, rng, cfg)
	proj := noLSTM.Layers[2].(*netlist.Dense)
	proj.In, proj.Weights = 5, make([]int8, 5*proj.Out)
	noLSTM.Layers = []netlist.Layer{noLSTM.Layers[0], proj, noLSTM.Layers[3]}
	good := seqNet(t, rng, cfg)
	for _, tc := range []struct {
		name string
		n    *netlist.Network
		opt  Options
		want string
	}{
		{"two-lstm", seqNet(t, rng, two), Options{}, `hw: layer 2 "lstm1": op: a second lstm layer is not supported yet`},
		{"bipolar-embedding", unmatched, Options{}, `hw: layer 0 "embed": bits: 1-bit bipolar entries unlike the hidden state of layer 1 "lstm0" (3-bit levels with base`},
		{"embedding-base", base, Options{}, `hw: layer 0 "embed": base: 3-bit levels with base`},
		{"1-bit-weights", seqNet(t, rng, w1), Options{}, `hw: layer 1 "lstm0": weight_bits: 1-bit (bipolar) weights are not supported yet`},
		{"gate-widths", gates, Options{}, `hw: layer 1 "lstm0": forget_gate.bits: 4-bit levels unlike the input gate's 3: gates of different widths are not supported yet`},
		{"no-lstm", noLSTM, Options{}, `hw: layer 1 "proj": op: a dense layer before the lstm layer is not supported yet`},
		{"pe-6", good, Options{Folds: []Fold{{Layer: "lstm0", PE: 6, SIMD: 1}, {Layer: "proj", PE: 1, SIMD: 1}}}, `hw: layer 1 "lstm0": PE: 6 is not a multiple of 4 (the four gate rows of a unit in one beat): not supported yet`},
		{"pe-range", good, Options{Folds: []Fold{{PE: 20, SIMD: 1}, {PE: 1, SIMD: 1}}}, `hw: layer 1 "lstm0": PE 20 is outside 4..16`},
		{"simd-range", good, Options{Folds: []Fold{{PE: 4, SIMD: 9}, {PE: 1, SIMD: 1}}}, `hw: layer 1 "lstm0": SIMD 9 is outside 1..8`},
		{"nopad", good, Options{Folds: []Fold{{PE: 4, SIMD: 2}, {PE: 1, SIMD: 1}}, NoPad: true}, `hw: layer 1 "lstm0": SIMD 2 does not divide both D = 5 and H = 4`},
		{"count", good, Options{Folds: []Fold{{PE: 4, SIMD: 1}}}, `hw: folding has 1 entries for 2 folded layers (lstm and dense)`},
		{"unnamed", good, Options{Folds: []Fold{{Layer: "lstm0", PE: 4, SIMD: 1}, {Layer: "embed", PE: 1, SIMD: 1}}}, `hw: layer 0 "proj": the folding has no entry for it`},
		{"inpix", good, Options{InPix: 8}, `hw: layer 0 "embed": InPix 8: a sequence model reads one token per beat`},
	} {
		_, err := NewPlan(tc.n, tc.opt)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line starting %q", tc.name, err, tc.want)
		}
	}
}

// widenForgetGate gives n's lstm forget gate one bit more than the others
// (thresholds spread over the accumulator range, base 0).
func widenForgetGate(t *testing.T, n *netlist.Network) {
	t.Helper()
	l := n.Layers[1].(*netlist.LSTM)
	f := &netlist.Threshold{Channels: l.Hidden, Bits: l.Gates[0].Bits + 1}
	k := f.PerChannel()
	for range l.Hidden {
		for j := range k {
			f.T = append(f.T, int64(j-k/2))
		}
	}
	l.Gates[netlist.GateF] = f
	if err := netlist.Validate(n); err != nil {
		t.Fatal(err)
	}
}

// TestLSTMSaveLoad: a sequence plan is version 2 and survives Save and
// Load; image plans stay version 1; other versions are refused.
func TestLSTMSaveLoad(t *testing.T) {
	p := goldenPlans(t)["lstm-padded"]
	if p.Version != 2 || goldenPlans(t)["tfc-padded"].Version != 1 {
		t.Errorf("versions: sequence plan %d, image plan %d", p.Version, goldenPlans(t)["tfc-padded"].Version)
	}
	dir := t.TempDir()
	if err := Save(dir, p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, PlanFile)
	q, err := Load(path, p.Net)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Dump(), q.Dump()); diff != "" {
		t.Errorf("loaded plan (-saved +loaded):\n%s", diff)
	}
	data, _ := os.ReadFile(path)
	for _, bad := range []struct{ from, to, want string }{
		{`"Version": 2`, `"Version": 3`, "plan version 3, this qnn reads versions 1 to 2"},
		{`"PE": 8,`, `"PE": 12,`, "differs from the plan rebuilt"},
	} {
		edited := strings.Replace(string(data), bad.from, bad.to, 1)
		if edited == string(data) {
			t.Fatalf("%s not in plan.json", bad.from)
		}
		if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path, p.Net); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s -> %s: %v, want %q", bad.from, bad.to, err, bad.want)
		}
	}
}
