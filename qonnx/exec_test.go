package qonnx

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func tensor(shape []int, data ...float64) *Tensor { return &Tensor{Shape: shape, Data: data} }

func node(op string, attrs map[string]Attr, inputs ...string) *Node {
	if attrs == nil {
		attrs = map[string]Attr{}
	}
	return &Node{Name: op, Op: op, Inputs: inputs, Outputs: []string{"y", "y2"}, Attrs: attrs}
}

func ai(v int64) Attr          { return Attr{Kind: AttrInt, I: v} }
func af(v float64) Attr        { return Attr{Kind: AttrFloat, F: v} }
func as(v string) Attr         { return Attr{Kind: AttrString, S: v} }
func ais(v ...int64) Attr      { return Attr{Kind: AttrInts, Ints: v} }
func vec(v ...float64) *Tensor { return tensor([]int{len(v)}, v...) }

// runOp executes one node on named inputs a, b, c, ... and returns y.
func runOp(t *testing.T, n *Node, in ...*Tensor) *Tensor {
	t.Helper()
	env := Env{}
	for i, x := range in {
		env[n.Inputs[i]] = x
	}
	if err := step(env, n); err != nil {
		t.Fatal(err)
	}
	return env["y"]
}

// TestOps checks each op against values computed by hand.
func TestOps(t *testing.T) {
	quant := func(signed, narrow int64, mode string) map[string]Attr {
		return map[string]Attr{"signed": ai(signed), "narrow": ai(narrow), "rounding_mode": as(mode)}
	}
	cases := []struct {
		name string
		n    *Node
		in   []*Tensor
		want *Tensor
	}{
		// 4-bit signed, scale 0.5: x/0.5 = -9, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 15 ->
		// clip [-8, 7] -> round half to even -8, -2, -2, -0, 0, 2, 2, 7 -> *0.5.
		{"quant-half-even", node("Quant", quant(1, 0, "ROUND"), "x", "s", "z", "b"),
			[]*Tensor{vec(-4.5, -1.25, -0.75, -0.25, 0.25, 0.75, 1.25, 7.5), Scalar(0.5), Scalar(0), Scalar(4)},
			vec(-4, -1, -1, 0, 0, 1, 1, 3.5)},
		// narrow 4-bit signed clips at -7; unsigned 2-bit clips to [0, 3].
		{"quant-narrow", node("Quant", quant(1, 1, "ROUND"), "x", "s", "z", "b"),
			[]*Tensor{vec(-9, 9), Scalar(1), Scalar(0), Scalar(4)}, vec(-7, 7)},
		{"quant-unsigned", node("Quant", quant(0, 0, "ROUND"), "x", "s", "z", "b"),
			[]*Tensor{vec(-1, 1.5, 2.5, 9), Scalar(1), Scalar(0), Scalar(2)}, vec(0, 2, 2, 3)},
		// Negative scale -2: x/-2 = -1.5 -> -2 (half even) -> *-2 = 4; 3 -> 1.5 -> 2 -> -4.
		{"quant-negative-scale", node("Quant", quant(1, 0, "ROUND"), "x", "s", "z", "b"),
			[]*Tensor{vec(3, -3, 1), Scalar(-2), Scalar(0), Scalar(8)}, vec(4, -4, 0)},
		// Zero point 1: x/1 + 1 = 0.5 -> 0 (even) -> -1; 1.5 -> 2 -> 1.
		{"quant-zero-point", node("Quant", quant(0, 0, "ROUND"), "x", "s", "z", "b"),
			[]*Tensor{vec(-0.5, 0.5), Scalar(1), Scalar(1), Scalar(4)}, vec(-1, 1)},
		{"quant-floor-ceil", node("Quant", quant(1, 0, "FLOOR"), "x", "s", "z", "b"),
			[]*Tensor{vec(1.7, -1.2), Scalar(1), Scalar(0), Scalar(4)}, vec(1, -2)},
		// 1-bit signed Quant is bipolar: x/s >= 0 -> +1.
		{"quant-1bit-bipolar", node("Quant", quant(1, 0, "ROUND"), "x", "s", "z", "b"),
			[]*Tensor{vec(-0.1, 0, 0.3), Scalar(0.5), Scalar(0), Scalar(1)}, vec(-0.5, 0.5, 0.5)},
		{"bipolar-quant", node("BipolarQuant", nil, "x", "s"),
			[]*Tensor{vec(-2, 0, 3), Scalar(0.25)}, vec(-0.25, 0.25, 0.25)},
		// Trunc 8 -> 4 bits: round(x/s) / 16, floored: 37 -> 2.3125 -> 2; -37 -> -3.
		{"trunc", node("Trunc", nil, "x", "s", "z", "ib", "ob"),
			[]*Tensor{vec(37, -37, 15.6), Scalar(1), Scalar(0), Scalar(8), Scalar(4)}, vec(2, -3, 1)},
		// Channel 0 thresholds [0, 2], channel 1 [-1, 5]; out = 2*count - 1.
		{"multithreshold-nchw", node("MultiThreshold", map[string]Attr{"out_scale": af(2), "out_bias": af(-1)}, "x", "t"),
			[]*Tensor{tensor([]int{1, 2, 2}, -1, 2, -1, 4), tensor([]int{2, 2}, 0, 2, -1, 5)}, tensor([]int{1, 2, 2}, -1, 3, 1, 1)},
		{"multithreshold-nhwc", node("MultiThreshold", map[string]Attr{"data_layout": as("NHWC")}, "x", "t"),
			[]*Tensor{tensor([]int{1, 2, 2}, -1, 2, 4, -2), tensor([]int{2, 1}, 0, 3)}, tensor([]int{1, 2, 2}, 0, 0, 1, 0)},
		{"matmul", node("MatMul", nil, "a", "b"),
			[]*Tensor{tensor([]int{1, 3}, 1, -1, 2), tensor([]int{3, 2}, 1, 2, 3, 4, 5, 6)}, tensor([]int{1, 2}, 8, 10)},
		{"gemm-transB", node("Gemm", map[string]Attr{"transB": ai(1), "alpha": af(2), "beta": af(0.5)}, "a", "b", "c"),
			[]*Tensor{tensor([]int{1, 2}, 1, 2), tensor([]int{2, 2}, 1, 1, 0, 1), vec(2, 4)}, tensor([]int{1, 2}, 7, 6)},
		// BN: (x - 1) / sqrt(3 + 1) * -2 + 0.5.
		{"batchnorm-negative-scale", node("BatchNormalization", map[string]Attr{"epsilon": af(1)}, "x", "g", "b", "m", "v"),
			[]*Tensor{tensor([]int{1, 1, 2}, 3, -1), vec(-2), vec(0.5), vec(1), vec(3)}, tensor([]int{1, 1, 2}, -1.5, 2.5)},
		{"add-broadcast", node("Add", nil, "a", "b"),
			[]*Tensor{tensor([]int{2, 2}, 1, 2, 3, 4), tensor([]int{2, 1}, 10, 20)}, tensor([]int{2, 2}, 11, 12, 23, 24)},
		{"sub", node("Sub", nil, "a", "b"), []*Tensor{vec(1, 2), Scalar(3)}, vec(-2, -1)},
		{"mul", node("Mul", nil, "a", "b"), []*Tensor{vec(1, 2), vec(-1, 4)}, vec(-1, 8)},
		{"div", node("Div", nil, "a", "b"), []*Tensor{vec(1, 3), Scalar(2)}, vec(0.5, 1.5)},
		{"reshape-infer", node("Reshape", nil, "x", "s"),
			[]*Tensor{tensor([]int{1, 2, 3}, 1, 2, 3, 4, 5, 6), vec(0, -1)}, tensor([]int{1, 6}, 1, 2, 3, 4, 5, 6)},
		{"flatten", node("Flatten", nil, "x"), []*Tensor{tensor([]int{1, 2, 1, 2}, 1, 2, 3, 4)}, tensor([]int{1, 4}, 1, 2, 3, 4)},
		{"transpose", node("Transpose", map[string]Attr{"perm": ais(1, 0)}, "x"),
			[]*Tensor{tensor([]int{2, 3}, 1, 2, 3, 4, 5, 6)}, tensor([]int{3, 2}, 1, 4, 2, 5, 3, 6)},
		{"shape", node("Shape", nil, "x"), []*Tensor{NewTensor(1, 1, 28, 28)}, vec(1, 1, 28, 28)},
		{"gather-scalar", node("Gather", map[string]Attr{"axis": ai(0)}, "x", "i"), []*Tensor{vec(1, 1, 28, 28), Scalar(0)}, tensor(nil, 1)},
		{"unsqueeze", node("Unsqueeze", map[string]Attr{"axes": ais(0)}, "x"), []*Tensor{tensor(nil, 1)}, vec(1)},
		{"squeeze", node("Squeeze", map[string]Attr{"axes": ais(2)}, "x"), []*Tensor{tensor([]int{1, 2, 1}, 5, 6)}, tensor([]int{1, 2}, 5, 6)},
		{"concat", node("Concat", map[string]Attr{"axis": ai(0)}, "a", "b"), []*Tensor{vec(1), vec(-1)}, vec(1, -1)},
		// 1x1x3x3 input, 2x2 kernel of ones, stride 1, no padding.
		{"conv", node("Conv", nil, "x", "w", "b"),
			[]*Tensor{tensor([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9), tensor([]int{1, 1, 2, 2}, 1, 1, 1, 1), vec(-1)},
			tensor([]int{1, 1, 2, 2}, 11, 15, 23, 27)},
		{"conv-pad", node("Conv", map[string]Attr{"pads": ais(1, 1, 1, 1), "strides": ais(2, 2)}, "x", "w"),
			[]*Tensor{tensor([]int{1, 1, 2, 2}, 1, 2, 3, 4), tensor([]int{1, 1, 3, 3}, 0, 0, 0, 0, 1, 0, 0, 0, 0)},
			tensor([]int{1, 1, 1, 1}, 1)},
		{"maxpool", node("MaxPool", map[string]Attr{"kernel_shape": ais(2, 2), "strides": ais(2, 2)}, "x"),
			[]*Tensor{tensor([]int{1, 1, 2, 4}, 1, -5, 3, 2, 0, 4, -1, -2)}, tensor([]int{1, 1, 1, 2}, 4, 3)},
		{"pow", node("Pow", nil, "a", "b"), []*Tensor{vec(4, 9), Scalar(0.5)}, vec(2, 3)},
		// auto_pad on a 3x3 input, 2x2 kernel of ones, stride 1: one row and
		// column of zeros at the end (SAME_UPPER) or at the start (SAME_LOWER).
		{"conv-same-upper", node("Conv", map[string]Attr{"auto_pad": as("SAME_UPPER")}, "x", "w"),
			[]*Tensor{tensor([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9), tensor([]int{1, 1, 2, 2}, 1, 1, 1, 1)},
			tensor([]int{1, 1, 3, 3}, 12, 16, 9, 24, 28, 15, 15, 17, 9)},
		{"conv-same-lower", node("Conv", map[string]Attr{"auto_pad": as("SAME_LOWER")}, "x", "w"),
			[]*Tensor{tensor([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9), tensor([]int{1, 1, 2, 2}, 1, 1, 1, 1)},
			tensor([]int{1, 1, 3, 3}, 1, 3, 5, 5, 12, 16, 11, 24, 28)},
		// Pad: one column of 7 on the left, one row of 7 at the bottom.
		{"pad", node("Pad", map[string]Attr{"mode": as("constant")}, "x", "p", "v"),
			[]*Tensor{tensor([]int{1, 1, 1, 2}, 1, 2), vec(0, 0, 0, 1, 0, 0, 1, 0), Scalar(7)},
			tensor([]int{1, 1, 2, 3}, 7, 1, 2, 7, 7, 7)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runOp(t, c.n, c.in...)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestTopKTies checks that TopK's index output takes the lowest index on a
// tie, like netlist.Argmax.
func TestTopKTies(t *testing.T) {
	env := Env{"x": tensor([]int{1, 4}, 1, 3, 3, 0), "k": vec(1)}
	n := &Node{Op: "TopK", Inputs: []string{"x", "k"}, Outputs: []string{"v", "i"}, Attrs: map[string]Attr{}}
	if err := step(env, n); err != nil {
		t.Fatal(err)
	}
	if got := env["i"].Data[0]; got != 1 {
		t.Errorf("TopK index = %v, want 1", got)
	}
}

func TestRoundHalfEven(t *testing.T) {
	for x, want := range map[float64]float64{0.5: 0, 1.5: 2, 2.5: 2, -0.5: 0, -1.5: -2, -2.5: -2, 2.4999: 2} {
		if got := roundHalfEven(x); got != want {
			t.Errorf("roundHalfEven(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestOpErrors checks that malformed nodes fail with the node named.
func TestOpErrors(t *testing.T) {
	for _, c := range []struct {
		n  *Node
		in []*Tensor
	}{
		{node("MatMul", nil, "a", "b"), []*Tensor{vec(1, 2), tensor([]int{3, 1}, 1, 2, 3)}},
		{node("Quant", nil, "x", "s", "z", "b"), []*Tensor{vec(1), Scalar(1), Scalar(0), Scalar(2.5)}},
		{node("Reshape", nil, "x", "s"), []*Tensor{vec(1, 2, 3), vec(2, -1)}},
		{node("Transpose", map[string]Attr{"perm": ais(0, 0)}, "x"), []*Tensor{tensor([]int{1, 1}, 1)}},
		{node("Frobnicate", nil, "x"), []*Tensor{vec(1)}},
	} {
		env := Env{}
		for i, x := range c.in {
			env[c.n.Inputs[i]] = x
		}
		err := step(env, c.n)
		if err == nil {
			t.Errorf("%s: no error", c.n.Op)
			continue
		}
		if want := `node "` + c.n.Name + `" (` + c.n.Op + `)`; !contains(err.Error(), want) {
			t.Errorf("%s: error %q does not name %s", c.n.Op, err, want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
