package netlist

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docSeqNet returns the sequence-model example of docs/netlist-format.md:
// embed, lstm0, proj, logits.
func docSeqNet(t testing.TB) *Network { return docExample(t, "## A sequence-model example") }

// TestDocSeqExample checks the documented sequence model against the
// values worked out by hand in docs/netlist-format.md, with both
// evaluators, and its perplexity.
func TestDocSeqExample(t *testing.T) {
	n := docSeqNet(t)
	toks := []int{1, 0, 2}
	want := &Trace{
		Outs: [][][]int64{
			{{1, 1}, {2}, {2, -2, -4}, {2, -1, -5}},
			{{1, -1}, {1}, {1, -1, -2}, {1, 0, -3}},
			{{-1, -1}, {1}, {1, -1, -2}, {1, 0, -3}},
		},
		States: [][][]int64{
			{nil, {2, 2}, nil, nil},
			{nil, {1, -2}, nil, nil},
			{nil, {1, -1}, nil, nil},
		},
	}
	ref, err := ReferenceSequence(n, toks)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ref); diff != "" {
		t.Errorf("ReferenceSequence mismatch (-hand +got):\n%s", diff)
	}
	f, err := NewFastSeq(n)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := f.Trace(toks)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, fast); diff != "" {
		t.Errorf("FastSeq mismatch (-hand +got):\n%s", diff)
	}
	scale := n.OutputLayer().LogitScale
	sum, count, err := StreamNLL(f, scale, toks, 35, 1)
	if err != nil {
		t.Fatal(err)
	}
	if count != 2 || math.Abs(sum-2.780759) > 1e-6 || math.Abs(math.Exp(sum/2)-4.016374) > 1e-6 {
		t.Errorf("StreamNLL = %.6f over %d tokens (perplexity %.6f), want 2.780759 over 2 (4.016374)", sum, count, math.Exp(sum/float64(count)))
	}
	// Sequences of one token each: every prediction starts from the reset
	// state, so the second is made from token 0 alone: scores of proj(h)
	// with h = lstm0 on token 0 from the reset state.
	sum1, _, err := StreamNLL(f, scale, toks, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := ReferenceSequence(n, []int{0})
	if w := NLL([]int64{2, -1, -5}, scale, 0) + NLL(tr.Scores()[0], scale, 2); math.Abs(sum1-w) > 1e-12 {
		t.Errorf("StreamNLL with sequences of 1 = %v, want %v", sum1, w)
	}
}

// TestNLL checks the log-softmax against values computed by hand and on
// scores far too large for a naive exp.
func TestNLL(t *testing.T) {
	if got, want := NLL([]int64{2, 0}, 1, 1), math.Log(1+math.Exp(2)); math.Abs(got-want) > 1e-12 {
		t.Errorf("NLL([2 0], 1, 1) = %v, want ln(1+e^2) = %v", got, want)
	}
	if got, want := NLL([]int64{5, 5, 5, 5}, 0.3, 2), math.Log(4); math.Abs(got-want) > 1e-12 {
		t.Errorf("uniform NLL = %v, want ln 4 = %v", got, want)
	}
	if got := NLL([]int64{1 << 31, 0}, 1, 0); got != 0 {
		t.Errorf("NLL of a dominant score = %v, want 0", got)
	}
	if got := NLL([]int64{1 << 31, 0}, 1, 1); got != 1<<31 {
		t.Errorf("NLL of a hopeless score = %v, want 2^31", got)
	}
}

// TestValidateSeqErrors breaks the documented sequence model in one way per
// case and checks that Validate names the layer, op and field.
func TestValidateSeqErrors(t *testing.T) {
	emb := func(n *Network) *Embedding { return n.Layers[0].(*Embedding) }
	lstm := func(n *Network) *LSTM { return n.Layers[1].(*LSTM) }
	tests := []struct {
		name   string
		break_ func(n *Network)
		layer  int
		field  string
		want   string
	}{
		{"vocab", func(n *Network) { emb(n).Vocab = 0 }, 0, "vocab", "vocabulary size must be in 1..1048576, got 0"},
		{"table size", func(n *Network) { emb(n).Levels = emb(n).Levels[:5] }, 0, "table", "have 5 entries, want vocab*dim = 3*2 = 6"},
		{"table level", func(n *Network) { e := emb(n); e.Bits, e.Base = 2, -2; e.Levels[3] = 4 }, 0, "table", "token 1 element 1: level 4 is not a 2-bit level"},
		{"bipolar base", func(n *Network) { emb(n).Base = 1 }, 0, "base", "1-bit entries are bipolar"},
		{"embedding not first", func(n *Network) {
			n.Layers = append([]Layer{&Embedding{Name: "e0", Vocab: 1, Dim: 1, Bits: 1, Levels: []uint8{1}}}, n.Layers...)
		}, 1, "op", "an embedding layer must be layer 0"},
		{"lstm after dense", func(n *Network) {
			n.Layers = []Layer{n.Layers[0], &Dense{Name: "d", In: 2, Out: 2, WeightBits: 1, AccBits: 3, Weights: []int8{1, 1, 1, 1}},
				&Threshold{Name: "t", Channels: 2, Bits: 2, T: []int64{0, 1, 2, 0, 1, 2}}, n.Layers[1], n.Layers[2], n.Layers[3]}
		}, 3, "op", `an lstm layer must follow an embedding or lstm layer, not "threshold"`},
		{"lstm in", func(n *Network) { lstm(n).In = 3 }, 1, "weights", "want 4*hidden rows of in+hidden = 4*4 = 16"},
		{"lstm in matches", func(n *Network) {
			l := lstm(n)
			l.In, l.Weights = 1, l.Weights[:8]
		}, 1, "in", `layer takes 1 inputs but the previous layer "embed" produces 2`},
		{"weight value", func(n *Network) { lstm(n).Weights[4] = 2 }, 1, "weights", "row 1 column 1: weight 2 is not a 2-bit value"},
		{"acc bits", func(n *Network) { lstm(n).AccBits = 2 }, 1, "acc_bits", "gate accumulator range [-4, 3] overflows 2 signed bits"},
		{"cell bits too small", func(n *Network) { lstm(n).CellBits = 3 }, 1, "cell_bits", "3 signed bits [-4, 3] cannot hold the input-gate term rshr(i*g, 0) in [-6, 3]"},
		{"cell bits", func(n *Network) { lstm(n).CellBits = 33 }, 1, "cell_bits", "unsupported cell-state width 33"},
		{"f shift", func(n *Network) { lstm(n).FShift = 17 }, 1, "f_shift", "shift 17 is outside 0..16"},
		{"ig shift", func(n *Network) { lstm(n).IGShift = -1 }, 1, "ig_shift", "shift -1 is outside 0..24"},
		{"gate bits", func(n *Network) { lstm(n).Gates[GateG].Bits = 1 }, 1, "cell_gate.bits", "unsupported width 1 (want 2..8)"},
		{"gate threshold range", func(n *Network) { lstm(n).Gates[GateI].T[2] = 8 }, 1, "input_gate.thresholds", "channel 0 threshold 2: 8 is outside [-8, 7]"},
		{"gate sorted", func(n *Network) { lstm(n).Gates[GateO].T[0] = 1 }, 1, "output_gate.thresholds", "not sorted ascending (0 after 1)"},
		{"gate channels", func(n *Network) { lstm(n).Gates[GateF].Channels = 2 }, 1, "forget_gate.channels", "have 2 channels, want hidden = 1"},
		{"negative forget gate", func(n *Network) { lstm(n).Gates[GateF].Base = -1 }, 1, "forget_gate", "forget-gate values must be non-negative"},
		{"cell act range", func(n *Network) { lstm(n).CellAct.T[0] = -17 }, 1, "cell_act.thresholds", "-17 is outside [-16, 15]"},
		{"hidden without zero", func(n *Network) { lstm(n).HiddenAct.Base = 1 }, 1, "hidden_act", "do not include 0, the reset state"},
		{"missing act", func(n *Network) { lstm(n).CellAct = nil }, 1, "cell_act", "missing"},
		{"logit scale", func(n *Network) { n.Layers[3].(*Output).LogitScale = math.NaN() }, 3, "logit_scale", "finite non-negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := docSeqNet(t)
			tc.break_(n)
			wantProblem(t, n, tc.layer, tc.field, tc.want)
		})
	}
}

// TestSeqEvaluatorsRefuse: image evaluators refuse a sequence model and
// sequence evaluators an image model, naming the right entry point; tokens
// outside the vocabulary are refused with their position.
func TestSeqEvaluatorsRefuse(t *testing.T) {
	n := docSeqNet(t)
	if _, err := NewFast(n); err == nil || !strings.Contains(err.Error(), "evaluate it with NewFastSeq") {
		t.Errorf("NewFast on a sequence model: %v", err)
	}
	if _, err := Reference(n, []byte{1}); err == nil || !strings.Contains(err.Error(), "evaluate it with ReferenceSequence") {
		t.Errorf("Reference on a sequence model: %v", err)
	}
	if _, err := NewFastSeq(docConvNet(t)); err == nil || !strings.Contains(err.Error(), "not a sequence model") {
		t.Errorf("NewFastSeq on an image model: %v", err)
	}
	if _, err := ReferenceSequence(n, []int{0, 3}); err == nil || !strings.Contains(err.Error(), `embedding "embed": token 3 at position 1 is outside the vocabulary 0..2`) {
		t.Errorf("ReferenceSequence on a bad token: %v", err)
	}
	f, err := NewFastSeq(n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Eval([][]int{{0}, {1, -1}}, 1); err == nil || !strings.Contains(err.Error(), "token -1 at position 1 is outside the vocabulary 0..2 (sequence 1)") {
		t.Errorf("FastSeq.Eval on a bad token: %v", err)
	}
	if _, _, err := StreamNLL(f, 0, []int{0, 1}, 4, 1); err == nil || !strings.Contains(err.Error(), "logit scale 0") {
		t.Errorf("StreamNLL without a scale: %v", err)
	}
}
