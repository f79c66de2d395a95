package netlist

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// RandomConfig describes the shape of a random network made by Random.
type RandomConfig struct {
	Input      Shape // e.g. (1,28,28)
	InputBits  int   // 1 or 8
	Hidden     []int // hidden layer widths
	Classes    int
	WeightBits []int // per dense layer (len(Hidden)+1); nil means all 1
	ActBits    []int // per hidden layer; nil means all 1
}

// Random returns a valid network with the given shape and random weights,
// thresholds, bases, reversed flags and offsets, with accumulator and score
// widths one bit wider than the reachable range needs. Thresholds are spread
// over the likely accumulator range so activations vary. Tests of every
// stage use it; the same rng state gives the same network.
func Random(rng *rand.Rand, cfg RandomConfig) (*Network, error) {
	if cfg.InputBits != 1 && cfg.InputBits != 8 {
		return nil, fmt.Errorf("netlist: random: input bits %d", cfg.InputBits)
	}
	nd := len(cfg.Hidden) + 1
	wbits := cfg.WeightBits
	if wbits == nil {
		wbits = slices.Repeat([]int{1}, nd)
	}
	abits := cfg.ActBits
	if abits == nil {
		abits = slices.Repeat([]int{1}, nd-1)
	}
	if len(wbits) != nd || len(abits) != nd-1 {
		return nil, fmt.Errorf("netlist: random: %d weight widths and %d activation widths for %d dense layers", len(wbits), len(abits), nd)
	}
	in := &Input{Name: "input", Shape: cfg.Input, Bits: cfg.InputBits}
	xmin, xmax := int64(0), int64(255)
	if cfg.InputBits == 1 {
		in.Threshold = 1 + rng.IntN(255)
		xmin, xmax = -1, 1
	}
	n := &Network{Name: "random", Layers: []Layer{in}}
	width := cfg.Input.Size()
	outs := append(slices.Clone(cfg.Hidden), cfg.Classes)
	for li, out := range outs {
		d := &Dense{Name: fmt.Sprintf("fc%d", li), In: width, Out: out, WeightBits: wbits[li], Weights: make([]int8, width*out)}
		for i := range d.Weights {
			if d.WeightBits == 1 {
				d.Weights[i] = int8(2*rng.IntN(2) - 1)
			} else {
				lo, hi := signedRange(d.WeightBits)
				d.Weights[i] = int8(lo + rng.Int64N(hi-lo+1))
			}
		}
		lo, hi := int64(0), int64(0)
		for o := 0; o < out; o++ {
			rlo, rhi := RowRange(d.Row(o), xmin, xmax)
			lo, hi = min(lo, rlo), max(hi, rhi)
		}
		d.AccBits = SignedBits(lo, hi) + 1
		n.Layers = append(n.Layers, d)
		if li == len(outs)-1 {
			o := &Output{Name: "scores", Classes: out, Offsets: make([]int64, out)}
			span := max(1, (hi-lo)/8)
			for c := range o.Offsets {
				o.Offsets[c] = rng.Int64N(2*span+1) - span
			}
			o.ScoreBits = SignedBits(lo-span, hi+span) + 1
			n.Layers = append(n.Layers, o)
			break
		}
		t := randomThreshold(rng, d, abits[li], xmin, xmax)
		n.Layers = append(n.Layers, t)
		xmin, xmax = int64(-1), int64(1)
		if t.Bits > 1 {
			xmin, xmax = int64(t.Base), int64(t.Base+t.PerChannel())
		}
		width = out
	}
	if err := Validate(n); err != nil {
		return nil, err
	}
	return n, nil
}

func randomThreshold(rng *rand.Rand, d *Dense, bits int, xmin, xmax int64) *Threshold {
	t := &Threshold{Name: fmt.Sprintf("act%s", d.Name[2:]), Channels: d.Out, Bits: bits}
	amin, amax := signedRange(d.AccBits)
	randomThresholds(rng, t, func(o int) int64 { return sum8(d.Row(o)) }, d.In, d.WeightBits, xmin, xmax, [2]int64{amin, amax})
	return t
}

// SignedBits returns the smallest two's-complement width that holds every
// integer in [lo, hi].
func SignedBits(lo, hi int64) int {
	for b := 1; b < 64; b++ {
		l, h := signedRange(b)
		if lo >= l && hi <= h {
			return b
		}
	}
	return 64
}
