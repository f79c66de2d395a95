package sim

import (
	"fmt"

	"github.com/qnn-dev/qnn/hw"
)

// tokenInput is a sequence model's input stage, qnn_tokens
// (docs/lstm-hardware.md "Token input stage"): s_axis passes straight to
// the lstm stage as {token, last}, a token >= V read as token 0; the
// registers err (frame_err, sticky) and drops (frame_drops, saturating)
// record the tokens >= V that handshook.
type tokenInput struct {
	vocab   uint64
	dropMax int64
	lanes   []uint64 // the lstm stage's input beat: token, last

	err   bool  // err_q
	drops int64 // drops_q
}

func newTokenInput(in hw.InputStage) *tokenInput {
	return &tokenInput{vocab: uint64(in.Tokens), dropMax: int64(1)<<in.DropBits - 1, lanes: make([]uint64, 2)}
}

// token is the s_axis beat's token (byte j at tdata[8*j +: 8]).
func token(beat []byte) uint64 {
	var v uint64
	for j := len(beat) - 1; j >= 0; j-- {
		v = v<<8 | uint64(beat[j])
	}
	return v
}

// convert is the beat the lstm stage sees for the s_axis beat.
func (t *tokenInput) convert(beat []byte, last bool) []uint64 {
	tok := token(beat)
	if tok >= t.vocab {
		tok = 0
	}
	t.lanes[0], t.lanes[1] = tok, uint64(b2i(last))
	return t.lanes
}

// commit is the clock edge of a cycle out of reset; hs says s_axis
// handshook with beat.
func (t *tokenInput) commit(hs bool, beat []byte) {
	if hs && token(beat) >= t.vocab {
		t.err = true
		t.drops = min(t.drops+1, t.dropMax)
	}
}

func (t *tokenInput) reset() { t.err, t.drops = false, 0 }

// SequenceBeats is the s_axis stream of token sequences for a sequence
// model's plan: one beat per token (TokenBits/8 bytes, little-endian),
// tlast on each sequence's last token. A token may be >= the vocabulary
// (the design reads it as token 0 and reports it) but must fit TokenBits;
// sequences are not empty.
func SequenceBeats(p *hw.Plan, seqs [][]int) ([]InputBeat, error) {
	in := p.Input
	if in.Tokens == 0 {
		return nil, fmt.Errorf("sim: plan of %q is not a sequence model's (its input is images)", in.Name)
	}
	nb := in.TDataBits / 8
	var out []InputBeat
	for s, seq := range seqs {
		if len(seq) == 0 {
			return nil, fmt.Errorf("sim: sequence %d is empty", s)
		}
		for i, tok := range seq {
			if tok < 0 || tok >= 1<<in.TokenBits {
				return nil, fmt.Errorf("sim: sequence %d, token %d: %d does not fit the %d-bit token input", s, i, tok, in.TokenBits)
			}
			b := make([]byte, nb)
			for j := range b {
				b[j] = byte(tok >> (8 * j))
			}
			out = append(out, InputBeat{Data: b, Last: i == len(seq)-1})
		}
	}
	return out, nil
}

// RunSequences simulates token sequences through a sequence model's design
// (RunStream of SequenceBeats): Result.Beats, Classes and Scores have one
// entry per token, the predicted next token and its score (every score
// with hw.Options.AllLogits), and each sequence starts from the reset
// state.
func RunSequences(p *hw.Plan, seqs [][]int, cfg Config) (*Result, error) {
	beats, err := SequenceBeats(p, seqs)
	if err != nil {
		return nil, err
	}
	return RunStream(p, beats, nil, cfg)
}
