package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
)

var (
	datasetNames = dataset.Names
	splitNames   = []string{"test", "train"}
)

// datasetList names the data sets for messages.
func datasetList() string {
	return strings.Join(datasetNames, ", ") + ", images:DIR or idx:DIR (docs/datasets.md)"
}

// validDataset reports whether --dataset names a built-in data set or
// your own (images:DIR, idx:...).
func validDataset(name string) bool { return dataset.CheckName(name) == nil }

// evalDatasetList names eval's data sets for messages: the image data
// sets and ptb.
func evalDatasetList() string {
	return strings.Join(datasetNames, ", ") + ", " + dataset.PTB + " (sequence models), images:DIR or idx:DIR (docs/datasets.md)"
}

// evalOptions are eval's checked flag values.
type evalOptions struct {
	model, dataset, split, dataDir string
	predictions                    string // --predictions FILE, "" for none
	limit                          int    // 0: every image of the split (ptb: every token)
	workers                        int    // 0: GOMAXPROCS
	seqLen                         int    // ptb: input tokens per sequence
	json                           bool
}

// evalReport is what `qnn eval --json` prints.
type evalReport struct {
	Model    string  `json:"model"` // the file as given
	Dataset  string  `json:"dataset"`
	Split    string  `json:"split"`
	Images   int     `json:"images"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"` // Correct / Images
	// Confusion[t][p] counts images of true label t predicted as p.
	Confusion [][]int `json:"confusion"`
	// PerClassAccuracy[t] is Confusion[t][t] over the images of label t;
	// null for a label with no images.
	PerClassAccuracy []*float64 `json:"per_class_accuracy"`
	Seconds          float64    `json:"seconds"` // evaluation only, not loading
	ImagesPerSecond  float64    `json:"images_per_second"`

	name    string // the netlist's name, for the text report
	workers int
}

func evalCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "evaluate a netlist: accuracy, confusion matrix and speed on images; perplexity and next-word accuracy of a sequence model on PTB",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "netlist `FILE` to evaluate (required)"},
			&cli.StringFlag{Name: "dataset", Usage: "data set `NAME`: " + strings.Join(datasetNames, "|") + "|images:DIR|idx:DIR, or " + dataset.PTB + " for a sequence model (required)"},
			&cli.StringFlag{Name: "split", Value: "test", Usage: "`SPLIT` to evaluate: " + strings.Join(splitNames, "|") + " (ptb: " + strings.Join(seqSplitNames, "|") + ")"},
			&cli.IntFlag{Name: "limit", Usage: "evaluate only the first `N` images (N >= 1; ptb: predict the first N tokens)", DefaultText: "all"},
			&cli.IntFlag{Name: "seq-len", Value: defaultSeqLen, Usage: "ptb: cut the token stream into sequences of `L` input tokens, each from the reset state"},
			&cli.StringFlag{Name: "data-dir", Usage: "`DIR` holding the data set's files, CIFAR-10's tarball or PTB's ptb.*.txt[.gz]", DefaultText: "the installed copy"},
			&cli.IntFlag{Name: "workers", Usage: "evaluate on `N` goroutines (0: one per CPU)"},
			&cli.StringFlag{Name: "predictions", Usage: "write every image's label, predicted class and scores (ptb: every token's next token, prediction and NLL) to CSV `FILE`"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			opt, err := evalFlags(c)
			if err != nil {
				return err
			}
			n, err := loadModel(e.log, opt.model, evalUse)
			if err != nil {
				return err
			}
			if err := checkEvalKind(opt, n); err != nil {
				return err
			}
			if n.IsSequence() {
				r, err := runSeqEval(e.log, opt, n)
				if err != nil {
					return err
				}
				if opt.json {
					return writeJSON(e.stdout, r)
				}
				return writeSeqEvalText(e.stdout, r)
			}
			r, err := runEval(e.log, opt, n)
			if err != nil {
				return err
			}
			if opt.json {
				return writeJSON(e.stdout, r)
			}
			return writeEvalText(e.stdout, r)
		},
	}
}

// evalFlags reads and checks eval's flags; every problem is a user error.
func evalFlags(c *cli.Context) (evalOptions, error) {
	opt := evalOptions{
		model: c.String("model"), dataset: c.String("dataset"), split: c.String("split"),
		dataDir: c.String("data-dir"), limit: c.Int("limit"), workers: c.Int("workers"),
		json: c.Bool("json"), predictions: c.String("predictions"), seqLen: c.Int("seq-len"),
	}
	ptb := opt.dataset == dataset.PTB
	switch {
	case c.Args().Present():
		return opt, userErrf("eval: takes no arguments, got %q (use --model FILE)", c.Args().Slice())
	case opt.model == "":
		return opt, userErrf("eval: --model is required (a netlist file)")
	case opt.dataset == "":
		return opt, userErrf("eval: --dataset is required (%s)", evalDatasetList())
	case !ptb && !validDataset(opt.dataset):
		return opt, userErrf("eval: --dataset: unknown data set %q (want %s)", opt.dataset, evalDatasetList())
	case ptb && !slices.Contains(seqSplitNames, opt.split):
		return opt, userErrf("eval: --split: unknown split %q of %s (want %s)", opt.split, dataset.PTB, strings.Join(seqSplitNames, ", "))
	case !ptb && !slices.Contains(splitNames, opt.split):
		return opt, userErrf("eval: --split: unknown split %q (want %s)", opt.split, strings.Join(splitNames, " or "))
	case c.IsSet("limit") && opt.limit < 1:
		return opt, userErrf("eval: --limit must be at least 1, got %d (omit it to evaluate every image)", opt.limit)
	case !ptb && c.IsSet("seq-len"):
		return opt, userErrf("eval: --seq-len is for sequence models on --dataset %s, not %s", dataset.PTB, opt.dataset)
	case opt.seqLen < 1:
		return opt, userErrf("eval: --seq-len must be at least 1, got %d", opt.seqLen)
	case opt.workers < 0:
		return opt, userErrf("eval: --workers must be 0 (one per CPU) or more, got %d", opt.workers)
	case opt.predictions != "":
		if err := checkWritable(opt.predictions); err != nil {
			return opt, userErrf("eval: --predictions %s: cannot write: %v", opt.predictions, err)
		}
	}
	return opt, nil
}

// checkEvalKind checks that an image model is evaluated on an image data
// set and a sequence model on ptb.
func checkEvalKind(opt evalOptions, n *netlist.Network) error {
	ptb := opt.dataset == dataset.PTB
	switch {
	case n.IsSequence() && !ptb:
		return userErrf("%s; evaluate it on --dataset %s", sequenceModelError("eval", opt.model, n), dataset.PTB)
	case !n.IsSequence() && ptb:
		what := "an image model"
		if in := n.InputLayer(); in != nil {
			what = fmt.Sprintf("an image model (input %v)", in.Shape)
		}
		return userErrf("eval: model %s is %s: --dataset %s needs a sequence model (an embedding as layer 0)", opt.model, what, dataset.PTB)
	}
	return nil
}

// runEval loads the data set, evaluates the image model n on the images
// and scores its predictions.
func runEval(log hclog.Logger, opt evalOptions, n *netlist.Network) (*evalReport, error) {
	size, err := checkModelFitsDataset("eval", opt, n)
	if err != nil {
		return nil, err
	}
	set, err := loadImages(log, opt, size)
	if err != nil {
		return nil, err
	}
	workers := opt.workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	log.Debug("evaluating", "images", set.N, "workers", workers)
	results, elapsed, err := evalImages(n, set, workers)
	if err != nil {
		return nil, err
	}
	r, err := score(results, set.Labels[:set.N], set.NumClasses())
	if err != nil {
		return nil, err
	}
	if opt.predictions != "" {
		b, err := predictionsCSV(results, set.Labels, set.NumClasses(), set.Files)
		if err != nil {
			return nil, err
		}
		if err := writeFileAtomic(opt.predictions, b); err != nil {
			return nil, userErrf("eval: --predictions %s: %v", opt.predictions, err)
		}
	}
	r.Model, r.Dataset, r.Split, r.name, r.workers = opt.model, set.Name, set.Split, n.Name, workers
	r.Seconds = elapsed.Seconds()
	if r.Seconds > 0 {
		r.ImagesPerSecond = float64(r.Images) / r.Seconds
	}
	log.Debug("evaluated", "images", r.Images, "seconds", r.Seconds)
	return r, nil
}

// evalImages runs the fast evaluator on every image of set and returns
// the results and the time the evaluation took.
func evalImages(n *netlist.Network, set *dataset.Set, workers int) ([]netlist.Result, time.Duration, error) {
	fast, err := netlist.NewFast(n)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	results, err := fast.Eval(set.Images(), set.N, workers)
	elapsed := time.Since(start)
	if err != nil {
		return nil, 0, err
	}
	if len(results) != set.N {
		return nil, 0, fmt.Errorf("eval: evaluator returned %d results for %d images", len(results), set.N)
	}
	return results, elapsed, nil
}

// loadImages loads the data set split, keeps its first opt.limit images
// and downsamples them to size x size; every failure is a user error.
func loadImages(log hclog.Logger, opt evalOptions, size int) (*dataset.Set, error) {
	set, err := dataset.Load(opt.dataset, opt.split, opt.dataDir)
	if err != nil {
		return nil, userErr(err)
	}
	log.Debug("loaded data set", "name", set.Name, "split", set.Split, "images", set.N, "size", size)
	if opt.limit > set.N {
		log.Warn("--limit exceeds the split's size; evaluating every image", "limit", opt.limit, "images", set.N)
	}
	if opt.limit > 0 && opt.limit < set.N {
		set = set.Slice(0, opt.limit)
	}
	if set, err = set.Resize(size); err != nil {
		return nil, userErr(err)
	}
	return set, nil
}

// checkModelFitsDataset checks that the model reads the data set's
// images (CxNxN with N dividing the data set's side, e.g. 1xNxN with N
// dividing 28 for MNIST) and scores its classes, and returns N; a mismatch
// is a user error naming the field.
func checkModelFitsDataset(cmd string, opt evalOptions, n *netlist.Network) (int, error) {
	in, out := n.InputLayer(), n.OutputLayer()
	size, err := modelInputSize(cmd, opt.model, in, opt.dataset)
	if err != nil {
		return 0, err
	}
	info, err := dataset.DescribeDataSet(opt.dataset)
	if err != nil {
		return 0, userErr(err)
	}
	if classes := len(info.ClassNames); out.Classes != classes {
		return 0, userErrf("%s: %s: layer %d %q: classes: the model scores %d classes but %s has %d",
			cmd, opt.model, len(n.Layers)-1, out.Name, out.Classes, opt.dataset, classes)
	}
	return size, nil
}

// score compares predictions with labels 0..classes-1.
func score(results []netlist.Result, labels []byte, classes int) (*evalReport, error) {
	r := &evalReport{Images: len(results), Confusion: make([][]int, classes)}
	for t := range r.Confusion {
		r.Confusion[t] = make([]int, classes)
	}
	for i, res := range results {
		t, p := int(labels[i]), res.Class
		if t >= classes || p < 0 || p >= classes {
			return nil, fmt.Errorf("eval: image %d: label %d or predicted class %d outside 0..%d", i, t, p, classes-1)
		}
		r.Confusion[t][p]++
		if t == p {
			r.Correct++
		}
	}
	if r.Images > 0 {
		r.Accuracy = float64(r.Correct) / float64(r.Images)
	}
	r.PerClassAccuracy = make([]*float64, classes)
	for t, row := range r.Confusion {
		total := 0
		for _, c := range row {
			total += c
		}
		if total > 0 {
			acc := float64(row[t]) / float64(total)
			r.PerClassAccuracy[t] = &acc
		}
	}
	return r, nil
}

func writeEvalText(w io.Writer, r *evalReport) error {
	fmt.Fprintf(w, "model:     %s (%s)\n", r.Model, r.name)
	fmt.Fprintf(w, "data set:  %s %s, %d images\n", r.Dataset, r.Split, r.Images)
	fmt.Fprintf(w, "accuracy:  %.2f%% (%d/%d correct)\n", 100*r.Accuracy, r.Correct, r.Images)
	fmt.Fprintf(w, "time:      %.4f s, %.0f images/s (%d workers)\n", r.Seconds, r.ImagesPerSecond, r.workers)
	fmt.Fprintf(w, "\nconfusion matrix (rows: true label, columns: predicted)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "true\\pred\t")
	for p := range r.Confusion {
		fmt.Fprintf(tw, "%d\t", p)
	}
	fmt.Fprint(tw, "images\taccuracy\t\n")
	for t, row := range r.Confusion {
		fmt.Fprintf(tw, "%d\t", t)
		total := 0
		for _, c := range row {
			fmt.Fprintf(tw, "%d\t", c)
			total += c
		}
		acc := "-"
		if a := r.PerClassAccuracy[t]; a != nil {
			acc = fmt.Sprintf("%.2f%%", 100**a)
		}
		fmt.Fprintf(tw, "%d\t%s\t\n", total, acc)
	}
	return tw.Flush()
}
