package netlist

// fastInput packs the input pixels into bit planes: one plane of bipolar
// bits for 1-bit input, eight planes of pixel bits for 8-bit input.
type fastInput struct {
	name      string
	bits      int // 1 or 8
	threshold int
	out       fastTensor
}

func newFastInput(l *Input, flat bool) *fastInput {
	enc := bipolarEnc()
	if l.Bits == 8 {
		enc = unsignedEnc(0, 8)
	}
	s := &fastInput{name: l.Name, bits: l.Bits, threshold: l.Threshold, out: pixelTensor(l.Shape, enc)}
	if flat {
		s.out = flatTensor(l.Shape, enc)
	}
	return s
}

// pack writes the bit planes of nimg images into dst, image b's planes at
// b*in.out.stride(); the flat layout uses the packing kernels of k.
func (in *fastInput) pack(k *kernel, pixels []byte, nimg int, dst []uint64) {
	size, stride := in.out.shape.Size(), in.out.stride()
	if in.out.chunks == 1 {
		if in.bits == 1 {
			k.pack1(pixels, size, nimg, in.threshold, dst, in.out.cw)
		} else {
			k.pack8(pixels, size, nimg, dst, in.out.cw)
		}
		return
	}
	for b := 0; b < nimg; b++ {
		px := pixels[b*size : (b+1)*size]
		out := dst[b*stride : (b+1)*stride]
		clear(out)
		nc, cw, pw := in.out.chunk, in.out.cw, in.out.planeWords()
		for ch := 0; ch < in.out.chunks; ch++ {
			for i, p := range px[ch*nc : (ch+1)*nc] {
				w, bit := ch*cw+i>>6, uint(i&63)
				if in.bits == 1 {
					if int(p) >= in.threshold {
						out[w] |= 1 << bit
					}
					continue
				}
				for j := 0; j < 8; j++ {
					out[j*pw+w] |= uint64(p>>j&1) << bit
				}
			}
		}
	}
}
