package qonnx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixtureDir is ../shared/fixtures/qonnx relative to the repository root.
func fixtureDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "fixtures", "qonnx")
	if _, err := os.Stat(dir); err != nil {
		if d := "/work/shared/fixtures/qonnx"; dirExists(d) {
			return d
		}
		t.Skipf("fixtures not found: %v", err)
	}
	return dir
}

func dirExists(d string) bool { st, err := os.Stat(d); return err == nil && st.IsDir() }

// TestExecuteFINNExample checks FINN's build_dataflow TFC-w1a1 on its four
// images: expected_output.npy says [7, 2, 1, 0].
func TestExecuteFINNExample(t *testing.T) {
	dir := filepath.Join(fixtureDir(t), "finn-tfc-w1a1")
	g, err := Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := LoadNpy(filepath.Join(dir, "input.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadNpy(filepath.Join(dir, "expected_output.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{4, 1, 28, 28}, x.Shape); diff != "" {
		t.Fatalf("input.npy shape (-want +got):\n%s", diff)
	}
	var got []float64
	for i := 0; i < 4; i++ {
		img := &Tensor{Shape: []int{1, 1, 28, 28}, Data: x.Data[i*784 : (i+1)*784]}
		p, _, err := Predict(g, img)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, float64(p))
	}
	if diff := cmp.Diff(want.Data, got); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
}
