package sim

import "github.com/qnn-dev/qnn/hw"

// inputBuffer is an MVTU's double-buffered input vector (docs/dataflow.md
// "Input buffer"). Banks hold lane operands: packed bits for xnor layers,
// otherwise the integer each lane multiplies its weight by (the element,
// or -1/+1 for 1-bit elements of x1 layers). Positions MW..MWp-1 hold the
// pad element and are never written.
type inputBuffer struct {
	mw, inWidth, inBeats int
	packed               bool // xnor: banks are bit vectors
	bipolar              bool // x1: element bit b is the operand 2b-1
	bits                 [2][]uint64
	vals                 [2][]int32

	full        [2]bool // full_q
	wbank, wpos int     // wbank_q, wpos_q
	rbank       int     // rbank_q
}

func newInputBuffer(l *hw.Layer) *inputBuffer {
	b := &inputBuffer{mw: l.MW, inWidth: l.InWidth, inBeats: l.InBeats,
		packed: l.Kind == hw.KindXnor, bipolar: l.Kind == hw.KindX1}
	for k := range 2 {
		if b.packed {
			b.bits[k] = make([]uint64, (l.MWp+63)/64+1) // one spare word for unaligned reads
			for i := l.MW; i < l.MWp; i++ {
				b.bits[k][i>>6] |= uint64(l.PadX) << (i & 63)
			}
		} else {
			b.vals[k] = make([]int32, l.MWp)
			for i := l.MW; i < l.MWp; i++ {
				b.vals[k][i] = b.operand(int64(l.PadX))
			}
		}
	}
	return b
}

// operand is the lane operand of a hardware element (unpacked banks).
func (b *inputBuffer) operand(e int64) int32 {
	if b.bipolar {
		return int32(2*e - 1)
	}
	return int32(e)
}

// inReady is in_ready: registers only.
func (b *inputBuffer) inReady() bool { return !b.full[b.wbank] }

// write commits an input handshake carrying inWidth elements. An aborted
// beat (qnn_input_buffer wr_abort_i) belongs to no frame: the frame being
// written is discarded and the write position returns to 0.
func (b *inputBuffer) write(elems []int64, abort bool) {
	if abort {
		b.wpos = 0
		return
	}
	base := b.wpos * b.inWidth
	n := min(len(elems), b.mw-base)
	if b.packed {
		bank := b.bits[b.wbank]
		for e, v := range elems[:max(n, 0)] {
			i := base + e
			bank[i>>6] = bank[i>>6]&^(1<<(i&63)) | uint64(v&1)<<(i&63)
		}
	} else {
		bank := b.vals[b.wbank]
		for e, v := range elems[:max(n, 0)] {
			bank[base+e] = b.operand(v)
		}
	}
	b.wpos++
	if b.wpos == b.inBeats {
		b.full[b.wbank] = true
		b.wbank ^= 1
		b.wpos = 0
	}
}

// readBits copies n bits of the read bank from bit off into dst (packed
// banks); bits of dst's last word past n are cleared.
func (b *inputBuffer) readBits(off, n int, dst []uint64) {
	src := b.bits[b.rbank]
	i, s := off>>6, uint(off&63)
	if s == 0 {
		copy(dst, src[i:])
	} else {
		for w := range dst {
			dst[w] = src[i+w]>>s | src[i+w+1]<<(64-s)
		}
	}
	if r := n & 63; r != 0 {
		dst[len(dst)-1] &= 1<<r - 1
	}
}

// readVals copies the operands at off..off+len(dst)-1 of the read bank.
func (b *inputBuffer) readVals(off int, dst []int32) {
	copy(dst, b.vals[b.rbank][off:])
}

// reset clears the control state (full_q, wbank_q, wpos_q, rbank_q); the
// banks are data and keep their contents.
func (b *inputBuffer) reset() {
	b.full = [2]bool{}
	b.wbank, b.wpos, b.rbank = 0, 0, 0
}

// release frees the read bank after its last issue.
func (b *inputBuffer) release() {
	b.full[b.rbank] = false
	b.rbank ^= 1
}
