package netlist

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestValidateErrors breaks a valid network in one way per case and checks
// that Validate names the layer and field of the problem.
func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(n *Network)
		layer  int
		field  string
		want   string
	}{
		{"shape mismatch", func(n *Network) { n.Layers[0].(*Input).Shape = Shape{1, 4, 6} }, 1, "in", "takes 20 inputs"},
		{"row length", func(n *Network) { d := n.Layers[1].(*Dense); d.Weights = d.Weights[:len(d.Weights)-1] }, 1, "weights", "want out*in"},
		{"weight value", func(n *Network) { n.Layers[1].(*Dense).Weights[3] = 0 }, 1, "weights", "row 0 column 3: weight 0 is not a 1-bit value"},
		{"weight range", func(n *Network) { n.Layers[3].(*Dense).Weights[0] = 4 }, 3, "weights", "not a 3-bit value"},
		{"threshold count", func(n *Network) { th := n.Layers[2].(*Threshold); th.T = th.T[:len(th.T)-1] }, 2, "thresholds", "want 7 channels x 3 thresholds"},
		{"unsorted", func(n *Network) {
			th := n.Layers[2].(*Threshold)
			th.T[0], th.T[1], th.T[2] = 5, 2, 9
		}, 2, "thresholds", "not sorted"},
		{"threshold out of range", func(n *Network) { n.Layers[2].(*Threshold).T[2] = 1 << 40 }, 2, "thresholds", "outside the accumulator range"},
		{"act width", func(n *Network) { n.Layers[2].(*Threshold).Bits = 9 }, 2, "bits", "unsupported activation width 9"},
		{"weight width", func(n *Network) { n.Layers[3].(*Dense).WeightBits = 0 }, 3, "weight_bits", "unsupported weight width 0"},
		{"input width", func(n *Network) { n.Layers[0].(*Input).Bits = 4 }, 0, "bits", "unsupported input width 4"},
		{"binarize threshold", func(n *Network) { n.Layers[0].(*Input).Threshold = 300 }, 0, "threshold", "outside 0..256"},
		{"acc overflow", func(n *Network) { n.Layers[1].(*Dense).AccBits = 4 }, 1, "acc_bits", "overflows 4 signed bits"},
		{"score overflow", func(n *Network) { n.Layers[6].(*Output).ScoreBits = 2 }, 6, "score_bits", "overflows 2 signed bits"},
		{"channels", func(n *Network) { n.Layers[4].(*Threshold).Channels = 2 }, 4, "channels", "has 3 outputs"},
		{"classes", func(n *Network) { n.Layers[6].(*Output).Offsets = []int64{1} }, 6, "offsets", "have 1 offsets for 4 classes"},
		{"reversed length", func(n *Network) { n.Layers[2].(*Threshold).Reversed = []bool{true} }, 2, "reversed", "1 flags for 7 channels"},
		{"bipolar base", func(n *Network) { n.Layers[4].(*Threshold).Base = -1 }, 4, "base", "takes no base"},
		{"duplicate name", func(n *Network) { n.Layers[3].(*Dense).Name = "fc0" }, 3, "name", "already used by layer 1"},
		{"threshold after input", func(n *Network) { n.Layers = append(n.Layers[:1], n.Layers[2:]...) }, 1, "op", "must follow an accumulating layer (dense or conv2d), not \"input\""},
		{"dense after dense", func(n *Network) {
			n.Layers = append(n.Layers[:2], n.Layers[3:]...)
		}, 2, "op", `must follow an input, threshold, maxpool, embedding or lstm layer, not "dense"`},
		{"no output", func(n *Network) { n.Layers = n.Layers[:6] }, 5, "op", "the last layer must be an output layer"},
		{"no input", func(n *Network) { n.Layers = n.Layers[1:] }, 0, "op", "layer 0 must be an input or embedding layer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := randomNet(t, 11, smallCfg)
			if err := Validate(n); err != nil {
				t.Fatalf("fixture is invalid: %v", err)
			}
			tc.break_(n)
			wantProblem(t, n, tc.layer, tc.field, tc.want)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	n := randomNet(t, 11, smallCfg)
	n.Layers[1].(*Dense).AccBits = 3
	n.Layers[4].(*Threshold).Base = 2
	n.Layers[6].(*Output).ScoreBits = 40
	var ve *ValidationError
	if !errors.As(Validate(n), &ve) {
		t.Fatal("Validate accepted a broken network")
	}
	found := map[string]bool{}
	for _, p := range ve.Problems {
		found[fmt.Sprintf("%d/%s", p.Layer, p.Field)] = true
	}
	for _, want := range []string{"1/acc_bits", "4/base", "6/score_bits"} {
		if !found[want] {
			t.Errorf("problem %s not reported; got:\n%s", want, ve.Detail())
		}
	}
	if want := fmt.Sprintf("(and %d more problems)", len(ve.Problems)-1); !strings.Contains(ve.Error(), want) {
		t.Fatalf("Error() = %q, want it to mention %q", ve.Error(), want)
	}
}

// TestAccumulatorBound checks the overflow check against an exhaustive
// search on a tiny layer: the declared width is accepted exactly when every
// reachable accumulator fits.
func TestAccumulatorBound(t *testing.T) {
	n := randomNet(t, 4, RandomConfig{Input: Shape{1, 1, 3}, InputBits: 8, Hidden: nil, Classes: 2, WeightBits: []int{4}})
	d := n.Layers[1].(*Dense)
	d.Weights = []int8{7, -8, 3, -1, -1, -1}
	n.Layers[2].(*Output).Offsets = nil
	n.Layers[2].(*Output).ScoreBits = 32
	var lo, hi int64
	for o := 0; o < 2; o++ {
		for _, x0 := range []int64{0, 255} {
			for _, x1 := range []int64{0, 255} {
				for _, x2 := range []int64{0, 255} {
					acc := int64(d.W(o, 0))*x0 + int64(d.W(o, 1))*x1 + int64(d.W(o, 2))*x2
					lo, hi = min(lo, acc), max(hi, acc)
				}
			}
		}
	}
	need := SignedBits(lo, hi)
	d.AccBits = need
	if err := Validate(n); err != nil {
		t.Fatalf("width %d holds [%d, %d] but Validate says %v", need, lo, hi, err)
	}
	d.AccBits = need - 1
	if err := Validate(n); err == nil {
		t.Fatalf("width %d cannot hold [%d, %d] but Validate accepted it", need-1, lo, hi)
	}
}
