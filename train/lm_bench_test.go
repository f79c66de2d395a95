package train

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLMStep is one training window of the PTB benchmark model
// (vocabulary 10,000, embedding and hidden 300, batch 20, BPTT 35):
// quantization, forward, loss, backward, clipping and Adam. An epoch of
// PTB's 929,589 training tokens is 1,327 windows.
func BenchmarkLMStep(b *testing.B) {
	for _, wa := range [][2]int{{0, 0}, {4, 4}} {
		b.Run(fmt.Sprintf("w%da%d", wa[0], wa[1]), func(b *testing.B) {
			cfg := DefaultLMConfig(wa[0], wa[1])
			m, err := NewLM(cfg)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			w := newLMWindow(&m.Cfg, cfg.SeqLen, cfg.Batch)
			for i := range w.tok {
				w.tok[i], w.tgt[i] = int32(rng.IntN(cfg.Vocab)), int32(rng.IntN(cfg.Vocab))
			}
			g := newLMGrads(m)
			opts := make([]*optimState, len(m.params()))
			for i, p := range m.params() {
				opts[i] = newOptimState(len(p))
			}
			th := lmThreads(&cfg)
			var q *lmQuant
			b.ResetTimer()
			for range b.N {
				q = newLMQuantInto(q, m, w.tok)
				m.forward(q, w, rng)
				softmaxLoss(w, cfg.Vocab, th)
				g.zero()
				m.backward(q, w, g)
				clipGrads(g, cfg.Clip)
				for k, p := range m.params() {
					opts[k].step("adam", p, g.list()[k], cfg.LR, false, th)
				}
				w.carry()
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1327, "s/epoch")
		})
	}
}
