package flow

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot/vg"
)

// The report sections of a convolutional design: one row per plan stage
// (input, window generators, MVTUs, pools, width converters, FIFOs,
// output) where a dense design's have one per MVTU.

// stageFoldingBlocks is the folding table: every stage with its kind,
// folding, beats and cycles per frame.
func (r *Report) stageFoldingBlocks() []block {
	g, u := r.Gen, r.unit()
	t := &table{Head: []string{"stage", "kind", "folding and sizes", "beats in", "beats out", "cycles/" + u, "latency"}}
	for _, s := range g.Stages {
		t.Rows = append(t.Rows, []string{s.Name, s.Kind, s.Detail, fmt.Sprint(s.InBeats), fmt.Sprint(s.OutBeats),
			fmt.Sprint(s.Cycles), fmt.Sprint(s.Latency)})
		t.Highlight = append(t.Highlight, s.Cycles == g.CyclesPerFrame)
	}
	return []block{para("Folding of every stage (design in `%s/`, plan `%s/plan.json`): %s; the highlighted rows set the %s rate (%d cycles/%s).",
		g.Dir, g.Dir, stageCounts(g.Stages), u, g.CyclesPerFrame, u), {Table: t}}
}

// stageCounts is "2 swg, 3 mvtu, ..." in first-appearance order.
func stageCounts(stages []GenStage) string {
	var kinds []string
	n := map[string]int{}
	for _, s := range stages {
		if n[s.Kind] == 0 {
			kinds = append(kinds, s.Kind)
		}
		n[s.Kind]++
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", n[k], k)
	}
	return strings.Join(parts, ", ")
}

// pipelinePerformance is the throughput section: the bottleneck stage, a
// bar chart of every stage's cycles per frame, and sim's busy and stall
// cycles per stage.
func (r *Report) pipelinePerformance() (section, bool, error) {
	p := r.Performance
	s := section{Title: "Throughput and latency"}
	u := r.unit()
	s.Blocks = append(s.Blocks, para("At %g MHz: **%.0f %ss/s** (%.1f cycles per %s, %s), latency %d cycles = **%.2f us**. Bottleneck: %s.",
		p.ClockMHz, p.FramesPerSecond, u, p.CyclesPerFrame, u, measuredBy(r), p.LatencyCycles, p.LatencyMicros, p.Bottleneck))
	var names []string
	var vals []float64
	var hl []bool
	for _, l := range r.Pipeline {
		names = append(names, l.Name)
		vals = append(vals, float64(l.Cycles))
		hl = append(hl, l.Bottleneck)
	}
	plot, err := cyclesPlot(names, vals, hl, 24*vg.Centimeter, "cycles per "+u+" per stage")
	if err != nil {
		return section{}, false, err
	}
	s.Blocks = append(s.Blocks, plot)
	count, cycles, simmed := 0, int64(0), false
	if sim := r.Sim; sim != nil && len(sim.Stages) > 0 {
		count, cycles, simmed = sim.Frames, sim.Cycles, true
	}
	if sim := r.LMSim; sim != nil && len(sim.Stages) > 0 {
		count, cycles, simmed = sim.Tokens, sim.Cycles, true
	}
	if simmed {
		t := &table{Head: []string{"stage", "kind", "plan cycles/" + u, "busy", "stall in", "stall out", "busy %"}}
		for _, l := range r.Pipeline {
			row := []string{l.Name, l.Kind, fmt.Sprint(l.Cycles), "-", "-", "-", "-"}
			if x := l.Sim; x != nil {
				tot := x.Busy + x.StallIn + x.StallOut
				row[3], row[4], row[5] = fmt.Sprint(x.Busy), fmt.Sprint(x.StallIn), fmt.Sprint(x.StallOut)
				row[6] = fmt.Sprintf("%.1f", 100*float64(x.Busy)/float64(max(tot, 1)))
			}
			t.Rows = append(t.Rows, row)
			t.Highlight = append(t.Highlight, l.Bottleneck)
		}
		s.Blocks = append(s.Blocks, para("Measured by the cycle-accurate simulator over %d %ss (%d cycles); the input stage is the stream source (no counts):",
			count, u, cycles), block{Table: t})
	}
	return s, true, nil
}

// pipelineResources is the resource table: per stage the plan's estimate
// beside Yosys' count of the stage's instances, then the top's own cells
// and the totals.
func (r *Report) pipelineResources(s section) (section, bool, error) {
	sy := r.Synth
	t := &table{Head: []string{"stage", "kind", "LUT (Yosys)", "LUT (estimate)", "FF (Yosys)", "FF (estimate)", "BRAM36 (Yosys)", "BRAM36 (estimate)", "LUTRAM", "carry"}}
	var names []string
	var synthLUT, estLUT []float64
	attributed := false
	for _, l := range r.Pipeline {
		row := []string{l.Name, l.Kind, "-", fmt.Sprint(l.Estimate.LUT), "-", fmt.Sprint(l.Estimate.FF), "-", fmt.Sprintf("%g", l.Estimate.BRAM), "-", "-"}
		lut := 0.0
		if x := l.Synth; x != nil {
			attributed = true
			row[2], row[4], row[6], row[8], row[9] = fmt.Sprint(x.LUT), fmt.Sprint(x.FF), fmt.Sprintf("%g", x.BRAM36), fmt.Sprint(x.LUTRAM), fmt.Sprint(x.Carry)
			lut = float64(x.LUT)
		}
		names, synthLUT, estLUT = append(names, l.Name), append(synthLUT, lut), append(estLUT, float64(l.Estimate.LUT))
		t.Rows = append(t.Rows, row)
		t.Highlight = append(t.Highlight, false)
	}
	if sy != nil {
		if x, ok := sy.Instances[""]; ok {
			t.Rows = append(t.Rows, []string{"top (glue)", "-", fmt.Sprint(x.LUT), "-", fmt.Sprint(x.FF), "-", fmt.Sprintf("%g", x.BRAM36), fmt.Sprint(x.LUTRAM), fmt.Sprint(x.Carry)})
			t.Highlight = append(t.Highlight, false)
		}
	}
	e := r.Gen.Estimate
	tot := []string{"total", "-", "-", fmt.Sprint(e.LUT), "-", fmt.Sprint(e.FF), "-", fmt.Sprintf("%g", e.BRAM), "-", "-"}
	if sy != nil {
		x := sy.Total
		tot[2], tot[4], tot[6], tot[8], tot[9] = fmt.Sprint(x.LUT), fmt.Sprint(x.FF), fmt.Sprintf("%g", x.BRAM36), fmt.Sprint(x.LUTRAM), fmt.Sprint(x.Carry)
		if !attributed {
			s.Blocks = append(s.Blocks, para("Yosys' counts could not be attributed to stages (no flattened netlist); only the totals are Yosys'."))
		}
	}
	t.Rows = append(t.Rows, tot)
	t.Highlight = append(t.Highlight, true)
	s.Blocks = append(s.Blocks, block{Table: t})
	if attributed {
		pl, err := barPlot("LUTs per stage", "LUT", names, synthLUT, estLUT, nil, [2]string{"Yosys", "plan estimate"})
		if err != nil {
			return section{}, false, err
		}
		img, err := png(24*vg.Centimeter, 9*vg.Centimeter, pl)
		if err != nil {
			return section{}, false, err
		}
		s.Blocks = append(s.Blocks, block{Image: &image{File: PlotsDir + "/luts.png", Alt: "LUTs per stage", PNG: img}})
	}
	if r.LMExport == nil { // binary MACs: an image model's measure
		s.Blocks = append(s.Blocks, r.macsPerLUT()...)
	}
	return s, true, nil
}

// unit is what one pass through the design computes: a frame, or a
// sequence model's token.
func (r *Report) unit() string {
	if r.LMExport != nil || r.LMTrain != nil {
		return "token"
	}
	return "frame"
}
