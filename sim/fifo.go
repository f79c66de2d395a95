package sim

import "github.com/qnn-dev/qnn/hw"

// FIFO is the first-word-fall-through stream FIFO (qnn_fifo,
// docs/conv-hardware.md "qnn_fifo as built"): Depth words of memory and an
// output register. The output register loads whenever it is empty or
// handing over: from the memory's oldest word, or, with the memory empty,
// straight from the input beat of the cycle. in_ready = count < Depth
// (registers only).
type FIFO struct {
	depth             int
	mem               [][]uint64
	wptr, rptr, count int
	outValid          bool
	out               []uint64
}

// NewFIFO returns the model of qnn_fifo with parameters f, in its reset
// state.
func NewFIFO(f hw.FIFOStage) *FIFO {
	return &FIFO{depth: f.Depth, mem: make([][]uint64, f.Depth)}
}

// Reset clears the pointers, the count and the output valid.
func (q *FIFO) Reset() { q.wptr, q.rptr, q.count, q.outValid = 0, 0, 0, false }

func (q *FIFO) InReady(bool) bool { return q.count < q.depth }
func (q *FIFO) OutValid() bool    { return q.outValid }
func (q *FIFO) OutData() []uint64 { return q.out }

// Commit advances one clock edge.
func (q *FIFO) Commit(in []uint64, outReady bool) {
	bypass := false
	if !q.outValid || outReady {
		switch {
		case q.count > 0:
			q.out = q.mem[q.rptr]
			q.rptr = (q.rptr + 1) % q.depth
			q.count--
			q.outValid = true
		case in != nil:
			q.out, q.outValid, bypass = append([]uint64(nil), in...), true, true
		default:
			q.outValid = false
		}
	}
	if in != nil && !bypass {
		q.mem[q.wptr] = append([]uint64(nil), in...)
		q.wptr = (q.wptr + 1) % q.depth
		q.count++
	}
}
