package netlist

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a network, located by layer and field.
type Problem struct {
	Layer int    // index into Network.Layers; -1 for the network as a whole
	Name  string // layer name, if known
	Op    string // layer op, if known
	Field string // file-format field name, e.g. "weights", "thresholds", "acc_bits"
	Msg   string
}

func (p Problem) String() string {
	if p.Layer < 0 {
		return fmt.Sprintf("%s: %s", p.Field, p.Msg)
	}
	name := ""
	if p.Name != "" {
		name = fmt.Sprintf(" %q", p.Name)
	}
	if p.Op != "" {
		name += " (" + p.Op + ")"
	}
	return fmt.Sprintf("layer %d%s: %s: %s", p.Layer, name, p.Field, p.Msg)
}

// ValidationError lists every problem Validate found.
type ValidationError struct{ Problems []Problem }

// Error is one line: the first problem and how many more there are.
func (e *ValidationError) Error() string {
	s := "netlist: " + e.Problems[0].String()
	if n := len(e.Problems) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more problems)", n)
	}
	return s
}

// Detail lists every problem, one per line.
func (e *ValidationError) Detail() string {
	var b strings.Builder
	for _, p := range e.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Kind says what a tensor's elements are, and so which layers may consume it.
type Kind int

const (
	// Pixels is the input layer's output: bipolar binarized pixels or
	// unsigned 8-bit pixels. Dense and Conv2D consume it.
	Pixels Kind = iota + 1
	// Activations are the small integers a Threshold (or a MaxPool of them)
	// produces. Dense, Conv2D and MaxPool consume them.
	Activations
	// Accumulators are the signed sums of an accumulating layer (Dense,
	// Conv2D). Threshold and Output consume them.
	Accumulators
	// Scores are the Output layer's class scores.
	Scores
)

func (k Kind) String() string {
	switch k {
	case Pixels:
		return "pixels"
	case Activations:
		return "activations"
	case Accumulators:
		return "accumulators"
	case Scores:
		return "scores"
	}
	return "nothing"
}

// Value describes the tensor a layer produces: its shape and the range of its
// integer elements.
type Value struct {
	Shape    Shape
	Kind     Kind
	Bits     int   // element width: 1 for bipolar, k for activations, 8 for pixels, AccBits/ScoreBits for accumulators
	Bipolar  bool  // elements are -1/+1 encoded as one bit
	Min, Max int64 // every element lies in [Min, Max]
	// ChanRange holds, for accumulators, the reachable [lo, hi] of every
	// channel (the same at every pixel); nil for other kinds or when the
	// producing layer is invalid.
	ChanRange [][2]int64
}

// Validate checks the network's structure, shapes, widths and parameters and
// returns a *ValidationError listing every problem, or nil.
func Validate(n *Network) error {
	v := validator{}
	v.network(n)
	if len(v.problems) > 0 {
		return &ValidationError{Problems: v.problems}
	}
	return nil
}

// Values returns the Value each layer produces. The network must be valid.
func Values(n *Network) ([]Value, error) {
	if err := Validate(n); err != nil {
		return nil, err
	}
	v := validator{}
	return v.network(n), nil
}

// validator collects problems while each layer checks itself against the
// tensor it consumes (its own check method, in the file of its type).
type validator struct {
	problems []Problem
	layer    int
	name, op string
	prev     Layer // the layer before the one being checked; nil for layer 0
	in       Value // prev's output
}

func (v *validator) addf(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Layer: v.layer, Name: v.name, Op: v.op, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// network validates every layer in order and returns the per-layer values
// (meaningful only when no problem was found).
func (v *validator) network(n *Network) []Value {
	vals := make([]Value, len(n.Layers))
	if len(n.Layers) == 0 {
		v.layer = -1
		v.addf("layers", "network has no layers")
		return vals
	}
	names := map[string]int{}
	for i, l := range n.Layers {
		v.layer, v.name, v.op = i, "", ""
		v.prev, v.in = nil, Value{}
		if i > 0 {
			v.prev, v.in = n.Layers[i-1], vals[i-1]
		}
		if l == nil {
			v.addf("op", "layer is missing")
			continue
		}
		v.name, v.op = l.LayerName(), l.Op()
		if v.name == "" {
			v.addf("name", "layer has no name")
		} else if j, dup := names[v.name]; dup {
			v.addf("name", "name already used by layer %d", j)
		} else {
			names[v.name] = i
		}
		switch l.(type) {
		case *Input:
			if i != 0 {
				v.addf("op", "input layer must be layer 0")
			}
		case *Output:
			if i != len(n.Layers)-1 {
				v.addf("op", "output layer must be the last layer")
			}
		}
		vals[i] = l.check(v)
	}
	v.layer, v.name, v.op = 0, n.Layers[0].LayerName(), n.Layers[0].Op()
	switch n.Layers[0].(type) {
	case *Input, *Embedding:
	default:
		v.addf("op", "layer 0 must be an input or embedding layer, got %q", n.Layers[0].Op())
	}
	last := len(n.Layers) - 1
	v.layer, v.name, v.op = last, n.Layers[last].LayerName(), n.Layers[last].Op()
	if _, ok := n.Layers[last].(*Output); !ok {
		v.addf("op", "the last layer must be an output layer, got %q", n.Layers[last].Op())
	}
	return vals
}

// consumes checks that the previous layer produces one of the kinds the
// current layer accepts; what names the current layer ("a dense layer") and
// producers the layers that make those kinds ("an input, threshold or
// maxpool layer").
func (v *validator) consumes(what, producers string, kinds ...Kind) bool {
	if v.prev == nil {
		v.addf("op", "%s needs a preceding %s", what, producers)
		return false
	}
	for _, k := range kinds {
		if v.in.Kind == k {
			return true
		}
	}
	v.addf("op", "%s must follow %s, not %q", what, producers, v.prev.Op())
	return false
}

// matrixProducers names the layers whose output Dense and Conv2D accept.
const matrixProducers = "an input, threshold, maxpool, embedding or lstm layer"

// accProducers names the accumulating layers.
const accProducers = "an accumulating layer (dense or conv2d)"

// matrixWidths checks an accumulating layer's weight and accumulator
// widths.
func (v *validator) matrixWidths(weightBits, accBits int) bool {
	if weightBits < 1 || weightBits > MaxWeightBits {
		v.addf("weight_bits", "unsupported weight width %d (want 1..%d)", weightBits, MaxWeightBits)
		return false
	}
	if accBits < 2 || accBits > 32 {
		v.addf("acc_bits", "unsupported accumulator width %d (want 2..32)", accBits)
		return false
	}
	return true
}

// checkWeights checks a weight matrix of rows x cols values of the given
// width, row-major, and reports the first bad value.
func (v *validator) checkWeights(w []int8, rows, cols, bits int) bool {
	if len(w) != rows*cols {
		return false
	}
	wmin, wmax := weightRange(bits)
	for idx, x := range w {
		if int64(x) < wmin || int64(x) > wmax || (bits == 1 && x == 0) {
			v.addf("weights", "row %d column %d: weight %d is not a %d-bit value", idx/cols, idx%cols, x, bits)
			return false
		}
	}
	return true
}

// accumulate computes the per-row accumulator ranges of a weight matrix over
// inputs in [in.Min, in.Max] and checks them against accBits.
func (v *validator) accumulate(rows, cols int, row func(int) []int8, accBits int, out *Value) {
	out.ChanRange = make([][2]int64, rows)
	lo, hi := int64(0), int64(0)
	for o := 0; o < rows; o++ {
		rlo, rhi := RowRange(row(o), v.in.Min, v.in.Max)
		out.ChanRange[o] = [2]int64{rlo, rhi}
		if o == 0 || rlo < lo {
			lo = rlo
		}
		if o == 0 || rhi > hi {
			hi = rhi
		}
	}
	out.Min, out.Max = lo, hi
	if amin, amax := signedRange(accBits); lo < amin || hi > amax {
		v.addf("acc_bits", "accumulator range [%d, %d] overflows %d signed bits [%d, %d]", lo, hi, accBits, amin, amax)
	}
}

// RowRange returns the smallest and largest dot product of the weight row
// with any input vector whose elements lie in [xmin, xmax].
func RowRange(row []int8, xmin, xmax int64) (lo, hi int64) {
	for _, w := range row {
		a, b := int64(w)*xmin, int64(w)*xmax
		lo += min(a, b)
		hi += max(a, b)
	}
	return lo, hi
}

func weightRange(bits int) (lo, hi int64) {
	if bits == 1 {
		return -1, 1
	}
	return signedRange(bits)
}

func signedRange(bits int) (lo, hi int64) {
	return -(int64(1) << (bits - 1)), int64(1)<<(bits-1) - 1
}
