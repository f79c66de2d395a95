package sim

import "github.com/qnn-dev/qnn/hw"

// argmax is the output stage (docs/dataflow.md "Argmax / output stage"):
// it collects a frame's class scores from the last MVTU, keeps the best
// class (the lowest index winning ties) and presents class and scores on
// m_axis: every score, or with hw.OutputStage.TopScore the best class's
// only (qnn_argmax TopOnly: no scores_q, outScores has one element).
type argmax struct {
	classes, pe, beats, sw int
	top                    bool
	bestScore              int64 // best_score_q

	scores []int64 // scores_q
	best   int     // best_q
	beat   int     // beat_q

	outValid  bool    // out_valid_q
	outClass  int     // out_data_q: class
	outScores []int64 // out_data_q: scores
}

func newArgmax(o hw.OutputStage) *argmax {
	a := &argmax{classes: o.Classes, pe: o.PE, beats: o.Beats, sw: o.SW, top: o.TopScore,
		scores: make([]int64, o.Classes), outScores: make([]int64, o.Classes)}
	if a.top {
		a.outScores = a.outScores[:1]
	}
	return a
}

// reset is one clock edge with rst_n low (out_valid_q, beat_q clear).
func (a *argmax) reset() { a.outValid, a.beat = false, 0 }

// inReady is in_ready for the current m_axis_tready.
func (a *argmax) inReady(mReady bool) bool { return !a.outValid || mReady }

// commit advances one clock edge; in, if not nil, is the input handshake's
// beat (PE scores).
func (a *argmax) commit(in []int64, mReady bool) {
	if in == nil {
		if mReady {
			a.outValid = false
		}
		return
	}
	for p, s := range in {
		c := a.beat*a.pe + p
		if c >= a.classes {
			break
		}
		a.scores[c] = s
		if c == 0 || s > a.bestScore {
			a.best, a.bestScore = c, s
		}
	}
	if a.beat == a.beats-1 {
		a.outValid = true
		a.outClass = a.best
		if a.top {
			a.outScores[0] = a.bestScore
		} else {
			copy(a.outScores, a.scores)
		}
		a.beat = 0
		return
	}
	a.beat++
	if mReady {
		a.outValid = false
	}
}
