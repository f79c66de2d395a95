package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/flow"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// TestTrainInputSize: `qnn train --input-size 14` writes a 1x14x14 model
// (196 inputs) that eval accepts, downsampling the test images itself to
// the accuracy train reported; sim on a design of it equals netlist.Eval;
// the same seed gives the same bytes.
func TestTrainInputSize(t *testing.T) {
	requireMNIST(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "m14.json")
	args := []string{"train", "--input-size", "14", "--hidden", "32", "--epochs", "1", "--limit", "2000", "--quiet"}
	stdout, stderr, code := runQNN(t, append(args, "--out", model, "--json")...)
	if code != exitOK {
		t.Fatalf("train: exit code %d: %s", code, stderr)
	}
	var tr trainReport
	decodeOneObject(t, stdout, &tr)
	n, err := netlist.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.InputLayer().Shape; got != (netlist.Shape{C: 1, H: 14, W: 14}) {
		t.Fatalf("input shape %v, want (1,14,14)", got)
	}
	if d := n.Layers[1].(*netlist.Dense); d.In != 196 {
		t.Errorf("fc0 has %d inputs, want 196", d.In)
	}

	stdout, stderr, code = runQNN(t, "eval", "--model", model, "--dataset", "mnist", "--json")
	if code != exitOK {
		t.Fatalf("eval: exit code %d: %s", code, stderr)
	}
	var er evalReport
	decodeOneObject(t, stdout, &er)
	if er.Images != 10000 || er.Accuracy != tr.TestAccuracy || er.Accuracy < 0.5 {
		t.Errorf("eval: %d images, accuracy %v; train reported %v", er.Images, er.Accuracy, tr.TestAccuracy)
	}
	// eval's number is netlist.Eval on the downsampled images, computed
	// here independently.
	set, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	small, err := dataset.Downsample(set.Pixels, set.N, 28, 28, 14)
	if err != nil {
		t.Fatal(err)
	}
	res, err := netlist.Eval(n, small, set.N)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, r := range res {
		if r.Class == int(set.Labels[i]) {
			correct++
		}
	}
	if er.Correct != correct {
		t.Errorf("eval: %d correct, netlist.Eval on 14x14 images: %d", er.Correct, correct)
	}

	p, err := hw.NewPlan(n, hw.Options{TargetCycles: 64})
	if err != nil {
		t.Fatal(err)
	}
	design := filepath.Join(dir, "design")
	if err := os.Mkdir(design, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := hw.Save(design, p); err != nil {
		t.Fatal(err)
	}
	if err := netlist.Save(filepath.Join(design, "netlist.json"), n); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = runQNN(t, "sim", design, "--dataset", "mnist", "--limit", "500", "--json")
	if code != exitOK {
		t.Fatalf("sim: exit code %d: %s", code, stderr)
	}
	var sr simReport
	decodeOneObject(t, stdout, &sr)
	if sr.Frames != 500 || sr.Agreement != 1 {
		t.Errorf("sim: %d frames, agreement %v", sr.Frames, sr.Agreement)
	}

	again := filepath.Join(dir, "again.json")
	if _, stderr, code := runQNN(t, append(args, "--out", again)...); code != exitOK {
		t.Fatalf("second run: exit code %d: %s", code, stderr)
	}
	a, _ := os.ReadFile(model)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different model files")
	}
}

// TestFlowInputSize: flow's --input-size trains a 1x14x14 model and every
// stage feeds it 14x14 images (sim agrees with the netlist on all of them).
func TestFlowInputSize(t *testing.T) {
	requireMNIST(t)
	dir := filepath.Join(t.TempDir(), "flow")
	_, stderr, code := runQNN(t, "flow", "-o", dir, "--input-size", "7", "--hidden", "16", "--epochs", "1", "--limit", "1000",
		"--target-cycles", "64", "--cosim-images", "0", "--target", "none", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	n, err := netlist.Load(filepath.Join(dir, flow.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.InputLayer().Shape; got != (netlist.Shape{C: 1, H: 7, W: 7}) {
		t.Errorf("input shape %v, want (1,7,7)", got)
	}
	var rep flow.Report
	data, err := os.ReadFile(filepath.Join(dir, flow.ReportJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Export == nil || rep.Sim == nil || rep.Sim.Frames != 10000 || rep.Sim.Correct != rep.Export.NetlistCorrect ||
		rep.Export.Disagreements != 0 || rep.Export.NetlistAccuracy < 0.3 {
		t.Errorf("export %+v, sim %+v: want sim equal to the netlist on 10,000 7x7 images", rep.Export, rep.Sim)
	}
}

func TestInputSizeUserErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"train 13", []string{"train", "--input-size", "13", "--out", filepath.Join(dir, "m.json")}, "train: --input-size 13: must divide 28"},
		{"train 0", []string{"train", "--input-size", "0", "--out", filepath.Join(dir, "m.json")}, "train: --input-size 0: must divide 28"},
		{"flow 56", []string{"flow", "-o", filepath.Join(dir, "f"), "--input-size", "56"}, "flow: --input-size 56: must divide 28"},
		{"resume", []string{"train", "--resume", filepath.Join(dir, "x.ckpt"), "--input-size", "14"}, "--input-size cannot be combined with --resume"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runQNN(t, tc.args...)
			checkUserError(t, stdout, stderr, code, tc.want)
		})
	}
	// A model whose input cannot be made from the data set's images: a
	// valid 3x8x8 netlist (192 inputs) instead of 1x28x28.
	path := writeModel(t, "rgb.json", func(m map[string]any) {
		layer(t, m, 0)["shape"] = []int{3, 8, 8}
		fc := layer(t, m, 1)
		fc["in"] = 192
		rows := fc["weights"].([]any)
		for i, r := range rows {
			rows[i] = r.(string)[:192/4]
		}
	})
	for _, cmd := range [][]string{{"eval", "--model", path, "--dataset", "mnist"}} {
		stdout, stderr, code := runQNN(t, cmd...)
		checkUserError(t, stdout, stderr, code, `layer 0 "input": shape:`, "(3,8,8)", "cannot be made from mnist's (1,28,28) images")
	}
	if _, err := os.Stat(filepath.Join(dir, "f")); err == nil {
		t.Error("flow with a bad --input-size left its directory")
	}
}
