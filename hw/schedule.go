package hw

// The pipeline's schedule (docs/conv-hardware.md section 5, as built): every
// stage's rules for when it takes an input beat and when its output beats
// appear, applied stage by stage over several frames whose input starts at
// the bottleneck rate (frame f's beats back to back from f*CyclesPerFrame),
// with the output always ready. A stage that cannot take a beat when its
// producer offers it would stall the producer; the plan sizes its buffers
// so that this never happens (Plan.sizeBuffers): a window generator gets
// more line-buffer rows, any other stage a FIFO in front. Frame 0's
// schedule is then exact (no stage ever stalls), and its output handshake
// is Plan.Latency.

// scheduleFrames is the frames the schedule spans: enough for window
// generators' frame-to-frame interplay (their row schedule is periodic
// after a few frames) at a modest cost.
const scheduleFrames = 6

// maxScheduleBeats bounds the beats of one frame of any stream the
// planner schedules (its arrays hold scheduleFrames times that many
// cycles), so that a huge layer is refused rather than exhausting memory.
const maxScheduleBeats = 1 << 21

// timeline is one stage's schedule: it turns the cycles its input beats
// are offered (e, all frames) into the cycles it takes them (in; later than
// offered where its buffers are full) and the cycles its output beats
// appear. fifo says a FIFO sits in front: a beat offered in cycle t
// reaches the stage at t+1 at the earliest, one per cycle.
func (s *Stage) timeline(e []int64, frames int, fifo bool) (in, out []int64) {
	switch s.Kind {
	case StageMVTU:
		return mvtuTimeline(s.MVTU, s.Out.Pixels*frames, e, fifo)
	case StageLSTM:
		return s.LSTM.timeline(e, fifo)
	case StageSWG:
		return s.SWG.timeline(e, frames, fifo)
	case StageDWC:
		return s.DWC.timeline(e, s.In.Pixels*frames, fifo)
	case StagePool:
		in = arrivals(e, fifo, nil)
		return in, s.Pool.times(in)
	case StageFIFO:
		in = arrivals(e, false, nil)
		return in, shiftTimes(in, 1)
	}
	in = arrivals(e, fifo, nil) // output: the argmax takes a beat per cycle
	b := s.In.Beats()
	for f := range len(in) / b {
		out = append(out, in[(f+1)*b-1]+1)
	}
	return in, out
}

// arrivals is when a stage takes the beats offered at e: at once, or
// behind a FIFO one cycle later at the earliest, one beat per cycle;
// never before gate(k) (nil: no gate).
func arrivals(e []int64, fifo bool, gate func(k int) int64) []int64 {
	a := make([]int64, len(e))
	for k, t := range e {
		a[k] = arrival(a, k, t, fifo)
		if gate != nil {
			a[k] = max(a[k], gate(k))
		}
	}
	return a
}

func arrival(a []int64, k int, t int64, fifo bool) int64 {
	if fifo {
		t++
	}
	if k > 0 {
		t = max(t, a[k-1]+1)
	}
	return t
}

// mvtuTimeline: the input buffer takes vector v's beats once vector v-2 has
// released its bank (the cycle after its last issue); vector v issues from
// the cycle after its last input beat, or after vector v-1's NF*SF issue
// cycles; its beat nf appears SF*(nf+1) + MVTUPipeline + PipeDepth - 1
// cycles after its first issue.
func mvtuTimeline(l *Layer, vectors int, e []int64, fifo bool) (in, out []int64) {
	in = make([]int64, vectors*l.InBeats)
	out = make([]int64, 0, vectors*l.NF)
	issue := make([]int64, vectors)
	for v := range vectors {
		for b := range l.InBeats {
			k := v*l.InBeats + b
			in[k] = arrival(in, k, e[k], fifo)
			if v >= 2 {
				in[k] = max(in[k], issue[v-2]+int64(l.Cycles))
			}
		}
		issue[v] = in[(v+1)*l.InBeats-1] + 1
		if v > 0 {
			issue[v] = max(issue[v], issue[v-1]+int64(l.Cycles))
		}
		for nf := range l.NF {
			out = append(out, issue[v]-1+int64((nf+1)*l.SF+MVTUPipeline+l.PipeDepth))
		}
	}
	return in, out
}

// timeline: the lstm stage takes token k when it is offered, but not before
// token k-1's last beat clears busy_q (Cycles after its handshake: the
// recurrence, every h column of token k needs all of h_{k-1}); beat nf of
// token k appears (nf+1)*SF + LSTMPipeline + PipeDepth cycles after its
// handshake (docs/lstm-hardware.md "Cycles").
func (s *LSTMStage) timeline(e []int64, fifo bool) (in, out []int64) {
	in = make([]int64, len(e))
	out = make([]int64, 0, len(e)*s.NF)
	for k := range e {
		in[k] = arrival(in, k, e[k], fifo)
		if k > 0 {
			in[k] = max(in[k], in[k-1]+int64(s.Cycles))
		}
		for nf := range s.NF {
			out = append(out, in[k]+int64((nf+1)*s.SF+LSTMPipeline+s.PipeDepth))
		}
	}
	return in, out
}

// timeline: input row g (counting across frames) is taken once the
// reader's lowest needed row exceeds g - Rows (from the cycle after the
// last issue of the reader row before the first such row); output row oh
// of frame f issues its first beat in the cycle after input row NeedRow(oh)
// is complete, or after the previous row's OW*WindowBeats issue cycles; its
// beats appear two cycles after their issue (docs/conv-hardware.md "qnn_swg
// as built", the rule of SWGStage.Timing).
func (s *SWGStage) timeline(e []int64, frames int, fifo bool) (in, out []int64) {
	oh, rw := s.OH(), s.RowWords()
	rowIssue := int64(s.OW() * s.WindowBeats())
	in = make([]int64, len(e))
	out = make([]int64, 0, frames*s.OutBeats())
	issue := make([]int64, frames*oh)
	low := func(j int) int { return (j/oh)*s.H + max(0, (j%oh)*s.Stride-s.PadTop) }
	g := 0     // next input row
	first := 0 // the first reader row i <= j with low(i) > g - Rows (both grow)
	for j := range frames * oh {
		need := (j/oh)*s.H + s.NeedRow(j%oh)
		for ; g <= need; g++ {
			for low(first) <= g-s.Rows && first < j {
				first++
			}
			var gate int64 // reader row first's L is in force from the cycle after row first-1's last issue
			if first > 0 {
				gate = issue[first-1] + rowIssue
			}
			for k := g * rw; k < (g+1)*rw; k++ {
				in[k] = max(arrival(in, k, e[k], fifo), gate)
			}
		}
		issue[j] = in[(need+1)*rw-1] + 1
		if j > 0 {
			issue[j] = max(issue[j], issue[j-1]+rowIssue)
		}
		for i := range rowIssue {
			out = append(out, issue[j]+2+i)
		}
	}
	for k := g * rw; k < len(e); k++ { // unread tail rows of the last frame
		in[k] = arrival(in, k, e[k], fifo)
	}
	return in, out
}

// times: the beats of a window's last pixel produce the output beats one
// cycle after their input handshakes (frames back to back).
func (q *PoolStage) times(in []int64) []int64 {
	b := q.Beats()
	per := q.H * q.W * b
	out := make([]int64, 0, len(in)/per*q.OH()*q.OW()*b)
	for k, t := range in {
		pix := (k % per) / b
		ih, iw := pix/q.W, pix%q.W
		if ih < q.OH()*q.Stride && iw < q.OW()*q.Stride && ih%q.Stride == q.K-1 && iw%q.Stride == q.K-1 {
			out = append(out, t+1)
		}
	}
	return out
}

// timeline: pixel p's beats are taken once pixel p-1 has left the write
// buffer (it moves when the read buffer is free: at its last input beat,
// or when pixel p-2's last beat issues); pixel p issues from the cycle
// after its move; beat b appears 1 + b cycles after its first issue.
func (d *DWCStage) timeline(e []int64, pixels int, fifo bool) (in, out []int64) {
	bi, bo := d.InBeats(), d.OutBeats()
	in = make([]int64, len(e))
	out = make([]int64, 0, pixels*bo)
	issue := make([]int64, pixels)
	for p := range pixels {
		for b := range bi {
			k := p*bi + b
			in[k] = arrival(in, k, e[k], fifo)
			if p > 0 {
				in[k] = max(in[k], issue[p-1])
			}
		}
		issue[p] = in[(p+1)*bi-1] + 1
		if p > 0 {
			issue[p] = max(issue[p], issue[p-1]+int64(bo))
		}
		for b := range bo {
			out = append(out, issue[p]+1+int64(b))
		}
	}
	return in, out
}

func shiftTimes(in []int64, d int64) []int64 {
	out := make([]int64, len(in))
	for i, t := range in {
		out[i] = t + d
	}
	return out
}
