package sim

import (
	"fmt"

	"github.com/qnn-dev/qnn/hw"
)

// padFramer is the framing of a conv-first network (docs/dataflow.md
// "Framing of conv-first networks", RTL qnn_framer_pad): a stream stage
// between s_axis and the first stage that passes every packet on as one
// whole frame of Beats beats, padding an early-ended one with filler
// beats (elements 0, s_axis held) and discarding the beats after a late
// one up to its tlast, and pushes each frame's bad flag with its last
// beat.
type padFramer struct {
	beats   int   // Input.Beats
	dropMax int64 // 2^DropBits - 1: drops saturates
	pos     int   // pos_q: beats passed on in the frame
	pad     bool  // pad_q: offering filler beats
	discard bool  // discard_q: taking and dropping beats up to a tlast
	err     bool  // err_q, sticky
	drops   int64 // drops_q
	filler  []uint64
}

func newPadFramer(in hw.InputStage, width int) *padFramer {
	f := &padFramer{beats: in.Beats, dropMax: -1, filler: make([]uint64, width)}
	if in.DropBits < 63 {
		f.dropMax = 1<<in.DropBits - 1
	}
	return f
}

// outValid is valid_o for s_axis_tvalid sValid.
func (f *padFramer) outValid(sValid bool) bool { return f.pad || (sValid && !f.discard) }

// sReady is s_axis_tready for the first stage's in_ready.
func (f *padFramer) sReady(ready bool) bool { return !f.pad && (f.discard || ready) }

// commit advances one clock edge: outHS is the handshake to the first
// stage, sHS s_axis's, last s_axis_tlast. push reports a frame's last beat
// passed on, bad its flag.
func (f *padFramer) commit(outHS, sHS, last bool) (push, bad bool) {
	atLast := f.pos == f.beats-1
	switch {
	case outHS:
		push, bad = atLast, f.pad || !last
		if !f.pad && last != atLast {
			f.err = true
			if f.drops != f.dropMax {
				f.drops++
			}
		}
		if f.pad {
			f.pad = !atLast
		} else {
			f.pad, f.discard = last && !atLast, !last && atLast
		}
		f.pos++
		if atLast {
			f.pos = 0
		}
	case sHS && f.discard:
		f.discard = !last
	}
	return push, bad
}

func (f *padFramer) reset() {
	f.pos, f.pad, f.discard, f.err, f.drops = 0, false, false, false, 0
}

// frameFlags is qnn_frame_flags: the bad flags of the frames in flight,
// oldest first, at most depth (0: unbounded, the reference of
// Config.UnboundedFIFOs).
type frameFlags struct {
	depth int
	flags []bool
	err   error // the first overflow: the plan's FlagDepth is too small
}

// head is head_o: the oldest frame's flag, false when empty.
func (q *frameFlags) head() bool { return len(q.flags) > 0 && q.flags[0] }

// commit pops (the oldest frame's result left the output register) and
// pushes in the same clock edge.
func (q *frameFlags) commit(pop, push, bad bool) {
	if pop && len(q.flags) > 0 {
		q.flags = q.flags[1:]
	}
	if push {
		q.flags = append(q.flags, bad)
		if q.depth > 0 && len(q.flags) > q.depth && q.err == nil {
			q.err = fmt.Errorf("sim: bad-flag queue overflow: %d frames in flight, FlagDepth %d", len(q.flags), q.depth)
		}
	}
}

func (q *frameFlags) reset() { q.flags = q.flags[:0] }
