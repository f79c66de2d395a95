package main

import (
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
