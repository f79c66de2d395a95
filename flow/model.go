package flow

import (
	"fmt"
	"os"
	"strconv"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// ModelSource names the reference row of a flow started from a netlist
// file: there is no float model, so it is netlist.Eval on the file itself.
const ModelSource = "model file (netlist.Eval, no float model)"

// modelInputs hashes the netlist file.
func (r *runner) modelInputs() (string, error) {
	data, err := os.ReadFile(r.cfg.Model)
	if err != nil {
		return "", asUser(fmt.Errorf("flow: %w", err))
	}
	var h hasher
	h.add("stage", []byte(StageExport))
	h.add("dataset", []byte(r.cfg.Train.Dataset))
	h.add("test_images", []byte(strconv.Itoa(r.cfg.TestImages)))
	h.add("model", data)
	return h.sum(), nil
}

// runModel is the export stage of a flow started from a netlist file: it
// checks and copies the model to model.json and measures it on the test
// set.
func (r *runner) runModel() ([]string, error) {
	n, err := netlist.Load(r.cfg.Model)
	if err != nil {
		return nil, asUser(fmt.Errorf("flow: --from-model: %w", err))
	}
	n, test, err := r.saveModel(n)
	if err != nil {
		return nil, err
	}
	res, err := netlist.Eval(n, test.Pixels, test.N)
	if err != nil {
		return nil, err
	}
	classes := make([]int, len(res))
	for i, x := range res {
		classes[i] = x.Class
	}
	e := &ExportResult{Model: ModelFile, Name: n.Name, NetlistSHA256: hw.NetlistSHA256(n), TestImages: test.N, Source: ModelSource}
	e.NetlistCorrect, e.NetlistAccuracy = accuracy(classes, test.Labels)
	e.FloatCorrect, e.FloatAccuracy = e.NetlistCorrect, e.NetlistAccuracy
	if e.Layers, err = netlist.Stats(n); err != nil {
		return nil, err
	}
	for _, l := range e.Layers {
		e.MACs += l.MACs
		e.BinaryMACs += l.BinaryMACs
	}
	for _, f := range []string{"float.txt", "netlist.txt"} {
		if err := r.writeClasses(ClassesDir+"/"+f, classes); err != nil {
			return nil, err
		}
	}
	r.net = n
	r.rep.Export = e
	return []string{ModelFile, ClassesDir + "/float.txt", ClassesDir + "/netlist.txt"}, nil
}
