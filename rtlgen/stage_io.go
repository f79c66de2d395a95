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

func (inputGen) out(s hw.Stage, _ int) bundle {
	return bundle{valid: "s_axis_tvalid", ready: "s_axis_tready", data: "in_elems", bits: s.Out.DataBits(), abort: "in_abort"}
}

func (inputGen) instance(b *strings.Builder, s hw.Stage, _ int, _ *bundle, out bundle) {
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
	w("  // Input stage: %d-bit input elements.\n", in.Bits)
	w("  wire [%d:0] %s;\n\n", out.bits-1, out.data)
	w("  qnn_binarize #(\n")
	params(b, [][2]string{
		{"InPix", itoa(in.InPix)},
		{"Bits", itoa(in.Bits)},
		{"Threshold", itoa(in.Threshold)},
	})
	w("  ) u_binarize (\n")
	conns(b, [][2]string{{"pix_i", "s_axis_tdata"}, {"elem_o", out.data}})
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
	w("  // Output stage: argmax over %d classes, %d beats of %d scores per frame.\n", o.Classes, o.Beats, o.PE)
	w("  qnn_argmax #(\n")
	params(b, [][2]string{
		{"Classes", itoa(o.Classes)},
		{"Pe", itoa(o.PE)},
		{"Beats", itoa(o.Beats)},
		{"ScoreBits", itoa(o.ScoreBits)},
		{"Sw", itoa(o.SW)},
	})
	w("  ) u_argmax (\n")
	conns(b, streamConns(in, out))
	w("  );\n\n")
	w("  assign m_axis_tlast = 1'b1;\n\n")
}

func (outputGen) diagram(b *strings.Builder, s hw.Stage, _ int) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	o := s.Output
	w("  -> u_argmax (qnn_argmax): %d classes, %d beats of %d scores per frame\n", o.Classes, o.Beats, o.PE)
	w("m_axis  %d bits: class [15:0], score c at [16 + c*%d +: %d], 1 beat per frame\n", o.TDataBits, o.SW, o.SW)
}

func (inputGen) instances(int) []string { return []string{"u_framer", "u_binarize"} }

func (outputGen) instances(int) []string { return []string{"u_argmax"} }
