package hw

import (
	"fmt"
	"strconv"
	"strings"
)

// Dump returns the plan as deterministic, readable text: the input
// stream, every MVTU with its folding, widths, memories and estimate, the
// output stream, throughput, latency and the total estimate.
func (p *Plan) Dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %q (plan version %d)\n", p.Name, p.Version)
	fmt.Fprintf(&b, "netlist sha256 %s\n", p.NetlistSHA256)
	in := p.Input
	if in.Tokens > 0 {
		p.dumpSequence(&b)
		return b.String()
	}
	px := "8-bit pixels"
	if in.Bits == 1 {
		px = fmt.Sprintf("1-bit pixels (pixel >= %d -> +1)", in.Threshold)
	}
	fmt.Fprintf(&b, "input %q: %v %s; %d pixels/beat, %d beats/frame, tdata %d bits\n",
		in.Name, in.Shape, px, in.InPix, in.Beats, in.TDataBits)
	if in.Pad {
		fmt.Fprintf(&b, "framing: tlast on beat %d of every frame; malformed packets padded or cut to a frame whose result is suppressed (bad-flag queue of %d), counted in %d bits\n",
			in.Beats-1, p.Output.FlagDepth, in.DropBits)
	} else {
		fmt.Fprintf(&b, "framing: tlast on beat %d of every frame; malformed frames dropped, counted in %d bits\n", in.Beats-1, in.DropBits)
	}
	for _, s := range p.Stages {
		switch s.Kind {
		case StageMVTU:
			s.MVTU.dump(&b)
			if s.In.Pixels > 1 {
				fmt.Fprintf(&b, "  pixels   %d vectors per frame: %d cycles\n", s.In.Pixels, s.Cycles)
			}
		case StageSWG, StagePool, StageDWC, StageFIFO:
			s.dump(&b)
		}
	}
	p.dumpOutput(&b)
	if !p.dense() {
		p.dumpSchedule(&b, "frame")
		return b.String()
	}
	slowest := 0
	for _, l := range p.Layers {
		slowest = max(slowest, l.Cycles)
	}
	fmt.Fprintf(&b, "cycles/frame %d (input %d beats, slowest MVTU %d cycles)\n", p.CyclesPerFrame, in.Beats, slowest)
	terms := []string{strconv.Itoa(in.Beats)}
	for _, l := range p.Layers {
		terms = append(terms, fmt.Sprintf("(%d+%d+%d)", l.Cycles, MVTUPipeline, l.PipeDepth))
	}
	fmt.Fprintf(&b, "latency %d cycles = %s\n", p.Latency, strings.Join(terms, " + "))
	fmt.Fprintf(&b, "estimate %s\n", p.Estimate)
	return b.String()
}

// dumpOutput writes the output stage.
func (p *Plan) dumpOutput(b *strings.Builder) {
	o := p.Output
	what := "scores"
	if o.TopScore {
		what = "scores, the winner's only out"
	}
	if o.Stream {
		fmt.Fprintf(b, "output %q: every one of %d %d-bit scores streamed in %d-bit fields, %d beats x %d scores per token (tlast on the last), tdata %d bits\n",
			o.Name, o.Classes, o.ScoreBits, o.SW, o.Beats, o.PE, o.TDataBits)
		return
	}
	fmt.Fprintf(b, "output %q: argmax of %d classes, %d-bit %s in %d-bit fields; %d beats x %d scores in, tdata %d bits\n",
		o.Name, o.Classes, o.ScoreBits, what, o.SW, o.Beats, o.PE, o.TDataBits)
}

// dumpSchedule writes the cycles per frame (or token), the slowest stage,
// the latency and the total estimate.
func (p *Plan) dumpSchedule(b *strings.Builder, frame string) {
	slowest := p.Stages[0]
	for _, s := range p.Stages {
		if s.Cycles > slowest.Cycles {
			slowest = s
		}
	}
	fmt.Fprintf(b, "cycles/%s %d (slowest stage %s %q)\n", frame, p.CyclesPerFrame, slowest.Kind, slowest.Name)
	fmt.Fprintf(b, "latency %d cycles (%s 0's schedule through the stages)\n", p.Latency, frame)
	fmt.Fprintf(b, "estimate %s\n", p.Estimate)
}

// dumpSequence writes a sequence model's plan after its header: the token
// input, the lstm stage, the stages after it, the output and the schedule
// per token.
func (p *Plan) dumpSequence(b *strings.Builder) {
	in := p.Input
	fmt.Fprintf(b, "tokens %q: vocabulary %d, one %d-bit token per beat (tdata %d bits)\n", in.Name, in.Tokens, in.TokenBits, in.TDataBits)
	fmt.Fprintf(b, "sequences: tlast on a sequence's last token, the next starts from the reset state; a token >= %d reads as token 0, sets frame_err and is counted in %d bits\n", in.Tokens, in.DropBits)
	for _, s := range p.Stages {
		switch s.Kind {
		case StageLSTM:
			s.LSTM.dump(b, s.Estimate)
		case StageMVTU:
			s.MVTU.dump(b)
		case StageDWC, StageFIFO:
			s.dump(b)
		}
	}
	p.dumpOutput(b)
	p.dumpSchedule(b, "token")
}

// dump writes the lstm stage.
func (s *LSTMStage) dump(b *strings.Builder, est Resources) {
	fmt.Fprintf(b, "lstm %q (embedding %q): vocabulary %d, D %d, H %d; gate rows unit-major (4*unit + gate i f g o)\n", s.Name, s.Embedding, s.V, s.D, s.H)
	fmt.Fprintf(b, "  folding  PE %d (U %d), SIMD %d: NF %d x SF %d (x %d + h %d) = %d cycles + %d = %d cycles/token\n",
		s.PE, s.U, s.SIMD, s.NF, s.SF, s.SFx, s.SFh, s.NF*s.SF, LSTMPipeline+s.PipeDepth, s.Cycles)
	fmt.Fprintf(b, "  operands %d-bit weights x %d-bit levels (base %d, reset level %d); %d beats x %d levels out\n",
		s.WBits, s.Bits, s.Base, s.L0, s.NF, s.U)
	fmt.Fprintf(b, "  acc      [%d, %d] in %d bits\n", s.AccMin, s.AccMax, s.AccWidth)
	fmt.Fprintf(b, "  gates    %d thresholds x %d bits -> %d-bit levels; bases i %d, f %d, g %d, o %d\n",
		s.GateNumThr, s.GateThrWidth, s.GateBits, s.GateBase[0], s.GateBase[1], s.GateBase[2], s.GateBase[3])
	fmt.Fprintf(b, "  cell     %d bits: rshr(f*c, %d) in %d bits + rshr(i*g, %d) in %d bits, sum %d bits\n",
		s.CellBits, s.FShift, s.FCWidth, s.IGShift, s.IGWidth, s.CellSumWidth)
	fmt.Fprintf(b, "  cell act %d thresholds x %d bits -> %d-bit t (base %d)\n", s.CellNumThr, s.CellThrWidth, s.CellActBits, s.CellActBase)
	fmt.Fprintf(b, "  hidden   o*t in %d bits: %d thresholds x %d bits -> %d-bit levels\n", s.OTWidth, s.HidNumThr, s.HidThrWidth, s.Bits)
	fmt.Fprintf(b, "  memories embedding %s, weights %s, gate thresholds %s, cell act %s, hidden %s\n",
		s.EmbMem, s.WeightMem, s.GateThrMem, s.CellThrMem, s.HidThrMem)
	fmt.Fprintf(b, "  state    cell RAM %s, h banks 2 x %d words x %d bits\n", s.CellMem, s.HBankWords(), s.SIMD*s.Bits)
	fmt.Fprintf(b, "  estimate %s\n", est)
}

// dense reports whether the plan is input, MVTUs of one vector per frame
// and output only (the dense networks of docs/dataflow.md).
func (p *Plan) dense() bool {
	for _, s := range p.Stages {
		if (s.Kind != StageInput && s.Kind != StageMVTU && s.Kind != StageOutput) || s.In.Pixels > 1 {
			return false
		}
	}
	return true
}

// dump writes a swg, pool, dwc or fifo stage.
func (s *Stage) dump(b *strings.Builder) {
	fmt.Fprintf(b, "%s %q: %d x %d-bit elements/beat in, %d out; %d cycles/frame, latency %d\n",
		s.Kind, s.Name, s.In.Width, s.In.Bits, s.Out.Width, s.Cycles, s.Latency)
	switch s.Kind {
	case StageSWG:
		g := s.SWG
		fmt.Fprintf(b, "  window   %dx%d stride %d, pad [%d %d %d %d] = %d over (%d,%d,%d) -> %dx%d windows of %d beats\n",
			g.KH, g.KW, g.Stride, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight, g.PadElem, g.C, g.H, g.W, g.OH(), g.OW(), g.WindowBeats())
		fmt.Fprintf(b, "  buffer   %d rows: %s\n", g.Rows, g.Mem())
	case StagePool:
		q := s.Pool
		fmt.Fprintf(b, "  pool     %dx%d stride %d over (%d,%d,%d) -> %dx%d, %d beats/pixel\n", q.K, q.K, q.Stride, q.C, q.H, q.W, q.OH(), q.OW(), q.Beats())
	case StageDWC:
		d := s.DWC
		fmt.Fprintf(b, "  pixel    %d elements: %d beats in, %d out\n", d.C, d.InBeats(), d.OutBeats())
	case StageFIFO:
		fmt.Fprintf(b, "  depth    %d beats of %d bits\n", s.FIFO.Capacity(), s.FIFO.Width)
	}
	fmt.Fprintf(b, "  estimate %s\n", s.Estimate)
}

func (l *Layer) dump(b *strings.Builder) {
	fmt.Fprintf(b, "mvtu %d %q + %q: %s, %s mode\n", l.Index, l.Name, l.ActName, l.Kind, l.Mode)
	pad := ""
	if l.MWp != l.MW || l.MHp != l.MH {
		pad = fmt.Sprintf(", padded to %d x %d (pad x %d, pad w %d)", l.MHp, l.MWp, l.PadX, l.PadW)
	}
	fmt.Fprintf(b, "  matrix   %d x %d (MH x MW)%s\n", l.MH, l.MW, pad)
	fmt.Fprintf(b, "  folding  PE %d, SIMD %d: NF %d x SF %d = %d cycles\n", l.PE, l.SIMD, l.NF, l.SF, l.Cycles)
	base := ""
	if l.Base != 0 {
		base = fmt.Sprintf(" (input base %d)", l.Base)
	}
	fmt.Fprintf(b, "  operands %d-bit weights x %d-bit inputs%s; %d elements/beat x %d beats in\n",
		l.WBits, l.XBits, base, l.InWidth, l.InBeats)
	fmt.Fprintf(b, "  acc      [%d, %d] in %d bits\n", l.AccMin, l.AccMax, l.AccWidth)
	if l.Mode == ModeThreshold {
		fmt.Fprintf(b, "  activate %d thresholds x %d bits -> %d-bit levels\n", l.NumThr, l.ThrWidth, l.OutBits)
		fmt.Fprintf(b, "  memories weights %s, thresholds %s\n", l.WeightMem, l.ThrMem)
	} else {
		fmt.Fprintf(b, "  score    %d*acc + add -> %d-bit scores\n", l.ScoreMul, l.OutBits)
		fmt.Fprintf(b, "  memories weights %s, scores %s\n", l.WeightMem, l.ThrMem)
	}
	fmt.Fprintf(b, "  inbuf    %s\n", l.inBufString())
	fmt.Fprintf(b, "  estimate %s\n", l.Estimate)
}

// inBufString describes the input buffer: "registers (2 banks x MW x XBits
// bits)" or its memories, e.g. "1 x 64 x 32 bits [lut]".
func (l *Layer) inBufString() string {
	if l.InBufStyle == MemAuto {
		return fmt.Sprintf("registers (2 banks x %d x %d bits)", l.MW, l.XBits)
	}
	return fmt.Sprintf("%d x %s", l.InBufGroups(), l.InBufMem())
}

// String formats the memory as "D x W bits" and its style in brackets,
// e.g. "1024 x 64 bits [block]".
func (m Mem) String() string {
	s := fmt.Sprintf("%d x %d bits", m.Depth, m.Width)
	if m.Style != MemAuto {
		s += " [" + string(m.Style) + "]"
	}
	return s
}

// String formats the estimate as "LUT n, FF n, BRAM36 x".
func (r Resources) String() string {
	return fmt.Sprintf("LUT %d, FF %d, BRAM36 %s", r.LUT, r.FF, strconv.FormatFloat(r.BRAM, 'f', -1, 64))
}
