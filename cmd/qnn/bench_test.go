package main

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// TestBenchJSON runs bench on a tiny random network and on the TFC test
// model without the float32 side and checks the report: every kernel at
// batch 1 and at the large batch, operation counts from the widths.
func TestBenchJSON(t *testing.T) {
	for _, args := range [][]string{
		{"--random", "20-9-3"},
		{"../../testdata/tfc-w1a1.json"},
	} {
		stdout, stderr, code := runQNN(t, append([]string{"--log-level", "error", "bench", "--images", "40", "--min-time", "0.01", "--no-float", "--json"}, args...)...)
		if code != exitOK || stderr != "" {
			t.Fatalf("%v: exit code %d, stderr %q", args, code, stderr)
		}
		var r benchReport
		decodeOneObject(t, stdout, &r)
		if !slices.Equal(r.Kernels, netlist.Kernels()) || len(r.Binary) != 2*len(r.Kernels) {
			t.Fatalf("%v: kernels %v, %d measurements", args, r.Kernels, len(r.Binary))
		}
		if args[0] == "--random" && (r.MACsPerImage != 20*9+9*3 || r.BinaryOpsPerImage != 2*r.MACsPerImage) {
			t.Errorf("%v: %d MACs, %d binary ops per image; want 207, 414", args, r.MACsPerImage, r.BinaryOpsPerImage)
		}
		for i, b := range r.Binary {
			if b.Kernel != r.Kernels[i/2] || b.Batch != []int{1, 40}[i%2] || b.ImagesPerSecond <= 0 {
				t.Errorf("%v: measurement %d: %+v", args, i, b)
			}
		}
		if len(r.Float) != 0 {
			t.Errorf("%v: float32 measured despite --no-float", args)
		}
	}
}

func TestBenchErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "either a MODEL file or --random"},
		{[]string{"bench", "--random", "5-2", "m.json"}, "either a MODEL file or --random"},
		{[]string{"bench", "--random", "5-x"}, "widths must be integers"},
		{[]string{"bench", "--random", "5"}, "at least an input width"},
		{[]string{"bench", "--random", "5-2", "--images", "0"}, "--images must be at least 1"},
		{[]string{"bench", "--random", "5-2", "--min-time", "0"}, "--min-time"},
		{[]string{"bench", "no-such-model.json"}, "no-such-model.json"},
	} {
		stdout, stderr, code := runQNN(t, tc.args...)
		checkUserError(t, stdout, stderr, code, tc.want)
	}
	if !strings.Contains(benchCommand(nil).Usage, "OpenBLAS") {
		t.Error("bench usage does not mention OpenBLAS")
	}
}

// TestBenchNoCompiler checks that a missing C compiler is a user error that
// names the way out.
func TestBenchNoCompiler(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	stdout, stderr, code := runQNN(t, "--log-level", "error", "bench", "--random", "5-2", "--images", "3", "--min-time", "0.01", "--cache-dir", t.TempDir())
	checkUserError(t, stdout, stderr, code, "OpenBLAS helper", "--no-float")
}

// saveRandomized randomizes the skeleton n and saves it, returning the path.
func saveRandomized(t *testing.T, n *netlist.Network) string {
	t.Helper()
	if err := netlist.Randomize(rand.New(rand.NewPCG(15, 2)), n); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), n.Name+".json")
	if err := netlist.Save(path, n); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBenchConv checks bench on a conv model (conv, threshold, max-pool,
// dense, output): the MACs of the convolution are counted and, where cc and
// OpenBLAS are there, the float32 inference agrees with netlist on every
// image. A model the float32 side cannot run (a convolution feeding the
// output) is a one-line user error (exit 1) naming the layer and the way out.
func TestBenchConv(t *testing.T) {
	path := saveRandomized(t, &netlist.Network{Name: "tinycnv", Layers: []netlist.Layer{
		&netlist.Input{Name: "input", Shape: netlist.Shape{C: 3, H: 6, W: 6}, Bits: 8},
		&netlist.Conv2D{Name: "conv0", OutC: 4, KH: 3, KW: 3, Stride: 1, WeightBits: 1},
		&netlist.Threshold{Name: "act0", Bits: 1},
		&netlist.MaxPool{Name: "pool0", K: 2, Stride: 2},
		&netlist.Dense{Name: "fc0", Out: 3, WeightBits: 1},
		&netlist.Output{Name: "scores"},
	}})
	stdout, stderr, code := runQNN(t, "--log-level", "error", "bench", "--images", "20", "--min-time", "0.01", "--cache-dir", t.TempDir(), "--json", path)
	if code == exitUser && strings.Contains(stderr, "OpenBLAS helper") {
		t.Skipf("no OpenBLAS helper: %s", stderr)
	}
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var r benchReport
	decodeOneObject(t, stdout, &r)
	// conv0: 4x4 output pixels x 4 channels x 27; fc0: 2*2*4 x 3.
	if want := int64(4*4*4*27 + 16*3); r.MACsPerImage != want || len(r.Binary) != 2*len(r.Kernels) {
		t.Errorf("%d MACs per image (want %d), %d measurements", r.MACsPerImage, want, len(r.Binary))
	}
	if r.FloatAgree != 20 || len(r.Float) == 0 {
		t.Errorf("float32 classes agree on %d of 20 images, %d float32 measurements", r.FloatAgree, len(r.Float))
	}
	path = saveRandomized(t, &netlist.Network{Name: "convout", Layers: []netlist.Layer{
		&netlist.Input{Name: "input", Shape: netlist.Shape{C: 1, H: 4, W: 4}, Bits: 8},
		&netlist.Conv2D{Name: "conv0", OutC: 2, KH: 3, KW: 3, Stride: 1, WeightBits: 1},
		&netlist.Output{Name: "scores"},
	}})
	stdout, stderr, code = runQNN(t, "--log-level", "error", "bench", "--images", "5", "--min-time", "0.01", "--cache-dir", t.TempDir(), path)
	checkUserError(t, stdout, stderr, code, "layer 2 (output after conv2d)", "--no-float")
}

// TestBenchRandomCNV checks --random cnv: FINN's CNV-w1a1 topology, its MACs
// summed layer by layer from the shapes.
func TestBenchRandomCNV(t *testing.T) {
	stdout, stderr, code := runQNN(t, "--log-level", "error", "bench", "--random", "cnv", "--images", "2", "--min-time", "0.001", "--no-float", "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var r benchReport
	decodeOneObject(t, stdout, &r)
	want := int64(30*30*64*27 + 28*28*64*576 + 12*12*128*576 + 10*10*128*1152 + 3*3*256*1152 + 1*1*256*2304 + 256*512 + 512*512 + 512*10)
	if r.MACsPerImage != want || r.Network != "cnv-w1a1" {
		t.Errorf("network %q, %d MACs per image, want cnv-w1a1, %d", r.Network, r.MACsPerImage, want)
	}
}
