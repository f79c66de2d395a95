package flow

import (
	"fmt"
	"math"

	"github.com/qnn-dev/qnn/train"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// PerplexityRow is a sequence model's perplexity measured at one stage.
type PerplexityRow struct {
	Stage  string `json:"stage"`
	Tokens int    `json:"tokens"`
	// Perplexity is nil where the stage's outputs are not logits (a design
	// that emits the predicted token and its score only): Agrees then
	// says every output equals the netlist's.
	Perplexity *float64 `json:"perplexity,omitempty"`
	// NetlistPerplexity is the netlist's on the same tokens (a prefix).
	NetlistPerplexity float64 `json:"netlist_perplexity"`
	Accuracy          float64 `json:"next_word_accuracy"`
	Versus            string  `json:"versus,omitempty"`
	Disagreements     int     `json:"disagreements"`
}

func (r *Report) lmTrainSummary() string {
	t := r.LMTrain
	return fmt.Sprintf("%s on PTB: best epoch %d/%d, validation perplexity %.2f, test %.2f (trainer); %d test tokens differ from the netlist",
		t.Name, t.BestEpoch, len(t.History), t.ValidPPL, t.TestPPL, t.Disagreements)
}

func (r *Report) lmExportSummary() string {
	e := r.LMExport
	return fmt.Sprintf("%s: test perplexity %.2f, next word %.2f%% over %d tokens", e.Model, e.Perplexity, 100*e.Accuracy, e.Tokens)
}

func (r *Report) lmSimSummary() string {
	s := r.LMSim
	return fmt.Sprintf("%d test tokens: every prediction equal to the netlist's%s; %.1f cycles/token (plan %d), latency %d",
		s.Tokens, pplNote(s), s.CyclesPerToken, s.PlanCyclesPerToken, s.FirstLatency)
}

func (r *Report) lmCosimSummary() string {
	c := r.LMCosim
	return fmt.Sprintf("%s, %d tokens: MATCH (cycle-exact)%s", c.Simulator, c.Tokens, pplNote(c))
}

func pplNote(s *LMRunResult) string {
	if s.Perplexity == nil {
		return ""
	}
	return fmt.Sprintf(", perplexity %.2f from its logits", *s.Perplexity)
}

// derivePerplexity fills the perplexity table of a sequence model's run.
func (r *Report) derivePerplexity() {
	if t := r.LMTrain; t != nil {
		ppl := t.TestPPL
		r.Perplexity = append(r.Perplexity, PerplexityRow{Stage: "trainer (quantized forward)", Tokens: t.TestTokens, Perplexity: &ppl, NetlistPerplexity: math.NaN()})
	}
	if e := r.LMExport; e != nil {
		ppl := e.Perplexity
		row := PerplexityRow{Stage: "netlist (netlist.FastSeq)", Tokens: e.Tokens, Perplexity: &ppl, NetlistPerplexity: ppl, Accuracy: e.Accuracy}
		if t := r.LMTrain; t != nil {
			row.Versus, row.Disagreements = "trainer (quantized forward)", t.Disagreements
		}
		r.Perplexity = append(r.Perplexity, row)
	}
	for _, x := range []struct {
		stage, versus string
		res           *LMRunResult
	}{{"Go simulator (sim)", "netlist (netlist.FastSeq)", r.LMSim}, {"RTL", "Go simulator (sim)", r.LMCosim}} {
		if x.res == nil {
			continue
		}
		stage := x.stage
		if x.res.Simulator != "" {
			stage += " (" + x.res.Simulator + ")"
		}
		r.Perplexity = append(r.Perplexity, PerplexityRow{Stage: stage, Tokens: x.res.Tokens, Perplexity: x.res.Perplexity,
			NetlistPerplexity: x.res.NetlistPerplexity, Accuracy: x.res.Accuracy, Versus: x.versus, Disagreements: x.res.Disagreements})
	}
	for i := range r.Perplexity { // JSON has no NaN
		if math.IsNaN(r.Perplexity[i].NetlistPerplexity) {
			r.Perplexity[i].NetlistPerplexity = 0
		}
	}
}

// lmSections are a sequence model's report sections after the stages.
func (r *Report) lmSections() ([]section, error) {
	var out []section
	if e := r.LMExport; e != nil {
		s := section{Title: "Network"}
		s.Blocks = append(s.Blocks, para("`%s` (netlist sha256 `%.16s...`): %d multiply-accumulates per token.", e.Model, e.NetlistSHA256, e.MACs))
		t := &table{Head: []string{"layer", "op", "output", "bits", "detail", "parameter bits", "MACs/token"}}
		for _, l := range e.Layers {
			t.Rows = append(t.Rows, []string{l.Name, l.Op, l.Out.String(), fmt.Sprint(l.Bits), l.Detail, fmt.Sprint(l.ParamBits), fmt.Sprint(l.MACs)})
		}
		s.Blocks = append(s.Blocks, block{Table: t})
		if len(r.Gen.stagesOrNil()) > 0 {
			s.Blocks = append(s.Blocks, r.stageFoldingBlocks()...)
		}
		out = append(out, s)
	}
	if t := r.LMTrain; t != nil && len(t.History) > 0 {
		s, err := r.lmTrainingSection()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(r.Perplexity) > 0 {
		t := &table{Head: []string{"measured by", "test tokens", "perplexity", "netlist on the same tokens", "next word", "disagreements with", "tokens"}}
		for _, p := range r.Perplexity {
			ppl, net, dis := "(not on m_axis)", "-", ""
			if p.Perplexity != nil {
				ppl = fmt.Sprintf("%.4f", *p.Perplexity)
			}
			if p.NetlistPerplexity > 0 {
				net = fmt.Sprintf("%.4f", p.NetlistPerplexity)
			}
			if p.Versus != "" {
				dis = fmt.Sprint(p.Disagreements)
			}
			acc := "-"
			if p.Accuracy > 0 {
				acc = fmt.Sprintf("%.2f%%", 100*p.Accuracy)
			}
			t.Rows = append(t.Rows, []string{p.Stage, fmt.Sprint(p.Tokens), ppl, net, acc, p.Versus, dis})
		}
		out = append(out, section{Title: "Perplexity at every stage", Blocks: []block{
			para("Penn Treebank test tokens in sequences of %d, each from the reset state (netlist.StreamNLL's protocol); sim and the RTL take a prefix. The netlist, the Go simulator and the RTL must agree exactly: sim compares every token's prediction and score (every logit with `--all-logits`) with the netlist, cosim every output handshake and its cycle with sim. A design that emits only the predicted token and its score has no perplexity of its own; its agreement with the netlist on every token is what the table shows.",
				r.seqLen()), {Table: t}}})
	}
	for _, f := range []func() (section, bool, error){r.performanceSection, r.resourceSection} {
		s, ok, err := f()
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// seqLen is the evaluation protocol's sequence length of the run.
func (r *Report) seqLen() int {
	if e := r.LMExport; e != nil {
		return e.SeqLen
	}
	return 0
}

// stagesOrNil is g.Stages (nil without a gen result).
func (g *GenResult) stagesOrNil() []GenStage {
	if g == nil {
		return nil
	}
	return g.Stages
}

// lmTrainingSection plots and tabulates the language model's epochs.
func (r *Report) lmTrainingSection() (section, error) {
	t := r.LMTrain
	c := t.Config
	img, err := lmTrainingPlot(t.History)
	if err != nil {
		return section{}, err
	}
	s := section{Title: "Training"}
	s.Blocks = append(s.Blocks, para("%s: embedding %d, %d LSTM units, w%d a%d, BPTT %d, batch %d, %d epochs, Adam %.3g -> %.3g, clip %g, dropout %g (seed %d); the model of epoch %d (best validation perplexity, %.2f) is exported.",
		t.Name, c.Dim, c.Hidden, c.WBits, c.ABits, c.SeqLen, c.Batch, c.Epochs, c.LR, c.LRFinal, c.Clip, c.Dropout, c.Seed, t.BestEpoch, t.ValidPPL),
		block{Image: &image{File: PlotsDir + "/training.png", Alt: "training curves", PNG: img}})
	et := &table{Head: []string{"epoch", "learning rate", "train perplexity", "validation perplexity", "gradient norm", "seconds"}}
	for _, h := range t.History {
		et.Rows = append(et.Rows, []string{fmt.Sprint(h.Epoch), fmt.Sprintf("%.3g", h.LR), fmt.Sprintf("%.2f", h.TrainPPL),
			fmt.Sprintf("%.2f", h.ValidPPL), fmt.Sprintf("%.3g", h.GradNorm), fmt.Sprintf("%.1f", h.Seconds)})
		et.Highlight = append(et.Highlight, h.Epoch == t.BestEpoch)
	}
	s.Blocks = append(s.Blocks, block{Table: et})
	return s, nil
}

// lmTrainingPlot draws the training and validation perplexity per epoch.
func lmTrainingPlot(h []train.LMEpoch) ([]byte, error) {
	tr, va := make(plotter.XYs, len(h)), make(plotter.XYs, len(h))
	for i, e := range h {
		tr[i] = plotter.XY{X: float64(e.Epoch), Y: e.TrainPPL}
		va[i] = plotter.XY{X: float64(e.Epoch), Y: e.ValidPPL}
	}
	pl := plot.New()
	pl.Title.Text, pl.X.Label.Text, pl.Y.Label.Text = "perplexity", "epoch", "perplexity"
	if err := plotutil.AddLinePoints(pl, "train (with dropout)", tr, "validation", va); err != nil {
		return nil, err
	}
	pl.Legend.Top = true
	return png(14*vg.Centimeter, 8*vg.Centimeter, pl)
}
