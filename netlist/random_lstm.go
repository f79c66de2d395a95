package netlist

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// RandomLSTMConfig describes a random sequence model made by RandomLSTM:
// an embedding of Vocab x Dim entries of EmbedBits bits, LSTM layers of the
// Hidden sizes with WeightBits-bit weights and ActBits-bit activations, and
// an output projection (OutWeightBits-bit dense layer) to Vocab scores.
type RandomLSTMConfig struct {
	Vocab, Dim    int
	EmbedBits     int
	Hidden        []int
	WeightBits    int
	ActBits       int // 2..8: the gates, the cell's tanh and the hidden state
	OutWeightBits int
	// HiddenEncoding encodes the embedding like the first LSTM's hidden
	// state (ActBits bits, its base), as qnn train exports and the
	// hardware plan requires; EmbedBits is then ignored.
	HiddenEncoding bool
}

// RandomLSTM returns a valid random sequence model: random entries,
// weights and thresholds spread over each activation's likely input so that
// every gate and state varies, the fixed point of a trained model (gates
// of real value level/2^a, a cell of a+1 fractional bits) with a cell width
// of at most one bit more than the input-gate term needs (so that saturation
// happens), and some reversed channels. The same rng state gives the same
// network.
func RandomLSTM(rng *rand.Rand, cfg RandomLSTMConfig) (*Network, error) {
	if cfg.ActBits < 2 || cfg.ActBits > MaxActBits || len(cfg.Hidden) == 0 {
		return nil, fmt.Errorf("netlist: random lstm: activation width %d (want 2..8), %d layers", cfg.ActBits, len(cfg.Hidden))
	}
	if cfg.HiddenEncoding {
		cfg.EmbedBits = cfg.ActBits
	}
	e := &Embedding{Name: "embed", Vocab: cfg.Vocab, Dim: cfg.Dim, Bits: cfg.EmbedBits, Levels: make([]uint8, cfg.Vocab*cfg.Dim)}
	if e.Bits > 1 {
		e.Base = -(1 << (e.Bits - 1)) * rng.IntN(2) // signed or unsigned levels
	}
	for i := range e.Levels {
		e.Levels[i] = uint8(rng.IntN(1 << e.Bits))
	}
	n := &Network{Name: "random-lstm", Layers: []Layer{e}}
	cur := Value{Min: -1, Max: 1}
	if e.Bits > 1 {
		cur.Min, cur.Max = int64(e.Base), int64(e.Base)+int64(1)<<e.Bits-1
	}
	width := cfg.Dim
	for li, h := range cfg.Hidden {
		l := randomLSTMLayer(rng, fmt.Sprintf("lstm%d", li), width, h, cfg.WeightBits, cfg.ActBits, cur)
		if li == 0 && cfg.HiddenEncoding {
			e.Base = l.HiddenAct.Base
			l.widenAcc(actRange(l.HiddenAct))
		}
		n.Layers = append(n.Layers, l)
		cur.Min, cur.Max = actRange(l.HiddenAct)
		width = h
	}
	d := &Dense{Name: "proj", In: width, Out: cfg.Vocab, WeightBits: max(cfg.OutWeightBits, 1)}
	d.Weights = randomWeights(rng, d.In*d.Out, d.WeightBits)
	lo, hi := matrixRange(d.Out, d.Row, cur)
	d.AccBits = SignedBits(lo, hi) + 1
	o := &Output{Name: "logits", Classes: cfg.Vocab, Offsets: make([]int64, cfg.Vocab), LogitScale: 1.0 / 16}
	span := max(1, (hi-lo)/8)
	for c := range o.Offsets {
		o.Offsets[c] = rng.Int64N(2*span+1) - span
	}
	o.ScoreBits = SignedBits(lo-span, hi+span) + 1
	n.Layers = append(n.Layers, d, o)
	return n, Validate(n)
}

func randomLSTMLayer(rng *rand.Rand, name string, in, hidden, wbits, a int, x Value) *LSTM {
	l := &LSTM{Name: name, In: in, Hidden: hidden, WeightBits: max(wbits, 1), FShift: a}
	l.Weights = randomWeights(rng, 4*hidden*l.Cols(), l.WeightBits)
	// The hidden state: a levels with 0 among them.
	l.HiddenAct = &Threshold{Channels: hidden, Bits: a, Base: -rng.IntN(1 << a)}
	hmin, hmax := actRange(l.HiddenAct)
	var lo, hi int64
	for r := 0; r < 4*hidden; r++ {
		xlo, xhi := RowRange(l.Row(r)[:in], x.Min, x.Max)
		hlo, hhi := RowRange(l.Row(r)[in:], hmin, hmax)
		lo, hi = min(lo, xlo+hlo), max(hi, xhi+hhi)
	}
	l.AccBits = SignedBits(lo, hi) + 1
	acc := accLimits(lo, hi)
	// The gates: sigmoids on unsigned levels, the candidate a tanh on signed ones.
	xmin, xmax := min(x.Min, hmin), max(x.Max, hmax)
	for g := range l.Gates {
		t := &Threshold{Channels: hidden, Bits: a}
		randomThresholds(rng, t, func(j int) int64 { return sum8(l.Row(g*hidden + j)) }, l.Cols(), l.WeightBits, xmin, xmax, acc)
		t.Base = 0
		if g == GateG {
			t.Base = -(1 << (a - 1))
		}
		l.Gates[g] = t
	}
	// The cell: a+1 fractional bits, so i*g (2a-1 fractional bits) shifts by a-2.
	frac := a + 1
	l.IGShift = 2*a - 1 - frac
	imin, imax := actRange(l.Gates[GateI])
	gmin, gmax := actRange(l.Gates[GateG])
	plo, phi := productRange(imin, imax, gmin, gmax)
	l.CellBits = SignedBits(RoundShift(plo, l.IGShift), RoundShift(phi, l.IGShift)) + rng.IntN(2)
	cmin, cmax := signedRange(l.CellBits)
	l.CellAct = &Threshold{Channels: hidden, Bits: a, Base: -(1 << (a - 1))}
	l.CellAct.T = randomSorted(rng, hidden*l.CellAct.PerChannel(), l.CellAct.PerChannel(), max(cmin, -4<<frac), min(cmax, 4<<frac))
	l.CellAct.Reversed = randomFlags(rng, hidden)
	omin, omax := actRange(l.Gates[GateO])
	tmin, tmax := actRange(l.CellAct)
	qlo, qhi := productRange(omin, omax, tmin, tmax)
	l.HiddenAct.T = randomSorted(rng, hidden*l.HiddenAct.PerChannel(), l.HiddenAct.PerChannel(), qlo, qhi)
	l.HiddenAct.Reversed = randomFlags(rng, hidden)
	return l
}

// randomSorted returns n values in [lo, hi], sorted ascending in runs of k.
func randomSorted(rng *rand.Rand, n, k int, lo, hi int64) []int64 {
	t := make([]int64, n)
	for i := range t {
		t[i] = lo + rng.Int64N(hi-lo+1)
	}
	for i := 0; i < n; i += k {
		slices.Sort(t[i : i+k])
	}
	return t
}

func randomFlags(rng *rand.Rand, n int) []bool {
	f := make([]bool, n)
	for i := range f {
		f[i] = rng.IntN(4) == 0
	}
	return f
}

// widenAcc makes AccBits hold every gate accumulator for x and h in
// [xmin, xmax] (after the input's encoding changed).
func (l *LSTM) widenAcc(xmin, xmax int64) {
	for r := 0; r < 4*l.Hidden; r++ {
		lo, hi := RowRange(l.Row(r), xmin, xmax)
		l.AccBits = max(l.AccBits, SignedBits(lo, hi)+1)
	}
}
