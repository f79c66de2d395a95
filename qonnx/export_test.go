package qonnx

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qnn-dev/qnn/netlist"
)

// roundTrip exports n, encodes and decodes the ONNX bytes, and checks that
// Predict on the decoded graph equals netlist.Eval's class on images, and
// that importing it gives byte-for-byte the same netlist.
func roundTrip(t *testing.T, n *netlist.Network, pixels []byte, count int) {
	t.Helper()
	g, ints, err := Export(n, ExportOptions{})
	if err != nil {
		t.Fatal(err)
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
	size := n.InputLayer().Shape.Size()
	for i := 0; i < count; i++ {
		x := nchwImage(pixels[i*size:(i+1)*size], n.InputLayer().Shape)
		p, _, err := prog.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		if p != res[i].Class {
			t.Fatalf("image %d: Execute on the export says %d, netlist.Eval %d", i, p, res[i].Class)
		}
	}
	m, err := Import(back, ImportOptions{PixelDivisor: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want, got := netlist.Marshal(n), netlist.Marshal(m); !bytes.Equal(want, got) {
		t.Fatalf("re-import differs (-want +got):\n%s", cmp.Diff(string(want), string(got)))
	}
	again, err := Encode(g, ints)
	if err != nil || !bytes.Equal(again, data) {
		t.Fatalf("Encode is not deterministic (err %v)", err)
	}
}

func randomPixels(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rng.IntN(256))
	}
	return p
}

// TestExportRoundTripRandom covers every supported width combination on
// random networks (shape (2,3,4) so that the NCHW permutation matters).
func TestExportRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	shape := netlist.Shape{C: 2, H: 3, W: 4}
	for _, inBits := range []int{1, 8} {
		for wb := 1; wb <= 8; wb++ {
			for _, ab := range []int{1, 2, 3, 4, 8} {
				t.Run(fmt.Sprintf("in%d-w%d-a%d", inBits, wb, ab), func(t *testing.T) {
					n, err := netlist.Random(rng, netlist.RandomConfig{Input: shape, InputBits: inBits,
						Hidden: []int{12, 7}, Classes: 5, WeightBits: []int{wb, wb, wb}, ActBits: []int{ab, ab}})
					if err != nil {
						t.Fatal(err)
					}
					roundTrip(t, n, randomPixels(rng, 64*shape.Size()), 64)
				})
			}
		}
	}
}

// TestExportRoundTripTFC exports the trained TFC-w1a1 and checks it on MNIST.
func TestExportRoundTripTFC(t *testing.T) {
	n, err := netlist.Load(filepath.Join("..", "testdata", "tfc-w1a1.json"))
	if err != nil {
		t.Fatal(err)
	}
	set := loadMNIST(t)
	count := set.N
	if testing.Short() {
		count = 1000
	}
	roundTrip(t, n, set.Pixels[:count*784], count)
}

// nchwImage turns one image in netlist order ((h*W+w)*C + c) into an NCHW
// tensor, independently of the package's own conversion.
func nchwImage(img []byte, s netlist.Shape) *Tensor {
	x := NewTensor(1, s.C, s.H, s.W)
	for c := 0; c < s.C; c++ {
		for h := 0; h < s.H; h++ {
			for w := 0; w < s.W; w++ {
				x.Data[(c*s.H+h)*s.W+w] = float64(img[(h*s.W+w)*s.C+c])
			}
		}
	}
	return x
}

// TestExportQuantActivations: the MultiThreshold-free form of 1-bit
// networks predicts as netlist.Eval does, and re-imports to a netlist that
// predicts the same; k-bit thresholds are refused.
func TestExportQuantActivations(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 2))
	for _, inBits := range []int{1, 8} {
		n, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 2, H: 3, W: 4}, InputBits: inBits,
			Hidden: []int{16, 9}, Classes: 5, WeightBits: []int{1, 2, 1}})
		if err != nil {
			t.Fatal(err)
		}
		g, ints, err := Export(n, ExportOptions{QuantActivations: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, nd := range g.Nodes {
			if nd.Op == "MultiThreshold" {
				t.Fatalf("node %q is a MultiThreshold", nd.Name)
			}
		}
		data, err := Encode(g, ints)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Import(back, ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		px := randomPixels(rng, 200*24)
		want, _ := netlist.Eval(n, px, 200)
		got, _ := netlist.Eval(m, px, 200)
		for i := 0; i < 200; i++ {
			p, _, err := Predict(back, nchwImage(px[i*24:(i+1)*24], n.InputLayer().Shape))
			if err != nil {
				t.Fatal(err)
			}
			if p != want[i].Class || got[i].Class != want[i].Class {
				t.Fatalf("input bits %d, image %d: netlist %d, Execute %d, re-import %d", inBits, i, want[i].Class, p, got[i].Class)
			}
		}
	}
	n, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 2, W: 2}, InputBits: 1,
		Hidden: []int{3}, Classes: 2, ActBits: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Export(n, ExportOptions{QuantActivations: true}); err == nil {
		t.Errorf("2-bit thresholds exported without MultiThreshold")
	}
}
