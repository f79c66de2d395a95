package train

import (
	"fmt"
	"slices"

	"github.com/qnn-dev/qnn/netlist"
)

// Export returns the quantized model as a netlist sequence model:
// embedding, lstm, the output projection (dense) and output (integer
// logits with their LogitScale). It computes exactly the trainer's
// quantized forward (lm_quant.go): the same integer weights, the same
// integer thresholds. The float baseline does not export.
func (m *LM) Export(name string) (*netlist.Network, error) {
	c := &m.Cfg
	if !c.Quantized() {
		return nil, fmt.Errorf("train: the 32-bit float LSTM has no integer form; train with --wbits/--abits 2..8 to export")
	}
	if err := m.finite(); err != nil {
		return nil, err
	}
	q := newLMQuant(m)
	a, H, D, V := c.ABits, c.Hidden, c.Dim, c.Vocab
	half := 1 << (a - 1)
	e := &netlist.Embedding{Name: "embed", Vocab: V, Dim: D, Bits: a, Base: -half, Levels: make([]uint8, len(q.emb))}
	for i, x := range q.emb {
		e.Levels[i] = uint8(int(x) + half)
	}
	l := &netlist.LSTM{Name: "lstm0", In: D, Hidden: H, WeightBits: c.WBits, CellBits: lmCellBits(a),
		FShift: a, IGShift: 2*a - 1 - lmCellFrac(a), Weights: toInt8(q.w)}
	lo, hi := int64(0), int64(0)
	xmin, xmax := int64(-half), int64(half-1)
	for r := 0; r < 4*H; r++ {
		rlo, rhi := netlist.RowRange(l.Row(r), xmin, xmax)
		lo, hi = min(lo, rlo), max(hi, rhi)
	}
	l.AccBits = netlist.SignedBits(lo, hi+1)
	if l.AccBits > 32 {
		return nil, fmt.Errorf("train: lstm accumulators need %d bits", l.AccBits)
	}
	k := 1<<a - 1
	for g := range l.Gates {
		t := &netlist.Threshold{Channels: H, Bits: a, T: make([]int64, H*k)}
		if g == GateGIndex {
			t.Base = -half
		}
		for j := 0; j < H; j++ {
			r := g*H + j
			for i, x := range q.thr[r*k : (r+1)*k] {
				t.T[j*k+i] = min(max(x, lo), hi+1) // below lo: always reached; above hi: never
			}
		}
		l.Gates[g] = t
	}
	l.CellAct = &netlist.Threshold{Channels: H, Bits: a, Base: -half, T: repeatRows(q.cell, H)}
	l.HiddenAct = &netlist.Threshold{Channels: H, Bits: a, Base: -half, T: repeatRows(q.hid, H)}
	d := &netlist.Dense{Name: "proj", In: H, Out: V, WeightBits: c.WBits, Weights: toInt8(q.wo)}
	slo, shi := int64(0), int64(0)
	o := &netlist.Output{Name: "logits", Classes: V, Offsets: make([]int64, V), LogitScale: q.unit()}
	for v := 0; v < V; v++ {
		rlo, rhi := netlist.RowRange(d.Row(v), xmin, xmax)
		lo, hi = min(lo, rlo), max(hi, rhi)
		o.Offsets[v] = int64(q.off[v])
		slo, shi = min(slo, rlo+o.Offsets[v]), max(shi, rhi+o.Offsets[v])
	}
	d.AccBits = netlist.SignedBits(lo, hi)
	o.ScoreBits = netlist.SignedBits(slo, shi)
	if d.AccBits > 32 || o.ScoreBits > 32 {
		return nil, fmt.Errorf("train: the output projection needs %d-bit accumulators and %d-bit scores (more than 32)", d.AccBits, o.ScoreBits)
	}
	n := &netlist.Network{Name: name, Layers: []netlist.Layer{e, l, d, o}}
	if err := netlist.Validate(n); err != nil {
		return nil, fmt.Errorf("train: exported LSTM is invalid (a qnn bug): %w", err)
	}
	return n, nil
}

func toInt8(x []float32) []int8 {
	w := make([]int8, len(x))
	for i, v := range x {
		w[i] = int8(v)
	}
	return w
}

func repeatRows(row []int64, n int) []int64 {
	return slices.Repeat(row, n)
}

// finite returns an error naming the first parameter that is NaN or
// infinite.
func (m *LM) finite() error {
	names := []string{"embedding", "gate weights", "gate biases", "output weights", "output biases"}
	for i, p := range m.params() {
		for j, x := range p {
			if x != x || x > 3e38 || x < -3e38 {
				return fmt.Errorf("train: the model diverged: %s[%d] is %v", names[i], j, x)
			}
		}
	}
	return nil
}
