package train

import (
	"fmt"
	"github.com/qnn-dev/qnn/dataset"
	"strconv"
	"strings"
)

// ConvArchitectures maps the name of a convolutional architecture to its
// layer string (grammar in ParseLayers and docs/training.md).
var ConvArchitectures = map[string]string{
	// FINN / BNN-PYNQ CNV for 32x32x3 images: 3x3 valid convolutions.
	"cnv": "c64,c64,p2,c128,c128,p2,c256,c256,f512,f512,f10",
	// A small LeNet-like net for 28x28 MNIST / Fashion-MNIST.
	"lenet": "c32,p2,c64,p2,f512,f10",
	// CNV's pattern (pairs of 3x3 valid convolutions, then a pool) at half
	// its channels for 28x28 MNIST / Fashion-MNIST, 8-bit pixels in: the
	// small conv net that reaches 99.47% on MNIST (docs/training-results.md).
	"cnv28": "c32,c32,p2,c64,c64,p2,f512,f10",
}

// ConvSpec is one convolution of a layer string, with the max-pool that
// follows it (if any).
type ConvSpec struct {
	Out    int // output channels
	K      int // kernel height and width
	Stride int
	Pad    int // symmetric padding
	Pool   int // max-pool window and stride after the convolution (0: none)
}

// Stack is a parsed layer string: convolutions (each with an optional
// max-pool) followed by dense layers, the last of which is the output layer.
type Stack struct {
	Convs []ConvSpec
	Dense []int // widths of the dense layers, the output layer last
}

// ParseLayers parses a layer string: comma-separated items, each
//
//	c<F>[k<K>][s<S>][p<P>]  convolution with F output channels, a KxK kernel
//	                        (default 3), stride S (default 1) and P rows and
//	                        columns of padding on every side (default 0)
//	p<K>                    KxK max-pool with stride K, after a convolution
//	f<N>                    dense layer with N outputs
//
// Convolutions and pools come first, dense layers last, and the last item
// is the output layer f10.
func ParseLayers(s string) (Stack, error) {
	var st Stack
	items := strings.Split(s, ",")
	for i, raw := range items {
		it := strings.TrimSpace(raw)
		bad := func(why string) (Stack, error) {
			return Stack{}, fmt.Errorf("train: layer string %q: item %d %q: %s", s, i+1, it, why)
		}
		if it == "" {
			return bad("empty item")
		}
		switch it[0] {
		case 'c':
			if len(st.Dense) > 0 {
				return bad("a convolution after a dense layer")
			}
			c, err := parseConv(it[1:])
			if err != nil {
				return bad(err.Error())
			}
			st.Convs = append(st.Convs, c)
		case 'p':
			n, err := atoiRange(it[1:], 2, 8)
			if err != nil {
				return bad("pool window " + err.Error())
			}
			if len(st.Dense) > 0 || len(st.Convs) == 0 || st.Convs[len(st.Convs)-1].Pool != 0 {
				return bad("a max-pool must follow a convolution")
			}
			st.Convs[len(st.Convs)-1].Pool = n
		case 'f':
			n, err := atoiRange(it[1:], 1, 1<<16)
			if err != nil {
				return bad("width " + err.Error())
			}
			st.Dense = append(st.Dense, n)
		default:
			return bad("want c<F>[k<K>][s<S>][p<P>], p<K> or f<N>")
		}
	}
	if len(st.Dense) < 2 || st.Dense[len(st.Dense)-1] != 10 {
		return Stack{}, fmt.Errorf("train: layer string %q: must end with at least one hidden dense layer and the output layer f10", s)
	}
	return st, nil
}

// parseConv parses the part of a convolution item after the "c".
func parseConv(s string) (ConvSpec, error) {
	c := ConvSpec{K: 3, Stride: 1}
	num := func() (string, string) {
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return s[:j], s[j:]
	}
	var f string
	f, s = num()
	var err error
	if c.Out, err = atoiRange(f, 1, 4096); err != nil {
		return c, fmt.Errorf("channels %w", err)
	}
	for s != "" {
		key := s[0]
		s = s[1:]
		var v string
		v, s = num()
		switch key {
		case 'k':
			c.K, err = atoiRange(v, 1, 11)
		case 's':
			c.Stride, err = atoiRange(v, 1, 8)
		case 'p':
			c.Pad, err = atoiRange(v, 0, 8)
		default:
			return c, fmt.Errorf("unknown option %q (want k, s or p)", key)
		}
		if err != nil {
			return c, fmt.Errorf("option %c %w", key, err)
		}
	}
	return c, nil
}

func atoiRange(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not an integer in %d..%d", s, lo, hi)
	}
	return n, nil
}

// ConvShape is the geometry of one convolution stage of a model: input
// (InC, InH, InW), convolution output (OutC, OH, OW) and, after the pool,
// (OutC, PH, PW).
type ConvShape struct {
	ConvSpec
	InC, InH, InW int
	OH, OW        int
	PH, PW        int
}

// plan computes the shapes of the convolutions for a (C,H,W) input and
// returns them with the number of features the first dense layer sees.
func (st Stack) plan(in dataset.Shape) ([]ConvShape, int, error) {
	c, h, w := in.C, in.H, in.W
	var out []ConvShape
	for i, s := range st.Convs {
		g := ConvShape{ConvSpec: s, InC: c, InH: h, InW: w}
		g.OH = (h+2*s.Pad-s.K)/s.Stride + 1
		g.OW = (w+2*s.Pad-s.K)/s.Stride + 1
		if h+2*s.Pad < s.K || w+2*s.Pad < s.K {
			return nil, 0, fmt.Errorf("train: convolution %d: %dx%d kernel on a %dx%d input (with padding %d)", i, s.K, s.K, h, w, s.Pad)
		}
		g.PH, g.PW = g.OH, g.OW
		if s.Pool > 0 {
			if g.OH < s.Pool || g.OW < s.Pool {
				return nil, 0, fmt.Errorf("train: max-pool after convolution %d: %dx%d window on a %dx%d input", i, s.Pool, s.Pool, g.OH, g.OW)
			}
			g.PH, g.PW = (g.OH-s.Pool)/s.Pool+1, (g.OW-s.Pool)/s.Pool+1
		}
		out = append(out, g)
		c, h, w = s.Out, g.PH, g.PW
	}
	return out, c * h * w, nil
}
