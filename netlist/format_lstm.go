package netlist

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The file form of embedding and lstm (version 3).

type fileEmbedding struct {
	Op    string   `json:"op"`
	Name  string   `json:"name"`
	Vocab int      `json:"vocab"`
	Dim   int      `json:"dim"`
	Bits  int      `json:"bits"`
	Base  int      `json:"base"`
	Table []string `json:"table"` // one hex row of Dim levels per token
}

// fileAct is one of an LSTM's activations: a threshold layer's fields
// without op, name and channels (Hidden).
type fileAct struct {
	Bits       int       `json:"bits"`
	Base       int       `json:"base"`
	Reversed   []int     `json:"reversed"`
	Thresholds [][]int64 `json:"thresholds"`
}

type fileLSTM struct {
	Op         string   `json:"op"`
	Name       string   `json:"name"`
	In         int      `json:"in"`
	Hidden     int      `json:"hidden"`
	WeightBits int      `json:"weight_bits"`
	AccBits    int      `json:"acc_bits"`
	CellBits   int      `json:"cell_bits"`
	FShift     int      `json:"f_shift"`
	IGShift    int      `json:"ig_shift"`
	Weights    []string `json:"weights"` // 4*hidden hex rows of in+hidden weights
	InputGate  *fileAct `json:"input_gate"`
	ForgetGate *fileAct `json:"forget_gate"`
	CellGate   *fileAct `json:"cell_gate"`
	OutputGate *fileAct `json:"output_gate"`
	CellAct    *fileAct `json:"cell_act"`
	HiddenAct  *fileAct `json:"hidden_act"`
}

func decodeEmbedding(raw json.RawMessage) (Layer, error) {
	var f fileEmbedding
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	if f.Vocab <= 0 || f.Vocab > MaxVocab {
		return nil, fmt.Errorf("vocab: %d is outside 1..%d", f.Vocab, MaxVocab)
	}
	if f.Bits < 1 || f.Bits > MaxActBits {
		return nil, fmt.Errorf("bits: unsupported entry width %d (want 1..%d)", f.Bits, MaxActBits)
	}
	rows, err := decodeRows(f.Table, f.Vocab, f.Dim, f.Bits, "vocab", "dim")
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	l := &Embedding{Name: f.Name, Vocab: f.Vocab, Dim: f.Dim, Bits: f.Bits, Base: f.Base, Levels: make([]uint8, len(rows))}
	for i, x := range rows {
		if f.Bits == 1 {
			l.Levels[i] = uint8((x + 1) / 2)
		} else {
			l.Levels[i] = uint8(x) & uint8(1<<f.Bits-1)
		}
	}
	return l, nil
}

func decodeLSTM(raw json.RawMessage) (Layer, error) {
	var f fileLSTM
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	if f.In <= 0 || f.Hidden <= 0 || f.In > 1<<16 || f.Hidden > 1<<16 {
		return nil, fmt.Errorf("in/hidden: sizes must be in 1..65536, got in=%d hidden=%d", f.In, f.Hidden)
	}
	l := &LSTM{Name: f.Name, In: f.In, Hidden: f.Hidden, WeightBits: f.WeightBits, AccBits: f.AccBits,
		CellBits: f.CellBits, FShift: f.FShift, IGShift: f.IGShift}
	w, err := decodeRows(f.Weights, 4*f.Hidden, f.In+f.Hidden, f.WeightBits, "4*hidden", "in+hidden")
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	l.Weights = w
	acts := []struct {
		field string
		f     *fileAct
		dst   **Threshold
	}{
		{gateFields[GateI], f.InputGate, &l.Gates[GateI]},
		{gateFields[GateF], f.ForgetGate, &l.Gates[GateF]},
		{gateFields[GateG], f.CellGate, &l.Gates[GateG]},
		{gateFields[GateO], f.OutputGate, &l.Gates[GateO]},
		{"cell_act", f.CellAct, &l.CellAct},
		{"hidden_act", f.HiddenAct, &l.HiddenAct},
	}
	for _, a := range acts {
		if a.f == nil {
			return nil, fmt.Errorf("%s: missing", a.field)
		}
		t, err := decodeThreshold(&fileThreshold{Channels: f.Hidden, Bits: a.f.Bits, Base: a.f.Base,
			Reversed: a.f.Reversed, Thresholds: a.f.Thresholds})
		if err != nil {
			return nil, fmt.Errorf("%s.%w", a.field, err)
		}
		*a.dst = t
	}
	return l, nil
}

func (l *Embedding) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "      \"vocab\": %d,\n      \"dim\": %d,\n      \"bits\": %d,\n      \"base\": %d,\n      \"table\": [\n",
		l.Vocab, l.Dim, l.Bits, l.Base)
	row := make([]int8, l.Dim)
	for t := 0; t < l.Vocab; t++ {
		for j, lv := range l.Row(t) {
			if l.Bits == 1 {
				row[j] = int8(2*int(lv) - 1)
			} else {
				row[j] = int8(lv) // EncodeRow writes the low Bits bits
			}
		}
		fmt.Fprintf(b, "        \"%s\"%s\n", EncodeRow(row, l.Bits), comma(t, l.Vocab))
	}
	b.WriteString("      ]\n")
}

func (l *LSTM) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "      \"in\": %d,\n      \"hidden\": %d,\n      \"weight_bits\": %d,\n      \"acc_bits\": %d,\n"+
		"      \"cell_bits\": %d,\n      \"f_shift\": %d,\n      \"ig_shift\": %d,\n      \"weights\": [\n",
		l.In, l.Hidden, l.WeightBits, l.AccBits, l.CellBits, l.FShift, l.IGShift)
	for r := 0; r < 4*l.Hidden; r++ {
		fmt.Fprintf(b, "        \"%s\"%s\n", EncodeRow(l.Row(r), l.WeightBits), comma(r, 4*l.Hidden))
	}
	b.WriteString("      ],\n")
	acts := []struct {
		field string
		t     *Threshold
	}{
		{gateFields[GateI], l.Gates[GateI]}, {gateFields[GateF], l.Gates[GateF]},
		{gateFields[GateG], l.Gates[GateG]}, {gateFields[GateO], l.Gates[GateO]},
		{"cell_act", l.CellAct}, {"hidden_act", l.HiddenAct},
	}
	for i, a := range acts {
		t := a.t
		fmt.Fprintf(b, "      %s: {\n        \"bits\": %d,\n        \"base\": %d,\n        \"reversed\": [%s],\n        \"thresholds\": [\n",
			quote(a.field), t.Bits, t.Base, reversedList(t))
		for c := 0; c < t.Channels; c++ {
			fmt.Fprintf(b, "          [%s]%s\n", ints(t.Row(c)), comma(c, t.Channels))
		}
		fmt.Fprintf(b, "        ]\n      }%s\n", comma(i, len(acts)))
	}
}
