package dataset

import (
	"fmt"
	"image"
	"image/color"
	"os"
)

// DecodeImage decodes a PNG or JPEG file, refusing images of more than
// 2^24 pixels before decoding them.
func DecodeImage(path string) (image.Image, error) {
	if _, err := decodeConfig(path); err != nil {
		return nil, err
	}
	r, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer r.Close()
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: not a PNG or JPEG image: %v", path, err)
	}
	return img, nil
}

// ImageChannels is the number of channels an image is read with: 1 for a
// grayscale image (8/16-bit gray or a palette of grays), else 3.
func ImageChannels(img image.Image) int {
	if isGray(img.ColorModel()) {
		return 1
	}
	return 3
}

// ImageBytes returns an image's pixels with c channels (1 or 3),
// channel-fastest, rows top to bottom: c = 1 is the gray value (the luma
// of a colour image, as color.GrayModel computes it), c = 3 red, green
// and blue (a gray image's value three times). 16-bit samples keep their
// high byte; transparent pixels are composited over black.
func ImageBytes(img image.Image, c int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, 0, w*h*c)
	switch c {
	case 1:
		if g, ok := img.(*image.Gray); ok {
			for y := range h {
				out = append(out, g.Pix[y*g.Stride:y*g.Stride+w]...)
			}
			return out, nil
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out = append(out, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
			}
		}
	case 3:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA() // alpha-premultiplied: over black
				out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
			}
		}
	default:
		return nil, fmt.Errorf("dataset: images are read with 1 or 3 channels, not %d", c)
	}
	return out, nil
}

// readImageInto decodes the image at path into dst, which holds one image
// of shape want; the file's size must be want's.
func readImageInto(dst []byte, path string, want Shape) error {
	img, err := DecodeImage(path)
	if err != nil {
		return err
	}
	if b := img.Bounds(); b.Dx() != want.W || b.Dy() != want.H {
		return fmt.Errorf("dataset: %s: %dx%d pixels (width x height), want %dx%d like the other images", path, b.Dx(), b.Dy(), want.W, want.H)
	}
	pix, err := ImageBytes(img, want.C)
	if err != nil {
		return err
	}
	copy(dst, pix)
	return nil
}
