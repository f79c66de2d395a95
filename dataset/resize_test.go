package dataset

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDownsampleHandComputed checks worked examples, each computed by hand
// from the definition (sum of the block, divided by its area, halves
// rounded up).
func TestDownsampleHandComputed(t *testing.T) {
	tests := []struct {
		name       string
		rows, size int
		src, want  []byte
	}{
		{"2x2 block, exact mean", 2, 1, []byte{10, 20, 30, 40}, []byte{25}},           // 100/4 = 25
		{"2x2 block, half rounds up", 2, 1, []byte{0, 0, 0, 2}, []byte{1}},            // 2/4 = 0.5 -> 1
		{"2x2 block, below half", 2, 1, []byte{0, 0, 1, 0}, []byte{0}},                // 1/4 = 0.25 -> 0
		{"2x2 block, above half", 2, 1, []byte{1, 1, 1, 0}, []byte{1}},                // 3/4 = 0.75 -> 1
		{"2x2 block, 254.5 rounds up", 2, 1, []byte{255, 255, 255, 253}, []byte{255}}, // 1018/4 = 254.5 -> 255
		{"all white stays white", 2, 1, []byte{255, 255, 255, 255}, []byte{255}},
		{"3x3 block, odd area", 3, 1, []byte{1, 1, 1, 1, 1, 0, 0, 0, 0}, []byte{1}},            // 5/9 = 0.56 -> 1
		{"3x3 block, odd area below half", 3, 1, []byte{1, 1, 1, 1, 0, 0, 0, 0, 0}, []byte{0}}, // 4/9 = 0.44 -> 0
		{
			"4x4 to 2x2", 4, 2,
			[]byte{
				0, 4, 100, 100,
				8, 0, 100, 101,
				255, 255, 1, 2,
				255, 0, 3, 4,
			},
			// blocks: (0+4+8+0)/4 = 3; (100+100+100+101)/4 = 100.25 -> 100;
			// (255+255+255+0)/4 = 191.25 -> 191; (1+2+3+4)/4 = 2.5 -> 3
			[]byte{3, 100, 191, 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Downsample(tc.src, 1, tc.rows, tc.rows, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("Downsample = %v, want %v", got, tc.want)
			}
		})
	}
}

// definition is the per-pixel definition, written independently of
// Downsample: the real mean of the block, rounded half up.
func definition(img []byte, side, size, r, c int) byte {
	k := side / size
	sum := 0.0
	for i := range k {
		for j := range k {
			sum += float64(img[(r*k+i)*side+c*k+j])
		}
	}
	return byte(math.Floor(sum/float64(k*k) + 0.5))
}

// TestResizeMatchesDefinition compares every pixel of random 28x28 images
// resized to every supported size with the definition.
func TestResizeMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 5
	s := &Set{Name: MNIST, Split: Test, N: n, C: 1, Rows: Rows, Cols: Cols, Pixels: make([]byte, n*Rows*Cols), Labels: []byte{0, 1, 2, 3, 4}}
	for i := range s.Pixels {
		s.Pixels[i] = byte(rng.IntN(256))
	}
	copy(s.Pixels, bytes.Repeat([]byte{255}, Rows*Cols)) // image 0 all white: the top of the range
	for _, size := range Sizes {
		r, err := s.Resize(size)
		if err != nil {
			t.Fatalf("Resize(%d): %v", size, err)
		}
		if r.N != n || r.Rows != size || r.Cols != size || len(r.Pixels) != n*size*size || !bytes.Equal(r.Labels, s.Labels) {
			t.Fatalf("Resize(%d): got N=%d %dx%d, %d pixels", size, r.N, r.Rows, r.Cols, len(r.Pixels))
		}
		for i := range n {
			for y := range size {
				for x := range size {
					if got, want := r.Image(i)[y*size+x], definition(s.Image(i), Rows, size, y, x); got != want {
						t.Fatalf("size %d image %d pixel (%d,%d) = %d, want %d", size, i, y, x, got, want)
					}
				}
			}
		}
	}
	if r, _ := s.Resize(Rows); r != s {
		t.Error("Resize(28) of a 28x28 set should return the set itself")
	}
}

func TestResizeErrors(t *testing.T) {
	s := &Set{N: 0, C: 1, Rows: Rows, Cols: Cols}
	for _, size := range []int{0, -7, 3, 5, 13, 27, 56} {
		if _, err := s.Resize(size); err == nil || !strings.Contains(err.Error(), "does not divide 28") {
			t.Errorf("Resize(%d): err = %v, want 'does not divide 28'", size, err)
		}
	}
	if _, err := Downsample(make([]byte, 10), 1, 28, 28, 14); err == nil {
		t.Error("Downsample of a short buffer: no error")
	}
}

func TestInputSize(t *testing.T) {
	tests := []struct {
		c, h, w, want int
	}{
		{1, 28, 28, 28}, {1, 14, 14, 14}, {1, 7, 7, 7}, {1, 4, 4, 4},
		{1, 13, 13, 0}, {1, 14, 7, 0}, {3, 14, 14, 0}, {1, 56, 56, 0}, {1, 0, 0, 0},
	}
	for _, tc := range tests {
		got, err := InputSize(tc.c, tc.h, tc.w)
		if got != tc.want || (err == nil) != (tc.want > 0) {
			t.Errorf("InputSize(%d,%d,%d) = %d, %v; want %d", tc.c, tc.h, tc.w, got, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "cannot be made from the 1x28x28 images") {
			t.Errorf("InputSize(%d,%d,%d): error %q does not describe the problem", tc.c, tc.h, tc.w, err)
		}
	}
}
