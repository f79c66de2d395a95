package sim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
)

// lstmCase is a random sequence model and a folding of its plan.
type lstmCase struct {
	cfg          netlist.RandomLSTMConfig
	pe, simd     int
	projPE, proj int
}

var lstmCases = []lstmCase{
	{netlist.RandomLSTMConfig{Vocab: 7, Dim: 5, Hidden: []int{3}, WeightBits: 2, ActBits: 2, OutWeightBits: 2}, 4, 2, 1, 1},
	{netlist.RandomLSTMConfig{Vocab: 11, Dim: 13, Hidden: []int{17}, WeightBits: 4, ActBits: 4, OutWeightBits: 4}, 8, 5, 2, 3},
	{netlist.RandomLSTMConfig{Vocab: 9, Dim: 8, Hidden: []int{10}, WeightBits: 3, ActBits: 3, OutWeightBits: 1}, 12, 8, 3, 4},
	{netlist.RandomLSTMConfig{Vocab: 5, Dim: 3, Hidden: []int{6}, WeightBits: 8, ActBits: 8, OutWeightBits: 8}, 24, 1, 5, 6},
}

func (c lstmCase) String() string {
	return fmt.Sprintf("h%d-d%d-w%da%d-pe%d-simd%d", c.cfg.Hidden[0], c.cfg.Dim, c.cfg.WeightBits, c.cfg.ActBits, c.pe, c.simd)
}

func lstmPlan(t *testing.T, i int, c lstmCase) (*netlist.Network, *hw.Plan) {
	t.Helper()
	c.cfg.HiddenEncoding = true
	n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(uint64(i), 11)), c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: []hw.Fold{{PE: c.pe, SIMD: c.simd, Layer: "lstm0"}, {PE: c.projPE, SIMD: c.proj, Layer: "proj"}}})
	if err != nil {
		t.Fatal(err)
	}
	return n, p
}

// lstmStream is a token stream of several sequences: beats {token, last}
// and each sequence's tokens.
func lstmStream(rng *rand.Rand, vocab int) (beats [][]uint64, seqs [][]int) {
	for _, n := range []int{3, 1, 7, 2} {
		seq := make([]int, n)
		for i := range seq {
			seq[i] = rng.IntN(vocab)
			last := uint64(0)
			if i == n-1 {
				last = 1
			}
			beats = append(beats, []uint64{uint64(seq[i]), last})
		}
		seqs = append(seqs, seq)
	}
	return beats, seqs
}

// TestLSTMStageSim: the cycle model of the lstm stage emits, for every
// token, NF beats whose lanes are the hidden levels of
// netlist.ReferenceSequence (each sequence from the reset state, marked by
// tlast), at the cycles of docs/lstm-hardware.md without stalls, and the
// same beats under random stalls.
func TestLSTMStageSim(t *testing.T) {
	for i, c := range lstmCases {
		t.Run(c.String(), func(t *testing.T) {
			n, p := lstmPlan(t, i, c)
			s := p.LSTM()
			beats, seqs := lstmStream(rand.New(rand.NewPCG(uint64(i), 12)), s.V)
			var want [][]uint64
			for _, seq := range seqs {
				tr, err := netlist.ReferenceSequence(n, seq)
				if err != nil {
					t.Fatal(err)
				}
				for _, outs := range tr.Outs {
					h := outs[1]
					for nf := 0; nf < s.NF; nf++ {
						beat := make([]uint64, s.U)
						for u := range beat {
							if j := nf*s.U + u; j < s.H {
								beat[u] = uint64(h[j] + int64(s.L0))
							}
						}
						want = append(want, beat)
					}
				}
			}
			cycles := len(beats)*(s.NF*s.SF+5) + 10
			got, _ := sim.RunStage(sim.NewLSTM(s), beats, sim.NewStageStalls(0, cycles, 0, 0), len(want))
			if len(got) != len(want) {
				t.Fatalf("%d output beats, want %d", len(got), len(want))
			}
			per := s.NF*s.SF + 5
			for k, b := range got {
				tok, nf := k/s.NF, k%s.NF
				if wantCycle := int64(tok*per + (nf+1)*s.SF + 5); b.Cycle != wantCycle {
					t.Fatalf("beat %d (token %d, nf %d) at cycle %d, want %d", k, tok, nf, b.Cycle, wantCycle)
				}
				if diff := cmp.Diff(want[k], maskPad(b.Data, s, nf)); diff != "" {
					t.Fatalf("beat %d (token %d, nf %d) mismatch (-reference +sim):\n%s", k, tok, nf, diff)
				}
			}
			for seed := uint64(1); seed <= 3; seed++ {
				got, _ := sim.RunStage(sim.NewLSTM(s), beats, sim.NewStageStalls(seed, 20*cycles, 0.5, 0.5), len(want))
				if len(got) != len(want) {
					t.Fatalf("stalls %d: %d output beats, want %d", seed, len(got), len(want))
				}
				for k, b := range got {
					if diff := cmp.Diff(want[k], maskPad(b.Data, s, k%s.NF)); diff != "" {
						t.Fatalf("stalls %d: beat %d mismatch (-reference +sim):\n%s", seed, k, diff)
					}
				}
			}
		})
	}
}

// maskPad zeroes the lanes of units past H (padding, whatever they hold).
func maskPad(d []uint64, s *hw.LSTMStage, nf int) []uint64 {
	out := append([]uint64(nil), d...)
	for u := range out {
		if nf*s.U+u >= s.H {
			out[u] = 0
		}
	}
	return out
}
