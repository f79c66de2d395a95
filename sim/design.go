package sim

import (
	"fmt"

	"github.com/qnn-dev/qnn/hw"
)

// node is one stage's cycle model in the design, after the input stage:
// the shape of StreamStage (two-phase: InReady and OutValid/OutData from
// the current registers, then one Commit per clock edge) plus idle, which
// says that nothing will change until more input arrives.
type node interface {
	StreamStage
	idle() bool
}

// design is the accelerator: the input stage (framer and binarizer) and
// one model per plan stage after it, joined stage i to stage i+1 by the
// streams the plan describes (docs/dataflow.md "Pipeline").
type design struct {
	frm   *framer    // a dense-first design's framer, or nil
	pad   *padFramer // a conv-first design's (Input.Pad), or nil
	flags *frameFlags
	tok   *tokenInput // a sequence model's token input, or nil
	bin   *binarizer
	nodes []node    // Plan.Stages[1:], the output stage last
	mvtus []*mvtu   // the MVTU nodes' models, in order
	first *mvtuNode // nodes[0] when it is an MVTU: it takes the framer's abort
	out   *argmax   // the output stage's model (an argmax), or nil
	// logits is the output stage of a design that streams every score
	// (hw.OutputStage.Stream), or nil.
	logits *logitStream
	ready  []bool // per node: the out_ready it sees this cycle
	stats  []StageStats
}

func newDesign(p *hw.Plan, opt designOptions) *design {
	d := &design{bin: newBinarizer(p.Input)}
	switch {
	case p.Input.Tokens > 0:
		d.tok = newTokenInput(p.Input)
	case p.Input.Pad:
		d.pad = newPadFramer(p.Input, p.Stages[0].Out.Width)
		d.flags = &frameFlags{depth: p.Output.FlagDepth}
		if opt.unboundedFIFOs {
			d.flags.depth = 0
		}
	default:
		d.frm = newFramer(p.Input)
	}
	for i, s := range p.Stages[1:] {
		n := d.newNode(s)
		d.nodes = append(d.nodes, n)
		d.stats = append(d.stats, StageStats{Kind: string(s.Kind), Name: s.Name})
		if opt.unboundedFIFOs && i < len(p.Stages)-2 {
			d.nodes = append(d.nodes, &unboundedFIFO{})
			d.stats = append(d.stats, StageStats{Kind: "fifo", Name: s.Name + ".unbounded"})
		}
	}
	d.first, _ = d.nodes[0].(*mvtuNode)
	d.ready = make([]bool, len(d.nodes))
	return d
}

// newNode is the model of one stage.
func (d *design) newNode(s hw.Stage) node {
	switch s.Kind {
	case hw.StageMVTU:
		m := newMVTU(s.MVTU)
		d.mvtus = append(d.mvtus, m)
		return &mvtuNode{m: m, in: make([]int64, s.In.Width), out: make([]uint64, s.Out.Width)}
	case hw.StageLSTM:
		return NewLSTM(s.LSTM)
	case hw.StageSWG:
		return NewSWG(*s.SWG)
	case hw.StagePool:
		return NewPool(*s.Pool)
	case hw.StageDWC:
		return NewDWC(*s.DWC)
	case hw.StageFIFO:
		return NewFIFO(*s.FIFO)
	case hw.StageOutput:
		if s.Output.Stream {
			d.logits = newLogitStream(*s.Output)
			return d.logits
		}
		d.out = newArgmax(*s.Output)
		return &argmaxNode{a: d.out, in: make([]int64, s.In.Width)}
	}
	panic(fmt.Sprintf("sim: stage %q of unknown kind %q", s.Name, s.Kind))
}

// step simulates one cycle: sValid, beat and sLast are s_axis_tvalid,
// tdata and tlast, mReady is m_axis_tready, rst is rst_n low. It reports
// whether s_axis handshook (in a reset cycle too: s_axis_tready is
// registers only, and the beat is lost). (An m_axis handshake,
// out_valid_q && mReady, carries the argmax output register as it is
// before step; the caller records it first.)
func (d *design) step(sValid bool, beat []byte, sLast, mReady, rst bool) (inHS bool) {
	// Phase 1: wires from the current registers, readies from the output
	// back (a pool's or the argmax's in_ready follows its out_ready; a bad
	// frame's result is taken without m_axis_tready).
	last := len(d.nodes) - 1
	d.ready[last] = mReady || d.frameBad()
	for i := last; i > 0; i-- {
		d.ready[i-1] = d.nodes[i].InReady(d.ready[i])
	}
	ready0 := d.nodes[0].InReady(d.ready[0])
	inHS, firstHS := sValid && ready0, sValid && ready0
	if d.pad != nil {
		inHS, firstHS = sValid && d.pad.sReady(ready0), d.pad.outValid(sValid) && ready0
	}
	if rst {
		d.reset()
		return inHS
	}
	if d.first != nil && d.frm != nil {
		d.first.abort = d.frm.abort(sLast)
	}
	pop := d.outValid() && d.ready[last]
	// Phase 2: commit from the output back to the input, so every model
	// reads its producer's registers before they change.
	for i := last; i >= 0; i-- {
		var in []uint64
		switch {
		case i > 0 && d.nodes[i-1].OutValid() && d.ready[i-1]:
			in = d.nodes[i-1].OutData()
		case i == 0 && firstHS:
			in = d.firstBeat(beat, sLast)
		}
		d.count(i, in != nil)
		d.nodes[i].Commit(in, d.ready[i])
	}
	switch {
	case d.tok != nil:
		d.tok.commit(inHS, beat)
	case d.pad != nil:
		push, bad := d.pad.commit(firstHS, inHS, sLast)
		d.flags.commit(pop, push, bad)
	default:
		d.frm.commit(inHS, sLast)
	}
	return inHS
}

// firstBeat is the first stage's input beat: the binarized s_axis beat, a
// Pad design's filler, or a sequence model's {token, last}.
func (d *design) firstBeat(beat []byte, last bool) []uint64 {
	switch {
	case d.tok != nil:
		return d.tok.convert(beat, last)
	case d.pad != nil && d.pad.pad:
		return d.pad.filler
	}
	return d.bin.convert(beat)
}

// frameBad is the bad flag of the frame whose result the output stage
// holds or computes next (qnn_frame_flags head_o; false without Pad).
func (d *design) frameBad() bool { return d.flags != nil && d.flags.head() }

// mValid is m_axis_tvalid: the output register's result, unless its
// frame is bad.
func (d *design) mValid() bool { return d.outValid() && !d.frameBad() }

// outValid is the output stage's out_valid_q.
func (d *design) outValid() bool {
	if d.logits != nil {
		return d.logits.outValid
	}
	return d.out.outValid
}

// status is the framer's (frame_err, frame_drops), or the token input's.
func (d *design) status() (bool, int64) {
	if d.tok != nil {
		return d.tok.err, d.tok.drops
	}
	if d.pad != nil {
		return d.pad.err, d.pad.drops
	}
	return d.frm.err, d.frm.drops
}

// count adds the cycle to node i's statistics (before its commit).
func (d *design) count(i int, inHS bool) {
	n, st := d.nodes[i], &d.stats[i]
	switch {
	case n.OutValid() && !d.ready[i]:
		st.StallOut++
	case inHS || n.OutValid():
		st.Busy++
	default:
		st.StallIn++
	}
}

// reset is a clock edge with rst_n low: every model's control state
// clears.
func (d *design) reset() {
	switch {
	case d.tok != nil:
		d.tok.reset()
	case d.pad != nil:
		d.pad.reset()
		d.flags.reset()
	default:
		d.frm.reset()
	}
	for i, n := range d.nodes {
		n.Reset()
		d.stats[i].StallIn++
	}
}

// idle reports that no frame is in flight past the first stage's write
// side.
func (d *design) idle() bool {
	if d.pad != nil && d.pad.pad {
		return false
	}
	for _, n := range d.nodes {
		if !n.idle() {
			return false
		}
	}
	return true
}

// mvtuNode adapts an MVTU model to the stream interface: elements in,
// levels or scores out (scores as their two's-complement bits).
type mvtuNode struct {
	m     *mvtu
	in    []int64
	out   []uint64
	abort bool // the framer's abort of this cycle (the first stage only)
}

func (n *mvtuNode) InReady(bool) bool { return n.m.buf.inReady() }
func (n *mvtuNode) OutValid() bool    { return n.m.outValid }
func (n *mvtuNode) OutData() []uint64 {
	for i, v := range n.m.out {
		n.out[i] = uint64(v)
	}
	return n.out
}
func (n *mvtuNode) Commit(in []uint64, outReady bool) {
	var x []int64
	if in != nil {
		for i, v := range in {
			n.in[i] = int64(v)
		}
		x = n.in
	}
	n.m.commit(!n.m.outValid || outReady, x, n.abort && in != nil)
	n.abort = false
}
func (n *mvtuNode) Reset()     { n.m.reset() }
func (n *mvtuNode) idle() bool { return n.m.idle() }

// argmaxNode adapts the output stage; m_axis is its output.
type argmaxNode struct {
	a  *argmax
	in []int64
}

func (n *argmaxNode) InReady(mReady bool) bool { return n.a.inReady(mReady) }
func (n *argmaxNode) OutValid() bool           { return n.a.outValid }
func (n *argmaxNode) OutData() []uint64        { return nil }
func (n *argmaxNode) Commit(in []uint64, mReady bool) {
	var x []int64
	if in != nil {
		for i, v := range in {
			n.in[i] = int64(v)
		}
		x = n.in
	}
	n.a.commit(x, mReady)
}
func (n *argmaxNode) Reset()     { n.a.reset() }
func (n *argmaxNode) idle() bool { return !n.a.outValid }

// idle: no window can issue and nothing is in the read stage or output.
func (s *SWG) idle() bool { return !s.canIssue() && !s.v1 && !s.outValid }

// idle: the accumulators may hold a partial window; no output is pending.
func (q *Pool) idle() bool { return !q.outValid }

// idle: no complete pixel waits and no output is pending.
func (c *DWC) idle() bool { return !c.wfull && !c.rfull && !c.outValid }

// idle: empty.
func (q *FIFO) idle() bool { return q.count == 0 && !q.outValid }

// unboundedFIFO is qnn_fifo without a depth limit (Config.UnboundedFIFOs):
// in_ready is always 1.
type unboundedFIFO struct {
	mem      [][]uint64
	outValid bool
	out      []uint64
}

func (q *unboundedFIFO) InReady(bool) bool { return true }
func (q *unboundedFIFO) OutValid() bool    { return q.outValid }
func (q *unboundedFIFO) OutData() []uint64 { return q.out }
func (q *unboundedFIFO) Reset()            { q.mem, q.outValid = q.mem[:0], false }
func (q *unboundedFIFO) idle() bool        { return len(q.mem) == 0 && !q.outValid }
func (q *unboundedFIFO) Commit(in []uint64, outReady bool) {
	if !q.outValid || outReady {
		switch {
		case len(q.mem) > 0:
			q.out, q.mem, q.outValid = q.mem[0], q.mem[1:], true
			if in != nil {
				q.mem = append(q.mem, append([]uint64(nil), in...))
			}
			return
		case in != nil:
			q.out, q.outValid = append([]uint64(nil), in...), true
			return
		default:
			q.outValid = false
		}
	}
	if in != nil {
		q.mem = append(q.mem, append([]uint64(nil), in...))
	}
}
