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
	p.rowStrided(dst, 1, len(dst), i, j0)
}

// rowStrided writes the n elements j0, ..., j0+n-1 of patch row i to
// dst[0], dst[stride], dst[2*stride], ...: the runs of the row that are
// contiguous in the image are copied (stride 1) or scattered (copyStrided).
func (p *patchView) rowStrided(dst []float32, stride, n, i, j0 int) {
	g := p.g
	px := g.OH * g.OW
	b, pix := i/px, i%px
	oh, ow := pix/g.OW, pix%g.OW
	xb := p.x[b*g.InH*g.InW*g.InC : (b+1)*g.InH*g.InW*g.InC]
	seg := g.K * g.InC
	iw0 := ow*g.Stride - g.Pad
	for j, t := j0, 0; t < n; {
		kh, off := j/seg, j%seg
		cnt := min(n-t, seg-off)
		ih := oh*g.Stride - g.Pad + kh
		switch {
		case ih < 0 || ih >= g.InH:
			for u := t; u < t+cnt; u++ {
				dst[u*stride] = p.pad
			}
		case iw0 >= 0 && iw0+g.K <= g.InW:
			base := (ih*g.InW+iw0)*g.InC + off
			copyStrided(dst[t*stride:], stride, xb[base:base+cnt])
		default:
			for u := range cnt {
				kw, c := (off+u)/g.InC, (off+u)%g.InC
				v := p.pad
				if iw := iw0 + kw; iw >= 0 && iw < g.InW {
					v = xb[(ih*g.InW+iw)*g.InC+c]
				}
				dst[(t+u)*stride] = v
			}
		}
		t, j = t+cnt, j+cnt
	}
}

// copyStrided writes src[k] to dst[k*stride].
func copyStrided(dst []float32, stride int, src []float32) {
	if stride == 1 {
		copy(dst, src)
		return
	}
	if len(src) == 0 {
		return
	}
	_ = dst[(len(src)-1)*stride]
	if useAVX2 || useAsm {
		scatterF32(&dst[0], &src[0], len(src), stride)
		return
	}
	for k, v := range src {
		dst[k*stride] = v
	}
}

// packRows packs patch rows i0..i0+rows-1, columns j0..j0+kc-1, into an
// MR-row GEMM panel: panel[kk*MR+r] = P(i0+r, j0+kk).
func (p *patchView) packRows(panel []float32, i0, rows, j0, kc int) {
	for r := 0; r < rows; r++ {
		p.rowStrided(panel[r:], gemmMR, kc, i0+r, j0)
	}
}

// packCols packs patch rows pc..pc+kc-1, columns jc..jc+nc-1, into NR-column
// GEMM panels (packB's layout): each patch row is read once into a buffer
// and cut into the panels.
func (p *patchView) packCols(dst []float32, pc, jc, kc, nc int) {
	var buf [gemmNC]float32
	for kk := 0; kk < kc; kk++ {
		p.row(buf[:nc], pc+kk, jc)
		for q := 0; q*gemmNR < nc; q++ {
			cols := min(gemmNR, nc-q*gemmNR)
			copy(dst[q*gemmNR*kc+kk*gemmNR:q*gemmNR*kc+kk*gemmNR+cols], buf[q*gemmNR:q*gemmNR+cols])
		}
	}
}
