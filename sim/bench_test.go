package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// benchResult keeps benchmark results alive.
var benchResult *Result

// benchDesign builds an SFC- or LFC-shaped w1a1 random network (fixed
// seed) with a FINN-like folding: LFC is BNN-PYNQ's (SIMD, PE) = (64, 32),
// (32, 64), (64, 32), (8, 16), 512 cycles per frame with 784 padded to 832.
func benchDesign(b *testing.B, name string) *hw.Plan {
	b.Helper()
	hidden, folds := []int{256, 256, 256}, []hw.Fold{{PE: 16, SIMD: 49}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 4, SIMD: 4}}
	if name == "lfc" {
		hidden, folds = []int{1024, 1024, 1024}, []hw.Fold{{PE: 32, SIMD: 64}, {PE: 64, SIMD: 32}, {PE: 32, SIMD: 64}, {PE: 16, SIMD: 8}}
	}
	rng := rand.New(rand.NewPCG(2016, 1))
	n, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 28, W: 28}, InputBits: 1, Hidden: hidden, Classes: 10})
	if err != nil {
		b.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: folds})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkSim reports simulated cycles per second of wall time (the
// design's setup, weight packing included, amortized over 1000 frames).
func BenchmarkSim(b *testing.B) {
	for _, name := range []string{"sfc", "lfc"} {
		b.Run("design="+name, func(b *testing.B) {
			p := benchDesign(b, name)
			const frames = 1000
			px := randomPixels(rand.New(rand.NewPCG(1, 1)), p, frames)
			var cycles int64
			start := time.Now()
			for b.Loop() {
				r, err := Run(p, px, frames, Config{})
				if err != nil {
					b.Fatal(err)
				}
				cycles += r.Cycles
				benchResult = r
			}
			b.ReportMetric(float64(cycles)/time.Since(start).Seconds(), "cycles/s")
			setup := time.Now()
			newDesign(p, designOptions{}) // ROM packing, part of every Run
			b.ReportMetric(float64(time.Since(setup).Microseconds())/1000, "setup-ms")
			b.ReportMetric(float64(p.CyclesPerFrame), "cycles/frame")
		})
	}
}
