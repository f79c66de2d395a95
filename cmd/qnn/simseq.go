package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
)

// seqSimReport is what `qnn sim --json` prints for a sequence model's
// design: the tokens of a prefix of the PTB test stream, cut into
// sequences of SeqLen input tokens that each start from the reset state,
// and how the simulated design predicted their next tokens.
type seqSimReport struct {
	Design  string `json:"design"`
	Name    string `json:"name"`
	Dataset string `json:"dataset"`
	Split   string `json:"split"`
	Offset  int    `json:"offset"` // the stream position of the first input token
	Tokens  int    `json:"tokens"` // input tokens simulated (each predicts the next)
	SeqLen  int    `json:"seq_len"`
	Correct int    `json:"correct"` // predicted tokens equal to the next token
	// Accuracy is Correct / Tokens: next-word accuracy.
	Accuracy float64 `json:"accuracy"`
	// Agreement is the fraction of tokens whose prediction and score(s)
	// equal netlist.ReferenceSequence's; anything but 1 is an error exit.
	Agreement float64 `json:"agreement"`
	// Perplexity is over the simulated tokens, from the design's logits;
	// only for a design with every logit on m_axis (gen --all-logits) and a
	// logit scale.
	Perplexity         *float64   `json:"perplexity,omitempty"`
	AllLogits          bool       `json:"all_logits"`
	StallIn            float64    `json:"stall_in"`
	StallOut           float64    `json:"stall_out"`
	Seed               uint64     `json:"seed"`
	Cycles             int64      `json:"cycles"`
	CyclesPerToken     float64    `json:"cycles_per_token"` // measured, steady state
	PlanCyclesPerToken int        `json:"plan_cycles_per_token"`
	FirstLatency       int64      `json:"first_latency"`
	PlanLatency        int        `json:"plan_latency"`
	Stages             []simStage `json:"stages"`
	Trace              string     `json:"trace,omitempty"`
	Seconds            float64    `json:"seconds"`
	CyclesPerSecond    float64    `json:"cycles_per_second"`
}

// runSimSeq simulates a sequence model's design on the PTB test stream
// (from --offset, --limit tokens) and checks every token's prediction
// against netlist.ReferenceSequence.
func runSimSeq(e *env, opt simOptions, p *hw.Plan, d *openedDesign, model string) (*seqSimReport, error) {
	n := p.Net
	if opt.dataset != dataset.PTB {
		return nil, userErrf("sim: %s; simulate it on --dataset %s", sequenceModelError("", model, n), dataset.PTB)
	}
	stream, err := simTokens(e, opt, n, model)
	if err != nil {
		return nil, err
	}
	count := len(stream) - 1
	seqs := inputSequences(stream, opt.seqLen)
	e.log.Debug("simulating", "tokens", count, "sequences", len(seqs), "cycles_per_token", p.CyclesPerFrame, "latency", p.Latency)
	start := time.Now()
	res, err := sim.RunSequences(p, seqs, sim.Config{StallIn: opt.stallIn, StallOut: opt.stallOut, Seed: opt.seed})
	elapsed := time.Since(start)
	if err != nil {
		return nil, err
	}
	if len(res.Classes) != count {
		return nil, d.disagreement(fmt.Errorf("sim: %d tokens in but %d predictions out", count, len(res.Classes)))
	}
	if opt.trace != "" {
		if err := writeTrace(opt.trace, res.Beats); err != nil {
			return nil, err
		}
	}
	design := opt.dir
	if opt.model != "" {
		design = opt.model
	}
	r := &seqSimReport{Design: design, Name: n.Name, Dataset: dataset.PTB, Split: "test", Offset: opt.offset, Tokens: count,
		SeqLen: opt.seqLen, AllLogits: !p.Output.TopScore, StallIn: opt.stallIn, StallOut: opt.stallOut, Seed: opt.seed,
		Trace: opt.trace, Cycles: res.Cycles, CyclesPerToken: res.CyclesPerFrame, PlanCyclesPerToken: p.CyclesPerFrame,
		FirstLatency: res.FirstLatency, PlanLatency: p.Latency, Seconds: elapsed.Seconds()}
	scale := n.OutputLayer().LogitScale
	var nll float64
	pos := 0
	for q, seq := range seqs {
		tr, err := netlist.ReferenceSequence(n, seq)
		if err != nil {
			return nil, err
		}
		var seqNLL float64
		for t, sc := range tr.Scores() {
			k, want := p.Output.Emitted(sc)
			if res.Classes[pos] != k || !slices.Equal(res.Scores[pos], want) {
				return nil, d.disagreement(fmt.Errorf("sim: sequence %d token %d (stream position %d): the simulator predicts token %d with scores %v but netlist.ReferenceSequence token %d with %v (output handshake at cycle %d)",
					q, t, opt.offset+pos, res.Classes[pos], res.Scores[pos], k, want, res.Beats[pos].Cycle))
			}
			if k == stream[pos+1] {
				r.Correct++
			}
			if scale > 0 && !p.Output.TopScore {
				seqNLL += netlist.NLL(res.Scores[pos], scale, stream[pos+1])
			}
			pos++
		}
		nll += seqNLL
	}
	if count > 0 {
		r.Accuracy, r.Agreement = float64(r.Correct)/float64(count), 1
		if r.AllLogits && scale > 0 {
			ppl := math.Exp(nll / float64(count))
			r.Perplexity = &ppl
		}
	}
	if r.Seconds > 0 {
		r.CyclesPerSecond = float64(r.Cycles) / r.Seconds
	}
	for _, st := range res.Stages {
		r.Stages = append(r.Stages, simStage{Kind: st.Kind, Name: st.Name, Busy: st.Busy, StallIn: st.StallIn, StallOut: st.StallOut})
	}
	return r, nil
}

// simTokens is the part of the PTB test stream that --offset and --limit
// select: the input tokens and the token after the last.
func simTokens(e *env, opt simOptions, n *netlist.Network, model string) ([]int, error) {
	if err := checkModelFitsCorpus("sim", model, n, dataset.PTBVocab); err != nil {
		return nil, err
	}
	c, err := dataset.LoadPTB(dataset.PTBOptions{Dir: opt.dataDir})
	if err != nil {
		return nil, userErr(err)
	}
	stream := corpusSplit(c, "test")
	if opt.offset >= len(stream)-1 {
		return nil, userErrf("sim: --offset %d: the %s test split has only %d predicted tokens", opt.offset, dataset.PTB, len(stream)-1)
	}
	stream = stream[opt.offset:]
	if opt.limit > 0 {
		if opt.limit >= len(stream) {
			e.log.Warn("--limit exceeds the split's predictions; simulating every token from --offset on", "offset", opt.offset, "limit", opt.limit)
		} else {
			stream = stream[:opt.limit+1]
		}
	}
	return stream, nil
}

func writeSeqSimText(w io.Writer, r *seqSimReport) error {
	fmt.Fprintf(w, "design:         %s (%s)\n", r.Design, r.Name)
	fmt.Fprintf(w, "data set:       %s %s, %d tokens from position %d (sequences of %d, each from the reset state)\n", r.Dataset, r.Split, r.Tokens, r.Offset, r.SeqLen)
	fmt.Fprintf(w, "next word:      %.2f%% (%d/%d correct)\n", 100*r.Accuracy, r.Correct, r.Tokens)
	what := "predicted token and its score"
	if r.AllLogits {
		what = "every logit"
	}
	fmt.Fprintf(w, "agreement:      %.2f%% with netlist.ReferenceSequence (%s)\n", 100*r.Agreement, what)
	if r.Perplexity != nil {
		fmt.Fprintf(w, "perplexity:     %.4f (from the design's logits)\n", *r.Perplexity)
	}
	fmt.Fprintf(w, "stalls:         in %g, out %g, seed %d\n", r.StallIn, r.StallOut, r.Seed)
	fmt.Fprintf(w, "cycles/token:   %.2f measured, plan %d\n", r.CyclesPerToken, r.PlanCyclesPerToken)
	fmt.Fprintf(w, "latency:        %d cycles measured (first token), plan %d\n", r.FirstLatency, r.PlanLatency)
	fmt.Fprintf(w, "cycles:         %d in %.3f s (%.0f cycles/s)\n", r.Cycles, r.Seconds, r.CyclesPerSecond)
	if r.Trace != "" {
		fmt.Fprintf(w, "trace:          %s\n", r.Trace)
	}
	return nil
}
