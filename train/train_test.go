package train

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

var mnist struct {
	once        sync.Once
	train, test *dataset.Set
	err         error
}

// loadMNIST returns the MNIST training and test sets, or skips the test if
// they are not installed.
func loadMNIST(t testing.TB) (train, test *dataset.Set) {
	t.Helper()
	mnist.once.Do(func() {
		mnist.train, mnist.err = dataset.Load("mnist", "train", "")
		if mnist.err == nil {
			mnist.test, mnist.err = dataset.Load("mnist", "test", "")
		}
	})
	if errors.Is(mnist.err, dataset.ErrNotInstalled) {
		t.Skipf("MNIST not installed: %v", mnist.err)
	}
	if mnist.err != nil {
		t.Fatal(mnist.err)
	}
	return mnist.train, mnist.test
}

// disagreements counts the images that the netlist and the inference
// function classify differently.
func disagreements(t testing.TB, inf *Inference, n *netlist.Network, set *dataset.Set) int {
	t.Helper()
	want, _ := inf.Predict(set.Pixels, set.N)
	res, err := netlist.Eval(n, set.Pixels, set.N)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i, r := range res {
		if r.Class != want[i] {
			bad++
		}
	}
	return bad
}

// TestTrainTFC is the CI-sized training run: TFC-w1a1 on 5,000 MNIST
// images for 3 epochs reaches at least 85% on 1,000 test images, and the
// exported netlist agrees with the inference function on every one.
func TestTrainTFC(t *testing.T) {
	full, test := loadMNIST(t)
	cfg, _ := DefaultConfig("tfc")
	cfg.Epochs, cfg.Batch, cfg.LR, cfg.LRFinal = 3, 50, 2e-2, 2e-3
	if s := os.Getenv("QNN_TEST_SEED"); s != "" {
		cfg.Seed, _ = strconv.ParseUint(s, 10, 64)
	}
	tr, err := New(cfg, full.Slice(0, 5000), full.Slice(50000, 60000))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), Hooks{}); err != nil {
		t.Fatal(err)
	}
	best, val, _ := tr.Best()
	inf := best.Inference()
	sub := test.Slice(0, 1000)
	acc := Accuracy(inf, sub)
	t.Logf("validation %.4f, test (1,000 images) %.4f", val, acc)
	if acc < 0.85 {
		t.Errorf("test accuracy %.4f < 0.85", acc)
	}
	n, err := inf.Export(cfg.Name(), configMeta(&cfg))
	if err != nil {
		t.Fatal(err)
	}
	if d := disagreements(t, inf, n, sub); d != 0 {
		t.Errorf("netlist and inference function disagree on %d of 1,000 images", d)
	}
}
