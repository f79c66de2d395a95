package sim

import "github.com/qnn-dev/qnn/hw"

// framer is the s_axis framing check (docs/dataflow.md "Framing", RTL
// qnn_framer): it counts the handshakes of the frame being written and
// compares tlast with "this is the frame's last beat". A misplaced tlast
// drops the frame; after a missing one, beats are discarded up to and
// including the next tlast.
type framer struct {
	beats   int   // Input.Beats
	dropMax int64 // 2^DropBits - 1: drops saturates
	pos     int   // pos_q
	discard bool  // discard_q
	err     bool  // err_q, sticky
	drops   int64 // drops_q
}

func newFramer(in hw.InputStage) *framer {
	f := &framer{beats: in.Beats, dropMax: -1}
	if in.DropBits < 63 {
		f.dropMax = 1<<in.DropBits - 1
	}
	return f
}

// abort is abort_o for the offered beat's tlast: the beat belongs to no
// frame (registers and tlast only).
func (f *framer) abort(last bool) bool {
	return f.discard || last != (f.pos == f.beats-1)
}

// commit advances one clock edge; hs is the s_axis handshake.
func (f *framer) commit(hs, last bool) {
	if !hs {
		return
	}
	atLast := f.pos == f.beats-1
	abort := f.abort(last)
	if !f.discard && abort {
		f.err = true
		if f.drops != f.dropMax {
			f.drops++
		}
	}
	if abort || atLast {
		f.pos = 0
	} else {
		f.pos++
	}
	f.discard = abort && !last
}

func (f *framer) reset() { *f = framer{beats: f.beats, dropMax: f.dropMax} }
