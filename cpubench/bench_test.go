package cpubench

import (
	"math/rand/v2"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// haveOpenBLAS skips the test unless cc can build the helper.
func haveOpenBLAS(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no cc")
	}
	exe, err := BuildHelper(t.TempDir())
	if err != nil {
		t.Skipf("no OpenBLAS: %v", err)
	}
	return exe
}

// TestRunFloatAgrees checks that the float32 OpenBLAS inference computes
// the netlist's function (every class equal to netlist.Eval's) on random
// networks with 1-bit and multi-bit layers, reversed channels and both
// input encodings, and that every kernel is measured at batch 1 and at the
// large batch.
func TestRunFloatAgrees(t *testing.T) {
	haveOpenBLAS(t)
	for i, cfg := range []netlist.RandomConfig{
		{Input: netlist.Shape{C: 1, H: 7, W: 9}, InputBits: 1, Hidden: []int{70, 33}, Classes: 10},
		{Input: netlist.Shape{C: 2, H: 5, W: 5}, InputBits: 8, Hidden: []int{40}, Classes: 7,
			WeightBits: []int{2, 3}, ActBits: []int{2}},
	} {
		n, err := netlist.Random(rand.New(rand.NewPCG(uint64(i), 3)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		const images = 300
		r, err := Run(n, Options{Images: images, MinSeconds: 0.02, Float: true, CacheDir: t.TempDir(), FloatBatches: []int{1, 7, 300, 5000}})
		if err != nil {
			t.Fatal(err)
		}
		if r.FloatAgree != images {
			t.Errorf("network %d: float32 classes agree with netlist on %d of %d images", i, r.FloatAgree, images)
		}
		if len(r.Float) != 3 || r.Float[0].Batch != 1 || r.Float[2].Batch != 300 {
			t.Errorf("network %d: float32 batches %+v, want 1, 7, 300", i, r.Float)
		}
		if r.Float[0].Threads != 1 || r.Float[1].Threads != runtime.GOMAXPROCS(0) {
			t.Errorf("network %d: float32 threads %d at batch 1 and %d at batch 7, want 1 and GOMAXPROCS", i, r.Float[0].Threads, r.Float[1].Threads)
		}
		if len(r.Binary) != 2*len(netlist.Kernels()) {
			t.Fatalf("network %d: %d binary measurements for kernels %v", i, len(r.Binary), netlist.Kernels())
		}
		for _, b := range r.Binary {
			if b.ImagesPerSecond <= 0 || b.Images < b.Batch || (b.Batch != 1 && b.Batch != images) {
				t.Errorf("network %d: bad measurement %+v", i, b)
			}
		}
		if r.SgemmCeilingGFLOPs <= 0 || r.Speedup <= 0 {
			t.Errorf("network %d: ceiling %g GFLOP/s, speedup %g", i, r.SgemmCeilingGFLOPs, r.Speedup)
		}
	}
}

// TestRunBadOptions checks the option errors.
func TestRunBadOptions(t *testing.T) {
	n, err := netlist.Random(rand.New(rand.NewPCG(1, 1)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 1, W: 5}, InputBits: 1, Classes: 2})
	if err != nil {
		t.Fatal(err)
	}
	opts := []Options{{Images: 0, MinSeconds: 1}, {Images: 5, MinSeconds: 0}, {Images: 5, MinSeconds: 1, Workers: -1}}
	if _, err := exec.LookPath("cc"); err == nil {
		opts = append(opts, Options{Images: 5, MinSeconds: 0.01, Float: true, CacheDir: t.TempDir(), FloatBatches: []int{0, 6}})
	}
	for _, o := range opts {
		if _, err := Run(n, o); err == nil {
			t.Errorf("Run(%+v): no error", o)
		}
	}
}

// TestRunSequenceModel checks that a sequence model (an embedding, no
// image input) is refused with an error naming it, not a nil dereference.
func TestRunSequenceModel(t *testing.T) {
	n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(1, 2)), netlist.RandomLSTMConfig{
		Vocab: 12, Dim: 5, Hidden: []int{6}, WeightBits: 2, ActBits: 2, OutWeightBits: 2, HiddenEncoding: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, float := range []bool{false, true} {
		_, err := Run(n, Options{Images: 5, MinSeconds: 0.01, Float: float})
		if err == nil || !strings.Contains(err.Error(), n.Name) {
			t.Errorf("Run(float %v): err = %v, want an error naming model %q", float, err, n.Name)
		}
	}
}

// TestRunFloatAgreesConv checks the float32 conv inference (im2col + sgemm,
// max-pool, thresholds) against netlist on every image of random conv
// networks: 8-bit and 1-bit inputs, padding with random pad values, strides,
// multi-bit weights and activations, a max-pool between convolutions.
func TestRunFloatAgreesConv(t *testing.T) {
	haveOpenBLAS(t)
	skeletons := []*netlist.Network{
		{Name: "cnv8", Layers: []netlist.Layer{
			&netlist.Input{Name: "in", Shape: netlist.Shape{C: 3, H: 9, W: 8}, Bits: 8},
			&netlist.Conv2D{Name: "c0", OutC: 5, KH: 3, KW: 3, Stride: 1, Pad: netlist.Padding{Top: 1, Bottom: 0, Left: 2, Right: 1}},
			&netlist.Threshold{Name: "t0", Bits: 2},
			&netlist.MaxPool{Name: "p0", K: 2, Stride: 2},
			&netlist.Conv2D{Name: "c1", OutC: 6, KH: 2, KW: 3, Stride: 2, WeightBits: 2, Pad: netlist.Symmetric(1)},
			&netlist.Threshold{Name: "t1", Bits: 1},
			&netlist.Dense{Name: "d0", Out: 4},
			&netlist.Output{Name: "out"},
		}},
		{Name: "cnv1", Layers: []netlist.Layer{
			&netlist.Input{Name: "in", Shape: netlist.Shape{C: 2, H: 6, W: 6}, Bits: 1},
			&netlist.Conv2D{Name: "c0", OutC: 7, KH: 3, KW: 3, Stride: 1, Pad: netlist.Symmetric(1)},
			&netlist.Threshold{Name: "t0", Bits: 1},
			&netlist.Conv2D{Name: "c1", OutC: 8, KH: 3, KW: 3, Stride: 1},
			&netlist.Threshold{Name: "t1", Bits: 1},
			&netlist.MaxPool{Name: "p0", K: 3, Stride: 1},
			&netlist.Dense{Name: "d0", Out: 9, WeightBits: 3},
			&netlist.Threshold{Name: "t2", Bits: 3},
			&netlist.Dense{Name: "d1", Out: 5},
			&netlist.Output{Name: "out"},
		}},
	}
	for i, n := range skeletons {
		if err := netlist.Randomize(rand.New(rand.NewPCG(uint64(i), 15)), n); err != nil {
			t.Fatal(err)
		}
		const images = 200
		r, err := Run(n, Options{Images: images, MinSeconds: 0.01, Float: true, CacheDir: t.TempDir(), FloatBatches: []int{1, 200}})
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		if r.FloatAgree != images {
			t.Errorf("%s: float32 classes agree with netlist on %d of %d images", n.Name, r.FloatAgree, images)
		}
		if len(r.Float) != 2 || r.Float[1].GFLOPs <= 0 {
			t.Errorf("%s: float32 measurements %+v", n.Name, r.Float)
		}
	}
}
