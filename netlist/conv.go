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
