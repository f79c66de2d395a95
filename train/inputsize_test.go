package train

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// resized returns syntheticSet(n, seed) downsampled to size x size.
func resized(t *testing.T, n int, seed uint64, size int) *dataset.Set {
	t.Helper()
	s, err := syntheticSet(n, seed).Resize(size)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestInputSize: a run with InputSize 14 trains on 14x14 images, exports a
// 1x14x14 netlist (with its input size in the metadata) that classifies
// every image as the inference function does, and is deterministic.
func TestInputSize(t *testing.T) {
	cfg := smallConfig()
	cfg.InputSize = 14
	run := func() ([]byte, *Trainer) {
		tr, err := New(cfg, resized(t, 600, 1, 14), resized(t, 200, 2, 14))
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Run(context.Background(), Hooks{}); err != nil {
			t.Fatal(err)
		}
		n, err := tr.ExportBest()
		if err != nil {
			t.Fatal(err)
		}
		return netlist.Marshal(n), tr
	}
	a, tr := run()
	n, err := netlist.Unmarshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.InputLayer().Shape, (netlist.Shape{C: 1, H: 14, W: 14}); got != want {
		t.Fatalf("input shape %v, want %v", got, want)
	}
	if d := n.Layers[1].(*netlist.Dense); d.In != 196 {
		t.Errorf("first dense layer has %d inputs, want 196", d.In)
	}
	if n.Meta["input_size"] != "14" {
		t.Errorf("meta input_size = %q, want 14", n.Meta["input_size"])
	}
	best, _, _ := tr.Best()
	if d := disagreements(t, best.Inference(), n, resized(t, 300, 3, 14)); d != 0 {
		t.Errorf("netlist and inference function disagree on %d of 300 images", d)
	}
	if b, _ := run(); !bytes.Equal(a, b) {
		t.Error("two runs with the same seed exported different netlists")
	}
}

// TestInputSizeDefault: InputSize 0 keeps 28x28 and no input_size metadata.
func TestInputSizeDefault(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs = 1
	n, err := netlist.Unmarshal(trainedBytes(t, cfg, nil, Hooks{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.InputLayer().Shape; got != (netlist.Shape{C: 1, H: 28, W: 28}) {
		t.Errorf("input shape %v, want (1,28,28)", got)
	}
	if _, ok := n.Meta["input_size"]; ok {
		t.Error("a 28x28 model records input_size")
	}
}

func TestInputSizeErrors(t *testing.T) {
	cfg := smallConfig()
	cfg.InputSize = 13
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "input size 13 does not divide 28") {
		t.Errorf("Validate with input size 13: %v", err)
	}
	cfg.InputSize = 14
	_, err := New(cfg, syntheticSet(600, 1), syntheticSet(200, 2))
	if err == nil || !strings.Contains(err.Error(), "images are 28x28 but the configuration's input size is 14x14") {
		t.Errorf("New with 28x28 images for input size 14: %v", err)
	}
}
