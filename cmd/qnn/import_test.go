package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/qnn-dev/qnn/qonnx/onnxpb"
)

const qonnxFixtures = "../../../shared/fixtures/qonnx"

func fixture(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(qonnxFixtures, rel)
	if _, err := os.Stat(p); err != nil {
		if alt := filepath.Join("/work/shared/fixtures/qonnx", rel); fileOK(alt) {
			return alt
		}
		t.Skipf("fixture %s not found", rel)
	}
	return p
}

func fileOK(p string) bool { _, err := os.Stat(p); return err == nil }

// TestImportExportCLI imports FINN's TFC-w1a1, exports it, re-imports the
// export and requires the same netlist file; --json prints one object.
func TestImportExportCLI(t *testing.T) {
	dir := t.TempDir()
	a, onnx, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "a.onnx"), filepath.Join(dir, "b.json")
	out, stderr, code := runQNN(t, "import", fixture(t, "finn-tfc-w1a1/model.onnx"), "-o", a, "--json")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	var r importReport
	decodeOneObject(t, out, &r)
	if r.Output != a || len(r.Layers) != 9 {
		t.Errorf("report: output %q, %d layers", r.Output, len(r.Layers))
	}
	if _, stderr, code := runQNN(t, "export", a, "--format", "qonnx", "-o", onnx); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runQNN(t, "import", onnx, "-o", b); code != 0 {
		t.Fatalf("re-import: exit %d: %s", code, stderr)
	}
	wa, _ := os.ReadFile(a)
	wb, _ := os.ReadFile(b)
	if string(wa) != string(wb) {
		t.Errorf("export -> import changed the netlist")
	}
	if _, stderr, code := runQNN(t, "import", onnx, "-o", b); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("import over an existing file: exit %d, %q", code, stderr)
	}
}

// TestImportBadInputs: one-line error naming the problem, exit 1, no output file.
func TestImportBadInputs(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(fixture(t, "TFC_1W1A.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	edit := func(name string, f func(m *onnxpb.ModelProto)) string {
		var m onnxpb.ModelProto
		if err := proto.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(&m)
		data, err := proto.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		return write(name, data)
	}
	wide := func(m *onnxpb.ModelProto) {
		for _, n := range m.Graph.Node {
			if n.OpType == "Quant" || n.OpType == "BipolarQuant" {
				n.OpType = "Identity"
				n.Input = n.Input[:1]
			}
		}
	}
	cases := map[string]struct {
		path string
		want string
	}{
		"missing":   {filepath.Join(dir, "nope.onnx"), "no such file"},
		"truncated": {write("trunc.onnx", good[:len(good)/2]), "not a valid ONNX model"},
		"corrupt":   {write("corrupt.onnx", []byte("\x0a\xff\xff\xff\xff\x0fgarbage")), "not a valid ONNX model"},
		"unknown-op": {edit("op.onnx", func(m *onnxpb.ModelProto) { m.Graph.Node[6].OpType = "Frobnicate" }),
			`node "Sub_9" (Frobnicate): unsupported op`},
		"dynamic": {edit("dyn.onnx", func(m *onnxpb.ModelProto) {
			m.Graph.Input[0].Type.GetTensorType().Shape.Dim[0].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
		}), `dimension 0 is dynamic ("N")`},
		"no-quantizers": {edit("float.onnx", wide), "follows a MatMul without an activation quantizer"},
		"wide-activation": {edit("wide.onnx", func(m *onnxpb.ModelProto) {
			for _, n := range m.Graph.Node {
				if n.OpType == "BipolarQuant" && n.Input[0] == "43" {
					n.OpType, n.Input = "Quant", []string{n.Input[0], n.Input[1], "zp9", "bits9"}
					n.Attribute = []*onnxpb.AttributeProto{{Name: "signed", Type: onnxpb.AttributeProto_INT, I: 1}}
				}
			}
			m.Graph.Initializer = append(m.Graph.Initializer,
				&onnxpb.TensorProto{Name: "zp9", DataType: int32(onnxpb.TensorProto_FLOAT), FloatData: []float32{0}},
				&onnxpb.TensorProto{Name: "bits9", DataType: int32(onnxpb.TensorProto_FLOAT), FloatData: []float32{9}})
		}), "activation bit width 9 is not supported"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".json")
			_, stderr, code := runQNN(t, "import", c.path, "-o", out)
			if code != 1 {
				t.Errorf("exit %d, want 1 (%s)", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q: want one line containing %q", stderr, c.want)
			}
			if fileOK(out) {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// TestExportBadInputs: unknown format, missing model.
func TestExportBadInputs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.onnx")
	for _, args := range [][]string{
		{"export", testModel, "--format", "tflite", "-o", out},
		{"export", filepath.Join(dir, "none.json"), "-o", out},
		{"export", testModel},
	} {
		_, stderr, code := runQNN(t, args...)
		if code != 1 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		if fileOK(out) {
			t.Errorf("%v wrote %s", args, out)
		}
	}
}

// TestFlowFromONNX runs `qnn flow --from-onnx` on FINN's TFC-w1a1 without
// co-simulation or synthesis: training is skipped, the export stage
// compares the netlist with qonnx.Execute (0 disagreements on the test
// set) and sim agrees with the netlist.
func TestFlowFromONNX(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator on 10,000 images")
	}
	dir := filepath.Join(t.TempDir(), "flow")
	out, stderr, code := runQNN(t, "flow", "--from-onnx", fixture(t, "finn-tfc-w1a1/model.onnx"), "-o", dir,
		"--cosim-images", "0", "--target", "none", "--target-cycles", "256", "--quiet", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Config struct {
			ONNX string `json:"onnx"`
		} `json:"config"`
		Train  any `json:"train"`
		Export struct {
			Source         string `json:"source"`
			Disagreements  int    `json:"disagreements"`
			NetlistCorrect int    `json:"netlist_correct"`
		} `json:"export"`
		Sim struct {
			Frames, Correct, Disagreements int
		} `json:"sim"`
	}
	decodeOneObject(t, out, &rep)
	if !strings.HasSuffix(rep.Config.ONNX, "model.onnx") {
		t.Errorf("report config onnx = %q", rep.Config.ONNX)
	}
	if rep.Train != nil || rep.Export.Source == "" || rep.Export.Disagreements != 0 || rep.Export.NetlistCorrect != 9296 {
		t.Errorf("export: %+v (train %v)", rep.Export, rep.Train)
	}
	if rep.Sim.Frames != 10000 || rep.Sim.Disagreements != 0 || rep.Sim.Correct != 9296 {
		t.Errorf("sim: %+v", rep.Sim)
	}
}
