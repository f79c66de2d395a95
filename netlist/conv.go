package netlist

// Conv2D is a two-dimensional convolution over a (C,H,W) tensor stored
// channel-fastest. Output channel f at output pixel (oh, ow) is the signed
// accumulator
//
//	acc = sum over kh < KH, kw < KW, c < InC of W(f, kh, kw, c) * x(ih, iw, c)
//	      with ih = oh*Stride - Pad.Top + kh and iw = ow*Stride - Pad.Left + kw,
//
// where x(ih, iw, c) outside the input is PadValue. The output tensor is
// (OutC, OH, OW) with OH = (H + Pad.Top + Pad.Bottom - KH)/Stride + 1 and
// OW = (W + Pad.Left + Pad.Right - KW)/Stride + 1 (integer division: rows
// and columns that a whole window does not reach are dropped, as in PyTorch).
type Conv2D struct {
	Name      string
	InC, OutC int // input and output channels
	KH, KW    int // kernel height and width
	Stride    int // the same in both directions
	Pad       Padding
	// PadValue is the value of every element outside the input, in the
	// input's value domain: -1 or +1 for bipolar inputs (1-bit pixels or
	// activations), a level value Base..Base+2^k-1 for k-bit activations, a
	// pixel 0..255 for 8-bit pixels. It must be 0 when there is no padding.
	PadValue   int64
	WeightBits int // 1 (bipolar) or 2..8 (two's complement), as for Dense
	// AccBits is the declared signed accumulator width; every reachable
	// accumulator value must fit, checked exactly with the actual weights.
	AccBits int
	// Weights holds OutC rows of RowLen() = KH*KW*InC values. Within a row
	// the kernel elements are channel-fastest, matching the tensor layout:
	// W(f, kh, kw, c) = Weights[f*RowLen() + (kh*KW+kw)*InC + c].
	Weights []int8
}

// Padding is the number of padding rows or columns on each side.
type Padding struct{ Top, Bottom, Left, Right int }

// Symmetric returns a padding of p on every side.
func Symmetric(p int) Padding { return Padding{p, p, p, p} }

// Any reports whether any side is padded.
func (p Padding) Any() bool { return p.Top != 0 || p.Bottom != 0 || p.Left != 0 || p.Right != 0 }

// RowLen is the number of weights per output channel, KH*KW*InC.
func (l *Conv2D) RowLen() int { return l.KH * l.KW * l.InC }

// Row returns output channel f's weights.
func (l *Conv2D) Row(f int) []int8 {
	n := l.RowLen()
	return l.Weights[f*n : (f+1)*n]
}

// W returns the weight of output channel f at kernel position (kh, kw) and
// input channel c.
func (l *Conv2D) W(f, kh, kw, c int) int8 {
	return l.Weights[f*l.RowLen()+(kh*l.KW+kw)*l.InC+c]
}

// OutShape returns the output shape for an input of height h and width w
// (OutC, OH, OW); OH or OW is 0 or less when the padded input is smaller
// than the kernel.
func (l *Conv2D) OutShape(h, w int) Shape {
	if l.Stride <= 0 {
		return Shape{C: l.OutC}
	}
	return Shape{
		C: l.OutC,
		H: floorDiv(h+l.Pad.Top+l.Pad.Bottom-l.KH, l.Stride) + 1,
		W: floorDiv(w+l.Pad.Left+l.Pad.Right-l.KW, l.Stride) + 1,
	}
}

// MaxPool is a KxK max-pooling window moved by Stride over an activation
// tensor (the output of a Threshold layer or of another MaxPool), channel by
// channel: out(oh, ow, c) = max over i, j < K of x(oh*Stride+i, ow*Stride+j, c).
// On bipolar (1-bit) values the maximum is the OR of the bits (+1 if any
// element is +1); on k-bit activations it is the largest level. The output is
// (C, OH, OW) with OH = (H-K)/Stride + 1, OW = (W-K)/Stride + 1: windows that
// do not fit are dropped, there is no padding.
type MaxPool struct {
	Name   string
	K      int // window height and width
	Stride int
}

// OutShape returns the output shape for an input of shape in.
func (l *MaxPool) OutShape(in Shape) Shape {
	if l.Stride <= 0 {
		return Shape{C: in.C}
	}
	return Shape{C: in.C, H: floorDiv(in.H-l.K, l.Stride) + 1, W: floorDiv(in.W-l.K, l.Stride) + 1}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func (*Conv2D) Op() string  { return "conv2d" }
func (*MaxPool) Op() string { return "maxpool" }

func (l *Conv2D) LayerName() string  { return l.Name }
func (l *MaxPool) LayerName() string { return l.Name }

func (*Conv2D) layerNode()  {}
func (*MaxPool) layerNode() {}

// maxKernel bounds a kernel or pooling window side and a stride.
const maxKernel = 64

func (l *Conv2D) check(v *validator) Value {
	out := Value{Kind: Accumulators, Bits: l.AccBits}
	okIn := v.consumes("a conv2d layer", matrixProducers, Pixels, Activations)
	if l.InC <= 0 || l.OutC <= 0 || l.InC > 1<<16 || l.OutC > 1<<16 {
		v.addf("in_channels/out_channels", "must be in 1..65536, got in_channels=%d out_channels=%d", l.InC, l.OutC)
		return out
	}
	out.Shape = Shape{C: l.OutC, H: 1, W: 1}
	if l.KH <= 0 || l.KW <= 0 || l.KH > maxKernel || l.KW > maxKernel {
		v.addf("kernel", "kernel %dx%d is outside 1..%d", l.KH, l.KW, maxKernel)
		return out
	}
	if l.Stride <= 0 || l.Stride > maxKernel {
		v.addf("stride", "stride %d is outside 1..%d", l.Stride, maxKernel)
		return out
	}
	p := l.Pad
	if p.Top < 0 || p.Bottom < 0 || p.Left < 0 || p.Right < 0 || p.Top >= l.KH || p.Bottom >= l.KH || p.Left >= l.KW || p.Right >= l.KW {
		v.addf("pad", "padding [top %d, bottom %d, left %d, right %d] must be >= 0 and smaller than the %dx%d kernel", p.Top, p.Bottom, p.Left, p.Right, l.KH, l.KW)
		return out
	}
	if okIn && l.InC != v.in.Shape.C {
		v.addf("in_channels", "layer takes %d channels but the previous layer %q produces %v", l.InC, v.prev.LayerName(), v.in.Shape)
		okIn = false
	}
	if okIn {
		s := l.OutShape(v.in.Shape.H, v.in.Shape.W)
		if s.H <= 0 || s.W <= 0 {
			v.addf("kernel", "the %dx%d kernel does not fit the padded %dx%d input", l.KH, l.KW, v.in.Shape.H+p.Top+p.Bottom, v.in.Shape.W+p.Left+p.Right)
			return out
		}
		out.Shape = s
		l.checkPadValue(v)
	}
	if !v.matrixWidths(l.WeightBits, l.AccBits) {
		return out
	}
	n := l.RowLen()
	if len(l.Weights) != l.OutC*n {
		v.addf("weights", "have %d values, want out_channels*kernel_h*kernel_w*in_channels = %d*%d*%d*%d = %d", len(l.Weights), l.OutC, l.KH, l.KW, l.InC, l.OutC*n)
		return out
	}
	if !v.checkWeights(l.Weights, l.OutC, n, l.WeightBits) || !okIn {
		return out
	}
	v.accumulate(l.OutC, n, l.Row, l.AccBits, &out)
	return out
}

// checkPadValue checks that the pad value lies in the input's value domain.
func (l *Conv2D) checkPadValue(v *validator) {
	pv := l.PadValue
	switch {
	case !l.Pad.Any():
		if pv != 0 {
			v.addf("pad_value", "a convolution without padding takes no pad value, got %d", pv)
		}
	case v.in.Bipolar:
		if pv != -1 && pv != 1 {
			v.addf("pad_value", "the input is bipolar: pad with -1 or +1, not %d", pv)
		}
	case pv < v.in.Min || pv > v.in.Max:
		v.addf("pad_value", "pad value %d is outside the input's values [%d, %d]", pv, v.in.Min, v.in.Max)
	}
}

// reference computes the convolution one multiply-accumulate at a time; x
// and the result are stored channel-fastest.
func (l *Conv2D) reference(x []int64, in Value) []int64 {
	s := l.OutShape(in.Shape.H, in.Shape.W)
	y := make([]int64, s.Size())
	for oh := 0; oh < s.H; oh++ {
		for ow := 0; ow < s.W; ow++ {
			for f := 0; f < l.OutC; f++ {
				var acc int64
				for kh := 0; kh < l.KH; kh++ {
					for kw := 0; kw < l.KW; kw++ {
						ih := oh*l.Stride - l.Pad.Top + kh
						iw := ow*l.Stride - l.Pad.Left + kw
						inside := ih >= 0 && ih < in.Shape.H && iw >= 0 && iw < in.Shape.W
						for c := 0; c < l.InC; c++ {
							xv := l.PadValue
							if inside {
								xv = x[(ih*in.Shape.W+iw)*l.InC+c]
							}
							acc += int64(l.W(f, kh, kw, c)) * xv
						}
					}
				}
				y[(oh*s.W+ow)*l.OutC+f] = acc
			}
		}
	}
	return y
}

func (l *MaxPool) check(v *validator) Value {
	out := v.in
	out.ChanRange = nil
	if !v.consumes("a maxpool layer", "a threshold or maxpool layer", Activations) {
		out = Value{Kind: Activations, Bits: 1, Bipolar: true, Min: -1, Max: 1, Shape: Shape{C: 1, H: 1, W: 1}}
	}
	if l.K <= 0 || l.K > maxKernel {
		v.addf("kernel", "window %d is outside 1..%d", l.K, maxKernel)
		return out
	}
	if l.Stride <= 0 || l.Stride > maxKernel {
		v.addf("stride", "stride %d is outside 1..%d", l.Stride, maxKernel)
		return out
	}
	if v.in.Kind != Activations {
		return out
	}
	s := l.OutShape(v.in.Shape)
	if s.H <= 0 || s.W <= 0 {
		v.addf("kernel", "the %dx%d window does not fit the %dx%d input", l.K, l.K, v.in.Shape.H, v.in.Shape.W)
		return out
	}
	out.Shape = s
	return out
}

func (l *MaxPool) reference(x []int64, in Value) []int64 {
	s := l.OutShape(in.Shape)
	y := make([]int64, s.Size())
	for oh := 0; oh < s.H; oh++ {
		for ow := 0; ow < s.W; ow++ {
			for c := 0; c < s.C; c++ {
				m := x[((oh*l.Stride)*in.Shape.W+ow*l.Stride)*s.C+c]
				for i := 0; i < l.K; i++ {
					for j := 0; j < l.K; j++ {
						m = max(m, x[((oh*l.Stride+i)*in.Shape.W+ow*l.Stride+j)*s.C+c])
					}
				}
				y[(oh*s.W+ow)*s.C+c] = m
			}
		}
	}
	return y
}
