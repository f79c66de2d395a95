package main

import (
	"math/rand/v2"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// design is one calibration design: a network skeleton (netlist.Randomize
// fills it from PCG(seed, 9)) and its plan options.
type design struct {
	name string
	seed uint64
	net  func() []netlist.Layer
	opt  hw.Options
}

// plan plans the design, with folds instead of its own folding if given.
func (d design) plan(folds []hw.Fold) (*hw.Plan, error) {
	n := &netlist.Network{Name: d.name, Layers: d.net()}
	if err := netlist.Randomize(rand.New(rand.NewPCG(d.seed, 9)), n); err != nil {
		return nil, err
	}
	opt := d.opt
	if folds != nil {
		opt.Folds, opt.TargetCycles = folds, 0
	}
	return hw.NewPlan(n, opt)
}

func in(c, h, w, bits int) *netlist.Input {
	return &netlist.Input{Name: "input", Shape: netlist.Shape{C: c, H: h, W: w}, Bits: bits}
}

func conv(name string, outC, k, stride, wbits int, pad netlist.Padding) *netlist.Conv2D {
	return &netlist.Conv2D{Name: name, OutC: outC, KH: k, KW: k, Stride: stride, WeightBits: wbits, Pad: pad}
}

func act(name string, bits int) *netlist.Threshold { return &netlist.Threshold{Name: name, Bits: bits} }

func pool(name string, k int) *netlist.MaxPool { return &netlist.MaxPool{Name: name, K: k, Stride: k} }

func dense(name string, out, wbits int) *netlist.Dense {
	return &netlist.Dense{Name: name, Out: out, WeightBits: wbits}
}

func scores() *netlist.Output { return &netlist.Output{Name: "scores"} }

var pad1 = netlist.Padding{Top: 1, Bottom: 1, Left: 1, Right: 1}

var xc7Tree = hw.Options{Popcount: hw.PopcountTree, PipelineEvery: 1, Target: hw.TargetXC7}

func withTarget(o hw.Options, t int) hw.Options {
	o.TargetCycles = t
	return o
}

func withFolds(o hw.Options, f ...hw.Fold) hw.Options {
	o.Folds = f
	return o
}

// designs are the calibration set: the three conv designs of
// docs/conv-hardware.md (conv-small, conv-stride, conv-in8), wider 1- and
// 2-bit conv stacks with 2- and 3-bit pools, a block-RAM line buffer, a
// FIFO, and two dense networks (input, mvtu and output stages).
func designs() []design {
	return []design{
		{name: "conv-small", seed: 0, opt: withTarget(xc7Tree, 64), net: func() []netlist.Layer {
			return []netlist.Layer{in(2, 8, 8, 1), conv("conv0", 4, 3, 1, 1, pad1), act("act0", 1), pool("pool0", 2),
				conv("conv1", 6, 3, 1, 2, pad1), act("act1", 2), dense("fc0", 5, 1), scores()}
		}},
		{name: "conv-stride", seed: 1, net: func() []netlist.Layer {
			return []netlist.Layer{in(4, 9, 7, 1),
				&netlist.Conv2D{Name: "conv0", OutC: 8, KH: 3, KW: 3, Stride: 2, Pad: netlist.Padding{Top: 1, Left: 2}}, act("act0", 1),
				&netlist.Conv2D{Name: "conv1", OutC: 6, KH: 2, KW: 2, Stride: 1}, act("act1", 1), dense("fc0", 3, 1), scores()}
		}, opt: withFolds(xc7Tree, hw.Fold{PE: 4, SIMD: 2}, hw.Fold{PE: 3, SIMD: 8}, hw.Fold{PE: 3, SIMD: 5})},
		{name: "conv-in8", seed: 0, opt: withTarget(xc7Tree, 16), net: func() []netlist.Layer {
			return []netlist.Layer{in(3, 6, 5, 8), &netlist.Conv2D{Name: "conv0", OutC: 5, KH: 3, KW: 2, Stride: 1, WeightBits: 2},
				act("act0", 2), pool("pool0", 2), dense("fc0", 4, 3), scores()}
		}},
		{name: "conv-w1a1-16", seed: 3, opt: withTarget(xc7Tree, 2048), net: func() []netlist.Layer {
			return []netlist.Layer{in(3, 16, 16, 8), conv("conv0", 16, 3, 1, 1, netlist.Padding{}), act("act0", 1), pool("pool0", 2),
				conv("conv1", 32, 3, 1, 1, netlist.Padding{}), act("act1", 1), pool("pool1", 2), dense("fc0", 32, 1), act("fcact0", 1),
				dense("fc1", 10, 1), scores()}
		}},
		{name: "conv-w2a2-12", seed: 4, opt: withTarget(xc7Tree, 1024), net: func() []netlist.Layer {
			return []netlist.Layer{in(1, 12, 12, 1), conv("conv0", 8, 3, 1, 2, pad1), act("act0", 2), pool("pool0", 2),
				conv("conv1", 12, 3, 1, 2, pad1), act("act1", 2), pool("pool1", 2), dense("fc0", 10, 2), scores()}
		}},
		{name: "conv-a3-pool", seed: 5, opt: withTarget(xc7Tree, 512), net: func() []netlist.Layer {
			return []netlist.Layer{in(2, 10, 10, 1), conv("conv0", 12, 3, 1, 1, pad1), act("act0", 3), pool("pool0", 2),
				conv("conv1", 8, 3, 1, 2, netlist.Padding{}), act("act1", 3), pool("pool1", 3), dense("fc0", 6, 2), scores()}
		}},
		{name: "conv-bram", seed: 6, opt: withTarget(xc7Tree, 60000), net: func() []netlist.Layer {
			return []netlist.Layer{in(1, 26, 26, 1), conv("conv0", 32, 3, 1, 1, netlist.Padding{}), act("act0", 2),
				conv("conv1", 16, 3, 1, 2, netlist.Padding{}), act("act1", 1), pool("pool1", 2), dense("fc0", 10, 1), scores()}
		}},
		{name: "conv-fifo", seed: 9, opt: withTarget(hw.Options{}, 703), net: func() []netlist.Layer {
			return []netlist.Layer{in(1, 9, 9, 8), conv("conv0", 2, 1, 2, 1, netlist.Padding{}), act("act0", 1), pool("pool0", 2),
				conv("conv1", 7, 2, 2, 1, netlist.Padding{Top: 1, Bottom: 1, Left: 1, Right: 1}), act("act1", 2),
				dense("fc0", 1, 2), act("fcact0", 1), dense("fc1", 2, 2), scores()}
		}},
		{name: "dense-w1a1", seed: 7, opt: withTarget(xc7Tree, 64), net: func() []netlist.Layer {
			return []netlist.Layer{in(1, 16, 16, 1), dense("fc0", 64, 1), act("act0", 1), dense("fc1", 64, 1), act("act1", 1),
				dense("fc2", 10, 1), scores()}
		}},
		{name: "dense-w2a2", seed: 8, opt: withTarget(xc7Tree, 128), net: func() []netlist.Layer {
			return []netlist.Layer{in(1, 12, 12, 1), dense("fc0", 48, 2), act("act0", 2), dense("fc1", 32, 2), act("act1", 2),
				dense("fc2", 10, 2), scores()}
		}},
	}
}
