package hw

import "sort"

// sizeBuffers walks the stages through the schedule (schedule.go) with
// the input paced at CyclesPerFrame, and wherever a stage whose Cycles are
// at most its producer's rate would stall its producer (it takes its beats in
// bursts) it puts a FIFO in front, deep enough that it never fills
// (docs/conv-hardware.md section 5). The first MVTU of a dense-first
// network gets no FIFO (it takes the framer's abort; with a paced input it
// never stalls), nor does a sequence model's lstm stage (it takes the
// token's tlast; paced, it never stalls either). It returns frame 0's
// m_axis handshake cycle, the plan's Latency (for a sequence model: token
// 0's).
func (p *Plan) sizeBuffers() int {
	frames := scheduleFrames
	var e []int64
	for f := range frames {
		for k := range p.Stages[0].Out.Beats() {
			e = append(e, int64(f*p.CyclesPerFrame+k))
		}
	}
	stages := []Stage{p.Stages[0]}
	rate := p.Stages[0].Cycles // the producer's cycles per frame
	for i, s := range p.Stages[1:] {
		in, out := s.timeline(e, frames, false)
		// A stage slower than its producer stalls it by nature (the pipeline
		// is as fast as its slowest stage); one as fast that stalls it takes
		// its beats in bursts, which a FIFO absorbs. A pool, width converter
		// or FIFO passes its producer's rate on (it holds at most a pixel).
		bursty := s.Cycles <= rate
		switch s.Kind {
		case StagePool, StageDWC, StageFIFO:
			rate = max(rate, s.Cycles)
		default:
			rate = s.Cycles
		}
		if bursty && stalls(e, in) && !(i == 0 && (s.Kind == StageMVTU || s.Kind == StageLSTM)) {
			in, out = s.timeline(e, frames, true)
			f := &FIFOStage{Depth: max(1, occupancy(e, in)), Width: s.In.DataBits()}
			stages = append(stages, Stage{Kind: StageFIFO, Name: s.Name + ".fifo", In: s.In, Out: s.In, FIFO: f,
				Latency: f.Latency(), Cycles: s.In.Beats()})
		}
		stages = append(stages, s)
		e = out
	}
	p.Stages = stages
	return int(e[0])
}

// stalls reports whether a stage takes some beat later than offered.
func stalls(offered, taken []int64) bool {
	for k, t := range taken {
		if t > offered[k] {
			return true
		}
	}
	return false
}

// occupancy is the largest number of beats a FIFO holds (its memory and
// output register) in a cycle a new beat is offered: beats offered at e,
// taken by the consumer at in (both ascending).
func occupancy(e, in []int64) int {
	n := 0
	for k, t := range e {
		taken := sort.Search(len(in), func(j int) bool { return in[j] >= t }) // beats gone before t
		n = max(n, k-taken)
	}
	return n
}
