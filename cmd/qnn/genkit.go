package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/urfave/cli/v2"
)

// defaultTBImages is gen's --tb-images; maxTBImages bounds it (the size
// of the test sets, and a kit of some megabytes).
const (
	defaultTBImages = 200
	maxTBImages     = 10000
)

// randomDataset is the --dataset value for seeded pseudo-random images.
const randomDataset = "random"

// tbFlags are gen's flags for the test bench kit (DIR/tb/).
func tbFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "tb-images", Value: defaultTBImages, Usage: "test bench kit (DIR/tb/): the first `N` test images (a sequence model: test tokens)"},
		&cli.StringFlag{Name: "dataset", Usage: "test bench images: " + strings.Join(datasetNames, "|") + "|" + randomDataset +
			", or " + dataset.PTB + " for a sequence model (default: the data set the model names, else random)"},
		&cli.StringFlag{Name: "data-dir", Usage: "`DIR` holding the data set's IDX files (default: the installed copy)"},
	}
}

// tbStimulus loads the test bench's images: --tb-images test images of
// --dataset, or of the data set the model's metadata names, resized to the
// model's input; pseudo-random images when neither names one.
func tbStimulus(c *cli.Context, log hclog.Logger, model string, p *hw.Plan) (*rtlgen.Stimulus, error) {
	n := c.Int("tb-images")
	if n < 1 || n > maxTBImages {
		return nil, userErrf("gen: --tb-images must be 1..%d, got %d", maxTBImages, n)
	}
	name := c.String("dataset")
	if name == "" {
		name = p.Net.Meta["dataset"]
	}
	if name == "" || name == randomDataset {
		log.Debug("test bench images", "source", randomDataset, "images", n)
		return rtlgen.RandomStimulus(p, n, 1), nil
	}
	if p.Input.Tokens > 0 || name == dataset.PTB {
		return tbTokens(c, model, p, name, n)
	}
	if !slices.Contains(datasetNames, name) {
		return nil, userErrf("gen: --dataset: unknown data set %q (want %s or %s)", name, strings.Join(datasetNames, ", "), randomDataset)
	}
	size, err := modelInputSize("gen", model, p.Net.InputLayer(), name)
	if err != nil {
		return nil, err
	}
	set, err := dataset.Load(name, "test", c.String("data-dir"))
	if err != nil {
		return nil, userErr(fmt.Errorf("%w (test bench images: use --dataset random to do without)", err))
	}
	if n > set.N {
		return nil, userErrf("gen: --tb-images %d: the %s test set has %d images", n, name, set.N)
	}
	if set, err = set.Slice(0, n).Resize(size); err != nil {
		return nil, userErr(err)
	}
	return &rtlgen.Stimulus{Pixels: set.Pixels[:n*set.ImageSize()], Frames: n,
		Source: fmt.Sprintf("the first %d %s test images (%dx%dx%d)", n, name, set.C, size, size)}, nil
}

// tbSeqLen is the length of the test bench's token sequences: the test
// stream is cut into sequences of this many tokens, each from the reset
// state, so that the bench exercises tlast and the state reset.
const tbSeqLen = 25

// tbTokens is a sequence model's test bench stimulus: the first n tokens of
// PTB's test split in sequences of tbSeqLen.
func tbTokens(c *cli.Context, model string, p *hw.Plan, name string, n int) (*rtlgen.Stimulus, error) {
	if p.Input.Tokens == 0 {
		return nil, userErrf("gen: --dataset %s: model %s is an image model (it needs a sequence model)", dataset.PTB, model)
	}
	if name != dataset.PTB {
		return nil, userErrf("gen: --dataset %q: model %s is a sequence model: its test bench reads %s or %s tokens", name, model, dataset.PTB, randomDataset)
	}
	if err := checkModelFitsCorpus("gen", model, p.Net, dataset.PTBVocab); err != nil {
		return nil, err
	}
	corpus, err := dataset.LoadPTB(dataset.PTBOptions{Dir: c.String("data-dir")})
	if err != nil {
		return nil, userErr(fmt.Errorf("%w (test bench tokens: use --dataset random to do without)", err))
	}
	if n > len(corpus.Test) {
		return nil, userErrf("gen: --tb-images %d: the %s test split has %d tokens", n, dataset.PTB, len(corpus.Test))
	}
	st := &rtlgen.Stimulus{Frames: n, Source: fmt.Sprintf("the first %d %s test tokens in sequences of %d", n, dataset.PTB, tbSeqLen)}
	for q := 0; q < n; q += tbSeqLen {
		seq := make([]int, 0, tbSeqLen)
		for _, id := range corpus.Test[q:min(q+tbSeqLen, n)] {
			seq = append(seq, int(id))
		}
		st.Seqs = append(st.Seqs, seq)
	}
	return st, nil
}
