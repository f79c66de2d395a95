package netlist

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchResults keeps benchmark results alive.
var benchResults []Result

// benchNetwork builds a random network with a fixed seed and count random
// images for it, and returns the network's multiply-accumulates per image.
func benchNetwork(b *testing.B, cfg RandomConfig, count int) (*Network, []byte, float64) {
	b.Helper()
	rng := rand.New(rand.NewPCG(2016, 1))
	n, err := Random(rng, cfg)
	if err != nil {
		b.Fatal(err)
	}
	var macs int
	for _, l := range n.Layers {
		if d, ok := l.(*Dense); ok {
			macs += d.In * d.Out
		}
	}
	px := make([]byte, cfg.Input.Size()*count)
	for i := range px {
		px[i] = byte(rng.UintN(256))
	}
	return n, px, float64(macs)
}

// benchEval runs the Fast (all cores and one worker) and Reference
// sub-benchmarks and reports images/s and opsPerImage ops as G<unit>/s.
func benchEval(b *testing.B, n *Network, px []byte, fastImages, refImages int, opsPerImage float64, unit string) {
	f, err := NewFast(n)
	if err != nil {
		b.Fatal(err)
	}
	size := f.InputSize()
	report := func(b *testing.B, images int) {
		rate := float64(images) / b.Elapsed().Seconds()
		b.ReportMetric(rate, "images/s")
		b.ReportMetric(rate*opsPerImage/1e9, "G"+unit+"/s")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(images), "ns/image")
	}
	for _, bc := range []struct {
		name    string
		workers int
	}{{"Fast", 0}, {"FastOneWorker", 1}} {
		b.Run(fmt.Sprintf("%s/images=%d", bc.name, fastImages), func(b *testing.B) {
			for b.Loop() {
				res, err := f.Eval(px[:fastImages*size], fastImages, bc.workers)
				if err != nil {
					b.Fatal(err)
				}
				benchResults = res
			}
			report(b, b.N*fastImages)
		})
	}
	b.Run(fmt.Sprintf("Reference/images=%d", refImages), func(b *testing.B) {
		res := make([]Result, refImages)
		for b.Loop() {
			for i := range res {
				r, err := ReferenceResult(n, px[i*size:(i+1)*size])
				if err != nil {
					b.Fatal(err)
				}
				res[i] = r
			}
			benchResults = res
		}
		report(b, b.N*refImages)
	})
}

// BenchmarkEvalLFC measures an LFC-sized network, 784-1024-1024-1024-10 with
// 1-bit weights, activations and input. Binary operations per image are
// 2 per multiply-accumulate (XNOR and popcount-accumulate).
func BenchmarkEvalLFC(b *testing.B) {
	const fastImages, refImages = 10000, 200
	n, px, macs := benchNetwork(b, RandomConfig{
		Input: Shape{C: 1, H: 28, W: 28}, InputBits: 1,
		Hidden: []int{1024, 1024, 1024}, Classes: 10,
	}, fastImages)
	benchEval(b, n, px, fastImages, refImages, 2*macs, "binops")
}

// BenchmarkEvalSFCw2a2 measures an SFC-sized network, 784-256-256-256-10
// with 8-bit input pixels, 2-bit weights and 2-bit activations, which takes
// the bit-plane path; it reports multiply-accumulates.
func BenchmarkEvalSFCw2a2(b *testing.B) {
	const fastImages, refImages = 10000, 200
	n, px, macs := benchNetwork(b, RandomConfig{
		Input: Shape{C: 1, H: 28, W: 28}, InputBits: 8,
		Hidden: []int{256, 256, 256}, Classes: 10,
		WeightBits: []int{2, 2, 2, 2}, ActBits: []int{2, 2, 2},
	}, fastImages)
	benchEval(b, n, px, fastImages, refImages, macs, "MACs")
}

// CNVSkeleton returns FINN's CNV topology for 32x32x3 images with the given
// weight and activation widths (8-bit input pixels): 3x3 valid convolutions
// 64, 64, max-pool 2, 128, 128, max-pool 2, 256, 256, dense 512, 512, 10.
// Randomize fills it in.
func cnvSkeleton(wbits, abits int) *Network {
	n := &Network{Name: "cnv", Layers: []Layer{&Input{Name: "input", Shape: Shape{C: 3, H: 32, W: 32}, Bits: 8}}}
	add := func(l ...Layer) { n.Layers = append(n.Layers, l...) }
	for i, spec := range []struct{ out, pool int }{{64, 0}, {64, 2}, {128, 0}, {128, 2}, {256, 0}, {256, 0}} {
		add(&Conv2D{Name: fmt.Sprintf("conv%d", i), OutC: spec.out, KH: 3, KW: 3, Stride: 1, WeightBits: wbits},
			&Threshold{Name: fmt.Sprintf("act%d", i), Bits: abits})
		if spec.pool > 0 {
			add(&MaxPool{Name: fmt.Sprintf("pool%d", i), K: 2, Stride: 2})
		}
	}
	for i, out := range []int{512, 512} {
		add(&Dense{Name: fmt.Sprintf("fc%d", i), Out: out, WeightBits: wbits}, &Threshold{Name: fmt.Sprintf("fcact%d", i), Bits: abits})
	}
	add(&Dense{Name: "fc2", Out: 10, WeightBits: wbits}, &Output{Name: "scores"})
	return n
}

// BenchmarkEvalCNV measures FINN's CNV-w1a1 (8-bit input, 1-bit weights and
// activations; 59.5 M MACs per image, of which 58.0 M binary) over 1,000
// images; Reference runs 2 images. It reports binary operations (2 per
// binary MAC) and all MACs per second.
func BenchmarkEvalCNV(b *testing.B) {
	const fastImages, refImages = 1000, 2
	n := cnvSkeleton(1, 1)
	rng := rand.New(rand.NewPCG(2016, 2))
	if err := Randomize(rng, n); err != nil {
		b.Fatal(err)
	}
	st, err := Stats(n)
	if err != nil {
		b.Fatal(err)
	}
	var macs, bin float64
	for _, s := range st {
		macs += float64(s.MACs)
		bin += float64(s.BinaryMACs)
	}
	px := make([]byte, n.InputLayer().Shape.Size()*fastImages)
	for i := range px {
		px[i] = byte(rng.UintN(256))
	}
	b.Logf("CNV-w1a1: %.1f M MACs per image, %.1f M binary", macs/1e6, bin/1e6)
	benchEval(b, n, px, fastImages, refImages, 2*bin, "binops")
}
