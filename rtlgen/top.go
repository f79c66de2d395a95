package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// top returns the generated top module: the binarizer, one qnn_mvtu per
// layer and the argmax stage, wired by valid/ready streams.
func top(p *hw.Plan, opt Options) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	in, out := p.Input, p.Output
	last := len(p.Layers) - 1

	w("//\n")
	w("// Dataflow accelerator (docs/dataflow.md): binarize -> %d MVTU(s) -> argmax.\n", len(p.Layers))
	w("// Reset: rst_n, synchronous, active low; hold it low for at least 2 cycles.\n")
	w("// s_axis: %d pixels of 8 bits per beat (pixel j at [8*j +: 8]), %d beats per frame;\n", in.InPix, in.Beats)
	w("//   s_axis_tlast on beat %d of every frame and only there; a frame with tlast elsewhere is dropped\n", in.Beats-1)
	w("//   (docs/dataflow.md \"Framing\"): frame_err (sticky) and frame_drops (saturating) report it.\n")
	w("// m_axis: one beat per frame: class in [15:0], score c (signed, %d bits) at [16 + c*%d +: %d];\n", out.SW, out.SW, out.SW)
	w("//   m_axis_tlast is always 1.\n")
	w("// ROM init files are read with $readmemh from MemDir (default \"mem/\": simulate from the design directory).\n")
	w("// Cycles per frame %d, latency %d cycles.\n", p.CyclesPerFrame, p.Latency)
	w("module %s #(\n", opt.top())
	w("  parameter MemDir = \"mem/\"\n")
	w(") (\n")
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
		w("  %-*s %s%s\n", wid, pt[0], pt[1], sep)
	}
	w(");\n\n")

	w("  // Framing: tlast against the beat count; a malformed frame is dropped.\n")
	w("  wire in_abort;\n\n")
	w("  qnn_framer #(\n")
	params(&b, [][2]string{{"Beats", itoa(in.Beats)}, {"DropBits", itoa(in.DropBits)}})
	w("  ) u_framer (\n")
	conns(&b, [][2]string{
		{"clk_i", "clk"},
		{"rst_ni", "rst_n"},
		{"valid_i", "s_axis_tvalid"},
		{"ready_i", "s_axis_tready"},
		{"last_i", "s_axis_tlast"},
		{"abort_o", "in_abort"},
		{"err_o", "frame_err"},
		{"drops_o", "frame_drops"},
	})
	w("  );\n\n")

	// Streams between stages: stage i feeds MVTU i (stage 0 = binarizer).
	x0 := p.Layers[0].XBits * in.InPix
	w("  // Input stage: %d-bit input elements.\n", in.Bits)
	w("  wire [%d:0] in_elems;\n\n", x0-1)
	w("  qnn_binarize #(\n")
	params(&b, [][2]string{
		{"InPix", itoa(in.InPix)},
		{"Bits", itoa(in.Bits)},
		{"Threshold", itoa(in.Threshold)},
	})
	w("  ) u_binarize (\n")
	conns(&b, [][2]string{{"pix_i", "s_axis_tdata"}, {"elem_o", "in_elems"}})
	w("  );\n\n")

	for i, l := range p.Layers {
		rng := fmt.Sprintf("[%d:0]", l.PE*l.OutBits-1)
		w("  wire %*s layer%d_valid;\n", len(rng), "", i)
		w("  wire %*s layer%d_ready;\n", len(rng), "", i)
		w("  wire %s layer%d_data;\n", rng, i)
	}
	w("\n")
	for i, l := range p.Layers {
		inValid, inReady, inData, inAbort := "s_axis_tvalid", "s_axis_tready", "in_elems", "in_abort"
		if i > 0 {
			inValid, inReady, inData, inAbort = fmt.Sprintf("layer%d_valid", i-1), fmt.Sprintf("layer%d_ready", i-1), fmt.Sprintf("layer%d_data", i-1), "1'b0"
		}
		w("  // MVTU %d: netlist layers %s + %s, %s kind, %s mode;\n", i, comment(l.Name), comment(l.ActName), l.Kind, l.Mode)
		w("  // %d x %d matrix, PE %d x SIMD %d, NF %d x SF %d = %d cycles per frame.\n", l.MH, l.MW, l.PE, l.SIMD, l.NF, l.SF, l.Cycles)
		mode, numThr, thrWidth, scoreMul := 0, 1, 2, 1
		if l.Mode == hw.ModeScore {
			mode, scoreMul = 1, int(l.ScoreMul)
		} else {
			numThr, thrWidth = l.NumThr, l.ThrWidth
		}
		w("  // Kind: 0 xnor, 1 w1, 2 x1, 3 mul; Mode: 0 threshold, 1 score.\n")
		w("  qnn_mvtu #(\n")
		ps := [][2]string{
			{"Kind", itoa(kindCode(l.Kind))},
			{"Mode", itoa(mode)},
			{"Pe", itoa(l.PE)},
			{"Simd", itoa(l.SIMD)},
			{"Sf", itoa(l.SF)},
			{"Nf", itoa(l.NF)},
			{"Mw", itoa(l.MW)},
			{"InWidth", itoa(l.InWidth)},
			{"InBeats", itoa(l.InBeats)},
			{"WBits", itoa(l.WBits)},
			{"XBits", itoa(l.XBits)},
			{"PadX", itoa(l.PadX)},
			{"AccWidth", itoa(l.AccWidth)},
			{"NumThr", itoa(numThr)},
			{"ThrWidth", itoa(thrWidth)},
			{"OutBits", itoa(l.OutBits)},
			{"ScoreMul", itoa(scoreMul)},
		}
		if l.Tree { // the compressor tree (qnn_pe_tree)
			ps = append(ps, [2]string{"Tree", "1"}, [2]string{"PipeEvery", itoa(l.PipelineEvery)})
		}
		ps = append(ps, [][2]string{
			{"PipeDepth", itoa(l.PipeDepth)},
			{"WeightFile", fmt.Sprintf("{MemDir, %q}", weightFile(i))},
			{"ActFile", fmt.Sprintf("{MemDir, %q}", actFile(i, l))},
		}...)
		if l.WeightMem.Style != hw.MemAuto {
			ps = append(ps, [2]string{"WeightStyle", romStyle(l.WeightMem.Style)})
		}
		if l.ThrMem.Style != hw.MemAuto {
			ps = append(ps, [2]string{"ActStyle", romStyle(l.ThrMem.Style)})
		}
		if i == 0 { // fed by qnn_framer
			ps = append(ps, [2]string{"Framed", "1"})
		}
		params(&b, ps)
		w("  ) u_mvtu%d (\n", i)
		conns(&b, [][2]string{
			{"clk_i", "clk"},
			{"rst_ni", "rst_n"},
			{"in_valid_i", inValid},
			{"in_ready_o", inReady},
			{"in_data_i", inData},
			{"in_abort_i", inAbort},
			{"out_valid_o", fmt.Sprintf("layer%d_valid", i)},
			{"out_ready_i", fmt.Sprintf("layer%d_ready", i)},
			{"out_data_o", fmt.Sprintf("layer%d_data", i)},
		})
		w("  );\n\n")
	}

	w("  // Output stage: argmax over %d classes, %d beats of %d scores per frame.\n", out.Classes, out.Beats, out.PE)
	w("  qnn_argmax #(\n")
	params(&b, [][2]string{
		{"Classes", itoa(out.Classes)},
		{"Pe", itoa(out.PE)},
		{"Beats", itoa(out.Beats)},
		{"ScoreBits", itoa(out.ScoreBits)},
		{"Sw", itoa(out.SW)},
	})
	w("  ) u_argmax (\n")
	conns(&b, [][2]string{
		{"clk_i", "clk"},
		{"rst_ni", "rst_n"},
		{"in_valid_i", fmt.Sprintf("layer%d_valid", last)},
		{"in_ready_o", fmt.Sprintf("layer%d_ready", last)},
		{"in_data_i", fmt.Sprintf("layer%d_data", last)},
		{"out_valid_o", "m_axis_tvalid"},
		{"out_ready_i", "m_axis_tready"},
		{"out_data_o", "m_axis_tdata"},
	})
	w("  );\n\n")
	w("  assign m_axis_tlast = 1'b1;\n\n")
	w("endmodule\n")
	return b.String()
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
