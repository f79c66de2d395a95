package synth

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// Report is the result of one synthesis run.
type Report struct {
	Target Target `json:"target"`
	Top    string `json:"top"`
	ABC9   bool   `json:"abc9"`
	// MinCEUse is synth_ice40's -dffe_min_ce_use (0: not given).
	MinCEUse int    `json:"dffe_min_ce_use,omitempty"`
	Yosys    string `json:"yosys"`
	// Total is the whole design (flattened count).
	Total Resources `json:"total"`
	// Modules is every module in the hierarchy, the top first, then by
	// name; each with its own cells and its total with submodules.
	Modules []Module `json:"modules"`
	// Depth is the logic depth in LUT levels between registers (or ports),
	// on the flattened netlist: carry cells and MUXF7/8 add no level.
	Depth int `json:"depth"`
	// YosysSeconds is the Yosys run time.
	YosysSeconds float64 `json:"yosys_seconds"`
	// Warnings is the distinct non-fatal Yosys warnings.
	Warnings []string `json:"warnings,omitempty"`
	// PnR is set when the design was placed and routed.
	PnR *PnR `json:"pnr,omitempty"`
}

// write writes report.json and report.md to dir, each atomically.
func (r *Report) write(dir string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, reportJSON), append(data, '\n')); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, reportMD), []byte(r.Markdown()))
}

// Markdown is the readable report.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Synthesis report: %s (%s)\n\n", r.Top, r.Target)
	flow := "synth_xilinx -family xc7"
	if r.Target == ICE40 {
		flow = "synth_ice40"
	}
	if r.ABC9 {
		flow += " -abc9"
	}
	if r.MinCEUse > 0 {
		flow += fmt.Sprintf(" -dffe_min_ce_use %d", r.MinCEUse)
	}
	fmt.Fprintf(&b, "%s, %s, %.1f s. Logic depth: %d LUT levels between registers.\n\n", r.Yosys, flow, r.YosysSeconds, r.Depth)
	b.WriteString("## Total\n\n")
	b.WriteString(r.Total.table("design", 1, true))
	if len(r.Modules) > 1 {
		b.WriteString("\n## Modules (each with its submodules, per instance)\n\n")
		for i, m := range r.Modules {
			b.WriteString(m.Total.table(m.Name, m.Instances, i == 0))
		}
	}
	if r.PnR != nil {
		p := r.PnR
		fmt.Fprintf(&b, "\n## Place and route (nextpnr-ice40 %s %s, target %g MHz, %.1f s)\n\n", p.Device, p.Package, p.FreqMHz, p.Seconds)
		b.WriteString("| clock | Fmax (MHz) | target (MHz) |\n|---|---:|---:|\n")
		for _, c := range p.Fmax {
			fmt.Fprintf(&b, "| %s | %.1f | %g |\n", c.Name, c.AchievedMHz, c.TargetMHz)
		}
		b.WriteString("\n| resource | used | available |\n|---|---:|---:|\n")
		for _, u := range p.Utilization {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", u.Resource, u.Used, u.Available)
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(&b, "\n## Yosys warnings (%d)\n\n", len(r.Warnings))
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	return b.String()
}

// table is one Markdown table row (with the header when head is set).
func (r Resources) table(name string, instances int, head bool) string {
	var b strings.Builder
	if head {
		b.WriteString("| module | inst | LUT | LUT1-6 | FF | carry | MUXF7/8 | RAMB36/18 | RAM4K | LUTRAM | DSP | other |\n")
		b.WriteString("|---|---:|---:|---|---:|---:|---|---|---:|---:|---:|---|\n")
	}
	sizes := make([]string, 0, 6)
	for k := 1; k <= 6; k++ {
		sizes = append(sizes, fmt.Sprint(r.LUTBySize[k]))
	}
	var other []string
	for _, k := range sortedKeys(r.Other) {
		other = append(other, fmt.Sprintf("%s %d", k, r.Other[k]))
	}
	fmt.Fprintf(&b, "| %s | %d | %d | %s | %d | %d | %d/%d | %d/%d | %d | %d | %d | %s |\n",
		strings.ReplaceAll(name, "|", `\|`), instances, r.LUT, strings.Join(sizes, "/"), r.FF, r.Carry,
		r.MuxF7, r.MuxF8, r.RAMB36, r.RAMB18, r.RAM4K, r.LUTRAM, r.DSP, strings.Join(other, ", "))
	return b.String()
}
