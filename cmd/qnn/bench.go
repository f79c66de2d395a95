package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/qnn-dev/qnn/cpubench"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
)

// benchReport is what `qnn bench --json` prints.
type benchReport struct {
	Model string `json:"model"` // the file as given, or "random WIDTHS"
	*cpubench.Report
}

func benchCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "measure CPU inference: every popcount kernel at batch 1 and a large batch, beside float32 OpenBLAS",
		ArgsUsage: "[MODEL]",
		Description: "Evaluates the netlist MODEL (or, with --random, a random all-1-bit network of the given widths) on\n" +
			"random pixels with netlist.Fast and every kernel this CPU runs, then the same network in float32\n" +
			"through OpenBLAS sgemm (a C helper built with cc against libopenblas-dev into the cache directory)\n" +
			"and the machine's sgemm ceiling, all in one run. Binary operations are 2 per multiply-accumulate.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "random", Usage: "bench a random 1-bit network of `WIDTHS` (e.g. 784-1024-1024-1024-10, or cnv for CNV-w1a1) instead of MODEL"},
			&cli.IntFlag{Name: "images", Value: 10000, Usage: "`N` images for the large-batch measurements"},
			&cli.IntFlag{Name: "workers", Usage: "`N` goroutines and OpenBLAS threads (0: one per CPU)"},
			&cli.Float64Flag{Name: "min-time", Value: 1, Usage: "measure every configuration for at least `SECONDS`"},
			&cli.BoolFlag{Name: "no-float", Usage: "skip the float32 OpenBLAS comparison"},
			&cli.StringFlag{Name: "cache-dir", Usage: "`DIR` for the compiled OpenBLAS helper", DefaultText: "the user cache directory"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the random pixels and network"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			n, model, opt, err := benchSetup(e, c)
			if err != nil {
				return err
			}
			e.log.Info("benchmarking", "model", model, "kernels", strings.Join(netlist.Kernels(), ","), "float32", opt.Float)
			r, err := cpubench.Run(n, opt)
			if errors.Is(err, cpubench.ErrHelperBuild) || errors.Is(err, cpubench.ErrUnsupported) {
				return userErrf("bench: %v (or run with --no-float)", err)
			}
			if err != nil {
				return err
			}
			br := &benchReport{Model: model, Report: r}
			if c.Bool("json") {
				return writeJSON(e.stdout, br)
			}
			return writeBenchText(e.stdout, br)
		},
	}
}

// benchSetup checks bench's flags and loads or builds the network.
func benchSetup(e *env, c *cli.Context) (*netlist.Network, string, cpubench.Options, error) {
	opt := cpubench.Options{
		Images: c.Int("images"), Workers: c.Int("workers"), MinSeconds: c.Float64("min-time"),
		Float: !c.Bool("no-float"), CacheDir: c.String("cache-dir"), Seed: c.Uint64("seed"),
	}
	switch {
	case opt.Images < 1:
		return nil, "", opt, userErrf("bench: --images must be at least 1, got %d", opt.Images)
	case opt.Workers < 0:
		return nil, "", opt, userErrf("bench: --workers must be 0 (one per CPU) or more, got %d", opt.Workers)
	case opt.MinSeconds <= 0 || opt.MinSeconds > 600:
		return nil, "", opt, userErrf("bench: --min-time must be in (0, 600] seconds, got %g", opt.MinSeconds)
	case c.NArg() > 1:
		return nil, "", opt, userErrf("bench: takes one MODEL, got %q", c.Args().Slice())
	case (c.NArg() == 1) == c.IsSet("random"):
		return nil, "", opt, userErrf("bench: give either a MODEL file or --random WIDTHS")
	}
	if opt.Float && opt.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, "", opt, userErrf("bench: no user cache directory (%v); use --cache-dir or --no-float", err)
		}
		opt.CacheDir = filepath.Join(dir, "qnn", "blas-helper")
	}
	if c.IsSet("random") {
		n, err := randomDense(c.String("random"), opt.Seed)
		return n, "random " + c.String("random"), opt, err
	}
	n, err := loadModel(e.log, c.Args().First(), benchUse)
	return n, c.Args().First(), opt, err
}

// randomDense builds a random all-1-bit dense network with the widths
// "IN-H1-...-CLASSES".
// "cnv" gives FINN's CNV-w1a1 topology (netlist.CNV) with random parameters.
func randomDense(spec string, seed uint64) (*netlist.Network, error) {
	if spec == "cnv" {
		n := netlist.CNV(1, 1)
		if err := netlist.Randomize(rand.New(rand.NewPCG(seed, 2016)), n); err != nil {
			return nil, err
		}
		return n, nil
	}
	parts := strings.Split(spec, "-")
	var ws []int
	for _, p := range parts {
		w, err := strconv.Atoi(p)
		if err != nil || w < 1 || w > 1<<16 {
			return nil, userErrf("bench: --random %q: widths must be integers in 1..65536 joined by '-'", spec)
		}
		ws = append(ws, w)
	}
	if len(ws) < 2 {
		return nil, userErrf("bench: --random %q: want at least an input width and a class count", spec)
	}
	cfg := netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 1, W: ws[0]}, InputBits: 1,
		Hidden: ws[1 : len(ws)-1], Classes: ws[len(ws)-1]}
	if ws[0] == 784 {
		cfg.Input = netlist.Shape{C: 1, H: 28, W: 28}
	}
	n, err := netlist.Random(rand.New(rand.NewPCG(seed, 2016)), cfg)
	if err != nil {
		return nil, userErr(err)
	}
	n.Name = "random-" + spec
	return n, nil
}

func writeBenchText(w io.Writer, r *benchReport) error {
	fmt.Fprintf(w, "model:   %s (%s), widths %v, %d MACs = %d binary ops per image\n", r.Model, r.Network, r.Widths, r.MACsPerImage, r.BinaryOpsPerImage)
	fmt.Fprintf(w, "machine: %s, GOMAXPROCS %d, kernels %v, load %.2f before, %.2f after\n", r.CPU, r.GOMAXPROCS, r.Kernels, r.LoadBefore, r.LoadAfter)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "path\tbatch\tthreads\timages/s\tG ops/s\tlatency us\timages/CPU-s\tG ops/CPU-s\t\n")
	for _, b := range r.Binary {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.0f\t%.1f\t\n", b.Kernel, b.Batch, b.Workers, b.ImagesPerSecond,
			b.BinaryOpsPerSecond/1e9, b.LatencyMicroseconds, b.ImagesPerCPUSecond, b.BinaryOpsPerCPUSecond/1e9)
	}
	for _, f := range r.Float {
		fmt.Fprintf(tw, "float32 sgemm\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.0f\t%.1f\t\n", f.Batch, f.Threads, f.ImagesPerSecond,
			f.GFLOPs, f.LatencyMicroseconds, f.ImagesPerCPUSecond, f.ImagesPerCPUSecond*float64(2*r.MACsPerImage)/1e9)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(binary: G binary ops = 2 per MAC; float32: GFLOP = 2 per MAC; latency: wall time of one batch)\n")
	if len(r.Float) > 0 {
		fmt.Fprintf(w, "float32: classes equal to netlist on %d of %d images; OpenBLAS core %q; sgemm ceiling (256x1024x1024) %.1f GFLOP/s, %.1f per CPU-s\n",
			r.FloatAgree, r.Images, r.OpenBLASCoreType, r.SgemmCeilingGFLOPs, r.SgemmCeilingPerCPU)
		fmt.Fprintf(w, "speedup: best binary batch over best float32 batch: %.1fx images/s, %.1fx images/CPU-s\n", r.Speedup, r.SpeedupPerCPU)
	}
	return nil
}
