package hw

// Schedule is frame 0's schedule through the pipeline with input beats
// back to back from cycle 0, the output always ready and no stage ever
// stalling its producer: each stage's output beats appear at the cycles
// its rules give for the cycles its input beats arrive (docs/dataflow.md
// "Timing"). For dense networks, where no stage stalls in frame 0, this is
// exact; Plan.Latency is its Latency.
type Schedule struct {
	// Out[i] holds the cycle each output beat of stage i is valid (and,
	// with its consumer never stalling, hands over); the output stage's
	// single beat is m_axis's handshake.
	Out [][]int64
	// Latency is the cycle of frame 0's m_axis handshake (its first input
	// handshake is in cycle 0).
	Latency int
}

// schedule computes the plan's Schedule stage by stage.
func (p *Plan) schedule() Schedule {
	var sc Schedule
	var cur []int64
	for _, s := range p.Stages {
		switch s.Kind {
		case StageInput:
			cur = make([]int64, s.Out.Beats())
			for k := range cur {
				cur[k] = int64(k)
			}
		case StageMVTU:
			cur = mvtuTimes(s.MVTU, s.Out.Pixels, cur)
		case StageSWG:
			cur = s.SWG.times(cur)
		case StagePool:
			cur = s.Pool.times(cur)
		case StageDWC:
			cur = s.DWC.times(cur, s.In.Pixels)
		case StageFIFO:
			cur = shiftTimes(cur, 1)
		case StageOutput:
			cur = []int64{cur[len(cur)-1] + 1}
		}
		sc.Out = append(sc.Out, cur)
	}
	sc.Latency = int(cur[0])
	return sc
}

// mvtuTimes: vector v issues from the cycle after its last input beat, or
// after vector v-1's NF*SF issue cycles; its beat nf appears SF*(nf+1) +
// MVTUPipeline + PipeDepth - 1 cycles after its first issue.
func mvtuTimes(l *Layer, vectors int, in []int64) []int64 {
	out := make([]int64, 0, vectors*l.NF)
	var issue int64 = -1 << 62
	for v := range vectors {
		issue = max(in[(v+1)*l.InBeats-1]+1, issue+int64(l.Cycles))
		for nf := range l.NF {
			out = append(out, issue-1+int64((nf+1)*l.SF+MVTUPipeline+l.PipeDepth))
		}
	}
	return out
}

// times: output row oh issues its first beat in the cycle after input row
// NeedRow(oh) is complete, or after the previous row's OW*WindowBeats
// issue cycles; its beats appear two cycles after their issue.
func (s *SWGStage) times(in []int64) []int64 {
	out := make([]int64, 0, s.OutBeats())
	row := s.OW() * s.WindowBeats()
	var issue int64 = -1 << 62
	for oh := range s.OH() {
		issue = max(in[(s.NeedRow(oh)+1)*s.RowWords()-1]+1, issue+int64(row))
		for i := range row {
			out = append(out, issue+2+int64(i))
		}
	}
	return out
}

// times: the beats of a window's last pixel produce the output beats one
// cycle after their input handshakes.
func (q *PoolStage) times(in []int64) []int64 {
	b := q.Beats()
	out := make([]int64, 0, q.OH()*q.OW()*b)
	for k, t := range in {
		pix := k / b
		ih, iw := pix/q.W, pix%q.W
		if ih < q.OH()*q.Stride && iw < q.OW()*q.Stride && ih%q.Stride == q.K-1 && iw%q.Stride == q.K-1 {
			out = append(out, t+1)
		}
	}
	return out
}

// times: pixel p moves to the read buffer at its last input beat, or when
// pixel p-1's OutBeats beats are issued; beat b appears 1 + b cycles after
// the first issue.
func (d *DWCStage) times(in []int64, pixels int) []int64 {
	bi, bo := d.InBeats(), d.OutBeats()
	out := make([]int64, 0, pixels*bo)
	var issue int64 = -1 << 62
	for p := range pixels {
		issue = max(in[(p+1)*bi-1]+1, issue+int64(bo))
		for b := range bo {
			out = append(out, issue+1+int64(b))
		}
	}
	return out
}

func shiftTimes(in []int64, d int64) []int64 {
	out := make([]int64, len(in))
	for i, t := range in {
		out[i] = t + d
	}
	return out
}
