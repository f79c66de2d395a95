package rtlgen

import (
	"testing"

	"github.com/qnn-dev/qnn/hw"
)

// LSTMParams exposes lstmParams to the external tests (the cosim of
// qnn_lstm instantiates the module with the generator's parameters).
var LSTMParams = lstmParams

// SeqDesign is one of the golden set's sequence designs.
type SeqDesign struct {
	Name string
	Plan *hw.Plan
}

// SeqDesigns exposes the sequence designs of the golden set to the
// external kit tests.
func SeqDesigns(t *testing.T) []SeqDesign {
	var out []SeqDesign
	for _, d := range seqDesigns(t) {
		out = append(out, SeqDesign{d.name, d.p})
	}
	return out
}
