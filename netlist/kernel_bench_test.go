package netlist

import (
	"fmt"
	"testing"
)

// BenchmarkKernelLFC measures every kernel available on this CPU on the
// LFC-sized network of BenchmarkEvalLFC (784-1024-1024-1024-10, all 1-bit),
// over 10,000 images on all cores and over single images on one worker
// (the batch-1 latency is ns/image there). Binary operations per image are 2
// per multiply-accumulate.
func BenchmarkKernelLFC(b *testing.B) {
	benchKernels(b, RandomConfig{
		Input: Shape{C: 1, H: 28, W: 28}, InputBits: 1,
		Hidden: []int{1024, 1024, 1024}, Classes: 10,
	}, 2, "binops")
}

// BenchmarkKernelSFCw2a2 is BenchmarkKernelLFC for the bit-plane path: an
// SFC-sized network with 8-bit pixels, 2-bit weights and activations; it
// reports multiply-accumulates.
func BenchmarkKernelSFCw2a2(b *testing.B) {
	benchKernels(b, RandomConfig{
		Input: Shape{C: 1, H: 28, W: 28}, InputBits: 8,
		Hidden: []int{256, 256, 256}, Classes: 10,
		WeightBits: []int{2, 2, 2, 2}, ActBits: []int{2, 2, 2},
	}, 1, "MACs")
}

func benchKernels(b *testing.B, cfg RandomConfig, opsPerMAC float64, unit string) {
	const images = 10000
	n, px, macs := benchNetwork(b, cfg, images)
	f0, err := NewFast(n)
	if err != nil {
		b.Fatal(err)
	}
	size := f0.InputSize()
	for _, name := range Kernels() {
		f, err := f0.WithKernel(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, bc := range []struct {
			count, workers int
		}{{images, 0}, {1, 1}} {
			b.Run(fmt.Sprintf("%s/images=%d", name, bc.count), func(b *testing.B) {
				for b.Loop() {
					res, err := f.Eval(px[:bc.count*size], bc.count, bc.workers)
					if err != nil {
						b.Fatal(err)
					}
					benchResults = res
				}
				rate := float64(b.N*bc.count) / b.Elapsed().Seconds()
				b.ReportMetric(rate, "images/s")
				b.ReportMetric(rate*opsPerMAC*macs/1e9, "G"+unit+"/s")
				b.ReportMetric(1e9/rate, "ns/image")
			})
		}
	}
}
