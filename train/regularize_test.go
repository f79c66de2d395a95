package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
)

// TestShiftImage compares shiftImage with a pixel-by-pixel definition.
func TestShiftImage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	src := make([]byte, 784)
	for i := range src {
		src[i] = byte(1 + rng.IntN(255)) // nonzero, so a filled-in 0 is visible
	}
	dst := make([]byte, 784)
	for dy := -4; dy <= 4; dy++ {
		for dx := -4; dx <= 4; dx++ {
			for i := range dst {
				dst[i] = 0xAA
			}
			shiftImage(dst, src, dataset.Shape{C: 1, H: 28, W: 28}, dx, dy)
			for r := 0; r < 28; r++ {
				for c := 0; c < 28; c++ {
					sr, sc := r-dy, c-dx
					var want byte
					if sr >= 0 && sr < 28 && sc >= 0 && sc < 28 {
						want = src[sr*28+sc]
					}
					if got := dst[r*28+c]; got != want {
						t.Fatalf("dx=%d dy=%d: pixel (%d,%d) = %d, want %d", dx, dy, r, c, got, want)
					}
				}
			}
		}
	}
}

// TestAugment: with Augment set, every gathered training image is its
// source image shifted by at most Augment pixels each way, the shifts vary,
// and runs stay deterministic.
func TestAugment(t *testing.T) {
	cfg := smallConfig()
	cfg.Augment = 2
	train := syntheticSet(600, 1)
	tr, err := New(cfg, train, syntheticSet(200, 2))
	if err != nil {
		t.Fatal(err)
	}
	tr.startEpoch()
	shifts := map[[2]int]int{}
	buf := make([]byte, 784)
	for s := 0; s < tr.Batches(); s++ {
		tr.gather(s)
		for b := 0; b < cfg.Batch; b++ {
			src := train.Image(int(tr.perm[s*cfg.Batch+b]))
			got := tr.pix[b*784 : (b+1)*784]
			found := false
			for dy := -2; dy <= 2 && !found; dy++ {
				for dx := -2; dx <= 2 && !found; dx++ {
					shiftImage(buf, src, dataset.Shape{C: 1, H: 28, W: 28}, dx, dy)
					if bytes.Equal(buf, got) {
						shifts[[2]int{dx, dy}]++
						found = true
					}
				}
			}
			if !found {
				t.Fatalf("batch %d image %d is not a shift of its source by <= 2 pixels", s, b)
			}
		}
	}
	if len(shifts) < 20 {
		t.Errorf("only %d distinct shifts in %d images, want most of the 25", len(shifts), tr.Batches()*cfg.Batch)
	}
	a := trainedBytes(t, cfg, nil, Hooks{})
	if b := trainedBytes(t, cfg, nil, Hooks{}); !bytes.Equal(a, b) {
		t.Errorf("two augmented runs with the same seed differ")
	}
	cfg.Augment = 0
	if b := trainedBytes(t, cfg, nil, Hooks{}); bytes.Equal(a, b) {
		t.Errorf("augmentation did not change the model")
	}
}

// TestDropout: the mask holds 0 or 1/(1-p), it is applied to the values,
// and the dropped fraction is p (16-bit resolution).
func TestDropout(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for _, p := range []float64{0.1, 0.2, 0.5} {
		const n = 100003 // not a multiple of 4: a partial last draw
		v, mask := make([]float32, n), make([]float32, n)
		for i := range v {
			v[i] = float32(i%7) - 3
		}
		dropout(v, mask, p, rng)
		keep := float32(1 / (1 - p))
		dropped := 0
		for i, k := range mask {
			switch k {
			case 0:
				dropped++
			case keep:
			default:
				t.Fatalf("p=%g: mask[%d] = %v, want 0 or %v", p, i, k, keep)
			}
			if want := (float32(i%7) - 3) * k; v[i] != want {
				t.Fatalf("p=%g: v[%d] = %v, want %v", p, i, v[i], want)
			}
		}
		// Binomial standard deviation is at most 0.0016 of n here.
		if f := float64(dropped) / n; math.Abs(f-p) > 0.008 {
			t.Errorf("p=%g: dropped fraction %.4f", p, f)
		}
	}
}

// TestShiftImageChannels: shifting a 3-channel image moves whole pixels:
// every channel moves as the 1-channel image of that channel does.
func TestShiftImageChannels(t *testing.T) {
	const side, ch = 8, 3
	rng := rand.New(rand.NewPCG(2, 2))
	src := make([]byte, side*side*ch)
	for i := range src {
		src[i] = byte(1 + rng.IntN(255))
	}
	for _, d := range [][2]int{{0, 0}, {2, -1}, {-3, 3}, {8, 0}, {-9, 1}} {
		dst := bytes.Repeat([]byte{0xAA}, len(src))
		shiftImage(dst, src, dataset.Shape{C: ch, H: side, W: side}, d[0], d[1])
		for z := range ch {
			one, want := make([]byte, side*side), make([]byte, side*side)
			for p := range one {
				one[p] = src[p*ch+z]
			}
			shiftImage(want, one, dataset.Shape{C: 1, H: side, W: side}, d[0], d[1])
			for p := range want {
				if got := dst[p*ch+z]; got != want[p] {
					t.Fatalf("shift %v channel %d pixel %d = %d, want %d", d, z, p, got, want[p])
				}
			}
		}
	}
}

// TestShiftImageRectangular compares shiftImage on a 2-channel 3x5 image
// with the pixel-by-pixel definition.
func TestShiftImageRectangular(t *testing.T) {
	s := dataset.Shape{C: 2, H: 3, W: 5}
	src := make([]byte, s.Size())
	for i := range src {
		src[i] = byte(1 + i)
	}
	for dy := -3; dy <= 3; dy++ {
		for dx := -5; dx <= 5; dx++ {
			dst := bytes.Repeat([]byte{0xAA}, s.Size())
			shiftImage(dst, src, s, dx, dy)
			for r := range s.H {
				for c := range s.W {
					for z := range s.C {
						var want byte
						if sr, sc := r-dy, c-dx; sr >= 0 && sr < s.H && sc >= 0 && sc < s.W {
							want = src[(sr*s.W+sc)*s.C+z]
						}
						if got := dst[(r*s.W+c)*s.C+z]; got != want {
							t.Fatalf("dx=%d dy=%d: (%d,%d,%d) = %d, want %d", dx, dy, r, c, z, got, want)
						}
					}
				}
			}
		}
	}
}
