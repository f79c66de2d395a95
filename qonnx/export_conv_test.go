package qonnx

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qnn-dev/qnn/netlist"
)

// convSkeleton draws a small random convolutional network in the manner of
// netlist's convTestNetwork: kernels 1..5, strides 1..3, valid, symmetric
// and asymmetric padding (Randomize draws the pad values, non-zero ones
// included), max-pools, 1..8-bit weights and activations, 1- or 8-bit
// input, then dense layers to the scores or, sometimes, a conv's
// accumulators as the scores.
func convSkeleton(rng *rand.Rand) (*netlist.Network, string) {
	in := &netlist.Input{Name: "input", Shape: netlist.Shape{C: 1 + rng.IntN(3), H: 2 + rng.IntN(9), W: 2 + rng.IntN(9)}, Bits: 1}
	if rng.IntN(2) == 0 {
		in.Bits = 8
	}
	n := &netlist.Network{Name: "random-conv", Layers: []netlist.Layer{in}}
	desc := []string{fmt.Sprintf("in %v/%d", in.Shape, in.Bits)}
	s := in.Shape
	bits := func() int {
		if rng.IntN(2) == 0 {
			return 1
		}
		return 1 + rng.IntN(8)
	}
	for i := 0; i < 1+rng.IntN(3); i++ {
		c := &netlist.Conv2D{Name: fmt.Sprintf("conv%d", i), OutC: 1 + rng.IntN(7), Stride: 1 + rng.IntN(3), WeightBits: bits()}
		c.KH, c.KW = 1+rng.IntN(5), 1+rng.IntN(5)
		switch rng.IntN(3) {
		case 1:
			c.Pad = netlist.Symmetric(rng.IntN(min(c.KH, c.KW)))
		case 2:
			c.Pad = netlist.Padding{Top: rng.IntN(c.KH), Bottom: rng.IntN(c.KH), Left: rng.IntN(c.KW), Right: rng.IntN(c.KW)}
		}
		c.KH, c.KW = min(c.KH, s.H+c.Pad.Top+c.Pad.Bottom), min(c.KW, s.W+c.Pad.Left+c.Pad.Right)
		c.Pad.Top, c.Pad.Bottom = min(c.Pad.Top, c.KH-1), min(c.Pad.Bottom, c.KH-1)
		c.Pad.Left, c.Pad.Right = min(c.Pad.Left, c.KW-1), min(c.Pad.Right, c.KW-1)
		os := c.OutShape(s.H, s.W)
		if os.H <= 0 || os.W <= 0 {
			break
		}
		if rng.IntN(5) == 0 && os.Size() <= 300 {
			// The conv's accumulators are the scores (channel-fastest).
			n.Layers = append(n.Layers, c, &netlist.Output{Name: "scores"})
			desc = append(desc, fmt.Sprintf("c%d k%dx%d s%d p%v w%d scores", c.OutC, c.KH, c.KW, c.Stride, c.Pad, c.WeightBits))
			return n, strings.Join(desc, " ")
		}
		t := &netlist.Threshold{Name: fmt.Sprintf("act%d", i), Bits: bits()}
		n.Layers = append(n.Layers, c, t)
		desc = append(desc, fmt.Sprintf("c%d k%dx%d s%d p%v w%d a%d", c.OutC, c.KH, c.KW, c.Stride, c.Pad, c.WeightBits, t.Bits))
		s = os
		if rng.IntN(2) == 0 {
			p := &netlist.MaxPool{Name: fmt.Sprintf("pool%d", i), K: min(1+rng.IntN(3), s.H, s.W), Stride: 1 + rng.IntN(3)}
			n.Layers = append(n.Layers, p)
			s = p.OutShape(s)
			desc = append(desc, fmt.Sprintf("p%d/%d", p.K, p.Stride))
		}
	}
	if rng.IntN(2) == 0 {
		d := &netlist.Dense{Name: "fc0", Out: 1 + rng.IntN(20), WeightBits: bits()}
		n.Layers = append(n.Layers, d, &netlist.Threshold{Name: "fcact0", Bits: bits()})
		desc = append(desc, fmt.Sprintf("f%d", d.Out))
	}
	n.Layers = append(n.Layers, &netlist.Dense{Name: "fc_out", Out: 2 + rng.IntN(5), WeightBits: bits()}, &netlist.Output{Name: "scores"})
	return n, strings.Join(desc, " ")
}

// TestExportRoundTripConv exports random conv networks: Execute on the
// decoded export gives netlist.Eval's scores exactly on every image, and
// importing it gives a byte-identical netlist.
func TestExportRoundTripConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 12))
	padded, nonzero, zero, convScores := 0, 0, 0, 0
	for k := 0; k < 200; k++ {
		n, desc := convSkeleton(rng)
		if err := netlist.Randomize(rng, n); err != nil {
			t.Fatalf("%s: %v", desc, err)
		}
		if _, ok := n.Layers[len(n.Layers)-2].(*netlist.Conv2D); ok {
			convScores++
		}
		for _, l := range n.Layers {
			if c, ok := l.(*netlist.Conv2D); ok && c.Pad.Any() {
				padded++
				if v := c.PadValue; rng.IntN(2) == 0 {
					// Zero padding (an ONNX Conv's own pads) where 0 is in the input's domain.
					if c.PadValue = 0; netlist.Validate(n) != nil {
						c.PadValue = v
					}
				}
				if c.PadValue != 0 {
					nonzero++
				} else {
					zero++
				}
			}
		}
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			convRoundTrip(t, n, desc, randomPixels(rng, 16*n.InputLayer().Shape.Size()), 16)
		})
	}
	t.Logf("%d padded convolutions: %d with a non-zero pad value, %d with zero; %d networks with conv scores", padded, nonzero, zero, convScores)
	if nonzero < 5 || zero < 5 || convScores < 5 {
		t.Errorf("%d padded convolutions, %d with a non-zero pad value, %d with zero, %d conv scores: the test does not cover enough", padded, nonzero, zero, convScores)
	}
}

func convRoundTrip(t *testing.T, n *netlist.Network, desc string, pixels []byte, count int) {
	t.Helper()
	g, ints, err := Export(n, ExportOptions{})
	if err != nil {
		t.Fatalf("%s: %v", desc, err)
	}
	data, err := Encode(g, ints)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := netlist.Eval(n, pixels, count)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := Compile(back)
	if err != nil {
		t.Fatal(err)
	}
	s := n.InputLayer().Shape
	for i := 0; i < count; i++ {
		p, out, err := prog.Predict(nchwImage(pixels[i*s.Size():(i+1)*s.Size()], s))
		if err != nil {
			t.Fatalf("%s: %v", desc, err)
		}
		got := make([]int64, len(out.Data))
		for j, v := range out.Data {
			got[j] = int64(v)
		}
		if diff := cmp.Diff(res[i].Scores, got); diff != "" || p != res[i].Class {
			t.Fatalf("%s: image %d: Execute on the export (class %d) differs from netlist.Eval (class %d) (-want +got):\n%s", desc, i, p, res[i].Class, diff)
		}
	}
	m, err := Import(back, ImportOptions{PixelDivisor: 1})
	if err != nil {
		t.Fatalf("%s: re-import: %v", desc, err)
	}
	if want, got := netlist.Marshal(n), netlist.Marshal(m); !bytes.Equal(want, got) {
		t.Fatalf("%s: re-import differs (-want +got):\n%s", desc, cmp.Diff(string(want), string(got)))
	}
}
