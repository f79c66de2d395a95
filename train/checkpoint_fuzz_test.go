package train

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
)

// fuzzSet is n random 28x28 images with random labels.
func fuzzSet(n int, seed uint64) *dataset.Set {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := &dataset.Set{Name: "mnist", Split: "train", N: n, C: 1, Rows: 28, Cols: 28, Pixels: make([]byte, n*784), Labels: make([]byte, n)}
	for i := range s.Pixels {
		s.Pixels[i] = byte(rng.IntN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = byte(rng.IntN(10))
	}
	return s
}

// fuzzCheckpoint trains a tiny network for epochs and returns its
// checkpoint file's bytes.
func fuzzCheckpoint(f *testing.F, epochs int, trainSet, val *dataset.Set) []byte {
	cfg, err := DefaultConfig("tfc")
	if err != nil {
		f.Fatal(err)
	}
	cfg.Arch, cfg.Hidden, cfg.Epochs, cfg.Batch = "custom", []int{8}, 3, 10
	tr, err := New(cfg, trainSet, val)
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "c.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	done := 0
	err = tr.Run(ctx, Hooks{Checkpoint: path, Epoch: func(EpochStats) {
		if done++; done == epochs {
			cancel()
		}
	}})
	if err != nil && epochs >= cfg.Epochs {
		f.Fatal(err)
	}
	if err := tr.SaveCheckpoint(path); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// FuzzCheckpoint feeds arbitrary checkpoint files to CheckpointConfig and
// Resume: errors, never a panic; a trainer that resumes exports a valid
// netlist and predicts.
func FuzzCheckpoint(f *testing.F) {
	trainSet, val := fuzzSet(40, 1), fuzzSet(10, 2)
	for _, epochs := range []int{1, 3} {
		data := fuzzCheckpoint(f, epochs, trainSet, val)
		f.Add(data)
		f.Add(data[:len(data)/2])
		f.Add(bytes.Replace(data, []byte(checkpointFormat), []byte("qnn-train-checkpoinX"), 1))
	}
	f.Add([]byte{})
	f.Add([]byte("not a checkpoint"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "c.ckpt")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := CheckpointConfig(path); err != nil {
			return
		}
		tr, err := Resume(path, trainSet, val)
		if err != nil {
			return
		}
		if best, _, _ := tr.Best(); best != nil {
			if _, err := tr.ExportBest(); err != nil {
				return
			}
			best.Inference().Predict(val.Pixels, 2)
		}
	})
}
