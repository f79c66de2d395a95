package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// tokenRow is one row of eval's --predictions for a sequence model.
type tokenRow struct {
	Pos, Token, Next, Predicted int
	NLL                         string
	Words                       [3]string
}

// referenceLM scores n as a language model on the first count
// predictions of stream, in sequences of seqLen input tokens from the
// reset state, with netlist.ReferenceSequence: the summed NLL (per
// sequence, then in sequence order), the number of correct next-token
// guesses (the first largest score), and every prediction's row.
func referenceLM(t *testing.T, n *netlist.Network, stream []int32, vocab []string, count, seqLen int) (float64, int, []tokenRow) {
	t.Helper()
	scale := n.OutputLayer().LogitScale
	var sum float64
	correct := 0
	var rows []tokenRow
	for p0 := 0; p0 < count; p0 += seqLen {
		var toks []int
		for _, id := range stream[p0:min(p0+seqLen, count)] {
			toks = append(toks, int(id))
		}
		tr, err := netlist.ReferenceSequence(n, toks)
		if err != nil {
			t.Fatal(err)
		}
		var seq float64
		for i, scores := range tr.Scores() {
			p, next := p0+i, int(stream[p0+i+1])
			best := 0
			for k, s := range scores {
				if s > scores[best] {
					best = k
				}
			}
			if best == next {
				correct++
			}
			row := tokenRow{Pos: p, Token: toks[i], Next: next, Predicted: best, Words: [3]string{vocab[toks[i]], vocab[next], vocab[best]}}
			if scale > 0 {
				nll := netlist.NLL(scores, scale, next)
				seq += nll
				row.NLL = strconv.FormatFloat(nll, 'g', -1, 64)
			}
			rows = append(rows, row)
		}
		sum += seq
	}
	return sum, correct, rows
}

// readTokenRows reads eval's --predictions file of a sequence model.
func readTokenRows(t *testing.T, path string) []tokenRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"position", "token", "next_token", "predicted", "nll", "word", "next_word", "predicted_word"}, recs[0]); diff != "" {
		t.Fatalf("header mismatch (-want +got):\n%s", diff)
	}
	var rows []tokenRow
	for _, r := range recs[1:] {
		var ints [4]int
		for i := range ints {
			if ints[i], err = strconv.Atoi(r[i]); err != nil {
				t.Fatalf("row %q: %v", r, err)
			}
		}
		rows = append(rows, tokenRow{Pos: ints[0], Token: ints[1], Next: ints[2], Predicted: ints[3], NLL: r[4], Words: [3]string{r[5], r[6], r[7]}})
	}
	return rows
}

var (
	ptbOnce   sync.Once
	ptbCorpus *dataset.Corpus
	ptbErr    error
)

// loadPTB loads the project's PTB copy once for the tests that compute
// what eval should report (each eval run loads its own).
func loadPTB(t *testing.T) *dataset.Corpus {
	t.Helper()
	dir := requirePTB(t)
	ptbOnce.Do(func() { ptbCorpus, ptbErr = dataset.LoadPTB(dataset.PTBOptions{Dir: dir}) })
	if ptbErr != nil {
		t.Fatal(ptbErr)
	}
	return ptbCorpus
}

// TestEvalSequenceModelPTB: eval of a random model of PTB's vocabulary
// on the first tokens of the validation split reports the perplexity,
// accuracy and per-token rows that netlist.ReferenceSequence and
// netlist.NLL give on the same prefix, cut into the same sequences; its
// NLL is netlist.StreamNLL's to the bit.
func TestEvalSequenceModelPTB(t *testing.T) {
	c := loadPTB(t)
	dir := t.TempDir()
	model, n := ptbLM(t, dir, 7, 1.0/16)
	const limit, seqLen = 300, 35 // a last sequence of 20 tokens
	preds := filepath.Join(dir, "preds.csv")
	// No --data-dir: the project's copy, found as for CIFAR-10.
	args := []string{"eval", "--model", model, "--dataset", "ptb", "--split", "valid", "--limit", strconv.Itoa(limit), "--seq-len", strconv.Itoa(seqLen)}
	stdout, stderr, code := runQNN(t, append(args, "--json", "--predictions", preds)...)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	wantKeys := map[string]bool{}
	for _, k := range []string{"model", "dataset", "split", "seq_len", "tokens", "correct", "accuracy", "logit_scale",
		"nll", "mean_nll", "perplexity", "seconds", "tokens_per_second"} {
		wantKeys[k] = true
	}
	if diff := cmp.Diff(wantKeys, jsonKeys(t, stdout)); diff != "" {
		t.Errorf("JSON keys mismatch (-want +got):\n%s", diff)
	}
	var got seqEvalReport
	decodeOneObject(t, stdout, &got)

	sum, correct, rows := referenceLM(t, n, c.Valid, c.Vocab, limit, seqLen)
	if correct == 0 {
		t.Fatal("the reference guesses no next word right: the accuracy check would check nothing")
	}
	if got.Model != model || got.Dataset != "ptb" || got.Split != "valid" || got.SeqLen != seqLen || got.Tokens != limit || got.LogitScale != 1.0/16 {
		t.Errorf("model %q dataset %q split %q seq_len %d tokens %d logit scale %g", got.Model, got.Dataset, got.Split, got.SeqLen, got.Tokens, got.LogitScale)
	}
	if got.Correct != correct || got.Accuracy != float64(correct)/limit {
		t.Errorf("correct %d accuracy %v, want %d (%v)", got.Correct, got.Accuracy, correct, float64(correct)/limit)
	}
	if got.NLL == nil || got.MeanNLL == nil || got.Perplexity == nil {
		t.Fatalf("nll %v mean_nll %v perplexity %v: want numbers", got.NLL, got.MeanNLL, got.Perplexity)
	}
	if want := math.Exp(sum / limit); *got.NLL != sum || *got.MeanNLL != sum/limit || *got.Perplexity != want {
		t.Errorf("nll %v mean %v perplexity %v, want %v, %v, %v", *got.NLL, *got.MeanNLL, *got.Perplexity, sum, sum/limit, want)
	}
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		t.Fatal(err)
	}
	stream := make([]int, limit+1)
	for i := range stream {
		stream[i] = int(c.Valid[i])
	}
	if s, cnt, err := netlist.StreamNLL(f, 1.0/16, stream, seqLen, 1); err != nil || s != *got.NLL || cnt != limit {
		t.Errorf("StreamNLL = %v over %d (%v), eval reports %v over %d", s, cnt, err, *got.NLL, got.Tokens)
	}
	if diff := cmp.Diff(rows, readTokenRows(t, preds)); diff != "" {
		t.Errorf("--predictions mismatch (-reference +eval):\n%s", diff)
	}
}

// TestEvalSequenceModelNoLogitScale: without a logit scale eval reports
// the next-word accuracy (text report, the test split and --seq-len 1000 by
// default), no perplexity ("undefined", empty NLL cells) and warns once.
func TestEvalSequenceModelNoLogitScale(t *testing.T) {
	c := loadPTB(t)
	dir := t.TempDir()
	model, n := ptbLM(t, dir, 8, 0)
	const limit = 80
	preds := filepath.Join(dir, "preds.csv")
	stdout, stderr, code := runQNN(t, "eval", "--model", model, "--dataset", "ptb", "--data-dir", requirePTB(t),
		"--limit", strconv.Itoa(limit), "--predictions", preds)
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "no logit_scale") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr, want one warning about the logit scale:\n%s", stderr)
	}
	_, correct, rows := referenceLM(t, n, c.Test, c.Vocab, limit, defaultSeqLen)
	if correct == 0 {
		t.Fatal("the reference guesses no next word right: the accuracy check would check nothing")
	}
	for _, want := range []string{
		fmt.Sprintf("model:      %s (%s)\n", model, n.Name),
		fmt.Sprintf("data set:   ptb test, %d tokens predicted (sequences of 1000 tokens, each from the reset state)\n", limit),
		"perplexity: undefined (output layer \"logits\" declares no logit_scale)\n",
		fmt.Sprintf("accuracy:   %.2f%% next-word top-1 (%d/%d correct)\n", 100*float64(correct)/limit, correct, limit),
		"time:       ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout)
		}
	}
	if diff := cmp.Diff(rows, readTokenRows(t, preds)); diff != "" {
		t.Errorf("--predictions mismatch (-reference +eval):\n%s", diff)
	}
}

// TestSeqEvalText: the text report of a sequence model with a perplexity.
func TestSeqEvalText(t *testing.T) {
	nll, mean, ppl := 2765.5, 9.21833, 10067.4
	r := &seqEvalReport{Model: "lm.json", Dataset: "ptb", Split: "valid", SeqLen: 35, Tokens: 300, Correct: 12, Accuracy: 0.04,
		LogitScale: 0.0625, NLL: &nll, MeanNLL: &mean, Perplexity: &ppl, Seconds: 0.5, TokensPerSecond: 600,
		name: "random-lstm", output: "logits", workers: 2}
	var b strings.Builder
	if err := writeSeqEvalText(&b, r); err != nil {
		t.Fatal(err)
	}
	want := `model:      lm.json (random-lstm)
data set:   ptb valid, 300 tokens predicted (sequences of 35 tokens, each from the reset state)
perplexity: 10067.40 (mean NLL 9.2183 nats, logit scale 0.0625)
accuracy:   4.00% next-word top-1 (12/300 correct)
time:       0.5000 s, 600 tokens/s (2 workers)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("text report mismatch (-want +got):\n%s", diff)
	}
}
