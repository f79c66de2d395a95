package netlist

import (
	"fmt"
	"math/rand/v2"
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

// BenchmarkKernelConv8 measures CNV's first layer (32x32x3 8-bit pixels,
// 3x3 convolution to 64 channels, 1-bit weights and activations, then a
// 10-way dense layer) with every kernel, on the byte path (conv8) and on
// the bit-plane path it replaced (planes), over 1,000 images on one worker.
// It reports the convolution's multiply-accumulates (1.56 M per image).
func BenchmarkKernelConv8(b *testing.B) {
	const images = 1000
	n := &Network{Name: "cnv-conv0", Layers: []Layer{
		&Input{Name: "input", Shape: Shape{C: 3, H: 32, W: 32}, Bits: 8},
		&Conv2D{Name: "conv0", OutC: 64, KH: 3, KW: 3, Stride: 1, WeightBits: 1},
		&Threshold{Name: "act0", Bits: 1},
		&Dense{Name: "fc", Out: 10, WeightBits: 1}, &Output{Name: "scores"},
	}}
	rng := rand.New(rand.NewPCG(2016, 3))
	if err := Randomize(rng, n); err != nil {
		b.Fatal(err)
	}
	px := make([]byte, images*3072)
	for i := range px {
		px[i] = byte(rng.UintN(256))
	}
	const macs = 30 * 30 * 64 * 27
	f0, err := NewFast(n)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range Kernels() {
		f, err := f0.WithKernel(name)
		if err != nil {
			b.Fatal(err)
		}
		// The same Fast with its first stage on the bit-plane path.
		planes := *f
		first := *planes.stages[0].(*fastMatrix)
		first.b8 = nil
		planes.stages = append([]fastStage{&first}, planes.stages[1:]...)
		planes.rawInput = false
		for _, path := range []struct {
			name string
			f    *Fast
		}{{"conv8", f}, {"planes", &planes}} {
			b.Run(name+"/"+path.name, func(b *testing.B) {
				for b.Loop() {
					res, err := path.f.Eval(px, images, 1)
					if err != nil {
						b.Fatal(err)
					}
					benchResults = res
				}
				rate := float64(b.N*images) / b.Elapsed().Seconds()
				b.ReportMetric(rate, "images/s")
				b.ReportMetric(rate*macs/1e9, "GMACs/s")
			})
		}
	}
}
