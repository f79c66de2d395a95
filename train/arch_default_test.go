package train

import "testing"

// TestConvArchDefaults pins the measured schedules of the named
// convolutional architectures (docs/training-results.md): a change to one
// changes what `qnn train --arch X` reproduces.
func TestConvArchDefaults(t *testing.T) {
	for _, c := range []struct {
		arch            string
		dataset         string
		inputBits       int
		epochs, augment int
		lr, lrFinal     float64
		flip            bool
		bnStats         int
	}{
		{"lenet", "mnist", 1, 20, 1, 1e-2, 1e-5, false, 10000},
		{"cnv28", "mnist", 8, 20, 0, 2e-2, 1e-4, false, 0},
		{"cnv", "cifar10", 8, 64, 0, 5e-3, 5e-6, true, 10000},
	} {
		cfg, err := DefaultConfig(c.arch)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Dataset != c.dataset || cfg.InputBits != c.inputBits || cfg.Epochs != c.epochs || cfg.Augment != c.augment ||
			cfg.LR != c.lr || cfg.LRFinal != c.lrFinal || cfg.Flip != c.flip || cfg.WBits != 1 || cfg.ABits != 1 {
			t.Errorf("%s: %+v", c.arch, cfg)
		}
		if got := DefaultBNStats(c.arch); got != c.bnStats {
			t.Errorf("DefaultBNStats(%s) = %d, want %d", c.arch, got, c.bnStats)
		}
	}
	if got := DefaultBNStats("custom"); got != 0 {
		t.Errorf("DefaultBNStats(custom) = %d, want 0", got)
	}
}
