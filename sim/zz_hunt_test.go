package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestZZHunt(t *testing.T) {
	bad, n, fifos := 0, 0, 0
	for seed := uint64(20); seed < 24; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		for id := range 1500 {
			p := randomConvPlan(t, rng, id)
			for _, s := range p.Stages {
				if s.FIFO != nil {
					fifos++
				}
			}
			frames := 8
			px := randomPixels(rng, p, frames)
			r, err := Run(p, px, frames, Config{})
			if err != nil {
				t.Fatal(err)
			}
			u, err := Run(p, px, frames, Config{UnboundedFIFOs: true})
			if err != nil {
				t.Fatal(err)
			}
			n++
			if r.CyclesPerFrame != float64(p.CyclesPerFrame) || r.FirstLatency != int64(p.Latency) || u.CyclesPerFrame != r.CyclesPerFrame {
				bad++
				fmt.Printf("seed %d id %d: cpf plan %d sim %.1f unb %.1f | lat plan %d sim %d\n", seed, id, p.CyclesPerFrame, r.CyclesPerFrame, u.CyclesPerFrame, p.Latency, r.FirstLatency)
			}
		}
	}
	fmt.Println("designs", n, "bad", bad, "fifos", fifos)
}
