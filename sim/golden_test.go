package sim

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/sim")

// TestTraceGolden pins the output handshake trace (cycle and tdata) of a
// padded TFC design under a seeded stall schedule: a change of one cycle
// anywhere shows as a diff. The RTL co-simulation must produce the same.
func TestTraceGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  hw.Options
		cfg  Config
	}{
		{"tfc-padded-stall", hw.Options{Folds: []hw.Fold{{PE: 7, SIMD: 50}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 4, SIMD: 16}}, InPix: 13},
			Config{StallIn: 0.3, StallOut: 0.4, Seed: 1}},
		{"tfc-target64", hw.Options{TargetCycles: 64}, Config{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := hw.NewPlan(loadTFC(t), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			const frames = 12
			px := randomPixels(rand.New(rand.NewPCG(12, 12)), p, frames)
			r := checkAgainstEval(t, p, px, frames, tc.cfg)
			var b strings.Builder
			fmt.Fprintf(&b, "# %s, %d random frames (PCG 12,12), stall in %g out %g seed %d\n", tc.name, frames, tc.cfg.StallIn, tc.cfg.StallOut, tc.cfg.Seed)
			fmt.Fprintf(&b, "# first latency %d, cycles %d; per layer busy/stall-in/stall-out:", r.FirstLatency, r.Cycles)
			for _, l := range r.Layers {
				fmt.Fprintf(&b, " %s %d/%d/%d", l.Name, l.Busy, l.StallIn, l.StallOut)
			}
			b.WriteString("\n")
			for _, bt := range r.Beats {
				fmt.Fprintf(&b, "%d %s\n", bt.Cycle, bt.TData)
			}
			path := filepath.Join("..", "testdata", "sim", "trace-"+tc.name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./sim -update)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("trace mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
