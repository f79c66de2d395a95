package sim

import "github.com/qnn-dev/qnn/hw"

// binarizer is the combinational input stage: it turns one s_axis beat of
// InPix 8-bit pixels into InPix hardware elements for MVTU 0 (the bit
// pixel >= Threshold for 1-bit input, the pixel itself for 8-bit input).
type binarizer struct {
	bits, threshold int
	out             []uint64 // InPix elements of the current beat
}

func newBinarizer(in hw.InputStage) *binarizer {
	return &binarizer{bits: in.Bits, threshold: in.Threshold, out: make([]uint64, in.InPix)}
}

// convert returns the elements of beat (InPix bytes); the slice is reused.
func (b *binarizer) convert(beat []byte) []uint64 {
	for j, px := range beat {
		switch {
		case b.bits == 8:
			b.out[j] = uint64(px)
		case int(px) >= b.threshold:
			b.out[j] = 1
		default:
			b.out[j] = 0
		}
	}
	return b.out
}
