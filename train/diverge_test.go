package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDivergedStops: NaN weights stop training with ErrDiverged, and the
// checkpoint on disk stays the last good one.
func TestDivergedStops(t *testing.T) {
	cfg := smallConfig()
	tr, err := New(cfg, syntheticSet(600, 1), syntheticSet(200, 2))
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(t.TempDir(), "c.ckpt")
	h := Hooks{Checkpoint: ckpt}
	if err := tr.runEpoch(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	tr.model.Layers[0].Beta[3] = float32(math.NaN())
	err = tr.Run(context.Background(), h)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("got %v, want ErrDiverged", err)
	}
	if after, _ := os.ReadFile(ckpt); string(after) != string(good) {
		t.Error("the diverged state replaced the last good checkpoint")
	}
	if _, err := Resume(ckpt, syntheticSet(600, 1), syntheticSet(200, 2)); err != nil {
		t.Errorf("the kept checkpoint does not resume: %v", err)
	}
}

func TestLearningRateBounds(t *testing.T) {
	for _, lr := range []float64{math.Inf(1), math.NaN(), 1e300, 0, -1} {
		cfg := smallConfig()
		cfg.LR = lr
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "learning rates") {
			t.Errorf("lr %g: got %v", lr, err)
		}
	}
}

// TestCheckpointBounded: devices are refused before any read.
func TestCheckpointBounded(t *testing.T) {
	for _, p := range []string{"/dev/zero", "/dev/urandom"} {
		if _, err := CheckpointConfig(p); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: got %v", p, err)
		}
	}
}

// TestDivergedConvStatistic: a NaN running statistic of a convolution
// (which the training loss, on batch statistics, does not see) stops
// training at the end of the epoch, naming the convolution.
func TestDivergedConvStatistic(t *testing.T) {
	cfg := smallConvConfig()
	cfg.Epochs = 1
	tr, err := New(cfg, syntheticSet(200, 1), syntheticSet(50, 2))
	if err != nil {
		t.Fatal(err)
	}
	tr.model.Convs[1].L.Mean[2] = math.NaN()
	err = tr.Run(context.Background(), Hooks{})
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "convolution 1 has a batch-norm statistic NaN") {
		t.Fatalf("got %v, want ErrDiverged naming convolution 1", err)
	}
}
