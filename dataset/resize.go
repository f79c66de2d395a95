package dataset

import "fmt"

// Downsampling. A model may read the images at a smaller size than the
// data set's (e.g. MNIST's 28x28): size x size with size dividing the
// side of the data set's square images. Every output pixel (of every
// channel)
// is the exact area average of the k x k block of input pixels it covers
// (k = 28/size), rounded half up to an integer:
//
//	out[r][c] = floor((sum + k*k/2) / (k*k)),  sum = Σ in[r*k+i][c*k+j], 0 <= i, j < k
//
// computed as (2*sum + k*k) / (2*k*k) in integer arithmetic, which is the
// same thing for odd k*k too. Binarization (and training) happen after it,
// on the averaged pixels; every command that feeds a model applies it from
// the model's input shape (InputSize), so all of them see the same images.

// Sizes lists the image sizes Resize accepts for MNIST and Fashion-MNIST:
// the divisors of 28.
var Sizes = []int{1, 2, 4, 7, 14, 28}

// CheckSize returns an error unless MNIST's 28x28 images can be
// downsampled to size x size (size divides 28).
func CheckSize(size int) error { return Shape{1, Rows, Cols}.CheckSize(size) }

// InputSize returns the side N of a model input of shape c x h x w that
// MNIST's images can be turned into: c = 1 and h = w = N with N dividing
// 28. Anything else is an error describing the shape.
func InputSize(c, h, w int) (int, error) { return Shape{1, Rows, Cols}.InputSize(c, h, w) }

// Downsample writes count one-channel images of rows x cols pixels (back
// to back in src) reduced to size x size by area averaging (see above)
// into a new slice. rows and cols must be multiples of size.
func Downsample(src []byte, count, rows, cols, size int) ([]byte, error) {
	return DownsampleChannels(src, count, Shape{1, rows, cols}, size)
}

// DownsampleChannels writes count images of shape from (back to back in
// src, channel-fastest) reduced to from.C x size x size into a new slice,
// each channel averaged on its own as Downsample does. from.H and from.W
// must be the same multiple of size.
func DownsampleChannels(src []byte, count int, from Shape, size int) ([]byte, error) {
	rows, cols, ch := from.H, from.W, from.C
	if size < 1 || ch < 1 || rows%size != 0 || cols%size != 0 || rows/size != cols/size {
		return nil, fmt.Errorf("dataset: cannot downsample %dx%d images to %dx%d (the size must divide both equally)", rows, cols, size, size)
	}
	if count < 0 || len(src) < count*from.Size() {
		return nil, fmt.Errorf("dataset: %d images of %v need %d pixels, got %d", count, from, count*from.Size(), len(src))
	}
	k := rows / size
	osz := ch * size * size
	out := make([]byte, count*osz)
	if k == 1 {
		copy(out, src)
		return out, nil
	}
	area := k * k
	stride := cols * ch
	for i := range count {
		img := src[i*from.Size() : (i+1)*from.Size()]
		dst := out[i*osz : (i+1)*osz]
		for r := range size {
			for c := range size {
				for z := range ch {
					sum := 0
					for y := r * k; y < (r+1)*k; y++ {
						row := img[y*stride:]
						for x := c * k; x < (c+1)*k; x++ {
							sum += int(row[x*ch+z])
						}
					}
					dst[(r*size+c)*ch+z] = byte((2*sum + area) / (2 * area))
				}
			}
		}
	}
	return out, nil
}

// Resize returns the set with its images downsampled to size x size (each
// channel on its own). For size = Rows it returns s itself (a rectangular
// set too: its images cannot be downsampled but are read as they are);
// otherwise the pixels are new and the labels are shared.
func (s *Set) Resize(size int) (*Set, error) {
	if size == s.Rows {
		return s, nil
	}
	if err := s.Shape().CheckSize(size); err != nil {
		return nil, err
	}
	pix, err := DownsampleChannels(s.Pixels, s.N, s.Shape(), size)
	if err != nil {
		return nil, err
	}
	r := *s
	r.Rows, r.Cols, r.Pixels = size, size, pix
	return &r, nil
}
