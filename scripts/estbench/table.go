package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/rtlgen"
)

// stageRow is one stage of one design: hw's estimate and Yosys' counts.
type stageRow struct {
	design, kind, name, detail string
	est                        hw.Resources
	yosys                      counts
	measured                   bool // the design has Yosys counts
	seconds                    float64
	load                       string
}

// stageRows pairs every stage of p with the Yosys counts of its instances.
func stageRows(name string, p *hw.Plan, y *yosysRun) ([]stageRow, error) {
	insts, err := rtlgen.StageInstances(p)
	if err != nil {
		return nil, err
	}
	var rows []stageRow
	for i, s := range p.Stages {
		r := stageRow{design: name, kind: string(s.Kind), name: s.Name, detail: detail(s), est: stageEstimate(p, s),
			seconds: y.Seconds, load: y.Load, measured: len(y.Instances) > 0}
		for _, inst := range insts[i] {
			r.yosys.add(y.Instances[inst])
		}
		rows = append(rows, r)
	}
	if g, ok := y.Instances[""]; ok && g != (counts{}) {
		rows = append(rows, stageRow{design: name, kind: "glue", name: "(top)", yosys: g, measured: true})
	}
	return rows, nil
}

// stageEstimate is a stage's share of the plan's estimate.
func stageEstimate(p *hw.Plan, s hw.Stage) hw.Resources {
	switch {
	case s.Input != nil:
		return s.Input.Estimate()
	case s.Output != nil:
		return s.Output.Estimate()
	case s.MVTU != nil:
		return s.MVTU.Estimate
	}
	return s.Estimate
}

func detail(s hw.Stage) string {
	switch {
	case s.Input != nil:
		return fmt.Sprintf("%d px/beat, %d-bit, %d beats", s.Input.InPix, s.Input.Bits, s.Input.Beats)
	case s.SWG != nil:
		g := s.SWG
		return fmt.Sprintf("%dx%dx%d, %dx%d s%d, SIMD %d x %d-bit, %d rows %s", g.C, g.H, g.W, g.KH, g.KW, g.Stride, g.SIMD, g.XBits, g.Rows, g.Mem().Style)
	case s.MVTU != nil:
		l := s.MVTU
		return fmt.Sprintf("%s %dx%d, PE %d SIMD %d, W%d X%d", l.Kind, l.MW, l.MH, l.PE, l.SIMD, l.WBits, l.XBits)
	case s.Pool != nil:
		q := s.Pool
		return fmt.Sprintf("%dx%dx%d, K %d, %d lanes x %d-bit", q.C, q.H, q.W, q.K, q.Width, q.XBits)
	case s.DWC != nil:
		d := s.DWC
		return fmt.Sprintf("C %d, %d -> %d lanes x %d-bit", d.C, d.InWidth, d.OutWidth, d.XBits)
	case s.FIFO != nil:
		return fmt.Sprintf("depth %d x %d bits", s.FIFO.Depth, s.FIFO.Width)
	case s.Output != nil:
		return fmt.Sprintf("%d classes, PE %d, %d-bit scores", s.Output.Classes, s.Output.PE, s.Output.ScoreBits)
	}
	return ""
}

// pct is the estimate's error relative to Yosys, "-" without a Yosys count.
func pct(est, y float64) string {
	if y == 0 {
		if est == 0 {
			return "0%"
		}
		return "-"
	}
	return fmt.Sprintf("%+.0f%%", 100*(est-y)/y)
}

// tables is the per-kind summary (designs with Yosys counts), the
// per-stage table and the per-design totals.
func tables(rows []stageRow) string {
	var b strings.Builder
	b.WriteString("| kind | error LUT | error FF | stages | LUT est / Yosys | FF est / Yosys | BRAM36 est / Yosys | LUT error range | mean abs LUT error |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, k := range kinds(rows) {
		var e hw.Resources
		var y counts
		n := 0
		lo, hi, abs := 0.0, 0.0, 0.0
		for _, r := range rows {
			if r.kind != k || !r.measured {
				continue
			}
			if r.yosys.LUT > 0 {
				x := 100 * float64(r.est.LUT-r.yosys.LUT) / float64(r.yosys.LUT)
				if n == 0 || x < lo {
					lo = x
				}
				if n == 0 || x > hi {
					hi = x
				}
				abs += max(x, -x)
			}
			n++
			e.LUT, e.FF, e.BRAM = e.LUT+r.est.LUT, e.FF+r.est.FF, e.BRAM+r.est.BRAM
			y.add(r.yosys)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d / %d | %d / %d | %g / %g | %+.0f%% .. %+.0f%% | %.0f%% |\n", k,
			pct(float64(e.LUT), float64(y.LUT)), pct(float64(e.FF), float64(y.FF)), n, e.LUT, y.LUT, e.FF, y.FF, e.BRAM, y.BRAM, lo, hi,
			abs/float64(max(n, 1)))
	}
	b.WriteString("\n| design | stage | kind | parameters | LUT est / Yosys (LUTRAM) | FF est / Yosys | BRAM36 est / Yosys | DSP |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d / %d (%d) %s | %d / %d | %g / %g | %d |\n", r.design, r.name, r.kind, r.detail,
			r.est.LUT, r.yosys.LUT, r.yosys.LUTRAM, pct(float64(r.est.LUT), float64(r.yosys.LUT)), r.est.FF, r.yosys.FF,
			r.est.BRAM, r.yosys.BRAM, r.yosys.DSP)
	}
	b.WriteString("\n| design | LUT est / Yosys | FF est / Yosys | BRAM36 est / Yosys | DSP | Yosys seconds | load at start |\n|---|---|---|---|---|---|---|\n")
	for _, d := range designTotals(rows) {
		fmt.Fprintf(&b, "| %s | %d / %d %s | %d / %d %s | %g / %g | %d | %.0f | %s |\n", d.design, d.est.LUT, d.yosys.LUT,
			pct(float64(d.est.LUT), float64(d.yosys.LUT)), d.est.FF, d.yosys.FF, pct(float64(d.est.FF), float64(d.yosys.FF)),
			d.est.BRAM, d.yosys.BRAM, d.yosys.DSP, d.seconds, d.load)
	}
	return b.String()
}

// designTotals sums each design's rows (the top's glue included).
func designTotals(rows []stageRow) []stageRow {
	var out []stageRow
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].design != r.design {
			out = append(out, stageRow{design: r.design, seconds: r.seconds, load: r.load})
		}
		t := &out[len(out)-1]
		t.est.LUT, t.est.FF, t.est.BRAM = t.est.LUT+r.est.LUT, t.est.FF+r.est.FF, t.est.BRAM+r.est.BRAM
		t.yosys.add(r.yosys)
	}
	return out
}

// kinds are the stage kinds of rows in pipeline order, glue last.
func kinds(rows []stageRow) []string {
	order := map[string]int{"input": 0, "dwc": 1, "swg": 2, "mvtu": 3, "pool": 4, "fifo": 5, "output": 6, "glue": 7}
	seen := map[string]bool{}
	var ks []string
	for _, r := range rows {
		if !seen[r.kind] {
			seen[r.kind] = true
			ks = append(ks, r.kind)
		}
	}
	sort.Slice(ks, func(i, j int) bool { return order[ks[i]] < order[ks[j]] })
	return ks
}
