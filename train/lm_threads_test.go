package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestTrainLMThreadInvariant: the thread count (--threads) changes how the
// work is split, never a result. Training with 1 and with 3 threads gives
// the same best model, bit for bit, and the same history, for a float and
// a quantized LSTM with dropout, at sizes where every GEMM (the gates, the
// recurrence, the projection and their gradients) and every parallel loop
// is cut into several parts.
func TestTrainLMThreadInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	trainS, valid := patternStream(rng, 4000, 300), patternStream(rng, 600, 300)
	for _, wa := range [][2]int{{0, 0}, {3, 3}} {
		t.Run(fmt.Sprintf("w%da%d", wa[0], wa[1]), func(t *testing.T) {
			run := func(threads int) (*LM, []LMEpoch) {
				cfg := LMConfig{Vocab: 300, Dim: 40, Hidden: 70, WBits: wa[0], ABits: wa[1], SeqLen: 10, Batch: 12, Epochs: 2,
					LR: 1e-2, LRFinal: 1e-3, Clip: 1, Dropout: 0.3, Seed: 6, Threads: threads}
				m, hist, err := TrainLM(context.Background(), cfg, trainS, valid, LMOptions{EvalSeqLen: 100})
				if err != nil {
					t.Fatal(err)
				}
				return m, hist
			}
			m1, h1 := run(1)
			m3, h3 := run(3)
			if diff := cmp.Diff(h1, h3, cmpopts.IgnoreFields(LMEpoch{}, "Seconds")); diff != "" {
				t.Errorf("history (-1 thread +3 threads):\n%s", diff)
			}
			if diff := cmp.Diff(m1.params(), m3.params()); diff != "" {
				t.Errorf("the best model differs between 1 and 3 threads")
			}
		})
	}
}
