package train

// patchView is the im2col matrix of a batch of images (each InH x InW x
// InC, channel-fastest) for a convolution, read on the fly by the GEMM's
// packing routines instead of being written out: row i is the patch of
// image i / (OH*OW) at output pixel i % (OH*OW), column j = (kh*K+kw)*InC+c
// the input at kernel position (kh, kw), channel c (pad outside the
// image), exactly as im2col writes it. The images are much smaller than
// their patches (about K*K times), so packing from them stays in cache.
type patchView struct {
	x   []float32
	g   *ConvShape
	pad float32
}

// patches returns the GEMM view of the patches of the images x.
func patches(x []float32, g *ConvShape, pad float32) matView {
	return matView{patch: &patchView{x: x, g: g, pad: pad}}
}

// row writes the elements j0, j0+1, ... of patch row i to dst.
func (p *patchView) row(dst []float32, i, j0 int) {
	g := p.g
	px := g.OH * g.OW
	b, pix := i/px, i%px
	oh, ow := pix/g.OW, pix%g.OW
	xb := p.x[b*g.InH*g.InW*g.InC : (b+1)*g.InH*g.InW*g.InC]
	seg := g.K * g.InC
	iw0 := ow*g.Stride - g.Pad
	for j := j0; len(dst) > 0; {
		kh, off := j/seg, j%seg
		n := min(len(dst), seg-off)
		ih := oh*g.Stride - g.Pad + kh
		switch {
		case ih < 0 || ih >= g.InH:
			fill(dst[:n], p.pad)
		case iw0 >= 0 && iw0+g.K <= g.InW:
			base := (ih*g.InW+iw0)*g.InC + off
			copy(dst[:n], xb[base:base+n])
		default:
			for t := range dst[:n] {
				kw, c := (off+t)/g.InC, (off+t)%g.InC
				if iw := iw0 + kw; iw < 0 || iw >= g.InW {
					dst[t] = p.pad
				} else {
					dst[t] = xb[(ih*g.InW+iw)*g.InC+c]
				}
			}
		}
		dst, j = dst[n:], j+n
	}
}

// packRows packs patch rows i0..i0+rows-1, columns j0..j0+kc-1, into an
// MR-row GEMM panel: panel[kk*MR+r] = P(i0+r, j0+kk).
func (p *patchView) packRows(panel []float32, i0, rows, j0, kc int) {
	var tmp [gemmKC]float32
	for r := 0; r < rows; r++ {
		t := tmp[:kc]
		p.row(t, i0+r, j0)
		for kk, v := range t {
			panel[kk*gemmMR+r] = v
		}
	}
}
