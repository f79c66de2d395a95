package train

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestMLPGolden pins MLP training: a tiny MLP trained for one epoch with a
// fixed seed on 400 MNIST images exports exactly the netlist (its SHA-256)
// recorded in testdata/. Refactors of the trainer must leave it unchanged.
func TestMLPGolden(t *testing.T) {
	full, _ := loadMNIST(t)
	for _, tt := range []struct {
		name         string
		wbits, abits int
		inputBits    int
		drop         float64
		augment      int
	}{
		{"w1a1", 1, 1, 1, 0, 0},
		{"w2a2-in8-drop-aug", 2, 2, 8, 0.1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := DefaultConfig("tfc")
			cfg.Hidden = []int{48, 32}
			cfg.Epochs, cfg.Batch, cfg.Seed = 1, 50, 7
			cfg.WBits, cfg.ABits, cfg.InputBits = tt.wbits, tt.abits, tt.inputBits
			cfg.Drop, cfg.Augment = tt.drop, tt.augment
			tr, err := New(cfg, full.Slice(0, 400), full.Slice(50000, 50200))
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
			got := fmt.Sprintf("%x\n", sha256.Sum256(netlist.Marshal(n)))
			path := filepath.Join("testdata", "mlp-golden-"+tt.name+".sha256")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./train -run TestMLPGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("exported netlist hash %s, golden %s", got, want)
			}
		})
	}
}
