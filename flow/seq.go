package flow

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
	"github.com/qnn-dev/qnn/train"
	"github.com/qnn-dev/qnn/verilator"
)

// A sequence model's flow (qnn flow --arch lstm --dataset ptb, or
// --from-model of a sequence model): the same stages on Penn Treebank's
// token streams. train trains the LSTM language model and exports it
// (model.json); export measures the netlist's test perplexity; gen writes
// the design; sim and cosim run a prefix of the test stream through the
// Go model and the RTL, every token checked; synth as for images. The
// evaluation protocol is netlist.StreamNLL's: sequences of
// train.DefaultEvalSeqLen tokens, each from the reset state.

// LMTrainResult is the train stage's result for an LSTM language model.
type LMTrainResult struct {
	Name       string         `json:"name"`
	Config     train.LMConfig `json:"config"`
	BestEpoch  int            `json:"best_epoch"`
	ValidPPL   float64        `json:"valid_ppl"`
	TestPPL    float64        `json:"test_ppl"` // the trainer's quantized forward on the test stream
	TestTokens int            `json:"test_tokens"`
	// Disagreements counts test tokens whose trainer and netlist scores
	// differ in any place (train.LM.CheckExport; target 0).
	Disagreements int             `json:"disagreements"`
	History       []train.LMEpoch `json:"history"`
}

// LMExportResult is the export stage's result: the netlist's test
// perplexity and next-word accuracy.
type LMExportResult struct {
	Model         string               `json:"model"`
	Name          string               `json:"name"`
	NetlistSHA256 string               `json:"netlist_sha256"`
	Tokens        int                  `json:"tokens"` // test tokens predicted
	SeqLen        int                  `json:"seq_len"`
	Perplexity    float64              `json:"perplexity"`
	Correct       int                  `json:"correct"`
	Accuracy      float64              `json:"accuracy"`
	MACs          int64                `json:"macs_per_token"`
	Layers        []netlist.LayerStats `json:"layers"`
}

// LMRunResult is the sim or cosim stage's result on a prefix of the test
// stream.
type LMRunResult struct {
	Simulator string  `json:"simulator,omitempty"` // cosim
	Tokens    int     `json:"tokens"`
	SeqLen    int     `json:"seq_len"`
	Correct   int     `json:"correct"`
	Accuracy  float64 `json:"accuracy"`
	// Disagreements counts tokens whose prediction or score differs from
	// the netlist (sim) or from sim (cosim); anything but 0 fails the stage.
	Disagreements int `json:"disagreements"`
	// Perplexity is computed from the design's own logits (a design with
	// every logit on m_axis); NetlistPerplexity is the netlist's on the
	// same tokens.
	Perplexity         *float64   `json:"perplexity,omitempty"`
	NetlistPerplexity  float64    `json:"netlist_perplexity"`
	Cycles             int64      `json:"cycles"`
	CyclesPerToken     float64    `json:"cycles_per_token,omitempty"`
	PlanCyclesPerToken int        `json:"plan_cycles_per_token,omitempty"`
	FirstLatency       int64      `json:"first_latency,omitempty"`
	PlanLatency        int        `json:"plan_latency,omitempty"`
	Stages             []SimStage `json:"stages,omitempty"`
	BuildSeconds       float64    `json:"build_seconds,omitempty"`
	RunSeconds         float64    `json:"run_seconds,omitempty"`
	CyclesPerSecond    float64    `json:"cycles_per_second,omitempty"`
	SimCyclesPerSecond float64    `json:"sim_cycles_per_second,omitempty"`
}

// seqStages is a sequence model's pipeline.
func (r *runner) seqStages() []stage {
	rep := r.rep
	export := stage{name: StageExport, inputs: r.fileInputs(StageExport, ModelFile), run: r.runLMExport, result: &rep.LMExport, summary: rep.lmExportSummary}
	if r.cfg.Model != "" {
		export.inputs = r.modelInputs
	}
	return []stage{
		{name: StageTrain, skip: r.onnxSkip, inputs: r.lmTrainInputs, run: r.runLMTrain, result: &rep.LMTrain, summary: rep.lmTrainSummary},
		export,
		{name: StageGen, inputs: r.genInputs, run: r.runGen, result: &rep.Gen, summary: rep.genSummary},
		{name: StageSim, inputs: r.lmRunInputs(StageSim, r.cfg.SimTokens), run: r.runLMSim, result: &rep.LMSim, summary: rep.lmSimSummary},
		{name: StageCosim, skip: r.cosimSkip, inputs: r.lmRunInputs(StageCosim, r.cfg.CosimImages), run: r.runLMCosim, result: &rep.LMCosim, summary: rep.lmCosimSummary},
		{name: StageSynth, skip: r.synthSkip, inputs: r.synthInputs, run: r.runSynth, result: &rep.Synth, summary: rep.synthSummary},
	}
}

// lmTrainInputs is the language model's training configuration (the
// thread count aside).
func (r *runner) lmTrainInputs() (string, error) {
	var h hasher
	c := *r.cfg.LM
	c.Threads = 0
	h.addJSON("lm", c)
	h.addJSON("train_tokens", r.cfg.TrainTokens)
	return h.sum(), nil
}

// lmRunInputs hashes the design and the number of tokens a run takes.
func (r *runner) lmRunInputs(stage string, tokens int) func() (string, error) {
	return func() (string, error) {
		var h hasher
		h.add("stage", []byte(stage))
		h.add("tokens", []byte(strconv.Itoa(tokens)))
		h.add("simulator", []byte(r.cfg.Simulator))
		if err := h.addFiles(r.cfg.Dir, DesignDir); err != nil {
			return "", err
		}
		return h.sum(), nil
	}
}

// corpus loads (once) Penn Treebank.
func (r *runner) corpus() (*dataset.Corpus, error) {
	if r.ptb != nil {
		return r.ptb, nil
	}
	c, err := dataset.LoadPTB(dataset.PTBOptions{Dir: r.cfg.DataDir})
	if err != nil {
		return nil, asUser(err)
	}
	r.ptb = c
	return c, nil
}

// testStream is the first tokens+1 tokens of the test split (every one
// for tokens 0), as ints.
func (r *runner) testStream(tokens int) ([]int, error) {
	c, err := r.corpus()
	if err != nil {
		return nil, err
	}
	ids := c.Test
	if tokens > 0 && tokens+1 < len(ids) {
		ids = ids[:tokens+1]
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out, nil
}

// runLMTrain trains the language model and exports its best epoch to
// model.json, checked against the trainer on every test token.
func (r *runner) runLMTrain() ([]string, error) {
	c, err := r.corpus()
	if err != nil {
		return nil, err
	}
	cfg := *r.cfg.LM
	if cfg.Vocab != c.VocabSize() {
		return nil, userErrorf("flow: the corpus has %d words, the model %d", c.VocabSize(), cfg.Vocab)
	}
	ckpt := r.path(CheckpointFile)
	opt := train.LMOptions{Checkpoint: ckpt, Epoch: func(e train.LMEpoch, best bool) {
		r.progress("train: epoch %d/%d  train ppl %.2f  valid ppl %.2f  lr %.3g  %.1fs", e.Epoch, cfg.Epochs, e.TrainPPL, e.ValidPPL, e.LR, e.Seconds)
	}}
	trainIDs, validIDs := c.Train, c.Valid
	if n := r.cfg.TrainTokens; n > 0 {
		trainIDs, validIDs = trainIDs[:min(n, len(trainIDs))], validIDs[:min(n, len(validIDs))]
	}
	// An interrupted run of the same configuration resumes from its
	// checkpoint (written after every epoch), as the image trainer does.
	in, _ := r.lmTrainInputs()
	prev := r.st.Stages[StageTrain]
	resume := prev != nil && !prev.Done && prev.Inputs == in && fileExists(ckpt) && r.cfg.fromIndex() > 0
	if !resume {
		if err := os.MkdirAll(r.path("train"), 0o755); err != nil {
			return nil, asUser(err)
		}
		os.Remove(ckpt)
	}
	r.st.Stages[StageTrain] = &stageState{Inputs: in}
	if err := r.st.save(r.cfg.Dir); err != nil {
		return nil, err
	}
	var m *train.LM
	var hist []train.LMEpoch
	if resume {
		r.progress("train: resuming from %s", ckpt)
		m, hist, err = train.ResumeLM(r.ctx, ckpt, trainIDs, validIDs, opt)
	} else {
		m, hist, err = train.TrainLM(r.ctx, cfg, trainIDs, validIDs, opt)
	}
	if err != nil {
		if r.ctx.Err() != nil {
			return nil, r.interrupted(StageTrain, "checkpoint of the last finished epoch in "+ckpt+"; run the same command again to resume")
		}
		return nil, asUser(err)
	}
	t := &LMTrainResult{Name: cfg.Name(), Config: cfg, History: hist}
	t.Config.Threads = 0
	for _, e := range hist {
		if t.BestEpoch == 0 || e.ValidPPL < t.ValidPPL {
			t.BestEpoch, t.ValidPPL = e.Epoch, e.ValidPPL
		}
	}
	seqLen := train.DefaultEvalSeqLen
	sum, count := m.StreamNLL(c.Test, seqLen)
	t.TestPPL, t.TestTokens = math.Exp(sum/float64(count)), count
	n, err := m.Export(cfg.Name())
	if err != nil {
		return nil, err
	}
	n.Meta = map[string]string{"dataset": dataset.PTB, "trainer": "qnn flow --arch lstm", "valid_ppl": fmt.Sprintf("%.4f", t.ValidPPL),
		"test_ppl": fmt.Sprintf("%.4f", t.TestPPL), "eval_seq_len": fmt.Sprint(seqLen)}
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		return nil, err
	}
	if _, _, t.Disagreements, err = m.CheckExport(f, n.OutputLayer().LogitScale, c.Test, seqLen); err != nil {
		return nil, err
	}
	if err := netlist.Save(r.path(ModelFile), n); err != nil {
		return nil, asUser(err)
	}
	r.rep.LMTrain = t
	return []string{CheckpointFile, ModelFile}, nil
}

// runLMExport measures model.json (for --from-model, first copied there)
// on the test stream: perplexity and next-word accuracy.
func (r *runner) runLMExport() ([]string, error) {
	src := r.path(ModelFile)
	if r.cfg.Model != "" {
		src = r.cfg.Model
	}
	n, err := netlist.Load(src)
	if err != nil {
		return nil, asUser(fmt.Errorf("flow: %w", err))
	}
	if !n.IsSequence() {
		return nil, userErrorf("flow: %s is an image model: --dataset %s needs a sequence model (an embedding as layer 0)", src, dataset.PTB)
	}
	if r.cfg.Model != "" {
		if err := netlist.Save(r.path(ModelFile), n); err != nil {
			return nil, asUser(err)
		}
	}
	stream, err := r.testStream(r.cfg.TestImages)
	if err != nil {
		return nil, err
	}
	if e, o := n.EmbeddingLayer(), n.OutputLayer(); e.Vocab != dataset.PTBVocab || o.Classes != dataset.PTBVocab {
		return nil, userErrorf("flow: %s: the model reads %d and scores %d tokens, but %s has %d words", src, e.Vocab, o.Classes, dataset.PTB, dataset.PTBVocab)
	}
	if n.OutputLayer().LogitScale == 0 {
		return nil, userErrorf("flow: %s: layer %d %q: logit_scale: not declared, so the model has no perplexity", src, len(n.Layers)-1, n.OutputLayer().Name)
	}
	seqLen := train.DefaultEvalSeqLen
	nll, correct, err := netlistNLL(n, stream, seqLen, 0)
	if err != nil {
		return nil, err
	}
	count := len(stream) - 1
	e := &LMExportResult{Model: ModelFile, Name: n.Name, NetlistSHA256: hw.NetlistSHA256(n), Tokens: count, SeqLen: seqLen,
		Perplexity: math.Exp(nll / float64(count)), Correct: correct, Accuracy: float64(correct) / float64(count)}
	if e.Layers, err = netlist.Stats(n); err != nil {
		return nil, err
	}
	for _, l := range e.Layers {
		e.MACs += l.MACs
	}
	r.net = n
	r.rep.LMExport = e
	outs := []string{}
	if r.cfg.Model != "" {
		outs = append(outs, ModelFile)
	}
	return outs, nil
}

// netlistNLL is the summed NLL (netlist.StreamNLL's order) and the correct
// next-token guesses of n on stream in sequences of seqLen; workers 0 uses
// every core.
func netlistNLL(n *netlist.Network, stream []int, seqLen, workers int) (float64, int, error) {
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		return 0, 0, err
	}
	count := len(stream) - 1
	scale := n.OutputLayer().LogitScale
	nll := make([]float64, count)
	hit := make([]bool, count)
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	err = f.Visit(splitSeqs(stream, seqLen), workers, func(q, t int, scores []int64) {
		p := q*seqLen + t
		nll[p] = netlist.NLL(scores, scale, stream[p+1])
		hit[p] = netlist.Argmax(scores) == stream[p+1]
	})
	if err != nil {
		return 0, 0, err
	}
	return seqSum(nll, seqLen), countTrue(hit), nil
}

// splitSeqs cuts the input positions of stream (all but the last token)
// into sequences of seqLen.
func splitSeqs(stream []int, seqLen int) [][]int {
	count := len(stream) - 1
	var seqs [][]int
	for p := 0; p < count; p += seqLen {
		seqs = append(seqs, stream[p:min(p+seqLen, count)])
	}
	return seqs
}

// seqSum adds per sequence, then in sequence order (netlist.StreamNLL).
func seqSum(nll []float64, seqLen int) float64 {
	var sum float64
	for p := 0; p < len(nll); p += seqLen {
		var s float64
		for _, x := range nll[p:min(p+seqLen, len(nll))] {
			s += x
		}
		sum += s
	}
	return sum
}

func countTrue(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

// lmPrefix is the test prefix a sim or cosim run takes, with the
// netlist's scores at every token.
type lmPrefix struct {
	stream []int
	seqs   [][]int
	want   [][]int64 // per token: every score
	nll    float64   // the netlist's, summed as netlist.StreamNLL
}

func (r *runner) lmPrefix(p *hw.Plan, tokens int) (*lmPrefix, error) {
	stream, err := r.testStream(tokens)
	if err != nil {
		return nil, err
	}
	seqLen := train.DefaultEvalSeqLen
	x := &lmPrefix{stream: stream, seqs: splitSeqs(stream, seqLen)}
	f, err := netlist.NewFastSeq(p.Net)
	if err != nil {
		return nil, err
	}
	count := len(stream) - 1
	x.want = make([][]int64, count)
	scale := p.Net.OutputLayer().LogitScale
	nll := make([]float64, count)
	err = f.Visit(x.seqs, runtime.GOMAXPROCS(0), func(q, t int, scores []int64) {
		pos := q*seqLen + t
		x.want[pos] = slices.Clone(scores)
		nll[pos] = netlist.NLL(scores, scale, stream[pos+1])
	})
	if err != nil {
		return nil, err
	}
	x.nll = seqSum(nll, seqLen)
	return x, nil
}

// check compares a run's predictions with the netlist's and fills the
// result's accuracy and perplexities.
func (x *lmPrefix) check(p *hw.Plan, res *sim.Result, who string, out *LMRunResult) error {
	count := len(x.stream) - 1
	if len(res.Classes) != count {
		return fmt.Errorf("flow: %s: %d tokens in but %d predictions out", who, count, len(res.Classes))
	}
	scale := p.Net.OutputLayer().LogitScale
	nll := make([]float64, count)
	for pos, sc := range x.want {
		k, want := p.Output.Emitted(sc)
		if res.Classes[pos] != k || !slices.Equal(res.Scores[pos], want) {
			return fmt.Errorf("flow: %s: token %d: predicts %d with scores %v but the netlist %d with %v", who, pos, res.Classes[pos], res.Scores[pos], k, want)
		}
		if k == x.stream[pos+1] {
			out.Correct++
		}
		if !p.Output.TopScore {
			nll[pos] = netlist.NLL(res.Scores[pos], scale, x.stream[pos+1])
		}
	}
	out.Tokens, out.SeqLen = count, train.DefaultEvalSeqLen
	out.Accuracy = float64(out.Correct) / float64(max(count, 1))
	out.NetlistPerplexity = math.Exp(x.nll / float64(max(count, 1)))
	if !p.Output.TopScore {
		ppl := math.Exp(seqSum(nll, train.DefaultEvalSeqLen) / float64(max(count, 1)))
		out.Perplexity = &ppl
	}
	return nil
}

// runLMSim runs the test prefix through the cycle-accurate simulator;
// every token's prediction and score must equal the netlist's.
func (r *runner) runLMSim() ([]string, error) {
	p, err := r.design()
	if err != nil {
		return nil, err
	}
	x, err := r.lmPrefix(p, r.cfg.SimTokens)
	if err != nil {
		return nil, err
	}
	r.progress("sim: %d test tokens", len(x.stream)-1)
	res, err := sim.RunSequences(p, x.seqs, sim.Config{})
	if err != nil {
		return nil, err
	}
	s := &LMRunResult{Cycles: res.Cycles, CyclesPerToken: res.CyclesPerFrame, PlanCyclesPerToken: p.CyclesPerFrame,
		FirstLatency: res.FirstLatency, PlanLatency: p.Latency, Stages: simStages(res)}
	if err := x.check(p, res, "sim", s); err != nil {
		return nil, err
	}
	r.rep.LMSim = s
	return nil, nil
}

// runLMCosim co-simulates the first CosimImages test tokens: the RTL must
// match the cycle-accurate simulator handshake for handshake.
func (r *runner) runLMCosim() ([]string, error) {
	p, err := r.design()
	if err != nil {
		return nil, err
	}
	x, err := r.lmPrefix(p, r.cfg.CosimImages)
	if err != nil {
		return nil, err
	}
	beats, err := sim.SequenceBeats(p, x.seqs)
	if err != nil {
		return nil, err
	}
	d := &verilator.Design{Dir: r.path(DesignDir), Plan: p}
	opt := verilator.Options{Simulator: r.cfg.Simulator, Seed: 1, ResetSeed: cosimResetSeed, QuickBuild: r.cfg.QuickBuild}
	r.progress("cosim: building and running %s on %d tokens", r.cfg.Simulator, len(x.stream)-1)
	rep, err := verilator.CosimStream(r.ctx, d, beats, nil, opt)
	var mm *verilator.Mismatch
	switch {
	case r.ctx.Err() != nil:
		return nil, r.interrupted(StageCosim, "the stages before cosim are kept; run the same command again to continue")
	case errors.As(err, &mm):
		return nil, fmt.Errorf("flow: cosim: %s differs from qnn sim: %w", r.cfg.Simulator, mm)
	case errors.Is(err, verilator.ErrNoTool):
		return nil, asUser(fmt.Errorf("flow: cosim: %w (install it with scripts/setup.sh, or use --cosim-images 0)", err))
	case err != nil:
		return nil, err
	}
	c := &LMRunResult{Simulator: rep.Simulator, Cycles: rep.Cycles, BuildSeconds: rep.BuildSeconds, RunSeconds: rep.RunSeconds,
		CyclesPerSecond: rep.CyclesPerSecond, SimCyclesPerSecond: rep.SimCyclesPerSecond}
	// The RTL's outputs are sim's (every handshake matched): checking sim's
	// against the netlist checks the RTL's.
	if err := x.check(p, rep.Sim, "cosim", c); err != nil {
		return nil, err
	}
	r.rep.LMCosim = c
	return nil, nil
}

// isSequenceModel reports whether the netlist file at path is a sequence
// model (false if it cannot be read: the export stage reports that).
func isSequenceModel(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	n, err := netlist.Load(path)
	return err == nil && n.IsSequence()
}
