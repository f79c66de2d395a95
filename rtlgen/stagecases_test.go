package rtlgen_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/sim"
)

// stageStalls are the (in, out) stall probabilities the cases cycle through.
var stageStalls = [][2]float64{{0, 0}, {0.5, 0.5}, {0.3, 0.7}, {0.7, 0.3}}

func stalls(i int, cycles int) sim.StageStalls {
	s := stageStalls[i%len(stageStalls)]
	return sim.NewStageStalls(uint64(1000+i), cycles, s[0], s[1])
}

func divisors(n int) []int {
	var d []int
	for i := 1; i <= n; i++ {
		if n%i == 0 {
			d = append(d, i)
		}
	}
	return d
}

func randomBeats(rng *rand.Rand, n, lanes, bits int) [][]uint64 {
	beats := make([][]uint64, n)
	for i := range beats {
		beats[i] = make([]uint64, lanes)
		for l := range beats[i] {
			beats[i][l] = rng.Uint64N(1 << bits)
		}
	}
	return beats
}

// swgCases: n random window generators (kernels 1..5, strides 1..3, every
// padding kind, non-square, C up to 8 or 66, SIMD | C, line buffers of
// KH to KH + Stride + 1 rows), 2 frames each.
func swgCases(rng *rand.Rand, n int) []*stageCase {
	var cases []*stageCase
	for len(cases) < n {
		p := hw.SWGStage{KH: 1 + rng.IntN(5), KW: 1 + rng.IntN(5), Stride: 1 + rng.IntN(3)}
		p.PadTop, p.PadBottom = rng.IntN(p.KH), rng.IntN(p.KH)
		p.PadLeft, p.PadRight = rng.IntN(p.KW), rng.IntN(p.KW)
		if rng.IntN(3) == 0 {
			p.PadTop, p.PadBottom, p.PadLeft, p.PadRight = 0, 0, 0, 0
		}
		p.H = max(1, p.KH-p.PadTop-p.PadBottom) + rng.IntN(5)
		p.W = max(1, p.KW-p.PadLeft-p.PadRight) + rng.IntN(5)
		p.C = 1 + rng.IntN(8)
		if len(cases) == 0 {
			p.C = 66
		}
		d := divisors(p.C)
		p.SIMD = d[rng.IntN(len(d))]
		p.XBits = []int{1, 2, 3, 8}[rng.IntN(4)]
		p.PadElem = rng.Int64N(1 << p.XBits)
		p.Rows = p.DefaultRows() + []int{0, 0, 1, -p.Stride}[rng.IntN(4)]
		p.Style = []hw.MemStyle{hw.MemAuto, hw.MemBlock, hw.MemLUT}[rng.IntN(3)]
		if p.Check() != nil || p.InBeats()+p.OutBeats() > 3000 {
			continue
		}
		frames := 2
		i := len(cases)
		c := &stageCase{
			name:   fmt.Sprintf("swg%d %+v", i, p),
			module: "qnn_swg",
			params: []string{fmt.Sprintf("C=%d", p.C), fmt.Sprintf("H=%d", p.H), fmt.Sprintf("W=%d", p.W),
				fmt.Sprintf("Kh=%d", p.KH), fmt.Sprintf("Kw=%d", p.KW), fmt.Sprintf("Stride=%d", p.Stride),
				fmt.Sprintf("PadTop=%d", p.PadTop), fmt.Sprintf("PadBottom=%d", p.PadBottom),
				fmt.Sprintf("PadLeft=%d", p.PadLeft), fmt.Sprintf("PadRight=%d", p.PadRight),
				fmt.Sprintf("PadElem=%d", p.PadElem), fmt.Sprintf("Simd=%d", p.SIMD), fmt.Sprintf("XBits=%d", p.XBits),
				fmt.Sprintf("Rows=%d", p.Rows), fmt.Sprintf("Style=%d", p.StyleCode())},
			newSt:   func() sim.StreamStage { return sim.NewSWG(p) },
			inLanes: p.SIMD, inBits: p.XBits, outLanes: p.SIMD, outBits: p.XBits,
			beats:   randomBeats(rng, frames*p.InBeats(), p.SIMD, p.XBits),
			wantOut: frames * p.OutBeats(),
		}
		c.stalls = stalls(i, 6*(len(c.beats)+c.wantOut)+200)
		cases = append(cases, c)
	}
	return cases
}

// mutant is a broken copy of a library module for the negative controls.
type mutant struct {
	module   string
	old, new string // one source replacement
}

// writeMutant writes the library with one module broken and returns the
// file list.
func writeMutant(t *testing.T, dir string, m mutant) []string {
	t.Helper()
	lib, _ := filepath.Glob("lib/conv/*.v")
	var out []string
	for _, f := range lib {
		if filepath.Base(f) != m.module+".v" {
			out = append(out, f)
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(src), m.old) != 1 {
			t.Fatalf("mutant of %s: %q found %d times", m.module, m.old, strings.Count(string(src), m.old))
		}
		p := filepath.Join(dir, m.module+".v")
		if err := os.WriteFile(p, []byte(strings.Replace(string(src), m.old, m.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// poolCases: n random max-pools (K <= Stride <= 3, non-square, C up to 8
// or 66, any Width, padded lanes), 2 frames each.
func poolCases(rng *rand.Rand, n int) []*stageCase {
	var cases []*stageCase
	for i := range n {
		p := hw.PoolStage{Stride: 1 + rng.IntN(3)}
		p.K = 1 + rng.IntN(p.Stride)
		p.H, p.W = p.K+rng.IntN(6), p.K+rng.IntN(6)
		p.C = 1 + rng.IntN(8)
		if i == 0 {
			p.C = 66
		}
		p.Width = 1 + rng.IntN(p.C+1)
		p.XBits = []int{1, 2, 4}[rng.IntN(3)]
		frames := 2
		nout := frames * p.OH() * p.OW() * p.Beats()
		c := &stageCase{
			name:   fmt.Sprintf("pool%d %+v", i, p),
			module: "qnn_pool",
			params: []string{fmt.Sprintf("C=%d", p.C), fmt.Sprintf("H=%d", p.H), fmt.Sprintf("W=%d", p.W),
				fmt.Sprintf("K=%d", p.K), fmt.Sprintf("Stride=%d", p.Stride), fmt.Sprintf("Width=%d", p.Width),
				fmt.Sprintf("XBits=%d", p.XBits)},
			newSt:   func() sim.StreamStage { return sim.NewPool(p) },
			inLanes: p.Width, inBits: p.XBits, outLanes: p.Width, outBits: p.XBits,
			beats:   randomBeats(rng, frames*p.H*p.W*p.Beats(), p.Width, p.XBits),
			wantOut: nout,
		}
		c.stalls = stalls(i, 6*(len(c.beats)+nout)+200)
		cases = append(cases, c)
	}
	return cases
}

// dwcCases: n random width converters (C up to 70, either side wider,
// padded lanes on both sides), 1..10 pixels each.
func dwcCases(rng *rand.Rand, n int) []*stageCase {
	var cases []*stageCase
	for i := range n {
		d := hw.DWCStage{C: 1 + rng.IntN(70), XBits: []int{1, 2, 8}[rng.IntN(3)]}
		d.InWidth, d.OutWidth = 1+rng.IntN(d.C+2), 1+rng.IntN(d.C+2)
		if i%2 == 0 {
			d.InWidth, d.OutWidth = 1+rng.IntN(8), 1+rng.IntN(8)
		}
		pixels := 1 + rng.IntN(10)
		c := &stageCase{
			name:   fmt.Sprintf("dwc%d %+v", i, d),
			module: "qnn_dwc",
			params: []string{fmt.Sprintf("C=%d", d.C), fmt.Sprintf("InWidth=%d", d.InWidth),
				fmt.Sprintf("OutWidth=%d", d.OutWidth), fmt.Sprintf("XBits=%d", d.XBits)},
			newSt:   func() sim.StreamStage { return sim.NewDWC(d) },
			inLanes: d.InWidth, inBits: d.XBits, outLanes: d.OutWidth, outBits: d.XBits,
			beats:   randomBeats(rng, pixels*d.InBeats(), d.InWidth, d.XBits),
			wantOut: pixels * d.OutBeats(),
		}
		c.stalls = stalls(i, 6*(len(c.beats)+c.wantOut)+200)
		cases = append(cases, c)
	}
	return cases
}

// fifoCases: n random FIFOs (depth 1..9, width 1..80 bits), 1..150 beats.
func fifoCases(rng *rand.Rand, n int) []*stageCase {
	var cases []*stageCase
	for i := range n {
		f := hw.FIFOStage{Depth: 1 + rng.IntN(9), Width: 1 + rng.IntN(80)}
		nb := 1 + rng.IntN(150)
		c := &stageCase{
			name:    fmt.Sprintf("fifo%d %+v", i, f),
			module:  "qnn_fifo",
			params:  []string{fmt.Sprintf("Depth=%d", f.Depth), fmt.Sprintf("Width=%d", f.Width)},
			newSt:   func() sim.StreamStage { return sim.NewFIFO(f) },
			inLanes: f.Width, inBits: 1, outLanes: f.Width, outBits: 1,
			beats:   randomBeats(rng, nb, f.Width, 1),
			wantOut: nb,
		}
		c.stalls = stalls(i, 6*nb+200)
		cases = append(cases, c)
	}
	return cases
}
