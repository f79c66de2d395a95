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
