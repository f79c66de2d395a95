package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// mvtuGen is the MVTU stage (qnn_mvtu): one dense layer, or one conv
// layer run once per output pixel of its window generator.
type mvtuGen struct{}

func (mvtuGen) libs() []string { return nil } // qnn_mvtu is in every design

func (mvtuGen) check(s hw.Stage) error {
	l := s.MVTU
	return checkPorts(s, l.InWidth*l.XBits, l.PE*l.OutBits)
}

func (mvtuGen) out(s hw.Stage, n int) bundle {
	return streamBundle(fmt.Sprintf("layer%d", n), s.Out.DataBits())
}

func (mvtuGen) instance(b *strings.Builder, s hw.Stage, n int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	l := s.MVTU
	w("  // MVTU %d: netlist layers %s + %s, %s kind, %s mode;\n", n, comment(l.Name), comment(l.ActName), l.Kind, l.Mode)
	if s.Out.Pixels > 1 {
		w("  // %d x %d matrix, PE %d x SIMD %d, NF %d x SF %d = %d cycles per pixel, %d pixels per frame.\n",
			l.MH, l.MW, l.PE, l.SIMD, l.NF, l.SF, l.Cycles, s.Out.Pixels)
	} else {
		w("  // %d x %d matrix, PE %d x SIMD %d, NF %d x SF %d = %d cycles per frame.\n", l.MH, l.MW, l.PE, l.SIMD, l.NF, l.SF, l.Cycles)
	}
	w("  // Kind: 0 xnor, 1 w1, 2 x1, 3 mul; Mode: 0 threshold, 1 score.\n")
	w("  qnn_mvtu #(\n")
	abort := "1'b0"
	ps := mvtuParams(l, n)
	if in.abort != "" { // fed by qnn_framer
		ps = append(ps, [2]string{"Framed", "1"})
		abort, in.abortUsed = in.abort, true
	}
	params(b, ps)
	w("  ) %s (\n", kindInstance(hw.StageMVTU, n))
	cs := streamConns(in, out)
	cs = append(cs[:5], append([][2]string{{"in_abort_i", abort}}, cs[5:]...)...)
	conns(b, cs)
	w("  );\n\n")
}

// mvtuParams are qnn_mvtu's parameters for layer l, MVTU n of the plan.
func mvtuParams(l *hw.Layer, n int) [][2]string {
	mode, numThr, thrWidth, scoreMul := 0, 1, 2, 1
	if l.Mode == hw.ModeScore {
		mode, scoreMul = 1, int(l.ScoreMul)
	} else {
		numThr, thrWidth = l.NumThr, l.ThrWidth
	}
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
		{"WeightFile", fmt.Sprintf("{MemDir, %q}", weightFile(n))},
		{"ActFile", fmt.Sprintf("{MemDir, %q}", actFile(n, l))},
	}...)
	if l.WeightMem.Style != hw.MemAuto {
		ps = append(ps, [2]string{"WeightStyle", romStyle(l.WeightMem.Style)})
	}
	if l.ThrMem.Style != hw.MemAuto {
		ps = append(ps, [2]string{"ActStyle", romStyle(l.ThrMem.Style)})
	}
	if l.InBufStyle != hw.MemAuto {
		ps = append(ps, [2]string{"InBufStyle", romStyle(l.InBufStyle)})
	}
	return ps
}

func (mvtuGen) diagram(b *strings.Builder, s hw.Stage, n int) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	l := s.MVTU
	per := "frame"
	if s.Out.Pixels > 1 {
		per = "pixel"
	}
	w("  -> u_mvtu%d (qnn_mvtu) %s: %d -> %d, %s, PE %d x SIMD %d, NF %d x SF %d = %d cycles/%s\n",
		n, comment(l.Name), l.MW, l.MH, l.Kind, l.PE, l.SIMD, l.NF, l.SF, l.Cycles, per)
	w("       ROMs %s%s (%d x %d%s), %s%s (%d x %d%s)\n", MemDir+"/", weightFile(n), l.WeightMem.Depth, l.WeightMem.Width, styleNote(l.WeightMem),
		MemDir+"/", actFile(n, l), l.ThrMem.Depth, l.ThrMem.Width, styleNote(l.ThrMem))
	if s.Out.Pixels > 1 {
		w("       out: %d x %d bits per beat, %d beats per pixel, %d pixels per frame (%s)\n", l.PE, l.OutBits, l.NF, s.Out.Pixels, l.Mode)
		return
	}
	w("       out: %d x %d bits per beat, %d beats per frame (%s)\n", l.PE, l.OutBits, l.NF, l.Mode)
}

func (mvtuGen) instances(_ hw.Stage, n int) []string { return []string{kindInstance(hw.StageMVTU, n)} }
