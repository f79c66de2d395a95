package netlist

// fastPool is a MaxPool layer on a pixel-layout activation tensor. Bipolar
// values are one plane, and their maximum is the OR of the window's chunks.
// k-bit levels are k planes; their maximum is taken bit-sliced, 64 channels
// at a time: from the top plane down, a candidate wins where it is greater
// than the running maximum at the first plane where they differ.
type fastPool struct {
	layer     int
	k, stride int
	in, out   fastTensor
}

func newFastPool(li int, l *MaxPool, in fastTensor) *fastPool {
	return &fastPool{layer: li, k: l.K, stride: l.Stride, in: in, out: pixelTensor(l.OutShape(in.shape), in.enc)}
}

func (s *fastPool) run(src, dst []uint64, nimg int) {
	nq, cw := len(s.in.enc.c), s.in.cw
	ipw, opw := s.in.planeWords(), s.out.planeWords()
	inW := s.in.shape.W
	for b := 0; b < nimg; b++ {
		img := src[b*s.in.stride() : (b+1)*s.in.stride()]
		out := dst[b*s.out.stride() : (b+1)*s.out.stride()]
		for oh := 0; oh < s.out.shape.H; oh++ {
			for ow := 0; ow < s.out.shape.W; ow++ {
				o := (oh*s.out.shape.W + ow) * cw
				for w := 0; w < cw; w++ {
					var m [MaxActBits]uint64
					first := true
					for i := 0; i < s.k; i++ {
						for j := 0; j < s.k; j++ {
							at := ((oh*s.stride+i)*inW+ow*s.stride+j)*cw + w
							if first {
								for q := 0; q < nq; q++ {
									m[q] = img[q*ipw+at]
								}
								first = false
								continue
							}
							if nq == 1 {
								m[0] |= img[at]
								continue
							}
							maxInto(&m, img, at, ipw, nq)
						}
					}
					for q := 0; q < nq; q++ {
						out[q*opw+o+w] = m[q]
					}
				}
			}
		}
	}
}

// maxInto sets m to the lane-wise maximum of m and the nq planes of
// img[at + q*pw].
func maxInto(m *[MaxActBits]uint64, img []uint64, at, pw, nq int) {
	var gt, eq uint64 = 0, ^uint64(0)
	for q := nq - 1; q >= 0; q-- {
		x := img[q*pw+at]
		gt |= eq & x &^ m[q]
		eq &^= x ^ m[q]
	}
	for q := 0; q < nq; q++ {
		x := img[q*pw+at]
		m[q] = m[q]&^gt | x&gt
	}
}
