package hw

// FramesHeld bounds the frames a stage holds in its sense of the
// bad-flag queue (docs/dataflow.md "Framing of conv-first networks"):
// frames whose last input beat the stage has taken but whose last output
// beat it has not yet handed on (the output stage: whose result it has not
// handed on). A frame in flight is held by exactly one stage, the last one
// its last beat has reached, so the sum over the stages after the input
// bounds the frames in flight. Per kind, under any stalls:
//   - mvtu: one frame per vector it can hold: the two input banks, the
//     issue stage and the MVTUPipeline + PipeDepth registers after it;
//   - lstm (tokens): the token it computes (busy_q) and, once its last
//     beat is in the output register, the next one;
//   - swg: Rows/H frames whose every row is still in the line buffer (the
//     reader has not started them, so none of their rows is freed), the
//     frame the reader is in, and the read stage and the output register;
//   - pool: its output register and the window row it accumulates, plus
//     one;
//   - dwc: the pixel being written, the pixel being read and the output
//     register;
//   - fifo: one per beat it holds, Capacity;
//   - output: its output register.
func (s *Stage) FramesHeld() int {
	switch s.Kind {
	case StageMVTU:
		return 3 + MVTUPipeline + s.MVTU.PipeDepth
	case StageLSTM:
		return 2
	case StageSWG:
		return s.SWG.Rows/s.SWG.H + 3
	case StagePool:
		return 3
	case StageDWC:
		return 3
	case StageFIFO:
		return s.FIFO.Capacity()
	case StageOutput:
		return 1
	}
	return 0
}

// FramesInFlight is the sum of FramesHeld over the stages after the
// input: the bad-flag queue of a Pad design never holds more (Output.FlagDepth).
func (p *Plan) FramesInFlight() int {
	n := 0
	for i := range p.Stages[1:] {
		n += p.Stages[1+i].FramesHeld()
	}
	return n
}
