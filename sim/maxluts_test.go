package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// TestMaxLUTsPlans: plans chosen by the LUT-bounded auto folding (a budget
// between the slowest and the fastest folding's estimate) on random conv
// and dense networks equal netlist.Eval frame by frame, one in three under
// stalls.
func TestMaxLUTsPlans(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 11))
	tested := 0
	for id := range 16 {
		n := randomConvNet(rng, id)
		if id%4 == 3 {
			var err error
			if n, err = netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 6, W: 6}, InputBits: 1,
				Hidden: []int{1 + rng.IntN(30)}, ActBits: []int{1 + rng.IntN(2)}, Classes: 2 + rng.IntN(8)}); err != nil {
				t.Fatal(err)
			}
		} else if netlist.Randomize(rng, n) != nil {
			continue
		}
		slow, err := hw.NewPlan(n, hw.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fast, err := hw.NewPlan(n, hw.Options{TargetCycles: 1})
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := min(slow.Estimate.LUT, fast.Estimate.LUT), max(slow.Estimate.LUT, fast.Estimate.LUT)
		p, err := hw.NewPlan(n, hw.Options{MaxLUTs: lo + rng.IntN(hi-lo+1)})
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		cfg := Config{Seed: rng.Uint64()}
		if id%3 == 1 {
			cfg.StallIn, cfg.StallOut = 0.3, 0.4
		}
		frames := 3
		checkAgainstEval(t, p, randomPixels(rng, p, frames), frames, cfg)
		tested++
	}
	if tested < 10 {
		t.Errorf("only %d of 16 networks tested", tested)
	}
}
