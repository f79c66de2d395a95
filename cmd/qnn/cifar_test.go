package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// requireCIFAR skips a test without the project's CIFAR-10 copy
// (../shared/datasets/cifar10), except in CI, where it must be there.
func requireCIFAR(t *testing.T) {
	t.Helper()
	if _, err := dataset.DefaultDir(dataset.CIFAR10); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: the project's CIFAR-10 copy must be present: %v", err)
		}
		t.Skipf("no CIFAR-10 copy (a fresh clone without ../shared): %v", err)
	}
}

// TestCIFARTrainEvalSim: `qnn train --dataset cifar10` trains a dense
// model on 8-bit (3,32,32) inputs that the netlist classifies as the
// float model does; eval scores it as netlist.Eval on the test images
// does; sim of its design agrees with netlist.Eval.
func TestCIFARTrainEvalSim(t *testing.T) {
	requireCIFAR(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "c.json")
	stdout, stderr, code := runQNN(t, "train", "--dataset", "cifar10", "--hidden", "32", "--epochs", "1", "--limit", "2000",
		"--quiet", "--out", model, "--json")
	if code != exitOK {
		t.Fatalf("train: exit code %d: %s", code, stderr)
	}
	var tr trainReport
	decodeOneObject(t, stdout, &tr)
	if tr.Dataset != "cifar10" || tr.InputBits != 8 || tr.TestImages != 10000 || tr.Disagreements != 0 || tr.TestAccuracy < 0.15 {
		t.Errorf("train: dataset %s, input bits %d, %d test images, %d disagreements, accuracy %v",
			tr.Dataset, tr.InputBits, tr.TestImages, tr.Disagreements, tr.TestAccuracy)
	}
	n, err := netlist.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.InputLayer().Shape; got != (netlist.Shape{C: 3, H: 32, W: 32}) || n.Layers[1].(*netlist.Dense).In != 3072 {
		t.Fatalf("input shape %v", got)
	}

	const limit = 300
	stdout, stderr, code = runQNN(t, "eval", "--model", model, "--dataset", "cifar10", "--limit", strconv.Itoa(limit), "--json")
	if code != exitOK {
		t.Fatalf("eval: exit code %d: %s", code, stderr)
	}
	var er evalReport
	decodeOneObject(t, stdout, &er)
	test, err := dataset.Load("cifar10", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := netlist.Eval(n, test.Images()[:limit*3072], limit)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, r := range res {
		if r.Class == int(test.Labels[i]) {
			correct++
		}
	}
	if er.Images != limit || er.Correct != correct {
		t.Errorf("eval: %d of %d correct, netlist.Eval: %d", er.Correct, er.Images, correct)
	}

	design := filepath.Join(dir, "design")
	if _, stderr, code = runQNN(t, "gen", "--model", model, "-o", design); code != exitOK {
		t.Fatalf("gen: exit code %d: %s", code, stderr)
	}
	if _, stderr, code = runQNN(t, "sim", design, "--dataset", "cifar10", "--limit", "3"); code != exitOK {
		t.Fatalf("sim: exit code %d: %s", code, stderr)
	}
}

// TestCIFARNotFound: outside a checkout (no ../shared) and without
// --data-dir, eval says how to obtain CIFAR-10.
func TestCIFARNotFound(t *testing.T) {
	model, err := filepath.Abs(testModel)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	stdout, stderr, code := runQNN(t, "eval", "--model", model, "--dataset", "cifar10")
	// The random model reads MNIST's shape, so the shape check comes first.
	checkUserError(t, stdout, stderr, code, "cannot be made from cifar10's (3,32,32) images")
	stdout, stderr, code = runQNN(t, "train", "--dataset", "cifar10", "--epochs", "1", "--out", filepath.Join(t.TempDir(), "m.json"))
	checkUserError(t, stdout, stderr, code, "CIFAR-10 not found", dataset.CIFARTarball, dataset.CIFARURL, "--data-dir")
}
