package sim

// StreamStage is the cycle model of one valid/ready stream stage of the
// convolutional pipeline (qnn_swg, qnn_pool, qnn_dwc, qnn_fifo), two-phase
// like the other models: a cycle first reads InReady and OutValid/OutData
// (from the current registers, and for InReady the consumer's ready),
// decides the handshakes, then calls Commit once. Beats are lanes of
// unsigned elements (lane l of a beat is bits [l*XBits +: XBits] of the
// module's data port).
type StreamStage interface {
	// InReady is in_ready_o for the consumer's ready out_ready.
	InReady(outReady bool) bool
	// OutValid and OutData are out_valid_o and out_data_o (registers).
	OutValid() bool
	OutData() []uint64
	// Commit advances one clock edge: in is the input handshake's beat
	// (nil for none), outReady the consumer's ready of this cycle.
	Commit(in []uint64, outReady bool)
	// Reset is one clock edge with rst_ni low: control state clears, data
	// registers and memories keep their contents.
	Reset()
}

// StageStalls is a per-cycle stall schedule of a stage run: in cycle k the
// source may offer its next beat when Offer[k], and the sink is ready when
// Ready[k] (docs/dataflow.md "Co-simulation stimulus and stall schedule",
// with the draws precomputed so that an RTL bench can read them).
type StageStalls struct {
	Offer, Ready []bool
}

// NewStageStalls draws cycles cycles of the schedule from splitmix64 with
// seed: two draws per cycle, r_in then r_out; Offer = u(r_in) >= stallIn,
// Ready = u(r_out) >= stallOut.
func NewStageStalls(seed uint64, cycles int, stallIn, stallOut float64) StageStalls {
	g := NewSplitMix64(seed)
	s := StageStalls{Offer: make([]bool, cycles), Ready: make([]bool, cycles)}
	for k := range cycles {
		s.Offer[k] = Uniform(g.Next()) >= stallIn
		s.Ready[k] = Uniform(g.Next()) >= stallOut
	}
	return s
}

// StageBeat is one output handshake of a stage run.
type StageBeat struct {
	Cycle int64
	Data  []uint64
}

// RunStage drives st from its reset state with beats under the schedule
// (the source offers the next beat when none is offered, beats remain and
// Offer[k]; an offered beat stays offered until its handshake) for at most
// len(s.Offer) cycles, stopping after the cycle of output handshake number
// stopAfter (0: never). It returns the output handshakes and the cycles
// simulated.
func RunStage(st StreamStage, beats [][]uint64, s StageStalls, stopAfter int) ([]StageBeat, int) {
	var out []StageBeat
	next, offered := 0, false
	for k := range s.Offer {
		if !offered && next < len(beats) && s.Offer[k] {
			offered = true
		}
		ready := s.Ready[k]
		var in []uint64
		if offered && st.InReady(ready) {
			in = beats[next]
		}
		if st.OutValid() && ready {
			out = append(out, StageBeat{int64(k), append([]uint64(nil), st.OutData()...)})
		}
		st.Commit(in, ready)
		if in != nil {
			offered = false
			next++
		}
		if stopAfter > 0 && len(out) == stopAfter {
			return out, k + 1
		}
	}
	return out, len(s.Offer)
}
