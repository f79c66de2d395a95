package sim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/sim"
)

// TestFIFO: random depths under stalls pass every beat through in order;
// into an empty FIFO a beat is valid the cycle after its handshake; with
// the sink never ready it takes exactly Capacity beats.
func TestFIFO(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 4))
	for i := range 100 {
		f := hw.FIFOStage{Depth: 1 + rng.IntN(9), Width: 1 + rng.IntN(70)}
		beats := make([][]uint64, 1+rng.IntN(200))
		for j := range beats {
			beats[j] = []uint64{rng.Uint64(), uint64(j)}
		}
		for j, sc := range stallCases {
			st := sim.NewStageStalls(uint64(100*i+j), 10*len(beats)+100, sc.in, sc.out)
			out, _ := sim.RunStage(sim.NewFIFO(f), beats, st, len(beats))
			var got [][]uint64
			for k, b := range out {
				got = append(got, b.Data)
				if j == 0 && b.Cycle != int64(k+f.Latency()) {
					t.Fatalf("%+v: beat %d out at cycle %d, want %d", f, k, b.Cycle, k+f.Latency())
				}
			}
			if diff := cmp.Diff(beats, got); diff != "" {
				t.Fatalf("%+v stalls %v: mismatch (-want +got):\n%s", f, sc, diff)
			}
		}
		q := sim.NewFIFO(f)
		n := 0
		for range 3 * f.Capacity() {
			if q.InReady(false) {
				q.Commit([]uint64{1}, false)
				n++
			} else {
				q.Commit(nil, false)
			}
		}
		if n != f.Capacity() {
			t.Fatalf("%+v: holds %d beats, want %d", f, n, f.Capacity())
		}
	}
}

// TestDWC: random widths, pixels re-sliced exactly (lanes past C zero)
// under stalls; without stalls the first beat at Latency and one pixel
// every CyclesPerPixel cycles.
func TestDWC(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 5))
	for i := range 150 {
		d := hw.DWCStage{C: 1 + rng.IntN(70), XBits: []int{1, 2, 8}[rng.IntN(3)]}
		d.InWidth, d.OutWidth = 1+rng.IntN(d.C+3), 1+rng.IntN(d.C+3)
		if rng.IntN(3) == 0 {
			d.InWidth, d.OutWidth = 1+rng.IntN(8), 1+rng.IntN(8)
		}
		pixels := 1 + rng.IntN(12)
		var beats [][]uint64
		var want []uint64
		for range pixels {
			px := make([]uint64, d.InBeats()*d.InWidth)
			for l := range px {
				px[l] = rng.Uint64N(1 << d.XBits) // lanes past C: padding to drop
			}
			for b := range d.InBeats() {
				beats = append(beats, px[b*d.InWidth:(b+1)*d.InWidth])
			}
			for l := range d.OutBeats() * d.OutWidth {
				if l < d.C {
					want = append(want, px[l])
				} else {
					want = append(want, 0)
				}
			}
		}
		nout := pixels * d.OutBeats()
		for j, sc := range stallCases {
			st := sim.NewStageStalls(uint64(100*i+j), 10*(len(beats)+nout)+100, sc.in, sc.out)
			out, _ := sim.RunStage(sim.NewDWC(d), beats, st, nout)
			if diff := cmp.Diff(want, flatten(out)); diff != "" {
				t.Fatalf("%+v stalls %v: mismatch (-want +got):\n%s", d, sc, diff)
			}
			if j != 0 {
				continue
			}
			if out[0].Cycle != int64(d.Latency()) {
				t.Fatalf("%+v: first beat at %d, Latency %d", d, out[0].Cycle, d.Latency())
			}
			for p := 1; p < pixels; p++ {
				got := out[p*d.OutBeats()].Cycle - out[(p-1)*d.OutBeats()].Cycle
				if got != int64(d.CyclesPerPixel()) {
					t.Fatalf("%+v: pixel %d after %d cycles, want %d", d, p, got, d.CyclesPerPixel())
				}
			}
		}
	}
}
