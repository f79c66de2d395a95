package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// inputGen is the input stage: the framer (qnn_framer) beside s_axis and
// the combinational binarizer (qnn_binarize), whose stream keeps
// s_axis_tvalid and s_axis_tready and carries the framer's abort.
type inputGen struct{}

func (inputGen) libs() []string { return nil }

func (inputGen) check(s hw.Stage) error {
	in := s.Input
	return checkPorts(s, in.TDataBits, in.InPix*in.Bits)
}

// padModules are the library modules of a Pad design's framing: the
// framer that makes every packet one frame and the output stage's
// bad-flag queue.
var padModules = []string{"qnn_frame_flags", "qnn_framer_pad"}

// Names of a Pad design's framing wires.
const (
	flagPush    = "frame_flag_push"
	flagBad     = "frame_flag_bad"
	resultValid = "result_valid"
	resultReady = "result_ready"
)

func (inputGen) out(s hw.Stage, _ int) bundle {
	if s.Input.Pad {
		return bundle{valid: "in_valid", ready: "in_ready", data: "in_data", bits: s.Out.DataBits()}
	}
	return bundle{valid: "s_axis_tvalid", ready: "s_axis_tready", data: "in_elems", bits: s.Out.DataBits(), abort: "in_abort"}
}

func (g inputGen) instance(b *strings.Builder, s hw.Stage, _ int, _ *bundle, out bundle) {
	if s.Input.Pad {
		g.padInstance(b, s, out)
		return
	}
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	in := s.Input
	w("  // Framing: tlast against the beat count; a malformed frame is dropped.\n")
	w("  wire %s;\n\n", out.abort)
	w("  qnn_framer #(\n")
	params(b, [][2]string{{"Beats", itoa(in.Beats)}, {"DropBits", itoa(in.DropBits)}})
	w("  ) u_framer (\n")
	conns(b, [][2]string{
		{"clk_i", "clk"},
		{"rst_ni", "rst_n"},
		{"valid_i", "s_axis_tvalid"},
		{"ready_i", "s_axis_tready"},
		{"last_i", "s_axis_tlast"},
		{"abort_o", out.abort},
		{"err_o", "frame_err"},
		{"drops_o", "frame_drops"},
	})
	w("  );\n\n")
	binarize(b, in, out.bits, out.data)
}

// binarize writes the input elements' wire and the binarizer driving it.
func binarize(b *strings.Builder, in *hw.InputStage, bits int, elems string) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("  // Input stage: %d-bit input elements.\n", in.Bits)
	w("  wire [%d:0] %s;\n\n", bits-1, elems)
	w("  qnn_binarize #(\n")
	params(b, [][2]string{
		{"InPix", itoa(in.InPix)},
		{"Bits", itoa(in.Bits)},
		{"Threshold", itoa(in.Threshold)},
	})
	w("  ) u_binarize (\n")
	conns(b, [][2]string{{"pix_i", "s_axis_tdata"}, {"elem_o", elems}})
	w("  );\n\n")
}

// padInstance is the input stage of a Pad design: the binarizer, then
// qnn_framer_pad between s_axis and the first stage, which pushes each
// frame's bad flag for the output stage.
func (inputGen) padInstance(b *strings.Builder, s hw.Stage, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	in := s.Input
	binarize(b, in, out.bits, "in_elems")
	w("  // Framing: every packet becomes one whole frame (an early tlast is padded\n")
	w("  // with filler beats, the beats after a late one are discarded); a\n")
	w("  // malformed frame is flagged bad and its result suppressed at the output.\n")
	w("  wire %s;\n  wire %s;\n  wire %s;\n  wire %s;\n", out.valid, out.ready, flagPush, flagBad)
	w("  wire [%d:0] %s;\n\n", out.bits-1, out.data)
	w("  qnn_framer_pad #(\n")
	params(b, [][2]string{{"Beats", itoa(in.Beats)}, {"DropBits", itoa(in.DropBits)}, {"Width", itoa(out.bits)}})
	w("  ) u_framer (\n")
	conns(b, [][2]string{
		{"clk_i", "clk"},
		{"rst_ni", "rst_n"},
		{"valid_i", "s_axis_tvalid"},
		{"ready_o", "s_axis_tready"},
		{"last_i", "s_axis_tlast"},
		{"data_i", "in_elems"},
		{"valid_o", out.valid},
		{"ready_i", out.ready},
		{"data_o", out.data},
		{"flag_push_o", flagPush},
		{"flag_bad_o", flagBad},
		{"err_o", "frame_err"},
		{"drops_o", "frame_drops"},
	})
	w("  );\n\n")
}

func (inputGen) diagram(b *strings.Builder, s hw.Stage, _ int) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	in := s.Input
	w("s_axis  %d bits: %d pixels x 8 bits per beat, %d beats per frame\n", in.TDataBits, in.InPix, in.Beats)
	if in.Bits == 1 {
		w("  -> u_binarize (qnn_binarize): pixel >= %d is 1 (+1), else 0 (-1): %d x 1 bit per beat\n", in.Threshold, in.InPix)
	} else {
		w("  -> u_binarize (qnn_binarize): 8-bit pixels passed through: %d x 8 bits per beat\n", in.InPix)
	}
}

// outputGen is the output stage (qnn_argmax) driving m_axis.
type outputGen struct{}

func (outputGen) libs() []string { return nil }

func (outputGen) check(s hw.Stage) error {
	out := s.Output
	return checkPorts(s, out.PE*out.ScoreBits, out.TDataBits)
}

func (outputGen) out(s hw.Stage, _ int) bundle {
	return bundle{valid: "m_axis_tvalid", ready: "m_axis_tready", data: "m_axis_tdata", bits: s.Out.DataBits()}
}

func (outputGen) instance(b *strings.Builder, s hw.Stage, _ int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	o := s.Output
	res := out
	if o.FlagDepth > 0 {
		res.valid, res.ready = resultValid, resultReady
		w("  // The argmax's result; a bad frame's is dropped instead of handed on.\n")
		w("  wire %s;\n  wire %s;\n\n", res.valid, res.ready)
	}
	if o.Stream {
		logitsInstance(b, s, in, out)
		return
	}
	w("  // Output stage: argmax over %d classes, %d beats of %d scores per frame.\n", o.Classes, o.Beats, o.PE)
	w("  qnn_argmax #(\n")
	kv := [][2]string{
		{"Classes", itoa(o.Classes)},
		{"Pe", itoa(o.PE)},
		{"Beats", itoa(o.Beats)},
		{"ScoreBits", itoa(o.ScoreBits)},
		{"Sw", itoa(o.SW)},
	}
	if o.TopScore {
		kv = append(kv, [2]string{"TopOnly", "1"})
	}
	params(b, kv)
	w("  ) u_argmax (\n")
	conns(b, streamConns(in, res))
	w("  );\n\n")
	if res.valid != out.valid {
		flagQueue(b, s, out)
	}
	w("  assign m_axis_tlast = 1'b1;\n\n")
}

// flagQueue writes the bad-flag queue of a Pad design and the output
// gating: a result whose frame is flagged bad is taken from the argmax's
// output register without an m_axis handshake.
func flagQueue(b *strings.Builder, s hw.Stage, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("  // Bad-flag queue: one flag per frame in flight, popped with its result.\n")
	w("  wire frame_bad;\n\n")
	w("  qnn_frame_flags #(\n")
	params(b, [][2]string{{"Depth", itoa(s.Output.FlagDepth)}})
	w("  ) u_frame_flags (\n")
	conns(b, [][2]string{
		{"clk_i", "clk"},
		{"rst_ni", "rst_n"},
		{"push_i", flagPush},
		{"bad_i", flagBad},
		{"pop_i", resultValid + " && " + resultReady},
		{"head_o", "frame_bad"},
	})
	w("  );\n\n")
	w("  assign %s = %s && !frame_bad;\n", out.valid, resultValid)
	w("  assign %s = %s || frame_bad;\n", resultReady, out.ready)
}

func (outputGen) diagram(b *strings.Builder, s hw.Stage, _ int) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	o := s.Output
	if o.Stream {
		w("  -> u_logits (qnn_logits): %d classes, %d beats of %d scores per token, passed on\n", o.Classes, o.Beats, o.PE)
		w("m_axis  %d bits: score of class b*%d + p at [p*%d +: %d] in beat b, %d beats per token, tlast on the last\n", o.TDataBits, o.PE, o.SW, o.SW, o.Beats)
		return
	}
	w("  -> u_argmax (qnn_argmax): %d classes, %d beats of %d scores per frame\n", o.Classes, o.Beats, o.PE)
	w("m_axis  %d bits: class [15:0], score c at [16 + c*%d +: %d], 1 beat per frame\n", o.TDataBits, o.SW, o.SW)
}

func (inputGen) instances(hw.Stage, int) []string { return []string{"u_framer", "u_binarize"} }

func (outputGen) instances(s hw.Stage, _ int) []string {
	if s.Output.Stream {
		return []string{"u_logits"}
	}
	if s.Output.FlagDepth > 0 {
		return []string{"u_argmax", "u_frame_flags"}
	}
	return []string{"u_argmax"}
}

// logitsInstance is the output stage of a design that streams every score
// (qnn_logits): m_axis_tlast on each token's last beat.
func logitsInstance(b *strings.Builder, s hw.Stage, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	o := s.Output
	w("  // Output stage: every score, %d beats of %d scores per token, m_axis_tlast on the last.\n", o.Beats, o.PE)
	w("  qnn_logits #(\n")
	params(b, [][2]string{
		{"Classes", itoa(o.Classes)},
		{"Pe", itoa(o.PE)},
		{"Beats", itoa(o.Beats)},
		{"ScoreBits", itoa(o.ScoreBits)},
		{"Sw", itoa(o.SW)},
	})
	w("  ) u_logits (\n")
	conns(b, append(streamConns(in, out), [2]string{"out_last_o", "m_axis_tlast"}))
	w("  );\n\n")
}
