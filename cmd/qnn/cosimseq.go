package main

import (
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/sim"
	"github.com/qnn-dev/qnn/verilator"
	"github.com/urfave/cli/v2"
)

// cosimSeq co-simulates a sequence model's design on the PTB test stream
// (--limit input tokens, in sequences of --seq-len): every output
// handshake and every frame_err / frame_drops change of the RTL must equal
// qnn sim's, which equals netlist.ReferenceSequence on every token (sim's
// tests).
func cosimSeq(e *env, c *cli.Context, d *openedDesign, model string, opt verilator.Options) error {
	p := d.Plan
	name := c.String("dataset")
	if !p.Net.IsSequence() {
		return userErrf("cosim: model %s is an image model: --dataset %s needs a sequence model (an embedding as layer 0)", model, dataset.PTB)
	}
	if name != dataset.PTB {
		return userErrf("cosim: %s; co-simulate it on --dataset %s", sequenceModelError("", model, p.Net), dataset.PTB)
	}
	sopt := simOptions{dataDir: c.String("data-dir"), limit: c.Int("limit"), seqLen: c.Int("seq-len")}
	stream, err := simTokens(e, sopt, p.Net, model)
	if err != nil {
		return err
	}
	count := len(stream) - 1
	if err := checkTraceSize(opt.Trace, count, p); err != nil {
		return err
	}
	beats, err := sim.SequenceBeats(p, inputSequences(stream, sopt.seqLen))
	if err != nil {
		return err
	}
	e.log.Debug("co-simulating", "dir", d.Dir, "simulator", opt.Simulator, "tokens", count)
	rep, err := verilator.CosimStream(e.ctx, d.Design, beats, nil, opt)
	mm, err := cosimOutcome(e, rep, err, opt)
	if err != nil {
		return err
	}
	r := cosimReport{Dir: d.Dir, Name: p.Name, Dataset: name, StallIn: opt.StallIn, StallOut: opt.StallOut,
		Seed: opt.Seed, Trace: opt.Trace, Match: mm == nil, Report: rep, SeqLen: sopt.seqLen}
	if mm == nil {
		for i, cl := range rep.Sim.Classes {
			if cl == stream[i+1] {
				r.Correct++
			}
		}
		r.Accuracy = float64(r.Correct) / float64(max(count, 1))
	}
	return finishCosim(e, d, &r, mm, c.Bool("json"))
}
