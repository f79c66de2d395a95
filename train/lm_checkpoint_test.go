package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestResumeLM: a run stopped after epoch 1 or 2 (its checkpoint copied
// then) and resumed with ResumeLM ends with the same best model, bit for
// bit, and the same history (times aside) as the uninterrupted run, for a
// float and a quantized LSTM with dropout.
func TestResumeLM(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	trainS, valid := patternStream(rng, 3000, 11), patternStream(rng, 400, 11)
	for _, wa := range [][2]int{{0, 0}, {3, 3}} {
		t.Run(fmt.Sprintf("w%da%d", wa[0], wa[1]), func(t *testing.T) {
			cfg := LMConfig{Vocab: 11, Dim: 6, Hidden: 7, WBits: wa[0], ABits: wa[1], SeqLen: 9, Batch: 4, Epochs: 3,
				LR: 1e-2, LRFinal: 1e-3, Clip: 1, Dropout: 0.3, Seed: 4, Threads: 1}
			dir := t.TempDir()
			ckpt := filepath.Join(dir, "lm.ckpt")
			copies := map[int]string{}
			opt := LMOptions{EvalSeqLen: 50, Checkpoint: ckpt, Epoch: func(e LMEpoch, _ bool) {
				data, err := os.ReadFile(ckpt)
				if err != nil {
					t.Fatal(err)
				}
				copies[e.Epoch] = filepath.Join(dir, fmt.Sprintf("after%d.ckpt", e.Epoch))
				if err := os.WriteFile(copies[e.Epoch], data, 0o644); err != nil {
					t.Fatal(err)
				}
			}}
			want, wantHist, err := TrainLM(context.Background(), cfg, trainS, valid, opt)
			if err != nil {
				t.Fatal(err)
			}
			noTime := cmpopts.IgnoreFields(LMEpoch{}, "Seconds")
			for _, after := range []int{1, 2} {
				got, hist, err := ResumeLM(context.Background(), copies[after], trainS, valid, LMOptions{EvalSeqLen: 50})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(wantHist, hist, noTime); diff != "" {
					t.Errorf("resumed after epoch %d: history (-uninterrupted +resumed):\n%s", after, diff)
				}
				if diff := cmp.Diff(want.params(), got.params()); diff != "" {
					t.Errorf("resumed after epoch %d: best model differs", after)
				}
			}
			if c, err := LMCheckpointConfig(copies[1]); err != nil || c != cfg {
				t.Errorf("LMCheckpointConfig = %+v, %v; want %+v", c, err, cfg)
			}
		})
	}
}

// TestResumeLMErrors: a file that is not an LSTM checkpoint, or a
// truncated one, is refused in one line naming the file.
func TestResumeLMErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.ckpt")
	if err := os.WriteFile(junk, []byte("not a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	s := patternStream(rng, 500, 7)
	ckpt := filepath.Join(dir, "lm.ckpt")
	cfg := tinyLMConfig(2, 2)
	if _, _, err := TrainLM(context.Background(), cfg, s, s, LMOptions{EvalSeqLen: 50, Checkpoint: ckpt}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.ckpt")
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{junk, cut, filepath.Join(dir, "missing.ckpt"), dir} {
		_, _, err := ResumeLM(context.Background(), p, s, s, LMOptions{})
		if err == nil || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line naming the file", p, err)
		}
	}
}
