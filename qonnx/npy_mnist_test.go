package qonnx

import (
	"path/filepath"
	"testing"
)

// TestFINNInputIsMNIST: FINN's input.npy holds the first four MNIST test
// images, so `qnn eval/sim/cosim --limit 4` on the imported model see
// exactly the example's inputs.
func TestFINNInputIsMNIST(t *testing.T) {
	x, err := LoadNpy(filepath.Join(fixtureDir(t), "finn-tfc-w1a1", "input.npy"))
	if err != nil {
		t.Fatal(err)
	}
	set := loadMNIST(t)
	for i, v := range x.Data {
		if p := float64(set.Pixels[i]); p != v {
			t.Fatalf("element %d: input.npy %v, MNIST test image %d pixel %v", i, v, i/784, p)
		}
	}
}
