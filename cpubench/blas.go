package cpubench

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/qnn-dev/qnn/netlist"
)

//go:embed helper/blas_helper.c
var helperSource []byte

// ErrHelperBuild wraps the errors of building the OpenBLAS helper: no cc,
// no libopenblas-dev, an unwritable cache directory.
var ErrHelperBuild = errors.New("cannot build the OpenBLAS helper")

// ErrUnsupported wraps the error for a network the float32 comparison cannot
// write: anything but Input, then dense or conv2d layers each followed by a
// threshold (max-pools between), and a dense layer followed by Output.
var ErrUnsupported = errors.New("the float32 comparison supports input, dense/conv2d+threshold, max-pool, dense+output only")

// CheckFloat returns an error wrapping ErrUnsupported if the float32
// OpenBLAS comparison cannot run n.
func CheckFloat(n *netlist.Network) error {
	_, err := floatModel(n)
	return err
}

// Helper is the compiled float32 OpenBLAS program.
type Helper struct {
	Path     string // the executable
	CoreType string // OPENBLAS_CORETYPE it runs with ("" for OpenBLAS's own choice)
	Threads  int    // OPENBLAS_NUM_THREADS
}

// BuildHelper compiles blas_helper.c with cc -O2 -lopenblas into
// cacheDir/<hash of the source>/blas_helper unless it is already there.
// The build goes to a temporary name first, so a failed or interrupted
// build leaves nothing behind.
func BuildHelper(cacheDir string) (string, error) {
	sum := sha256.Sum256(helperSource)
	dir := filepath.Join(cacheDir, hex.EncodeToString(sum[:8]))
	exe := filepath.Join(dir, "blas_helper")
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cpubench: %w: %w", ErrHelperBuild, err)
	}
	src := filepath.Join(dir, "blas_helper.c")
	if err := os.WriteFile(src, helperSource, 0o644); err != nil {
		return "", fmt.Errorf("cpubench: %w: %w", ErrHelperBuild, err)
	}
	tmp := exe + ".tmp" + strconv.Itoa(os.Getpid())
	out, err := exec.Command("cc", "-O2", "-o", tmp, src, "-lopenblas").CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("cpubench: %w: cc failed (is libopenblas-dev installed?): %v: %s", ErrHelperBuild, err, firstLine(out))
	}
	if err := os.Rename(tmp, exe); err != nil {
		return "", fmt.Errorf("cpubench: %w", err)
	}
	return exe, nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func (h *Helper) run(args ...string) (string, error) {
	cmd := exec.Command(h.Path, args...)
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+strconv.Itoa(h.Threads))
	if h.CoreType != "" {
		cmd.Env = append(cmd.Env, "OPENBLAS_CORETYPE="+h.CoreType)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cpubench: OpenBLAS helper: %v: %s", err, firstLine(stderr.Bytes()))
	}
	return string(out), nil
}

// fields parses "k=v k=v" into a map of numbers.
func fields(line string) (map[string]float64, error) {
	m := map[string]float64{}
	for _, f := range strings.Fields(line) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("cpubench: OpenBLAS helper printed %q", line)
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("cpubench: OpenBLAS helper printed %q", line)
		}
		m[k] = x
	}
	return m, nil
}

// Ceiling measures OpenBLAS sgemm on an m x k times k x n product for at
// least minSeconds and returns GFLOP/s (wall) and GFLOP per CPU-second.
func (h *Helper) Ceiling(m, n, k int, minSeconds float64) (Rate, error) {
	out, err := h.run("--ceiling", strconv.Itoa(m), strconv.Itoa(n), strconv.Itoa(k), strconv.FormatFloat(minSeconds, 'f', 3, 64))
	if err != nil {
		return Rate{}, err
	}
	f, err := fields(strings.TrimSpace(out))
	if err != nil {
		return Rate{}, err
	}
	flop := f["gflops"] * f["wall"] * 1e9
	return Rate{Wall: f["wall"], CPU: f["cpu"], Work: flop}, nil
}

// floatRun is one batch size's measurement of the float32 inference.
type floatRun struct {
	batch   int
	images  int
	rate    Rate // Work: images
	threads int  // if not 0, the threads it ran on
}

// Infer writes n as a float32 model and pixels to dir, runs the helper over
// count images at every batch size for at least minSeconds each, and
// returns the measurements and, if classes, the classes it computed.
func (h *Helper) Infer(dir string, n *netlist.Network, pixels []byte, count int, batches []int, minSeconds float64, classes bool) ([]floatRun, []int, error) {
	model, err := floatModel(n)
	if err != nil {
		return nil, nil, err
	}
	mp, pp, cp := filepath.Join(dir, "model.f32"), filepath.Join(dir, "pixels.u8"), filepath.Join(dir, "classes.i32")
	if err := os.WriteFile(mp, model, 0o644); err != nil {
		return nil, nil, fmt.Errorf("cpubench: %w", err)
	}
	if err := os.WriteFile(pp, pixels, 0o644); err != nil {
		return nil, nil, fmt.Errorf("cpubench: %w", err)
	}
	if !classes {
		cp = "-"
	}
	args := []string{mp, pp, strconv.Itoa(count), strconv.FormatFloat(minSeconds, 'f', 3, 64), cp}
	for _, b := range batches {
		args = append(args, strconv.Itoa(b))
	}
	out, err := h.run(args...)
	if err != nil {
		return nil, nil, err
	}
	var runs []floatRun
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f, err := fields(line)
		if err != nil {
			return nil, nil, err
		}
		runs = append(runs, floatRun{batch: int(f["batch"]), images: int(f["images"]),
			rate: Rate{Wall: f["wall"], CPU: f["cpu"], Work: f["images"]}})
	}
	if len(runs) != len(batches) {
		return nil, nil, fmt.Errorf("cpubench: OpenBLAS helper measured %d batch sizes, want %d", len(runs), len(batches))
	}
	if !classes {
		return runs, nil, nil
	}
	raw, err := os.ReadFile(cp)
	if err != nil || len(raw) != 4*count {
		return nil, nil, fmt.Errorf("cpubench: OpenBLAS helper classes: %d bytes, %v", len(raw), err)
	}
	cls := make([]int, count)
	for i := range cls {
		cls[i] = int(int32(binary.LittleEndian.Uint32(raw[4*i:])))
	}
	return runs, cls, nil
}

// floatModel encodes n in the helper's model format (see blas_helper.c).
// It needs Input, then dense or conv2d layers each followed by a threshold
// (max-pools anywhere between), and a last dense layer followed by Output.
func floatModel(n *netlist.Network) ([]byte, error) {
	if n.InputLayer() == nil {
		return nil, fmt.Errorf("cpubench: model %q has no image input layer", n.Name)
	}
	vals, err := netlist.Values(n)
	if err != nil {
		return nil, fmt.Errorf("cpubench: %w", err)
	}
	var b bytes.Buffer
	w := func(vs ...int) {
		for _, v := range vs {
			binary.Write(&b, binary.LittleEndian, int32(v))
		}
	}
	wf := func(v float64) { binary.Write(&b, binary.LittleEndian, math.Float32bits(float32(v))) }
	in := n.InputLayer()
	nl := 0
	for _, l := range n.Layers {
		switch l.(type) {
		case *netlist.Dense, *netlist.Conv2D, *netlist.MaxPool:
			nl++
		}
	}
	w(0x716e6e67, nl, in.Shape.Size(), in.Bits, in.Threshold)
	for li := 1; li < len(n.Layers); li++ {
		s := vals[li-1].Shape
		var weights []int8
		var out int
		switch l := n.Layers[li].(type) {
		case *netlist.MaxPool:
			o := vals[li].Shape
			w(2, s.C, s.H, s.W, o.H, o.W, l.K, l.Stride)
			continue
		case *netlist.Conv2D:
			o := vals[li].Shape
			w(1, s.C, s.H, s.W, o.C, o.H, o.W, l.KH, l.KW, l.Stride, l.Pad.Top, l.Pad.Left)
			wf(float64(l.PadValue))
			w(l.RowLen(), l.OutC)
			weights, out = l.Weights, l.OutC
		case *netlist.Dense:
			w(0, l.In, l.Out)
			weights, out = l.Weights, l.Out
		default:
			return nil, fmt.Errorf("cpubench: layer %d (%s): %w", li, n.Layers[li].Op(), ErrUnsupported)
		}
		if li+1 >= len(n.Layers) {
			return nil, fmt.Errorf("cpubench: layer %d (%s): %w", li, n.Layers[li].Op(), ErrUnsupported)
		}
		li++
		switch next := n.Layers[li].(type) {
		case *netlist.Threshold:
			w(next.Bits, next.PerChannel())
			floatWeights(&b, weights)
			for _, t := range next.T {
				wf(float64(t))
			}
			for c := 0; c < next.Channels; c++ {
				var r byte
				if next.IsReversed(c) {
					r = 1
				}
				b.WriteByte(r)
			}
			wf(float64(next.Base))
		case *netlist.Output:
			if _, ok := n.Layers[li-1].(*netlist.Dense); !ok {
				return nil, fmt.Errorf("cpubench: layer %d (%s after %s): %w", li, next.Op(), n.Layers[li-1].Op(), ErrUnsupported)
			}
			w(0, 0)
			floatWeights(&b, weights)
			for c := 0; c < out; c++ {
				wf(float64(next.Offset(c)))
			}
		default:
			return nil, fmt.Errorf("cpubench: layer %d (%s): %w", li, next.Op(), ErrUnsupported)
		}
	}
	return b.Bytes(), nil
}

func floatWeights(b *bytes.Buffer, ws []int8) {
	for _, v := range ws {
		binary.Write(b, binary.LittleEndian, math.Float32bits(float32(v)))
	}
}
