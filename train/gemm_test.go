package train

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// naiveGemm is the definition: C = A·B (+C if acc) in float64.
func naiveGemm(m, n, k int, a, b matView, c []float32, ldc int, acc bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for kk := 0; kk < k; kk++ {
				s += float64(a.data[i*a.rs+kk*a.cs]) * float64(b.data[kk*b.rs+j*b.cs])
			}
			if acc {
				s += float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(s)
		}
	}
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		m, n, k        int
		transA, transB bool
		acc            bool
		threads        int
	}{
		{1, 1, 1, false, false, false, 1},
		{12, 32, 7, false, false, false, 1},
		{13, 33, 300, false, false, true, 2},
		{100, 64, 784, false, true, false, 2},
		{64, 784, 100, true, false, false, 2},
		{100, 784, 64, false, false, true, 3},
		{250, 1100, 513, true, true, false, 2},
		{5, 10, 0, false, false, false, 2},
	}
	defer setKernels(kernelMode{useAsm, useAVX2})
	modes := append([]kernelMode{{}}, asmModes()...)
	for _, tt := range tests {
		for _, md := range modes {
			setKernels(md)
			name := fmt.Sprintf("m=%d/n=%d/k=%d/tA=%v/tB=%v/acc=%v/threads=%d/%v", tt.m, tt.n, tt.k, tt.transA, tt.transB, tt.acc, tt.threads, md)
			t.Run(name, func(t *testing.T) {
				ad, bd := randSlice(rng, tt.m*tt.k), randSlice(rng, tt.k*tt.n)
				a, b := rowMajor(ad, tt.k), rowMajor(bd, tt.n)
				if tt.transA {
					a = transposed(ad, tt.m)
				}
				if tt.transB {
					b = transposed(bd, tt.k)
				}
				ldc := tt.n + 3
				c0 := randSlice(rng, tt.m*ldc)
				got, want := append([]float32(nil), c0...), append([]float32(nil), c0...)
				gemm(tt.m, tt.n, tt.k, a, b, got, ldc, tt.acc, tt.threads)
				naiveGemm(tt.m, tt.n, tt.k, a, b, want, ldc, tt.acc)
				for i := range got {
					tol := 1e-4 * (1 + math.Sqrt(float64(tt.k)))
					if d := math.Abs(float64(got[i] - want[i])); d > tol {
						t.Fatalf("element %d (row %d col %d): got %v, want %v", i, i/ldc, i%ldc, got[i], want[i])
					}
				}
			})
		}
	}
}

// TestGemmTallSameBits: packing B whole (gemmTall) gives the bits of the
// streaming loop, for plain and patch operands, with and without acc.
func TestGemmTallSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	g := ConvShape{ConvSpec: ConvSpec{Out: 40, K: 3, Stride: 1}, InC: 24, InH: 9, InW: 8, OH: 7, OW: 6}
	x := randSlice(rng, 5*9*8*24)
	pm := 5 * 7 * 6
	for _, tt := range []struct {
		m, n, k int
		a, b    matView
	}{
		{130, 70, 600, rowMajor(randSlice(rng, 130*600), 600), transposed(randSlice(rng, 70*600), 600)},
		{pm, 40, 216, patches(x, &g, 0.5), transposed(randSlice(rng, 40*216), 216)},
		{25, 1100, 300, rowMajor(randSlice(rng, 25*300), 300), rowMajor(randSlice(rng, 300*1100), 1100)},
	} {
		for _, acc := range []bool{false, true} {
			c0 := randSlice(rng, tt.m*tt.n)
			got, want := slices.Clone(c0), slices.Clone(c0)
			gemm(tt.m, tt.n, tt.k, tt.a, tt.b, got, tt.n, acc, 2)
			lim := gemmWholeB
			gemmWholeB = 0
			gemm(tt.m, tt.n, tt.k, tt.a, tt.b, want, tt.n, acc, 2)
			gemmWholeB = lim
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("m=%d n=%d k=%d acc=%v: element %d: %v, streaming %v", tt.m, tt.n, tt.k, acc, i, got[i], want[i])
				}
			}
		}
	}
}

// TestGemmRowwiseSameBits: packing A by rows for the AVX2 row kernel gives
// the bits of the interleaved packing, for row-major, transposed, strided
// and patch operands with partial tiles.
func TestGemmRowwiseSameBits(t *testing.T) {
	if !rowwiseA() {
		t.Skip("no row-wise packing on this CPU")
	}
	rng := rand.New(rand.NewPCG(17, 18))
	g := ConvShape{ConvSpec: ConvSpec{Out: 40, K: 3, Stride: 2, Pad: 1}, InC: 24, InH: 9, InW: 8, OH: 5, OW: 4}
	x := randSlice(rng, 5*9*8*24)
	for _, tt := range []struct {
		m, n, k int
		a, b    matView
	}{
		{130, 70, 600, rowMajor(randSlice(rng, 130*600), 600), transposed(randSlice(rng, 70*600), 600)},
		{61, 75, 300, transposed(randSlice(rng, 61*300), 61), rowMajor(randSlice(rng, 300*75), 75)},
		{5 * 5 * 4, 40, 216, patches(x, &g, 0.5), transposed(randSlice(rng, 40*216), 216)},
		{25, 33, 40, matView{data: randSlice(rng, 25*40*3), rs: 120, cs: 3}, rowMajor(randSlice(rng, 40*33), 33)},
	} {
		for _, acc := range []bool{false, true} {
			c0 := randSlice(rng, tt.m*tt.n)
			got, want := slices.Clone(c0), slices.Clone(c0)
			gemm(tt.m, tt.n, tt.k, tt.a, tt.b, got, tt.n, acc, 2)
			noRowwiseA = true
			gemm(tt.m, tt.n, tt.k, tt.a, tt.b, want, tt.n, acc, 2)
			noRowwiseA = false
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("m=%d n=%d k=%d acc=%v: element %d: row-wise %v, interleaved %v", tt.m, tt.n, tt.k, acc, i, got[i], want[i])
				}
			}
		}
	}
}

// TestGemmThreadInvariant checks that the thread count does not change a
// single bit of the result (determinism across --threads).
func TestGemmThreadInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, n, k := 100, 1024, 784
	ad, bd := randSlice(rng, m*k), randSlice(rng, k*n)
	ref := make([]float32, m*n)
	gemm(m, n, k, rowMajor(ad, k), transposed(bd, k), ref, n, false, 1)
	for _, th := range []int{2, 3, 7} {
		got := make([]float32, m*n)
		gemm(m, n, k, rowMajor(ad, k), transposed(bd, k), got, n, false, th)
		for i := range got {
			if got[i] != ref[i] {
				t.Fatalf("threads=%d: element %d differs: %v vs %v", th, i, got[i], ref[i])
			}
		}
	}
}

// kernelMode is a choice of micro-kernel: AVX-512, AVX2 or (neither) Go.
type kernelMode struct{ avx512, avx2 bool }

func (k kernelMode) String() string {
	switch {
	case k.avx512:
		return "avx512"
	case k.avx2:
		return "avx2"
	}
	return "go"
}

// asmModes lists the assembly kernels this CPU runs, as the CPU detection
// found them (the tests restore that with setKernels).
var asmModes = func() func() []kernelMode {
	var ms []kernelMode
	if useAsm {
		ms = append(ms, kernelMode{avx512: true})
	}
	if useAVX2 {
		ms = append(ms, kernelMode{avx2: true})
	}
	return func() []kernelMode { return ms }
}()

func setKernels(k kernelMode) { useAsm, useAVX2 = k.avx512, k.avx2 }

// fmaRef is the micro-kernel's definition for the fused kernels: per
// element of C, t = fma(a_k, b_k, t) from t = 0 for k = 0..kc-1, each fused
// multiply-add rounded once to float32 (computed exactly with big.Float),
// then C = t, or C = C + t if acc.
func fmaRef(kc int, a, b, c []float32, ldc int, acc bool) {
	for i := 0; i < gemmMR; i++ {
		for j := 0; j < gemmNR; j++ {
			var t float32
			for kk := 0; kk < kc; kk++ {
				x := new(big.Float).SetFloat64(float64(a[kk*gemmMR+i]))
				x.Mul(x, big.NewFloat(float64(b[kk*gemmNR+j])))
				x.Add(x, big.NewFloat(float64(t)))
				t, _ = x.Float32()
			}
			if acc {
				t += c[i*ldc+j]
			}
			c[i*ldc+j] = t
		}
	}
}

// TestKernelAVX2MatchesFMA: the AVX2 micro-kernel gives exactly the bits of
// fmaRef (the AVX-512 kernel's operations), signed zeros and subnormals
// included.
func TestKernelAVX2MatchesFMA(t *testing.T) {
	if !slices.Contains(asmModes(), kernelMode{avx2: true}) {
		t.Skip("no AVX2+FMA on this CPU")
	}
	defer setKernels(kernelMode{useAsm, useAVX2})
	setKernels(kernelMode{avx2: true})
	rng := rand.New(rand.NewPCG(9, 10))
	special := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 1e-20, 1}
	for _, kc := range []int{0, 1, 2, 3, 17, 256} {
		for _, acc := range []bool{false, true} {
			a, b := randSlice(rng, gemmMR*kc), randSlice(rng, gemmNR*kc)
			for _, s := range [][]float32{a, b} {
				for i := range s {
					if rng.IntN(8) == 0 {
						s[i] = special[rng.IntN(len(special))]
					}
				}
			}
			ldc := gemmNR + 5
			c0 := randSlice(rng, gemmMR*ldc)
			got, want := slices.Clone(c0), slices.Clone(c0)
			kernel(kc, a, b, got, ldc, acc)
			fmaRef(kc, a, b, want, ldc, acc)
			for i := range got {
				if g, w := math.Float32bits(got[i]), math.Float32bits(want[i]); g != w {
					t.Fatalf("kc=%d acc=%v: element %d: avx2 %v (%#x), exact fma %v (%#x)", kc, acc, i, got[i], g, want[i], w)
				}
			}
		}
	}
}

func TestKernelAsmMatchesGo(t *testing.T) {
	if !useAsm {
		t.Skip("no AVX-512 kernel on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, kc := range []int{1, 2, 17, 256} {
		for _, acc := range []bool{false, true} {
			a, b := randSlice(rng, gemmMR*kc), randSlice(rng, gemmNR*kc)
			ldc := gemmNR + 5
			c0 := randSlice(rng, gemmMR*ldc)
			got, want := append([]float32(nil), c0...), append([]float32(nil), c0...)
			kernel(kc, a, b, got, ldc, acc)
			kernelGo(kc, a, b, want, ldc, acc)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Sqrt(float64(kc))) {
					t.Fatalf("kc=%d acc=%v: element %d: asm %v, go %v", kc, acc, i, got[i], want[i])
				}
			}
		}
	}
}

var sinkF32 []float32

func BenchmarkGemm(b *testing.B) {
	for _, sz := range [][3]int{{100, 1024, 1024}, {100, 1024, 784}, {1024, 784, 100}, {256, 1024, 1024}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("m=%d/n=%d/k=%d/threads=%d", m, n, k, th), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(7, 8))
				ad, bd := randSlice(rng, m*k), randSlice(rng, k*n)
				c := make([]float32, m*n)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					gemm(m, n, k, rowMajor(ad, k), rowMajor(bd, n), c, n, false, th)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				sinkF32 = c
			})
		}
	}
}

// BenchmarkGemmConv runs the three products of CNV's second convolution
// for 10 images (M = 10*28*28 patches, K = 3*3*64, N = 64 channels):
// forward (patches x weights^T), weight gradient (d^T x patches) and
// patch gradient (d x weights), the first two on a written im2col matrix
// and on patches read on the fly from the images (as training does),
// reporting GFLOP per CPU second besides GFLOP/s.
func BenchmarkGemmConv(b *testing.B) {
	const m, k, n = 7840, 576, 64
	rng := rand.New(rand.NewPCG(1, 2))
	g := ConvShape{ConvSpec: ConvSpec{Out: n, K: 3, Stride: 1}, InC: 64, InH: 30, InW: 30, OH: 28, OW: 28}
	x := randSlice(rng, 10*30*30*64)
	col, w, d := make([]float32, m*k), randSlice(rng, n*k), randSlice(rng, m*n)
	im2col(col, x, 10, &g, 0, 1)
	pv := patches(x, &g, 0)
	out, gw, dcol := make([]float32, m*n), make([]float32, n*k), make([]float32, m*k)
	for _, r := range []struct {
		name string
		f    func()
	}{
		{"forward", func() { gemm(m, n, k, rowMajor(col, k), transposed(w, k), out, n, false, 2) }},
		{"forward-patches", func() { gemm(m, n, k, pv, transposed(w, k), out, n, false, 2) }},
		{"dW", func() { gemm(n, k, m, transposed(d, n), rowMajor(col, k), gw, k, false, 2) }},
		{"dW-patches", func() { gemm(n, k, m, transposed(d, n), pv, gw, k, false, 2) }},
		{"dx", func() { gemm(m, k, n, rowMajor(d, n), rowMajor(w, k), dcol, k, false, 2) }},
	} {
		b.Run(r.name, func(b *testing.B) {
			cpu0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				r.f()
			}
			cpu := cpuSeconds() - cpu0
			b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(2*m*n*k*float64(b.N)/cpu/1e9, "GFLOP/cpu-s")
		})
	}
}

// BenchmarkKernel runs the micro-kernel alone on L1-resident panels
// (kc = KC), reporting GFLOP per CPU second.
func BenchmarkKernel(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, bp := randSlice(rng, gemmMR*gemmKC), randSlice(rng, gemmNR*gemmKC)
	c := make([]float32, gemmMR*gemmNR)
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		kernel(gemmKC, a, bp, c, gemmNR, true)
	}
	fl := 2 * float64(gemmMR*gemmNR*gemmKC) * float64(b.N)
	b.ReportMetric(fl/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(fl/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
}

// BenchmarkGemmBlock runs the macro-kernel (gemmBlock) on packed blocks
// (mc x KC times KC x nc), reporting GFLOP per CPU second: the micro-kernel
// with the caches of real blocks, for choosing MC and NC.
func BenchmarkGemmBlock(b *testing.B) {
	for _, mc := range []int{48, 120, 240} {
		for _, nc := range []int{64, 256, 576, 1024} {
			b.Run(fmt.Sprintf("mc=%d/nc=%d", mc, nc), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				w := &gemmWork{a: randSlice(rng, mc*gemmKC), b: randSlice(rng, gemmKC*nc)}
				c := make([]float32, mc*nc)
				cpu0 := cpuSeconds()
				for i := 0; i < b.N; i++ {
					gemmBlock(w.a, w.b, mc, nc, gemmKC, c, nc, true, false, &w.tile)
				}
				fl := 2 * float64(mc*nc*gemmKC) * float64(b.N)
				b.ReportMetric(fl/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
			})
		}
	}
}

// TestAddToScatter: addTo and copyStrided (assembly on amd64) give the
// bits of their plain loops, for lengths around the vector width.
func TestAddToScatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 3, 7, 8, 9, 16, 31, 64, 100} {
		d, s := randSlice(rng, n), randSlice(rng, n)
		got, want := slices.Clone(d), slices.Clone(d)
		addTo(got, s)
		for j, v := range s {
			want[j] += v
		}
		if !slices.Equal(got, want) {
			t.Fatalf("addTo n=%d differs", n)
		}
		for _, stride := range []int{1, 12, 32} {
			got, want := randSlice(rng, n*stride), make([]float32, n*stride)
			copy(want, got)
			copyStrided(got, stride, s)
			for k, v := range s {
				want[k*stride] = v
			}
			if !slices.Equal(got, want) {
				t.Fatalf("copyStrided n=%d stride=%d differs", n, stride)
			}
		}
	}
}
