package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// TestTrainLSTMPTB: a CI-sized `qnn train --arch lstm` on the first 3,000
// tokens of every PTB split exports a netlist whose test perplexity is the
// trainer's exactly, with no test token scored differently; the saved file
// gives the same perplexity through netlist.StreamNLL.
func TestTrainLSTMPTB(t *testing.T) {
	requirePTB(t)
	corpus, err := dataset.LoadPTB(dataset.PTBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "lm.json")
	stdout, stderr, code := runQNN(t, "train", "--arch", "lstm", "--dataset", "ptb", "--hidden", "16", "--wbits", "3", "--abits", "3",
		"--epochs", "3", "--batch", "10", "--seq-len", "20", "--lr", "0.03", "--limit", "3000", "--eval-seq-len", "200", "--quiet", "--out", model, "--json")
	if code != exitOK {
		t.Fatalf("train: exit code %d: %s", code, stderr)
	}
	var r lmResult
	decodeOneObject(t, stdout, &r)
	if r.Disagree != 0 || r.TestTokens != 2999 || r.NetlistPPL != r.TestPPL || len(r.Epochs) != 3 || r.Model != "lstm16-w3a3" {
		t.Fatalf("train: %d disagreeing of %d test tokens, netlist ppl %v vs trainer %v, %d epochs, model %q",
			r.Disagree, r.TestTokens, r.NetlistPPL, r.TestPPL, len(r.Epochs), r.Model)
	}
	if !(r.TestPPL < 3000) {
		t.Errorf("test perplexity %v: the model learned nothing (uniform is 10000)", r.TestPPL)
	}
	n, err := netlist.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	f, err := netlist.NewFastSeq(n)
	if err != nil {
		t.Fatal(err)
	}
	test := make([]int, 3000)
	for i := range test {
		test[i] = int(corpus.Test[i])
	}
	sum, count, err := netlist.StreamNLL(f, n.OutputLayer().LogitScale, test, 200, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ppl := math.Exp(sum / float64(count)); ppl != r.TestPPL {
		t.Errorf("saved netlist: test perplexity %v, train reported %v", ppl, r.TestPPL)
	}
	// The checkpoint of the last epoch (OUT.ckpt by default): a resumed run
	// of a finished one trains no more epochs and exports the same model;
	// a configuration flag beside --resume is refused.
	ckpt := model + ".ckpt"
	again := filepath.Join(dir, "again.json")
	stdout, stderr, code = runQNN(t, "train", "--arch", "lstm", "--dataset", "ptb", "--resume", ckpt, "--limit", "3000",
		"--eval-seq-len", "200", "--quiet", "--out", again, "--checkpoint", filepath.Join(dir, "again.ckpt"), "--json")
	if code != exitOK {
		t.Fatalf("train --resume: exit code %d: %s", code, stderr)
	}
	var r2 lmResult
	decodeOneObject(t, stdout, &r2)
	a, _ := os.ReadFile(model)
	b, _ := os.ReadFile(again)
	if len(r2.Epochs) != 3 || r2.TestPPL != r.TestPPL || len(a) == 0 || string(a) != string(b) {
		t.Errorf("resumed: %d epochs, test perplexity %v (was %v), model files equal %v", len(r2.Epochs), r2.TestPPL, r.TestPPL, string(a) == string(b))
	}
	_, stderr, code = runQNN(t, "train", "--arch", "lstm", "--dataset", "ptb", "--resume", ckpt, "--epochs", "5")
	checkUserError(t, "", stderr, code, "train: --epochs cannot be combined with --resume")
}

// TestTrainLSTMFlagErrors: flag combinations that make no sense for the
// LSTM are one-line user errors, and nothing is written.
func TestTrainLSTMFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--arch", "lstm", "--dataset", "mnist"}, `--arch lstm trains on --dataset ptb, not "mnist"`},
		{[]string{"--dataset", "ptb", "--arch", "lfc"}, `--dataset ptb trains --arch lstm, not "lfc"`},
		{[]string{"--arch", "lstm", "--wbits", "32", "--abits", "4"}, "32 (float) is for both or neither"},
		{[]string{"--arch", "lstm", "--wbits", "1", "--abits", "1"}, "an LSTM takes 2..8-bit weights and activations"},
		{[]string{"--arch", "lstm", "--hidden", "8,8"}, "--hidden for --arch lstm is one size"},
		{[]string{"--arch", "lstm", "--wbits", "32", "--abits", "32", "--out", "x.json"}, "the 32-bit float LSTM has no netlist form"},
		{[]string{"--arch", "lstm", "--augment", "2"}, "--augment does not apply to --arch lstm"},
		{[]string{"--arch", "lstm", "--limit", "1"}, "--limit for --arch lstm is a token count >= 2"},
		{[]string{"--arch", "lstm", "--eval-seq-len", "0"}, "--eval-seq-len must be positive"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"train", "--quiet"}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "--out") {
				args = append(args, "--out", filepath.Join(dir, "m.json"))
			}
			_, stderr, code := runQNN(t, args...)
			if code != exitUser || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q; want exit %d and one line containing %q", code, stderr, exitUser, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("files written: %v", ents)
			}
		})
	}
}
