package train

import (
	"context"
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

// patternStream is a stream over vocab words where the next word is a
// function of the previous two (so an LSTM can learn it and a unigram
// model cannot): w[t] = (w[t-1] + 2*w[t-2] + 1) mod vocab, with a random
// word 1 time in 20.
func patternStream(rng *rand.Rand, n, vocab int) []int32 {
	s := make([]int32, n)
	s[0], s[1] = 1, 2
	for t := 2; t < n; t++ {
		s[t] = int32((int(s[t-1]) + 2*int(s[t-2]) + 1) % vocab)
		if rng.IntN(20) == 0 {
			s[t] = int32(rng.IntN(vocab))
		}
	}
	return s
}

// TestTrainLMLearns trains small float and quantized LSTMs on a pattern
// stream: the validation perplexity must fall far below the vocabulary
// size (a model that learned nothing scores about 16), and the quantized
// export must reproduce the trainer's validation perplexity exactly.
func TestTrainLMLearns(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	trainS, valid := patternStream(rng, 20000, 16), patternStream(rng, 2000, 16)
	for _, wa := range [][2]int{{0, 0}, {4, 4}, {2, 2}} {
		t.Run(fmt.Sprintf("w%da%d", wa[0], wa[1]), func(t *testing.T) {
			cfg := LMConfig{Vocab: 16, Dim: 16, Hidden: 32, WBits: wa[0], ABits: wa[1], SeqLen: 20, Batch: 16, Epochs: 4,
				LR: 1e-2, LRFinal: 2e-3, Clip: 1, Seed: 1, Threads: 2}
			m, hist, err := TrainLM(context.Background(), cfg, trainS, valid, LMOptions{EvalSeqLen: 100})
			if err != nil {
				t.Fatal(err)
			}
			last := hist[len(hist)-1]
			t.Logf("validation perplexity per epoch: %v", ppls(hist))
			limit := map[int]float64{0: 2, 4: 2, 2: 3}[wa[0]]
			if best := minPPL(hist); best > limit {
				t.Fatalf("best validation perplexity %.2f, want <= %.1f (last epoch %.2f)", best, limit, last.ValidPPL)
			}
			if !cfg.Quantized() {
				if _, err := m.Export("x"); err == nil {
					t.Fatal("the float model exported")
				}
				return
			}
			n, err := m.Export("lm")
			if err != nil {
				t.Fatal(err)
			}
			f, err := netlist.NewFastSeq(n)
			if err != nil {
				t.Fatal(err)
			}
			ints := make([]int, len(valid))
			for i, x := range valid {
				ints[i] = int(x)
			}
			sum, count, err := netlist.StreamNLL(f, n.OutputLayer().LogitScale, ints, 100, 2)
			if err != nil {
				t.Fatal(err)
			}
			if got := math.Exp(sum / float64(count)); got != minPPL(hist) {
				t.Fatalf("netlist validation perplexity %v, trainer's best %v", got, minPPL(hist))
			}
		})
	}
}

func ppls(h []LMEpoch) []string {
	var s []string
	for _, e := range h {
		s = append(s, fmt.Sprintf("%.3f", e.ValidPPL))
	}
	return s
}

func minPPL(h []LMEpoch) float64 {
	m := math.Inf(1)
	for _, e := range h {
		m = min(m, e.ValidPPL)
	}
	return m
}
