package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAdamAsmMatchesGo: the vectorized Adam update gives bit-identical
// results to the Go loop (lengths with tails, clipping on and off, tiny and
// zero gradients).
func TestAdamAsmMatchesGo(t *testing.T) {
	modes := asmModes()
	if len(modes) == 0 {
		t.Skip("no assembly Adam on this CPU")
	}
	defer setKernels(kernelMode{useAsm, useAVX2})
	for _, md := range modes {
		setKernels(md)
		t.Run(md.String(), testAdamAsm)
	}
}

func testAdamAsm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{16, 33, 1000} {
		for _, clip := range []bool{false, true} {
			p, g := randSlice(rng, n), randSlice(rng, n)
			m, v := randSlice(rng, n), randSlice(rng, n)
			for i := range v {
				v[i] *= v[i]
				switch i % 7 {
				case 0:
					g[i] = 0
				case 1:
					g[i] *= 1e-20
				case 2:
					p[i] *= 3
				}
			}
			lim := float32(math.Inf(1))
			if clip {
				lim = 1
			}
			k := [8]float32{adamBeta1, 1 - adamBeta1, adamBeta2, 1 - adamBeta2, 0.37, adamEps, -lim, lim}
			for step := 0; step < 3; step++ {
				p2, m2, v2 := slices.Clone(p), slices.Clone(m), slices.Clone(v)
				done := adamVec(p, g, m, v, &k)
				if done != n&^15 {
					t.Fatalf("n=%d: vectorized %d elements", n, done)
				}
				adamRangeGo(p[done:], g[done:], m[done:], v[done:], &k)
				adamRangeGo(p2, g, m2, v2, &k)
				for i := range p {
					if math.Float32bits(p[i]) != math.Float32bits(p2[i]) || m[i] != m2[i] || v[i] != v2[i] {
						t.Fatalf("n=%d clip=%v step %d element %d: asm (%v %v %v), go (%v %v %v)",
							n, clip, step, i, p[i], m[i], v[i], p2[i], m2[i], v2[i])
					}
				}
			}
		}
	}
}
