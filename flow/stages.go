package flow

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/internal/dirlock"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/train"
)

// stages lists the pipeline.
func (r *runner) stages() []stage {
	rep := r.rep
	export := stage{name: StageExport, inputs: r.fileInputs(StageExport, CheckpointFile), run: r.runExport, result: &rep.Export, summary: rep.exportSummary}
	if r.cfg.ONNX != "" {
		export.inputs, export.run = r.importInputs, r.runImport
	}
	if r.cfg.Model != "" {
		export.inputs, export.run = r.modelInputs, r.runModel
	}
	return []stage{
		{name: StageTrain, skip: r.onnxSkip, inputs: r.trainInputs, run: r.runTrain, result: &rep.Train, summary: rep.trainSummary},
		export,
		{name: StageGen, inputs: r.genInputs, run: r.runGen, result: &rep.Gen, summary: rep.genSummary},
		{name: StageSim, inputs: r.fileInputs(StageSim, DesignDir+"/"+rtlgen.NetlistFile, DesignDir+"/"+hw.PlanFile),
			run: r.runSim, result: &rep.Sim, summary: rep.simSummary},
		{name: StageCosim, skip: r.cosimSkip, inputs: r.cosimInputs, run: r.runCosim, result: &rep.Cosim, summary: rep.cosimSummary},
		{name: StageSynth, skip: r.synthSkip, inputs: r.synthInputs, run: r.runSynth, result: &rep.Synth, summary: rep.synthSummary},
	}
}

// fileInputs hashes the data set name and the content of files in DIR.
func (r *runner) fileInputs(stage string, rels ...string) func() (string, error) {
	return func() (string, error) {
		var h hasher
		h.add("stage", []byte(stage))
		h.add("dataset", []byte(r.cfg.Train.Dataset))
		if r.cfg.TestImages > 0 {
			h.add("test_images", []byte(strconv.Itoa(r.cfg.TestImages)))
		}
		if err := h.addFiles(r.cfg.Dir, rels...); err != nil {
			return "", err
		}
		return h.sum(), nil
	}
}

// trainInputs is the training configuration (the thread count aside: it
// does not change the model).
func (r *runner) trainInputs() (string, error) {
	var h hasher
	c := r.cfg.Train
	c.Threads = 0
	h.addJSON("train", c)
	if n := bnStats(c); n > 0 {
		// Recomputed batch-norm statistics (qnn train's default for conv
		// architectures); absent for MLPs, whose hashes stay as they were.
		h.addJSON("bn_stats", n)
	}
	return h.sum(), nil
}

// bnStats is the number of training images whose exact batch-norm
// statistics the trainer recomputes after every epoch: qnn train's default
// for the architecture, off with shift-based batch norm (which refuses it).
func bnStats(c train.Config) int {
	if c.ShiftBN {
		return 0
	}
	return train.DefaultBNStats(c.Arch)
}

// loadTrainingData loads (once) the training and validation images.
func (r *runner) loadTrainingData() error {
	if r.trainData[0] != nil {
		return nil
	}
	full, err := dataset.Load(r.cfg.Train.Dataset, "train", r.cfg.DataDir)
	if err != nil {
		return asUser(err)
	}
	if full, err = full.Resize(r.cfg.Train.InputSide()); err != nil {
		return asUser(err)
	}
	trainSet, val, err := train.Split(full, r.cfg.Train.Limit)
	if err != nil {
		return asUser(err)
	}
	r.trainData = [2]*dataset.Set{trainSet, val}
	return nil
}

// runTrain trains, resuming an interrupted run of the same configuration
// from its checkpoint.
func (r *runner) runTrain() ([]string, error) {
	if err := r.loadTrainingData(); err != nil {
		return nil, err
	}
	in, _ := r.trainInputs()
	ckpt := r.path(CheckpointFile)
	prev := r.st.Stages[StageTrain]
	var tr *train.Trainer
	var err error
	resumed := false
	if prev != nil && !prev.Done && prev.Inputs == in && fileExists(ckpt) && r.cfg.fromIndex() > 0 {
		tr, err = train.Resume(ckpt, r.trainData[0], r.trainData[1])
		if err != nil {
			return nil, asUser(fmt.Errorf("flow: resuming training: %w (use --from train to start over)", err))
		}
		resumed = true
		r.progress("train: resuming from %s", ckpt)
	} else {
		if err := os.MkdirAll(r.path("train"), 0o755); err != nil {
			return nil, asUser(err)
		}
		os.Remove(ckpt)
		if tr, err = train.New(r.cfg.Train, r.trainData[0], r.trainData[1]); err != nil {
			return nil, asUser(err)
		}
		// The same recomputed batch-norm statistics as qnn train's default.
		if err := tr.SetBNStats(bnStats(r.cfg.Train)); err != nil {
			return nil, asUser(err)
		}
	}
	// Record the unfinished stage first: an interruption leaves a state
	// that resumes from the checkpoint.
	r.st.Stages[StageTrain] = &stageState{Inputs: in}
	if err := r.st.save(r.cfg.Dir); err != nil {
		return nil, err
	}
	hooks := train.Hooks{Checkpoint: ckpt, Epoch: func(s train.EpochStats) {
		r.progress("train: epoch %d/%d  loss %.4f  train %.2f%%  val %.2f%%  %.1fs",
			s.Epoch, r.cfg.Train.Epochs, s.Loss, 100*s.TrainAcc, 100*s.ValAcc, s.Seconds)
	}}
	if err := tr.Run(r.ctx, hooks); err != nil {
		if errors.Is(err, train.ErrInterrupted) {
			return nil, r.interrupted(StageTrain, "checkpoint saved to "+ckpt+"; run the same command again to resume")
		}
		return nil, err
	}
	best, acc, epoch := tr.Best()
	if best == nil {
		return nil, fmt.Errorf("flow: train: no epoch finished")
	}
	r.trainer = tr
	cfg := tr.Config()
	r.rep.Train = &TrainResult{Name: cfg.Name(), Dataset: cfg.Dataset, Hidden: cfg.Hidden, WeightBits: cfg.WBits,
		ActBits: cfg.ABits, InputBits: cfg.InputBits, Epochs: cfg.Epochs, Seed: cfg.Seed, Limit: cfg.Limit,
		TrainImages: r.trainData[0].N, BestEpoch: epoch, ValAccuracy: acc, Resumed: resumed, History: tr.History()}
	return []string{CheckpointFile}, nil
}

// runExport exports the best model exactly, and measures the float model
// and the netlist on the whole test set.
func (r *runner) runExport() ([]string, error) {
	tr := r.trainer
	if tr == nil {
		if err := r.loadTrainingData(); err != nil {
			return nil, err
		}
		var err error
		if tr, err = train.Resume(r.path(CheckpointFile), r.trainData[0], r.trainData[1]); err != nil {
			return nil, asUser(fmt.Errorf("flow: export: %w (use --from train)", err))
		}
	}
	n, err := tr.ExportBest()
	if err != nil {
		return nil, err
	}
	n, test, err := r.saveModel(n)
	if err != nil {
		return nil, err
	}
	best, _, _ := tr.Best()
	float, _ := best.Inference().Predict(test.Pixels, test.N)
	res, err := netlist.Eval(n, test.Pixels, test.N)
	if err != nil {
		return nil, err
	}
	classes := make([]int, len(res))
	for i, x := range res {
		classes[i] = x.Class
	}
	e := &ExportResult{Model: ModelFile, Name: n.Name, NetlistSHA256: hw.NetlistSHA256(n), TestImages: test.N,
		Disagreements: disagreements(float, classes)}
	e.FloatCorrect, e.FloatAccuracy = accuracy(float, test.Labels)
	e.NetlistCorrect, e.NetlistAccuracy = accuracy(classes, test.Labels)
	if e.Layers, err = netlist.Stats(n); err != nil {
		return nil, err
	}
	for _, l := range e.Layers {
		e.MACs += l.MACs
		e.BinaryMACs += l.BinaryMACs
	}
	if err := r.writeClasses(ClassesDir+"/float.txt", float); err != nil {
		return nil, err
	}
	if err := r.writeClasses(ClassesDir+"/netlist.txt", classes); err != nil {
		return nil, err
	}
	r.net = n
	r.rep.Export = e
	return []string{ModelFile, ClassesDir + "/float.txt", ClassesDir + "/netlist.txt"}, nil
}

// planOptions is the folding selection, with the popcount reduction of
// the synthesis target (as `qnn gen --target`).
func (r *runner) planOptions() hw.Options {
	return hw.Options{Folds: r.cfg.Folds, TargetCycles: r.cfg.TargetCycles, MaxLUTs: r.cfg.MaxLUTs, NoPad: r.cfg.NoPad, InPix: r.cfg.InPix,
		Popcount: hw.PopcountFor(r.cfg.SynthTarget), Target: r.cfg.SynthTarget, AllLogits: r.cfg.AllLogits}
}

func (r *runner) genInputs() (string, error) {
	var h hasher
	h.add("version", []byte(r.cfg.Version))
	h.addJSON("fold", r.planOptions())
	if err := h.addFiles(r.cfg.Dir, ModelFile); err != nil {
		return "", err
	}
	return h.sum(), nil
}

// runGen plans the folding and writes the design directory.
func (r *runner) runGen() ([]string, error) {
	n, err := netlist.Load(r.path(ModelFile))
	if err != nil {
		return nil, err
	}
	p, err := hw.NewPlan(n, r.planOptions())
	if err != nil {
		return nil, asUser(err)
	}
	if err := rtlgen.GenerateContext(r.ctx, p, r.path(DesignDir), rtlgen.Options{Version: r.cfg.Version, Force: true}); err != nil {
		switch {
		case r.ctx.Err() != nil:
			return nil, r.interrupted(StageGen, "the stages before gen are kept; run the same command again to continue")
		case errors.Is(err, rtlgen.ErrRefused), errors.Is(err, rtlgen.ErrUnsupported), errors.Is(err, dirlock.ErrBusy):
			// A file of the user's in DIR/design, a design in use.
			return nil, asUser(err)
		}
		return nil, err
	}
	g := &GenResult{Dir: DesignDir, InPix: p.Input.InPix, InputBeats: p.Input.Beats,
		CyclesPerFrame: p.CyclesPerFrame, Latency: p.Latency, Estimate: p.Estimate}
	for _, l := range p.Layers {
		g.Layers = append(g.Layers, GenLayer{Name: l.Name, Kind: string(l.Kind), MW: l.MW, MH: l.MH, PE: l.PE, SIMD: l.SIMD,
			NF: l.NF, SF: l.SF, Cycles: l.Cycles, WBits: l.WBits, XBits: l.XBits, Estimate: l.Estimate})
	}
	if spatial(p) {
		if g.Stages, err = genStages(p); err != nil {
			return nil, err
		}
	}
	r.plan = p
	r.rep.Gen = g
	return []string{DesignDir}, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
