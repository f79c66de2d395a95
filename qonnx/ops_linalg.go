package qonnx

import (
	"errors"
	"fmt"
	"math"
)

// opMatMul multiplies (..., M, K) by (K, N); the left side may have leading
// dimensions (flattened into rows).
func opMatMul(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if len(b.Shape) != 2 || len(a.Shape) < 1 {
		return nil, fmt.Errorf("supports (..., K) x (K, N), got %v x %v", a.Shape, b.Shape)
	}
	k, nn := b.Shape[0], b.Shape[1]
	if a.Shape[len(a.Shape)-1] != k {
		return nil, fmt.Errorf("shapes %v and %v do not multiply", a.Shape, b.Shape)
	}
	rows := len(a.Data) / k
	shape := append(append([]int(nil), a.Shape[:len(a.Shape)-1]...), nn)
	if err := checkSize(shape, k); err != nil {
		return nil, err
	}
	out := NewTensor(shape...)
	matmul(out.Data, a.Data, b.Data, rows, k, nn, false)
	return []*Tensor{out}, nil
}

// matmul computes out[r][j] = sum_i a[r][i] * b[i][j] (b transposed: b[j][i]),
// summing in index order.
func matmul(out, a, b []float64, rows, k, nn int, bT bool) {
	for r := 0; r < rows; r++ {
		for j := 0; j < nn; j++ {
			s := 0.0
			for i := 0; i < k; i++ {
				w := b[i*nn+j]
				if bT {
					w = b[j*k+i]
				}
				s += a[r*k+i] * w
			}
			out[r*nn+j] = s
		}
	}
}

// opGemm is alpha*A'*B' + beta*C with 2-D A and B.
func opGemm(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return nil, fmt.Errorf("needs 2-D inputs, got %v and %v", a.Shape, b.Shape)
	}
	if n.attrInt("transA", 0) != 0 {
		a = transpose2(a)
	}
	bT := n.attrInt("transB", 0) != 0
	k, nn := b.Shape[0], b.Shape[1]
	if bT {
		k, nn = nn, k
	}
	if a.Shape[1] != k {
		return nil, fmt.Errorf("shapes %v and %v do not multiply", a.Shape, b.Shape)
	}
	if err := checkSize([]int{a.Shape[0], nn}, k); err != nil {
		return nil, err
	}
	out := NewTensor(a.Shape[0], nn)
	matmul(out.Data, a.Data, b.Data, a.Shape[0], k, nn, bT)
	alpha, beta := n.attrFloat("alpha", 1), n.attrFloat("beta", 1)
	for i := range out.Data {
		out.Data[i] *= alpha
	}
	if len(in) > 2 && in[2] != nil {
		c := in[2]
		r, err := broadcastOp(out, c, func(x, y float64) float64 { return x + beta*y })
		if err != nil {
			return nil, err
		}
		out = r
	}
	return []*Tensor{out}, nil
}

func transpose2(t *Tensor) *Tensor {
	r, c := t.Shape[0], t.Shape[1]
	out := NewTensor(c, r)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.Data[j*r+i] = t.Data[i*c+j]
		}
	}
	return out
}

// opBatchNorm is inference batch normalization over axis 1:
// (x - mean) / sqrt(var + eps) * scale + bias.
func opBatchNorm(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 5); err != nil {
		return nil, err
	}
	x := in[0]
	if len(x.Shape) < 2 {
		return nil, errors.New("input must have rank >= 2")
	}
	c := x.Shape[1]
	for i := 1; i < 5; i++ {
		if len(in[i].Data) != c {
			return nil, fmt.Errorf("input %d has %d values for %d channels", i, len(in[i].Data), c)
		}
	}
	eps := n.attrFloat("epsilon", 1e-5)
	inner := numel(x.Shape[2:])
	out := NewTensor(x.Shape...)
	for i, v := range x.Data {
		ch := (i / inner) % c
		out.Data[i] = (v-in[3].Data[ch])/math.Sqrt(in[4].Data[ch]+eps)*in[1].Data[ch] + in[2].Data[ch]
	}
	return []*Tensor{out}, nil
}

// convGeom is the geometry of a 2-D convolution or pooling window.
type convGeom struct {
	kh, kw, sh, sw, dh, dw int
	pt, pl, pb, pr         int
	autoPad                string // SAME_UPPER or SAME_LOWER: pads follow from the input size (resolve)
}

func decodeGeom(n *Node, kh, kw int) (convGeom, error) {
	g := convGeom{kh: kh, kw: kw, sh: 1, sw: 1, dh: 1, dw: 1}
	if s := n.attrInts("strides"); len(s) == 2 {
		g.sh, g.sw = int(s[0]), int(s[1])
	}
	if d := n.attrInts("dilations"); len(d) == 2 {
		g.dh, g.dw = int(d[0]), int(d[1])
	}
	if p := n.attrInts("pads"); len(p) == 4 {
		g.pt, g.pl, g.pb, g.pr = int(p[0]), int(p[1]), int(p[2]), int(p[3])
	}
	switch ap := n.attrString("auto_pad", "NOTSET"); ap {
	case "NOTSET":
	case "VALID":
		g.pt, g.pl, g.pb, g.pr = 0, 0, 0, 0
	case "SAME_UPPER", "SAME_LOWER":
		g.autoPad = ap
	default:
		return g, fmt.Errorf("auto_pad %q is not supported", ap)
	}
	if g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.pt < 0 || g.pl < 0 || g.pb < 0 || g.pr < 0 {
		return g, errors.New("bad strides, dilations or pads")
	}
	return g, nil
}

// resolve computes the pads of auto_pad SAME_UPPER / SAME_LOWER for an
// h x w input: the output is ceil(in/stride), the odd pad at the end
// (UPPER) or the start (LOWER), as ONNX specifies.
func (g convGeom) resolve(h, w int) convGeom {
	if g.autoPad == "" {
		return g
	}
	same := func(in, k, s, d int) (int, int) {
		total := max(0, ((in+s-1)/s-1)*s+(k-1)*d+1-in)
		if g.autoPad == "SAME_UPPER" {
			return total / 2, total - total/2
		}
		return total - total/2, total / 2
	}
	g.pt, g.pb = same(h, g.kh, g.sh, g.dh)
	g.pl, g.pr = same(w, g.kw, g.sw, g.dw)
	g.autoPad = ""
	return g
}

func (g convGeom) out(h, w int) (int, int) {
	oh := (h+g.pt+g.pb-g.dh*(g.kh-1)-1)/g.sh + 1
	ow := (w+g.pl+g.pr-g.dw*(g.kw-1)-1)/g.sw + 1
	return oh, ow
}

// opConv is a 2-D convolution, NCHW, weights (M, C/group, kH, kW), optional bias.
func opConv(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 2); err != nil {
		return nil, err
	}
	x, w := in[0], in[1]
	if len(x.Shape) != 4 || len(w.Shape) != 4 {
		return nil, fmt.Errorf("supports 2-D NCHW only, got %v and %v", x.Shape, w.Shape)
	}
	groups := int(n.attrInt("group", 1))
	nb, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	m, cg := w.Shape[0], w.Shape[1]
	if groups < 1 || c != cg*groups || m%groups != 0 {
		return nil, fmt.Errorf("channels %d, weight %v and group %d do not fit", c, w.Shape, groups)
	}
	g, err := decodeGeom(n, w.Shape[2], w.Shape[3])
	if err != nil {
		return nil, err
	}
	g = g.resolve(h, wd)
	oh, ow := g.out(h, wd)
	if oh < 1 || ow < 1 {
		return nil, errors.New("output would be empty")
	}
	if err := checkSize([]int{nb, m, oh, ow}, cg*g.kh*g.kw); err != nil {
		return nil, err
	}
	out := NewTensor(nb, m, oh, ow)
	mg := m / groups
	for b := 0; b < nb; b++ {
		for o := 0; o < m; o++ {
			bias := 0.0
			if len(in) > 2 && in[2] != nil {
				bias = in[2].Data[o]
			}
			c0 := (o / mg) * cg
			for y := 0; y < oh; y++ {
				for xx := 0; xx < ow; xx++ {
					s := 0.0
					for ci := 0; ci < cg; ci++ {
						for ky := 0; ky < g.kh; ky++ {
							iy := y*g.sh - g.pt + ky*g.dh
							if iy < 0 || iy >= h {
								continue
							}
							for kx := 0; kx < g.kw; kx++ {
								ix := xx*g.sw - g.pl + kx*g.dw
								if ix < 0 || ix >= wd {
									continue
								}
								s += x.Data[((b*c+c0+ci)*h+iy)*wd+ix] * w.Data[((o*cg+ci)*g.kh+ky)*g.kw+kx]
							}
						}
					}
					out.Data[((b*m+o)*oh+y)*ow+xx] = s + bias
				}
			}
		}
	}
	return []*Tensor{out}, nil
}

// opMaxPool is 2-D max pooling, NCHW; padding never wins.
func opMaxPool(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	x := in[0]
	ks := n.attrInts("kernel_shape")
	if len(x.Shape) != 4 || len(ks) != 2 {
		return nil, fmt.Errorf("supports 2-D NCHW with a 2-D kernel_shape, got %v", x.Shape)
	}
	if n.attrInt("ceil_mode", 0) != 0 {
		return nil, errors.New("ceil_mode is not supported")
	}
	g, err := decodeGeom(n, int(ks[0]), int(ks[1]))
	if err != nil {
		return nil, err
	}
	nb, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	g = g.resolve(h, wd)
	oh, ow := g.out(h, wd)
	if oh < 1 || ow < 1 {
		return nil, errors.New("output would be empty")
	}
	if err := checkSize([]int{nb, c, oh, ow}, g.kh*g.kw); err != nil {
		return nil, err
	}
	out := NewTensor(nb, c, oh, ow)
	for p := 0; p < nb*c; p++ {
		for y := 0; y < oh; y++ {
			for xx := 0; xx < ow; xx++ {
				best := math.Inf(-1)
				for ky := 0; ky < g.kh; ky++ {
					iy := y*g.sh - g.pt + ky*g.dh
					for kx := 0; kx < g.kw; kx++ {
						ix := xx*g.sw - g.pl + kx*g.dw
						if iy >= 0 && iy < h && ix >= 0 && ix < wd {
							best = math.Max(best, x.Data[(p*h+iy)*wd+ix])
						}
					}
				}
				out.Data[(p*oh+y)*ow+xx] = best
			}
		}
	}
	return []*Tensor{out}, nil
}
