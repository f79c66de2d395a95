package train

import (
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
)

func TestSplit(t *testing.T) {
	full := &dataset.Set{Name: "mnist", Split: "train", N: TrainImages + 7, C: 1, Rows: 1, Cols: 1,
		Pixels: make([]byte, TrainImages+7), Labels: make([]byte, TrainImages+7)}
	for _, tc := range []struct{ limit, wantTrain int }{{0, TrainImages}, {1000, 1000}, {TrainImages + 5, TrainImages}} {
		tr, val, err := Split(full, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if tr.N != tc.wantTrain || val.N != 7 {
			t.Errorf("limit %d: %d train / %d validation images, want %d / 7", tc.limit, tr.N, val.N, tc.wantTrain)
		}
	}
	small := full.Slice(0, TrainImages)
	if _, _, err := Split(small, 0); err == nil || !strings.Contains(err.Error(), "want more than 50000") {
		t.Fatalf("a file without validation images: %v", err)
	}
}

// TestSplitPerDataSet: CIFAR-10 trains on the first 45,000 and validates
// on the last 5,000; a data set of your own validates on its last tenth.
func TestSplitPerDataSet(t *testing.T) {
	set := func(name string, n int) *dataset.Set {
		s := &dataset.Set{Name: name, Split: "train", N: n, C: 1, Rows: 1, Cols: 1, Pixels: make([]byte, n), Labels: make([]byte, n)}
		for i := range s.Pixels {
			s.Pixels[i] = byte(i)
		}
		return s
	}
	for _, tc := range []struct {
		name            string
		n, train, valid int
	}{
		{"cifar10", 50000, 45000, 5000}, {"images", 100, 90, 10}, {"images", 5, 4, 1}, {"idx", 2, 1, 1},
	} {
		tr, val, err := Split(set(tc.name, tc.n), 0)
		if err != nil {
			t.Fatalf("%s %d: %v", tc.name, tc.n, err)
		}
		if tr.N != tc.train || val.N != tc.valid || val.Pixels[0] != byte(tc.train) {
			t.Errorf("%s %d: %d / %d images (validation from %d), want %d / %d", tc.name, tc.n, tr.N, val.N, val.Pixels[0], tc.train, tc.valid)
		}
	}
	if _, _, err := Split(set("cifar10", 45000), 0); err == nil || !strings.Contains(err.Error(), "want more than 45000") {
		t.Errorf("CIFAR-10 without validation images: %v", err)
	}
	if _, _, err := Split(set("images", 1), 0); err == nil {
		t.Error("a one-image set split without error")
	}
}
