package train

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// convGolden is a small convolutional training run whose results are
// pinned in testdata/conv-golden-<name>.txt: the exported netlist's and the
// final checkpoint's SHA-256 and every epoch's statistics (but its wall
// time). Refactors of the trainer must leave them unchanged.
type convGolden struct {
	name string
	cfg  func() Config
	data func(t *testing.T) (train, val *dataset.Set)
}

func convGoldens() []convGolden {
	return []convGolden{
		{"lenet-w1a1", func() Config {
			cfg, _ := DefaultConfig("lenet")
			cfg.Layers, cfg.Hidden = "c8,p2,c16,p2,f32,f10", []int{32}
			return cfg
		}, mnistGoldenData},
		// Multi-bit weights and activations (zero padding), stride and
		// padding, every use of the random generator, the shift-based
		// optimizer and batch norm.
		{"lenet-w2a2-shift", func() Config {
			cfg, _ := DefaultConfig("lenet")
			cfg.Layers, cfg.Hidden = "c8k3s2p1,c16,p2,f32,f10", []int{32}
			cfg.WBits, cfg.ABits, cfg.Drop, cfg.DropIn, cfg.GBits = 2, 2, 0.1, 0.1, 6
			cfg.Optimizer, cfg.ShiftBN, cfg.Loss = "shift-adamax", true, "xent"
			return cfg
		}, mnistGoldenData},
		// CNV-like: 8-bit CIFAR-10 pixels, pad-and-crop by 4 and flips.
		{"cnv-tiny", func() Config {
			cfg, _ := DefaultConfig("cnv")
			cfg.Layers, cfg.Hidden = "c8,c8,p2,c16,c16,p2,c16,f32,f10", []int{32}
			cfg.Augment, cfg.Flip = 4, true // pinned: the cnv default was 4 when the golden was made
			return cfg
		}, cifarGoldenData},
	}
}

// config is the run's configuration: 2 epochs of batches of 50, seed 7.
func (g convGolden) config() Config {
	cfg := g.cfg()
	cfg.Arch, cfg.Epochs, cfg.Batch, cfg.Seed = "custom", 2, 50, 7
	return cfg
}

func mnistGoldenData(t *testing.T) (train, val *dataset.Set) {
	full, _ := loadMNIST(t)
	return full.Slice(0, 400), full.Slice(50000, 50200)
}

var cifarTest struct {
	once sync.Once
	set  *dataset.Set
	err  error
}

// cifarGoldenData is 400 training and 200 validation images of CIFAR-10's
// test split (one file, quicker to load than the training split).
func cifarGoldenData(t *testing.T) (train, val *dataset.Set) {
	cifarTest.once.Do(func() { cifarTest.set, cifarTest.err = dataset.Load(dataset.CIFAR10, "test", "") })
	if errors.Is(cifarTest.err, dataset.ErrNotInstalled) {
		t.Skipf("CIFAR-10 not available: %v", cifarTest.err)
	}
	if cifarTest.err != nil {
		t.Fatal(cifarTest.err)
	}
	return cifarTest.set.Slice(0, 400), cifarTest.set.Slice(5000, 5200)
}

// goldenSummary is a finished trainer's golden text. Wall times (the
// epochs' seconds and the time before the last resumption) are zeroed
// first, so that the checkpoint bytes depend on the seed only.
func goldenSummary(t *testing.T, tr *Trainer) string {
	t.Helper()
	for i := range tr.history {
		tr.history[i].Seconds = 0
	}
	tr.elapsed = 0
	n, err := tr.ExportBest()
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(t.TempDir(), "final.ckpt")
	if err := tr.SaveCheckpoint(ck); err != nil {
		t.Fatal(err)
	}
	ckb, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "netlist %x\ncheckpoint %x\n", sha256.Sum256(netlist.Marshal(n)), sha256.Sum256(ckb))
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, e := range tr.History() {
		fmt.Fprintf(&b, "epoch %d lr %s loss %s train_acc %s val_acc %s best %v\n",
			e.Epoch, g(e.LR), g(e.Loss), g(e.TrainAcc), g(e.ValAcc), e.Best)
	}
	return b.String()
}

// checkGolden compares got with testdata/name (rewritten with -update).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./train -run TestConvGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestConvGolden pins small convolutional training runs (see convGolden).
func TestConvGolden(t *testing.T) {
	for _, g := range convGoldens() {
		t.Run(g.name, func(t *testing.T) {
			train, val := g.data(t)
			tr, err := New(g.config(), train, val)
			if err != nil {
				t.Fatal(err)
			}
			h := Hooks{}
			if *update && g.name == "cnv-tiny" {
				h = resumeGoldenHooks(t, train, val, g.config())
			}
			if err := tr.Run(context.Background(), h); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "conv-golden-"+g.name+".txt", goldenSummary(t, tr))
		})
	}
}

// resumeCheckpoints are checkpoints of the cnv-tiny run written by the
// trainer before its layers became one interface (commit them once, never
// rewrite them): after epoch 1, and interrupted in epoch 2 after batch 3.
var resumeCheckpoints = []string{"cnv-tiny-epoch1.ckpt", "cnv-tiny-epoch2-batch3.ckpt"}

// resumeGoldenHooks (with -update only) writes the resumeCheckpoints of a
// separate, interrupted run of cfg, and returns no hooks for the
// uninterrupted run.
func resumeGoldenHooks(t *testing.T, train, val *dataset.Set, cfg Config) Hooks {
	ck := filepath.Join(t.TempDir(), "run.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	copyTo := func(name string) {
		b, err := os.ReadFile(ck)
		if err == nil {
			err = os.WriteFile(filepath.Join("testdata", name), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	h := Hooks{Checkpoint: ck,
		Epoch: func(e EpochStats) { copyTo(resumeCheckpoints[0]) },
		Batch: func(p Progress) {
			if p.Epoch == 2 && p.Batch == 3 {
				cancel()
			}
		}}
	tr, err := New(cfg, train, val)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(ctx, h); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run returned %v, want ErrInterrupted", err)
	}
	copyTo(resumeCheckpoints[1])
	return Hooks{}
}

// TestResumeGoldenCheckpoint: checkpoints written by the earlier trainer
// (testdata) resume to exactly the uninterrupted run's golden netlist,
// checkpoint and statistics.
func TestResumeGoldenCheckpoint(t *testing.T) {
	g := convGoldens()[2]
	train, val := g.data(t)
	for _, name := range resumeCheckpoints {
		t.Run(name, func(t *testing.T) {
			tr, err := Resume(filepath.Join("testdata", name), train, val)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Run(context.Background(), Hooks{}); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "conv-golden-"+g.name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			if got := goldenSummary(t, tr); got != string(want) {
				t.Errorf("resumed from %s:\ngot:\n%s\nwant:\n%s", name, got, want)
			}
		})
	}
}
