package netlist

import (
	"bytes"
	"fmt"
)

// Format is the value of the "format" field of every netlist file.
const Format = "qnn-netlist"

// Version is the newest netlist file-format version this package reads and
// writes. Version 1 has the ops input, dense, threshold and output; version 2
// adds conv2d and maxpool; version 3 adds embedding and lstm (sequence
// models) and the output's logit_scale. Every version from 1 to Version is read; Marshal
// writes the oldest version that can express the network (FileVersion), so
// dense networks are written exactly as version 1 files always were. Files of
// other versions are rejected.
const Version = 3

// MaxWeightBits and MaxActBits bound the element widths the IR accepts.
const (
	MaxWeightBits = 8
	MaxActBits    = 8
)

// Network is a quantized neural network described with integers only.
type Network struct {
	Name   string            // free-form model name, e.g. "tfc-w1a1"
	Meta   map[string]string // provenance (dataset, seed, trainer accuracy...); not interpreted
	Layers []Layer           // Layers[0] is *Input, the last is *Output
}

// Layer is one node of the network: *Input, *Dense, *Conv2D, *Threshold,
// *MaxPool, *Output, or for a sequence model *Embedding and *LSTM. The set is closed. Each type owns its rules, in the
// file of its op: the shape it produces from the tensor it consumes, its
// validation, and its reference evaluation; a new op (the LSTM later) adds a
// type and a file, not cases in switches elsewhere.
type Layer interface {
	// Op is the layer's "op" value in the file format.
	Op() string
	// LayerName is the layer's name, unique within the network.
	LayerName() string
	// check validates the layer against the tensor its predecessor produces
	// (v.prev, v.in) and returns the tensor it produces.
	check(v *validator) Value
	// reference computes the layer's output from its input x, a tensor
	// described by in (for the input layer, x holds the pixels), one
	// multiply-accumulate at a time.
	reference(x []int64, in Value) []int64
	// describe fills in the layer's summary for Stats.
	describe(s *LayerStats, in, out Value)
	// marshal writes the layer's fields after "op" and "name" in the
	// canonical file form.
	marshal(b *bytes.Buffer)
	// compileFast adds the layer to a Fast being compiled.
	compileFast(c *fastCompiler)
	layerNode()
}

// Shape is a tensor shape: channels, height, width.
type Shape struct{ C, H, W int }

// Size is the number of elements C*H*W.
func (s Shape) Size() int { return s.C * s.H * s.W }

func (s Shape) String() string { return fmt.Sprintf("(%d,%d,%d)", s.C, s.H, s.W) }

// Input describes the pixels fed to the network and how they are encoded.
type Input struct {
	Name  string
	Shape Shape // (C,H,W); MNIST is (1,28,28)
	// Bits is 1 (binarized pixels: pixel >= Threshold gives +1, otherwise -1)
	// or 8 (unsigned pixels 0..255 used as they are).
	Bits      int
	Threshold int // binarization threshold for Bits == 1, in 0..256
}

// Dense is a fully connected layer: Out dot products of length In over the
// flattened input tensor, each producing a signed accumulator of AccBits bits.
type Dense struct {
	Name       string
	In, Out    int
	WeightBits int // 1 (bipolar) or 2..8 (two's complement)
	// AccBits is the declared signed accumulator width. Every reachable
	// accumulator value must fit; Validate checks this with the actual weights.
	AccBits int
	// Weights holds Out rows of In values, row-major: W[o*In+i]. Values are -1
	// or +1 for WeightBits == 1, else in [-2^(k-1), 2^(k-1)-1].
	Weights []int8
}

// W returns the weight of output o and input i.
func (d *Dense) W(o, i int) int8 { return d.Weights[o*d.In+i] }

// Row returns output o's weights.
func (d *Dense) Row(o int) []int8 { return d.Weights[o*d.In : (o+1)*d.In] }

// Threshold is a multi-threshold activation on a Dense layer's accumulator.
// For channel c the output level is the number of its thresholds reached:
// acc >= T (or acc <= T where Reversed[c], as a negative batch-norm scale
// needs). A 1-bit output is bipolar (level 0 -> -1, level 1 -> +1); a k-bit
// output is Base + level.
type Threshold struct {
	Name     string
	Channels int
	Bits     int // output width k, 1..8; each channel has 2^k - 1 thresholds
	Base     int // value of level 0 for Bits >= 2 (0: unsigned, -1: FINN's {-1,0,+1}); must be 0 for Bits == 1
	// T holds Channels rows of 2^Bits-1 thresholds, each row sorted ascending
	// (also for reversed channels).
	T        []int64
	Reversed []bool // per channel; nil means none reversed
}

// PerChannel is the number of thresholds per channel, 2^Bits - 1.
func (t *Threshold) PerChannel() int { return 1<<t.Bits - 1 }

// Row returns channel c's thresholds.
func (t *Threshold) Row(c int) []int64 {
	k := t.PerChannel()
	return t.T[c*k : (c+1)*k]
}

// IsReversed reports whether channel c uses the reversed comparison.
func (t *Threshold) IsReversed(c int) bool { return t.Reversed != nil && t.Reversed[c] }

// Level returns the number of channel c's thresholds reached by acc.
func (t *Threshold) Level(c int, acc int64) int {
	n := 0
	rev := t.IsReversed(c)
	for _, th := range t.Row(c) {
		if (!rev && acc >= th) || (rev && acc <= th) {
			n++
		}
	}
	return n
}

// Value maps an output level to the integer the next layer sees.
func (t *Threshold) Value(level int) int64 {
	if t.Bits == 1 {
		return int64(2*level - 1)
	}
	return int64(t.Base + level)
}

// Output turns the last Dense layer's accumulators into integer class scores
// (accumulator + Offset[c]) and predicts their argmax, the lowest index
// winning ties.
type Output struct {
	Name      string
	Classes   int
	Offsets   []int64 // per class; nil means all zero
	ScoreBits int     // signed width of a class score; every reachable score must fit
	// LogitScale is the real value of one score unit (a sequence model's
	// logits are LogitScale*score for the perplexity); 0: not declared.
	LogitScale float64
}

// Offset returns class c's offset.
func (o *Output) Offset(c int) int64 {
	if o.Offsets == nil {
		return 0
	}
	return o.Offsets[c]
}

func (*Input) Op() string     { return "input" }
func (*Dense) Op() string     { return "dense" }
func (*Threshold) Op() string { return "threshold" }
func (*Output) Op() string    { return "output" }

func (l *Input) LayerName() string     { return l.Name }
func (l *Dense) LayerName() string     { return l.Name }
func (l *Threshold) LayerName() string { return l.Name }
func (l *Output) LayerName() string    { return l.Name }

func (*Input) layerNode()     {}
func (*Dense) layerNode()     {}
func (*Threshold) layerNode() {}
func (*Output) layerNode()    {}

// InputLayer returns the network's Input layer, or nil.
func (n *Network) InputLayer() *Input {
	if len(n.Layers) == 0 {
		return nil
	}
	in, _ := n.Layers[0].(*Input)
	return in
}

// OutputLayer returns the network's Output layer, or nil.
func (n *Network) OutputLayer() *Output {
	if len(n.Layers) == 0 {
		return nil
	}
	out, _ := n.Layers[len(n.Layers)-1].(*Output)
	return out
}

// Argmax returns the index of the largest score, the lowest index winning ties.
func Argmax(scores []int64) int {
	best := 0
	for i, s := range scores {
		if s > scores[best] {
			best = i
		}
	}
	return best
}
