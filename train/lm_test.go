package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

func tinyLMConfig(wbits, abits int) LMConfig {
	return LMConfig{Vocab: 7, Dim: 3, Hidden: 4, WBits: wbits, ABits: abits, SeqLen: 3, Batch: 2, Epochs: 1,
		LR: 1e-3, LRFinal: 1e-3, Seed: 3, Threads: 1}
}

// lmWindowLoss fills a window with fixed tokens and returns the mean
// cross-entropy of the model on it (and leaves dL/dlogits in the window).
func lmWindowLoss(m *LM, w *lmWindow, toks []int32) float64 {
	n := w.T * w.B
	copy(w.tok, toks[:n])
	copy(w.tgt, toks[w.B:w.B+n])
	w.resetState()
	for i := range w.h0 {
		w.h0[i] = float32(i%3) * 0.3
		w.c0[i] = float32(i%5)*0.2 - 0.4
	}
	q := newLMQuant(m)
	m.forward(q, w, nil)
	return softmaxLoss(w, m.Cfg.Vocab, 1) / float64(n)
}

// TestLMGradient checks the float LSTM's backpropagation through time
// against central finite differences of the loss, for every parameter
// tensor (embedding, gate weights and biases, output weights and biases)
// and a carried-in state.
func TestLMGradient(t *testing.T) {
	cfg := tinyLMConfig(0, 0)
	m, err := NewLM(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range m.params() {
		for i := range p {
			p[i] = float32(rng.NormFloat64() * 0.5)
		}
	}
	toks := make([]int32, (cfg.SeqLen+1)*cfg.Batch)
	for i := range toks {
		toks[i] = int32(rng.IntN(cfg.Vocab))
	}
	w := newLMWindow(&m.Cfg, cfg.SeqLen, cfg.Batch)
	lmWindowLoss(m, w, toks)
	g := newLMGrads(m)
	m.backward(newLMQuant(m), w, g)
	names := []string{"emb", "W", "B", "Wo", "Bo"}
	for pi, p := range m.params() {
		ga := g.list()[pi]
		worst := 0.0
		for i := range p {
			old := p[i]
			const eps = 1e-2
			p[i] = old + eps
			lp := lmWindowLoss(m, w, toks)
			p[i] = old - eps
			lm := lmWindowLoss(m, w, toks)
			p[i] = old
			num := (lp - lm) / (2 * eps)
			d := math.Abs(num-float64(ga[i])) / math.Max(1e-2, math.Abs(num)+math.Abs(float64(ga[i])))
			worst = max(worst, d)
			if d > 0.05 {
				t.Errorf("%s[%d]: backprop %.6g, finite difference %.6g", names[pi], i, ga[i], num)
			}
		}
		t.Logf("%s: worst relative difference %.2g over %d values", names[pi], worst, len(p))
	}
}

// TestLMExportExact is the export's property test: for random quantized
// LSTMs of every width pairing, the netlist's integer scores (FastSeq and
// ReferenceSequence) equal the trainer's quantized forward at every token
// of a stream cut into sequences, and the perplexities are bit-identical.
func TestLMExportExact(t *testing.T) {
	for _, wa := range [][2]int{{2, 2}, {3, 3}, {4, 4}, {8, 8}, {4, 2}, {2, 4}} {
		t.Run(fmt.Sprintf("w%da%d", wa[0], wa[1]), func(t *testing.T) {
			cfg := tinyLMConfig(wa[0], wa[1])
			cfg.Vocab, cfg.Dim, cfg.Hidden, cfg.Batch = 11, 5, 7, 3
			m, err := NewLM(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(wa[0]), uint64(wa[1])))
			for _, p := range m.params() {
				for i := range p {
					p[i] = float32(rng.NormFloat64())
				}
			}
			n, err := m.Export("lm")
			if err != nil {
				t.Fatal(err)
			}
			stream := make([]int32, 200)
			ints := make([]int, len(stream))
			for i := range stream {
				stream[i] = int32(rng.IntN(cfg.Vocab))
				ints[i] = int(stream[i])
			}
			const seqLen = 45 // sequences longer than an evaluation chunk
			f, err := netlist.NewFastSeq(n)
			if err != nil {
				t.Fatal(err)
			}
			var diffs, distinct int
			seen := map[int64]bool{}
			m.lmVisit(stream, seqLen, func(p int, scores []float32) {
				s0 := p / seqLen * seqLen
				tr, err := netlist.ReferenceSequence(n, ints[s0:p+1])
				if err != nil {
					t.Fatal(err)
				}
				want := tr.Scores()[p-s0]
				for v, x := range scores {
					if int64(x) != want[v] {
						diffs++
					}
					if !seen[want[v]] {
						seen[want[v]] = true
						distinct++
					}
				}
			})
			if diffs != 0 {
				t.Fatalf("%d scores differ between the trainer's quantized forward and the netlist", diffs)
			}
			if distinct < 10 {
				t.Fatalf("only %d distinct scores: the random model is degenerate", distinct)
			}
			sum, count := m.StreamNLL(stream, seqLen)
			nsum, ncount, err := netlist.StreamNLL(f, n.OutputLayer().LogitScale, ints, seqLen, 2)
			if err != nil {
				t.Fatal(err)
			}
			if sum != nsum || count != ncount {
				t.Fatalf("trainer NLL %v over %d tokens, netlist %v over %d", sum, count, nsum, ncount)
			}
		})
	}
}
