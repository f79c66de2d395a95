package sim

import (
	"fmt"

	"github.com/qnn-dev/qnn/hw"
)

// InputBeat is one s_axis beat of a stream given beat by beat.
type InputBeat struct {
	Data []byte // Input.TDataBits/8 bytes (InPix pixels, or a token), byte j at tdata[8*j +: 8]
	Last bool   // s_axis_tlast
}

// Reset is a reset pulse during a run: rst_n is low in cycles Cycle ..
// Cycle+Cycles-1 (cycle 0 is the first after the initial reset). The
// stimulus carries on through it: the stall schedule draws as every
// cycle, an offered beat stays offered, and a beat that handshakes while
// rst_n is low is lost.
type Reset struct {
	Cycle  int64
	Cycles int
}

// DrainCycles is how long RunStream keeps simulating after the design
// has gone idle with the stream sent: the plan's latency and 16 cycles,
// a margin in which a correct RTL produces nothing more.
func DrainCycles(p *hw.Plan) int64 { return int64(p.Latency) + 16 }

// RunStream simulates an s_axis stream given beat by beat (any tlast
// pattern: docs/dataflow.md "Framing" says which frames are dropped) with
// reset pulses, from the initial reset until every beat has handshaken,
// every reset is over and no frame is in flight, and then DrainCycles
// more. Result.Cycles is the number of cycles simulated; Result.Beats
// holds one output per frame that was not dropped (nor lost to a reset).
func RunStream(p *hw.Plan, beats []InputBeat, resets []Reset, cfg Config) (*Result, error) {
	if err := checkStream(p, beats, resets, cfg); err != nil {
		return nil, err
	}
	maxCycles := cfg.MaxCycles
	var resetEnd int64
	for _, rs := range resets {
		resetEnd = max(resetEnd, rs.Cycle+int64(rs.Cycles))
	}
	if maxCycles <= 0 {
		frames := (len(beats) + p.Input.Beats - 1) / p.Input.Beats
		maxCycles = defaultMaxCycles(p, frames, cfg) + resetEnd
	}
	load := func(i int, beat []byte) bool {
		copy(beat, beats[i].Data)
		return beats[i].Last
	}
	r := newRunner(p, cfg, load, len(beats), resets)
	drain := DrainCycles(p)
	var k int64
	for ; ; k++ {
		if k >= maxCycles {
			return nil, fmt.Errorf("sim: %d of %d beats in after %d cycles (MaxCycles): the design is stuck or the bound too small",
				r.st.next, len(beats), maxCycles)
		}
		if r.st.next == len(beats) && k >= resetEnd && r.d.idle() {
			break
		}
		r.cycle(k)
	}
	for end := k + drain; k < end; k++ {
		r.cycle(k)
	}
	return r.finish(k)
}

func checkStream(p *hw.Plan, beats []InputBeat, resets []Reset, cfg Config) error {
	if err := checkRun(p, nil, 0, cfg); err != nil {
		return err
	}
	for i, b := range beats {
		if len(b.Data) != p.Input.TDataBits/8 {
			return fmt.Errorf("sim: input beat %d has %d bytes, want %d (tdata %d bits)", i, len(b.Data), p.Input.TDataBits/8, p.Input.TDataBits)
		}
	}
	for i, rs := range resets {
		if rs.Cycle < 0 || rs.Cycles < 1 {
			return fmt.Errorf("sim: reset %d at cycle %d for %d cycles: want cycle >= 0 and at least 1 cycle", i, rs.Cycle, rs.Cycles)
		}
	}
	return nil
}

// FrameBeats is the well-formed stream of frames images (pixels back to
// back, Input.Shape.Size() bytes each): Input.Beats beats per frame, the
// last one zero-padded and carrying tlast. Run simulates the same stream.
func FrameBeats(p *hw.Plan, pixels []byte, frames int) []InputBeat {
	size := p.Input.Shape.Size()
	var out []InputBeat
	for f := range frames {
		for j, b := range p.InputBeats(pixels[f*size : (f+1)*size]) {
			out = append(out, InputBeat{Data: b, Last: j == p.Input.Beats-1})
		}
	}
	return out
}
