package qonnx

import (
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
	g, ints, err := Export(n, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Encode(g, ints)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tfc.onnx")
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
		t.Fatalf("onnx checker: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "MultiThreshold") {
		t.Errorf("checker output %q", out)
	}
	t.Logf("onnx checker: %s", strings.TrimSpace(string(out)))
}
