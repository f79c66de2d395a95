package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBNPassesAsmMatchGo: the AVX2 batch-norm passes give the bits of the
// Go loops, for channel ranges with and without a tail, offsets into the
// row and one and many rows.
func TestBNPassesAsmMatchGo(t *testing.T) {
	if !useBNAsm {
		t.Skip("no AVX2 on this CPU")
	}
	defer func(v bool) { useBNAsm = v }(useBNAsm)
	rng := rand.New(rand.NewPCG(11, 12))
	f64 := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = rng.NormFloat64()
		}
		return s
	}
	for _, sh := range [][3]int{{1, 4, 0}, {3, 13, 2}, {7, 64, 0}, {50, 72, 8}, {9, 10, 3}} {
		rows, stride, c0 := sh[0], sh[1], sh[2]
		n := stride - c0
		t.Run(fmt.Sprintf("rows=%d/stride=%d/c0=%d", rows, stride, c0), func(t *testing.T) {
			y, x := randSlice(rng, rows*stride), randSlice(rng, rows*stride)
			mean, acc, m2, m3 := f64(n), f64(n), f64(n), f64(n)
			inv, gam, beta := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
			run := func(asm bool) [][]float64 {
				useBNAsm = asm
				y2, x2, a, b, c := slices.Clone(y), slices.Clone(x), slices.Clone(acc), slices.Clone(m2), slices.Clone(m3)
				sumCols(y2[c0:], rows, stride, a)
				devCols(y2[c0:], rows, stride, mean, b)
				gradSumCols(y2[c0:], x2[c0:], rows, stride, c, a)
				gradCols(y2[c0:], x2[c0:], rows, stride, mean, b, c)
				normCols(y2[c0:], x2[c0:], rows, stride, mean, inv, gam, beta)
				return [][]float64{a, b, c, f32to64(y2), f32to64(x2)}
			}
			want, got := run(false), run(true)
			for i := range want {
				for j := range want[i] {
					if math.Float64bits(got[i][j]) != math.Float64bits(want[i][j]) {
						t.Fatalf("output %d element %d: asm %v, go %v", i, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}

func f32to64(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}
