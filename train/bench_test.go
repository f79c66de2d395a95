package train

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
)

// flopsPerImage is the float-operation count of one training step per
// image: forward x·W^T, backward dW and dx (no dx for the first layer).
func flopsPerImage(cfg Config) float64 {
	sizes := append(append([]int{784}, cfg.Hidden...), 10)
	var f float64
	for i := 0; i+1 < len(sizes); i++ {
		mac := float64(sizes[i] * sizes[i+1])
		f += 2 * mac * 2 // forward, weight gradient
		if i > 0 {
			f += 2 * mac // input gradient
		}
	}
	return f
}

// openBLASFlops is OpenBLAS sgemm's speed on this 2-core machine
// (ANCHORS.md), the yardstick of the issue.
const openBLASFlops = 145e9

var sinkLoss float64

// convFlopsPerImage is the float-operation count of one training step per
// image of a convolutional model: per convolution and dense layer the
// forward product, the weight gradient and (except the first layer) the
// input gradient, 2 operations per multiply-accumulate each.
func convFlopsPerImage(m *Model) float64 {
	var f float64
	first := true
	add := func(mac float64) {
		f += 2 * mac * 2
		if !first {
			f += 2 * mac
		}
		first = false
	}
	for _, c := range m.Convs {
		add(float64(c.pixels() * c.L.In * c.L.Out))
	}
	for _, l := range m.Layers {
		add(float64(l.In * l.Out))
	}
	return f
}

// benchTrainStepConv (sub-benchmarks of BenchmarkTrainStep) measures a training step of the convolutional
// architectures on random images: cnv on 32x32x3 (CIFAR-10 geometry),
// reported as seconds per 45,000-image epoch, and lenet on 28x28. The
// GEMM ceiling to compare GFLOP/s with is measured in the same run by
// scripts/bench-train.sh (../shared/tools/sgemm-ceiling.sh).
func benchTrainStepConv(b *testing.B) {
	for _, r := range []struct {
		arch, data string
		batch      int
		epoch      float64
	}{{"cnv", "cifar10", 100, 45000}, {"lenet", "mnist", 100, 50000}} {
		b.Run(fmt.Sprintf("arch=%s/batch=%d", r.arch, r.batch), func(b *testing.B) {
			cfg, _ := DefaultConfig(r.arch)
			cfg.Dataset, cfg.Batch = r.data, r.batch
			rng := rand.New(rand.NewPCG(1, 2))
			m, err := NewModel(cfg, rng)
			if err != nil {
				b.Fatal(err)
			}
			n := cfg.inputPixels()
			pix := make([]byte, cfg.Batch*n)
			labs := make([]byte, cfg.Batch)
			for i := range pix {
				pix[i] = byte(rng.IntN(256))
			}
			for i := range labs {
				labs[i] = byte(rng.IntN(10))
			}
			x := make([]float32, cfg.Batch*n)
			m.TrainStep(pix, labs, cfg.Batch, 1e-3, rng, x) // buffers
			cpu0 := cpuSeconds()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l, _ := m.TrainStep(pix, labs, cfg.Batch, 1e-3, rng, x)
				sinkLoss += l
			}
			imgs := float64(b.N*cfg.Batch) / b.Elapsed().Seconds()
			b.ReportMetric(imgs, "images/s")
			b.ReportMetric(imgs*convFlopsPerImage(m)/1e9, "GFLOP/s")
			b.ReportMetric(r.epoch/imgs, "s/epoch")
			// CPU seconds of the process per epoch: on a shared machine
			// the wall time above scales with the load, this does not.
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N*cfg.Batch)*r.epoch, "cpu-s/epoch")
		})
	}
}

func BenchmarkTrainStep(b *testing.B) {
	for _, r := range []struct {
		arch  string
		batch int
	}{{"tfc", 100}, {"sfc", 100}, {"lfc", 100}, {"lfc", 200}, {"lfc", 500}} {
		arch := r.arch
		b.Run(fmt.Sprintf("arch=%s/batch=%d", arch, r.batch), func(b *testing.B) {
			cfg, _ := DefaultConfig(arch)
			cfg.Batch = r.batch
			rng := rand.New(rand.NewPCG(1, 2))
			m, err := NewModel(cfg, rng)
			if err != nil {
				b.Fatal(err)
			}
			pix := make([]byte, cfg.Batch*784)
			labs := make([]byte, cfg.Batch)
			for i := range pix {
				pix[i] = byte(rng.IntN(256))
			}
			for i := range labs {
				labs[i] = byte(rng.IntN(10))
			}
			x := make([]float32, cfg.Batch*784)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l, _ := m.TrainStep(pix, labs, cfg.Batch, 1e-3, rng, x)
				sinkLoss += l
			}
			imgs := float64(b.N*cfg.Batch) / b.Elapsed().Seconds()
			b.ReportMetric(imgs, "images/s")
			b.ReportMetric(imgs*flopsPerImage(cfg)/openBLASFlops, "frac-of-145GFLOP/s")
			b.ReportMetric(50000/imgs, "s/epoch")
		})
	}
	benchTrainStepConv(b)
}

func BenchmarkPredict(b *testing.B) {
	for _, arch := range []string{"tfc", "lfc"} {
		b.Run(fmt.Sprintf("arch=%s/images=1000", arch), func(b *testing.B) {
			cfg, _ := DefaultConfig(arch)
			rng := rand.New(rand.NewPCG(1, 2))
			m, _ := NewModel(cfg, rng)
			inf := m.Inference()
			pix := make([]byte, 1000*784)
			for i := range pix {
				pix[i] = byte(rng.IntN(256))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c, _ := inf.Predict(pix, 1000)
				sinkLoss += float64(c[0])
			}
			b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// cpuSeconds is the process's user plus system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkCNVPhases breaks a cnv training step (batch 100, random
// 32x32x3 images) into its heavy phases, run one at a time on the model's
// own buffers after a real step: per convolution the forward product, the
// weight gradient, the input gradient (product and col2im), batch norm
// forward and backward. Each is reported as CPU milliseconds per step
// (both cores' time), with the products' GFLOP per CPU second.
func BenchmarkCNVPhases(b *testing.B) {
	cfg, _ := DefaultConfig("cnv")
	cfg.Dataset, cfg.Batch = "cifar10", 100
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := NewModel(cfg, rng)
	if err != nil {
		b.Fatal(err)
	}
	rows, n := cfg.Batch, cfg.inputPixels()
	pix, labs := make([]byte, rows*n), make([]byte, rows)
	for i := range pix {
		pix[i] = byte(rng.IntN(256))
	}
	x := make([]float32, rows*n)
	m.TrainStep(pix, labs, rows, 1e-3, rng, x)
	th := cfg.threads()
	for i, c := range m.Convs {
		l := c.L
		np := rows * c.pixels()
		mac := float64(np * l.In * l.Out)
		dx := make([]float32, rows*c.inSize())
		for _, ph := range []struct {
			name string
			mac  float64
			f    func()
		}{
			{"fwd", mac, func() {
				gemm(np, c.Out, l.In, patches(c.x, &c.ConvShape, c.PadValue), transposed(l.wq, l.In), l.c.y, c.Out, false, th)
			}},
			{"dW", mac, func() {
				gemm(l.Out, l.In, np, transposed(c.dy, l.Out), patches(c.x, &c.ConvShape, c.PadValue), l.gW, l.In, false, th)
			}},
			{"dx", mac, func() { c.inputGrad(dx, c.dy, rows, th) }},
			{"bnfwd", 0, func() { l.bnForward(np, false, th) }},
			{"bnbwd", 0, func() { l.bnBackward(c.dy, np, false, th) }},
		} {
			b.Run(fmt.Sprintf("conv%d/%s", i+1, ph.name), func(b *testing.B) {
				cpu0 := cpuSeconds()
				for j := 0; j < b.N; j++ {
					ph.f()
				}
				cpu := (cpuSeconds() - cpu0) / float64(b.N)
				b.ReportMetric(cpu*1e3, "cpu-ms/step")
				if ph.mac > 0 {
					b.ReportMetric(2*ph.mac/cpu/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}
