package sim

import (
	"fmt"

	"github.com/qnn-dev/qnn/hw"
)

// Config is the stimulus and stall schedule of one run
// (docs/dataflow.md "Co-simulation stimulus and stall schedule").
type Config struct {
	// StallIn is the probability, per cycle, that a pending input beat is
	// not offered yet; StallOut that m_axis_tready is 0. Both in [0, 1).
	StallIn, StallOut float64
	// Seed seeds the splitmix64 generator that draws r_in then r_out every
	// cycle.
	Seed uint64
	// MaxCycles bounds the run; 0 selects a bound far above the expected
	// run length for the stall probabilities.
	MaxCycles int64
	// UnboundedFIFOs puts a FIFO without a depth limit (qnn_fifo's timing,
	// in_ready always 1) after every stage but the output: the reference
	// against which the plan's FIFO depths are checked (same cycles per
	// frame). It is not a design the RTL has.
	UnboundedFIFOs bool
}

// designOptions are the Config fields that change the modelled design.
type designOptions struct{ unboundedFIFOs bool }

// Beat is one m_axis output handshake.
type Beat struct {
	Cycle int64  // the cycle whose closing clock edge sampled the handshake (cycle 0 is the first after reset)
	TData string // lowercase hex, ceil(TDataBits/4) digits, MSB first (Verilog %h)
}

// LayerStats counts one MVTU's cycles. Every simulated cycle is exactly
// one of Busy, StallIn and StallOut.
type LayerStats struct {
	Name string // the dense layer's name
	// Busy counts cycles with en = 1 in which stage A issued an (nf, sf)
	// pair.
	Busy int64
	// StallIn counts cycles with en = 1 and the read bank not full: the
	// MVTU idles waiting for a full input vector (including before the
	// first frame and after the last one).
	StallIn int64
	// StallOut counts cycles with en = 0: the output register holds a beat
	// the next stage does not accept, and the whole pipeline holds.
	StallOut int64
}

// StageStats counts one stage's cycles: every simulated cycle is exactly
// one of Busy, StallIn and StallOut.
type StageStats struct {
	Kind, Name string // the plan stage's kind and name
	// StallOut counts cycles in which the output register holds a beat the
	// next stage does not accept.
	StallOut int64
	// Busy counts the other cycles with an input handshake or a valid
	// output (handed over).
	Busy int64
	// StallIn counts the rest (and reset cycles): nothing in, nothing out.
	StallIn int64
}

// Result is what a run produced.
type Result struct {
	Beats   []Beat    // every output handshake, in order: one per frame (a logit stream: Output.Beats per token)
	Classes []int     // per frame: the predicted class
	Scores  [][]int64 // per frame: the class scores
	// Cycles is the number of cycles simulated: the last output
	// handshake's cycle + 1.
	Cycles int64
	// FirstLatency is frame 0's output handshake cycle minus its first
	// input handshake cycle (the plan's Latency without stalls).
	FirstLatency int64
	// CyclesPerFrame is the steady-state mean distance between output
	// handshakes: over the second half of the frames for 4 or more
	// frames, over all of them for 2 or 3, 0 for one frame.
	CyclesPerFrame float64
	Layers         []LayerStats // per MVTU
	// Stages counts every stage after the input (Plan.Stages[1:], and the
	// unbounded FIFOs of Config.UnboundedFIFOs) the same way.
	Stages []StageStats
	// Status is every change of the framer's outputs (frame_err,
	// frame_drops) as sampled in a cycle, from (false, 0) after the first
	// reset: empty for well-formed streams.
	Status []Status
}

// Status is the value of the framer's outputs from a cycle on.
type Status struct {
	Cycle int64 // the first cycle with these values
	Err   bool  // frame_err (sticky)
	Drops int64 // frame_drops (saturating)
}

// stimulus is the test harness around the design (not an RTL module): it
// offers the s_axis beats and drives m_axis_tready by the seeded stall
// schedule of docs/dataflow.md.
type stimulus struct {
	rng               *SplitMix64
	stallIn, stallOut float64
	// load fills beat with the data of beat i and returns its tlast.
	load        func(i int, beat []byte) bool
	total, next int  // beats in the run, index of the next beat to offer
	offered     bool // s_axis_tvalid
	beat        []byte
	last        bool // s_axis_tlast
}

// draw makes the cycle's two draws, r_in then r_out: it offers the next
// beat if none is offered, beats remain and u(r_in) >= StallIn, and
// returns m_axis_tready = u(r_out) >= StallOut.
func (s *stimulus) draw() (mReady bool) {
	rIn, rOut := s.rng.Next(), s.rng.Next()
	if !s.offered && s.next < s.total && Uniform(rIn) >= s.stallIn {
		s.offered = true
		s.last = s.load(s.next, s.beat)
	}
	return Uniform(rOut) >= s.stallOut
}

// frameSource loads beat i of frames of beatsPerFrame beats (pixels back
// to back, size bytes each, the last beat zero-padded), tlast on each
// frame's last beat.
func frameSource(pixels []byte, size, inPix, beatsPerFrame int) func(int, []byte) bool {
	return func(i int, beat []byte) bool {
		f, j := i/beatsPerFrame, i%beatsPerFrame
		img := pixels[f*size : (f+1)*size]
		n := copy(beat, img[min(j*inPix, size):])
		clear(beat[n:])
		return j == beatsPerFrame-1
	}
}

// runner is one simulation run: the design, its stimulus and what it
// recorded.
type runner struct {
	d         *design
	st        *stimulus
	resets    []Reset
	res       *Result
	status    Status // the framer outputs as last recorded
	firstIn   int64  // cycle of the first input handshake, -1 before it
	outCycles []int64
}

func newRunner(p *hw.Plan, cfg Config, load func(int, []byte) bool, total int, resets []Reset) *runner {
	return &runner{d: newDesign(p, designOptions{unboundedFIFOs: cfg.UnboundedFIFOs}), res: &Result{}, resets: resets, firstIn: -1,
		st: &stimulus{rng: NewSplitMix64(cfg.Seed), stallIn: cfg.StallIn, stallOut: cfg.StallOut,
			load: load, total: total, beat: make([]byte, p.Input.TDataBits/8)}}
}

// cycle simulates cycle k: the draws, the framer status and output
// handshake as sampled in the cycle, then the clock edge.
func (r *runner) cycle(k int64) {
	mReady := r.st.draw()
	if e, n := r.d.status(); e != r.status.Err || n != r.status.Drops {
		r.status = Status{Cycle: k, Err: e, Drops: n}
		r.res.Status = append(r.res.Status, r.status)
	}
	if q := r.d.logits; q != nil && r.d.mValid() && mReady {
		// Every beat is a handshake; a token's result is complete with its
		// last beat.
		r.res.Beats = append(r.res.Beats, Beat{Cycle: k, TData: q.tdata()})
		if q.done {
			r.res.Classes = append(r.res.Classes, q.outClass)
			r.res.Scores = append(r.res.Scores, append([]int64(nil), q.scores...))
			r.outCycles = append(r.outCycles, k)
		}
	} else if o := r.d.out; r.d.mValid() && mReady {
		r.res.Beats = append(r.res.Beats, Beat{Cycle: k, TData: TDataHex(o.outClass, o.outScores, o.sw)})
		r.res.Classes = append(r.res.Classes, o.outClass)
		r.res.Scores = append(r.res.Scores, append([]int64(nil), o.outScores...))
		r.outCycles = append(r.outCycles, k)
	}
	if r.d.step(r.st.offered, r.st.beat, r.st.last, mReady, r.inReset(k)) {
		if r.firstIn < 0 {
			r.firstIn = k
		}
		r.st.offered = false
		r.st.next++
	}
}

func (r *runner) inReset(k int64) bool {
	for _, rs := range r.resets {
		if k >= rs.Cycle && k < rs.Cycle+int64(rs.Cycles) {
			return true
		}
	}
	return false
}

// finish fills the statistics of a run of cycles cycles.
func (r *runner) finish(cycles int64) (*Result, error) {
	if f := r.d.flags; f != nil && f.err != nil {
		return nil, f.err
	}
	for _, m := range r.d.mvtus {
		if m.err != nil {
			return nil, m.err
		}
		r.res.Layers = append(r.res.Layers, m.stats)
	}
	r.res.Stages = r.d.stats
	r.res.Cycles = cycles
	if len(r.outCycles) > 0 && r.firstIn >= 0 {
		r.res.FirstLatency = r.outCycles[0] - r.firstIn
	}
	r.res.CyclesPerFrame = steadyCycles(r.outCycles)
	return r.res, nil
}

// Run simulates frames images (pixels holds them back to back,
// Input.Shape.Size() bytes each, netlist order) through the design p
// describes, from reset until the last frame's output handshake. Every
// frame is well-formed: tlast on its last beat.
func Run(p *hw.Plan, pixels []byte, frames int, cfg Config) (*Result, error) {
	if err := checkRun(p, pixels, frames, cfg); err != nil {
		return nil, err
	}
	if frames == 0 {
		return &Result{}, nil
	}
	maxCycles := cfg.MaxCycles
	if maxCycles <= 0 {
		maxCycles = defaultMaxCycles(p, frames, cfg)
	}
	r := newRunner(p, cfg, frameSource(pixels, p.Input.Shape.Size(), p.Input.InPix, p.Input.Beats), frames*p.Input.Beats, nil)
	for k := int64(0); len(r.outCycles) < frames; k++ {
		if k >= maxCycles {
			return nil, fmt.Errorf("sim: only %d of %d frames out after %d cycles (MaxCycles): the design is stuck or the bound too small",
				len(r.outCycles), frames, maxCycles)
		}
		r.cycle(k)
	}
	return r.finish(r.outCycles[frames-1] + 1)
}

// steadyCycles is Result.CyclesPerFrame from the output handshake cycles.
func steadyCycles(t []int64) float64 {
	n := len(t)
	if n < 2 {
		return 0
	}
	i0 := 0
	if n >= 4 {
		i0 = n / 2
	}
	return float64(t[n-1]-t[i0]) / float64(n-1-i0)
}

func checkRun(p *hw.Plan, pixels []byte, frames int, cfg Config) error {
	switch {
	case p == nil || len(p.Layers) == 0:
		return fmt.Errorf("sim: empty plan")
	case p.Input.Tokens > 0 && frames > 0:
		return fmt.Errorf("sim: plan of %q is a sequence model's: it reads tokens (RunSequences), not images", p.Input.Name)
	case frames < 0:
		return fmt.Errorf("sim: negative frame count %d", frames)
	case len(pixels) != frames*p.Input.Shape.Size():
		return fmt.Errorf("sim: %d pixel bytes for %d frames of %v = %d bytes each", len(pixels), frames, p.Input.Shape, p.Input.Shape.Size())
	case !(cfg.StallIn >= 0 && cfg.StallIn < 1):
		return fmt.Errorf("sim: input stall probability %g is outside [0, 1)", cfg.StallIn)
	case !(cfg.StallOut >= 0 && cfg.StallOut < 1):
		return fmt.Errorf("sim: output stall probability %g is outside [0, 1)", cfg.StallOut)
	}
	return nil
}

// defaultMaxCycles is a bound many times the expected run length.
func defaultMaxCycles(p *hw.Plan, frames int, cfg Config) int64 {
	slow := 1 / ((1 - cfg.StallIn) * (1 - cfg.StallOut))
	per := max(p.CyclesPerFrame, p.Input.Beats+p.Output.Beats+1)
	return int64(float64(p.Latency+(frames+1)*per)*slow*8) + 10000
}
