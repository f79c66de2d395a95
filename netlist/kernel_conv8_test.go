package netlist

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// conv8TestLayer draws a convolution whose weights fit the byte kernels'
// 16-bit lanes: 1-bit weights, or 2..4-bit ones on small windows.
func conv8TestLayer(rng *rand.Rand) *Conv2D {
	l := &Conv2D{Name: "conv", InC: 1 + rng.IntN(8), OutC: 1 + rng.IntN(70), KH: 1 + rng.IntN(5), KW: 1 + rng.IntN(5), Stride: 1, WeightBits: 1}
	if rng.IntN(3) == 0 {
		l.WeightBits = 2 + rng.IntN(3)
	}
	l.Weights = make([]int8, l.OutC*l.RowLen())
	lo, hi := weightRange(l.WeightBits)
	for i := range l.Weights {
		if l.WeightBits == 1 {
			l.Weights[i] = int8(2*rng.IntN(2) - 1)
		} else {
			l.Weights[i] = int8(lo + rng.Int64N(hi-lo+1))
		}
	}
	return l
}

// TestKernelConv8 checks every kernel's conv8 against a plain loop over
// W(f, kh, kw, c): random window shapes (row lengths that are and are not
// multiples of 4, 1..70 channels: partial quads and channels past the
// layer's), odd entry counts, entry and row steps wider than needed, an
// input exactly as long as the kernel may read, and sentinels in every
// accumulator slot past the quad's 32.
func TestKernelConv8(t *testing.T) {
	forEachKernel(t, func(t *testing.T, k *kernel) {
		rng := rand.New(rand.NewPCG(8, 8))
		tested := 0
		for trial := 0; tested < 300; trial++ {
			l := conv8TestLayer(rng)
			m := newConv8Matrix(l)
			if m == nil {
				continue // the weights could overflow: the bit-plane path's
			}
			tested++
			q := rng.IntN(m.quads)
			rowLen := l.KW * l.InC
			nent, estep, rstep := rng.IntN(10), rng.IntN(3*rowLen+1), rowLen+rng.IntN(9)
			x0, ast := rng.IntN(7), conv8Quad+rng.IntN(5)
			x := make([]byte, x0+max(0, nent-1)*estep+m.windowBytes(rstep))
			for i := range x {
				x[i] = byte(rng.UintN(256))
			}
			if rng.IntN(4) == 0 { // extreme pixels
				for i := range x {
					x[i] = 255 * byte(rng.IntN(2))
				}
			}
			desc := fmt.Sprintf("trial %d: %dx%dx%d -> %d channels w%d, quad %d, %d entries at %d step %d row step %d, acc stride %d",
				trial, l.KH, l.KW, l.InC, l.OutC, l.WeightBits, q, nent, x0, estep, rstep, ast)
			const sentinel = -55555
			want := make([]int64, max(0, nent-1)*ast+conv8Quad+ast)
			for i := range want {
				want[i] = sentinel - int64(i)
			}
			got := append([]int64(nil), want...)
			for e := 0; e < nent; e++ {
				for r := 0; r < conv8Quad; r++ {
					f := q*conv8Quad + r
					var s int64
					for i := 0; i < l.KH && f < l.OutC; i++ {
						for kw := 0; kw < l.KW; kw++ {
							for c := 0; c < l.InC; c++ {
								s += int64(l.W(f, i, kw, c)) * int64(x[x0+e*estep+i*rstep+kw*l.InC+c])
							}
						}
					}
					want[e*ast+r] = s
				}
			}
			k.conv8(m, q, x, x0, estep, rstep, nent, got, ast)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s: acc[%d] = %d, want %d", desc, i, got[i], want[i])
				}
			}
		}
	})
}

// TestConv8Eligible checks the 16-bit bound: 255 times a row's sum of |w|
// at most 32767 takes the byte path, one more does not.
func TestConv8Eligible(t *testing.T) {
	for _, tc := range []struct {
		n    int  // window elements, all weights +1 or -1 (alternating)
		want bool // byte path
	}{{27, true}, {128, true}, {129, false}} {
		l := &Conv2D{InC: tc.n, OutC: 3, KH: 1, KW: 1, Stride: 1, WeightBits: 1, Weights: make([]int8, 3*tc.n)}
		for i := range l.Weights {
			l.Weights[i] = int8(1 - 2*(i%2))
		}
		if got := newConv8Matrix(l) != nil; got != tc.want {
			t.Errorf("%d elements of |w| = 1: byte path %v, want %v", tc.n, got, tc.want)
		}
	}
}

// TestFastConv8EqualsReference: on random convolutional networks whose
// first convolution takes the byte path (8-bit input, weights that fit),
// Fast with every kernel in turn equals Reference on every output of every
// layer, and Eval (batches of several images, so that the last image's
// last windows, whose 4-byte groups would read past the input, are copied)
// equals its results. Padding, strides, kernels 1..5, 1..4 input channels
// and 1..134 output channels (partial quads and tiles) come from
// convTestNetwork; some networks are CNV-like first layers (3x3x3, 64 or 70
// channels, 1-bit weights).
func TestFastConv8EqualsReference(t *testing.T) {
	nets := 240
	if testing.Short() {
		nets = 60
	}
	rng := rand.New(rand.NewPCG(8, 2016))
	for i := 0; i < nets; {
		n, desc, err := conv8TestNetwork(rng, i%4 == 0)
		if err != nil {
			t.Fatalf("network %d (%s): %v", i, desc, err)
		}
		f, err := NewFast(n)
		if err != nil {
			t.Fatalf("network %d (%s): NewFast: %v", i, desc, err)
		}
		if s, ok := f.stages[0].(*fastMatrix); !ok || s.b8 == nil {
			continue // weights too wide for the byte path
		}
		kname := Kernels()[i%len(Kernels())]
		if f, err = f.WithKernel(kname); err != nil {
			t.Fatal(err)
		}
		desc = fmt.Sprintf("network %d (%s) kernel %s", i, desc, kname)
		i++
		checkFastImages(t, rng, n, f, 1+rng.IntN(5), desc)
	}
}

// conv8TestNetwork is convTestNetwork with 8-bit input; cnv makes it a
// CNV-like first layer instead (3 input channels, 3x3 kernel, 64 or 70
// channels, 1-bit weights and activations, valid or padded, then a pool
// now and then and a dense layer).
func conv8TestNetwork(rng *rand.Rand, cnv bool) (*Network, string, error) {
	if cnv {
		in := &Input{Name: "input", Shape: Shape{C: 3, H: 4 + rng.IntN(13), W: 4 + rng.IntN(13)}, Bits: 8}
		c := &Conv2D{Name: "conv0", OutC: 64 + 6*rng.IntN(2), KH: 3, KW: 3, Stride: 1, WeightBits: 1}
		if rng.IntN(2) == 0 {
			c.Pad, c.PadValue = Symmetric(1), rng.Int64N(256)
		}
		n := &Network{Name: "cnv-like", Layers: []Layer{in, c, &Threshold{Name: "act0", Bits: 1}}}
		if rng.IntN(2) == 0 {
			n.Layers = append(n.Layers, &MaxPool{Name: "pool0", K: 2, Stride: 2})
		}
		n.Layers = append(n.Layers, &Dense{Name: "fc_out", Out: 10, WeightBits: 1}, &Output{Name: "scores"})
		return n, fmt.Sprintf("cnv-like in %v c%d p%v", in.Shape, c.OutC, c.Pad), Randomize(rng, n)
	}
	for {
		n, desc, err := convTestNetwork(rng)
		if err != nil || n.InputLayer().Bits == 8 {
			return n, desc, err
		}
	}
}

// checkFastImages evaluates count random images with f and requires
// Fast.Layers to equal Reference on every layer and Eval (with 1..3
// workers) to equal its results.
func checkFastImages(t *testing.T, rng *rand.Rand, n *Network, f *Fast, count int, desc string) {
	t.Helper()
	size := n.InputLayer().Shape.Size()
	pixels := make([]byte, count*size)
	for j := range pixels {
		pixels[j] = byte(rng.IntN(256))
	}
	res, err := f.Eval(pixels, count, 1+rng.IntN(3))
	if err != nil {
		t.Fatal(err)
	}
	for b := 0; b < count; b++ {
		px := pixels[b*size : (b+1)*size]
		want, err := Reference(n, px)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Layers(px)
		if err != nil {
			t.Fatal(err)
		}
		for li := range want {
			if !reflect.DeepEqual(got[li], want[li]) {
				t.Fatalf("%s image %d layer %d %q: Fast differs from Reference\n got %v\nwant %v", desc, b, li, n.Layers[li].LayerName(), got[li], want[li])
			}
		}
		scores := want[len(want)-1]
		if !reflect.DeepEqual(res[b].Scores, scores) || res[b].Class != Argmax(scores) {
			t.Fatalf("%s image %d: Eval %v, want %v", desc, b, res[b], scores)
		}
	}
}
