package flow

import (
	"fmt"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/sim"
)

// GenStage is one stage of a plan with spatial stages (a convolutional
// design): every stage kind, in stream order.
type GenStage struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Detail string `json:"detail"` // the stage's folding and sizes
	// InBeats and OutBeats are the beats per frame of its streams.
	InBeats  int          `json:"in_beats"`
	OutBeats int          `json:"out_beats"`
	Cycles   int          `json:"cycles"` // cycles per frame
	Latency  int          `json:"latency"`
	Estimate hw.Resources `json:"estimate"`
	// Instances are the design's top-level instances of the stage.
	Instances []string `json:"instances"`
}

// SimStage is one stage's measured cycles (sim.Result.Stages).
type SimStage struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Busy     int64  `json:"busy"`
	StallIn  int64  `json:"stall_in"`
	StallOut int64  `json:"stall_out"`
}

// StageRow is one plan stage across gen, sim and synth.
type StageRow struct {
	GenStage
	Bottleneck bool       `json:"bottleneck,omitempty"`
	Sim        *SimStage  `json:"sim,omitempty"`
	Synth      *Resources `json:"synth,omitempty"`
}

// spatial reports whether a plan has stages beyond input, MVTUs and
// output: only those reports show the stage tables (dense reports keep
// their MVTU tables).
func spatial(p *hw.Plan) bool {
	for _, s := range p.Stages {
		switch s.Kind {
		case hw.StageInput, hw.StageMVTU, hw.StageOutput:
		default:
			return true
		}
	}
	return false
}

// genStages lists a spatial plan's stages, each with the top-level
// instances rtlgen writes for it.
func genStages(p *hw.Plan) ([]GenStage, error) {
	insts, err := rtlgen.StageInstances(p)
	if err != nil {
		return nil, err
	}
	var out []GenStage
	for i, s := range p.Stages {
		g := GenStage{Kind: string(s.Kind), Name: s.Name, Detail: stageDetail(s), InBeats: s.In.Beats(), OutBeats: s.Out.Beats(),
			Cycles: s.Cycles, Latency: s.Latency, Estimate: s.Estimate, Instances: insts[i]}
		if s.Kind == hw.StageInput {
			g.InBeats = s.Input.Beats
		}
		if s.MVTU != nil && s.Estimate == (hw.Resources{}) {
			g.Estimate = s.MVTU.Estimate // the plan keeps an MVTU's estimate on its layer
		}
		out = append(out, g)
	}
	return out, nil
}

// stageDetail is a stage's folding and sizes in one phrase.
func stageDetail(s hw.Stage) string {
	switch {
	case s.Input != nil:
		if s.Input.Tokens > 0 {
			return fmt.Sprintf("vocabulary %d, %d-bit tokens", s.Input.Tokens, s.Input.TokenBits)
		}
		return fmt.Sprintf("%d pixels/beat, %d-bit", s.Input.InPix, s.Input.Bits)
	case s.LSTM != nil:
		l := s.LSTM
		return fmt.Sprintf("D %d, H %d, PE %d (U %d) x SIMD %d, NF %d x SF %d (x %d + h %d)", l.D, l.H, l.PE, l.U, l.SIMD, l.NF, l.SF, l.SFx, l.SFh)
	case s.SWG != nil:
		g := s.SWG
		return fmt.Sprintf("%dx%d window, stride %d, SIMD %d, %dx%dx%d in, %d rows", g.KH, g.KW, g.Stride, g.SIMD, g.H, g.W, g.C, g.Rows)
	case s.MVTU != nil:
		l := s.MVTU
		return fmt.Sprintf("PE %d x SIMD %d, NF %d x SF %d x %d pixels", l.PE, l.SIMD, l.NF, l.SF, s.In.Pixels)
	case s.Pool != nil:
		return fmt.Sprintf("%dx%d max, stride %d, %d wide", s.Pool.K, s.Pool.K, s.Pool.Stride, s.Pool.Width)
	case s.DWC != nil:
		return fmt.Sprintf("%d -> %d elements/beat", s.DWC.InWidth, s.DWC.OutWidth)
	case s.FIFO != nil:
		return fmt.Sprintf("depth %d x %d bits", s.FIFO.Depth, s.FIFO.Width)
	case s.Output != nil:
		return fmt.Sprintf("argmax of %d classes", s.Output.Classes)
	}
	return ""
}

// simStages keeps sim's per-stage counts.
func simStages(res *sim.Result) []SimStage {
	var out []SimStage
	for _, s := range res.Stages {
		out = append(out, SimStage{Kind: s.Kind, Name: s.Name, Busy: s.Busy, StallIn: s.StallIn, StallOut: s.StallOut})
	}
	return out
}

// derivePipeline fills r.Pipeline from the plan's stages, sim's counts and
// Yosys' per-instance counts, and names the bottleneck stage.
func (r *Report) derivePipeline() {
	g := r.Gen
	worst := 0
	for i, s := range g.Stages {
		if s.Cycles > g.Stages[worst].Cycles {
			worst = i
		}
	}
	simBy := map[string]*SimStage{}
	var measured []SimStage
	if r.Sim != nil {
		measured = r.Sim.Stages
	}
	if r.LMSim != nil {
		measured = r.LMSim.Stages
	}
	for i := range measured {
		s := &measured[i]
		simBy[s.Kind+"/"+s.Name] = s
	}
	for _, s := range g.Stages {
		row := StageRow{GenStage: s, Bottleneck: s.Cycles == g.Stages[worst].Cycles, Sim: simBy[s.Kind+"/"+s.Name]}
		if sy := r.Synth; sy != nil {
			row.Synth = instancesSum(sy.Instances, s.Instances)
		}
		r.Pipeline = append(r.Pipeline, row)
	}
	for i := range r.Layers { // an MVTU row is the bottleneck if its stage is
		r.Layers[i].Bottleneck = false
		for _, p := range r.Pipeline {
			if p.Kind == string(hw.StageMVTU) && p.Name == r.Layers[i].Name {
				r.Layers[i].Bottleneck = p.Bottleneck
			}
		}
	}
	w := g.Stages[worst]
	r.Performance.Bottleneck = fmt.Sprintf("%s %s (%d cycles/%s)", w.Kind, w.Name, w.Cycles, r.unit())
	for _, s := range g.Stages[worst+1:] {
		if s.Cycles == w.Cycles {
			r.Performance.Bottleneck += fmt.Sprintf(", tied with %s %s", s.Kind, s.Name)
		}
	}
}

// instancesSum adds the counts of the named instances; nil if none was
// synthesized.
func instancesSum(m map[string]Resources, names []string) *Resources {
	var sum Resources
	found := false
	for _, n := range names {
		x, ok := m[n]
		if !ok {
			continue
		}
		found = true
		sum.LUT, sum.FF, sum.Carry, sum.MuxF = sum.LUT+x.LUT, sum.FF+x.FF, sum.Carry+x.Carry, sum.MuxF+x.MuxF
		sum.BRAM36, sum.RAM4K, sum.LUTRAM, sum.DSP = sum.BRAM36+x.BRAM36, sum.RAM4K+x.RAM4K, sum.LUTRAM+x.LUTRAM, sum.DSP+x.DSP
	}
	if !found {
		return nil
	}
	return &sum
}
