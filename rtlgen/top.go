package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// top returns the generated top module: one instance per plan stage,
// consecutive stages joined by one valid/ready bundle whose width is the
// plan's stream.
func top(p *hw.Plan, refs []stageRef, opt Options) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	in, out := p.Input, p.Output

	w("//\n")
	w("// Dataflow accelerator (docs/dataflow.md): %s.\n", pipelineSummary(refs))
	w("// Reset: rst_n, synchronous, active low; hold it low for at least 2 cycles.\n")
	if in.Tokens > 0 {
		topSequenceComment(&b, p)
	} else {
		topImageComment(&b, p)
	}
	w("// ROM init files are read with $readmemh from MemDir (default \"mem/\": simulate from the design directory).\n")
	if in.Tokens > 0 {
		w("// Cycles per token %d, latency %d cycles (token 0's input to its output handshake).\n", p.CyclesPerFrame, p.Latency)
	} else {
		w("// Cycles per frame %d, latency %d cycles.\n", p.CyclesPerFrame, p.Latency)
	}
	w("module %s #(\n", opt.top())
	w("  parameter MemDir = \"mem/\"\n")
	w(") (\n")
	topPorts(&b, in, out)
	w(");\n\n")

	bundles := make([]bundle, len(refs))
	for i, r := range refs {
		bundles[i] = r.gen.out(r.s, r.n)
	}
	sAxis := bundle{valid: "s_axis_tvalid", ready: "s_axis_tready", data: "s_axis_tdata", bits: in.TDataBits}
	refs[0].gen.instance(&b, refs[0].s, refs[0].n, &sAxis, bundles[0])
	for _, bd := range bundles[1 : len(bundles)-1] {
		rng := fmt.Sprintf("[%d:0]", bd.bits-1)
		w("  wire %*s %s;\n", len(rng), "", bd.valid)
		w("  wire %*s %s;\n", len(rng), "", bd.ready)
		w("  wire %s %s;\n", rng, bd.data)
	}
	w("\n")
	for i, r := range refs[1:] {
		r.gen.instance(&b, r.s, r.n, &bundles[i], bundles[i+1])
	}
	if bd := bundles[0]; bd.abort != "" && !bd.abortUsed {
		w("  // The first stage has no input buffer that could discard a malformed frame:\n")
		w("  // the framer only reports it (frame_err, frame_drops).\n")
		w("  wire unused_%s = %s;\n\n", bd.abort, bd.abort)
	}
	w("endmodule\n")
	return b.String()
}

// topImageComment describes an image design's streams.
func topImageComment(b *strings.Builder, p *hw.Plan) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	in, out := p.Input, p.Output
	w("// s_axis: %d pixels of 8 bits per beat (pixel j at [8*j +: 8]), %d beats per frame;\n", in.InPix, in.Beats)
	if in.Pad {
		w("//   s_axis_tlast on beat %d of every frame and only there; a packet with tlast elsewhere is padded\n", in.Beats-1)
		w("//   or cut to one frame whose result is suppressed (docs/dataflow.md \"Framing of conv-first\n")
		w("//   networks\"): frame_err (sticky) and frame_drops (saturating) report it.\n")
	} else {
		w("//   s_axis_tlast on beat %d of every frame and only there; a frame with tlast elsewhere is dropped\n", in.Beats-1)
		w("//   (docs/dataflow.md \"Framing\"): frame_err (sticky) and frame_drops (saturating) report it.\n")
	}
	w("// m_axis: one beat per frame: class in [15:0], score c (signed, %d bits) at [16 + c*%d +: %d];\n", out.SW, out.SW, out.SW)
	w("//   m_axis_tlast is always 1.\n")
}

// topSequenceComment describes a sequence design's streams
// (docs/lstm-hardware.md).
func topSequenceComment(b *strings.Builder, p *hw.Plan) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	in, out := p.Input, p.Output
	w("// Sequence model (docs/lstm-hardware.md), vocabulary V = %d.\n", in.Tokens)
	w("// s_axis: one token per beat, %d bits (unsigned, < %d); s_axis_tlast on a sequence's last token\n", in.TokenBits, in.Tokens)
	w("//   (the next token starts a new sequence from the reset state h = 0, c = 0).\n")
	switch {
	case out.Stream:
		w("// m_axis: every logit, %d beats per token: beat b holds the logits of classes b*%d .. b*%d+%d,\n", out.Beats, out.PE, out.PE, out.PE-1)
		w("//   logit b*%d+p (signed, %d bits) at [p*%d +: %d] (0 past class %d); m_axis_tlast on a token's last beat.\n", out.PE, out.SW, out.SW, out.SW, out.Classes-1)
	case out.TopScore:
		w("// m_axis: one beat per token: class (the argmax of the %d logits, the predicted next token) in\n", out.Classes)
		w("//   [15:0], its logit (signed, %d bits) at [16 +: %d]; m_axis_tlast is always 1.\n", out.SW, out.SW)
	default:
		w("// m_axis: one beat per token: class (the argmax of the %d logits, the predicted next token) in\n", out.Classes)
		w("//   [15:0], logit c (signed, %d bits) at [16 + c*%d +: %d]; m_axis_tlast is always 1.\n", out.SW, out.SW, out.SW)
	}
	w("// frame_err: sticky, a token >= %d was seen (it was read as token 0 and its result computed);\n", in.Tokens)
	w("//   frame_drops: how many such tokens (saturating at %d).\n", uint64(1)<<in.DropBits-1)
}

// pipelineSummary names the stages in order, a run of MVTUs as "N
// MVTU(s)" and a run of another kind as "N kind".
func pipelineSummary(refs []stageRef) string {
	var parts []string
	for i := 0; i < len(refs); {
		j := i
		for j < len(refs) && refs[j].s.Kind == refs[i].s.Kind {
			j++
		}
		switch k := refs[i].s.Kind; {
		case k == hw.StageInput:
			parts = append(parts, "binarize")
		case k == hw.StageOutput:
			parts = append(parts, "argmax")
		case k == hw.StageMVTU:
			parts = append(parts, fmt.Sprintf("%d MVTU(s)", j-i))
		case j-i == 1:
			parts = append(parts, string(k))
		default:
			parts = append(parts, fmt.Sprintf("%d %s", j-i, k))
		}
		i = j
	}
	return strings.Join(parts, " -> ")
}

// topPorts writes the top's port list, aligned.
func topPorts(b *strings.Builder, in hw.InputStage, out hw.OutputStage) {
	ports := [][2]string{
		{"input  wire", "clk"},
		{"input  wire", "rst_n"},
		{fmt.Sprintf("input  wire [%d:0]", in.TDataBits-1), "s_axis_tdata"},
		{"input  wire", "s_axis_tvalid"},
		{"output wire", "s_axis_tready"},
		{"input  wire", "s_axis_tlast"},
		{fmt.Sprintf("output wire [%d:0]", out.TDataBits-1), "m_axis_tdata"},
		{"output wire", "m_axis_tvalid"},
		{"input  wire", "m_axis_tready"},
		{"output wire", "m_axis_tlast"},
		{"output wire", "frame_err"},
		{fmt.Sprintf("output wire [%d:0]", in.DropBits-1), "frame_drops"},
	}
	wid := 0
	for _, pt := range ports {
		wid = max(wid, len(pt[0]))
	}
	for i, pt := range ports {
		sep := ","
		if i == len(ports)-1 {
			sep = ""
		}
		fmt.Fprintf(b, "  %-*s %s%s\n", wid, pt[0], pt[1], sep)
	}
}

func itoa(v int) string { return fmt.Sprint(v) }

// comment makes a netlist name safe inside a // comment.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// params writes aligned named parameter assignments.
func params(b *strings.Builder, kv [][2]string) { named(b, kv) }

// conns writes aligned named port connections.
func conns(b *strings.Builder, kv [][2]string) { named(b, kv) }

func named(b *strings.Builder, kv [][2]string) {
	wid := 0
	for _, e := range kv {
		wid = max(wid, len(e[0]))
	}
	for i, e := range kv {
		sep := ","
		if i == len(kv)-1 {
			sep = ""
		}
		fmt.Fprintf(b, "    .%-*s (%s)%s\n", wid, e[0], e[1], sep)
	}
}

// romStyle is qnn_rom's Style parameter for a memory style: 1 block RAM,
// 2 LUT logic, 0 the tool's choice.
func romStyle(s hw.MemStyle) string {
	switch s {
	case hw.MemBlock:
		return "1"
	case hw.MemLUT:
		return "2"
	}
	return "0"
}
