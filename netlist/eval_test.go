package netlist

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fastTestNetwork draws a random network shape and builds it with Random,
// then sometimes widens it beyond what Random produces: activation bases
// anywhere in [-256, 256], extreme weights, binarization thresholds 0 and 256.
func fastTestNetwork(rng *rand.Rand) (*Network, string, error) {
	var cfg RandomConfig
	switch rng.IntN(4) {
	case 0: // tiny
		cfg.Input = Shape{C: 1, H: 1, W: 1 + rng.IntN(3)}
	default:
		cfg.Input = Shape{C: 1 + rng.IntN(3), H: 1 + rng.IntN(10), W: 1 + rng.IntN(10)}
	}
	cfg.InputBits = 1
	if rng.IntN(2) == 0 {
		cfg.InputBits = 8
	}
	nh := rng.IntN(4)
	for range nh {
		w := 1 + rng.IntN(300)
		if rng.IntN(3) == 0 {
			w = 1 + rng.IntN(70) // around one word
		}
		cfg.Hidden = append(cfg.Hidden, w)
	}
	cfg.Classes = 1 + rng.IntN(12)
	for range nh + 1 {
		cfg.WeightBits = append(cfg.WeightBits, 1+rng.IntN(MaxWeightBits))
	}
	for range nh {
		cfg.ActBits = append(cfg.ActBits, 1+rng.IntN(MaxActBits))
	}
	desc := fmt.Sprintf("input %v bits %d hidden %v classes %d weight bits %v act bits %v",
		cfg.Input, cfg.InputBits, cfg.Hidden, cfg.Classes, cfg.WeightBits, cfg.ActBits)
	n, err := Random(rng, cfg)
	if err != nil {
		return nil, desc, err
	}
	var muts []string
	if rng.IntN(3) == 0 {
		fastWidenBases(rng, n)
		muts = append(muts, "bases")
	}
	if rng.IntN(8) == 0 {
		fastExtremeWeights(rng, n)
		muts = append(muts, "extreme weights")
	}
	if in := n.InputLayer(); in.Bits == 1 && rng.IntN(10) == 0 {
		in.Threshold = 256 * rng.IntN(2)
		muts = append(muts, fmt.Sprintf("pixel threshold %d", in.Threshold))
	}
	if len(muts) > 0 {
		desc += " with " + strings.Join(muts, ", ")
	}
	return n, desc, Validate(n)
}

// fastWidenBases gives every multi-bit activation layer a random base in
// [-256, 256] and shifts the next threshold layer by the resulting change of
// its accumulators, so that activations keep varying.
func fastWidenBases(rng *rand.Rand, n *Network) {
	for li, l := range n.Layers {
		t, ok := l.(*Threshold)
		if !ok || t.Bits == 1 {
			continue
		}
		base := rng.IntN(513) - 256
		if rng.IntN(4) == 0 {
			base = -256 + 512*rng.IntN(2)
		}
		delta := int64(base - t.Base)
		t.Base = base
		d := n.Layers[li+1].(*Dense)
		d.AccBits = 32
		switch next := n.Layers[li+2].(type) {
		case *Threshold:
			for c := 0; c < next.Channels; c++ {
				var sum int64
				for _, w := range d.Row(c) {
					sum += int64(w)
				}
				row := next.Row(c)
				for j := range row {
					row[j] = min(max(row[j]+delta*sum, -1<<31), 1<<31-1)
				}
			}
		case *Output:
			next.ScoreBits = 32
		}
	}
}

// fastExtremeWeights sets every weight to its most negative or most
// positive value.
func fastExtremeWeights(rng *rand.Rand, n *Network) {
	for _, l := range n.Layers {
		switch l := l.(type) {
		case *Dense:
			lo, hi := weightRange(l.WeightBits)
			allLo := rng.IntN(3) == 0
			for i := range l.Weights {
				if allLo || rng.IntN(2) == 0 {
					l.Weights[i] = int8(lo)
				} else {
					l.Weights[i] = int8(hi)
				}
			}
			l.AccBits = 32
		case *Output:
			l.ScoreBits = 32
		}
	}
}

// fastTestImages returns count images: all-0, all-255, then random bytes.
func fastTestImages(rng *rand.Rand, size, count int) []byte {
	px := make([]byte, size*count)
	for i := 0; i < count; i++ {
		img := px[i*size : (i+1)*size]
		switch i {
		case 0:
		case 1:
			for j := range img {
				img[j] = 255
			}
		default:
			for j := range img {
				img[j] = byte(rng.UintN(256))
			}
		}
	}
	return px
}

// fastDiffLayers describes the first difference between two per-layer
// outputs, or returns "".
func fastDiffLayers(n *Network, want, got [][]int64) string {
	if len(want) != len(got) {
		return fmt.Sprintf("got %d layers, want %d", len(got), len(want))
	}
	for li := range want {
		w, g := want[li], got[li]
		name := n.Layers[li].LayerName()
		if len(w) != len(g) {
			return fmt.Sprintf("layer %d %q: got %d outputs, want %d", li, name, len(g), len(w))
		}
		for i := range w {
			if w[i] != g[i] {
				return fmt.Sprintf("layer %d %q (%s): element %d: got %d, want %d", li, name, n.Layers[li].Op(), i, g[i], w[i])
			}
		}
	}
	if !reflect.DeepEqual(want, got) {
		return "outputs differ (nil versus empty?)"
	}
	return ""
}

// TestFastMatchesReference checks, on seeded random networks of every width
// combination, that Fast.Layers equals Reference on every output of every
// layer and that Fast.Eval over a batch equals per-image Reference results,
// for several worker counts and batch sizes.
func TestFastMatchesReference(t *testing.T) {
	const networks = 1000
	for seed := uint64(1); seed <= networks; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		n, desc, err := fastTestNetwork(rng)
		if err != nil {
			t.Fatalf("seed %d: %s: %v", seed, desc, err)
		}
		f, err := NewFast(n)
		if err != nil {
			t.Fatalf("seed %d: %s: NewFast: %v", seed, desc, err)
		}
		size := n.InputLayer().Shape.Size()
		count := 2 + rng.IntN(5)
		switch seed % 10 {
		case 0:
			count = 0
		case 1, 2:
			count = 2 + rng.IntN(40) // several blocks, any remainder
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
				t.Fatalf("seed %d (%s), image %d: Fast.Layers differs from Reference: %s", seed, desc, i, d)
			}
			scores := ref[len(ref)-1]
			want[i] = Result{Class: Argmax(scores), Scores: scores}
		}
		for _, workers := range []int{1, 3} {
			got, err := f.Eval(px, count, workers)
			if err != nil {
				t.Fatalf("seed %d: Eval(workers=%d): %v", seed, workers, err)
			}
			if len(got) != count {
				t.Fatalf("seed %d: Eval(workers=%d) returned %d results for %d images", seed, workers, len(got), count)
			}
			for i := range want {
				if !reflect.DeepEqual(want[i], got[i]) {
					t.Fatalf("seed %d (%s): Eval(workers=%d) image %d of %d: got %+v, want %+v", seed, desc, workers, i, count, got[i], want[i])
				}
			}
		}
	}
}

// TestFastWidthSweep covers every (weight bits, input encoding) pair of a
// dense layer: 1-bit and 8-bit inputs and activations of every width with
// bases at -256, 256 and between.
func TestFastWidthSweep(t *testing.T) {
	for inBits := 1; inBits <= 8; inBits += 7 {
		for wb := 1; wb <= MaxWeightBits; wb++ {
			for ab := 1; ab <= MaxActBits; ab++ {
				seed := uint64(inBits*100 + wb*10 + ab)
				rng := rand.New(rand.NewPCG(seed, 17))
				n, err := Random(rng, RandomConfig{
					Input: Shape{C: 1, H: 7, W: 11}, InputBits: inBits, Hidden: []int{70}, Classes: 3,
					WeightBits: []int{wb, 1 + rng.IntN(MaxWeightBits)}, ActBits: []int{ab},
				})
				if err != nil {
					t.Fatal(err)
				}
				if ab > 1 {
					fastWidenBases(rng, n)
					if err := Validate(n); err != nil {
						t.Fatalf("seed %d: %v", seed, err)
					}
				}
				f, err := NewFast(n)
				if err != nil {
					t.Fatal(err)
				}
				px := fastTestImages(rng, 77, 4)
				for i := 0; i < 4; i++ {
					want, _ := Reference(n, px[i*77:(i+1)*77])
					got, err := f.Layers(px[i*77 : (i+1)*77])
					if err != nil {
						t.Fatal(err)
					}
					if d := fastDiffLayers(n, want, got); d != "" {
						t.Fatalf("input bits %d weight bits %d act bits %d (seed %d), image %d: %s", inBits, wb, ab, seed, i, d)
					}
				}
			}
		}
	}
}

// TestFastEvalBlocks checks batches around multiples of the block size and
// every worker count on a network with multi-word layers.
func TestFastEvalBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	n, err := Random(rng, RandomConfig{
		Input: Shape{C: 1, H: 13, W: 11}, InputBits: 8, Hidden: []int{130, 65},
		Classes: 10, WeightBits: []int{2, 1, 3}, ActBits: []int{1, 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFast(n)
	if err != nil {
		t.Fatal(err)
	}
	size := f.InputSize()
	const maxCount = 3*fastMaxBlock + 5
	px := fastTestImages(rng, size, maxCount)
	want := make([]Result, maxCount)
	for i := range want {
		if want[i], err = ReferenceResult(n, px[i*size:(i+1)*size]); err != nil {
			t.Fatal(err)
		}
	}
	for _, count := range []int{0, 1, 3, 4, 5, fastMaxBlock - 1, fastMaxBlock, fastMaxBlock + 1, 2*fastMaxBlock + 3, maxCount} {
		for _, workers := range []int{-1, 0, 1, 2, 3, 8} {
			got, err := f.Eval(px[:count*size], count, workers)
			if err != nil {
				t.Fatalf("count %d workers %d: %v", count, workers, err)
			}
			if !reflect.DeepEqual(got, want[:count]) {
				t.Errorf("count %d workers %d: results differ from Reference", count, workers)
			}
		}
	}
	got, err := Eval(n, px, maxCount)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Eval: results differ from Reference")
	}
}

// TestFastErrors checks that malformed inputs give errors, not panics.
func TestFastErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	n, err := Random(rng, RandomConfig{Input: Shape{C: 1, H: 5, W: 5}, InputBits: 1, Hidden: []int{8}, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFast(n)
	if err != nil {
		t.Fatal(err)
	}
	px := make([]byte, 25*3)
	for _, tc := range []struct {
		name   string
		pixels []byte
		count  int
	}{
		{"short", px[:74], 3},
		{"long", px, 2},
		{"negative count", px[:0], -1},
		{"not a multiple", px[:26], 1},
		{"nil pixels", nil, 1},
	} {
		if _, err := f.Eval(tc.pixels, tc.count, 2); err == nil {
			t.Errorf("Eval %s: no error", tc.name)
		}
		if _, err := Eval(n, tc.pixels, tc.count); err == nil {
			t.Errorf("package Eval %s: no error", tc.name)
		}
	}
	for _, l := range []int{0, 24, 26} {
		if _, err := f.Layers(px[:l]); err == nil {
			t.Errorf("Layers with %d pixels: no error", l)
		}
	}
	if _, err := NewFast(nil); err == nil {
		t.Error("NewFast(nil): no error")
	}
	bad := &Network{Layers: []Layer{n.Layers[0], n.Layers[1]}}
	if _, err := NewFast(bad); err == nil {
		t.Error("NewFast(invalid network): no error")
	}
	var nilFast *Fast
	if _, err := nilFast.Eval(px, 3, 1); err == nil {
		t.Error("nil Fast: no error")
	}
	// The Fast does not depend on the network after NewFast.
	want, _ := f.Eval(px, 3, 1)
	d := n.Layers[1].(*Dense)
	for i := range d.Weights {
		d.Weights[i] = -d.Weights[i]
	}
	got, _ := f.Eval(px, 3, 1)
	if !reflect.DeepEqual(want, got) {
		t.Error("changing the network changed the Fast")
	}
}

// TestFastKernels checks the popcount kernels against a plain loop.
func TestFastKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for n := 0; n <= 40; n++ {
		w := fastRandWords(rng, n)
		var xs [4][]uint64
		for i := range xs {
			xs[i] = fastRandWords(rng, n+rng.IntN(3)) // may be longer than w
		}
		var wantX, wantA [4]int
		for i, x := range xs {
			for j := range w {
				wantX[i] += bits.OnesCount64(w[j] ^ x[j])
				wantA[i] += bits.OnesCount64(w[j] & x[j])
			}
		}
		x0, x1, x2, x3 := xorPop4(w, xs[0], xs[1], xs[2], xs[3])
		if got := [4]int{x0, x1, x2, x3}; got != wantX {
			t.Errorf("xorPop4 n=%d: got %v, want %v", n, got, wantX)
		}
		a0, a1, a2, a3 := andPop4(w, xs[0], xs[1], xs[2], xs[3])
		if got := [4]int{a0, a1, a2, a3}; got != wantA {
			t.Errorf("andPop4 n=%d: got %v, want %v", n, got, wantA)
		}
		if got := xorPop1(w, xs[1]); got != wantX[1] {
			t.Errorf("xorPop1 n=%d: got %d, want %d", n, got, wantX[1])
		}
		if got := andPop1(w, xs[2]); got != wantA[2] {
			t.Errorf("andPop1 n=%d: got %d, want %d", n, got, wantA[2])
		}
	}
}

// TestFastThresholdLevels checks the branch-free threshold counting against
// Threshold.Level for every width, with repeated and extreme thresholds.
func TestFastThresholdLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for bits := 1; bits <= MaxActBits; bits++ {
		k := 1<<bits - 1
		for trial := 0; trial < 50; trial++ {
			th := &Threshold{Channels: 2, Bits: bits, T: make([]int64, 2*k), Reversed: []bool{false, true}}
			spread := int64(1 + rng.IntN(40))
			for c := 0; c < 2; c++ {
				row := th.Row(c)
				v := -spread
				for j := range row {
					v += rng.Int64N(3) // repeats are likely
					row[j] = v
				}
				if trial == 0 {
					for j := range row {
						row[j] = -1 << 31
					}
				} else if trial == 1 {
					for j := range row {
						row[j] = 1<<31 - 1
					}
				}
			}
			s := &fastMatrix{rows: 2}
			s.setThreshold(th)
			for _, acc := range []int64{-1 << 31, 1<<31 - 1, -spread - 1, -spread, 0, spread, 2 * spread} {
				for c := 0; c < 2; c++ {
					want := th.Level(c, acc)
					var got int
					if bits == 1 {
						got = int(uint64(s.u[c]-(acc^s.mask[c])) >> 63)
					} else if c == 1 {
						got = k - fastCountLE(th.Row(c), acc-1, (k+1)/2)
					} else {
						got = fastCountLE(th.Row(c), acc, (k+1)/2)
					}
					if got != want {
						t.Errorf("bits %d channel %d thresholds %v acc %d: level %d, want %d", bits, c, th.Row(c), acc, got, want)
					}
				}
			}
		}
	}
}

// TestFastAccessors checks InputSize and Classes.
func TestFastAccessors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n, err := Random(rng, RandomConfig{Input: Shape{C: 3, H: 2, W: 5}, InputBits: 8, Hidden: []int{4}, Classes: 7})
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFast(n)
	if err != nil {
		t.Fatal(err)
	}
	if f.InputSize() != 30 || f.Classes() != 7 {
		t.Errorf("InputSize, Classes = %d, %d; want 30, 7", f.InputSize(), f.Classes())
	}
}

func fastRandWords(rng *rand.Rand, n int) []uint64 {
	w := make([]uint64, n)
	for i := range w {
		w[i] = rng.Uint64()
	}
	return w
}
