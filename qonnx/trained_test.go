package qonnx

import (
	"context"
	"fmt"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/train"
)

// TestExportRoundTripTrained trains small TFC-shaped models (one epoch on
// 1,000 images) at every width combination package train supports
// (weights and activations 1, 2, 4 bits; binarized or 8-bit input) and
// requires export -> Execute == netlist.Eval and export -> import identity
// on 2,000 MNIST test images.
func TestExportRoundTripTrained(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 18 small models")
	}
	full, err := dataset.Load(dataset.MNIST, dataset.Train, "")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	trainSet, val, err := train.Split(full, 1000)
	if err != nil {
		t.Fatal(err)
	}
	val = val.Slice(0, 500)
	test := loadMNIST(t)
	for _, in := range []int{1, 8} {
		for _, wb := range []int{1, 2, 4} {
			for _, ab := range []int{1, 2, 4} {
				t.Run(fmt.Sprintf("in%d-w%d-a%d", in, wb, ab), func(t *testing.T) {
					cfg, err := train.DefaultConfig("tfc")
					if err != nil {
						t.Fatal(err)
					}
					cfg.Hidden, cfg.WBits, cfg.ABits, cfg.InputBits = []int{32, 32}, wb, ab, in
					cfg.Epochs, cfg.Limit, cfg.Threads = 1, 1000, 1
					tr, err := train.New(cfg, trainSet, val)
					if err != nil {
						t.Fatal(err)
					}
					if err := tr.Run(context.Background(), train.Hooks{}); err != nil {
						t.Fatal(err)
					}
					n, err := tr.ExportBest()
					if err != nil {
						t.Fatal(err)
					}
					roundTrip(t, n, test.Pixels[:2000*784], 2000)
				})
			}
		}
	}
}
