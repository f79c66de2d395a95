package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// requireMNIST skips the test when the MNIST files are not installed.
func requireMNIST(t *testing.T) {
	t.Helper()
	if _, err := dataset.DefaultDir("mnist"); err != nil {
		t.Skipf("MNIST not installed (run scripts/setup.sh): %v", err)
	}
}

func TestEvalJSON(t *testing.T) {
	requireMNIST(t)
	const limit = 200
	stdout, stderr, code := runQNN(t, "eval", "--model", testModel, "--dataset", "mnist", "--limit", strconv.Itoa(limit), "--json")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	wantKeys := map[string]bool{}
	for _, k := range []string{"model", "dataset", "split", "images", "correct", "accuracy", "confusion",
		"per_class_accuracy", "seconds", "images_per_second"} {
		wantKeys[k] = true
	}
	if diff := cmp.Diff(wantKeys, jsonKeys(t, stdout)); diff != "" {
		t.Errorf("JSON keys mismatch (-want +got):\n%s", diff)
	}
	var got evalReport
	decodeOneObject(t, stdout, &got)

	if got.Model != testModel || got.Dataset != "mnist" || got.Split != "test" || got.Images != limit {
		t.Errorf("got model %q dataset %q split %q images %d", got.Model, got.Dataset, got.Split, got.Images)
	}
	if want := float64(got.Correct) / float64(got.Images); got.Accuracy != want {
		t.Errorf("accuracy %v, want correct/images = %v", got.Accuracy, want)
	}
	sum, diag := 0, 0
	for t2, row := range got.Confusion {
		rowSum := 0
		for _, c := range row {
			rowSum += c
		}
		sum += rowSum
		diag += row[t2]
		if a := got.PerClassAccuracy[t2]; rowSum > 0 && (a == nil || *a != float64(row[t2])/float64(rowSum)) {
			t.Errorf("class %d: per-class accuracy %v, want %d/%d", t2, a, row[t2], rowSum)
		}
	}
	if sum != got.Images || diag != got.Correct {
		t.Errorf("confusion sums to %d with %d on the diagonal, want %d images and %d correct", sum, diag, got.Images, got.Correct)
	}
	if got.Seconds <= 0 || got.ImagesPerSecond <= 0 {
		t.Errorf("seconds %v, images/s %v: want positive", got.Seconds, got.ImagesPerSecond)
	}

	// The confusion matrix must be the one the reference evaluator gives.
	n, err := netlist.Load(testModel)
	if err != nil {
		t.Fatal(err)
	}
	set, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]int, 10)
	for i := range want {
		want[i] = make([]int, 10)
	}
	for i := 0; i < limit; i++ {
		res, err := netlist.ReferenceResult(n, set.Image(i))
		if err != nil {
			t.Fatal(err)
		}
		want[set.Labels[i]][res.Class]++
	}
	if diff := cmp.Diff(want, got.Confusion); diff != "" {
		t.Errorf("confusion matrix differs from the reference evaluator (-want +got):\n%s", diff)
	}
}

func TestEvalText(t *testing.T) {
	requireMNIST(t)
	stdout, stderr, code := runQNN(t, "eval", "--model", testModel, "--dataset", "mnist", "--limit", "50", "--workers", "1")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"accuracy:", "/50 correct", "images/s (1 workers)", "confusion matrix", "true\\pred"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestEvalShapeMismatch needs no data set: the model is checked first.
func TestEvalShapeMismatch(t *testing.T) {
	path := writeModel(t, "wide.json", func(m map[string]any) {
		layer(t, m, 0)["shape"] = []int{1, 14, 56} // still 784 inputs: a valid netlist
	})
	stdout, stderr, code := runQNN(t, "eval", "--model", path, "--dataset", "fashion")
	checkUserError(t, stdout, stderr, code, path, `layer 0 "input": shape:`, "(1,14,56)", "(1,28,28)")
}

// writeModel writes a copy of the test model, changed by edit, into a
// temporary directory and returns its path.
func writeModel(t *testing.T, name string, edit func(m map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(testModel)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// layer returns layer i of a decoded netlist file.
func layer(t *testing.T, m map[string]any, i int) map[string]any {
	t.Helper()
	return m["layers"].([]any)[i].(map[string]any)
}
