package main

import (
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
)

// TestDesigns (the CI smoke of scripts/bench-estimate.sh, no Yosys): every
// calibration design plans, together they have every stage kind, and the
// tables have a summary row per kind and a row per stage.
func TestDesigns(t *testing.T) {
	kinds := map[string]bool{}
	var rows []stageRow
	for _, d := range designs() {
		p, err := d.plan(nil)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		r, err := stageRows(d.name, p, &yosysRun{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Stages {
			kinds[string(s.Kind)] = true
		}
		rows = append(rows, r...)
	}
	for _, k := range []hw.StageKind{hw.StageInput, hw.StageSWG, hw.StageMVTU, hw.StagePool, hw.StageDWC, hw.StageFIFO, hw.StageOutput} {
		if !kinds[string(k)] {
			t.Errorf("no design has a %s stage", k)
		}
	}
	text := tables(rows)
	for k := range kinds {
		if !strings.Contains(text, "\n| "+k+" | ") {
			t.Errorf("no summary row for %s", k)
		}
	}
	for _, r := range rows {
		if !strings.Contains(text, "\n| "+r.design+" | "+r.name+" | "+r.kind+" | ") {
			t.Errorf("no row for %s %s", r.design, r.name)
		}
	}
}

// TestCellCounts: LUT RAM cells count the LUT6 sites they occupy, among
// the LUTs and separately; flattened names map to their instance.
func TestCellCounts(t *testing.T) {
	for typ, want := range map[string]counts{
		"LUT6": {LUT: 1}, "FDRE": {FF: 1}, "RAM32M": {LUT: 4, LUTRAM: 4}, "RAM64X1D": {LUT: 2, LUTRAM: 2},
		"RAMB18E1": {BRAM: 0.5}, "RAMB36E1": {BRAM: 1}, "CARRY4": {}, "DSP48E1": {DSP: 1},
	} {
		if got, err := cellCounts(typ); err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", typ, got, err, want)
		}
	}
	if _, err := cellCounts("NOSUCHCELL"); err == nil {
		t.Error("unknown cell type accepted")
	}
}
