package sim

import "github.com/qnn-dev/qnn/hw"

// Pool is the streaming max-pool unit (qnn_pool, docs/conv-hardware.md
// "qnn_pool as built") for K <= Stride: per output column and beat of a
// pixel one accumulator word; an input beat inside a window loads (first
// pixel of the window) or max-es into its accumulator, the beat of the
// window's last pixel produces the output beat, registered. in_ready =
// !out_valid_q || out_ready.
type Pool struct {
	p                  hw.PoolStage
	beats, oh, ow      int
	acc                [][]uint64 // OW*Beats words of Width lanes
	cg, iw, iwm, owIdx int        // beat in pixel, column, column in stride, window column
	ih, ihm, ohIdx     int        // row, row in stride, window row
	outValid           bool
	out                []uint64
}

// NewPool returns the model of qnn_pool with parameters p (which must
// pass Check), in its reset state.
func NewPool(p hw.PoolStage) *Pool {
	q := &Pool{p: p, beats: p.Beats(), oh: p.OH(), ow: p.OW(), out: make([]uint64, p.Width)}
	q.acc = make([][]uint64, q.ow*q.beats)
	for i := range q.acc {
		q.acc[i] = make([]uint64, p.Width)
	}
	return q
}

// Reset clears the counters and the output valid.
func (q *Pool) Reset() {
	q.cg, q.iw, q.iwm, q.owIdx, q.ih, q.ihm, q.ohIdx = 0, 0, 0, 0, 0, 0, 0
	q.outValid = false
}

func (q *Pool) InReady(outReady bool) bool { return !q.outValid || outReady }
func (q *Pool) OutValid() bool             { return q.outValid }
func (q *Pool) OutData() []uint64          { return q.out }

// Commit advances one clock edge.
func (q *Pool) Commit(in []uint64, outReady bool) {
	if in == nil {
		if outReady {
			q.outValid = false
		}
		return
	}
	take := q.owIdx < q.ow && q.iwm < q.p.K && q.ohIdx < q.oh && q.ihm < q.p.K
	first := q.iwm == 0 && q.ihm == 0
	done := q.iwm == q.p.K-1 && q.ihm == q.p.K-1
	if take {
		a := q.acc[q.owIdx*q.beats+q.cg]
		for l, x := range in {
			if first || x > a[l] {
				a[l] = x
			}
		}
		if done {
			for l := range q.out {
				q.out[l] = a[l]
				if q.cg*q.p.Width+l >= q.p.C {
					q.out[l] = 0
				}
			}
		}
	}
	q.outValid = take && done // in_ready: the old output, if any, hands over now
	q.advance()
}

func (q *Pool) advance() {
	if q.cg++; q.cg < q.beats {
		return
	}
	q.cg = 0
	if q.iw++; q.iw < q.p.W {
		if q.iwm++; q.iwm == q.p.Stride {
			q.iwm = 0
			q.owIdx++
		}
		return
	}
	q.iw, q.iwm, q.owIdx = 0, 0, 0
	if q.ih++; q.ih < q.p.H {
		if q.ihm++; q.ihm == q.p.Stride {
			q.ihm = 0
			q.ohIdx++
		}
		return
	}
	q.ih, q.ihm, q.ohIdx = 0, 0, 0
}
