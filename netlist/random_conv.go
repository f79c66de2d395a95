package netlist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Randomize fills in the parameters of a network skeleton: the structure
// (layer order and names, input shape and bits, dense Out, conv OutC, kernel,
// stride and padding, threshold Bits, maxpool window, output layer) is
// given; Randomize sets every shape-derived size (dense In, conv InC,
// threshold Channels, output Classes), random weights of each layer's
// WeightBits (1 if unset), pad values in the input's domain, thresholds
// spread over the likely accumulator range (bases 0 or -1, some channels
// reversed or constant), offsets, and accumulator and score widths one bit
// wider than the reachable range needs. It returns the validation error of
// the result, if any. Tests of every stage use it; the same rng state gives
// the same network.
func Randomize(rng *rand.Rand, n *Network) error {
	in := n.InputLayer()
	if in == nil {
		return fmt.Errorf("netlist: randomize: layer 0 is not an input layer")
	}
	if in.Bits == 1 {
		in.Threshold = 1 + rng.IntN(255)
	}
	cur := Value{Shape: in.Shape, Bipolar: in.Bits == 1, Min: -1, Max: 1}
	if in.Bits != 1 {
		cur.Min, cur.Max = 0, 255
	}
	var rowSum func(o int) int64 // of the latest accumulating layer
	var dotLen, wbits int
	var lo, hi int64
	for _, l := range n.Layers[1:] {
		switch l := l.(type) {
		case *Dense:
			l.In = cur.Shape.Size()
			l.WeightBits = max(l.WeightBits, 1)
			l.Weights = randomWeights(rng, l.In*l.Out, l.WeightBits)
			lo, hi = matrixRange(l.Out, l.Row, cur)
			l.AccBits = SignedBits(lo, hi) + 1
			rowSum, dotLen, wbits = func(o int) int64 { return sum8(l.Row(o)) }, l.In, l.WeightBits
			cur.Shape = Shape{C: l.Out, H: 1, W: 1}
		case *Conv2D:
			l.InC = cur.Shape.C
			l.WeightBits = max(l.WeightBits, 1)
			l.Weights = randomWeights(rng, l.OutC*l.RowLen(), l.WeightBits)
			l.PadValue = 0
			if l.Pad.Any() {
				l.PadValue = cur.Min + rng.Int64N(cur.Max-cur.Min+1)
				if cur.Bipolar {
					l.PadValue = int64(2*rng.IntN(2) - 1)
				}
			}
			lo, hi = matrixRange(l.OutC, l.Row, cur)
			l.AccBits = SignedBits(lo, hi) + 1
			rowSum, dotLen, wbits = func(o int) int64 { return sum8(l.Row(o)) }, l.RowLen(), l.WeightBits
			cur.Shape = l.OutShape(cur.Shape.H, cur.Shape.W)
		case *Threshold:
			l.Channels = cur.Shape.C
			l.Bits = max(l.Bits, 1)
			randomThresholds(rng, l, rowSum, dotLen, wbits, cur.Min, cur.Max, accLimits(lo, hi))
			cur.Bipolar, cur.Min, cur.Max = l.Bits == 1, -1, 1
			if l.Bits > 1 {
				cur.Min, cur.Max = int64(l.Base), int64(l.Base+l.PerChannel())
			}
		case *MaxPool:
			cur.Shape = l.OutShape(cur.Shape)
		case *Output:
			l.Classes = cur.Shape.Size()
			l.Offsets = make([]int64, l.Classes)
			span := max(1, (hi-lo)/8)
			for c := range l.Offsets {
				l.Offsets[c] = rng.Int64N(2*span+1) - span
			}
			l.ScoreBits = SignedBits(lo-span, hi+span) + 1
		default:
			return fmt.Errorf("netlist: randomize: unexpected %q layer %q", l.Op(), l.LayerName())
		}
	}
	return Validate(n)
}

// accLimits returns the signed range of the accumulator width Randomize
// declares for [lo, hi] (one bit wider than needed), which bounds thresholds.
func accLimits(lo, hi int64) [2]int64 {
	a, b := signedRange(SignedBits(lo, hi) + 1)
	return [2]int64{a, b}
}

func randomWeights(rng *rand.Rand, n, bits int) []int8 {
	w := make([]int8, n)
	for i := range w {
		if bits == 1 {
			w[i] = int8(2*rng.IntN(2) - 1)
		} else {
			lo, hi := signedRange(bits)
			w[i] = int8(lo + rng.Int64N(hi-lo+1))
		}
	}
	return w
}

func matrixRange(rows int, row func(int) []int8, in Value) (lo, hi int64) {
	for o := 0; o < rows; o++ {
		rlo, rhi := RowRange(row(o), in.Min, in.Max)
		lo, hi = min(lo, rlo), max(hi, rhi)
	}
	return lo, hi
}

func sum8(row []int8) int64 {
	var s int64
	for _, w := range row {
		s += int64(w)
	}
	return s
}

// randomThresholds fills t (Channels and Bits set) with thresholds around
// the likely accumulator of each channel: a dot product of random inputs in
// [xmin, xmax] has a spread of about sqrt(n) * |w| * |x|.
func randomThresholds(rng *rand.Rand, t *Threshold, rowSum func(int) int64, n, wbits int, xmin, xmax int64, acc [2]int64) {
	t.Reversed = make([]bool, t.Channels)
	t.Base = 0
	if t.Bits > 1 {
		t.Base = -rng.IntN(2) // 0 (unsigned levels) or -1 (FINN-style)
	}
	mid := float64(xmin+xmax) / 2
	spread := math.Sqrt(float64(n)) * math.Max(1, float64(xmax-xmin)/2) * float64(int64(1)<<(wbits-1))
	k := t.PerChannel()
	t.T = t.T[:0]
	for c := 0; c < t.Channels; c++ {
		center := float64(rowSum(c)) * mid
		row := make([]int64, k)
		for j := range row {
			v := int64(math.Round(center + spread*(rng.Float64()*2-1)))
			if rng.IntN(50) == 0 { // now and then a constant channel
				v = acc[0]
				if rng.IntN(2) == 0 {
					v = acc[1]
				}
			}
			row[j] = min(max(v, acc[0]), acc[1])
		}
		slices.Sort(row)
		t.T = append(t.T, row...)
		t.Reversed[c] = rng.IntN(4) == 0
	}
}

// CNV returns FINN's CNV topology for 32x32x3 images with the given weight
// and activation widths (8-bit input pixels): 3x3 valid convolutions 64,
// 64, max-pool 2, 128, 128, max-pool 2, 256, 256, dense 512, 512, 10. It is
// a skeleton: Randomize fills it in.
func CNV(wbits, abits int) *Network {
	n := &Network{Name: fmt.Sprintf("cnv-w%da%d", wbits, abits), Layers: []Layer{&Input{Name: "input", Shape: Shape{C: 3, H: 32, W: 32}, Bits: 8}}}
	add := func(l ...Layer) { n.Layers = append(n.Layers, l...) }
	for i, spec := range []struct{ out, pool int }{{64, 0}, {64, 2}, {128, 0}, {128, 2}, {256, 0}, {256, 0}} {
		add(&Conv2D{Name: fmt.Sprintf("conv%d", i), OutC: spec.out, KH: 3, KW: 3, Stride: 1, WeightBits: wbits},
			&Threshold{Name: fmt.Sprintf("act%d", i), Bits: abits})
		if spec.pool > 0 {
			add(&MaxPool{Name: fmt.Sprintf("pool%d", i), K: 2, Stride: 2})
		}
	}
	for i, out := range []int{512, 512} {
		add(&Dense{Name: fmt.Sprintf("fc%d", i), Out: out, WeightBits: wbits}, &Threshold{Name: fmt.Sprintf("fcact%d", i), Bits: abits})
	}
	add(&Dense{Name: "fc2", Out: 10, WeightBits: wbits}, &Output{Name: "scores"})
	return n
}
