package netlist

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomLSTMCases are the shapes of the random sequence models the
// property tests use: sizes that are not multiples of 64, 1..8-bit
// entries, weights and activations, one or two layers.
var randomLSTMCases = []RandomLSTMConfig{
	{Vocab: 7, Dim: 5, EmbedBits: 1, Hidden: []int{3}, WeightBits: 1, ActBits: 2, OutWeightBits: 1},
	{Vocab: 11, Dim: 13, EmbedBits: 2, Hidden: []int{17}, WeightBits: 2, ActBits: 2, OutWeightBits: 2},
	{Vocab: 30, Dim: 70, EmbedBits: 4, Hidden: []int{65}, WeightBits: 4, ActBits: 4, OutWeightBits: 4},
	{Vocab: 9, Dim: 8, EmbedBits: 3, Hidden: []int{10, 6}, WeightBits: 3, ActBits: 3, OutWeightBits: 1},
	{Vocab: 5, Dim: 129, EmbedBits: 8, Hidden: []int{40}, WeightBits: 8, ActBits: 8, OutWeightBits: 8},
	{Vocab: 12, Dim: 20, EmbedBits: 1, Hidden: []int{130}, WeightBits: 1, ActBits: 4, OutWeightBits: 2},
}

func (c RandomLSTMConfig) String() string {
	return fmt.Sprintf("v%d-d%d-e%d-h%v-w%d-a%d", c.Vocab, c.Dim, c.EmbedBits, c.Hidden, c.WeightBits, c.ActBits)
}

func randomTokens(rng *rand.Rand, n, vocab int) []int {
	t := make([]int, n)
	for i := range t {
		t[i] = rng.IntN(vocab)
	}
	return t
}

func TestRandomLSTMValid(t *testing.T) {
	for i, cfg := range randomLSTMCases {
		t.Run(cfg.String(), func(t *testing.T) {
			n, err := RandomLSTM(rand.New(rand.NewPCG(uint64(i), 1)), cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Round trip through the file form.
			data := Marshal(n)
			m, err := Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(m); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(Marshal(m), data) {
				t.Fatal("Marshal(Unmarshal(Marshal(n))) differs from Marshal(n)")
			}
			tr, err := ReferenceSequence(n, randomTokens(rand.New(rand.NewPCG(9, 9)), 20, cfg.Vocab))
			if err != nil {
				t.Fatal(err)
			}
			tr2, err := ReferenceSequence(m, randomTokens(rand.New(rand.NewPCG(9, 9)), 20, cfg.Vocab))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tr, tr2); diff != "" {
				t.Fatalf("decoded network evaluates differently (-orig +decoded):\n%s", diff)
			}
		})
	}
}

// TestFastSeqEqualsReference is the property test of the sequence
// evaluators: on random sequence models, FastSeq equals ReferenceSequence
// on every layer's output and every LSTM state at every token, for several
// sequence lengths (each starting from the reset state), and Visit over
// sequences of different lengths in blocks gives every sequence's scores
// exactly, with one worker or several.
func TestFastSeqEqualsReference(t *testing.T) {
	var cov lstmCoverage
	defer cov.check(t)
	for i, cfg := range randomLSTMCases {
		t.Run(cfg.String(), func(t *testing.T) {
			n, err := RandomLSTM(rand.New(rand.NewPCG(uint64(i), 2)), cfg)
			if err != nil {
				t.Fatal(err)
			}
			f, err := NewFastSeq(n)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(i), 3))
			var seqs [][]int
			var want [][][]int64
			for _, T := range []int{1, 2, 7, 35, 3, 40} {
				toks := randomTokens(rng, T, cfg.Vocab)
				ref, err := ReferenceSequence(n, toks)
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.Trace(toks)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(ref, got); diff != "" {
					t.Fatalf("length %d: FastSeq.Trace differs from ReferenceSequence (-ref +fast):\n%s", T, diff)
				}
				seqs, want = append(seqs, toks), append(want, ref.Scores())
				cov.add(n, ref)
			}
			// More sequences than one block, of different lengths.
			for len(seqs) < 2*fastMaxBlock+5 {
				toks := randomTokens(rng, 1+rng.IntN(12), cfg.Vocab)
				ref, err := ReferenceSequence(n, toks)
				if err != nil {
					t.Fatal(err)
				}
				seqs, want = append(seqs, toks), append(want, ref.Scores())
			}
			for _, workers := range []int{1, 3} {
				got, err := f.Eval(seqs, workers)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("workers %d: FastSeq.Eval differs from ReferenceSequence (-ref +fast):\n%s", workers, diff)
				}
			}
		})
	}
}

// lstmCoverage checks that the random models exercise the LSTM: hidden
// states and cells that vary, and cells that saturate.
type lstmCoverage struct {
	hidden, cells map[int64]bool
	saturated     int
}

func (c *lstmCoverage) add(n *Network, tr *Trace) {
	if c.hidden == nil {
		c.hidden, c.cells = map[int64]bool{}, map[int64]bool{}
	}
	for _, states := range tr.States {
		for li, st := range states {
			l, ok := n.Layers[li].(*LSTM)
			if !ok {
				continue
			}
			lo, hi := signedRange(l.CellBits)
			for j, v := range st {
				if j < l.Hidden {
					c.hidden[v] = true
					continue
				}
				c.cells[v] = true
				if v == lo || v == hi {
					c.saturated++
				}
			}
		}
	}
}

func (c *lstmCoverage) check(t *testing.T) {
	if len(c.hidden) < 8 || len(c.cells) < 50 || c.saturated == 0 {
		t.Errorf("random LSTMs exercise too little: %d distinct hidden values, %d distinct cell values, %d saturated cells",
			len(c.hidden), len(c.cells), c.saturated)
	}
	t.Logf("coverage: %d distinct hidden values, %d distinct cell values, %d saturated cells", len(c.hidden), len(c.cells), c.saturated)
}
