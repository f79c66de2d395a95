package hw

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// The plan-level functional model of a sequence model (docs/lstm-hardware.md)
// and the random test models it runs.

// hwSequence is the plan-level functional model of a sequence model: it
// runs a stream of tokens (last[k]: token k ends its sequence) through the
// lstm stage and the MVTUs the way docs/lstm-hardware.md describes the
// hardware, from the plan's parameters and ROM images only: the embedding
// ROM's and the h banks' levels (the reset level for a token that starts a
// sequence), the unit-major gate rows with hardware-domain accumulators and
// thresholds, the cell update in netlist values with the cell RAM (0 for a
// fresh token), the cell-act and hidden thresholds, the MVTUs on the NF
// beats of U levels. It returns per token the hidden levels and the scores,
// and fails on any intermediate outside the width the plan gives it.
func hwSequence(t *testing.T, p *Plan, tokens []int, last []bool) (hidden, scores [][]int64) {
	t.Helper()
	s := p.LSTM()
	bank := [2][]int64{make([]int64, s.SFh*s.SIMD), make([]int64, s.SFh*s.SIMD)}
	cur, afterLast := 0, true
	cell := make([]int64, s.NF*s.U)
	for k, tok := range tokens {
		fresh := afterLast
		afterLast = last[k]
		out := make([]int64, s.NF*s.U)
		for nf := range s.NF {
			acc := make([]int64, s.PE)
			for sf := range s.SF {
				lanes := make([]int64, s.SIMD)
				for l := range lanes {
					switch {
					case sf < s.SFx:
						lanes[l] = int64(s.EmbWord(tok, sf)[l])
					case fresh:
						lanes[l] = int64(s.L0)
					default:
						lanes[l] = bank[cur][(sf-s.SFx)*s.SIMD+l]
					}
				}
				for pe := range s.PE {
					for l, x := range lanes {
						acc[pe] += int64(s.Weight(nf*s.PE+pe, sf, l)) * x
						if acc[pe] < s.AccMin || acc[pe] > s.AccMax || !fits(acc[pe], s.AccWidth) {
							t.Fatalf("row %d: partial sum %d outside [%d, %d] (%d bits)", nf*s.PE+pe, acc[pe], s.AccMin, s.AccMax, s.AccWidth)
						}
					}
				}
			}
			for u := range s.U {
				unit := nf*s.U + u
				var g [4]int64
				for gate := range g {
					th, rev := s.GateThresholds(4*unit + gate)
					checkWidths(t, th, s.GateThrWidth)
					g[gate] = s.GateBase[gate] + int64(level(th, rev, acc[4*u+gate]))
				}
				cprev := cell[unit]
				if fresh {
					cprev = 0
				}
				c := cellStep(t, s, g, cprev)
				cell[unit] = c
				th, rev := s.CellThresholds(unit)
				checkWidths(t, th, s.CellThrWidth)
				ot := g[netlist.GateO] * (s.CellActBase + int64(level(th, rev, c)))
				if !fits(ot, s.OTWidth) {
					t.Fatalf("o*t = %d overflows %d bits", ot, s.OTWidth)
				}
				th, rev = s.HiddenThresholds(unit)
				checkWidths(t, th, s.HidThrWidth)
				out[unit] = int64(level(th, rev, ot))
				if unit < s.H {
					bank[1-cur][unit] = out[unit]
				}
			}
		}
		cur = 1 - cur
		x := out[:s.H] // the MVTU writes positions nf*U + u < MW, drops the rest
		hidden = append(hidden, x)
		for _, l := range p.Layers {
			x = hwLayer(t, l, x)
		}
		scores = append(scores, x)
	}
	return hidden, scores
}

// cellStep is the cell unit: c = sat(rshr(f*c, FShift) + rshr(i*g,
// IGShift)) with the plan's widths checked.
func cellStep(t *testing.T, s *LSTMStage, g [4]int64, cprev int64) int64 {
	t.Helper()
	rshr := func(p int64, shift, width int) int64 {
		if shift > 0 {
			p += 1 << (shift - 1)
		}
		if !fits(p, width) {
			t.Fatalf("rounded product %d overflows %d bits", p, width)
		}
		return p >> shift
	}
	sum := rshr(g[netlist.GateF]*cprev, s.FShift, s.FCWidth) + rshr(g[netlist.GateI]*g[netlist.GateG], s.IGShift, s.IGWidth)
	if !fits(sum, s.CellSumWidth) {
		t.Fatalf("cell sum %d overflows %d bits", sum, s.CellSumWidth)
	}
	lo, hi := -(int64(1) << (s.CellBits - 1)), int64(1)<<(s.CellBits-1)-1
	return min(max(sum, lo), hi)
}

// level is a threshold unit: the thresholds reached (x >= t, or x <= t
// when reversed).
func level(th []int64, rev bool, x int64) int {
	n := 0
	for _, t := range th {
		if (!rev && x >= t) || (rev && x <= t) {
			n++
		}
	}
	return n
}

func fits(v int64, bits int) bool { return v >= -(int64(1)<<(bits-1)) && v < int64(1)<<(bits-1) }

func checkWidths(t *testing.T, th []int64, bits int) {
	t.Helper()
	for _, x := range th {
		if !fits(x, bits) {
			t.Fatalf("threshold %d overflows %d bits", x, bits)
		}
	}
}

// seqNet is netlist.RandomLSTM with its embedding re-encoded as the hidden
// state (Base and Bits), the encoding the lstm stage builds, and the gate
// accumulators' declared width widened to the new input range.
func seqNet(t *testing.T, rng *rand.Rand, cfg netlist.RandomLSTMConfig) *netlist.Network {
	t.Helper()
	cfg.EmbedBits = cfg.ActBits
	n, err := netlist.RandomLSTM(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, l := n.EmbeddingLayer(), n.Layers[1].(*netlist.LSTM)
	e.Base = l.HiddenAct.Base
	vmin, vmax := int64(e.Base), int64(e.Base)+int64(1)<<e.Bits-1
	for r := range 4 * l.Hidden {
		lo, hi := netlist.RowRange(l.Row(r), vmin, vmax)
		l.AccBits = max(l.AccBits, netlist.SignedBits(lo, hi))
	}
	// Some thresholds at the ends of what the netlist allows, beyond every
	// value they are compared with: the plan's clamps must keep their
	// meaning.
	amin, amax := -(int64(1) << (l.AccBits - 1)), int64(1)<<(l.AccBits-1)-1
	for _, a := range append(l.Gates[:], l.HiddenAct) {
		lo, hi := amin, amax
		if a == l.HiddenAct {
			lo, hi = -(1 << 31), 1<<31-1
		}
		for c := range a.Channels {
			row := a.Row(c)
			if rng.IntN(4) == 0 {
				row[0] = lo
			}
			if rng.IntN(4) == 0 {
				row[len(row)-1] = hi
			}
		}
	}
	if err := netlist.Validate(n); err != nil {
		t.Fatal(err)
	}
	return n
}

// insertDense puts a dense layer of k units with a 2-bit threshold
// activation between n's lstm and its projection, which it re-draws for k
// inputs.
func insertDense(t *testing.T, rng *rand.Rand, n *netlist.Network, k int) {
	t.Helper()
	l := n.Layers[1].(*netlist.LSTM)
	weights := func(count int) []int8 {
		w := make([]int8, count)
		for i := range w {
			w[i] = int8(rng.IntN(4) - 2)
		}
		return w
	}
	fc := &netlist.Dense{Name: "fc", In: l.Hidden, Out: k, WeightBits: 2, AccBits: 24, Weights: weights(k * l.Hidden)}
	act := &netlist.Threshold{Name: "act", Channels: k, Bits: 2, Reversed: make([]bool, k)}
	hmin, hmax := int64(l.HiddenAct.Base), int64(l.HiddenAct.Base+l.HiddenAct.PerChannel())
	for c := range k {
		lo, hi := netlist.RowRange(fc.Row(c), hmin, hmax)
		row := []int64{lo + rng.Int64N(hi-lo+1), lo + rng.Int64N(hi-lo+1), lo + rng.Int64N(hi-lo+1)}
		slices.Sort(row)
		act.T = append(act.T, row...)
		act.Reversed[c] = rng.IntN(3) == 0
	}
	out := n.Layers[3].(*netlist.Output)
	proj := &netlist.Dense{Name: "proj", In: k, Out: out.Classes, WeightBits: 2, AccBits: 24, Weights: weights(k * out.Classes)}
	out.ScoreBits = 24
	n.Layers = []netlist.Layer{n.Layers[0], l, fc, act, proj, out}
	if err := netlist.Validate(n); err != nil {
		t.Fatal(err)
	}
}

// randomStream is 1..4 sequences of 1..10 tokens in one stream, last
// marking each sequence's end.
func randomStream(rng *rand.Rand, vocab int) (seqs [][]int, stream []int, last []bool) {
	for range 1 + rng.IntN(4) {
		seq := make([]int, 1+rng.IntN(10))
		for i := range seq {
			seq[i] = rng.IntN(vocab)
		}
		seqs = append(seqs, seq)
		stream = append(stream, seq...)
		for i := range seq {
			last = append(last, i == len(seq)-1)
		}
	}
	return seqs, stream, last
}
