package rtlgen

import (
	"fmt"
	"math"
	"strings"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// lstmGen is the recurrent stage of a sequence model (qnn_lstm,
// docs/lstm-hardware.md "LSTM stage"): the embedding ROM, the gate MVU over
// [x_t ; h_{t-1}], the cell and hidden units and the h banks, with the
// plan's widths and five ROM images (LSTMMems) in mem/.
type lstmGen struct{}

func (lstmGen) libs() []string { return []string{"qnn_lstm"} }

// check refuses the lstm stages qnn_lstm cannot build, and checks its
// ports: in, the token stream (one lane of TokenBits bits, carried with
// the last flag as a second lane); out, U levels per beat.
func (lstmGen) check(s hw.Stage) error {
	l := s.LSTM
	if s.In.Width != 1 || s.In.C != 1 {
		return fmt.Errorf("rtlgen: stage %s (lstm): input stream of %d x %d elements, want one token per beat", s.Name, s.In.Width, s.In.C)
	}
	if err := lstmSupported(l); err != nil {
		return err
	}
	return checkPorts(s, s.In.Bits, l.U*l.Bits)
}

// lstmSupported refuses, in one line naming the layer and the field, a
// stage whose numbers qnn_lstm cannot take: bases outside its 32-bit
// integer parameters, a pipelined accumulator, an embedding ROM past its
// 32-bit address arithmetic, or cell datapath widths (the plan's FCWidth,
// IGWidth, OTWidth) that do not hold the gate and tanh values the products
// read.
func lstmSupported(l *hw.LSTMStage) error {
	unsupported := func(format string, args ...any) error {
		return fmt.Errorf("rtlgen: layer %q (lstm): %s: %w", l.Name, fmt.Sprintf(format, args...), ErrUnsupported)
	}
	if l.PipeDepth != 0 {
		return unsupported("PipeDepth %d: qnn_lstm has no pipelined gate accumulators", l.PipeDepth)
	}
	if l.EmbMem.Depth > math.MaxInt32 {
		return unsupported("EmbMem.Depth %d words (V*SFx): more than qnn_lstm addresses", l.EmbMem.Depth)
	}
	bases := []struct {
		field string
		v     int64
	}{{"GateBase[i]", l.GateBase[netlist.GateI]}, {"GateBase[f]", l.GateBase[netlist.GateF]},
		{"GateBase[g]", l.GateBase[netlist.GateG]}, {"GateBase[o]", l.GateBase[netlist.GateO]}, {"CellActBase", l.CellActBase}}
	for _, b := range bases {
		if b.v < math.MinInt32 || b.v > math.MaxInt32 {
			return unsupported("%s %d does not fit qnn_lstm's 32-bit integer parameter", b.field, b.v)
		}
	}
	gate := func(g int) (int64, int64) { return l.GateBase[g], l.GateBase[g] + int64(1)<<l.GateBits - 1 }
	tlo, thi := l.CellActBase, l.CellActBase+int64(1)<<l.CellActBits-1
	cmin, cmax := -(int64(1) << (l.CellBits - 1)), int64(1)<<(l.CellBits-1)-1
	widths := []struct {
		field, what string
		width       int
		lo, hi      int64
		levelBits   int
	}{
		{"FCWidth", "the forget gate", l.FCWidth, 0, 0, l.GateBits},
		{"FCWidth", "the cell state", l.FCWidth, cmin, cmax, l.CellBits},
		{"IGWidth", "the input gate", l.IGWidth, 0, 0, l.GateBits},
		{"IGWidth", "the cell gate", l.IGWidth, 0, 0, l.GateBits},
		{"OTWidth", "the output gate", l.OTWidth, 0, 0, l.GateBits},
		{"OTWidth", "the cell's tanh", l.OTWidth, tlo, thi, l.CellActBits},
	}
	widths[0].lo, widths[0].hi = gate(netlist.GateF)
	widths[2].lo, widths[2].hi = gate(netlist.GateI)
	widths[3].lo, widths[3].hi = gate(netlist.GateG)
	widths[4].lo, widths[4].hi = gate(netlist.GateO)
	for _, c := range widths {
		if netlist.SignedBits(c.lo, c.hi) > c.width || c.width <= c.levelBits {
			return unsupported("%s %d: qnn_lstm forms %s (%d..%d, from a %d-bit field) in this width, which must hold it and be wider than the field",
				c.field, c.width, c.what, c.lo, c.hi, c.levelBits)
		}
	}
	return nil
}

func (lstmGen) out(s hw.Stage, n int) bundle {
	return streamBundle(fmt.Sprintf("lstm%d", n), s.Out.DataBits())
}

// lstmParams are qnn_lstm's parameters for stage l reading tokens of
// tokBits bits, in the module's order, without the ROM files.
func lstmParams(l *hw.LSTMStage, tokBits int) [][2]string {
	i64 := func(v int64) string { return fmt.Sprint(v) }
	return [][2]string{
		{"Vocab", itoa(l.V)},
		{"TokBits", itoa(tokBits)},
		{"H", itoa(l.H)},
		{"XBits", itoa(l.Bits)},
		{"L0", itoa(l.L0)},
		{"WBits", itoa(l.WBits)},
		{"Pe", itoa(l.PE)},
		{"Simd", itoa(l.SIMD)},
		{"Nf", itoa(l.NF)},
		{"SfX", itoa(l.SFx)},
		{"SfH", itoa(l.SFh)},
		{"AccWidth", itoa(l.AccWidth)},
		{"GateBits", itoa(l.GateBits)},
		{"GateThrWidth", itoa(l.GateThrWidth)},
		{"BaseI", i64(l.GateBase[netlist.GateI])},
		{"BaseF", i64(l.GateBase[netlist.GateF])},
		{"BaseG", i64(l.GateBase[netlist.GateG])},
		{"BaseO", i64(l.GateBase[netlist.GateO])},
		{"CellBits", itoa(l.CellBits)},
		{"FShift", itoa(l.FShift)},
		{"IGShift", itoa(l.IGShift)},
		{"CellActBits", itoa(l.CellActBits)},
		{"CellThrWidth", itoa(l.CellThrWidth)},
		{"BaseT", i64(l.CellActBase)},
		{"HidThrWidth", itoa(l.HidThrWidth)},
		{"FcWidth", itoa(l.FCWidth)},
		{"IgWidth", itoa(l.IGWidth)},
		{"CellSumWidth", itoa(l.CellSumWidth)},
		{"OtWidth", itoa(l.OTWidth)},
	}
}

// lstmMemNames are the init files of lstm stage n's ROMs in mem/, by
// qnn_lstm parameter (the keys of LSTMMems), in the module's order.
func lstmMemNames(n int) [][2]string {
	return [][2]string{
		{"EmbFile", fmt.Sprintf("lstm%d_embedding.mem", n)},
		{"WeightFile", fmt.Sprintf("lstm%d_weights.mem", n)},
		{"GateThrFile", fmt.Sprintf("lstm%d_gate_thresholds.mem", n)},
		{"CellThrFile", fmt.Sprintf("lstm%d_cell_thresholds.mem", n)},
		{"HidThrFile", fmt.Sprintf("lstm%d_hidden_thresholds.mem", n)},
	}
}

// mems are the ROM images of lstm stage n, keyed by their mem/ file names.
func (lstmGen) mems(s hw.Stage, n int) map[string][]byte {
	imgs := LSTMMems(s.LSTM)
	out := map[string][]byte{}
	for _, f := range lstmMemNames(n) {
		out[f[1]] = imgs[f[0]]
	}
	return out
}

func (lstmGen) instance(b *strings.Builder, s hw.Stage, n int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	l := s.LSTM
	w("  // LSTM %d: netlist layers %s + %s; V %d, D %d, H %d, %d-bit x and h (level %d is 0), %d-bit weights;\n",
		n, comment(l.Embedding), comment(l.Name), l.V, l.D, l.H, l.Bits, l.L0, l.WBits)
	w("  // PE %d (U = %d units) x SIMD %d, NF %d x SF %d (SFx %d + SFh %d) + %d = %d cycles per token.\n",
		l.PE, l.U, l.SIMD, l.NF, l.SF, l.SFx, l.SFh, hw.LSTMPipeline+l.PipeDepth, l.Cycles)
	w("  // Cell: %d bits, c = sat(rshr(f*c, %d) + rshr(i*g, %d)); f*c %d, i*g %d, sum %d, o*t %d bits.\n",
		l.CellBits, l.FShift, l.IGShift, l.FCWidth, l.IGWidth, l.CellSumWidth, l.OTWidth)
	w("  qnn_lstm #(\n")
	ps := lstmParams(l, s.In.Bits)
	for _, f := range lstmMemNames(n) {
		ps = append(ps, [2]string{f[0], fmt.Sprintf("{MemDir, %q}", f[1])})
	}
	for _, st := range []struct {
		name string
		m    hw.Mem
	}{{"EmbStyle", l.EmbMem}, {"WeightStyle", l.WeightMem}, {"GateThrStyle", l.GateThrMem}, {"CellThrStyle", l.CellThrMem}, {"HidThrStyle", l.HidThrMem}} {
		if st.m.Style != hw.MemAuto {
			ps = append(ps, [2]string{st.name, romStyle(st.m.Style)})
		}
	}
	params(b, ps)
	w("  ) %s (\n", kindInstance(hw.StageLSTM, n))
	conns(b, streamConns(in, out))
	w("  );\n\n")
}

func (lstmGen) diagram(b *strings.Builder, s hw.Stage, n int) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	l := s.LSTM
	w("  -> u_lstm%d (qnn_lstm) %s: embedding %d x %d, %d hidden units, PE %d x SIMD %d, NF %d x SF %d + %d = %d cycles/token\n",
		n, comment(l.Name), l.V, l.D, l.H, l.PE, l.SIMD, l.NF, l.SF, hw.LSTMPipeline+l.PipeDepth, l.Cycles)
	names := lstmMemNames(n)
	for i, m := range []hw.Mem{l.EmbMem, l.WeightMem, l.GateThrMem, l.CellThrMem, l.HidThrMem} {
		sep := ","
		if i == 0 {
			w("       ROMs")
		}
		if i == 4 {
			sep = ""
		}
		w(" %s%s (%d x %d%s)%s", MemDir+"/", names[i][1], m.Depth, m.Width, styleNote(m), sep)
		if i == 1 || i == 4 {
			w("\n")
			if i == 1 {
				w("           ")
			}
		}
	}
	w("       cell RAM %d x %d bits; h banks 2 x %d words of %d levels\n", l.CellMem.Depth, l.CellMem.Width, l.SFh, l.SIMD)
	w("       out: %d x %d bits per beat, %d beats per token (h_t)\n", l.U, l.Bits, l.NF)
}

func (lstmGen) instances(_ hw.Stage, n int) []string { return []string{kindInstance(hw.StageLSTM, n)} }
