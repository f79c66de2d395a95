package netlist

import "fmt"

// Embedding is the first layer of a sequence model (a language model): it
// maps a token, an integer in 0..Vocab-1, to a vector of Dim quantized
// values, row Token of its table. Its output is an activation vector, as a
// Threshold layer's: bipolar for Bits == 1 (level 0 -> -1, level 1 -> +1),
// else Base + level with level in 0..2^Bits-1. A network whose layer 0 is an
// Embedding is evaluated one token at a time (ReferenceSequence,
// FastSeq), not one image at a time.
type Embedding struct {
	Name       string
	Vocab, Dim int
	Bits       int // 1..8
	Base       int // value of level 0 for Bits >= 2; must be 0 for Bits == 1
	// Levels holds Vocab rows of Dim levels, row-major: Levels[t*Dim+j] is
	// element j of token t's vector, in 0..2^Bits-1.
	Levels []uint8
}

// Value maps a level to the integer the next layer sees.
func (l *Embedding) Value(level uint8) int64 {
	if l.Bits == 1 {
		return 2*int64(level) - 1
	}
	return int64(l.Base) + int64(level)
}

// Row returns token t's levels.
func (l *Embedding) Row(t int) []uint8 { return l.Levels[t*l.Dim : (t+1)*l.Dim] }

func (*Embedding) Op() string          { return "embedding" }
func (l *Embedding) LayerName() string { return l.Name }
func (*Embedding) layerNode()          {}

// MaxVocab bounds an embedding's vocabulary.
const MaxVocab = 1 << 20

func (l *Embedding) check(v *validator) Value {
	out := Value{Shape: Shape{C: max(l.Dim, 0), H: 1, W: 1}, Kind: Activations, Bits: l.Bits}
	if v.prev != nil {
		v.addf("op", "an embedding layer must be layer 0")
	}
	if l.Vocab <= 0 || l.Vocab > MaxVocab {
		v.addf("vocab", "vocabulary size must be in 1..%d, got %d", MaxVocab, l.Vocab)
		return out
	}
	if l.Dim <= 0 || l.Dim > 1<<16 {
		v.addf("dim", "dimension must be in 1..65536, got %d", l.Dim)
		return out
	}
	if l.Bits < 1 || l.Bits > MaxActBits {
		v.addf("bits", "unsupported entry width %d (want 1..%d)", l.Bits, MaxActBits)
		return out
	}
	if l.Bits == 1 {
		if l.Base != 0 {
			v.addf("base", "1-bit entries are bipolar (-1/+1) and take no base, got %d", l.Base)
		}
		out.Bipolar, out.Min, out.Max = true, -1, 1
	} else {
		if l.Base < -256 || l.Base > 256 {
			v.addf("base", "base %d is outside -256..256", l.Base)
		}
		out.Min, out.Max = int64(l.Base), int64(l.Base)+int64(1)<<l.Bits-1
	}
	if len(l.Levels) != l.Vocab*l.Dim {
		v.addf("table", "have %d entries, want vocab*dim = %d*%d = %d", len(l.Levels), l.Vocab, l.Dim, l.Vocab*l.Dim)
		return out
	}
	for i, x := range l.Levels {
		if int(x) >= 1<<l.Bits {
			v.addf("table", "token %d element %d: level %d is not a %d-bit level", i/l.Dim, i%l.Dim, x, l.Bits)
			break
		}
	}
	return out
}

// reference maps the token in x[0] to its vector.
func (l *Embedding) reference(x []int64, _ Value) []int64 {
	y := make([]int64, l.Dim)
	for j, lv := range l.Row(int(x[0])) {
		y[j] = l.Value(lv)
	}
	return y
}

func (l *Embedding) describe(s *LayerStats, _, _ Value) {
	s.Detail = fmt.Sprintf("vocab %d, %d-bit entries", l.Vocab, l.Bits)
	if l.Bits > 1 {
		s.Detail += ", base " + itoa(l.Base)
	}
	s.ParamBits = int64(len(l.Levels)) * int64(l.Bits)
}

// compileFast is never called: NewFast refuses sequence models, which
// NewFastSeq compiles.
func (l *Embedding) compileFast(*fastCompiler) {}
