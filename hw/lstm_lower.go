package hw

import (
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
)

// The front of a sequence model (docs/lstm-hardware.md): what the plan
// builds of the embedding and lstm layers and what it refuses, the token
// input stage, and the lstm stage's folding (explicit and automatic).

// lstmSpec is what NewPlan reads from a sequence model for its lstm stage.
type lstmSpec struct {
	layerIdx int        // netlist index of the lstm layer
	base     *LSTMStage // its fold-independent parameters
}

// lstmSpecOf checks a sequence model's embedding and lstm layer against
// what the lstm stage builds (docs/lstm-hardware.md: one lstm layer,
// weights of 2..8 bits, the four gates of one width, the embedding encoded
// as the hidden state) and derives the stage's parameters; nil for an
// image model. lower has refused every other layer order.
func lstmSpecOf(n *netlist.Network) (*lstmSpec, error) {
	e := n.EmbeddingLayer()
	if e == nil {
		return nil, nil
	}
	l := n.Layers[1].(*netlist.LSTM)
	h := l.HiddenAct
	if l.WeightBits == 1 {
		return nil, fmt.Errorf("hw: layer 1 %q: weight_bits: 1-bit (bipolar) weights are not supported yet (the lstm stage takes 2..8-bit weights)", l.Name)
	}
	for g, t := range l.Gates[1:] {
		if t.Bits != l.Gates[0].Bits {
			return nil, fmt.Errorf("hw: layer 1 %q: %s.bits: %d-bit levels unlike the input gate's %d: gates of different widths are not supported yet",
				l.Name, gateFields[g+1], t.Bits, l.Gates[0].Bits)
		}
	}
	if e.Bits != h.Bits || e.Base != h.Base {
		field := "bits"
		if e.Bits == h.Bits {
			field = "base"
		}
		return nil, fmt.Errorf("hw: layer 0 %q: %s: %s entries unlike the hidden state of layer 1 %q (%s): an embedding encoded unlike the hidden state is not supported yet",
			e.Name, field, encoding(e.Bits, e.Base), l.Name, encoding(h.Bits, h.Base))
	}
	return &lstmSpec{layerIdx: 1, base: newLSTMStage(e, l)}, nil
}

// gateFields are the netlist field names of an lstm layer's gates.
var gateFields = [4]string{"input_gate", "forget_gate", "cell_gate", "output_gate"}

// encoding describes an activation encoding: "1-bit bipolar" or "2-bit
// levels with base -1".
func encoding(bits, base int) string {
	if bits == 1 {
		return "1-bit bipolar"
	}
	return fmt.Sprintf("%d-bit levels with base %d", bits, base)
}

// tokenInput is a sequence model's input stage: one token per beat,
// TokenBits = 8*ceil(clog2(V)/8) bits wide, tokens >= V counted in
// DropBits bits.
func tokenInput(e *netlist.Embedding, inPix int) (InputStage, error) {
	if inPix != 0 {
		return InputStage{}, fmt.Errorf("hw: layer 0 %q: InPix %d: a sequence model reads one token per beat (InPix is for images)", e.Name, inPix)
	}
	bits := 8 * ceilDiv(clog2(e.Vocab), 8)
	return InputStage{Name: e.Name, Tokens: e.Vocab, TokenBits: bits, Beats: 1, TDataBits: bits, DropBits: DropBits}, nil
}

// addLSTM appends the lstm stage s reading the token stream in; its output
// is NF beats of U levels per token.
func (p *Plan) addLSTM(s *LSTMStage, in Stream) Stream {
	out := newStream(s.U, s.Bits, s.H, 1)
	p.Stages = append(p.Stages, Stage{Kind: StageLSTM, Name: s.Name, In: in, Out: out, LSTM: s,
		Latency: LSTMPipeline + s.PipeDepth, Cycles: s.Cycles})
	return out
}

// LSTM returns the plan's lstm stage, nil for an image model.
func (p *Plan) LSTM() *LSTMStage {
	for _, s := range p.Stages {
		if s.Kind == StageLSTM {
			return s.LSTM
		}
	}
	return nil
}

// check checks an explicit lstm folding: PE a multiple of 4 in
// 4..4*nextPow2(H), SIMD in 1..nextPow2(max(D, H)); under noPad SIMD
// divides D and H and U = PE/4 divides H.
func (ls *lstmSpec) check(f Fold, noPad bool) error {
	s, i := ls.base, ls.layerIdx
	peMax := 4 * nextPow2(s.H)
	simdMax := nextPow2(max(s.D, s.H))
	switch {
	case f.PE < 1 || f.PE > peMax:
		return fmt.Errorf("hw: layer %d %q: PE %d is outside 4..%d (4*H = %d rounded up to a power of two)", i, s.Name, f.PE, peMax, 4*s.H)
	case f.PE%4 != 0:
		return fmt.Errorf("hw: layer %d %q: PE: %d is not a multiple of 4 (the four gate rows of a unit in one beat): not supported yet", i, s.Name, f.PE)
	case f.SIMD < 1 || f.SIMD > simdMax:
		return fmt.Errorf("hw: layer %d %q: SIMD %d is outside 1..%d (max(D, H) = %d rounded up to a power of two)", i, s.Name, f.SIMD, simdMax, max(s.D, s.H))
	case noPad && (s.D%f.SIMD != 0 || s.H%f.SIMD != 0):
		return fmt.Errorf("hw: layer %d %q: SIMD %d does not divide both D = %d and H = %d and padding is off (--no-pad)", i, s.Name, f.SIMD, s.D, s.H)
	case noPad && s.H%(f.PE/4) != 0:
		return fmt.Errorf("hw: layer %d %q: PE/4 = %d units do not divide H = %d and padding is off (--no-pad)", i, s.Name, f.PE/4, s.H)
	}
	return nil
}

// autoFold folds the lstm stage against target cycles per token, as
// AutoFold folds a dense layer: among U in 1..H (PE = 4U) and SIMD in
// 1..max(D, H) (divisors of H, and of D and H, under noPad) with
// NF*SF + LSTMPipeline <= target, the smallest PE*SIMD; ties go to fewer
// cycles, then less padding (NF*PE*SF*SIMD), then the larger SIMD. When no
// folding meets the target, the least cost. target <= 0 gives PE 4, SIMD 1.
func (ls *lstmSpec) autoFold(target int, noPad bool) Fold {
	s := ls.base
	if target <= 0 {
		return Fold{PE: 4, SIMD: 1}
	}
	units := divisors(s.H)
	best, bestKey := Fold{}, [5]int{}
	for simd := 1; simd <= max(s.D, s.H); simd++ {
		if noPad && (s.D%simd != 0 || s.H%simd != 0) {
			continue
		}
		sf := ceilDiv(s.D, simd) + ceilDiv(s.H, simd)
		nfMax := max(1, (target-LSTMPipeline-s.PipeDepth)/sf)
		u := ceilDiv(s.H, nfMax) // the fewest units with ceil(H/U) <= nfMax
		if noPad {
			for _, d := range units {
				if s.H/d <= nfMax || d == s.H {
					u = d
					break
				}
			}
		}
		f := Fold{PE: 4 * u, SIMD: simd}
		nf, c := ceilDiv(s.H, u), s.cost(f)
		key := [5]int{max(0, c-target), f.PE * simd, c, nf * f.PE * sf * simd, -simd}
		if best.PE == 0 || lessKey(key[:], bestKey[:]) {
			best, bestKey = f, key
		}
	}
	return best
}

// leastCost is the fewest cycles per token any folding gives (U = H,
// SIMD = max(D, H): SF = 2).
func (ls *lstmSpec) leastCost() int {
	s := ls.base
	return s.cost(Fold{PE: 4 * s.H, SIMD: max(s.D, s.H)})
}

// costs are the stage's cycles per token over its foldings.
func (ls *lstmSpec) costs(noPad bool) []int {
	s := ls.base
	var sfs []int
	seen := map[int]bool{}
	for simd := 1; simd <= max(s.D, s.H); simd++ {
		if noPad && (s.D%simd != 0 || s.H%simd != 0) {
			continue
		}
		if sf := ceilDiv(s.D, simd) + ceilDiv(s.H, simd); !seen[sf] {
			seen[sf] = true
			sfs = append(sfs, sf)
		}
	}
	var out []int
	for _, nf := range distinctCeil(s.H, noPad) {
		for _, sf := range sfs {
			out = append(out, nf*sf+LSTMPipeline+s.PipeDepth)
		}
	}
	return out
}

func lessKey(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
