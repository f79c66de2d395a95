package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// ptbHWModel is a small random sequence model of PTB's vocabulary that the
// hardware plan builds: the embedding encoded as the hidden state, 3-bit
// weights.
var ptbHWModel = netlist.RandomLSTMConfig{Vocab: dataset.PTBVocab, Dim: 6, Hidden: []int{5},
	WeightBits: 3, ActBits: 2, OutWeightBits: 2, HiddenEncoding: true}

// ptbHWLM writes ptbHWModel to dir/lm.json with output offsets that favour
// PTB's ten most frequent words, as ptbLM does.
func ptbHWLM(t *testing.T, dir string, seed uint64, scale float64) (string, *netlist.Network) {
	t.Helper()
	return ptbLMOf(t, dir, seed, scale, ptbHWModel)
}

// TestSimSequenceModelPTB: qnn sim --model on a sequence model simulates a
// prefix of the PTB test stream in sequences of --seq-len; its next-word
// count is netlist.ReferenceSequence's, every token agrees, the cycles
// per token and latency are the plan's, and with --all-logits the
// perplexity from the design's logits is the reference's to the bit.
func TestSimSequenceModelPTB(t *testing.T) {
	c := loadPTB(t)
	dir := t.TempDir()
	model, n := ptbHWLM(t, dir, 3, 1.0/16)
	const limit, seqLen = 70, 30 // a last sequence of 10 tokens
	sum, correct, _ := referenceLM(t, n, c.Test, c.Vocab, limit, seqLen)
	if correct == 0 {
		t.Fatal("the reference guesses no next word right: the accuracy check would check nothing")
	}
	for _, all := range []bool{false, true} {
		args := []string{"sim", "--model", model, "--dataset", "ptb", "--limit", strconv.Itoa(limit), "--seq-len", strconv.Itoa(seqLen),
			"--target-cycles", "200", "--json"}
		if all {
			args = append(args, "--all-logits", "--stall-in", "0.2", "--stall-out", "0.3")
		}
		stdout, stderr, code := runQNN(t, args...)
		if code != exitOK || stderr != "" {
			t.Fatalf("all logits %v: exit code %d, stderr:\n%s", all, code, stderr)
		}
		var got seqSimReport
		decodeOneObject(t, stdout, &got)
		if got.Tokens != limit || got.SeqLen != seqLen || got.Correct != correct || got.Agreement != 1 || got.AllLogits != all {
			t.Errorf("all logits %v: tokens %d seq_len %d correct %d agreement %v all_logits %v; want %d, %d, %d, 1, %v",
				all, got.Tokens, got.SeqLen, got.Correct, got.Agreement, got.AllLogits, limit, seqLen, correct, all)
		}
		if !all {
			if got.Perplexity != nil {
				t.Errorf("perplexity %v from a design that emits only the winner's score", *got.Perplexity)
			}
			if got.CyclesPerToken != float64(got.PlanCyclesPerToken) || got.FirstLatency != int64(got.PlanLatency) || got.PlanCyclesPerToken == 0 {
				t.Errorf("cycles per token %v (plan %d), latency %d (plan %d)", got.CyclesPerToken, got.PlanCyclesPerToken, got.FirstLatency, got.PlanLatency)
			}
			continue
		}
		if want := math.Exp(sum / limit); got.Perplexity == nil || *got.Perplexity != want {
			t.Errorf("perplexity %v, want %v", got.Perplexity, want)
		}
	}
}

// TestSequenceDesignCommands: qnn gen writes a sequence model's design
// (its kit fed with PTB test tokens, as the model's metadata names ptb),
// qnn sim on the design directory agrees with the netlist on every token,
// and qnn cosim under Icarus matches sim handshake for handshake;
// --all-logits on an image model is refused.
func TestSequenceDesignCommands(t *testing.T) {
	requirePTB(t)
	dir := t.TempDir()
	model, _ := ptbHWLM(t, dir, 9, 1.0/512)
	n, err := netlist.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	n.Meta = map[string]string{"dataset": "ptb"}
	if err := netlist.Save(model, n); err != nil {
		t.Fatal(err)
	}
	design := filepath.Join(dir, "d")
	if _, stderr, code := runQNN(t, "gen", "--model", model, "-o", design, "--target-cycles", "300", "--tb-images", "30"); code != exitOK {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	readme, err := os.ReadFile(filepath.Join(design, "tb", "README.md"))
	if err != nil || !strings.Contains(string(readme), "the first 30 ptb test tokens in sequences of 25") {
		t.Errorf("the kit's stimulus is not PTB's test tokens (%v):\n%.600s", err, readme)
	}
	stdout, stderr, code := runQNN(t, "sim", design, "--dataset", "ptb", "--limit", "40", "--seq-len", "15", "--json")
	if code != exitOK {
		t.Fatalf("sim: exit %d: %s", code, stderr)
	}
	var got seqSimReport
	decodeOneObject(t, stdout, &got)
	if got.Tokens != 40 || got.Agreement != 1 || got.PlanCyclesPerToken != 300 {
		t.Errorf("sim: %d tokens, agreement %v, plan %d cycles/token", got.Tokens, got.Agreement, got.PlanCyclesPerToken)
	}
	if _, err := exec.LookPath("iverilog"); err == nil {
		// Icarus runs a 10,000-word design at about 100 cycles/s: 3 tokens.
		stdout, stderr, code = runQNN(t, "cosim", design, "--dataset", "ptb", "--limit", "3", "--seq-len", "2",
			"--simulator", "icarus", "--stall-in", "0.3", "--stall-out", "0.3")
		if code != exitOK || !strings.Contains(stdout, "MATCH: 3 output handshakes") {
			t.Errorf("cosim: exit %d\n%s\n%s", code, stdout, stderr)
		}
	}
	_, stderr, code = runQNN(t, "gen", "--model", testModel, "-o", filepath.Join(dir, "img"), "--all-logits")
	checkUserError(t, "", stderr, code, "gen: --all-logits is for sequence models")
}
