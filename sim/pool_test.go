package sim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/sim"
)

func randomPool(rng *rand.Rand) hw.PoolStage {
	p := hw.PoolStage{Stride: 1 + rng.IntN(3)}
	p.K = 1 + rng.IntN(p.Stride)
	p.H, p.W = p.K+rng.IntN(8), p.K+rng.IntN(8)
	p.C = 1 + rng.IntN(12)
	if rng.IntN(4) == 0 {
		p.C = 65 + rng.IntN(6)
	}
	p.Width = 1 + rng.IntN(p.C+2)
	p.XBits = []int{1, 1, 2, 4}[rng.IntN(4)]
	return p
}

// poolStimulus returns frames random frames (H*W*C elements,
// channel-fastest) and their beats: ceil(C/Width) per pixel, lanes past C
// random (padding that the unit must ignore).
func poolStimulus(rng *rand.Rand, p hw.PoolStage, frames int) ([][]uint64, [][]uint64) {
	var xs, beats [][]uint64
	for range frames {
		x := make([]uint64, p.H*p.W*p.C)
		for i := range x {
			x[i] = rng.Uint64N(1 << p.XBits)
		}
		xs = append(xs, x)
		for px := range p.H * p.W {
			for b := range p.Beats() {
				beat := make([]uint64, p.Width)
				for l := range beat {
					if c := b*p.Width + l; c < p.C {
						beat[l] = x[px*p.C+c]
					} else {
						beat[l] = rng.Uint64N(1 << p.XBits)
					}
				}
				beats = append(beats, beat)
			}
		}
	}
	return xs, beats
}

// poolWant is netlist.MaxPool's result as the output stream: per pooled
// pixel ceil(C/Width) beats, lanes past C zero.
func poolWant(p hw.PoolStage, xs [][]uint64) []uint64 {
	var want []uint64
	for _, x := range xs {
		for oh := range p.OH() {
			for ow := range p.OW() {
				for b := range p.Beats() {
					for l := range p.Width {
						c := b*p.Width + l
						var m uint64
						for i := range p.K {
							for j := range p.K {
								if c < p.C {
									m = max(m, x[((oh*p.Stride+i)*p.W+ow*p.Stride+j)*p.C+c])
								}
							}
						}
						want = append(want, m)
					}
				}
			}
		}
	}
	return want
}

// TestPool: 100 random pools, 3 frames under four stall patterns, equal
// netlist MaxPool semantics; without stalls the output of a window
// appears the cycle after its last input beat, and a frame takes
// CyclesPerFrame cycles.
func TestPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 3))
	for i := range 100 {
		p := randomPool(rng)
		if err := p.Check(); err != nil {
			t.Fatal(err)
		}
		frames := 3
		xs, beats := poolStimulus(rng, p, frames)
		want := poolWant(p, xs)
		nout := frames * p.OH() * p.OW() * p.Beats()
		for j, sc := range stallCases {
			st := sim.NewStageStalls(uint64(100*i+j), 8*(len(beats)+nout)+100, sc.in, sc.out)
			out, _ := sim.RunStage(sim.NewPool(p), beats, st, nout)
			if diff := cmp.Diff(want, flatten(out)); diff != "" {
				t.Fatalf("%+v stalls %v: mismatch (-want +got):\n%s", p, sc, diff)
			}
			if j != 0 {
				continue
			}
			// No stalls: input beat k at cycle k; window (oh, ow) completes
			// with pixel ((oh*S+K-1), (ow*S+K-1)), its output beat b one
			// cycle after that pixel's beat b.
			n := 0
			for f := range frames {
				for oh := range p.OH() {
					for ow := range p.OW() {
						px := (oh*p.Stride+p.K-1)*p.W + ow*p.Stride + p.K - 1
						for b := range p.Beats() {
							wantCycle := int64((f*p.H*p.W+px)*p.Beats() + b + p.Latency())
							if out[n].Cycle != wantCycle {
								t.Fatalf("%+v: output %d at cycle %d, want %d", p, n, out[n].Cycle, wantCycle)
							}
							n++
						}
					}
				}
			}
			if got := out[nout-1].Cycle - out[nout/frames-1].Cycle; got != int64((frames-1)*p.CyclesPerFrame()) {
				t.Fatalf("%+v: %d cycles for %d frames, want %d each", p, got, frames-1, p.CyclesPerFrame())
			}
		}
	}
}
