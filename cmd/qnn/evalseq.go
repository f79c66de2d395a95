package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/train"
)

// seqSplitNames are the PTB splits eval reads.
var seqSplitNames = []string{"test", "valid", "train"}

// defaultSeqLen is --seq-len: the evaluation protocol of qnn train --arch
// lstm (train.DefaultEvalSeqLen), so eval reproduces the perplexity train
// reports.
const defaultSeqLen = train.DefaultEvalSeqLen

// seqEvalReport is what `qnn eval --json` prints for a sequence model.
type seqEvalReport struct {
	Model   string `json:"model"` // the file as given
	Dataset string `json:"dataset"`
	Split   string `json:"split"`
	// SeqLen is the number of input tokens per sequence; each sequence
	// starts from the reset state.
	SeqLen int `json:"seq_len"`
	// Tokens is the number of predicted tokens: the split's first
	// Tokens+1 tokens are read, token p predicting token p+1.
	Tokens   int     `json:"tokens"`
	Correct  int     `json:"correct"`  // predictions whose largest score is the next token's
	Accuracy float64 `json:"accuracy"` // Correct / Tokens: next-word top-1
	// LogitScale is the output layer's; 0 when it declares none, and NLL,
	// MeanNLL and Perplexity are then null.
	LogitScale      float64  `json:"logit_scale"`
	NLL             *float64 `json:"nll"`        // sum of -ln p(next token) in nats
	MeanNLL         *float64 `json:"mean_nll"`   // NLL / Tokens
	Perplexity      *float64 `json:"perplexity"` // exp(MeanNLL)
	Seconds         float64  `json:"seconds"`    // evaluation only, not loading
	TokensPerSecond float64  `json:"tokens_per_second"`

	name, output string // the netlist's name and its output layer's, for the text report
	workers      int
}

// runSeqEval evaluates the sequence model n on a PTB split as a language
// model: perplexity (when the output layer declares a logit scale) and
// next-word accuracy.
func runSeqEval(log hclog.Logger, opt evalOptions, n *netlist.Network) (*seqEvalReport, error) {
	if err := checkModelFitsCorpus("eval", opt.model, n, dataset.PTBVocab); err != nil {
		return nil, err
	}
	c, err := dataset.LoadPTB(dataset.PTBOptions{Dir: opt.dataDir})
	if err != nil {
		return nil, userErr(err)
	}
	if err := checkModelFitsCorpus("eval", opt.model, n, c.VocabSize()); err != nil {
		return nil, err
	}
	stream := corpusSplit(c, opt.split)
	log.Debug("loaded corpus", "name", dataset.PTB, "split", opt.split, "tokens", len(stream))
	if opt.limit >= len(stream) {
		log.Warn("--limit exceeds the split's predictions; evaluating every token", "limit", opt.limit, "tokens", len(stream)-1)
	}
	if opt.limit > 0 && opt.limit < len(stream) {
		stream = stream[:opt.limit+1]
	}
	out := n.OutputLayer()
	scale := out.LogitScale
	if scale == 0 {
		log.Warn("the output layer declares no logit_scale: perplexity is undefined, reporting next-word accuracy only", "layer", out.Name)
	}
	workers := opt.workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		return nil, err
	}
	log.Debug("evaluating", "tokens", len(stream)-1, "seq_len", opt.seqLen, "workers", workers)
	start := time.Now()
	sc, err := scoreStream(f, scale, stream, opt.seqLen, workers)
	elapsed := time.Since(start)
	if err != nil {
		return nil, err
	}
	if opt.predictions != "" {
		b, err := tokenPredictionsCSV(sc, stream, c.Vocab)
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(opt.predictions, b); err != nil {
			return nil, userErrf("eval: --predictions %s: %v", opt.predictions, err)
		}
	}
	r := sc.report()
	r.Model, r.Dataset, r.Split, r.SeqLen, r.LogitScale = opt.model, dataset.PTB, opt.split, opt.seqLen, scale
	r.name, r.output, r.workers = n.Name, out.Name, workers
	if r.Seconds = elapsed.Seconds(); r.Seconds > 0 {
		r.TokensPerSecond = float64(r.Tokens) / r.Seconds
	}
	log.Debug("evaluated", "tokens", r.Tokens, "seconds", r.Seconds)
	return r, nil
}

// checkModelFitsCorpus checks that the model reads and scores a
// vocabulary of vocab words; a mismatch is a user error naming the file,
// the layer and both sizes.
func checkModelFitsCorpus(cmd, model string, n *netlist.Network, vocab int) error {
	if e := n.EmbeddingLayer(); e.Vocab != vocab {
		return userErrf("%s: %s: layer 0 %q: vocab: the model reads %d tokens but %s has %d words",
			cmd, model, e.Name, e.Vocab, dataset.PTB, vocab)
	}
	if out := n.OutputLayer(); out.Classes != vocab {
		return userErrf("%s: %s: layer %d %q: classes: the model scores %d tokens but %s has %d words",
			cmd, model, len(n.Layers)-1, out.Name, out.Classes, dataset.PTB, vocab)
	}
	return nil
}

// corpusSplit is the named split's token stream.
func corpusSplit(c *dataset.Corpus, split string) []int {
	ids := c.Test
	switch split {
	case "valid":
		ids = c.Valid
	case "train":
		ids = c.Train
	}
	stream := make([]int, len(ids))
	for i, id := range ids {
		stream[i] = int(id)
	}
	return stream
}

// inputSequences cuts the input positions of stream (every token but the
// last, whose successor is unknown) into sequences of seqLen tokens, each
// evaluated from the reset state (netlist.StreamNLL's protocol).
func inputSequences(stream []int, seqLen int) [][]int {
	count := max(len(stream)-1, 0)
	var seqs [][]int
	for p := 0; p < count; p += seqLen {
		seqs = append(seqs, stream[p:min(p+seqLen, count)])
	}
	return seqs
}

// streamScores are a sequence model's predictions on a token stream, cut
// into sequences as netlist.StreamNLL cuts it: for every input position p,
// the argmax of the scores and the NLL of the next token stream[p+1].
type streamScores struct {
	predicted []int
	nll       []float64 // nil without a logit scale
	correct   int
	// sum is the summed NLL, added up per sequence and then in sequence
	// order, as netlist.StreamNLL does, so that it is StreamNLL's to the
	// bit.
	sum float64
}

// scoreStream evaluates f on stream in sequences of seqLen input tokens,
// each from the reset state, in one pass for the accuracy and the NLL
// (netlist.StreamNLL gives the NLL only). scale 0 computes no NLL.
func scoreStream(f *netlist.FastSeq, scale float64, stream []int, seqLen, workers int) (*streamScores, error) {
	count := max(len(stream)-1, 0)
	seqs := inputSequences(stream, seqLen)
	s := &streamScores{predicted: make([]int, count)}
	if scale > 0 {
		s.nll = make([]float64, count)
	}
	err := f.Visit(seqs, workers, func(q, t int, scores []int64) {
		p := q*seqLen + t
		s.predicted[p] = netlist.Argmax(scores)
		if s.nll != nil {
			s.nll[p] = netlist.NLL(scores, scale, stream[p+1])
		}
	})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	for p, k := range s.predicted {
		if k == stream[p+1] {
			s.correct++
		}
	}
	if s.nll != nil {
		for p := 0; p < count; p += seqLen {
			var seq float64
			for _, x := range s.nll[p:min(p+seqLen, count)] {
				seq += x
			}
			s.sum += seq
		}
	}
	return s, nil
}

// report is the scores' part of eval's report.
func (s *streamScores) report() *seqEvalReport {
	r := &seqEvalReport{Tokens: len(s.predicted), Correct: s.correct}
	if r.Tokens == 0 {
		return r
	}
	r.Accuracy = float64(s.correct) / float64(r.Tokens)
	if s.nll != nil {
		sum, mean := s.sum, s.sum/float64(r.Tokens)
		ppl := math.Exp(mean)
		r.NLL, r.MeanNLL, r.Perplexity = &sum, &mean, &ppl
	}
	return r
}

// tokenPredictionsCSV is `qnn eval --predictions FILE` for a sequence
// model: one row per predicted token, its position in the evaluated
// stream, its id, the next token's id, the predicted id (the largest
// score), the NLL of the next token (empty without a logit scale), then
// the three words.
func tokenPredictionsCSV(s *streamScores, stream []int, vocab []string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"position", "token", "next_token", "predicted", "nll", "word", "next_word", "predicted_word"})
	for p, k := range s.predicted {
		tok, next := stream[p], stream[p+1]
		if k < 0 || k >= len(vocab) {
			return nil, fmt.Errorf("eval: position %d: predicted token %d outside the vocabulary 0..%d", p, k, len(vocab)-1)
		}
		nll := ""
		if s.nll != nil {
			nll = strconv.FormatFloat(s.nll[p], 'g', -1, 64)
		}
		w.Write([]string{strconv.Itoa(p), strconv.Itoa(tok), strconv.Itoa(next), strconv.Itoa(k), nll, vocab[tok], vocab[next], vocab[k]})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func writeSeqEvalText(w io.Writer, r *seqEvalReport) error {
	fmt.Fprintf(w, "model:      %s (%s)\n", r.Model, r.name)
	fmt.Fprintf(w, "data set:   %s %s, %d tokens predicted (sequences of %d tokens, each from the reset state)\n",
		r.Dataset, r.Split, r.Tokens, r.SeqLen)
	if r.Perplexity != nil {
		fmt.Fprintf(w, "perplexity: %.2f (mean NLL %.4f nats, logit scale %g)\n", *r.Perplexity, *r.MeanNLL, r.LogitScale)
	} else {
		fmt.Fprintf(w, "perplexity: undefined (output layer %q declares no logit_scale)\n", r.output)
	}
	fmt.Fprintf(w, "accuracy:   %.2f%% next-word top-1 (%d/%d correct)\n", 100*r.Accuracy, r.Correct, r.Tokens)
	_, err := fmt.Fprintf(w, "time:       %.4f s, %.0f tokens/s (%d workers)\n", r.Seconds, r.TokensPerSecond, r.workers)
	return err
}
