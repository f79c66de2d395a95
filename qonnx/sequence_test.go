package qonnx

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// A sequence model has no image input: Export and Compare refuse it with
// an error instead of dereferencing a missing input layer.
func TestSequenceModelRefused(t *testing.T) {
	n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(1, 2)), netlist.RandomLSTMConfig{
		Vocab: 12, Dim: 5, Hidden: []int{6}, WeightBits: 2, ActBits: 2, OutWeightBits: 2, HiddenEncoding: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Export(n, ExportOptions{}); err == nil || !strings.Contains(err.Error(), "sequence models") {
		t.Errorf("Export: err = %v, want a refusal of sequence models", err)
	}
	if _, err := Compare(nil, n, make([]byte, 12), nil, 1, 1); err == nil || !strings.Contains(err.Error(), "no image input") {
		t.Errorf("Compare: err = %v, want a refusal (no image input)", err)
	}
}
