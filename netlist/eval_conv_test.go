package netlist

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// convChannels draws a channel count, now and then past one or two words.
func convChannels(rng *rand.Rand) int {
	switch rng.IntN(7) {
	case 0:
		return 64 * (1 + rng.IntN(2)) // whole words
	case 1:
		return 60 + rng.IntN(11) // around one word
	case 2:
		return 120 + rng.IntN(15) // around two words
	default:
		return 1 + rng.IntN(20)
	}
}

func convBits(rng *rand.Rand) int {
	if rng.IntN(2) == 0 {
		return 1
	}
	return 1 + rng.IntN(MaxActBits)
}

// convTestNetwork draws a random convolutional network skeleton (kernels
// 1..5, strides 1..3, every padding kind, channel counts that are not
// multiples of 64, odd and non-square sizes, pools that do and do not divide
// the size, 1/k-bit weights and activations, 1/8-bit input) and fills it
// with Randomize. It keeps the work per image small.
func convTestNetwork(rng *rand.Rand) (*Network, string, error) {
	in := &Input{Name: "input", Shape: Shape{C: 1 + rng.IntN(4), H: 1 + rng.IntN(13), W: 1 + rng.IntN(13)}, Bits: 1}
	if rng.IntN(2) == 0 {
		in.Bits = 8
	}
	n := &Network{Name: "random-conv", Layers: []Layer{in}}
	var desc []string
	desc = append(desc, fmt.Sprintf("in %v/%d", in.Shape, in.Bits))
	s := in.Shape
	macs := 0
	nconv := 1 + rng.IntN(3)
	for i := 0; i < nconv; i++ {
		c := &Conv2D{Name: fmt.Sprintf("conv%d", i), OutC: convChannels(rng), Stride: 1 + rng.IntN(3), WeightBits: convBits(rng)}
		c.KH, c.KW = 1+rng.IntN(5), 1+rng.IntN(5)
		if rng.IntN(3) == 0 {
			c.KW = c.KH
		}
		switch rng.IntN(3) {
		case 0: // valid
		case 1:
			c.Pad = Symmetric(rng.IntN(min(c.KH, c.KW)))
		default:
			c.Pad = Padding{rng.IntN(c.KH), rng.IntN(c.KH), rng.IntN(c.KW), rng.IntN(c.KW)}
		}
		c.KH = min(c.KH, s.H+c.Pad.Top+c.Pad.Bottom)
		c.KW = min(c.KW, s.W+c.Pad.Left+c.Pad.Right)
		c.Pad.Top, c.Pad.Bottom = min(c.Pad.Top, c.KH-1), min(c.Pad.Bottom, c.KH-1)
		c.Pad.Left, c.Pad.Right = min(c.Pad.Left, c.KW-1), min(c.Pad.Right, c.KW-1)
		os := c.OutShape(s.H, s.W)
		if os.H <= 0 || os.W <= 0 {
			break
		}
		macs += os.Size() * c.KH * c.KW * s.C
		if macs > 400_000 && i > 0 {
			break
		}
		n.Layers = append(n.Layers, c)
		desc = append(desc, fmt.Sprintf("c%d k%dx%d s%d p%v w%d", c.OutC, c.KH, c.KW, c.Stride, c.Pad, c.WeightBits))
		s = os
		last := i == nconv-1 && rng.IntN(5) == 0
		if last && s.Size() <= 300 {
			n.Layers = append(n.Layers, &Output{Name: "scores"})
			return n, strings.Join(desc, " "), Randomize(rng, n)
		}
		t := &Threshold{Name: fmt.Sprintf("act%d", i), Bits: convBits(rng)}
		n.Layers = append(n.Layers, t)
		desc = append(desc, fmt.Sprintf("a%d", t.Bits))
		if rng.IntN(2) == 0 {
			p := &MaxPool{Name: fmt.Sprintf("pool%d", i), K: 1 + rng.IntN(3), Stride: 1 + rng.IntN(3)}
			p.K = min(p.K, s.H, s.W)
			n.Layers = append(n.Layers, p)
			s = p.OutShape(s)
			desc = append(desc, fmt.Sprintf("p%d/%d", p.K, p.Stride))
		}
	}
	if rng.IntN(2) == 0 {
		d := &Dense{Name: "fc0", Out: 1 + rng.IntN(70), WeightBits: convBits(rng)}
		t := &Threshold{Name: "fcact0", Bits: convBits(rng)}
		n.Layers = append(n.Layers, d, t)
		desc = append(desc, fmt.Sprintf("f%d w%d a%d", d.Out, d.WeightBits, t.Bits))
	}
	d := &Dense{Name: "fc_out", Out: 1 + rng.IntN(12), WeightBits: convBits(rng)}
	n.Layers = append(n.Layers, d, &Output{Name: "scores"})
	desc = append(desc, fmt.Sprintf("f%d w%d", d.Out, d.WeightBits))
	return n, strings.Join(desc, " "), Randomize(rng, n)
}

// TestFastConvEqualsReference: on random convolutional networks, Fast gives
// exactly Reference's output on every layer, and Eval its results.
func TestFastConvEqualsReference(t *testing.T) {
	nets := 300
	if testing.Short() {
		nets = 60
	}
	rng := rand.New(rand.NewPCG(10, 1))
	for i := 0; i < nets; i++ {
		n, desc, err := convTestNetwork(rng)
		if err != nil {
			t.Fatalf("network %d (%s): %v", i, desc, err)
		}
		f, err := NewFast(n)
		if err != nil {
			t.Fatalf("network %d (%s): NewFast: %v", i, desc, err)
		}
		// Every kernel the CPU has, in turn.
		kname := Kernels()[i%len(Kernels())]
		if f, err = f.WithKernel(kname); err != nil {
			t.Fatal(err)
		}
		desc += " kernel " + kname
		in := n.InputLayer()
		const images = 3
		pixels := make([]byte, images*in.Shape.Size())
		for j := range pixels {
			pixels[j] = byte(rng.IntN(256))
		}
		res, err := f.Eval(pixels, images, 1+rng.IntN(3))
		if err != nil {
			t.Fatal(err)
		}
		for b := 0; b < images; b++ {
			px := pixels[b*in.Shape.Size() : (b+1)*in.Shape.Size()]
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
					t.Fatalf("network %d (%s) image %d layer %d %q: Fast differs from Reference\n got %v\nwant %v", i, desc, b, li, n.Layers[li].LayerName(), got[li], want[li])
				}
			}
			scores := want[len(want)-1]
			if !reflect.DeepEqual(res[b].Scores, scores) || res[b].Class != Argmax(scores) {
				t.Fatalf("network %d (%s) image %d: Eval %v, want %v", i, desc, b, res[b], scores)
			}
		}
	}
}
