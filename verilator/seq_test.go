package verilator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
	"github.com/qnn-dev/qnn/verilator"
)

// randomSeqDesign is a random sequence model's design (token input, lstm
// stage, projection MVTU, argmax): vocabularies of 8- and 16-bit tokens,
// sizes that are not multiples of the folding, 2..8-bit weights and
// 2..6-bit activations, random PE (a multiple of 4) and SIMD, and every
// third design with every logit on m_axis.
func randomSeqDesign(t *testing.T, rng *rand.Rand, id int) *verilator.Design {
	t.Helper()
	vocab := 3 + rng.IntN(60)
	if id%4 == 1 {
		vocab = 257 + rng.IntN(300) // 16-bit tokens
	}
	cfg := netlist.RandomLSTMConfig{Vocab: vocab, Dim: 1 + rng.IntN(14), Hidden: []int{1 + rng.IntN(13)},
		WeightBits: 2 + rng.IntN(7), ActBits: 2 + rng.IntN(5), OutWeightBits: 1 + rng.IntN(4), HiddenEncoding: true}
	n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(uint64(id), 404)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Name = fmt.Sprintf("seq%02d", id)
	h, d := cfg.Hidden[0], cfg.Dim
	pe := 4 * (1 + rng.IntN(max(1, (h+3)/4)+1))
	opt := hw.Options{AllLogits: id%3 == 2 && vocab < 100, Folds: []hw.Fold{
		{Layer: "lstm0", PE: pe, SIMD: 1 + rng.IntN(max(d, h))},
		{Layer: "proj", PE: 1 + rng.IntN(min(vocab, 9)), SIMD: 1 + rng.IntN(h)}}}
	return generate(t, n, opt)
}

// seqStream is a token stream of random sequences (lengths 1..12), with a
// few tokens >= V (read as token 0 and counted in frame_drops) when bad.
func seqStream(t *testing.T, rng *rand.Rand, p *hw.Plan, bad bool) ([]sim.InputBeat, [][]int) {
	t.Helper()
	v := p.Input.Tokens
	var seqs [][]int
	for range 6 {
		seq := make([]int, 1+rng.IntN(12))
		for i := range seq {
			seq[i] = rng.IntN(v)
			if bad && rng.IntN(8) == 0 {
				seq[i] = v + rng.IntN(1<<p.Input.TokenBits-v)
			}
		}
		seqs = append(seqs, seq)
	}
	beats, err := sim.SequenceBeats(p, seqs)
	if err != nil {
		t.Fatal(err)
	}
	return beats, seqs
}

// checkSeqCosim runs the stream through sim and the RTL (CosimStream
// compares every output handshake and every frame_err / frame_drops
// change, cycle for cycle) and checks that sim's predictions are
// netlist.ReferenceSequence's with tokens >= V read as token 0.
func checkSeqCosim(t *testing.T, d *verilator.Design, beats []sim.InputBeat, seqs [][]int, resets []sim.Reset, opt verilator.Options) {
	t.Helper()
	p := d.Plan
	rep, err := verilator.CosimStream(context.Background(), d, beats, resets, opt)
	if err != nil {
		t.Fatalf("%s stalls %g/%g: %v", opt.Simulator, opt.StallIn, opt.StallOut, err)
	}
	if resets != nil {
		t.Logf("%s with a reset pulse: %d outputs, %d cycles", rep.Simulator, rep.Beats, rep.Cycles)
		return
	}
	var classes []int
	var scores [][]int64
	bad := 0
	for _, seq := range seqs {
		clean := slices.Clone(seq)
		for i, tok := range clean {
			if tok >= p.Input.Tokens {
				clean[i], bad = 0, bad+1
			}
		}
		tr, err := netlist.ReferenceSequence(p.Net, clean)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range tr.Scores() {
			k, emitted := p.Output.Emitted(sc)
			classes = append(classes, k)
			scores = append(scores, emitted)
		}
	}
	r := rep.Sim
	if !slices.Equal(r.Classes, classes) || len(r.Scores) != len(scores) {
		t.Fatalf("predictions %v, netlist %v", r.Classes, classes)
	}
	for i := range scores {
		if !slices.Equal(r.Scores[i], scores[i]) {
			t.Fatalf("token %d: scores %v, netlist %v", i, r.Scores[i], scores[i])
		}
	}
	if bad > 0 && (len(r.Status) == 0 || r.Status[len(r.Status)-1].Drops != int64(bad)) {
		t.Fatalf("status %v after %d tokens >= V", r.Status, bad)
	}
	t.Logf("%s stalls %g/%g: %d tokens (%d >= V), %d handshakes, %d cycles", rep.Simulator, opt.StallIn, opt.StallOut, len(classes), bad, rep.Beats, rep.Cycles)
}

// TestSequenceDesignsVerilator: 10 random sequence designs through
// Verilator with random stalls on both streams and tokens >= V, cycle for
// cycle against sim (2 with -short).
func TestSequenceDesignsVerilator(t *testing.T) {
	needTool(t, "verilator")
	count := 10
	if testing.Short() {
		count = 2
	}
	rng := rand.New(rand.NewPCG(2016, 16))
	for i := range count {
		t.Run(fmt.Sprintf("seq%02d", i), func(t *testing.T) {
			d := randomSeqDesign(t, rng, i)
			t.Logf("%s", d.Plan.Dump())
			beats, seqs := seqStream(t, rng, d.Plan, i%2 == 0)
			checkSeqCosim(t, d, beats, seqs, nil, verilator.Options{QuickBuild: true, StallIn: 0.3, StallOut: 0.4, Seed: uint64(i)})
		})
	}
}

// TestSequenceDesignsIcarus: 3 other random designs through Icarus with
// stalls, and on each a reset pulse in the middle of a token's recurrence
// (the state restarts, the source carries on).
func TestSequenceDesignsIcarus(t *testing.T) {
	needTool(t, "iverilog")
	rng := rand.New(rand.NewPCG(2017, 16))
	for i := range 3 {
		t.Run(fmt.Sprintf("seq%02d", 20+i), func(t *testing.T) {
			d := randomSeqDesign(t, rng, 20+i)
			beats, seqs := seqStream(t, rng, d.Plan, true)
			opt := verilator.Options{Simulator: verilator.Icarus, StallIn: 0.2 * float64(i), StallOut: 0.25 * float64(i+1), Seed: uint64(i)}
			checkSeqCosim(t, d, beats, seqs, nil, opt)
			rs := sim.Reset{Cycle: int64(2*d.Plan.CyclesPerFrame + 3), Cycles: 2}
			checkSeqCosim(t, d, beats, seqs, []sim.Reset{rs}, opt)
		})
	}
}
