package sim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
)

// randomSequences draws sequences of the given lengths over tokens < vocab.
func randomSequences(rng *rand.Rand, vocab int, lens ...int) [][]int {
	seqs := make([][]int, len(lens))
	for s, n := range lens {
		for range n {
			seqs[s] = append(seqs[s], rng.IntN(vocab))
		}
	}
	return seqs
}

// wantTokens is netlist.ReferenceSequence's prediction at every token of
// seqs (each sequence from the reset state): the argmax of the scores (the
// lowest index wins ties) and that score, or all scores.
func wantTokens(t *testing.T, n *netlist.Network, seqs [][]int, all bool) (classes []int, scores [][]int64) {
	t.Helper()
	for _, seq := range seqs {
		tr, err := netlist.ReferenceSequence(n, seq)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range tr.Scores() {
			best := 0
			for c, v := range sc {
				if v > sc[best] {
					best = c
				}
			}
			classes = append(classes, best)
			if all {
				scores = append(scores, sc)
			} else {
				scores = append(scores, []int64{sc[best]})
			}
		}
	}
	return classes, scores
}

// TestSequenceDesign: the whole sequence design (token input, lstm stage,
// projection MVTU, argmax) predicts at every token what
// netlist.ReferenceSequence scores, with the winner's score or (AllLogits)
// every score, without stalls and under random stalls on both streams;
// without stalls token 0's latency is the plan's Latency and tokens
// offered back to back come out every CyclesPerFrame cycles.
func TestSequenceDesign(t *testing.T) {
	for i, c := range lstmCases {
		for _, all := range []bool{false, true} {
			name := c.String()
			if all {
				name += "-all"
			}
			t.Run(name, func(t *testing.T) {
				c.cfg.HiddenEncoding = true
				n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(uint64(i), 11)), c.cfg)
				if err != nil {
					t.Fatal(err)
				}
				p, err := hw.NewPlan(n, hw.Options{AllLogits: all,
					Folds: []hw.Fold{{PE: c.pe, SIMD: c.simd, Layer: "lstm0"}, {PE: c.projPE, SIMD: c.proj, Layer: "proj"}}})
				if err != nil {
					t.Fatal(err)
				}
				seqs := randomSequences(rand.New(rand.NewPCG(uint64(i), 13)), c.cfg.Vocab, 5, 1, 9, 2, 12)
				classes, scores := wantTokens(t, n, seqs, all)
				for _, cfg := range []sim.Config{{}, {StallIn: 0.3, StallOut: 0.4, Seed: uint64(i) + 1}} {
					res, err := sim.RunSequences(p, seqs, cfg)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(classes, res.Classes); diff != "" {
						t.Errorf("stalls %v/%v: predicted tokens (-netlist +sim):\n%s", cfg.StallIn, cfg.StallOut, diff)
					}
					if diff := cmp.Diff(scores, res.Scores); diff != "" {
						t.Errorf("stalls %v/%v: scores (-netlist +sim):\n%s", cfg.StallIn, cfg.StallOut, diff)
					}
					if len(res.Status) != 0 {
						t.Errorf("stalls %v/%v: frame_err/frame_drops changed on valid tokens: %+v", cfg.StallIn, cfg.StallOut, res.Status)
					}
					if cfg.StallIn == 0 {
						if res.FirstLatency != int64(p.Latency) {
							t.Errorf("token 0's latency %d cycles, plan %d", res.FirstLatency, p.Latency)
						}
						if res.CyclesPerFrame != float64(p.CyclesPerFrame) {
							t.Errorf("%.2f cycles per token back to back, plan %d", res.CyclesPerFrame, p.CyclesPerFrame)
						}
					}
				}
			})
		}
	}
}

// TestSequenceBadTokens: a token >= V (up to the token input's width) is
// read as token 0, so every prediction equals that of the sequence with
// token 0 in its place, and frame_err rises the cycle after the first such
// handshake while frame_drops counts them.
func TestSequenceBadTokens(t *testing.T) {
	c := lstmCases[1]
	_, p := lstmPlan(t, 1, c)
	good := [][]int{{3, 0, 5, 0}, {0, 2}}
	bad := [][]int{{3, c.cfg.Vocab, 5, 255}, {c.cfg.Vocab + 7, 2}}
	want, err := sim.RunSequences(p, good, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sim.RunSequences(p, bad, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Beats, got.Beats); diff != "" {
		t.Errorf("m_axis with tokens >= V (-as token 0 +as sent):\n%s", diff)
	}
	if len(got.Status) != 3 || !got.Status[0].Err || got.Status[0].Drops != 1 || got.Status[2].Drops != 3 {
		t.Fatalf("status %+v: want frame_err from the first bad token on and frame_drops counting 1, 2, 3", got.Status)
	}
	if _, err := sim.RunSequences(p, [][]int{{1 << p.Input.TokenBits}}, sim.Config{}); err == nil {
		t.Error("a token wider than the token input was accepted")
	}
	if _, err := sim.RunSequences(p, [][]int{{1}, {}}, sim.Config{}); err == nil {
		t.Error("an empty sequence was accepted")
	}
}
