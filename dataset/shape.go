package dataset

import (
	"fmt"
	"slices"
)

// Shape is the geometry of a data set's images: C channels of H rows of W
// pixels. Pixels are stored channel-fastest, the netlist's tensor layout:
// channel c of the pixel in row h, column w is at offset (h*W+w)*C+c of
// its image. MNIST and Fashion-MNIST are (1,28,28).
type Shape struct{ C, H, W int }

// Size is the number of bytes of one image, C*H*W.
func (s Shape) Size() int { return s.C * s.H * s.W }

func (s Shape) String() string { return fmt.Sprintf("(%d,%d,%d)", s.C, s.H, s.W) }

// Geometry returns the image shape of a named data set (see
// DescribeDataSet).
func Geometry(name string) (Shape, error) {
	in, err := DescribeDataSet(name)
	return in.Shape, err
}

// Sizes lists the sides N of the square N x N images the shape's images
// can be downsampled to (see Downsample): the divisors of H for a square
// shape, nothing for a rectangular one (its images are read as they are).
func (s Shape) Sizes() []int {
	var out []int
	for n := 1; n <= s.H && s.H == s.W; n++ {
		if s.H%n == 0 {
			out = append(out, n)
		}
	}
	return out
}

// CheckSize returns an error unless the shape's images can be downsampled
// to size x size.
func (s Shape) CheckSize(size int) error {
	if size == s.H && size == s.W {
		return nil
	}
	if !slices.Contains(s.Sizes(), size) {
		if s.H != s.W {
			return fmt.Errorf("dataset: the %dx%d images cannot be downsampled to %dx%d (only square images can)", s.H, s.W, size, size)
		}
		return fmt.Errorf("dataset: image size %d does not divide %d (want one of %v)", size, s.H, s.Sizes())
	}
	return nil
}

// InputSize returns the side N of a model input of shape c x h x w that
// the shape's images can be turned into: c = C and h = w = N with N one of
// Sizes, or exactly the shape itself (then N = h). Anything else is an
// error describing both shapes.
func (s Shape) InputSize(c, h, w int) (int, error) {
	if c == s.C && h == s.H && w == s.W {
		return h, nil
	}
	if c != s.C || h != w || !slices.Contains(s.Sizes(), h) {
		want := fmt.Sprintf("%dxNxN with N one of %v", s.C, s.Sizes())
		if s.H != s.W {
			want = fmt.Sprintf("%dx%dx%d", s.C, s.H, s.W)
		}
		return 0, fmt.Errorf("dataset: a %dx%dx%d input cannot be made from the %dx%dx%d images (want %s)",
			c, h, w, s.C, s.H, s.W, want)
	}
	return h, nil
}
