package netlist

import "fmt"

// IsSequence reports whether n is a sequence model: layer 0 is an
// Embedding, and the network is evaluated one token at a time
// (ReferenceSequence, FastSeq) rather than one image at a time.
func (n *Network) IsSequence() bool {
	if len(n.Layers) == 0 {
		return false
	}
	_, ok := n.Layers[0].(*Embedding)
	return ok
}

// EmbeddingLayer returns a sequence model's Embedding layer, or nil.
func (n *Network) EmbeddingLayer() *Embedding {
	if len(n.Layers) == 0 {
		return nil
	}
	e, _ := n.Layers[0].(*Embedding)
	return e
}

// Trace is what ReferenceSequence records for one sequence: Outs[t][i] is
// the output of n.Layers[i] at token t (the hidden state h_t for an LSTM,
// the scores for the output layer), and States[t][i] the state of layer i
// after token t ([h_t ; c_t] for an LSTM; nil for a layer without state).
type Trace struct {
	Outs   [][][]int64
	States [][][]int64
}

// Scores returns the output layer's scores at every token.
func (tr *Trace) Scores() [][]int64 {
	s := make([][]int64, len(tr.Outs))
	for t, o := range tr.Outs {
		s[t] = o[len(o)-1]
	}
	return s
}

// ReferenceSequence evaluates a sequence model on one sequence of tokens,
// starting from the reset state (every LSTM's h and c zero) and carrying the
// state from token to token, one multiply-accumulate at a time. It is the
// readable statement of what FastSeq computes. Tokens must be in
// 0..Vocab-1. The network must be valid.
func ReferenceSequence(n *Network, tokens []int) (*Trace, error) {
	if !n.IsSequence() {
		return nil, fmt.Errorf("netlist: network %q is not a sequence model (layer 0 is not an embedding)", n.Name)
	}
	vals, err := Values(n)
	if err != nil {
		return nil, err
	}
	if err := checkTokens(n.EmbeddingLayer(), tokens); err != nil {
		return nil, err
	}
	state := make([][]int64, len(n.Layers))
	for i, l := range n.Layers {
		if r, ok := l.(recurrent); ok {
			state[i] = make([]int64, r.stateSize())
		}
	}
	tr := &Trace{Outs: make([][][]int64, len(tokens)), States: make([][][]int64, len(tokens))}
	for t, tok := range tokens {
		outs, states := make([][]int64, len(n.Layers)), make([][]int64, len(n.Layers))
		x := []int64{int64(tok)}
		var inv Value
		for i, l := range n.Layers {
			if r, ok := l.(recurrent); ok {
				x = r.step(x, state[i])
				states[i] = append([]int64(nil), state[i]...)
			} else {
				x = l.reference(x, inv)
			}
			outs[i] = x
			inv = vals[i]
		}
		tr.Outs[t], tr.States[t] = outs, states
	}
	return tr, nil
}

// checkTokens checks that every token is in the embedding's vocabulary.
func checkTokens(e *Embedding, tokens []int) error { return checkVocab(e.Name, e.Vocab, tokens) }

// checkVocab checks that every token is in 0..vocab-1, naming the
// embedding layer and the first bad token's position.
func checkVocab(name string, vocab int, tokens []int) error {
	for t, tok := range tokens {
		if tok < 0 || tok >= vocab {
			return fmt.Errorf("netlist: embedding %q: token %d at position %d is outside the vocabulary 0..%d", name, tok, t, vocab-1)
		}
	}
	return nil
}
