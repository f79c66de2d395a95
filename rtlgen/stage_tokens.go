package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// tokensGen is a sequence model's input stage (qnn_tokens,
// docs/lstm-hardware.md "Token input stage"): s_axis carries one token per
// beat and tlast on a sequence's last token; the stage hands the token and
// the last flag on as two lanes and drives the top's frame_err and
// frame_drops (a token >= V was seen, and how many).
type tokensGen struct{}

func (tokensGen) libs() []string { return []string{"qnn_tokens"} }

// maxTokenBits is qnn_tokens' widest token.
const maxTokenBits = 30

func (tokensGen) check(s hw.Stage) error {
	in := s.Input
	switch {
	case in.TokenBits < 1:
		return fmt.Errorf("rtlgen: layer 0 %q: vocab: a vocabulary of %d token has a 0-bit token, which s_axis cannot carry: %w", in.Name, in.Tokens, ErrUnsupported)
	case in.TokenBits > maxTokenBits || in.Tokens > 1<<in.TokenBits:
		return fmt.Errorf("rtlgen: layer 0 %q: TokenBits %d for a vocabulary of %d: qnn_tokens takes tokens of 1..%d bits covering the vocabulary", in.Name, in.TokenBits, in.Tokens, maxTokenBits)
	case in.TDataBits != in.TokenBits || in.Beats != 1:
		return fmt.Errorf("rtlgen: layer 0 %q: TDataBits %d and Beats %d, want TokenBits %d and 1 (one token per beat)", in.Name, in.TDataBits, in.Beats, in.TokenBits)
	case in.DropBits < 1:
		return fmt.Errorf("rtlgen: layer 0 %q: DropBits %d: frame_drops needs at least 1 bit", in.Name, in.DropBits)
	}
	return checkPorts(s, in.TokenBits, in.TokenBits)
}

// out is the token stream: the plan's one lane of TokenBits bits and a
// second lane carrying last in its bit 0 (qnn_lstm's in_data_i), so the
// wire is twice the plan's stream.
func (tokensGen) out(s hw.Stage, _ int) bundle {
	return streamBundle("tok", 2*s.Input.TokenBits)
}

func (tokensGen) instance(b *strings.Builder, s hw.Stage, _ int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	tin := s.Input
	w("  // Token input: one %d-bit token per beat, tlast on a sequence's last token;\n", tin.TokenBits)
	w("  // out: lane 0 the token (a token >= %d reads as 0), bit 0 of lane 1 last.\n", tin.Tokens)
	w("  // frame_err: a token >= %d was seen (sticky); frame_drops: how many (saturating).\n", tin.Tokens)
	rng := fmt.Sprintf("[%d:0]", out.bits-1)
	w("  wire %*s %s;\n", len(rng), "", out.valid)
	w("  wire %*s %s;\n", len(rng), "", out.ready)
	w("  wire %s %s;\n\n", rng, out.data)
	w("  qnn_tokens #(\n")
	params(b, [][2]string{{"TokBits", itoa(tin.TokenBits)}, {"Vocab", itoa(tin.Tokens)}, {"DropBits", itoa(tin.DropBits)}})
	w("  ) u_tokens (\n")
	conns(b, [][2]string{
		{"clk_i", "clk"},
		{"rst_ni", "rst_n"},
		{"in_valid_i", in.valid},
		{"in_ready_o", in.ready},
		{"in_data_i", in.data},
		{"in_last_i", "s_axis_tlast"},
		{"out_valid_o", out.valid},
		{"out_ready_i", out.ready},
		{"out_data_o", out.data},
		{"err_o", "frame_err"},
		{"drops_o", "frame_drops"},
	})
	w("  );\n\n")
}

func (tokensGen) diagram(b *strings.Builder, s hw.Stage, _ int) {
	in := s.Input
	fmt.Fprintf(b, "s_axis  %d bits: one token per beat (vocabulary %d), tlast on a sequence's last token\n", in.TDataBits, in.Tokens)
	fmt.Fprintf(b, "  -> u_tokens (qnn_tokens): a token >= %d reads as 0 and is counted (frame_err, frame_drops)\n", in.Tokens)
}

func (tokensGen) instances(hw.Stage, int) []string { return []string{"u_tokens"} }
