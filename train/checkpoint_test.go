package train

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// syntheticSet returns n random images whose label is a simple function of
// the pixels, so that training makes progress.
func syntheticSet(n int, seed uint64) *dataset.Set {
	rng := rand.New(rand.NewPCG(seed, 99))
	s := &dataset.Set{Name: "mnist", Split: "train", N: n, C: 1, Rows: 28, Cols: 28,
		Pixels: make([]byte, n*784), Labels: make([]byte, n)}
	for i := 0; i < n; i++ {
		lab := rng.IntN(10)
		s.Labels[i] = byte(lab)
		for p := 0; p < 784; p++ {
			v := rng.IntN(256)
			if p%10 == lab && rng.IntN(3) > 0 {
				v = 255
			}
			s.Pixels[i*784+p] = byte(v)
		}
	}
	return s
}

func smallConfig() Config {
	cfg, _ := DefaultConfig("tfc")
	cfg.Arch, cfg.Hidden, cfg.Epochs, cfg.Batch = "custom", []int{48, 40}, 3, 50
	// Exercise every use of the random generator.
	cfg.Drop, cfg.DropIn, cfg.GBits, cfg.Augment = 0.1, 0.1, 6, 1
	return cfg
}

// smallConvConfig is smallConfig with convolutions (stride, padding, a
// pool) and flips.
func smallConvConfig() Config {
	cfg := smallConfig()
	cfg.Layers, cfg.Hidden, cfg.Flip = "c4k3s2p1,p2,c6,f24,f10", []int{24}, true
	return cfg
}

// configs are the small configurations the determinism and resume tests
// run.
func configs() map[string]Config {
	return map[string]Config{"mlp": smallConfig(), "conv": smallConvConfig()}
}

// trainedBytes trains cfg on synthetic data and returns the exported best
// model's netlist file.
func trainedBytes(t *testing.T, cfg Config, tr *Trainer, h Hooks) []byte {
	t.Helper()
	if tr == nil {
		var err error
		if tr, err = New(cfg, syntheticSet(600, 1), syntheticSet(200, 2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	best, _, _ := tr.Best()
	n, err := best.Inference().Export("m", configMeta(&cfg))
	if err != nil {
		t.Fatal(err)
	}
	return netlist.Marshal(n)
}

// TestDeterminism: the same seed gives a byte-identical model file, for
// any thread count.
func TestDeterminism(t *testing.T) {
	for name, cfg := range configs() {
		t.Run(name, func(t *testing.T) { testDeterminism(t, cfg) })
	}
}

func testDeterminism(t *testing.T, cfg Config) {
	cfg.Threads = 1
	a := trainedBytes(t, cfg, nil, Hooks{})
	b := trainedBytes(t, cfg, nil, Hooks{})
	cfg.Threads = 3
	c := trainedBytes(t, cfg, nil, Hooks{})
	if !bytes.Equal(a, b) {
		t.Errorf("two runs with the same seed differ")
	}
	if !bytes.Equal(a, c) {
		t.Errorf("runs with 1 and 3 threads differ")
	}
	cfg.Seed++
	if d := trainedBytes(t, cfg, nil, Hooks{}); bytes.Equal(a, d) {
		t.Errorf("different seeds gave the same model")
	}
}

// TestResume: a run interrupted mid-epoch (as Ctrl-C does), saved and
// resumed gives the same model as an uninterrupted run.
func TestResume(t *testing.T) {
	for name, cfg := range configs() {
		t.Run(name, func(t *testing.T) { testResume(t, cfg) })
	}
}

func testResume(t *testing.T, cfg Config) {
	want := trainedBytes(t, cfg, nil, Hooks{})

	ck := filepath.Join(t.TempDir(), "run.ckpt")
	train, val := syntheticSet(600, 1), syntheticSet(200, 2)
	tr, err := New(cfg, train, val)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := Hooks{Checkpoint: ck, Batch: func(p Progress) {
		if p.Epoch == 2 && p.Batch == 5 {
			cancel()
		}
	}}
	if err := tr.Run(ctx, h); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run returned %v, want ErrInterrupted", err)
	}
	got, err := CheckpointConfig(ck)
	if err != nil || got.Epochs != cfg.Epochs {
		t.Fatalf("CheckpointConfig: %+v, %v", got, err)
	}
	tr2, err := Resume(ck, train, val)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr2.History()) != 1 {
		t.Errorf("resumed history has %d epochs, want 1", len(tr2.History()))
	}
	if !bytes.Equal(want, trainedBytes(t, cfg, tr2, Hooks{Checkpoint: ck})) {
		t.Errorf("resumed run differs from the uninterrupted one")
	}
}

func TestResumeErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.ckpt")
	if err := netlist.WriteFileAtomic(bad, []byte("not a checkpoint")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.ckpt")} {
		if _, err := Resume(path, syntheticSet(100, 1), syntheticSet(10, 2)); err == nil {
			t.Errorf("Resume(%s) succeeded", path)
		}
	}
}
