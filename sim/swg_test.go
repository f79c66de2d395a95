package sim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/sim"
)

// randomSWG draws window generator parameters: kernels 1..5, strides 1..3,
// every side padded or not, non-square inputs just large enough or larger,
// C up to 70 with SIMD | C, 1..8-bit elements, line buffers of KH rows up
// to KH + Stride + 2.
func randomSWG(rng *rand.Rand) hw.SWGStage {
	for {
		p := hw.SWGStage{KH: 1 + rng.IntN(5), KW: 1 + rng.IntN(5), Stride: 1 + rng.IntN(3)}
		pad := func(k int) int {
			if rng.IntN(2) == 0 {
				return 0
			}
			return rng.IntN(k)
		}
		p.PadTop, p.PadBottom, p.PadLeft, p.PadRight = pad(p.KH), pad(p.KH), pad(p.KW), pad(p.KW)
		p.H = max(1, p.KH-p.PadTop-p.PadBottom) + rng.IntN(7)
		p.W = max(1, p.KW-p.PadLeft-p.PadRight) + rng.IntN(7)
		if rng.IntN(4) == 0 {
			p.C = 65 + rng.IntN(6)
		} else {
			p.C = 1 + rng.IntN(12)
		}
		var divs []int
		for d := 1; d <= p.C; d++ {
			if p.C%d == 0 {
				divs = append(divs, d)
			}
		}
		p.SIMD = divs[rng.IntN(len(divs))]
		p.XBits = []int{1, 1, 2, 3, 8}[rng.IntN(5)]
		p.PadElem = rng.Int64N(1 << p.XBits)
		p.Rows = p.DefaultRows() + []int{0, 0, 1, 2, -p.Stride}[rng.IntN(5)]
		if rng.IntN(6) == 0 && p.Check() == nil {
			p.Rows = p.FastestRows()
		}
		if p.Check() == nil {
			return p
		}
	}
}

// swgStimulus returns frames random input frames (H*W*C elements each,
// channel-fastest) and their beats (SIMD elements per beat, raster order).
func swgStimulus(rng *rand.Rand, p hw.SWGStage, frames int) ([][]uint64, [][]uint64) {
	var xs, beats [][]uint64
	for range frames {
		x := make([]uint64, p.H*p.W*p.C)
		for i := range x {
			x[i] = rng.Uint64N(1 << p.XBits)
		}
		xs = append(xs, x)
		for i := 0; i < len(x); i += p.SIMD {
			beats = append(beats, x[i:i+p.SIMD])
		}
	}
	return xs, beats
}

// swgWindows is the expected output, computed directly from the input
// frames: for every output pixel in raster order its window as a
// Conv2D weight row orders it, element (kh*KW + kw)*C + c, PadElem outside.
func swgWindows(p hw.SWGStage, xs [][]uint64) []uint64 {
	var want []uint64
	for _, x := range xs {
		for oh := range p.OH() {
			for ow := range p.OW() {
				win := make([]uint64, p.KH*p.KW*p.C)
				for kh := range p.KH {
					for kw := range p.KW {
						ih, iw := oh*p.Stride-p.PadTop+kh, ow*p.Stride-p.PadLeft+kw
						for c := range p.C {
							v := uint64(p.PadElem)
							if ih >= 0 && ih < p.H && iw >= 0 && iw < p.W {
								v = x[(ih*p.W+iw)*p.C+c]
							}
							win[(kh*p.KW+kw)*p.C+c] = v
						}
					}
				}
				want = append(want, win...)
			}
		}
	}
	return want
}

func flatten(out []sim.StageBeat) []uint64 {
	var v []uint64
	for _, b := range out {
		v = append(v, b.Data...)
	}
	return v
}

var stallCases = []struct{ in, out float64 }{{0, 0}, {0.5, 0.5}, {0.3, 0.7}, {0.8, 0.2}}

// TestSWGWindows: on 40 random parameter sets, 3 frames each under four
// stall patterns, the window generator's output is every window of every
// frame, in order.
func TestSWGWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	for i := range 40 {
		p := randomSWG(rng)
		frames := 3
		xs, beats := swgStimulus(rng, p, frames)
		want := swgWindows(p, xs)
		for j, sc := range stallCases {
			st := sim.NewStageStalls(uint64(100*i+j), 8*(len(beats)+frames*p.OutBeats())+1000, sc.in, sc.out)
			out, _ := sim.RunStage(sim.NewSWG(p), beats, st, frames*p.OutBeats())
			if diff := cmp.Diff(want, flatten(out)); diff != "" {
				t.Fatalf("%+v stalls %v: windows mismatch (-want +got):\n%s", p, sc, diff)
			}
		}
	}
}

// TestSWGTiming: without stalls every output beat appears exactly when
// hw's row-level schedule says (two cycles after its issue), so the first
// beat at Latency, and frames repeat every CyclesPerFrame cycles.
func TestSWGTiming(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2))
	for range 200 {
		p := randomSWG(rng)
		frames := 4 + 2*(p.Rows/p.H+1)
		_, beats := swgStimulus(rng, p, frames)
		st := sim.NewStageStalls(1, 4*(len(beats)+frames*p.OutBeats())+100, 0, 0)
		out, _ := sim.RunStage(sim.NewSWG(p), beats, st, frames*p.OutBeats())
		if len(out) != frames*p.OutBeats() {
			t.Fatalf("%+v: %d output beats, want %d", p, len(out), frames*p.OutBeats())
		}
		tm := p.Timing(frames)
		rowBeats := p.OW() * p.WindowBeats()
		for i, b := range out {
			if want := tm.RowIssue[i/rowBeats] + 2 + int64(i%rowBeats); b.Cycle != want {
				t.Fatalf("%+v: output beat %d at cycle %d, schedule says %d", p, i, b.Cycle, want)
			}
		}
		if out[0].Cycle != int64(p.Latency()) {
			t.Fatalf("%+v: first beat at %d, Latency %d", p, out[0].Cycle, p.Latency())
		}
		f := frames - 1
		got := out[f*p.OutBeats()].Cycle - out[(f-1)*p.OutBeats()].Cycle
		if got != int64(p.CyclesPerFrame()) {
			t.Fatalf("%+v: frame period %d, CyclesPerFrame %d", p, got, p.CyclesPerFrame())
		}
		if lo := max(p.InBeats(), p.OutBeats()); p.CyclesPerFrame() < lo {
			t.Fatalf("%+v: CyclesPerFrame %d below the bound %d", p, p.CyclesPerFrame(), lo)
		}
	}
	_ = fmt.Sprint
}
