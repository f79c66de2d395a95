package flow

import (
	"fmt"
	"time"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/train"
)

// FINN's published figure (docs: /work/shared/ANCHORS.md, FINN paper, FPGA
// 2017): SFC-max on a ZC706, 334,336 binary MACs per frame at 16 cycles
// per frame in 91,131 LUTs.
const (
	FINNMACsPerCyclePerLUT = 334336.0 / 16 / 91131
	FINNSource             = "FINN (FPGA 2017), SFC-max on ZC706: 334,336 binary MACs/frame, 16 cycles/frame, 91,131 LUTs"
)

// Report is report.json: what every stage measured.
type Report struct {
	Format  string      `json:"format"` // "qnn-flow-report"
	Version string      `json:"qnn_version"`
	Dir     string      `json:"dir"`
	Config  ConfigInfo  `json:"config"`
	Stages  []StageLine `json:"stages"`

	Train  *TrainResult  `json:"train,omitempty"`
	Export *ExportResult `json:"export,omitempty"`
	Gen    *GenResult    `json:"gen,omitempty"`
	Sim    *SimResult    `json:"sim,omitempty"`
	Cosim  *CosimResult  `json:"cosim,omitempty"`
	Synth  *SynthResult  `json:"synth,omitempty"`

	// A sequence model's stage results (flow/seq.go).
	LMTrain  *LMTrainResult  `json:"lm_train,omitempty"`
	LMExport *LMExportResult `json:"lm_export,omitempty"`
	LMSim    *LMRunResult    `json:"lm_sim,omitempty"`
	LMCosim  *LMRunResult    `json:"lm_cosim,omitempty"`
	// Perplexity is a sequence model's perplexity at every stage.
	Perplexity []PerplexityRow `json:"perplexity,omitempty"`

	// Derived figures (present when their stages ran).
	Accuracy    []AccuracyRow `json:"accuracy,omitempty"`
	Performance *Performance  `json:"performance,omitempty"`
	Layers      []LayerRow    `json:"layers,omitempty"`
	// Pipeline is every plan stage across gen, sim and synth, for a
	// convolutional design.
	Pipeline []StageRow `json:"pipeline,omitempty"`
}

// ConfigInfo is the run's configuration as the report shows it.
type ConfigInfo struct {
	Dataset      string     `json:"dataset"`
	Train        ConfigJSON `json:"train"`
	Folds        []hw.Fold  `json:"folds,omitempty"` // explicit folding, if given
	TargetCycles int        `json:"target_cycles,omitempty"`
	MaxLUTs      int        `json:"max_luts,omitempty"`
	NoPad        bool       `json:"no_pad,omitempty"`
	ClockMHz     float64    `json:"clock_mhz"`
	CosimImages  int        `json:"cosim_images"`
	Simulator    string     `json:"simulator"`
	SynthTarget  string     `json:"synth_target"`
	// ONNX is the imported model (qnn flow --from-onnx); Train is then unused.
	ONNX         string  `json:"onnx,omitempty"`
	PixelDivisor float64 `json:"pixel_divisor,omitempty"`
}

// ConfigJSON is train.Config (it has no JSON tags of its own).
type ConfigJSON = train.Config

// StageLine is one stage's line of the run.
type StageLine struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
	Skipped bool    `json:"skipped,omitempty"` // unchanged since an earlier run; Seconds is that run's
	Failed  bool    `json:"failed,omitempty"`
	Summary string  `json:"summary"`
}

// TrainResult is the train stage's result.
type TrainResult struct {
	Name        string             `json:"name"`
	Dataset     string             `json:"dataset"`
	Hidden      []int              `json:"hidden"`
	WeightBits  int                `json:"weight_bits"`
	ActBits     int                `json:"act_bits"`
	InputBits   int                `json:"input_bits"`
	Epochs      int                `json:"epochs"`
	Seed        uint64             `json:"seed"`
	Limit       int                `json:"limit,omitempty"`
	TrainImages int                `json:"train_images"`
	BestEpoch   int                `json:"best_epoch"`
	ValAccuracy float64            `json:"val_accuracy"`
	Resumed     bool               `json:"resumed,omitempty"`
	History     []train.EpochStats `json:"history"`
}

// ExportResult is the export stage's result: the netlist and the test
// accuracy of the float model and of the netlist.
type ExportResult struct {
	Model           string  `json:"model"`
	Name            string  `json:"name"`
	NetlistSHA256   string  `json:"netlist_sha256"`
	TestImages      int     `json:"test_images"`
	FloatCorrect    int     `json:"float_correct"`
	FloatAccuracy   float64 `json:"float_accuracy"`
	NetlistCorrect  int     `json:"netlist_correct"`
	NetlistAccuracy float64 `json:"netlist_accuracy"`
	Disagreements   int     `json:"disagreements"` // float model vs netlist, test images
	// Source names the reference the Float* fields measure when it is not
	// the trainer's float model (ExecuteSource for an imported model).
	Source     string               `json:"source,omitempty"`
	MACs       int64                `json:"macs_per_frame"`
	BinaryMACs int64                `json:"binary_macs_per_frame"`
	Layers     []netlist.LayerStats `json:"layers"`
}

// GenResult is the gen stage's result: the plan.
type GenResult struct {
	Dir            string       `json:"dir"`
	InPix          int          `json:"in_pix"`
	InputBeats     int          `json:"input_beats"`
	CyclesPerFrame int          `json:"cycles_per_frame"`
	Latency        int          `json:"latency"`
	Estimate       hw.Resources `json:"estimate"`
	Layers         []GenLayer   `json:"layers"`
	// Stages is every stage of a convolutional design (window generators,
	// MVTUs, pools, width converters, FIFOs); absent for dense designs.
	Stages []GenStage `json:"stages,omitempty"`
}

// GenLayer is one MVTU of the plan.
type GenLayer struct {
	Name     string       `json:"name"`
	Kind     string       `json:"kind"`
	MW       int          `json:"mw"`
	MH       int          `json:"mh"`
	PE       int          `json:"pe"`
	SIMD     int          `json:"simd"`
	NF       int          `json:"nf"`
	SF       int          `json:"sf"`
	Cycles   int          `json:"cycles"`
	WBits    int          `json:"wbits"`
	XBits    int          `json:"xbits"`
	Estimate hw.Resources `json:"estimate"`
}

// SimResult is the sim stage's result over the whole test set.
type SimResult struct {
	Frames             int        `json:"frames"`
	Correct            int        `json:"correct"`
	Accuracy           float64    `json:"accuracy"`
	Disagreements      int        `json:"disagreements"` // vs netlist.Eval (always 0: a difference fails the stage)
	Cycles             int64      `json:"cycles"`
	CyclesPerFrame     float64    `json:"cycles_per_frame"`
	PlanCyclesPerFrame int        `json:"plan_cycles_per_frame"`
	FirstLatency       int64      `json:"first_latency"`
	PlanLatency        int        `json:"plan_latency"`
	Layers             []SimLayer `json:"layers"`
	// Stages is every stage's counts (sim.Result.Stages) of a
	// convolutional design; absent for dense designs.
	Stages []SimStage `json:"stages,omitempty"`
}

// SimLayer is one MVTU's measured cycles.
type SimLayer struct {
	Name     string `json:"name"`
	Busy     int64  `json:"busy"`
	StallIn  int64  `json:"stall_in"`
	StallOut int64  `json:"stall_out"`
}

// CosimResult is the cosim stage's result on the first Frames images.
type CosimResult struct {
	Simulator       string  `json:"simulator"`
	Frames          int     `json:"frames"`
	Beats           int     `json:"beats_compared"`
	Cycles          int64   `json:"cycles"`
	Match           bool    `json:"match"`
	Correct         int     `json:"correct"`
	Accuracy        float64 `json:"accuracy"`
	Disagreements   int     `json:"disagreements"` // vs the Go simulator on the same images
	BuildSeconds    float64 `json:"build_seconds"`
	BuildCached     bool    `json:"build_cached"`
	RunSeconds      float64 `json:"run_seconds"`
	CyclesPerSecond float64 `json:"cycles_per_second"`
}

// Resources is a synthesized resource count.
type Resources struct {
	LUT    int     `json:"lut"`
	FF     int     `json:"ff"`
	Carry  int     `json:"carry"`
	MuxF   int     `json:"muxf"`
	BRAM36 float64 `json:"bram36"`
	RAM4K  int     `json:"ram4k,omitempty"`
	LUTRAM int     `json:"lutram,omitempty"`
	DSP    int     `json:"dsp,omitempty"`
}

// SynthResult is the synth stage's result.
type SynthResult struct {
	Target   string    `json:"target"`
	Yosys    string    `json:"yosys"`
	Seconds  float64   `json:"seconds"`
	Depth    int       `json:"depth"`
	Warnings int       `json:"warnings"`
	Total    Resources `json:"total"`
	// Instances is per top-level instance (u_mvtu0, ..., u_binarize,
	// u_argmax; "" the top's own cells).
	Instances map[string]Resources `json:"instances,omitempty"`
	Report    string               `json:"report"`
}

// AccuracyRow is the test accuracy measured at one stage.
type AccuracyRow struct {
	Stage    string  `json:"stage"`
	Images   int     `json:"images"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
	// Versus names the previous stage and Disagreements counts images
	// whose class differs from it.
	Versus        string `json:"versus,omitempty"`
	Disagreements int    `json:"disagreements"`
}

// Performance is the throughput and cost of the accelerator.
type Performance struct {
	ClockMHz               float64 `json:"clock_mhz"`
	CyclesPerFrame         float64 `json:"cycles_per_frame"` // measured by sim (the plan's if sim did not run)
	FramesPerSecond        float64 `json:"frames_per_second"`
	LatencyCycles          int64   `json:"latency_cycles"`
	LatencyMicros          float64 `json:"latency_us"`
	Bottleneck             string  `json:"bottleneck"`
	BinaryMACsPerFrm       int64   `json:"binary_macs_per_frame"`
	MACsPerCycle           float64 `json:"binary_macs_per_cycle"`
	LUT                    int     `json:"lut,omitempty"` // Yosys total
	MACsPerCyclePerLUT     float64 `json:"binary_macs_per_cycle_per_lut,omitempty"`
	FINNMACsPerCyclePerLUT float64 `json:"finn_binary_macs_per_cycle_per_lut"`
	FINNSource             string  `json:"finn_source"`
}

// LayerRow is one MVTU across stages: folding, cycles, estimate and
// synthesized resources.
type LayerRow struct {
	Name       string       `json:"name"`
	MH         int          `json:"mh"`
	MW         int          `json:"mw"`
	PE         int          `json:"pe"`
	SIMD       int          `json:"simd"`
	Cycles     int          `json:"cycles"`
	Bottleneck bool         `json:"bottleneck,omitempty"`
	Estimate   hw.Resources `json:"estimate"`
	Synth      *Resources   `json:"synth,omitempty"`
}

func newReport(cfg *Config) *Report {
	c := cfg.Train
	c.Threads = 0
	return &Report{Format: "qnn-flow-report", Version: cfg.Version, Dir: cfg.Dir, Config: ConfigInfo{
		Dataset: cfg.Train.Dataset, Train: c, Folds: cfg.Folds, TargetCycles: cfg.TargetCycles, MaxLUTs: cfg.MaxLUTs, NoPad: cfg.NoPad,
		ClockMHz: cfg.ClockMHz, CosimImages: cfg.CosimImages, Simulator: cfg.Simulator, SynthTarget: cfg.SynthTarget,
		ONNX: cfg.ONNX, PixelDivisor: pixelDivisor(cfg)}}
}

// pixelDivisor is the reported divisor of an ONNX flow (0, omitted, otherwise).
func pixelDivisor(cfg *Config) float64 {
	if cfg.ONNX == "" {
		return 0
	}
	return cfg.PixelDivisor
}

// Stage summaries: the key result on each stage's line.

func (r *Report) trainSummary() string {
	t := r.Train
	s := fmt.Sprintf("%s %v on %d images: best epoch %d/%d, validation %.2f%%", t.Name, t.Hidden, t.TrainImages,
		t.BestEpoch, t.Epochs, 100*t.ValAccuracy)
	if t.Resumed {
		s += " (resumed)"
	}
	return s
}

func (r *Report) exportSummary() string {
	e := r.Export
	return fmt.Sprintf("%s: test %.2f%% (%s %.2f%%, %d disagreements of %d)", e.Model,
		100*e.NetlistAccuracy, e.reference(), 100*e.FloatAccuracy, e.Disagreements, e.TestImages)
}

// reference names what the Float* fields measure.
func (e *ExportResult) reference() string {
	if e.Source != "" {
		return e.Source
	}
	return "trainer (float)"
}

func (r *Report) genSummary() string {
	g := r.Gen
	f := ""
	for i, l := range g.Layers {
		if i > 0 {
			f += " "
		}
		f += fmt.Sprintf("%dx%d", l.PE, l.SIMD)
	}
	if len(g.Stages) > 1 && g.Stages[1].Kind == string(hw.StageLSTM) {
		f = g.Stages[1].Detail + "; projection " + f
	}
	return fmt.Sprintf("%s/: PE x SIMD %s, %d cycles/%s, latency %d, estimate %d LUT", g.Dir, f,
		g.CyclesPerFrame, r.unit(), g.Latency, g.Estimate.LUT)
}

func (r *Report) simSummary() string {
	s := r.Sim
	return fmt.Sprintf("%d frames: test %.2f%%, equal to netlist.Eval; %.1f cycles/frame (plan %d), latency %d",
		s.Frames, 100*s.Accuracy, s.CyclesPerFrame, s.PlanCyclesPerFrame, s.FirstLatency)
}

func (r *Report) cosimSummary() string {
	c := r.Cosim
	return fmt.Sprintf("%s, %d frames: MATCH (%d handshakes cycle-exact), test %.2f%%", c.Simulator, c.Frames, c.Beats, 100*c.Accuracy)
}

func (r *Report) synthSummary() string {
	s := r.Synth
	return fmt.Sprintf("yosys %s: %d LUT, %d FF, %g BRAM36, %d carry; depth %d", s.Target, s.Total.LUT, s.Total.FF,
		s.Total.BRAM36, s.Total.Carry, s.Depth)
}

// derive fills the accuracy table, the performance figures and the layer
// table from the stage results.
func (r *Report) derive() {
	r.Accuracy, r.Performance, r.Layers, r.Pipeline, r.Perplexity = nil, nil, nil, nil, nil
	r.derivePerplexity()
	if e := r.Export; e != nil {
		r.Accuracy = append(r.Accuracy,
			AccuracyRow{Stage: e.reference(), Images: e.TestImages, Correct: e.FloatCorrect, Accuracy: e.FloatAccuracy},
			AccuracyRow{Stage: "netlist (netlist.Eval)", Images: e.TestImages, Correct: e.NetlistCorrect, Accuracy: e.NetlistAccuracy,
				Versus: "trainer (float)", Disagreements: e.Disagreements})
	}
	if s := r.Sim; s != nil {
		r.Accuracy = append(r.Accuracy, AccuracyRow{Stage: "Go simulator (sim)", Images: s.Frames, Correct: s.Correct,
			Accuracy: s.Accuracy, Versus: "netlist (netlist.Eval)", Disagreements: s.Disagreements})
	}
	if c := r.Cosim; c != nil {
		r.Accuracy = append(r.Accuracy, AccuracyRow{Stage: "RTL (" + c.Simulator + ")", Images: c.Frames, Correct: c.Correct,
			Accuracy: c.Accuracy, Versus: "Go simulator (sim)", Disagreements: c.Disagreements})
	}
	g := r.Gen
	if g == nil {
		return
	}
	p := &Performance{ClockMHz: r.Config.ClockMHz, CyclesPerFrame: float64(g.CyclesPerFrame), LatencyCycles: int64(g.Latency),
		FINNMACsPerCyclePerLUT: FINNMACsPerCyclePerLUT, FINNSource: FINNSource}
	if s := r.Sim; s != nil && s.CyclesPerFrame > 0 {
		p.CyclesPerFrame, p.LatencyCycles = s.CyclesPerFrame, s.FirstLatency
	}
	if s := r.LMSim; s != nil && s.CyclesPerToken > 0 {
		p.CyclesPerFrame, p.LatencyCycles = s.CyclesPerToken, s.FirstLatency
	}
	p.FramesPerSecond = p.ClockMHz * 1e6 / p.CyclesPerFrame
	p.LatencyMicros = float64(p.LatencyCycles) / p.ClockMHz
	if e := r.Export; e != nil {
		p.BinaryMACsPerFrm = e.BinaryMACs
		p.MACsPerCycle = float64(e.BinaryMACs) / p.CyclesPerFrame
	}
	if s := r.Synth; s != nil && s.Total.LUT > 0 {
		p.LUT = s.Total.LUT
		p.MACsPerCyclePerLUT = p.MACsPerCycle / float64(s.Total.LUT)
	}
	worst := -1
	for i, l := range g.Layers {
		if worst < 0 || l.Cycles > g.Layers[worst].Cycles {
			worst = i
		}
	}
	worstCycles := g.Layers[worst].Cycles
	if g.InputBeats >= worstCycles {
		p.Bottleneck = fmt.Sprintf("input stream (%d beats/frame)", g.InputBeats)
		worstCycles = -1
	} else {
		p.Bottleneck = fmt.Sprintf("%s (%d cycles/frame)", g.Layers[worst].Name, worstCycles)
		for _, l := range g.Layers[worst+1:] {
			if l.Cycles == worstCycles {
				p.Bottleneck += fmt.Sprintf(", tied with %s", l.Name)
			}
		}
	}
	r.Performance = p
	for i, l := range g.Layers {
		row := LayerRow{Name: l.Name, MH: l.MH, MW: l.MW, PE: l.PE, SIMD: l.SIMD, Cycles: l.Cycles, Bottleneck: l.Cycles == worstCycles, Estimate: l.Estimate}
		if s := r.Synth; s != nil {
			if x, ok := s.Instances[fmt.Sprintf("u_mvtu%d", i)]; ok {
				row.Synth = &x
			}
		}
		r.Layers = append(r.Layers, row)
	}
	if len(g.Stages) > 0 {
		r.derivePipeline()
	}
}

// elapsed is the total stage time of this run (skipped stages count 0).
func (r *Report) elapsed() time.Duration {
	var s float64
	for _, l := range r.Stages {
		if !l.Skipped {
			s += l.Seconds
		}
	}
	return time.Duration(s * float64(time.Second))
}
