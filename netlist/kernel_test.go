package netlist

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"testing"
)

// forEachKernel runs fn as a subtest for every kernel this CPU can run, so
// that every available path is tested (the vector ones are skipped, not
// faked, on CPUs without them).
func forEachKernel(t *testing.T, fn func(t *testing.T, k *kernel)) {
	t.Helper()
	for _, k := range kernels {
		t.Run(k.name, func(t *testing.T) { fn(t, k) })
	}
}

// TestKernelsAvailable checks that the pure-Go kernel is always available
// and last, and that names resolve.
func TestKernelsAvailable(t *testing.T) {
	names := Kernels()
	if len(names) == 0 || names[len(names)-1] != "go" {
		t.Fatalf("Kernels() = %v, want a list ending in go", names)
	}
	t.Logf("kernels on this CPU: %v", names)
	for _, name := range names {
		if k, err := kernelNamed(name); err != nil || k.name != name {
			t.Errorf("kernelNamed(%q) = %v, %v", name, k, err)
		}
	}
	if _, err := kernelNamed("avx1024"); err == nil {
		t.Error("kernelNamed(avx1024): no error")
	}
	var nilFast *Fast
	if _, err := nilFast.WithKernel("go"); err == nil {
		t.Error("nil Fast: WithKernel: no error")
	}
}

// TestKernelTiles checks every kernel's xor and and tiles against a plain
// loop over random matrices of every small shape, with row ranges that start
// and end anywhere on a group boundary or not, entry and accumulator strides
// wider than needed, and sentinels in the accumulator slots a tile must not
// touch.
func TestKernelTiles(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernel) {
		rng := rand.New(rand.NewPCG(15, 15))
		for trial := 0; trial < 400; trial++ {
			rows, nw, planes := 1+rng.IntN(70), 1+rng.IntN(40), 1+rng.IntN(3)
			if trial%4 == 0 {
				nw = 1 + rng.IntN(3)
			}
			stride := planes*nw + rng.IntN(3)
			m := newKernelMatrix(fastRandWords(rng, rows*stride), rows, stride, nw, planes)
			r0 := 8 * rng.IntN((rows+7)/8)
			r1 := r0 + rng.IntN(rows-r0+1)
			nent := rng.IntN(16)
			xst, ast := nw+rng.IntN(4), r1-r0+rng.IntN(9)
			x := fastRandWords(rng, max(0, (nent-1)*xst+nw))
			p, n, c := rng.IntN(planes), rng.Int64N(5000), rng.Int64N(41)-20
			desc := fmt.Sprintf("trial %d: rows %d..%d of %d, nw %d, planes %d, %d entries (x stride %d, acc stride %d)", trial, r0, r1, rows, nw, planes, nent, xst, ast)
			const sentinel = -77777
			init := make([]int64, max(0, (nent-1)*ast+r1-r0)+ast)
			for i := range init {
				init[i] = sentinel + int64(i)
			}
			wantX, wantA := append([]int64(nil), init...), append([]int64(nil), init...)
			for e := 0; e < nent; e++ {
				for r := r0; r < r1; r++ {
					var px, pa int64
					for j := 0; j < nw; j++ {
						xj := x[e*xst+j]
						px += int64(bits.OnesCount64(m.rowMajor[r*stride+j] ^ xj))
						pa += int64(bits.OnesCount64(m.rowMajor[r*stride+p*nw+j] & xj))
					}
					wantX[e*ast+r-r0] = n - 2*px
					wantA[e*ast+r-r0] += c * pa
				}
			}
			gotX, gotA := append([]int64(nil), init...), append([]int64(nil), init...)
			k.xor(m, r0, r1, x, xst, nent, n, gotX, ast)
			k.and(m, p, r0, r1, x, xst, nent, c, gotA, ast)
			for i := range init {
				if gotX[i] != wantX[i] {
					t.Fatalf("%s: xor acc[%d] = %d, want %d", desc, i, gotX[i], wantX[i])
				}
				if gotA[i] != wantA[i] {
					t.Fatalf("%s: and plane %d acc[%d] = %d, want %d", desc, p, i, gotA[i], wantA[i])
				}
			}
		}
	})
}

// TestKernelLongRows checks the AVX2 byte counters across the 31-word
// chunks (and every kernel on long rows): all-ones rows make every byte
// count 8 per word.
func TestKernelLongRows(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernel) {
		for _, nw := range []int{30, 31, 32, 62, 63, 100} {
			const rows = 11
			w := make([]uint64, rows*nw)
			for i := range w {
				w[i] = ^uint64(0)
			}
			m := newKernelMatrix(w, rows, nw, nw, 1)
			x := make([]uint64, 4*nw)
			for i := range x[:nw] {
				x[i] = ^uint64(0) // entry 0 all ones, entries 1..3 zero
			}
			acc := make([]int64, 4*rows)
			k.and(m, 0, 0, rows, x, nw, 4, 1, acc, rows)
			xacc := make([]int64, 4*rows)
			k.xor(m, 0, rows, x, nw, 4, int64(64*nw), xacc, rows)
			for e := 0; e < 4; e++ {
				for r := 0; r < rows; r++ {
					wantA, wantX := int64(0), int64(-64*nw)
					if e == 0 {
						wantA, wantX = int64(64*nw), int64(64*nw)
					}
					if acc[e*rows+r] != wantA || xacc[e*rows+r] != wantX {
						t.Fatalf("nw %d entry %d row %d: and %d, xor %d; want %d, %d", nw, e, r, acc[e*rows+r], xacc[e*rows+r], wantA, wantX)
					}
				}
			}
		}
	})
}

// TestKernelsMatchReference is TestFastMatchesReference for every kernel:
// on seeded random networks of every width combination, Fast.Layers with
// the kernel equals Reference on every output of every layer, and Fast.Eval
// over a batch equals per-image Reference results.
func TestKernelsMatchReference(t *testing.T) {
	networks := 150
	if testing.Short() {
		networks = 40
	}
	forEachKernel(t, func(t *testing.T, k *kernel) {
		for seed := uint64(1); seed <= uint64(networks); seed++ {
			rng := rand.New(rand.NewPCG(seed, 0x7f4a7c159e3779b9))
			n, desc, err := fastTestNetwork(rng)
			if err != nil {
				t.Fatalf("seed %d: %s: %v", seed, desc, err)
			}
			f0, err := NewFast(n)
			if err != nil {
				t.Fatalf("seed %d: %s: NewFast: %v", seed, desc, err)
			}
			f, err := f0.WithKernel(k.name)
			if err != nil {
				t.Fatal(err)
			}
			if f.Kernel() != k.name {
				t.Fatalf("WithKernel(%q).Kernel() = %q", k.name, f.Kernel())
			}
			size := n.InputLayer().Shape.Size()
			count := 1 + rng.IntN(12)
			if seed%4 == 0 {
				count = 13 + rng.IntN(40) // several blocks of every entry count
			}
			px := fastTestImages(rng, size, count)
			want := make([]Result, count)
			for i := 0; i < count; i++ {
				img := px[i*size : (i+1)*size]
				ref, err := Reference(n, img)
				if err != nil {
					t.Fatalf("seed %d: Reference: %v", seed, err)
				}
				got, err := f.Layers(img)
				if err != nil {
					t.Fatalf("seed %d: Layers: %v", seed, err)
				}
				if d := fastDiffLayers(n, ref, got); d != "" {
					t.Fatalf("seed %d (%s), image %d: %s kernel differs from Reference: %s", seed, desc, i, k.name, d)
				}
				scores := ref[len(ref)-1]
				want[i] = Result{Class: Argmax(scores), Scores: scores}
			}
			for _, workers := range []int{1, 2} {
				got, err := f.Eval(px, count, workers)
				if err != nil {
					t.Fatalf("seed %d: Eval(workers=%d): %v", seed, workers, err)
				}
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("seed %d (%s): %s kernel: Eval(workers=%d) of %d images differs from Reference", seed, desc, k.name, workers, count)
				}
			}
		}
	})
}

// TestKernelActivations checks every kernel's binarize, pack1 and pack8 against
// plain loops: any row count up to 64 (the last vector partly masked),
// reversed channels, accumulators on both sides of and at the threshold,
// pixel thresholds 0, 1, 255 and 256, and sentinels in the words a call
// must not write.
func TestKernelActivations(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernel) {
		rng := rand.New(rand.NewPCG(16, 16))
		const sentinel = 0x5a5a5a5a5a5a5a5a
		for trial := 0; trial < 300; trial++ {
			rows, nimg := 1+rng.IntN(64), rng.IntN(20)
			ast, dstStride, wi := rows+rng.IntN(70), 1+rng.IntN(4), 0
			wi = rng.IntN(dstStride)
			m, u := make([]int64, rows), make([]int64, rows)
			for r := range m {
				th := rng.Int64N(200) - 100
				if rng.IntN(3) == 0 {
					m[r], u[r] = -1, -th-2
				} else {
					m[r], u[r] = 0, th-1
				}
			}
			acc := make([]int64, max(0, (nimg-1)*ast+rows))
			for i := range acc {
				acc[i] = rng.Int64N(210) - 105
			}
			want := make([]uint64, nimg*dstStride+1)
			for i := range want {
				want[i] = sentinel
			}
			got := append([]uint64(nil), want...)
			for b := 0; b < nimg; b++ {
				var word uint64
				for r := 0; r < rows; r++ {
					if acc[b*ast+r]^m[r] > u[r] {
						word |= 1 << r
					}
				}
				want[b*dstStride+wi] = word
			}
			k.binarize(acc, ast, nimg, rows, m, u, got, dstStride, wi)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("binarize trial %d (%d rows, %d entries, acc stride %d, dst stride %d word %d): got %x, want %x", trial, rows, nimg, ast, dstStride, wi, got, want)
			}

			size := 1 + rng.IntN(300)
			thr := []int{0, 1, 255, 256, rng.IntN(257)}[rng.IntN(5)]
			nw := fastWords(size)
			px := make([]byte, nimg*size)
			for i := range px {
				px[i] = byte(rng.UintN(256))
				if rng.IntN(4) == 0 {
					px[i] = byte(min(255, thr)) // at the threshold
				}
			}
			wantP := make([]uint64, nimg*nw+1)
			wantP[len(wantP)-1] = sentinel
			gotP := append([]uint64(nil), wantP...)
			for i, p := range px {
				if int(p) >= thr {
					b, j := i/size, i%size
					wantP[b*nw+j/64] |= 1 << (j % 64)
				}
			}
			for i := range gotP[:nimg*nw] {
				gotP[i] = sentinel // pack1 overwrites every word
			}
			k.pack1(px, size, nimg, thr, gotP, nw)
			if !reflect.DeepEqual(gotP, wantP) {
				t.Fatalf("pack1 trial %d (%d images of %d pixels, threshold %d): got %x, want %x", trial, nimg, size, thr, gotP, wantP)
			}

			want8 := make([]uint64, nimg*8*nw+1)
			want8[len(want8)-1] = sentinel
			got8 := append([]uint64(nil), want8...)
			for i, p := range px {
				b, j := i/size, i%size
				for q := 0; q < 8; q++ {
					want8[(b*8+q)*nw+j/64] |= uint64(p>>q&1) << (j % 64)
				}
			}
			for i := range got8[:nimg*8*nw] {
				got8[i] = sentinel // pack8 overwrites every word
			}
			k.pack8(px, size, nimg, got8, nw)
			if !reflect.DeepEqual(got8, want8) {
				t.Fatalf("pack8 trial %d (%d images of %d pixels): got %x, want %x", trial, nimg, size, got8, want8)
			}
		}
	})
}

// TestKernelQuantize checks every kernel's quantize against Threshold.Level
// for every activation width (the vector kernel counts up to 31 thresholds
// and hands wider ones to goQuantize), any channel range starting on a
// group of 8, reversed channels, repeated thresholds and accumulators at
// them, and sentinels in the words a call must not write.
func TestKernelQuantize(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernel) {
		rng := rand.New(rand.NewPCG(17, 17))
		const sentinel = 0x5a5a5a5a5a5a5a5a
		for trial := 0; trial < 300; trial++ {
			bits := 2 + rng.IntN(MaxActBits-1)
			if trial%2 == 0 {
				bits = 2 + rng.IntN(3) // the widths the vector kernel counts
			}
			channels := 1 + rng.IntN(150)
			th := &Threshold{Channels: channels, Bits: bits, Reversed: make([]bool, channels)}
			kk := th.PerChannel()
			for c := 0; c < channels; c++ {
				v := rng.Int64N(40) - 20
				for range kk {
					v += rng.Int64N(3)
					th.T = append(th.T, v)
				}
				th.Reversed[c] = rng.IntN(3) == 0
			}
			kt := newKernelThresholds(th.T, th.Reversed, channels, kk)
			c0 := 8 * rng.IntN((channels+7)/8)
			rows := 1 + rng.IntN(min(64, channels-c0))
			nimg, ast := rng.IntN(12), rows+rng.IntN(20)
			planeStride := 1 + rng.IntN(3)
			dstStride := bits*planeStride + rng.IntN(3)
			wi := rng.IntN(planeStride)
			acc := make([]int64, max(0, (nimg-1)*ast+rows))
			for i := range acc {
				acc[i] = rng.Int64N(int64(kk)*2+60) - 30
			}
			want := make([]uint64, nimg*dstStride+bits*planeStride)
			for i := range want {
				want[i] = sentinel
			}
			got := append([]uint64(nil), want...)
			for b := 0; b < nimg; b++ {
				planes := make([]uint64, bits)
				for r := 0; r < rows; r++ {
					level := th.Level(c0+r, acc[b*ast+r])
					for q := range planes {
						planes[q] |= uint64(level>>q&1) << r
					}
				}
				for q, p := range planes {
					want[b*dstStride+q*planeStride+wi] = p
				}
			}
			k.quantize(acc, ast, nimg, c0, rows, kt, bits, got, dstStride, planeStride, wi)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("trial %d (%d bits, channels %d+%d of %d, %d entries): got %x, want %x", trial, bits, c0, rows, channels, nimg, got, want)
			}
		}
	})
}
