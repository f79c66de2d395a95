package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// convModel writes a random LeNet-like convolutional netlist for 28x28
// MNIST (5x5 convs with and without padding, max-pools, 1- and 2-bit
// activations) and returns its path and the network.
func convModel(t *testing.T) (string, *netlist.Network) {
	t.Helper()
	n := &netlist.Network{Name: "lenet-random", Layers: []netlist.Layer{
		&netlist.Input{Name: "input", Shape: netlist.Shape{C: 1, H: 28, W: 28}, Bits: 1},
		&netlist.Conv2D{Name: "conv0", OutC: 16, KH: 5, KW: 5, Stride: 1, Pad: netlist.Symmetric(2)},
		&netlist.Threshold{Name: "act0", Bits: 1},
		&netlist.MaxPool{Name: "pool0", K: 2, Stride: 2},
		&netlist.Conv2D{Name: "conv1", OutC: 32, KH: 5, KW: 5, Stride: 1},
		&netlist.Threshold{Name: "act1", Bits: 2},
		&netlist.MaxPool{Name: "pool1", K: 2, Stride: 2},
		&netlist.Dense{Name: "fc0", Out: 10},
		&netlist.Output{Name: "scores"},
	}}
	if err := netlist.Randomize(rand.New(rand.NewPCG(1, 2)), n); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lenet.json")
	if err := netlist.Save(path, n); err != nil {
		t.Fatal(err)
	}
	return path, n
}

// TestConvInspect: inspect reports a conv model's layers with their output
// shapes and MACs worked out from the geometry.
func TestConvInspect(t *testing.T) {
	path, _ := convModel(t)
	stdout, stderr, code := runQNN(t, "inspect", "--json", path)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var got inspectReport
	decodeOneObject(t, stdout, &got)
	want := []struct {
		op    string
		shape [3]int
		macs  int64
	}{
		{"input", [3]int{1, 28, 28}, 0},
		{"conv2d", [3]int{16, 28, 28}, 28 * 28 * 16 * 5 * 5 * 1}, // padded by 2: 28x28 outputs
		{"threshold", [3]int{16, 28, 28}, 0},
		{"maxpool", [3]int{16, 14, 14}, 0},
		{"conv2d", [3]int{32, 10, 10}, 10 * 10 * 32 * 5 * 5 * 16}, // valid: 14-5+1
		{"threshold", [3]int{32, 10, 10}, 0},
		{"maxpool", [3]int{32, 5, 5}, 0},
		{"dense", [3]int{10, 1, 1}, 32 * 5 * 5 * 10},
		{"output", [3]int{10, 1, 1}, 0},
	}
	if len(got.Layers) != len(want) {
		t.Fatalf("%d layers, want %d", len(got.Layers), len(want))
	}
	for i, w := range want {
		l := got.Layers[i]
		if l.Op != w.op || l.Shape != w.shape || l.MACs != w.macs {
			t.Errorf("layer %d: %s %v %d MACs, want %s %v %d", i, l.Op, l.Shape, l.MACs, w.op, w.shape, w.macs)
		}
	}
}

// TestConvEval: eval on a conv model gives exactly the accuracy of
// netlist.Reference image by image.
func TestConvEval(t *testing.T) {
	requireMNIST(t)
	path, n := convModel(t)
	const limit = 100
	stdout, stderr, code := runQNN(t, "eval", "--model", path, "--dataset", "mnist", "--limit", strconv.Itoa(limit), "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	var got evalReport
	decodeOneObject(t, stdout, &got)
	test, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := 0; i < limit; i++ {
		r, err := netlist.ReferenceResult(n, test.Image(i))
		if err != nil {
			t.Fatal(err)
		}
		if r.Class == int(test.Labels[i]) {
			correct++
		}
	}
	if got.Images != limit || got.Correct != correct {
		t.Errorf("eval: %d of %d correct, want %d of %d (netlist.Reference)", got.Correct, got.Images, correct, limit)
	}
}

// TestConvGen: gen writes the design of a conv model: its window
// generators and pools are in the top, their library modules are copied,
// and the plan it saves loads back.
func TestConvGen(t *testing.T) {
	path, n := convModel(t)
	out := filepath.Join(t.TempDir(), "design")
	stdout, stderr, code := runQNN(t, "gen", "--model", path, "-o", out, "--target-cycles", "20000", "--tb-images", "2", "--dataset", "random")
	if code != exitOK {
		t.Fatalf("gen: exit %d\n%s%s", code, stdout, stderr)
	}
	top, err := os.ReadFile(filepath.Join(out, "rtl", "qnn_top.v"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"u_swg0", "u_swg1", "u_pool0", "u_pool1", "u_mvtu2"} {
		if !strings.Contains(string(top), want) {
			t.Errorf("qnn_top.v has no %s", want)
		}
	}
	for _, m := range []string{"qnn_swg", "qnn_pool"} {
		if _, err := os.Stat(filepath.Join(out, "rtl", m+".v")); err != nil {
			t.Errorf("%s not copied: %v", m, err)
		}
	}
	if _, err := hw.Load(filepath.Join(out, "plan.json"), n); err != nil {
		t.Errorf("plan.json: %v", err)
	}
}

// TestConvSimModel: sim --model plans a conv model with gen's folding
// flags and simulates it: every frame agrees with netlist.Eval (sim exits
// with an error otherwise), the measured cycles per frame and latency are
// the plan's, and every stage is reported.
func TestConvSimModel(t *testing.T) {
	requireMNIST(t)
	path, _ := convModel(t)
	stdout, stderr, code := runQNN(t, "sim", "--model", path, "--dataset", "mnist", "--limit", "6", "--target-cycles", "20000", "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	var got simReport
	decodeOneObject(t, stdout, &got)
	if got.Frames != 6 || got.Agreement != 1 {
		t.Errorf("%d frames, agreement %g", got.Frames, got.Agreement)
	}
	if got.CyclesPerFrame != float64(got.PlanCyclesPerFrame) || got.FirstLatency != int64(got.PlanLatency) {
		t.Errorf("cycles per frame %g (plan %d), latency %d (plan %d)", got.CyclesPerFrame, got.PlanCyclesPerFrame, got.FirstLatency, got.PlanLatency)
	}
	var kinds []string
	for _, s := range got.Stages {
		kinds = append(kinds, s.Kind+" "+s.Name)
		if s.Busy+s.StallIn+s.StallOut != got.Cycles {
			t.Errorf("stage %s: %d + %d + %d != %d cycles", s.Name, s.Busy, s.StallIn, s.StallOut, got.Cycles)
		}
	}
	want := "swg conv0.swg,mvtu conv0,pool pool0,swg conv1.swg,mvtu conv1,pool pool1,mvtu fc0,output scores"
	if strings.Join(kinds, ",") != want {
		t.Errorf("stages %q, want %q", strings.Join(kinds, ","), want)
	}
	if _, stderr, code := runQNN(t, "sim", "--model", path, "dir", "--dataset", "mnist"); code == exitOK || !strings.Contains(stderr, "takes no design directory") {
		t.Errorf("--model with a directory: exit %d, stderr %q", code, stderr)
	}
}
