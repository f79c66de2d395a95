package qonnx

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/qonnx/onnxpb"
)

// BadGraphs returns small broken variants of the synthetic graph, each with
// a fragment its import error must contain.
func badGraphs() map[string]struct {
	g    *Graph
	want string
} {
	mk := func(edit func(g *Graph)) *Graph {
		g := synthetic(rand.New(rand.NewPCG(3, 4)))
		edit(g)
		return g
	}
	return map[string]struct {
		g    *Graph
		want string
	}{
		"unknown-op": {mk(func(g *Graph) { g.Nodes[3].Op = "Frobnicate" }), `node "Mul_s1" (Frobnicate): unsupported op`},
		"float-weights": {mk(func(g *Graph) {
			w := g.Inits["w2"]
			for i := range w.Data {
				w.Data[i] = 0.1 + 0.37*float64(i*i%11)
			}
		}), `(MatMul): weights of output 0 are not integers times one scale (float weights without a quantizer?)`},
		"wide-weights": {mk(func(g *Graph) {
			w := g.Inits["w2"]
			for i := range w.Data {
				w.Data[i] = 1
			}
			w.Data[0] = 300
		}), "need more than 8 bits"},
		"wide-activation":         {mk(func(g *Graph) { g.Inits["qb"] = Scalar(9) }), `(Quant): activation bit width 9 is not supported`},
		"per-channel-quant-scale": {mk(func(g *Graph) { g.Inits["qs"] = tensor([]int{1, 5}, 1, 2, 1, 1, 1) }), "non-uniform scale"},
		"no-quantizer": {mk(func(g *Graph) {
			g.Nodes[4].Op = "Identity"
			g.Nodes[4].Inputs = g.Nodes[4].Inputs[:1]
		}), "follows a MatMul without an activation quantizer"},
	}
}

func TestImportBadGraphs(t *testing.T) {
	for name, c := range badGraphs() {
		t.Run(name, func(t *testing.T) {
			_, err := Import(c.g, ImportOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "qonnx: ") {
				t.Errorf("error %q: want one line starting with \"qonnx: \" containing %q", msg, c.want)
			}
		})
	}
}

func TestDecodeBadFiles(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(fixtureDir(t), "TFC_1W1A.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamicShape(t, good)
	corrupt := append([]byte(nil), good...)
	for i := 20; i < 60; i++ {
		corrupt[i] = 0xff
	}
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"empty":     {nil, "no graph or no nodes"},
		"truncated": {good[:len(good)/2], "not a valid ONNX model: protobuf"},
		"corrupt":   {corrupt, "not a valid ONNX model"},
		"text":      {[]byte("hello, world\n"), "not a valid ONNX model"},
		"dynamic":   {dyn, `graph input "0": dimension 0 is dynamic ("batch"); only static shapes are supported`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// dynamicShape returns the model with its input's batch dimension symbolic.
func dynamicShape(t testing.TB, data []byte) []byte {
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m.Graph.Input[0].Type.GetTensorType().Shape.Dim[0].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}
	out, err := proto.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzDecode: Decode (and, when it succeeds, the import passes) never panic
// on arbitrary bytes. The seed corpus holds the fixtures, an exported
// netlist and broken variants.
func FuzzDecode(f *testing.F) {
	// The fixtures are large for a fuzzer (240 KB); their first kilobytes
	// carry the graph structure, the rest is weights.
	dir := fixtureDir(f)
	for _, p := range []string{"TFC_1W1A.onnx", "finn-tfc-w1a1/model.onnx"} {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:4096])
	}
	rng := rand.New(rand.NewPCG(8, 9))
	small, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 2, H: 2, W: 2}, InputBits: 1,
		Hidden: []int{4}, Classes: 3, WeightBits: []int{2, 1}, ActBits: []int{2}})
	if err != nil {
		f.Fatal(err)
	}
	if eg, ints, err := Export(small, ExportOptions{}); err == nil {
		if data, err := Encode(eg, ints); err == nil {
			f.Add(data)
		}
	}
	conv, _ := convSkeleton(rng)
	if err := netlist.Randomize(rng, conv); err == nil {
		if eg, ints, err := Export(conv, ExportOptions{}); err == nil {
			if data, err := Encode(eg, ints); err == nil {
				f.Add(data)
			}
		}
	}
	g := synthetic(rand.New(rand.NewPCG(3, 4)))
	if data, err := Encode(g, IntTensors{"perm_shape": true}); err == nil {
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte("\x08\x07\x3a\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Decode(data)
		if err != nil {
			return
		}
		if numelBudget(g) > 1<<20 {
			return // keep iterations fast; sizes are bounded by Decode anyway
		}
		_, _ = Import(g, ImportOptions{})
	})
}

// numelBudget is the total element count of g's initializers and input.
func numelBudget(g *Graph) int {
	n := numel(g.Inputs[0].Shape)
	for _, t := range g.Inits {
		n += len(t.Data)
	}
	return n
}

// TestHostileSizes: ops whose output or work would be enormous fail
// instead of allocating or running for hours.
func TestHostileSizes(t *testing.T) {
	for name, c := range map[string]struct {
		n  *Node
		in []*Tensor
	}{
		"broadcast": {node("Add", nil, "a", "b"), []*Tensor{NewTensor(1<<14, 1), NewTensor(1, 1<<14)}},
		"matmul":    {node("MatMul", nil, "a", "b"), []*Tensor{NewTensor(1<<12, 1<<12), NewTensor(1<<12, 1<<12)}},
		"multithreshold": {node("MultiThreshold", nil, "x", "t"),
			[]*Tensor{NewTensor(1, 1<<20), NewTensor(1, 1<<13)}},
	} {
		env := Env{}
		for i, x := range c.in {
			env[c.n.Inputs[i]] = x
		}
		if err := step(env, c.n); err == nil || !strings.Contains(err.Error(), "more") {
			t.Errorf("%s: error %v, want a size or work limit", name, err)
		}
	}
}
