package flow

import (
	"encoding/json"
	"fmt"
	"strings"

	"gonum.org/v1/plot/vg"
)

// writeReport writes report.json, report.md, report.html and the plots.
func (r *runner) writeReport() error {
	rep := r.rep
	rep.derive()
	secs, err := rep.sections()
	if err != nil {
		return fmt.Errorf("flow: report: %w", err)
	}
	for _, s := range secs {
		for _, b := range s.Blocks {
			if b.Image != nil {
				if err := writeFile(r.path(b.Image.File), b.Image.PNG); err != nil {
					return err
				}
			}
		}
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("flow: report: %w", err)
	}
	title := "qnn flow report"
	if e := rep.Export; e != nil {
		title += ": " + e.Name + " on " + rep.Config.Dataset
	}
	if e := rep.LMExport; e != nil {
		title += ": " + e.Name + " on " + rep.Config.Dataset
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{ReportJSON, append(data, '\n')},
		{ReportMD, []byte(markdown(title, secs))},
		{ReportHTML, []byte(htmlDoc(title, secs))},
	} {
		if err := writeFile(r.path(f.name), f.data); err != nil {
			return err
		}
	}
	return nil
}

// sections builds the report document from what ran.
func (r *Report) sections() ([]section, error) {
	var out []section
	out = append(out, r.stagesSection())
	if r.LMExport != nil || r.LMTrain != nil {
		secs, err := r.lmSections()
		return append(out, secs...), err
	}
	for _, f := range []func() (section, bool, error){r.networkSection, r.trainingSection, r.accuracySection,
		r.performanceSection, r.resourceSection} {
		s, ok, err := f()
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

func (r *Report) stagesSection() section {
	t := &table{Head: []string{"stage", "time (s)", "result"}}
	complete := len(r.Stages) == len(Stages)
	for _, l := range r.Stages {
		complete = complete && !l.Failed
		secs := fmt.Sprintf("%.1f", l.Seconds)
		if l.Skipped {
			secs += " (earlier run)"
		}
		t.Rows = append(t.Rows, []string{l.Stage, secs, l.Summary})
		t.Highlight = append(t.Highlight, l.Failed)
	}
	s := section{Title: "Stages", Blocks: []block{
		para("qnn %s, output directory `%s`. Every stage's inputs are hashed in `%s`; a re-run skips unchanged stages.",
			r.Version, r.Dir, StateFile), {Table: t}}}
	if !complete {
		s.Blocks = append(s.Blocks, para("**Incomplete run**: a stage failed or did not run; the sections below show what completed."))
	}
	return s
}

func (r *Report) networkSection() (section, bool, error) {
	e, g := r.Export, r.Gen
	if e == nil {
		return section{}, false, nil
	}
	s := section{Title: "Network and folding"}
	s.Blocks = append(s.Blocks, para("`%s` (netlist sha256 `%.16s...`): %d multiply-accumulates per frame, %d of them binary (XNOR-popcount).",
		e.Model, e.NetlistSHA256, e.MACs, e.BinaryMACs))
	t := &table{Head: []string{"layer", "op", "output", "bits", "detail", "parameter bits", "MACs"}}
	for _, l := range e.Layers {
		t.Rows = append(t.Rows, []string{l.Name, l.Op, l.Out.String(), fmt.Sprint(l.Bits), l.Detail, fmt.Sprint(l.ParamBits), fmt.Sprint(l.MACs)})
	}
	s.Blocks = append(s.Blocks, block{Table: t})
	if g != nil && len(g.Stages) > 0 {
		s.Blocks = append(s.Blocks, r.stageFoldingBlocks()...)
	} else if g != nil {
		ft := &table{Head: []string{"MVTU", "MH x MW", "kind", "PE", "SIMD", "NF x SF", "cycles/frame"}}
		ft.Rows = append(ft.Rows, []string{"input stream", "-", "-", "-", fmt.Sprintf("%d pixels/beat", g.InPix), "-", fmt.Sprint(g.InputBeats)})
		hl := []bool{false}
		for _, l := range g.Layers {
			ft.Rows = append(ft.Rows, []string{l.Name, fmt.Sprintf("%d x %d", l.MH, l.MW), l.Kind, fmt.Sprint(l.PE), fmt.Sprint(l.SIMD),
				fmt.Sprintf("%d x %d", l.NF, l.SF), fmt.Sprint(l.Cycles)})
			hl = append(hl, l.Cycles == g.CyclesPerFrame)
		}
		hl[0] = g.InputBeats == g.CyclesPerFrame
		ft.Highlight = hl
		s.Blocks = append(s.Blocks, para("Folding (design in `%s/`, plan `%s/plan.json`); the highlighted row sets the frame rate:", g.Dir, g.Dir), block{Table: ft})
	}
	return s, true, nil
}

func (r *Report) trainingSection() (section, bool, error) {
	t := r.Train
	if t == nil || len(t.History) == 0 {
		return section{}, false, nil
	}
	img, err := TrainingPlot(t.History)
	if err != nil {
		return section{}, false, err
	}
	s := section{Title: "Training"}
	s.Blocks = append(s.Blocks, para("%s, hidden %v, w%d a%d, %d-bit input, %d epochs on %d %s training images (seed %d); the model of epoch %d (best validation accuracy, %.2f%%) is exported.",
		t.Name, t.Hidden, t.WeightBits, t.ActBits, t.InputBits, t.Epochs, t.TrainImages, t.Dataset, t.Seed, t.BestEpoch, 100*t.ValAccuracy),
		block{Image: &image{File: PlotsDir + "/training.png", Alt: "training curves", PNG: img}})
	et := &table{Head: []string{"epoch", "learning rate", "loss", "train %", "validation %", "seconds"}}
	for _, h := range t.History {
		et.Rows = append(et.Rows, []string{fmt.Sprint(h.Epoch), fmt.Sprintf("%.3g", h.LR), fmt.Sprintf("%.4f", h.Loss),
			fmt.Sprintf("%.2f", 100*h.TrainAcc), fmt.Sprintf("%.2f", 100*h.ValAcc), fmt.Sprintf("%.1f", h.Seconds)})
		et.Highlight = append(et.Highlight, h.Epoch == t.BestEpoch)
	}
	s.Blocks = append(s.Blocks, block{Table: et})
	return s, true, nil
}

func (r *Report) accuracySection() (section, bool, error) {
	if len(r.Accuracy) == 0 {
		return section{}, false, nil
	}
	t := &table{Head: []string{"measured by", "test images", "correct", "accuracy", "disagreements with", "images"}}
	for _, a := range r.Accuracy {
		dis := ""
		if a.Versus != "" {
			dis = fmt.Sprint(a.Disagreements)
		}
		t.Rows = append(t.Rows, []string{a.Stage, fmt.Sprint(a.Images), fmt.Sprint(a.Correct), fmt.Sprintf("%.2f%%", 100*a.Accuracy), a.Versus, dis})
	}
	return section{Title: "Test accuracy at every stage", Blocks: []block{
		para("Each stage measures the same test images (the RTL the first %d). Disagreements count images whose predicted class differs from the previous stage's; the netlist, the Go simulator and the RTL must agree exactly (sim compares every score, cosim every output handshake and its cycle).",
			r.Config.CosimImages), {Table: t}}}, true, nil
}

func (r *Report) performanceSection() (section, bool, error) {
	p, g := r.Performance, r.Gen
	if p == nil {
		return section{}, false, nil
	}
	s := section{Title: "Throughput and latency"}
	if len(r.Pipeline) > 0 {
		return r.pipelinePerformance()
	}
	s.Blocks = append(s.Blocks, para("At %g MHz: **%.0f frames/s** (%.1f cycles per frame, %s), latency %d cycles = **%.2f us**. Bottleneck: %s.",
		p.ClockMHz, p.FramesPerSecond, p.CyclesPerFrame, measuredBy(r), p.LatencyCycles, p.LatencyMicros, p.Bottleneck))
	names, vals, hl := []string{"input"}, []float64{float64(g.InputBeats)}, []bool{g.InputBeats >= maxCycles(g)}
	for _, l := range r.Layers {
		names = append(names, l.Name)
		vals = append(vals, float64(l.Cycles))
		hl = append(hl, l.Bottleneck)
	}
	plot, err := cyclesPlot(names, vals, hl, 16*vg.Centimeter, "cycles per frame per layer")
	if err != nil {
		return section{}, false, err
	}
	s.Blocks = append(s.Blocks, plot)
	if sim := r.Sim; sim != nil {
		t := &table{Head: []string{"MVTU", "plan cycles/frame", "busy", "stall in", "stall out", "busy %"}}
		for i, l := range sim.Layers {
			tot := l.Busy + l.StallIn + l.StallOut
			t.Rows = append(t.Rows, []string{l.Name, fmt.Sprint(g.Layers[i].Cycles), fmt.Sprint(l.Busy), fmt.Sprint(l.StallIn),
				fmt.Sprint(l.StallOut), fmt.Sprintf("%.1f", 100*float64(l.Busy)/float64(max(tot, 1)))})
			t.Highlight = append(t.Highlight, r.Layers[i].Bottleneck)
		}
		s.Blocks = append(s.Blocks, para("Measured by the cycle-accurate simulator over %d frames (%d cycles):", sim.Frames, sim.Cycles), block{Table: t})
	}
	return s, true, nil
}

func measuredBy(r *Report) string {
	if r.Sim != nil || r.LMSim != nil {
		return "measured by sim"
	}
	return "plan"
}

func maxCycles(g *GenResult) int {
	m := 0
	for _, l := range g.Layers {
		m = max(m, l.Cycles)
	}
	return m
}

func (r *Report) resourceSection() (section, bool, error) {
	p, sy := r.Performance, r.Synth
	if p == nil {
		return section{}, false, nil
	}
	s := section{Title: "Resources"}
	if sy == nil {
		s.Blocks = append(s.Blocks, para("No synthesis result (see the stages above); the plan's analytic estimate: %d LUT, %d FF, %g BRAM36.",
			r.Gen.Estimate.LUT, r.Gen.Estimate.FF, r.Gen.Estimate.BRAM))
	} else {
		s.Blocks = append(s.Blocks, para("Yosys %s (`synth_%s`, %.1f s, logic depth %d LUT levels; full report `%s`) beside the plan's analytic estimate (docs/hw-plan.md).",
			strings.TrimPrefix(sy.Yosys, "Yosys "), synthFlow(sy.Target), sy.Seconds, sy.Depth, sy.Report))
	}
	if len(r.Pipeline) > 0 {
		return r.pipelineResources(s)
	}
	t := &table{Head: []string{"block", "LUT (Yosys)", "LUT (estimate)", "FF (Yosys)", "FF (estimate)", "BRAM36 (Yosys)", "BRAM36 (estimate)", "carry", "MUXF7/8"}}
	var names []string
	var synthLUT, estLUT []float64
	for _, l := range r.Layers {
		row := []string{l.Name, "-", fmt.Sprint(l.Estimate.LUT), "-", fmt.Sprint(l.Estimate.FF), "-", fmt.Sprintf("%g", l.Estimate.BRAM), "-", "-"}
		if x := l.Synth; x != nil {
			row[1], row[3], row[5], row[7], row[8] = fmt.Sprint(x.LUT), fmt.Sprint(x.FF), fmt.Sprintf("%g", x.BRAM36), fmt.Sprint(x.Carry), fmt.Sprint(x.MuxF)
			synthLUT = append(synthLUT, float64(x.LUT))
		} else {
			synthLUT = append(synthLUT, 0)
		}
		names = append(names, l.Name)
		estLUT = append(estLUT, float64(l.Estimate.LUT))
		t.Rows = append(t.Rows, row)
		t.Highlight = append(t.Highlight, false)
	}
	if sy != nil {
		for _, inst := range []string{"u_binarize", "u_argmax"} {
			if x, ok := sy.Instances[inst]; ok {
				t.Rows = append(t.Rows, []string{inst, fmt.Sprint(x.LUT), "", fmt.Sprint(x.FF), "", fmt.Sprintf("%g", x.BRAM36), "", fmt.Sprint(x.Carry), fmt.Sprint(x.MuxF)})
				t.Highlight = append(t.Highlight, false)
			}
		}
	}
	tot := []string{"total", "-", fmt.Sprint(r.Gen.Estimate.LUT), "-", fmt.Sprint(r.Gen.Estimate.FF), "-", fmt.Sprintf("%g", r.Gen.Estimate.BRAM), "-", "-"}
	if sy != nil {
		x := sy.Total
		tot[1], tot[3], tot[5], tot[7], tot[8] = fmt.Sprint(x.LUT), fmt.Sprint(x.FF), fmt.Sprintf("%g", x.BRAM36), fmt.Sprint(x.Carry), fmt.Sprint(x.MuxF)
	}
	t.Rows = append(t.Rows, tot)
	t.Highlight = append(t.Highlight, true)
	s.Blocks = append(s.Blocks, block{Table: t})
	if sy != nil && len(names) > 0 {
		pl, err := barPlot("LUTs per MVTU", "LUT", names, synthLUT, estLUT, nil, [2]string{"Yosys", "plan estimate"})
		if err != nil {
			return section{}, false, err
		}
		img, err := png(16*vg.Centimeter, 9*vg.Centimeter, pl)
		if err != nil {
			return section{}, false, err
		}
		s.Blocks = append(s.Blocks, block{Image: &image{File: PlotsDir + "/luts.png", Alt: "LUTs per layer", PNG: img}})
	}
	s.Blocks = append(s.Blocks, r.macsPerLUT()...)
	return s, true, nil
}

func synthFlow(target string) string {
	if target == "ice40" {
		return "ice40"
	}
	return "xilinx -family xc7"
}

// macsPerLUT compares binary MACs per cycle per LUT with FINN's figure.
func (r *Report) macsPerLUT() []block {
	p := r.Performance
	t := &table{Head: []string{"design", "binary MACs/frame", "cycles/frame", "LUT", "binary MACs/cycle/LUT"}}
	ours := []string{"this design", fmt.Sprint(p.BinaryMACsPerFrm), fmt.Sprintf("%.1f", p.CyclesPerFrame), "-", "-"}
	if p.LUT > 0 {
		ours[3], ours[4] = fmt.Sprint(p.LUT), fmt.Sprintf("%.3f", p.MACsPerCyclePerLUT)
	}
	t.Rows = [][]string{ours, {"FINN SFC-max (ZC706, FPGA 2017)", "334336", "16", "91131", fmt.Sprintf("%.3f", FINNMACsPerCyclePerLUT)}}
	t.Highlight = []bool{true, false}
	note := "Binary MACs per cycle per LUT measures how much XNOR-popcount work each LUT does per clock; FINN's published figure is " + FINNSource + "."
	if p.LUT > 0 {
		verdict := "below"
		if p.MACsPerCyclePerLUT >= FINNMACsPerCyclePerLUT {
			verdict = "above"
		}
		note += fmt.Sprintf(" This design: %.3f, %s FINN's %.3f (a small folded design spends a larger share of its LUTs on control, buffers and ROMs; FINN's is fully unfolded at 16 cycles/frame).",
			p.MACsPerCyclePerLUT, verdict, FINNMACsPerCyclePerLUT)
	}
	return []block{para("%s", note), {Table: t}}
}

// cyclesPlot is the report's bar plot of cycles per frame per stage (or
// layer), the bottleneck highlighted, width wide: plots/cycles.png.
func cyclesPlot(names []string, vals []float64, hl []bool, width vg.Length, alt string) (block, error) {
	pl, err := barPlot("cycles per frame per stage (bottleneck highlighted)", "cycles/frame", names, vals, nil, hl, [2]string{})
	if err != nil {
		return block{}, err
	}
	img, err := png(width, 9*vg.Centimeter, pl)
	if err != nil {
		return block{}, err
	}
	return block{Image: &image{File: PlotsDir + "/cycles.png", Alt: alt, PNG: img}}, nil
}
