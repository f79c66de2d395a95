package sim

import "github.com/qnn-dev/qnn/hw"

// logitStream is the output stage of a design whose m_axis carries every
// score (hw.OutputStage.Stream, qnn_logits): each beat of PE scores from
// the last MVTU goes to the output register and on to m_axis, tlast on a
// token's last beat; the scores of the token so far are kept (by the
// model, not the RTL) for Result.Classes and Scores.
type logitStream struct {
	classes, pe, beats, sw int

	beat     int     // beat_q: the next input beat's index within the token
	outValid bool    // out_valid_q
	outLast  bool    // out_last_q
	out      []int64 // out_data_q: PE scores (0 past the classes)

	scores   []int64 // the token's scores so far
	done     bool    // the output register holds a token's last beat
	outClass int     // that token's argmax
}

func newLogitStream(o hw.OutputStage) *logitStream {
	return &logitStream{classes: o.Classes, pe: o.PE, beats: o.Beats, sw: o.SW,
		out: make([]int64, o.PE), scores: make([]int64, o.Classes)}
}

func (q *logitStream) InReady(mReady bool) bool { return !q.outValid || mReady }
func (q *logitStream) OutValid() bool           { return q.outValid }
func (q *logitStream) OutData() []uint64        { return nil }
func (q *logitStream) Reset()                   { q.outValid, q.beat = false, 0 }
func (q *logitStream) idle() bool               { return !q.outValid }

// Commit advances one clock edge; in, if not nil, is the input handshake's
// beat (PE scores as two's-complement bits of the MVTU's width, already
// sign-extended by the MVTU node).
func (q *logitStream) Commit(in []uint64, mReady bool) {
	if in == nil {
		if mReady {
			q.outValid = false
		}
		return
	}
	for p := range q.out {
		c := q.beat*q.pe + p
		q.out[p] = 0
		if c < q.classes {
			q.out[p] = int64(in[p])
			q.scores[c] = q.out[p]
		}
	}
	q.outValid, q.outLast = true, q.beat == q.beats-1
	q.done = q.outLast
	if q.done {
		q.outClass = 0
		for c, s := range q.scores {
			if s > q.scores[q.outClass] {
				q.outClass = c
			}
		}
	}
	q.beat = (q.beat + 1) % q.beats
}

// tdata is the output register as m_axis_tdata: lane p at [p*SW +: SW].
func (q *logitStream) tdata() string { return laneHex(q.out, q.sw) }

// laneHex formats lanes of sw bits each, lane 0 least significant, in
// lowercase hex, MSB first (Verilog %h); TDataHex appends the class field.
func laneHex(lanes []int64, sw int) string {
	const hexDigits = "0123456789abcdef"
	digits := sw / 4
	b := make([]byte, 0, len(lanes)*digits)
	for c := len(lanes) - 1; c >= 0; c-- {
		v := uint64(lanes[c])
		for d := digits - 1; d >= 0; d-- {
			b = append(b, hexDigits[(v>>(4*d))&15])
		}
	}
	return string(b)
}
