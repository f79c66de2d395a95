package netlist

import "fmt"

// LSTM is one quantized long short-term memory layer of a sequence model.
// At every token it reads the vector x_t of In activations from the layer
// before it and its own state (the hidden vector h_{t-1} of Hidden
// activations and the cell vector c_{t-1} of Hidden signed CellBits-bit
// integers), and produces h_t, which is also its output. At a sequence
// boundary (the start of every ReferenceSequence / FastSeq sequence) the
// state is reset to h = 0, c = 0.
//
// One step, for unit j in 0..Hidden-1, all in integers:
//
//	acc_r = sum_k W[r][k] * v_k         v = [x_t ; h_{t-1}], r = G*Hidden + j
//	i, f, g, o = Gate[G].Value(Gate[G].Level(j, acc_{G*Hidden+j}))  for G = i, f, g, o
//	c_t  = sat(rshr(f * c_{t-1}, FShift) + rshr(i * g, IGShift))
//	h_t  = HiddenAct.Value(HiddenAct.Level(j, o * CellAct.Value(CellAct.Level(j, c_t))))
//
// where rshr(p, s) = floor((p + 2^(s-1)) / 2^s) for s > 0 (round half up: an
// adder and an arithmetic right shift) and rshr(p, 0) = p, and sat clamps to
// the signed CellBits-bit range [-2^(CellBits-1), 2^(CellBits-1)-1]. Every
// activation (the four gates, the quantized tanh of the cell, the hidden
// state) is a per-unit threshold function like a Threshold layer's, of k >= 2
// bits, its value Base + level: a k-bit quantized sigmoid or tanh of an
// affine function of the integer is exactly such a function. The trainer
// chooses the fixed point: with gates of real value level/2^a and a cell of
// F fractional bits, FShift = a and IGShift = a_i + a_g - F.
type LSTM struct {
	Name       string
	In, Hidden int
	WeightBits int // 1 (bipolar) or 2..8 (two's complement)
	AccBits    int // declared signed width of every gate accumulator; checked with the weights
	// Weights holds 4*Hidden rows of In+Hidden values, row-major: row
	// G*Hidden+j is gate G's (GateI, GateF, GateG, GateO) row for unit j;
	// columns 0..In-1 multiply x_t and columns In..In+Hidden-1 multiply h_{t-1}.
	Weights []int8
	// Gates are the four gate activations (input, forget, cell candidate,
	// output), each with Hidden channels, on the gate accumulators.
	Gates    [4]*Threshold
	CellBits int // signed width of the cell state, 2..32
	FShift   int // right shift (rounded) of the product f*c, 0..16
	IGShift  int // right shift (rounded) of the product i*g, 0..24
	// CellAct is the quantized tanh of the cell state: Hidden channels of
	// thresholds on c_t.
	CellAct *Threshold
	// HiddenAct quantizes o * CellAct(c_t) into the hidden state: Hidden
	// channels of thresholds on the product. Its value range must contain 0
	// (the reset state).
	HiddenAct *Threshold
}

// The gates, in the order of LSTM.Gates and of the weight rows.
const (
	GateI = iota // input gate
	GateF        // forget gate
	GateG        // cell candidate
	GateO        // output gate
)

// gateFields are the file-format field names of the gates.
var gateFields = [4]string{"input_gate", "forget_gate", "cell_gate", "output_gate"}

// Cols is the length of a weight row, In+Hidden.
func (l *LSTM) Cols() int { return l.In + l.Hidden }

// Row returns weight row r (gate r/Hidden, unit r%Hidden).
func (l *LSTM) Row(r int) []int8 { return l.Weights[r*l.Cols() : (r+1)*l.Cols()] }

func (*LSTM) Op() string          { return "lstm" }
func (l *LSTM) LayerName() string { return l.Name }
func (*LSTM) layerNode()          {}

// RoundShift returns floor((p + 2^(s-1)) / 2^s) for s > 0 and p for s == 0:
// p divided by 2^s, rounded to nearest with halves rounded up.
func RoundShift(p int64, s int) int64 {
	if s == 0 {
		return p
	}
	return (p + 1<<(s-1)) >> s
}

// Saturate clamps x to the signed bits-bit range.
func Saturate(x int64, bits int) int64 {
	lo, hi := signedRange(bits)
	return min(max(x, lo), hi)
}

// Step computes one token: x is the input vector (In values), h and c the
// state (Hidden values each), updated in place to h_t and c_t. acc, if not
// nil, receives the 4*Hidden gate accumulators.
func (l *LSTM) Step(x, h, c []int64, acc []int64) {
	if acc == nil {
		acc = make([]int64, 4*l.Hidden)
	}
	for r := range acc {
		row := l.Row(r)
		var a int64
		for k, w := range row[:l.In] {
			a += int64(w) * x[k]
		}
		for k, w := range row[l.In:] {
			a += int64(w) * h[k]
		}
		acc[r] = a
	}
	for j := 0; j < l.Hidden; j++ {
		var gv [4]int64
		for g, t := range l.Gates {
			gv[g] = t.Value(t.Level(j, acc[g*l.Hidden+j]))
		}
		c[j] = l.CellUpdate(gv[GateI], gv[GateF], gv[GateG], c[j])
		h[j] = l.HiddenValue(j, gv[GateO], c[j])
	}
}

// CellUpdate returns the new cell value of a unit from its gate values
// i, f, g and its cell value c.
func (l *LSTM) CellUpdate(i, f, g, c int64) int64 {
	return Saturate(RoundShift(f*c, l.FShift)+RoundShift(i*g, l.IGShift), l.CellBits)
}

// HiddenValue returns unit j's hidden value from its output gate value o
// and its new cell value c.
func (l *LSTM) HiddenValue(j int, o, c int64) int64 {
	t := l.CellAct.Value(l.CellAct.Level(j, c))
	return l.HiddenAct.Value(l.HiddenAct.Level(j, o*t))
}

// reference is one step from the reset state.
func (l *LSTM) reference(x []int64, _ Value) []int64 {
	h, c := make([]int64, l.Hidden), make([]int64, l.Hidden)
	l.Step(x, h, c, nil)
	return h
}

func (l *LSTM) stateSize() int { return 2 * l.Hidden }

// step runs one token on state = [h ; c] and returns a copy of h.
func (l *LSTM) step(x []int64, state []int64) []int64 {
	h, c := state[:l.Hidden], state[l.Hidden:]
	l.Step(x, h, c, nil)
	return append([]int64(nil), h...)
}

// recurrent is a layer whose state is carried from token to token: the LSTM.
type recurrent interface {
	Layer
	// stateSize is the number of integers of the state; the reset state is
	// all zero.
	stateSize() int
	// step computes the layer's output for input x and updates state.
	step(x []int64, state []int64) []int64
}

func (l *LSTM) describe(s *LayerStats, in, _ Value) {
	s.Detail = fmt.Sprintf("in %d, hidden %d, w%d x a%d/a%d, acc %d bits, cell %d bits",
		l.In, l.Hidden, l.WeightBits, in.Bits, l.HiddenAct.Bits, l.AccBits, l.CellBits)
	s.ParamBits = int64(len(l.Weights)) * int64(l.WeightBits)
	for _, t := range l.Gates {
		s.ParamBits += int64(len(t.T)) * int64(l.AccBits)
	}
	s.ParamBits += int64(len(l.CellAct.T))*int64(l.CellBits) + int64(len(l.HiddenAct.T))*32
	s.MACs = int64(len(l.Weights))
	if l.WeightBits == 1 && in.Bipolar {
		s.BinaryMACs = int64(4 * l.Hidden * l.In)
	}
}

// compileFast is never called: NewFast refuses sequence models.
func (l *LSTM) compileFast(*fastCompiler) {}
