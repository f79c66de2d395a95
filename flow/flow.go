package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/train"
)

// Files and folders of a flow directory.
const (
	CheckpointFile = "train/checkpoint.ckpt"
	ModelFile      = "model.json"
	DesignDir      = "design"
	SynthDir       = "synth"
	ClassesDir     = "classes"
	PlotsDir       = "plots"
	ReportMD       = "report.md"
	ReportJSON     = "report.json"
	ReportHTML     = "report.html"
)

// StageError is the error of a failed stage.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string { return e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// runner is one run of the flow.
type runner struct {
	ctx context.Context
	cfg *Config
	st  *state
	rep *Report

	// In-memory results of stages that ran in this process.
	trainer   *train.Trainer
	test      *dataset.Set // the test split as the data set stores it (e.g. 28x28)
	resized   map[int]*dataset.Set
	net       *netlist.Network
	plan      *hw.Plan
	trainData [2]*dataset.Set // training and validation images
	ptb       *dataset.Corpus // a sequence model's corpus
	seq       bool            // a sequence model's flow (seq.go)
}

// stage is one step of the pipeline.
type stage struct {
	name string
	// skip, when it returns a reason, leaves the stage out of this run.
	skip func() string
	// inputs returns the hash of the stage's configuration and inputs.
	inputs func() (string, error)
	// run does the work and returns the files it wrote (relative to DIR,
	// files or folders).
	run func() ([]string, error)
	// result is where the stage's result lives in the report (a pointer
	// to a pointer), filled by run or decoded from the state when skipped.
	result any
	// summary is the stage line's key result.
	summary func() string
}

// Run runs the flow in cfg.Dir and returns the report. On a failed stage
// it returns the report of what completed (also written to DIR) and a
// *StageError.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	st, lock, err := openDir(&cfg)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	r := &runner{ctx: ctx, cfg: &cfg, st: st, rep: newReport(&cfg), seq: cfg.sequence()}
	stages := r.stages()
	if r.seq {
		stages = r.seqStages()
	}
	var runErr error
	for i, s := range stages {
		if err := r.runStage(i, s); err != nil {
			runErr = &StageError{Stage: s.name, Err: err}
			break
		}
	}
	if err := st.save(cfg.Dir); err != nil && runErr == nil {
		runErr = err
	}
	if err := r.writeReport(); err != nil && runErr == nil {
		runErr = err
	}
	return r.rep, runErr
}

// runStage skips, re-uses or runs stage s (index i) and prints its line.
func (r *runner) runStage(i int, s stage) error {
	if why := ""; s.skip != nil {
		if why = s.skip(); why != "" {
			delete(r.st.Stages, s.name)
			r.line(s.name, "", "skipped: "+why)
			return nil
		}
	}
	in, err := s.inputs()
	if err != nil {
		r.line(s.name, "", "FAILED: "+err.Error())
		return err
	}
	prev := r.st.Stages[s.name]
	if prev != nil && prev.Done && prev.Inputs == in && i < r.cfg.fromIndex() && prev.outputsIntact(r.cfg.Dir) &&
		json.Unmarshal(prev.Result, s.result) == nil {
		r.rep.Stages = append(r.rep.Stages, StageLine{Stage: s.name, Seconds: prev.Seconds, Skipped: true, Summary: s.summary()})
		r.line(s.name, "", fmt.Sprintf("%s  (unchanged, skipped; ran in %.1f s)", s.summary(), prev.Seconds))
		return nil
	}
	start := time.Now()
	outs, err := s.run()
	secs := time.Since(start).Seconds()
	if err != nil {
		if !errors.Is(err, ErrInterrupted) || s.name != StageTrain {
			delete(r.st.Stages, s.name)
		}
		r.rep.Stages = append(r.rep.Stages, StageLine{Stage: s.name, Seconds: secs, Failed: true, Summary: "FAILED: " + err.Error()})
		r.line(s.name, fmt.Sprintf("%6.1fs", secs), "FAILED: "+err.Error())
		return err
	}
	hashes, err := fileHashes(r.cfg.Dir, outs...)
	if err != nil {
		return err
	}
	res, err := json.Marshal(s.result)
	if err != nil {
		return fmt.Errorf("flow: encoding %s result: %w", s.name, err)
	}
	r.st.Stages[s.name] = &stageState{Inputs: in, Done: true, Outputs: hashes, Seconds: secs, Result: res}
	if err := r.st.save(r.cfg.Dir); err != nil {
		return err
	}
	r.rep.Stages = append(r.rep.Stages, StageLine{Stage: s.name, Seconds: secs, Summary: s.summary()})
	r.line(s.name, fmt.Sprintf("%6.1fs", secs), s.summary())
	return nil
}

// line prints a stage line: name, time, text.
func (r *runner) line(name, secs, text string) {
	if r.cfg.Out == nil {
		return
	}
	if secs == "" {
		secs = "      -"
	}
	fmt.Fprintf(r.cfg.Out, "%-7s %s  %s\n", name, secs, text)
}

// progress prints a progress line (training epochs, tool stages).
func (r *runner) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format+"\n", args...)
	}
}

// path is a path inside the flow directory.
func (r *runner) path(rel string) string { return filepath.Join(r.cfg.Dir, filepath.FromSlash(rel)) }

// interrupted converts a context cancellation into ErrInterrupted.
func (r *runner) interrupted(stage, how string) error {
	return fmt.Errorf("flow: %s: %w; %s", stage, ErrInterrupted, how)
}

// saveModel writes n to model.json and loads it back, so that every later
// measurement is of the file, not of the memory, and returns the loaded
// network and its test set.
func (r *runner) saveModel(n *netlist.Network) (*netlist.Network, *dataset.Set, error) {
	if err := netlist.Save(r.path(ModelFile), n); err != nil {
		return nil, nil, asUser(err)
	}
	n, err := netlist.Load(r.path(ModelFile))
	if err != nil {
		return nil, nil, err
	}
	test, err := r.testSet(n)
	if err != nil {
		return nil, nil, err
	}
	return n, test, nil
}

// testSet loads (once) the data set's test split and downsamples it to
// the input size of n (its input shape must be the data set's CxNxN with N
// dividing its side, e.g. 1xNxN with N dividing 28 for MNIST),
// so every stage feeds a model the images it was trained on.
func (r *runner) testSet(n *netlist.Network) (*dataset.Set, error) {
	in := n.InputLayer()
	if in == nil {
		return nil, userErrorf("flow: model %q has no image input layer (a sequence model needs --dataset ptb)", n.Name)
	}
	g, err := dataset.Geometry(r.cfg.Train.Dataset)
	if err != nil {
		return nil, asUser(err)
	}
	size, err := g.InputSize(in.Shape.C, in.Shape.H, in.Shape.W)
	if err != nil {
		return nil, userErrorf("flow: model %q layer 0 %q: shape: %w", n.Name, in.Name, err)
	}
	if s := r.resized[size]; s != nil {
		return s, nil
	}
	if r.test == nil {
		if r.test, err = dataset.Load(r.cfg.Train.Dataset, "test", r.cfg.DataDir); err != nil {
			return nil, asUser(err)
		}
		if t := r.cfg.TestImages; t > 0 && t < r.test.N {
			r.test = r.test.Slice(0, t)
		}
	}
	s, err := r.test.Resize(size)
	if err != nil {
		return nil, asUser(err)
	}
	if r.resized == nil {
		r.resized = map[int]*dataset.Set{}
	}
	r.resized[size] = s
	return s, nil
}

// writeClasses writes one class per line.
func (r *runner) writeClasses(rel string, classes []int) error {
	b := make([]byte, 0, 2*len(classes))
	for _, c := range classes {
		b = fmt.Appendf(b, "%d\n", c)
	}
	return writeFile(r.path(rel), b)
}

// readClasses reads a file written by writeClasses.
func (r *runner) readClasses(rel string) ([]int, error) {
	f, err := os.Open(r.path(rel))
	if err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	defer f.Close()
	var out []int
	for {
		var c int
		if _, err := fmt.Fscanln(f, &c); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("flow: %s: %w", rel, err)
		}
		out = append(out, c)
	}
}

// disagreements counts positions where a and b differ (over the shorter).
func disagreements(a, b []int) int {
	n := 0
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// accuracy is the fraction of classes equal to the labels.
func accuracy(classes []int, labels []byte) (correct int, acc float64) {
	for i, c := range classes {
		if c == int(labels[i]) {
			correct++
		}
	}
	if len(classes) > 0 {
		acc = float64(correct) / float64(len(classes))
	}
	return correct, acc
}
