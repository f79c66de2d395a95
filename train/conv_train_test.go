package train

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// referenceDisagreements counts the images of set that the exported
// netlist, evaluated with netlist.Reference, and the inference function
// classify differently.
func referenceDisagreements(t testing.TB, inf *Inference, n *netlist.Network, set *dataset.Set) int {
	t.Helper()
	want, _ := inf.Predict(set.Pixels, set.N)
	bad := 0
	for i := 0; i < set.N; i++ {
		r, err := netlist.ReferenceResult(n, set.Image(i))
		if err != nil {
			t.Fatal(err)
		}
		if r.Class != want[i] {
			bad++
		}
	}
	return bad
}

// TestTrainLeNet is the CI-sized convolutional run: the small conv net
// (lenet, w1a1) on 5,000 MNIST images reaches at least 90% on 1,000 test
// images, and the exported netlist agrees with the inference function on
// every one (with the statistics recomputed, the default).
func TestTrainLeNet(t *testing.T) {
	full, test := loadMNIST(t)
	cfg, _ := DefaultConfig("lenet")
	cfg.Epochs, cfg.Batch, cfg.LR, cfg.LRFinal, cfg.Augment = 2, 50, 1e-2, 2e-3, 0
	tr, err := New(cfg, full.Slice(0, 5000), full.Slice(50000, 51000))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetBNStats(DefaultBNStats("lenet")); err != nil { // as qnn train --arch lenet
		t.Fatal(err)
	}
	start := time.Now()
	if err := tr.Run(context.Background(), Hooks{}); err != nil {
		t.Fatal(err)
	}
	best, val, _ := tr.Best()
	inf := best.Inference()
	sub := test.Slice(0, 1000)
	acc := Accuracy(inf, sub)
	t.Logf("%v: validation %.4f, test (1,000 images) %.4f", time.Since(start).Round(time.Millisecond), val, acc)
	if acc < 0.90 {
		t.Errorf("test accuracy %.4f < 0.90", acc)
	}
	n, err := inf.Export(cfg.Name(), configMeta(&cfg))
	if err != nil {
		t.Fatal(err)
	}
	if d := disagreements(t, inf, n, sub); d != 0 {
		t.Errorf("netlist.Eval and inference function disagree on %d of 1,000 images", d)
	}
	if d := referenceDisagreements(t, inf, n, sub.Slice(0, 50)); d != 0 {
		t.Errorf("netlist.Reference and inference function disagree on %d of 50 images", d)
	}
}

// TestTrainCNVSmoke is the CIFAR-10 smoke run: CNV-w1a1 for one epoch on
// 2,000 training images exports a netlist that agrees with the inference
// function on 500 test images (netlist.Eval) and on 5 (netlist.Reference),
// with recomputed batch-norm statistics.
func TestTrainCNVSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	full, err := dataset.Load(dataset.CIFAR10, "train", "")
	if errors.Is(err, dataset.ErrNotInstalled) {
		t.Skipf("CIFAR-10 not available: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(dataset.CIFAR10, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := DefaultConfig("cnv")
	cfg.Dataset, cfg.Epochs = dataset.CIFAR10, 1
	tr, err := New(cfg, full.Slice(0, 2000), full.Slice(45000, 45500))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetBNStats(500); err != nil { // recomputed statistics, on fewer images than the default
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), Hooks{}); err != nil {
		t.Fatal(err)
	}
	n, err := tr.ExportBest()
	if err != nil {
		t.Fatal(err)
	}
	best, val, _ := tr.Best()
	inf := best.Inference()
	sub := test.Slice(0, 500)
	t.Logf("validation %.4f (500 images), test %.4f (500 images)", val, Accuracy(inf, sub))
	if d := disagreements(t, inf, n, sub); d != 0 {
		t.Errorf("netlist.Eval and inference function disagree on %d of 500 images", d)
	}
	if d := referenceDisagreements(t, inf, n, sub.Slice(0, 5)); d != 0 {
		t.Errorf("netlist.Reference and inference function disagree on %d of 5 images", d)
	}
}
