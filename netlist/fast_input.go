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
// b*in.out.stride().
func (in *fastInput) pack(pixels []byte, nimg int, dst []uint64) {
	size, stride := in.out.shape.Size(), in.out.stride()
	for b := 0; b < nimg; b++ {
		px := pixels[b*size : (b+1)*size]
		out := dst[b*stride : (b+1)*stride]
		clear(out)
		if in.out.chunks == 1 {
			in.packFlat(px, out)
			continue
		}
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

// packFlat packs one image into the flat layout.
func (in *fastInput) packFlat(px []byte, out []uint64) {
	size, nw := len(px), in.out.cw
	if in.bits == 1 {
		thr := int64(in.threshold) - 1
		for w := 0; w < nw; w++ {
			chunk := px[w*64 : min(w*64+64, size)]
			var word uint64
			for i, p := range chunk {
				// p >= threshold  <=>  (threshold-1) - p < 0
				word |= uint64(thr-int64(p)) >> 63 << i
			}
			out[w] = word
		}
		return
	}
	for w := 0; w < nw; w++ {
		chunk := px[w*64 : min(w*64+64, size)]
		var planes [8]uint64
		i := 0
		for ; i+8 <= len(chunk); i += 8 {
			v := uint64(chunk[i]) | uint64(chunk[i+1])<<8 | uint64(chunk[i+2])<<16 | uint64(chunk[i+3])<<24 |
				uint64(chunk[i+4])<<32 | uint64(chunk[i+5])<<40 | uint64(chunk[i+6])<<48 | uint64(chunk[i+7])<<56
			for j := range planes {
				// Gather bit j of the 8 bytes into one byte.
				m := v >> j & 0x0101010101010101
				planes[j] |= (m * 0x0102040810204080 >> 56) << i
			}
		}
		for ; i < len(chunk); i++ {
			p := uint64(chunk[i])
			for j := range planes {
				planes[j] |= (p >> j & 1) << i
			}
		}
		for j, pl := range planes {
			out[j*nw+w] = pl
		}
	}
}
