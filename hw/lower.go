package hw

import (
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
)

// loweredOp is one step of the lowering from netlist layers to stages,
// before folding: the input, an MVTU (a dense or conv2d layer with its
// fused threshold or output layer), a max-pool, the output. Window
// generators (before a conv MVTU) and width converters (where two streams
// do not match) are added when the streams are known (Plan.link).
type loweredOp struct {
	kind  StageKind // StageInput, StageTokens, StageLSTM, StageMVTU, StagePool or StageOutput
	layer int       // netlist layer index
	mvtu  int       // StageMVTU: index into the MVTU specs
	in    netlist.Value
}

// lower is the lowering pass: it maps every netlist layer to its stage and
// refuses what the hardware does not build, naming the layer. A sequence
// model lowers to the token input, the lstm stage and the MVTUs of the
// feed-forward layers after it (docs/lstm-hardware.md).
func lower(n *netlist.Network) ([]loweredOp, error) {
	vals, err := netlist.Values(n)
	if err != nil {
		return nil, fmt.Errorf("hw: %w", err)
	}
	var ops []loweredOp
	mvtus, lstms := 0, 0
	for i, l := range n.Layers {
		var in netlist.Value
		if i > 0 {
			in = vals[i-1]
		}
		if err := checkSequenceOp(n, i, lstms); err != nil {
			return nil, err
		}
		switch l := l.(type) {
		case *netlist.Input:
			ops = append(ops, loweredOp{kind: StageInput, layer: i})
		case *netlist.Embedding:
			ops = append(ops, loweredOp{kind: StageTokens, layer: i})
		case *netlist.LSTM:
			ops = append(ops, loweredOp{kind: StageLSTM, layer: i, in: in})
			lstms++
		case *netlist.Dense, *netlist.Conv2D:
			ops = append(ops, loweredOp{kind: StageMVTU, layer: i, mvtu: mvtus, in: in})
			mvtus++
		case *netlist.Threshold:
			// fused into the MVTU before it
		case *netlist.MaxPool:
			if l.K > l.Stride {
				return nil, fmt.Errorf("hw: layer %d %q: overlapping max-pool (window %d, stride %d) is not built (only window <= stride)", i, l.Name, l.K, l.Stride)
			}
			ops = append(ops, loweredOp{kind: StagePool, layer: i, in: in})
		case *netlist.Output:
			if s := in.Shape; s.H*s.W != 1 {
				return nil, fmt.Errorf("hw: layer %d %q: scores of a %v tensor (more than one pixel) are not built: the output layer must follow a dense layer or a conv2d layer with a 1x1 output", i, l.Name, s)
			}
			ops = append(ops, loweredOp{kind: StageOutput, layer: i, in: in})
		default:
			return nil, fmt.Errorf("hw: layer %d %q: op %s is not supported by the hardware generator", i, l.LayerName(), l.Op())
		}
	}
	return ops, nil
}

// checkSequenceOp refuses what the plan does not build of a sequence
// model at layer i (lstms lstm layers before it): anything but
// embedding -> lstm -> dense (and threshold) layers -> output.
func checkSequenceOp(n *netlist.Network, i, lstms int) error {
	if !n.IsSequence() || i == 0 {
		return nil
	}
	l := n.Layers[i]
	switch l.(type) {
	case *netlist.LSTM:
		if lstms > 0 {
			return fmt.Errorf("hw: layer %d %q: op: a second lstm layer is not supported yet (the plan builds one lstm stage)", i, l.LayerName())
		}
	case *netlist.Dense, *netlist.Threshold, *netlist.Output:
		if lstms == 0 {
			return fmt.Errorf("hw: layer %d %q: op: a %s layer before the lstm layer is not supported yet (the plan builds embedding -> lstm -> dense)", i, l.LayerName(), l.Op())
		}
	default:
		return fmt.Errorf("hw: layer %d %q: op: a %s layer in a sequence model is not supported yet (the plan builds embedding -> lstm -> dense)", i, l.LayerName(), l.Op())
	}
	return nil
}

// link builds p.Stages from the lowered ops: the input stage, each MVTU
// (behind a window generator for a conv layer), each pool and the output,
// with a width converter wherever a stage needs another stream format than
// its producer's. It sets each MVTU's InWidth and InBeats from its input
// stream.
func (p *Plan) link(ops []loweredOp, ls *LSTMStage) error {
	p.Stages = []Stage{p.inputStage()}
	cur := p.Stages[0].Out
	if cur.Beats() > maxScheduleBeats {
		return fmt.Errorf("hw: input %q: %d beats per frame, more than the planner schedules (%d)", p.Input.Name, cur.Beats(), maxScheduleBeats)
	}
	for _, op := range ops[1:] {
		switch op.kind {
		case StageLSTM:
			cur = p.addLSTM(ls, cur)
		case StageMVTU:
			l := p.Layers[op.mvtu]
			if l.spec.conv != nil {
				var err error
				if cur, err = p.addConv(l, cur); err != nil {
					return err
				}
				continue
			}
			if cur.Pixels > 1 && cur.Padded() {
				// A dense layer reads the pixels flat, channel-fastest
				// (docs/netlist-format.md): no padding lanes between them.
				cur = p.addDWC(l.Name, cur, largestDivisor(cur.C, cur.Width))
			}
			cur = p.addMVTU(l, cur)
		case StagePool:
			var err error
			if cur, err = p.addPool(op, cur); err != nil {
				return err
			}
		case StageOutput:
			if p.Output.Stream {
				p.Output.TDataBits = cur.Width * p.Output.SW
			}
			p.Stages = append(p.Stages, Stage{Kind: StageOutput, Name: p.Output.Name, In: cur, Output: &p.Output,
				Out: Stream{Width: 1, Bits: p.Output.TDataBits, C: 1, Pixels: 1, BeatsPerPixel: 1}, Latency: 1, Cycles: cur.Beats()})
		}
	}
	for _, s := range p.Stages {
		if b := s.Out.Beats(); b > maxScheduleBeats {
			return fmt.Errorf("hw: stage %s %q: %d beats per frame, more than the planner schedules (%d): raise its PE", s.Kind, s.Name, b, maxScheduleBeats)
		}
	}
	return nil
}

// inputStage is the s_axis stage: for a dense-first network a flat stream
// of InPix pixels per beat, for a conv-first network one pixel (C
// elements) per beat, for a sequence model one token per beat.
func (p *Plan) inputStage() Stage {
	in := p.Input
	sh := in.Shape
	if in.Tokens > 0 {
		tok := newStream(1, in.TokenBits, 1, 1)
		return Stage{Kind: StageTokens, Name: in.Name, Input: &p.Input, In: tok, Out: tok, Cycles: 1}
	}
	s := Stage{Kind: StageInput, Name: in.Name, Input: &p.Input, Cycles: in.Beats}
	if p.Layers[0].spec.conv != nil {
		s.In, s.Out = newStream(sh.C, 8, sh.C, sh.H*sh.W), newStream(sh.C, in.Bits, sh.C, sh.H*sh.W)
		return s
	}
	s.In, s.Out = newStream(in.InPix, 8, sh.Size(), 1), newStream(in.InPix, in.Bits, sh.Size(), 1)
	return s
}

// addMVTU appends l's stage reading stream in and returns its output. A
// conv layer's MVTU runs once per pixel (window) of in; a dense layer's
// reads the whole frame as one vector.
func (p *Plan) addMVTU(l *Layer, in Stream) Stream {
	vectors := 1
	if l.spec.conv != nil {
		vectors = in.Pixels
	}
	l.InWidth, l.InBeats = in.Width, in.Beats()/vectors
	out := newStream(l.PE, l.OutBits, l.MH, vectors)
	p.Stages = append(p.Stages, Stage{Kind: StageMVTU, Name: l.Name, In: in, Out: out, MVTU: l,
		Latency: MVTUPipeline + l.PipeDepth, Cycles: vectors * l.Cycles})
	return out
}

// addDWC appends a width converter from in to width elements per beat,
// named after the stage it feeds.
func (p *Plan) addDWC(next string, in Stream, width int) Stream {
	d := &DWCStage{C: in.C, InWidth: in.Width, OutWidth: width, XBits: in.Bits}
	out := newStream(width, in.Bits, in.C, in.Pixels)
	p.Stages = append(p.Stages, Stage{Kind: StageDWC, Name: next + ".dwc", In: in, Out: out, DWC: d,
		Latency: d.Latency(), Cycles: in.Pixels * d.CyclesPerPixel()})
	return out
}

// addConv appends a conv layer's window generator (behind a width
// converter when its input is not SIMD elements per beat) and its MVTU,
// which runs once per output pixel.
func (p *Plan) addConv(l *Layer, in Stream) (Stream, error) {
	c, sh := l.spec.conv, l.spec.inShape
	if in.Width != l.SIMD || in.Padded() {
		in = p.addDWC(l.Name, in, l.SIMD)
	}
	g := &SWGStage{C: c.InC, H: sh.H, W: sh.W, KH: c.KH, KW: c.KW, Stride: c.Stride,
		PadTop: c.Pad.Top, PadBottom: c.Pad.Bottom, PadLeft: c.Pad.Left, PadRight: c.Pad.Right,
		PadElem: l.padElem(), SIMD: l.SIMD, XBits: l.XBits}
	g.Rows = g.KH
	if err := g.Check(); err != nil {
		return Stream{}, fmt.Errorf("hw: layer %d %q: %w", l.spec.layerIdx, l.Name, trimHW(err))
	}
	if b := max(g.InBeats(), g.OutBeats()); b > maxScheduleBeats {
		return Stream{}, fmt.Errorf("hw: layer %d %q: its window generator streams %d beats per frame, more than the planner schedules (%d): raise SIMD", l.spec.layerIdx, l.Name, b, maxScheduleBeats)
	}
	g.Rows = g.PlanRows()
	if p.Target != TargetICE40 {
		g.Style = lut6Style(g.Mem())
	}
	win := newStream(l.SIMD, l.XBits, l.MW, g.OH()*g.OW())
	p.Stages = append(p.Stages, Stage{Kind: StageSWG, Name: l.Name + ".swg", In: in, Out: win, SWG: g,
		Latency: g.Latency(), Cycles: g.CyclesPerFrame()})
	return p.addMVTU(l, win), nil
}

// padElem is a conv layer's pad value in the hardware domain of its input
// (docs/conv-hardware.md section 3): the bit (1 = +1) for bipolar inputs,
// the level (value - Base) for k-bit activations, the pixel for 8-bit input.
func (l *Layer) padElem() int64 {
	c := l.spec.conv
	if !c.Pad.Any() {
		return 0
	}
	if l.spec.xBipolar {
		return (c.PadValue + 1) / 2
	}
	return c.PadValue - l.Base
}

// addPool appends a max-pool stage on stream in (its Width kept).
func (p *Plan) addPool(op loweredOp, in Stream) (Stream, error) {
	m := p.Net.Layers[op.layer].(*netlist.MaxPool)
	sh := op.in.Shape
	q := &PoolStage{C: sh.C, H: sh.H, W: sh.W, K: m.K, Stride: m.Stride, Width: in.Width, XBits: in.Bits}
	if err := q.Check(); err != nil {
		return Stream{}, fmt.Errorf("hw: layer %d %q: %w", op.layer, m.Name, trimHW(err))
	}
	out := newStream(in.Width, in.Bits, sh.C, q.OH()*q.OW())
	p.Stages = append(p.Stages, Stage{Kind: StagePool, Name: m.Name, In: in, Out: out, Pool: q,
		Latency: q.Latency(), Cycles: q.CyclesPerFrame()})
	return out, nil
}

// largestDivisor is the largest divisor of n not above w (at least 1).
func largestDivisor(n, w int) int {
	for d := min(n, w); d > 1; d-- {
		if n%d == 0 {
			return d
		}
	}
	return 1
}
