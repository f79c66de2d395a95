package hw

import (
	"slices"
	"testing"
)

// TestOutputEmitted: the class is the first of the highest scores, and a
// TopScore stage carries that class's score alone.
func TestOutputEmitted(t *testing.T) {
	scores := []int64{-3, 7, 2, 7, -9}
	for _, top := range []bool{false, true} {
		o := &OutputStage{Classes: len(scores), TopScore: top}
		k, got := o.Emitted(scores)
		want := scores
		if top {
			want = []int64{7}
		}
		if k != 1 || !slices.Equal(got, want) {
			t.Errorf("TopScore %v: Emitted = %d, %v; want 1, %v", top, k, got, want)
		}
	}
}
