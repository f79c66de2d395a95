package netlist

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a network, located by layer and field.
type Problem struct {
	Layer int    // index into Network.Layers; -1 for the network as a whole
	Name  string // layer name, if known
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

// Value describes the tensor a layer produces: its shape and the range of its
// integer elements.
type Value struct {
	Shape    Shape
	Bits     int   // element width: 1 for bipolar, k for activations, 8 for pixels, AccBits/ScoreBits for accumulators
	Bipolar  bool  // elements are -1/+1 encoded as one bit
	Min, Max int64 // every element lies in [Min, Max]
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

type validator struct {
	problems []Problem
	layer    int
	name     string
	rows     [][2]int64 // per-row accumulator ranges of the latest dense layer
}

func (v *validator) addf(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Layer: v.layer, Name: v.name, Field: field, Msg: fmt.Sprintf(format, args...)})
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
		v.layer, v.name = i, ""
		if l == nil {
			v.addf("op", "layer is missing")
			continue
		}
		v.name = l.LayerName()
		if v.name == "" {
			v.addf("name", "layer has no name")
		} else if j, dup := names[v.name]; dup {
			v.addf("name", "name already used by layer %d", j)
		} else {
			names[v.name] = i
		}
		var prev Layer
		var pv Value
		if i > 0 {
			prev, pv = n.Layers[i-1], vals[i-1]
		}
		switch l := l.(type) {
		case *Input:
			if i != 0 {
				v.addf("op", "input layer must be layer 0")
			}
			vals[i] = v.input(l)
		case *Dense:
			vals[i] = v.dense(l, prev, pv)
		case *Threshold:
			vals[i] = v.threshold(l, prev, pv)
		case *Output:
			if i != len(n.Layers)-1 {
				v.addf("op", "output layer must be the last layer")
			}
			vals[i] = v.output(l, prev)
		default:
			v.addf("op", "unsupported layer type %T", l)
		}
	}
	v.layer, v.name = 0, n.Layers[0].LayerName()
	if _, ok := n.Layers[0].(*Input); !ok {
		v.addf("op", "layer 0 must be the input layer, got %q", n.Layers[0].Op())
	}
	last := len(n.Layers) - 1
	v.layer, v.name = last, n.Layers[last].LayerName()
	if _, ok := n.Layers[last].(*Output); !ok {
		v.addf("op", "the last layer must be an output layer, got %q", n.Layers[last].Op())
	}
	return vals
}

func (v *validator) input(l *Input) Value {
	s := l.Shape
	if s.C <= 0 || s.H <= 0 || s.W <= 0 {
		v.addf("shape", "dimensions must be positive, got %v", s)
	} else if s.C > 1<<16 || s.H > 1<<16 || s.W > 1<<16 || s.Size() > 1<<24 {
		v.addf("shape", "tensor %v is too large", s)
	}
	switch l.Bits {
	case 1:
		if l.Threshold < 0 || l.Threshold > 256 {
			v.addf("threshold", "pixel binarization threshold %d is outside 0..256", l.Threshold)
		}
		return Value{Shape: s, Bits: 1, Bipolar: true, Min: -1, Max: 1}
	case 8:
		if l.Threshold != 0 {
			v.addf("threshold", "an 8-bit input has no binarization threshold (got %d)", l.Threshold)
		}
		return Value{Shape: s, Bits: 8, Min: 0, Max: 255}
	default:
		v.addf("bits", "unsupported input width %d (want 1 or 8)", l.Bits)
		return Value{Shape: s, Bits: 8, Min: 0, Max: 255}
	}
}

// activationInput checks that prev produces a small-integer tensor that a
// Dense layer can consume.
func (v *validator) activationInput(prev Layer) bool {
	switch prev.(type) {
	case *Input, *Threshold:
		return true
	case nil:
		v.addf("op", "a dense layer needs a preceding input or threshold layer")
	default:
		v.addf("op", "a dense layer must follow an input or threshold layer, not %q", prev.Op())
	}
	return false
}

func (v *validator) dense(l *Dense, prev Layer, pv Value) Value {
	out := Value{Shape: Shape{C: max(l.Out, 0), H: 1, W: 1}, Bits: l.AccBits}
	v.rows = nil
	okIn := v.activationInput(prev)
	if l.In <= 0 || l.Out <= 0 || l.In > 1<<24 || l.Out > 1<<24 {
		v.addf("in/out", "sizes must be in 1..2^24, got in=%d out=%d", l.In, l.Out)
		return out
	}
	if okIn && pv.Shape.Size() != l.In {
		v.addf("in", "layer takes %d inputs but the previous layer %q produces %v = %d", l.In, prev.LayerName(), pv.Shape, pv.Shape.Size())
	}
	if l.WeightBits < 1 || l.WeightBits > MaxWeightBits {
		v.addf("weight_bits", "unsupported weight width %d (want 1..%d)", l.WeightBits, MaxWeightBits)
		return out
	}
	if l.AccBits < 2 || l.AccBits > 32 {
		v.addf("acc_bits", "unsupported accumulator width %d (want 2..32)", l.AccBits)
		return out
	}
	if len(l.Weights) != l.In*l.Out {
		v.addf("weights", "have %d values, want out*in = %d*%d = %d", len(l.Weights), l.Out, l.In, l.In*l.Out)
		return out
	}
	wmin, wmax := weightRange(l.WeightBits)
	for idx, w := range l.Weights {
		bad := int64(w) < wmin || int64(w) > wmax || (l.WeightBits == 1 && w == 0)
		if bad {
			v.addf("weights", "row %d column %d: weight %d is not a %d-bit value", idx/l.In, idx%l.In, w, l.WeightBits)
			return out
		}
	}
	if !okIn {
		return out
	}
	lo, hi := int64(0), int64(0)
	v.rows = make([][2]int64, l.Out)
	for o := 0; o < l.Out; o++ {
		rlo, rhi := RowRange(l.Row(o), pv.Min, pv.Max)
		v.rows[o] = [2]int64{rlo, rhi}
		if o == 0 || rlo < lo {
			lo = rlo
		}
		if o == 0 || rhi > hi {
			hi = rhi
		}
	}
	out.Min, out.Max = lo, hi
	if amin, amax := signedRange(l.AccBits); lo < amin || hi > amax {
		v.addf("acc_bits", "accumulator range [%d, %d] overflows %d signed bits [%d, %d]", lo, hi, l.AccBits, amin, amax)
	}
	return out
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

func (v *validator) threshold(l *Threshold, prev Layer, pv Value) Value {
	out := Value{Shape: Shape{C: max(l.Channels, 0), H: 1, W: 1}, Bits: l.Bits}
	d, ok := prev.(*Dense)
	if !ok {
		got := "nothing"
		if prev != nil {
			got = fmt.Sprintf("%q", prev.Op())
		}
		v.addf("op", "a threshold layer must follow a dense layer, not %s", got)
	} else if l.Channels != d.Out {
		v.addf("channels", "have %d channels but the dense layer %q has %d outputs", l.Channels, d.Name, d.Out)
	}
	if l.Channels <= 0 {
		v.addf("channels", "must be positive, got %d", l.Channels)
		return out
	}
	if l.Bits < 1 || l.Bits > MaxActBits {
		v.addf("bits", "unsupported activation width %d (want 1..%d)", l.Bits, MaxActBits)
		return out
	}
	if l.Bits == 1 {
		if l.Base != 0 {
			v.addf("base", "a 1-bit activation is bipolar (-1/+1) and takes no base, got %d", l.Base)
		}
		out.Bipolar, out.Min, out.Max = true, -1, 1
	} else {
		if l.Base < -256 || l.Base > 256 {
			v.addf("base", "base %d is outside -256..256", l.Base)
		}
		out.Min, out.Max = int64(l.Base), int64(l.Base)+int64(l.PerChannel())
	}
	k := l.PerChannel()
	if len(l.T) != l.Channels*k {
		v.addf("thresholds", "have %d values, want %d channels x %d thresholds (2^%d-1) = %d", len(l.T), l.Channels, k, l.Bits, l.Channels*k)
		return out
	}
	if l.Reversed != nil && len(l.Reversed) != l.Channels {
		v.addf("reversed", "have %d flags for %d channels", len(l.Reversed), l.Channels)
	}
	amin, amax := int64(-1)<<31, int64(1)<<31-1
	if ok && d.AccBits >= 2 && d.AccBits <= 32 {
		amin, amax = signedRange(d.AccBits)
	}
	for c := 0; c < l.Channels; c++ {
		row := l.Row(c)
		for j, t := range row {
			if t < amin || t > amax {
				v.addf("thresholds", "channel %d threshold %d: %d is outside the accumulator range [%d, %d]", c, j, t, amin, amax)
				return out
			}
			if j > 0 && t < row[j-1] {
				v.addf("thresholds", "channel %d: thresholds not sorted ascending (%d after %d)", c, t, row[j-1])
				return out
			}
		}
	}
	return out
}

func (v *validator) output(l *Output, prev Layer) Value {
	out := Value{Shape: Shape{C: max(l.Classes, 0), H: 1, W: 1}, Bits: l.ScoreBits}
	d, ok := prev.(*Dense)
	if !ok {
		got := "nothing"
		if prev != nil {
			got = fmt.Sprintf("%q", prev.Op())
		}
		v.addf("op", "the output layer must follow a dense layer, not %s", got)
	} else if l.Classes != d.Out {
		v.addf("classes", "have %d classes but the dense layer %q has %d outputs", l.Classes, d.Name, d.Out)
	}
	if l.Classes <= 0 {
		v.addf("classes", "must be positive, got %d", l.Classes)
		return out
	}
	if l.Offsets != nil && len(l.Offsets) != l.Classes {
		v.addf("offsets", "have %d offsets for %d classes", len(l.Offsets), l.Classes)
		return out
	}
	if l.ScoreBits < 2 || l.ScoreBits > 32 {
		v.addf("score_bits", "unsupported score width %d (want 2..32)", l.ScoreBits)
		return out
	}
	smin, smax := signedRange(l.ScoreBits)
	for c, off := range l.Offsets {
		if off < smin || off > smax {
			v.addf("offsets", "class %d: offset %d does not fit %d signed bits", c, off, l.ScoreBits)
			return out
		}
	}
	if !ok || len(v.rows) != l.Classes || l.Classes != d.Out {
		return out
	}
	lo, hi := int64(0), int64(0)
	for c := 0; c < l.Classes; c++ {
		rlo, rhi := v.rows[c][0]+l.Offset(c), v.rows[c][1]+l.Offset(c)
		if c == 0 || rlo < lo {
			lo = rlo
		}
		if c == 0 || rhi > hi {
			hi = rhi
		}
	}
	out.Min, out.Max = lo, hi
	if lo < smin || hi > smax {
		v.addf("score_bits", "score range [%d, %d] overflows %d signed bits [%d, %d]", lo, hi, l.ScoreBits, smin, smax)
	}
	return out
}
