package qonnx

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qnn-dev/qnn/netlist"
)

// synthetic is a small Gemm-based graph with a 2-channel input, a transpose
// to NHWC before the flatten, per-channel scaling, a 2-bit Quant
// activation with a negative scale on some channels' path, and a final
// scalar affine map: what the fixtures do not cover.
func synthetic(rng *rand.Rand) *Graph {
	g := &Graph{Name: "synthetic", Inits: map[string]*Tensor{}, Opsets: map[string]int64{"": 11},
		Inputs: []ValueInfo{{Name: "x", Shape: []int{1, 2, 3, 4}}}, Outputs: []ValueInfo{{Name: "out"}}}
	w1 := NewTensor(5, 24) // Gemm transB: (out, in)
	for i := range w1.Data {
		w1.Data[i] = float64(rng.IntN(7)-3) * 0.25
	}
	w2 := NewTensor(5, 3)
	for i := range w2.Data {
		w2.Data[i] = float64(rng.IntN(3) - 1)
	}
	g.Inits["perm_shape"] = vec(1, -1)
	g.Inits["w1"], g.Inits["b1"] = w1, vec(0.5, -1, 2, 0, 1.5)
	g.Inits["chscale"] = tensor([]int{1, 5}, 0.1, -0.2, 0.05, 0.3, -0.1)
	g.Inits["qs"], g.Inits["qz"], g.Inits["qb"] = Scalar(0.5), Scalar(0), Scalar(2)
	g.Inits["w2"], g.Inits["k"], g.Inits["off"] = w2, Scalar(3), Scalar(-7)
	n := func(op string, attrs map[string]Attr, out string, in ...string) {
		if attrs == nil {
			attrs = map[string]Attr{}
		}
		g.Nodes = append(g.Nodes, &Node{Name: op + "_" + out, Op: op, Inputs: in, Outputs: []string{out}, Attrs: attrs})
	}
	n("Transpose", map[string]Attr{"perm": ais(0, 2, 3, 1)}, "t", "x")
	n("Reshape", nil, "f", "t", "perm_shape")
	n("Gemm", map[string]Attr{"transB": ai(1)}, "g1", "f", "w1", "b1")
	n("Mul", nil, "s1", "g1", "chscale")
	n("Quant", map[string]Attr{"signed": ai(1), "narrow": ai(0), "rounding_mode": as("ROUND")}, "q1", "s1", "qs", "qz", "qb")
	n("MatMul", nil, "m2", "q1", "w2")
	n("Mul", nil, "s2", "m2", "k")
	n("Add", nil, "out", "s2", "off")
	return g
}

func seededInputs(rng *rand.Rand, shape []int, n int) []*Tensor {
	var out []*Tensor
	for i := 0; i < n; i++ {
		t := NewTensor(shape...)
		for j := range t.Data {
			t.Data[j] = float64(rng.IntN(256))
		}
		out = append(out, t)
	}
	return out
}

// TestPassesKeepExecute runs the import passes one by one on the fixtures
// and the synthetic graph and requires each to keep Execute's output on
// seeded inputs (exactly, in float64), and Streamline to keep the class.
func TestPassesKeepExecute(t *testing.T) {
	graphs := map[string]struct {
		g   *Graph
		div float64
	}{"synthetic": {synthetic(rand.New(rand.NewPCG(3, 4))), 1},
		"brevitas-conv":      {brevitasConv(rand.New(rand.NewPCG(7, 8)), []int{1, 2, 12, 12}, convOpts{group1: 1, dil0: 1}), 255},
		"brevitas-conv-pool": {brevitasConv(rand.New(rand.NewPCG(7, 8)), []int{1, 2, 12, 12}, convOpts{group1: 1, dil0: 1, poolBeforeQuant: true, positiveBN0: true}), 255},
		"brevitas-conv-mt":   {brevitasConv(rand.New(rand.NewPCG(7, 8)), []int{1, 2, 12, 12}, convOpts{group1: 1, dil0: 1, multiThreshold: true}), 255}}
	dir := fixtureDir(t)
	for file, div := range map[string]float64{"TFC_1W1A.onnx": 255, "TFC_1W2A.onnx": 255, "finn-tfc-w1a1/model.onnx": 1} {
		g, err := Load(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		graphs[file] = struct {
			g   *Graph
			div float64
		}{g, div}
	}
	for name, c := range graphs {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			inputs := seededInputs(rng, c.g.Inputs[0].Shape, 20)
			before := c.g
			feed := func(x *Tensor, div float64) *Tensor {
				y := x.Clone()
				for i := range y.Data {
					y.Data[i] /= div
				}
				return y
			}
			div := c.div // the first pass (scale-input) changes what the graph takes
			for _, p := range append(Passes(ImportOptions{PixelDivisor: c.div}), Streamline) {
				after, err := p.Run(before)
				if err != nil {
					t.Fatalf("%s: %v", p.Name, err)
				}
				for i, x := range inputs {
					pb, ob, err := Predict(before, feed(x, div))
					if err != nil {
						t.Fatal(err)
					}
					pa, oa, err := Predict(after, x)
					if err != nil {
						t.Fatal(err)
					}
					if pa != pb {
						t.Fatalf("%s: input %d: class %d before, %d after", p.Name, i, pb, pa)
					}
					if p.Name != Streamline.Name {
						if diff := cmp.Diff(ob.Data, oa.Data); diff != "" {
							t.Fatalf("%s: input %d: output changed (-before +after):\n%s", p.Name, i, diff)
						}
					}
				}
				before, div = after, 1
			}
		})
	}
}

// TestImportSynthetic imports the synthetic graph and compares the netlist
// with Execute on 300 seeded images; the 2-channel input checks the NCHW ->
// channel-fastest permutation, the negative channel scales reversed
// thresholds.
func TestImportSynthetic(t *testing.T) {
	g := synthetic(rand.New(rand.NewPCG(3, 4)))
	n, err := Import(g, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rev := 0
	for _, l := range n.Layers {
		if th, ok := l.(*netlist.Threshold); ok {
			for c := 0; c < th.Channels; c++ {
				if th.IsReversed(c) {
					rev++
				}
			}
		}
	}
	if rev == 0 {
		t.Errorf("no reversed channel: the negative scales were not exercised")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const count, C, H, W = 300, 2, 3, 4
	px := randomPixels(rng, count*C*H*W) // netlist order: (h*W+w)*C + c
	res, err := netlist.Eval(n, px, count)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[int]bool{}
	for i := 0; i < count; i++ {
		img := px[i*C*H*W : (i+1)*C*H*W]
		x := NewTensor(1, C, H, W)
		for c := 0; c < C; c++ {
			for h := 0; h < H; h++ {
				for w := 0; w < W; w++ {
					x.Data[(c*H+h)*W+w] = float64(img[(h*W+w)*C+c])
				}
			}
		}
		p, _, err := Predict(g, x)
		if err != nil {
			t.Fatal(err)
		}
		if p != res[i].Class {
			t.Errorf("image %d: Execute %d, netlist %d", i, p, res[i].Class)
		}
		classes[p] = true
	}
	if len(classes) < 2 {
		t.Errorf("every image gets the same class: the test cannot tell")
	}
}
