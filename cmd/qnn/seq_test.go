package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// docSeqJSON is the sequence-model example of docs/netlist-format.md
// (embed, lstm0, proj, logits; vocabulary 3).
func docSeqJSON(t *testing.T) []byte {
	t.Helper()
	doc, err := os.ReadFile("../../docs/netlist-format.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	s = s[strings.Index(s, "## A sequence-model example"):]
	i := strings.Index(s, "```json\n") + len("```json\n")
	j := strings.Index(s, "\n```\n")
	if i < len("```json\n") || j < i {
		t.Fatal("docs/netlist-format.md: no JSON block in the sequence-model example")
	}
	return []byte(s[i : j+1])
}

// docSeqModel writes the documented sequence model to dir/name and
// returns its path and the network.
func docSeqModel(t *testing.T, dir, name string) (string, *netlist.Network) {
	t.Helper()
	p := copyTo(t, dir, name, docSeqJSON(t))
	n, err := netlist.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, n
}

// randomSeqModel writes a random sequence model to dir/name, with the
// output layer's logit scale set to scale (0: none declared).
func randomSeqModel(t *testing.T, dir, name string, seed uint64, cfg netlist.RandomLSTMConfig, scale float64) (string, *netlist.Network) {
	t.Helper()
	n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(seed, 35)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.OutputLayer().LogitScale = scale
	p := filepath.Join(dir, name)
	if err := netlist.Save(p, n); err != nil {
		t.Fatal(err)
	}
	return p, n
}

// ptbModel is a small random sequence model of PTB's vocabulary.
var ptbModel = netlist.RandomLSTMConfig{Vocab: dataset.PTBVocab, Dim: 8, EmbedBits: 2, Hidden: []int{8},
	WeightBits: 2, ActBits: 2, OutWeightBits: 2}

// ptbLM writes a random model of PTB's vocabulary to dir/lm.json whose
// output offsets favour PTB's ten most frequent words (ids 0..9: the,
// <unk>, <eos>, ...), so that its guess varies among them with the state
// and is right now and then (a random model always guesses the same rare
// word).
func ptbLM(t *testing.T, dir string, seed uint64, scale float64) (string, *netlist.Network) {
	t.Helper()
	return ptbLMOf(t, dir, seed, scale, ptbModel)
}

// ptbLMOf is ptbLM for the random model of cfg.
func ptbLMOf(t *testing.T, dir string, seed uint64, scale float64, cfg netlist.RandomLSTMConfig) (string, *netlist.Network) {
	t.Helper()
	p, n := randomSeqModel(t, dir, "lm.json", seed, cfg, scale)
	out := n.OutputLayer()
	out.ScoreBits = 16
	for k := range 10 {
		out.Offsets[k] = 1000
	}
	if err := netlist.Save(p, n); err != nil {
		t.Fatal(err)
	}
	n, err := netlist.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, n
}

// requirePTB returns the project's Penn Treebank copy
// (../shared/datasets/ptb from the repository root, where eval looks by
// default), skipping the test without it, except in CI, where it must be
// there.
func requirePTB(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(root), filepath.FromSlash(dataset.SharedPTB))
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: the project's Penn Treebank copy must be present: %v", err)
		}
		t.Skipf("no Penn Treebank copy (a checkout without ../shared/datasets/ptb): %v", err)
	}
	return dir
}

// TestInspectSequenceModel: inspect lists the documented sequence model's
// layers with their vector shapes, says what it reads and its logit scale,
// and counts MACs per token.
func TestInspectSequenceModel(t *testing.T) {
	dir := t.TempDir()
	path, n := docSeqModel(t, dir, "tiny.json")
	e, out := n.EmbeddingLayer(), n.OutputLayer()

	stdout, stderr, code := runQNN(t, "inspect", "--json", path)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var got inspectReport
	decodeOneObject(t, stdout, &got)
	if diff := cmp.Diff(&sequenceReport{Vocab: 3, LSTMLayers: 1, LogitScale: out.LogitScale}, got.Sequence); diff != "" {
		t.Errorf("sequence mismatch (-want +got):\n%s", diff)
	}
	var ids [][2]string
	var shapes [][3]int
	var sum int64
	for _, l := range got.Layers {
		ids = append(ids, [2]string{l.Op, l.Name})
		shapes = append(shapes, l.Shape)
		sum += l.ParamBits
	}
	if diff := cmp.Diff([][2]string{{"embedding", "embed"}, {"lstm", "lstm0"}, {"dense", "proj"}, {"output", "logits"}}, ids); diff != "" {
		t.Errorf("layers mismatch (-want +got):\n%s", diff)
	}
	// The embedding's vector of dim, the hidden state, then the scores.
	if diff := cmp.Diff([][3]int{{2, 1, 1}, {1, 1, 1}, {3, 1, 1}, {3, 1, 1}}, shapes); diff != "" {
		t.Errorf("shapes mismatch (-want +got):\n%s", diff)
	}
	if want := int64(e.Vocab * e.Dim * e.Bits); got.Layers[0].ParamBits != want {
		t.Errorf("embedding: %d parameter bits, want vocab x dim x bits = %d", got.Layers[0].ParamBits, want)
	}
	if sum != got.Totals.ParamBits {
		t.Errorf("total parameter bits %d, the layers sum to %d", got.Totals.ParamBits, sum)
	}

	stdout, stderr, code = runQNN(t, "inspect", path)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	for _, re := range []string{
		`(?m)^input: tokens 0\.\.2, one at a time \(a sequence model: 1 lstm layer; logit scale 0\.5\)$`,
		`(?m)^0\s+embedding\s+embed\s+\(2,1,1\)\s+1\s+vocab 3, 1-bit entries\s`,
		`(?m)^1\s+lstm\s+lstm0\s+\(1,1,1\)\s+2\s+in 2, hidden 1,`,
		`(?m)^MACs per token: +\d+$`,
		`(?m)^binary MACs per token: +\d+$`,
	} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("output does not match %s:\n%s", re, stdout)
		}
	}
	if strings.Contains(stdout, "frame") || strings.Contains(stdout, "pixel") {
		t.Errorf("a sequence model's summary speaks of frames or pixels:\n%s", stdout)
	}

	// Two layers, no logit scale.
	path2, _ := randomSeqModel(t, dir, "two.json", 1, netlist.RandomLSTMConfig{Vocab: 5, Dim: 4, EmbedBits: 1,
		Hidden: []int{3, 2}, WeightBits: 1, ActBits: 2, OutWeightBits: 1}, 0)
	stdout, stderr, code = runQNN(t, "inspect", path2)
	if want := "input: tokens 0..4, one at a time (a sequence model: 2 lstm layers; no logit_scale: no perplexity)\n"; code != exitOK || !strings.Contains(stdout, want) {
		t.Errorf("exit code %d, stderr %q; output lacks %q:\n%s", code, stderr, want, stdout)
	}
}

// TestInspectImageModelHasNoSequence: an image model's report has no
// sequence object and still counts per frame.
func TestInspectImageModelHasNoSequence(t *testing.T) {
	stdout, _, code := runQNN(t, "inspect", testModel)
	if code != exitOK || strings.Contains(stdout, "tokens") || !strings.Contains(stdout, "MACs per frame:") {
		t.Errorf("exit code %d:\n%s", code, stdout)
	}
}

// TestSequenceModelRefused: every command that feeds images refuses a
// sequence model with one line naming the file, exit 1, and writes
// nothing; gen, sim and flow refuse it on an image data set or when the
// plan cannot build it (naming the layer and field); eval refuses a model
// on the wrong kind of data set and a vocabulary that is not the corpus'.
func TestSequenceModelRefused(t *testing.T) {
	const seq = "model m.json is a sequence model (embedding vocab 3, 1 lstm layer); "
	// The cases run in their temporary directory.
	testModel, err := filepath.Abs(testModel)
	if err != nil {
		t.Fatal(err)
	}
	seqJSON := docSeqJSON(t)
	cases := []struct {
		name  string
		args  func(t *testing.T, dir, model string) []string
		wants []string
	}{
		{"gen of a model the plan refuses", func(t *testing.T, dir, m string) []string {
			return []string{"gen", "--model", m, "-o", filepath.Join(dir, "out")}
		}, []string{`hw: layer 0 "embed": bits: 1-bit bipolar entries unlike the hidden state of layer 1 "lstm0"`}},
		{"sim --model on images", func(t *testing.T, dir, m string) []string {
			return []string{"sim", "--model", m, "--dataset", "mnist", "--limit", "2"}
		}, []string{"sim: " + seq + "simulate it on --dataset ptb"}},
		{"sim --model the plan refuses", func(t *testing.T, dir, m string) []string {
			return []string{"sim", "--model", m, "--dataset", "ptb", "--limit", "2"}
		}, []string{`hw: layer 0 "embed": bits: 1-bit bipolar entries unlike the hidden state of layer 1 "lstm0" (2-bit levels with base -1): an embedding encoded unlike the hidden state is not supported yet`}},
		{"flow --from-model", func(t *testing.T, dir, m string) []string {
			return []string{"flow", "--from-model", m, "-o", filepath.Join(dir, "out"), "--cosim-images", "0", "--target", "none"}
		}, []string{`flow: m.json: hw: layer 0 "embed": bits: 1-bit bipolar entries unlike the hidden state`}},
		{"predict", func(t *testing.T, dir, m string) []string {
			return []string{"predict", "--model", m, filepath.Join(dir, "x.png")}
		}, []string{"predict: " + seq + "predict classifies images", "qnn eval --dataset ptb"}},
		{"export", func(t *testing.T, dir, m string) []string {
			return []string{"export", m, "-o", filepath.Join(dir, "m.onnx")}
		}, []string{"export: " + seq + "QONNX export of embedding and lstm layers is not supported yet"}},
		{"bench", func(t *testing.T, dir, m string) []string {
			return []string{"bench", m, "--no-float"}
		}, []string{"bench: " + seq + "bench measures image models"}},
		{"eval on an image data set", func(t *testing.T, dir, m string) []string {
			return []string{"eval", "--model", m, "--dataset", "mnist"}
		}, []string{"eval: " + seq + "evaluate it on --dataset ptb"}},
		{"eval of an image model on ptb", func(t *testing.T, dir, m string) []string {
			return []string{"eval", "--model", testModel, "--dataset", "ptb"}
		}, []string{"eval: model " + testModel + " is an image model (input (1,28,28)): --dataset ptb needs a sequence model"}},
		{"eval vocabulary mismatch", func(t *testing.T, dir, m string) []string {
			return []string{"eval", "--model", m, "--dataset", "ptb", "--data-dir", filepath.Join(dir, "nowhere")}
		}, []string{`eval: m.json: layer 0 "embed": vocab: the model reads 3 tokens but ptb has 10000 words`}},
		{"eval output vocabulary mismatch", func(t *testing.T, dir, m string) []string {
			// Embedding of PTB's size, output layer of 10001 scores.
			p, _ := randomSeqModel(t, dir, "wide.json", 2, netlist.RandomLSTMConfig{Vocab: 10001, Dim: 2, EmbedBits: 1,
				Hidden: []int{2}, WeightBits: 1, ActBits: 2, OutWeightBits: 1}, 1)
			n, err := netlist.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			e := n.EmbeddingLayer()
			e.Vocab, e.Levels = 10000, e.Levels[:10000*e.Dim]
			if err := netlist.Save(p, n); err != nil {
				t.Fatal(err)
			}
			return []string{"eval", "--model", p, "--dataset", "ptb"}
		}, []string{`wide.json: layer 3 "logits": classes: the model scores 10001 tokens but ptb has 10000 words`}},
		{"eval --seq-len 0", func(t *testing.T, dir, m string) []string {
			return []string{"eval", "--model", m, "--dataset", "ptb", "--seq-len", "0"}
		}, []string{"eval: --seq-len must be at least 1, got 0"}},
		{"eval --seq-len on mnist", func(t *testing.T, dir, m string) []string {
			return []string{"eval", "--model", testModel, "--dataset", "mnist", "--seq-len", "20"}
		}, []string{"eval: --seq-len is for sequence models on --dataset ptb, not mnist"}},
		{"eval unknown ptb split", func(t *testing.T, dir, m string) []string {
			return []string{"eval", "--model", m, "--dataset", "ptb", "--split", "dev"}
		}, []string{`eval: --split: unknown split "dev" of ptb (want test, valid, train)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyTo(t, dir, "m.json", seqJSON)
			t.Chdir(dir) // the file as given is m.json
			args := tc.args(t, dir, "m.json")
			before := tree(t, dir)
			stdout, stderr, code := runQNN(t, args...)
			checkUserError(t, stdout, stderr, code, tc.wants...)
			after := tree(t, dir)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
		})
	}
}
