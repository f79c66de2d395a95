package qonnx

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// python is Debian's interpreter, where python3-onnx installs.
const python = "/usr/bin/python3"

// TestExportPassesONNXChecker runs the ONNX project's own checker
// (onnx.checker.check_model, Debian python3-onnx) and shape inference on
// exported files; skipped where python3-onnx is not installed.
func TestExportPassesONNXChecker(t *testing.T) {
	if err := exec.Command(python, "-c", "import onnx").Run(); err != nil {
		t.Skip("python3-onnx is not installed (scripts/setup.sh installs it)")
	}
	n, err := netlist.Load(filepath.Join("..", "testdata", "tfc-w1a1.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := checkONNX(t, n)
	if !strings.Contains(out, "MultiThreshold") {
		t.Errorf("checker output %q", out)
	}
	// A conv network with zero and non-zero padding (Pad), pools and the
	// Transpose+Reshape flatten.
	conv := checkerConvNetwork(t)
	if out := checkONNX(t, conv); !strings.Contains(out, "'Pad'") || !strings.Contains(out, "'MaxPool'") || !strings.Contains(out, "'Transpose'") {
		t.Errorf("checker output %q: want Pad, MaxPool and Transpose nodes", out)
	}
}

// checkerConvNetwork is a random conv network with one conv padded with 0
// and one with a non-zero value.
func checkerConvNetwork(t *testing.T) *netlist.Network {
	in := &netlist.Input{Name: "input", Shape: netlist.Shape{C: 2, H: 8, W: 8}, Bits: 8}
	n := &netlist.Network{Name: "checker-conv", Layers: []netlist.Layer{in,
		&netlist.Conv2D{Name: "conv0", OutC: 3, KH: 3, KW: 3, Stride: 1, Pad: netlist.Symmetric(1), WeightBits: 2},
		&netlist.Threshold{Name: "act0", Bits: 2},
		&netlist.MaxPool{Name: "pool0", K: 2, Stride: 2},
		&netlist.Conv2D{Name: "conv1", OutC: 4, KH: 3, KW: 2, Stride: 1, Pad: netlist.Padding{Top: 1, Left: 1}, WeightBits: 1},
		&netlist.Threshold{Name: "act1", Bits: 1},
		&netlist.Dense{Name: "fc", Out: 5, WeightBits: 3},
		&netlist.Output{Name: "scores"}}}
	if err := netlist.Randomize(rand.New(rand.NewPCG(5, 5)), n); err != nil {
		t.Fatal(err)
	}
	n.Layers[1].(*netlist.Conv2D).PadValue = 0
	n.Layers[4].(*netlist.Conv2D).PadValue = 1 // a level of the 2-bit act0 whatever its base
	if err := netlist.Validate(n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkONNX exports n and runs the ONNX checker and shape inference on it;
// it returns the script's summary line.
func checkONNX(t *testing.T, n *netlist.Network) string {
	t.Helper()
	g, ints, err := Export(n, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Encode(g, ints)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), n.Name+".onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `import onnx, sys
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m)
onnx.shape_inference.infer_shapes(m, strict_mode=False)
print(m.ir_version, len(m.graph.node), sorted({n.op_type for n in m.graph.node}))`
	out, err := exec.Command(python, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker on %s: %v\n%s", n.Name, err, out)
	}
	t.Logf("onnx checker on %s: %s", n.Name, strings.TrimSpace(string(out)))
	return string(out)
}
