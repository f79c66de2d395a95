package cpubench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/qnn-dev/qnn/netlist"
)

// Options configure Run.
type Options struct {
	Images       int     // images of the large-batch measurements (>= 1)
	Workers      int     // goroutines for netlist and threads for OpenBLAS; 0: GOMAXPROCS
	MinSeconds   float64 // minimum duration of every measurement
	Float        bool    // also measure float32 OpenBLAS inference and the sgemm ceiling
	FloatBatches []int   // batch sizes of the float32 inference; nil: 1, 16, 64, 256, 1024, Images
	CacheDir     string  // where the OpenBLAS helper is built (Float)
	Seed         uint64  // seed of the random pixels
}

// KernelResult is one measurement of netlist.Fast with one kernel.
type KernelResult struct {
	Kernel                string  `json:"kernel"`
	Batch                 int     `json:"batch"` // images per Fast.Eval call
	Workers               int     `json:"workers"`
	Images                int     `json:"images"` // images evaluated in the measurement
	Seconds               float64 `json:"seconds"`
	CPUSeconds            float64 `json:"cpu_seconds"`
	ImagesPerSecond       float64 `json:"images_per_second"`
	ImagesPerCPUSecond    float64 `json:"images_per_cpu_second"`
	BinaryOpsPerSecond    float64 `json:"binary_ops_per_second"` // 2 per multiply-accumulate
	BinaryOpsPerCPUSecond float64 `json:"binary_ops_per_cpu_second"`
	LatencyMicroseconds   float64 `json:"latency_us"` // wall time of one Eval call (one batch)
}

// FloatResult is one measurement of the float32 OpenBLAS inference.
type FloatResult struct {
	Batch               int     `json:"batch"` // images per sgemm
	Threads             int     `json:"threads"`
	Images              int     `json:"images"`
	Seconds             float64 `json:"seconds"`
	CPUSeconds          float64 `json:"cpu_seconds"`
	ImagesPerSecond     float64 `json:"images_per_second"`
	ImagesPerCPUSecond  float64 `json:"images_per_cpu_second"`
	GFLOPs              float64 `json:"gflops"` // 2 FLOPs per multiply-accumulate
	LatencyMicroseconds float64 `json:"latency_us"`
}

// Report is the outcome of Run.
type Report struct {
	Network           string         `json:"network"` // the netlist's name
	Widths            []int          `json:"widths"`  // input size, then every dense layer's outputs and every convolution's channels
	Images            int            `json:"images"`  // of the large-batch measurements
	MACsPerImage      int64          `json:"macs_per_image"`
	BinaryOpsPerImage int64          `json:"binary_ops_per_image"`
	CPU               string         `json:"cpu"`
	GOMAXPROCS        int            `json:"gomaxprocs"`
	Kernels           []string       `json:"kernels"` // available on this CPU, fastest first
	LoadBefore        float64        `json:"load_before"`
	LoadAfter         float64        `json:"load_after"`
	Binary            []KernelResult `json:"binary"`
	Float             []FloatResult  `json:"float32,omitempty"`
	// FloatAgree counts the images whose float32 class equals netlist's.
	FloatAgree         int     `json:"float32_classes_agree,omitempty"`
	OpenBLASCoreType   string  `json:"openblas_coretype,omitempty"`
	SgemmCeilingGFLOPs float64 `json:"sgemm_ceiling_gflops,omitempty"` // 256x1024x1024
	SgemmCeilingPerCPU float64 `json:"sgemm_ceiling_gflops_per_cpu_second,omitempty"`
	// Speedup is the best large-batch binary images/s over the best float32
	// images/s (any batch); SpeedupPerCPU the same per CPU-second.
	Speedup       float64 `json:"speedup_vs_float32,omitempty"`
	SpeedupPerCPU float64 `json:"speedup_vs_float32_per_cpu_second,omitempty"`
}

// Run measures n as described in the package comment.
func Run(n *netlist.Network, opt Options) (*Report, error) {
	if opt.Images < 1 || opt.MinSeconds <= 0 || opt.Workers < 0 {
		return nil, fmt.Errorf("cpubench: bad options: %d images, %g s, %d workers", opt.Images, opt.MinSeconds, opt.Workers)
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if n.InputLayer() == nil {
		return nil, fmt.Errorf("cpubench: model %q: only image models (an input layer first) are measured", n.Name)
	}
	if opt.Float {
		if err := CheckFloat(n); err != nil {
			return nil, err
		}
	}
	f, err := netlist.NewFast(n)
	if err != nil {
		return nil, err
	}
	st, err := netlist.Stats(n)
	if err != nil {
		return nil, err
	}
	r := &Report{Network: n.Name, CPU: cpuName(), GOMAXPROCS: runtime.GOMAXPROCS(0), Kernels: netlist.Kernels(), LoadBefore: loadAverage(), Images: opt.Images}
	r.Widths = append(r.Widths, n.InputLayer().Shape.Size())
	for i, l := range n.Layers {
		switch l := l.(type) {
		case *netlist.Dense:
			r.Widths = append(r.Widths, l.Out)
		case *netlist.Conv2D:
			r.Widths = append(r.Widths, l.OutC)
		}
		r.MACsPerImage += st[i].MACs
	}
	r.BinaryOpsPerImage = 2 * r.MACsPerImage
	rng := rand.New(rand.NewPCG(opt.Seed, 0x51ed))
	px := make([]byte, opt.Images*f.InputSize())
	for i := range px {
		px[i] = byte(rng.UintN(256))
	}
	want, err := f.Eval(px, opt.Images, opt.Workers)
	if err != nil {
		return nil, err
	}
	for _, k := range r.Kernels {
		fk, err := f.WithKernel(k)
		if err != nil {
			return nil, err
		}
		for _, batch := range []int{1, opt.Images} {
			res, err := measureFast(fk, px, opt.Images, batch, opt.Workers, opt.MinSeconds)
			if err != nil {
				return nil, err
			}
			res.Kernel = k
			res.BinaryOpsPerSecond = res.ImagesPerSecond * float64(r.BinaryOpsPerImage)
			res.BinaryOpsPerCPUSecond = res.ImagesPerCPUSecond * float64(r.BinaryOpsPerImage)
			r.Binary = append(r.Binary, res)
		}
	}
	if opt.Float {
		if err := r.measureFloat(n, px, want, opt); err != nil {
			return nil, err
		}
	}
	r.LoadAfter = loadAverage()
	return r, nil
}

// measureFast evaluates images in Eval calls of batch images (one worker
// for batch 1, all workers otherwise), over and over for minSeconds.
func measureFast(f *netlist.Fast, px []byte, images, batch, workers int, minSeconds float64) (KernelResult, error) {
	size := f.InputSize()
	if batch == 1 {
		workers = 1
	}
	res := KernelResult{Batch: batch, Workers: workers}
	calls := 0
	c0, t0 := cpuTime(), time.Now()
	for {
		i := calls * batch % (images - batch + 1)
		if _, err := f.Eval(px[i*size:(i+batch)*size], batch, workers); err != nil {
			return res, err
		}
		calls++
		if calls%16 == 0 || batch > 16 {
			if time.Since(t0).Seconds() >= minSeconds {
				break
			}
		}
	}
	rate := Rate{Wall: time.Since(t0).Seconds(), CPU: (cpuTime() - c0).Seconds(), Work: float64(calls * batch)}
	res.Images, res.Seconds, res.CPUSeconds = calls*batch, rate.Wall, rate.CPU
	res.ImagesPerSecond, res.ImagesPerCPUSecond = rate.PerSecond(), rate.PerCPUSecond()
	res.LatencyMicroseconds = rate.Wall / float64(calls) * 1e6
	return res, nil
}

// measureFloat builds and runs the OpenBLAS helper: the sgemm ceiling and
// the float32 inference at every batch size, and counts the images whose
// class agrees with want.
func (r *Report) measureFloat(n *netlist.Network, px []byte, want []netlist.Result, opt Options) error {
	exe, err := BuildHelper(opt.CacheDir)
	if err != nil {
		return err
	}
	h := &Helper{Path: exe, Threads: opt.Workers, CoreType: openBLASCoreType()}
	r.OpenBLASCoreType = h.CoreType
	ceil, err := h.Ceiling(256, 1024, 1024, opt.MinSeconds)
	if err != nil {
		return err
	}
	r.SgemmCeilingGFLOPs, r.SgemmCeilingPerCPU = ceil.PerSecond()/1e9, ceil.PerCPUSecond()/1e9
	batches := opt.FloatBatches
	if batches == nil {
		batches = []int{1, 16, 64, 256, 1024, opt.Images}
	}
	batches = slices.Compact(slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(batches), func(b int) bool { return b < 1 || b > opt.Images }))))
	if len(batches) == 0 {
		return fmt.Errorf("cpubench: no float32 batch size in 1..%d among %v", opt.Images, opt.FloatBatches)
	}
	dir, err := os.MkdirTemp("", "qnn-bench-")
	if err != nil {
		return fmt.Errorf("cpubench: %w", err)
	}
	defer os.RemoveAll(dir)
	// Batch 1 runs on one thread, as netlist's batch 1 runs on one worker.
	h1 := *h
	h1.Threads = 1
	runs, classes, err := h.Infer(dir, n, px, opt.Images, batches, opt.MinSeconds, true)
	if err == nil && batches[0] == 1 && opt.Workers > 1 {
		var one []floatRun
		if one, _, err = h1.Infer(dir, n, px, opt.Images, []int{1}, opt.MinSeconds, false); err == nil {
			runs = append(one, runs[1:]...)
			runs[0].threads = 1
		}
	}
	if err != nil {
		return err
	}
	for i, c := range classes {
		if c == want[i].Class {
			r.FloatAgree++
		}
	}
	for _, fr := range runs {
		th := opt.Workers
		if fr.threads != 0 {
			th = fr.threads
		}
		r.Float = append(r.Float, FloatResult{
			Batch: fr.batch, Threads: th, Images: fr.images, Seconds: fr.rate.Wall, CPUSeconds: fr.rate.CPU,
			ImagesPerSecond: fr.rate.PerSecond(), ImagesPerCPUSecond: fr.rate.PerCPUSecond(),
			GFLOPs:              fr.rate.PerSecond() * float64(2*r.MACsPerImage) / 1e9,
			LatencyMicroseconds: fr.rate.Wall / float64(fr.images) * float64(fr.batch) * 1e6,
		})
	}
	r.speedups()
	return nil
}

// speedups sets Speedup and SpeedupPerCPU from the best measurements.
func (r *Report) speedups() {
	var bin, binCPU, fl, flCPU float64
	for _, b := range r.Binary {
		if b.Batch > 1 {
			bin, binCPU = max(bin, b.ImagesPerSecond), max(binCPU, b.ImagesPerCPUSecond)
		}
	}
	for _, f := range r.Float {
		fl, flCPU = max(fl, f.ImagesPerSecond), max(flCPU, f.ImagesPerCPUSecond)
	}
	if fl > 0 {
		r.Speedup = bin / fl
	}
	if flCPU > 0 {
		r.SpeedupPerCPU = binCPU / flCPU
	}
}

// openBLASCoreType returns the OPENBLAS_CORETYPE to run the helper with:
// the caller's if set, else SkylakeX on AVX-512 CPUs and Haswell on AVX2
// ones. Debian's OpenBLAS 0.3.21 does not recognize some virtual CPUs (it
// takes this machine's Sapphire Rapids for a Prescott and runs SSE3 code
// several times below the machine's ceiling).
func openBLASCoreType() string {
	if v := os.Getenv("OPENBLAS_CORETYPE"); v != "" {
		return v
	}
	ks := netlist.Kernels()
	switch {
	case slices.Contains(ks, "avx512"):
		return "SkylakeX"
	case slices.Contains(ks, "avx2"):
		return "Haswell"
	}
	return ""
}

// cpuName returns the CPU model from /proc/cpuinfo, or GOARCH.
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}
