package qonnx

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// convOpts varies brevitasConv, mostly to build bad inputs.
type convOpts struct {
	group1, dil0, pad1 int  // conv1's group and pads, conv0's dilation
	poolPads, ceil     bool // pool0 with pads / ceil_mode
	poolBeforeQuant    bool // pool0 between bn0 and its quantizer
	positiveBN0        bool // bn0 with positive scales only
	inputQuant         bool // a 2-bit unsigned Quant on the input (a multi-level input)
	autoPad            string
	multiThreshold     bool // conv2's activation a MultiThreshold on the float values, else Quant
	unsigned0          bool // conv0's activation a 1-bit unsigned Quant ({0, 1}), else BipolarQuant
}

// brevitasConv builds a small CNV-style QONNX graph taking pixel/255 of the
// given (1, C, H, W) shape: conv0 (BipolarQuant weights, zero padding of the
// 8-bit pixels, bias) -> BatchNormalization (some negative scales) ->
// BipolarQuant -> MaxPool -> conv1 (2-bit Quant weights, valid) -> BN ->
// 2-bit unsigned Quant (QuantReLU) -> conv2 (zero padding: level 0) ->
// per-channel Mul/Add -> MultiThreshold or Quant -> MaxPool -> Brevitas's
// Shape/Gather/Unsqueeze/Concat/Reshape flatten -> MatMul (2-bit weights)
// -> Mul.
func brevitasConv(rng *rand.Rand, shape []int, o convOpts) *Graph {
	g := &Graph{Name: "brevitas-conv", Inits: map[string]*Tensor{}, Opsets: map[string]int64{"": 11},
		Inputs: []ValueInfo{{Name: "x", Shape: shape}}}
	node := func(op string, attrs map[string]Attr, out string, in ...string) *Node {
		if attrs == nil {
			attrs = map[string]Attr{}
		}
		n := &Node{Name: op + "_" + out, Op: op, Inputs: in, Outputs: []string{out}, Attrs: attrs}
		g.Nodes = append(g.Nodes, n)
		return n
	}
	randT := func(name string, sc float64, dims ...int) string {
		t := NewTensor(dims...)
		for i := range t.Data {
			t.Data[i] = sc * (rng.Float64()*2 - 1)
		}
		g.Inits[name] = t
		return name
	}
	positive := func(name string, n int) string {
		t := NewTensor(n)
		for i := range t.Data {
			t.Data[i] = 0.2 + rng.Float64()
		}
		g.Inits[name] = t
		return name
	}
	g.Inits["one"], g.Inits["zero"], g.Inits["two"] = Scalar(1), Scalar(0), Scalar(2)
	g.Inits["quarter"], g.Inits["half"] = Scalar(0.25), Scalar(0.5)
	bq := func(w, s string) string { node("BipolarQuant", nil, w+"_q", w, s); return w + "_q" }
	quant := func(x, s string, signed, narrow int64) string {
		node("Quant", map[string]Attr{"signed": ai(signed), "narrow": ai(narrow), "rounding_mode": as("ROUND")}, x+"_q", x, s, "zero", "two")
		return x + "_q"
	}
	bn := func(x string, c int, mean float64) string {
		sc := randT(x+"_gamma", 1.5, c)
		if o.positiveBN0 && x == "c0" {
			for i, v := range g.Inits[sc].Data {
				g.Inits[sc].Data[i] = math.Abs(v) + 0.1
			}
		}
		positive(x+"_var", c)
		node("BatchNormalization", map[string]Attr{"epsilon": af(1e-5)}, x+"_bn", x, sc, randT(x+"_beta", 0.5, c), randT(x+"_mean", mean, c), x+"_var")
		return x + "_bn"
	}
	geom := func(k, pad, dil, group int) map[string]Attr {
		a := map[string]Attr{"kernel_shape": ais(int64(k), int64(k)), "pads": ais(int64(pad), int64(pad), int64(pad), int64(pad)),
			"strides": ais(1, 1), "dilations": ais(int64(dil), int64(dil)), "group": ai(int64(group))}
		return a
	}
	c := shape[1]
	w0 := bq(randT("w0", 1, 4, c, 3, 3), "quarter")
	a0 := geom(3, o.dil0, o.dil0, 1)
	if o.autoPad != "" {
		a0["auto_pad"] = as(o.autoPad)
		delete(a0, "pads")
	}
	x := "x"
	if o.inputQuant {
		g.Inits["third"] = Scalar(1.0 / 3)
		node("Quant", map[string]Attr{"signed": ai(0), "narrow": ai(0), "rounding_mode": as("ROUND")}, "xq", "x", "third", "zero", "two")
		x = "xq"
	}
	node("Conv", a0, "c0", x, w0, randT("b0", 0.3, 4))
	pa := map[string]Attr{"kernel_shape": ais(2, 2), "strides": ais(2, 2)}
	if o.poolPads {
		pa["pads"] = ais(0, 0, 1, 1)
	}
	if o.ceil {
		pa["ceil_mode"] = ai(1)
	}
	cur := bn("c0", 4, 0.3)
	if o.poolBeforeQuant {
		node("MaxPool", pa, "p0", cur)
		node("BipolarQuant", nil, "a0", "p0", "one")
	} else {
		if o.unsigned0 {
			g.Inits["onebit"] = Scalar(1)
			node("Quant", map[string]Attr{"signed": ai(0), "narrow": ai(0), "rounding_mode": as("ROUND")}, "a0", cur, "one", "zero", "onebit")
		} else {
			node("BipolarQuant", nil, "a0", cur, "one")
		}
		node("MaxPool", pa, "p0", "a0")
	}
	w1 := quant(randT("w1", 1, 6, 4/o.group1, 3, 3), "half", 1, 1)
	pooled := "p0"
	if o.poolBeforeQuant {
		pooled = "a0"
	}
	node("Conv", geom(3, o.pad1, 1, o.group1), "c1", pooled, w1)
	a1 := quant(bn("c1", 6, 2), "half", 0, 0)
	w2 := bq(randT("w2", 1, 6, 6, 3, 3), "half")
	node("Conv", geom(3, 1, 1, 1), "c2", a1, w2)
	g.Inits["c2_k"], g.Inits["c2_b"] = NewTensor(1, 6, 1, 1), NewTensor(1, 6, 1, 1)
	for i := 0; i < 6; i++ {
		g.Inits["c2_k"].Data[i] = 0.1 + rng.Float64()
		if i%3 == 1 {
			g.Inits["c2_k"].Data[i] = -g.Inits["c2_k"].Data[i]
		}
		g.Inits["c2_b"].Data[i] = rng.Float64()*4 - 2
	}
	node("Mul", nil, "c2_s", "c2", "c2_k")
	node("Add", nil, "c2_a", "c2_s", "c2_b")
	if o.multiThreshold {
		th := NewTensor(6, 3)
		for i := 0; i < 6; i++ {
			base := rng.Float64()*4 - 3
			for j := 0; j < 3; j++ {
				th.Data[i*3+j] = base + float64(j)*(0.5+rng.Float64())
			}
		}
		g.Inits["a2_T"] = th
		node("MultiThreshold", map[string]Attr{"out_scale": af(1), "out_bias": af(-1), "data_layout": as("NCHW")}, "a2", "c2_a", "a2_T").Domain = customDomain
	} else {
		node("Quant", map[string]Attr{"signed": ai(1), "narrow": ai(0), "rounding_mode": as("ROUND")}, "a2", "c2_a", "one", "zero", "two")
	}
	node("MaxPool", map[string]Attr{"kernel_shape": ais(2, 2), "strides": ais(2, 2)}, "p1", "a2")
	g.Inits["idx0"], g.Inits["minus1"] = &Tensor{Shape: []int{}, Data: []float64{0}}, vec(-1)
	node("Shape", nil, "shp", "p1")
	node("Gather", map[string]Attr{"axis": ai(0)}, "n0", "shp", "idx0")
	node("Unsqueeze", map[string]Attr{"axes": ais(0)}, "n1", "n0")
	node("Concat", map[string]Attr{"axis": ai(0)}, "fshape", "n1", "minus1")
	node("Reshape", nil, "flat", "p1", "fshape")
	env, err := Execute(&Graph{Inputs: g.Inputs, Inits: g.Inits, Nodes: g.Nodes, Outputs: []ValueInfo{{Name: "flat"}}}, NewTensor(shape...))
	if err != nil {
		// Bad variants Execute refuses (auto_pad, ceil_mode): any MatMul size.
		env = Env{"flat": NewTensor(1, 24)}
	}
	w3 := quant(randT("w3", 1, env["flat"].Shape[1], 10), "quarter", 1, 0)
	node("MatMul", nil, "fc", "flat", w3)
	g.Inits["k"] = Scalar(0.7)
	node("Mul", nil, "out", "fc", "k")
	g.Outputs = []ValueInfo{{Name: "out"}}
	return g
}

// TestImportConvBrevitas imports CNV-style graphs (2-channel input so that
// the NCHW permutations matter; both conv2 activations) and requires the
// netlist's class to equal Predict's on 200 seeded images.
func TestImportConvBrevitas(t *testing.T) {
	for name, o := range map[string]convOpts{
		"quant":          {group1: 1, dil0: 1},
		"multithreshold": {group1: 1, dil0: 1, multiThreshold: true},
		// Zero padding of {0, 1} activations is padding with -1 in the
		// netlist's bipolar values.
		"unsigned-padded": {group1: 1, dil0: 1, unsigned0: true, pad1: 1},
		// MaxPool before the quantizer: moved after the threshold layer.
		"pool-before-quant": {group1: 1, dil0: 1, poolBeforeQuant: true, positiveBN0: true},
		// A multi-level input quantizer: a 1x1 identity conv and a threshold layer.
		"input-quant": {group1: 1, dil0: 1, inputQuant: true},
		// auto_pad SAME_UPPER on conv0 (3x3, stride 1: one pad on each side).
		"auto-pad": {group1: 1, dil0: 1, autoPad: "SAME_UPPER"},
	} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			g := brevitasConv(rng, []int{1, 2, 12, 12}, o)
			n, err := Import(g, ImportOptions{PixelDivisor: 255})
			if err != nil {
				t.Fatal(err)
			}
			first := 1
			if o.inputQuant {
				first = 3 // after input_identity and input_quant
			}
			c0, c1 := n.Layers[first].(*netlist.Conv2D), n.Layers[first+3].(*netlist.Conv2D)
			if c0.PadValue != 0 || c1.Pad.Any() != (o.pad1 > 0) || (o.pad1 > 0 && c1.PadValue != -1) {
				t.Fatalf("pad values %d (pads %v) and %d (pads %v): want 0 (zero pixels) and -1 for {0, 1} activations", c0.PadValue, c0.Pad, c1.PadValue, c1.Pad)
			}
			ops := map[string]int{}
			for _, l := range n.Layers {
				ops[l.Op()]++
			}
			convs := 3 + (first-1)/2 // the identity conv of a multi-level input
			if ops["conv2d"] != convs || ops["maxpool"] != 2 || ops["dense"] != 1 {
				t.Fatalf("layers %v: want %d conv2d, 2 maxpool, 1 dense", ops, convs)
			}
			const count = 200
			pixels := randomPixels(rng, count*n.InputLayer().Shape.Size())
			res, err := netlist.Eval(n, pixels, count)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := Compile(g)
			if err != nil {
				t.Fatal(err)
			}
			s := n.InputLayer().Shape
			classes := map[int]bool{}
			for i := 0; i < count; i++ {
				x := nchwImage(pixels[i*s.Size():(i+1)*s.Size()], s)
				for j := range x.Data {
					x.Data[j] /= 255
				}
				p, _, err := prog.Predict(x)
				if err != nil {
					t.Fatal(err)
				}
				if p != res[i].Class {
					t.Fatalf("image %d: Execute says %d, the imported netlist %d", i, p, res[i].Class)
				}
				classes[p] = true
			}
			if len(classes) < 3 {
				t.Errorf("only %d distinct classes on %d images: the test compares too little", len(classes), count)
			}
		})
	}
}

// TestImportConvMNIST imports a 28x28 CNV-style graph and requires the
// netlist's class to equal Execute's on MNIST test images.
func TestImportConvMNIST(t *testing.T) {
	g := brevitasConv(rand.New(rand.NewPCG(9, 10)), []int{1, 1, 28, 28}, convOpts{group1: 1, dil0: 1, multiThreshold: true})
	count := 500
	if testing.Short() {
		count = 100
	}
	n, err := Import(g, ImportOptions{PixelDivisor: 255})
	if err != nil {
		t.Fatal(err)
	}
	set := loadMNIST(t)
	res, err := netlist.Eval(n, set.Pixels[:count*784], count)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := Compile(g)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[int]int{}
	for i := 0; i < count; i++ {
		x, _ := PixelTensor(set.Image(i), g.Inputs[0].Shape, 255)
		p, _, err := prog.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		if p != res[i].Class {
			t.Fatalf("image %d: Execute says %d, the imported netlist %d", i, p, res[i].Class)
		}
		classes[p]++
	}
	t.Logf("%d MNIST images, 0 differ; classes predicted %v", count, classes)
	if len(classes) < 3 {
		t.Errorf("classes %v: the untrained graph predicts too few classes for the comparison to mean much", classes)
	}
}

// TestImportConvBadInputs: every unsupported conv feature fails with one
// line naming the node and its op.
func TestImportConvBadInputs(t *testing.T) {
	for name, c := range map[string]struct {
		o         convOpts
		node, why string
	}{
		"grouped":           {convOpts{group1: 2, dil0: 1}, `node "Conv_c1" (Conv)`, "group 2"},
		"dilated":           {convOpts{group1: 1, dil0: 2}, `node "Conv_c0" (Conv)`, "dilation 2x2"},
		"zero-pad-bipolar":  {convOpts{group1: 1, dil0: 1, pad1: 1}, `node "Conv_c1" (Conv)`, "no exact equivalent"},
		"pool-pads":         {convOpts{group1: 1, dil0: 1, poolPads: true}, `node "MaxPool_p0" (MaxPool)`, "pads"},
		"pool-ceil":         {convOpts{group1: 1, dil0: 1, ceil: true}, `node "MaxPool_p0" (MaxPool)`, "ceil_mode"},
		"pool-before-quant": {convOpts{group1: 1, dil0: 1, poolBeforeQuant: true}, `node "MaxPool_p0" (MaxPool)`, "decreasing channel"},
	} {
		t.Run(name, func(t *testing.T) {
			g := brevitasConv(rand.New(rand.NewPCG(1, 1)), []int{1, 2, 12, 12}, c.o)
			_, err := Import(g, ImportOptions{PixelDivisor: 255})
			if err == nil {
				t.Fatal("imported")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, c.node) || !strings.Contains(msg, c.why) || !strings.HasPrefix(msg, "qonnx: ") {
				t.Errorf("error %q: want one line starting with qonnx: naming %s and %q", msg, c.node, c.why)
			}
		})
	}
}

// TestImportConvReexport exports the netlist imported from a CNV-style graph
// and checks the export against netlist.Eval and the re-import for identity.
func TestImportConvReexport(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	g := brevitasConv(rng, []int{1, 2, 12, 12}, convOpts{group1: 1, dil0: 1, multiThreshold: true})
	n, err := Import(g, ImportOptions{PixelDivisor: 255})
	if err != nil {
		t.Fatal(err)
	}
	convRoundTrip(t, n, "imported brevitas-conv", randomPixels(rng, 50*n.InputLayer().Shape.Size()), 50)
}

// TestImportConvScoresOrder: a Conv whose outputs are the scores must
// flatten them channel-fastest (the netlist's class order); an NCHW
// Flatten is refused, a Transpose to NHWC first is imported exactly.
func TestImportConvScoresOrder(t *testing.T) {
	build := func(nhwc bool) *Graph {
		rng := rand.New(rand.NewPCG(4, 4))
		g := &Graph{Name: "conv-scores", Inits: map[string]*Tensor{}, Opsets: map[string]int64{"": 11},
			Inputs: []ValueInfo{{Name: "x", Shape: []int{1, 1, 4, 4}}}, Outputs: []ValueInfo{{Name: "out"}}}
		w := NewTensor(2, 1, 2, 2)
		for i := range w.Data {
			w.Data[i] = float64(2*rng.IntN(2) - 1)
		}
		g.Inits["w"], g.Inits["k"] = w, Scalar(0.5)
		add := func(op string, attrs map[string]Attr, out string, in ...string) {
			g.Nodes = append(g.Nodes, &Node{Name: op + "_" + out, Op: op, Inputs: in, Outputs: []string{out}, Attrs: attrs})
		}
		add("Conv", map[string]Attr{"kernel_shape": ais(2, 2)}, "c", "x", "w")
		src := "c"
		if nhwc {
			add("Transpose", map[string]Attr{"perm": ais(0, 2, 3, 1)}, "t", "c")
			src = "t"
		}
		add("Flatten", map[string]Attr{"axis": ai(1)}, "f", src)
		add("Mul", map[string]Attr{}, "out", "f", "k")
		return g
	}
	_, err := Import(build(false), ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), `node "Conv_c" (Conv)`) || !strings.Contains(err.Error(), "channel-fastest") {
		t.Errorf("NCHW-flattened conv scores: error %v, want one naming the Conv and the class order", err)
	}
	g := build(true)
	n, err := Import(g, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	pixels := randomPixels(rng, 100*16)
	res, err := netlist.Eval(n, pixels, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		p, _, err := Predict(g, nchwImage(pixels[i*16:(i+1)*16], n.InputLayer().Shape))
		if err != nil {
			t.Fatal(err)
		}
		if p != res[i].Class {
			t.Fatalf("image %d: Execute %d, netlist %d", i, p, res[i].Class)
		}
	}
}
