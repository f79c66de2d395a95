package flow

import (
	"fmt"
	"os"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/qonnx"
)

// ExecuteSource names qonnx.Execute as the reference of an imported model
// (in place of the trainer's float model).
const ExecuteSource = "qonnx.Execute (ONNX graph, float64)"

// onnxSkip leaves training out when the model comes from an ONNX file
// or a netlist file.
func (r *runner) onnxSkip() string {
	switch {
	case r.cfg.ONNX != "":
		return "model imported from " + r.cfg.ONNX
	case r.cfg.Model != "":
		return "model read from " + r.cfg.Model
	}
	return ""
}

// importInputs hashes the ONNX file and the pixel divisor.
func (r *runner) importInputs() (string, error) {
	data, err := os.ReadFile(r.cfg.ONNX)
	if err != nil {
		return "", asUser(fmt.Errorf("flow: %w", err))
	}
	var h hasher
	h.add("stage", []byte(StageExport))
	h.add("dataset", []byte(r.cfg.Train.Dataset))
	h.add("onnx", data)
	h.addJSON("pixel_divisor", r.cfg.PixelDivisor)
	return h.sum(), nil
}

// runImport is the export stage of an ONNX flow: it imports the model,
// writes model.json and compares the netlist with qonnx.Execute on the
// whole test set.
func (r *runner) runImport() ([]string, error) {
	g, err := qonnx.Load(r.cfg.ONNX)
	if err != nil {
		return nil, asUser(err)
	}
	n, err := qonnx.Import(g, qonnx.ImportOptions{PixelDivisor: r.cfg.PixelDivisor, Name: "imported"})
	if err != nil {
		return nil, asUser(fmt.Errorf("flow: import %s: %w", r.cfg.ONNX, err))
	}
	n, test, err := r.saveModel(n)
	if err != nil {
		return nil, err
	}
	c, err := qonnx.Compare(g, n, test.Pixels, test.Labels, test.N, r.cfg.PixelDivisor)
	if err != nil {
		return nil, err
	}
	e := &ExportResult{Model: ModelFile, Name: n.Name, NetlistSHA256: hw.NetlistSHA256(n), TestImages: test.N,
		Disagreements: len(c.Differ), Source: ExecuteSource}
	e.FloatCorrect, e.FloatAccuracy = accuracy(c.ExecuteClasses, test.Labels)
	e.NetlistCorrect, e.NetlistAccuracy = accuracy(c.NetlistClasses, test.Labels)
	if e.Layers, err = netlist.Stats(n); err != nil {
		return nil, err
	}
	for _, l := range e.Layers {
		e.MACs += l.MACs
		e.BinaryMACs += l.BinaryMACs
	}
	if err := r.writeClasses(ClassesDir+"/float.txt", c.ExecuteClasses); err != nil {
		return nil, err
	}
	if err := r.writeClasses(ClassesDir+"/netlist.txt", c.NetlistClasses); err != nil {
		return nil, err
	}
	r.net = n
	r.rep.Export = e
	return []string{ModelFile, ClassesDir + "/float.txt", ClassesDir + "/netlist.txt"}, nil
}
