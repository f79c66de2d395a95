package dataset

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDownsampleChannelsHandComputed: a 2x2 image of 3 channels, pixels
// stored channel-fastest, averaged to 1x1 per channel by hand:
// R (10+20+30+41)/4 = 25.25 -> 25, G (0+0+0+2)/4 = 0.5 -> 1 (half up),
// B (255*4)/4 = 255.
func TestDownsampleChannelsHandComputed(t *testing.T) {
	src := []byte{
		10, 0, 255, 20, 0, 255,
		30, 0, 255, 41, 2, 255,
	}
	got, err := DownsampleChannels(src, 1, Shape{3, 2, 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{25, 1, 255}; !bytes.Equal(got, want) {
		t.Errorf("DownsampleChannels = %v, want %v", got, want)
	}
}

// TestResizeChannels: resizing a C-channel set gives, for every channel,
// what resizing that channel alone as a 1-channel set gives.
func TestResizeChannels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, ch, side = 3, 3, 12
	s := &Set{Name: "x", Split: Test, N: n, C: ch, Rows: side, Cols: side, Pixels: make([]byte, n*ch*side*side), Labels: []byte{0, 1, 2}}
	for i := range s.Pixels {
		s.Pixels[i] = byte(rng.IntN(256))
	}
	for _, size := range []int{1, 2, 3, 4, 6} {
		r, err := s.Resize(size)
		if err != nil {
			t.Fatalf("Resize(%d): %v", size, err)
		}
		if r.C != ch || r.ImageSize() != ch*size*size || len(r.Pixels) != n*r.ImageSize() {
			t.Fatalf("Resize(%d): C %d, image size %d, %d pixels", size, r.C, r.ImageSize(), len(r.Pixels))
		}
		for z := range ch {
			one := &Set{N: n, C: 1, Rows: side, Cols: side}
			for p := z; p < len(s.Pixels); p += ch {
				one.Pixels = append(one.Pixels, s.Pixels[p])
			}
			want, err := one.Resize(size)
			if err != nil {
				t.Fatal(err)
			}
			for p := range want.Pixels {
				if got := r.Pixels[p*ch+z]; got != want.Pixels[p] {
					t.Fatalf("size %d channel %d pixel %d = %d, want %d", size, z, p, got, want.Pixels[p])
				}
			}
		}
	}
	if _, err := s.Resize(5); err == nil || !strings.Contains(err.Error(), "does not divide 12") {
		t.Errorf("Resize(5): err = %v", err)
	}
}

func TestShapeInputSize(t *testing.T) {
	cifar := Shape{3, 32, 32}
	for _, tc := range []struct{ c, h, w, want int }{
		{3, 32, 32, 32}, {3, 16, 16, 16}, {3, 8, 8, 8}, {1, 32, 32, 0}, {3, 28, 28, 0}, {3, 16, 8, 0},
	} {
		got, err := cifar.InputSize(tc.c, tc.h, tc.w)
		if got != tc.want || (err == nil) != (tc.want > 0) {
			t.Errorf("InputSize(%d,%d,%d) = %d, %v; want %d", tc.c, tc.h, tc.w, got, err, tc.want)
		}
	}
	rect := Shape{1, 20, 30}
	if n, err := rect.InputSize(1, 20, 30); err != nil || n != 20 {
		t.Errorf("rectangular exact: %d, %v", n, err)
	}
	if _, err := rect.InputSize(1, 10, 15); err == nil || !strings.Contains(err.Error(), "want 1x20x30") {
		t.Errorf("rectangular downsampled: err = %v", err)
	}
	if err := rect.CheckSize(10); err == nil || !strings.Contains(err.Error(), "only square") {
		t.Errorf("rectangular CheckSize: err = %v", err)
	}
	if got := (Shape{3, 32, 32}).Size(); got != 3072 {
		t.Errorf("ImageBytes = %d", got)
	}
}
