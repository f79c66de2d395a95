package dataset

import "fmt"

// Downsampling. A model may read the images at a smaller size than the
// data set's 28x28: size x size with size dividing 28. Every output pixel
// is the exact area average of the k x k block of input pixels it covers
// (k = 28/size), rounded half up to an integer:
//
//	out[r][c] = floor((sum + k*k/2) / (k*k)),  sum = Σ in[r*k+i][c*k+j], 0 <= i, j < k
//
// computed as (2*sum + k*k) / (2*k*k) in integer arithmetic, which is the
// same thing for odd k*k too. Binarization (and training) happen after it,
// on the averaged pixels; every command that feeds a model applies it from
// the model's input shape (InputSize), so all of them see the same images.

// Sizes lists the image sizes Resize accepts: the divisors of 28.
var Sizes = []int{1, 2, 4, 7, 14, 28}

// CheckSize returns an error unless the data set's 28x28 images can be
// downsampled to size x size (size divides 28).
func CheckSize(size int) error {
	if size < 1 || Rows%size != 0 || Cols%size != 0 {
		return fmt.Errorf("dataset: image size %d does not divide %d (want one of %v)", size, Rows, Sizes)
	}
	return nil
}

// InputSize returns the side N of a model input of shape c x h x w that
// the data set's images can be turned into: c = 1 and h = w = N with N
// dividing 28. Anything else is an error describing the shape.
func InputSize(c, h, w int) (int, error) {
	if c != 1 || h != w || CheckSize(h) != nil {
		return 0, fmt.Errorf("dataset: a %dx%dx%d input cannot be made from the %dx%dx%d images "+
			"(want 1xNxN with N one of %v)", c, h, w, 1, Rows, Cols, Sizes)
	}
	return h, nil
}

// Downsample writes count images of rows x cols pixels (back to back in
// src) reduced to size x size by area averaging (see above) into a new
// slice. rows and cols must be multiples of size.
func Downsample(src []byte, count, rows, cols, size int) ([]byte, error) {
	if size < 1 || rows%size != 0 || cols%size != 0 || rows/size != cols/size {
		return nil, fmt.Errorf("dataset: cannot downsample %dx%d images to %dx%d (the size must divide both equally)", rows, cols, size, size)
	}
	if count < 0 || len(src) < count*rows*cols {
		return nil, fmt.Errorf("dataset: %d images of %dx%d need %d pixels, got %d", count, rows, cols, count*rows*cols, len(src))
	}
	k := rows / size
	out := make([]byte, count*size*size)
	if k == 1 {
		copy(out, src)
		return out, nil
	}
	area := k * k
	for i := range count {
		img := src[i*rows*cols : (i+1)*rows*cols]
		dst := out[i*size*size : (i+1)*size*size]
		for r := range size {
			for c := range size {
				sum := 0
				for y := r * k; y < (r+1)*k; y++ {
					for _, p := range img[y*cols+c*k : y*cols+(c+1)*k] {
						sum += int(p)
					}
				}
				dst[r*size+c] = byte((2*sum + area) / (2 * area))
			}
		}
	}
	return out, nil
}

// Resize returns the set with its images downsampled to size x size. For
// the set's own size it returns s itself; otherwise the pixels are new and
// the labels are shared.
func (s *Set) Resize(size int) (*Set, error) {
	if err := CheckSize(size); err != nil {
		return nil, err
	}
	if size == s.Rows && size == s.Cols {
		return s, nil
	}
	pix, err := Downsample(s.Pixels, s.N, s.Rows, s.Cols, size)
	if err != nil {
		return nil, err
	}
	return &Set{Name: s.Name, Split: s.Split, N: s.N, Rows: size, Cols: size, Pixels: pix, Labels: s.Labels}, nil
}
