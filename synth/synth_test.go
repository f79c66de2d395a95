package synth

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// requireTool skips the test when a tool is missing (scripts/setup.sh
// installs it).
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (scripts/setup.sh)", name)
	}
}

// tinyDir is the hand-countable design (see its tiny_top.v for the counts).
func tinyDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "synth", "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTinyXC7 checks the report against the counts derived by hand in
// testdata/synth/tiny/rtl/tiny_top.v: 1 LUT6 (parity of 6), 4 LUT4 (the
// 16 x 4 ROM), 4 FF (the shift register), depth 1.
func TestTinyXC7(t *testing.T) {
	requireTool(t, "yosys")
	out := t.TempDir()
	var stages []string
	rep, err := Run(context.Background(), Options{Dir: tinyDir(t), Top: "tiny_top", OutDir: out,
		Progress: func(s string) { stages = append(stages, s) }})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Resources{
		"tiny_top": {LUT: 5, LUTBySize: map[int]int{4: 4, 6: 1}, FF: 4},
		"tiny_fn":  {LUT: 1, LUTBySize: map[int]int{6: 1}},
		"tiny_rom": {LUT: 4, LUTBySize: map[int]int{4: 4}},
	}
	got := map[string]Resources{}
	for _, m := range rep.Modules {
		got[m.Name] = m.Total
		if m.Instances != 1 {
			t.Errorf("%s: %d instances, want 1", m.Name, m.Instances)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-module resources mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want["tiny_top"], rep.Total); diff != "" {
		t.Errorf("total mismatch (-want +got):\n%s", diff)
	}
	if rep.Depth != 1 {
		t.Errorf("depth %d, want 1", rep.Depth)
	}
	if len(stages) == 0 || !strings.Contains(strings.Join(stages, "\n"), "SYNTH_XILINX") {
		t.Errorf("progress stages %q lack SYNTH_XILINX", stages)
	}
	// The written report is the returned one.
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep, &back); diff != "" {
		t.Errorf("report.json mismatch (-returned +file):\n%s", diff)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| design | 1 | 5 | 0/0/0/4/0/1 | 4 |") {
		t.Errorf("report.md lacks the total row:\n%s", md)
	}
}

// TestTinyICE40PnR: on iCE40 the 6-input parity needs two LUT4s (6 LUTs in
// all), and nextpnr places and routes the design on an HX8K.
func TestTinyICE40PnR(t *testing.T) {
	requireTool(t, "yosys")
	requireTool(t, "nextpnr-ice40")
	rep, err := Run(context.Background(), Options{Dir: tinyDir(t), Top: "tiny_top", Target: ICE40, PnR: true, OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := Resources{LUT: 6, LUTBySize: map[int]int{4: 6}, FF: 4}
	if diff := cmp.Diff(want, rep.Total); diff != "" {
		t.Errorf("total mismatch (-want +got):\n%s", diff)
	}
	if rep.PnR == nil || len(rep.PnR.Fmax) != 1 || rep.PnR.Fmax[0].AchievedMHz < 12 {
		t.Fatalf("pnr %+v: want one clock above 12 MHz", rep.PnR)
	}
	lc := -1
	for _, u := range rep.PnR.Utilization {
		if u.Resource == "ICESTORM_LC" {
			lc = u.Used
		}
	}
	// A logic cell holds a LUT and a FF, but a FF packs only with the LUT
	// that drives it; here none does: 6 + 4 cells, and nextpnr may add
	// feed-through cells.
	if lc < 10 || lc > 14 {
		t.Errorf("ICESTORM_LC used %d, want 10..14", lc)
	}
}

// TestLatchFails: a latch is refused with the Yosys message quoted.
func TestLatchFails(t *testing.T) {
	requireTool(t, "yosys")
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "synth", "latch"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Options{Dir: dir, Top: "latch_top", OutDir: t.TempDir()})
	if err == nil || !errors.Is(err, ErrDesign) || !strings.Contains(err.Error(), "Latch inferred for signal") {
		t.Fatalf("err = %v, want a design error quoting the latch", err)
	}
	if !strings.HasPrefix(err.Error(), "synth: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
}

// TestMissingTools: without yosys (or nextpnr-ice40 for PnR) on PATH the
// error is one line naming scripts/setup.sh.
func TestMissingTools(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	_, err := Run(context.Background(), Options{Dir: tinyDir(t), Top: "tiny_top", OutDir: t.TempDir()})
	if err == nil || err.Error() != "synth: yosys not found on PATH; install it with scripts/setup.sh" {
		t.Errorf("err = %v", err)
	}
	yosys, lerr := exec.LookPath("/usr/bin/yosys")
	if lerr != nil {
		return
	}
	if err := os.Symlink(yosys, filepath.Join(empty, "yosys")); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Options{Dir: tinyDir(t), Top: "tiny_top", Target: ICE40, PnR: true, OutDir: t.TempDir()})
	if err == nil || err.Error() != "synth: nextpnr-ice40 not found on PATH; install it with scripts/setup.sh" {
		t.Errorf("err = %v", err)
	}
}

func TestOptionErrors(t *testing.T) {
	for name, o := range map[string]Options{
		"no dir":        {Top: "x"},
		"no top":        {Dir: "."},
		"bad target":    {Dir: ".", Top: "x", Target: "ecp5"},
		"pnr on xc7":    {Dir: ".", Top: "x", PnR: true},
		"bad device":    {Dir: ".", Top: "x", Target: ICE40, Device: "lp1k"},
		"no verilog":    {Dir: ".", Top: "x"},
		"missing file":  {Dir: ".", Top: "x", Files: []string{"nope.v"}},
		"min ce on xc7": {Dir: ".", Top: "x", MinCEUse: 8},
		"negative ce":   {Dir: ".", Top: "x", Target: ICE40, MinCEUse: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Run(context.Background(), o); err == nil || !strings.HasPrefix(err.Error(), "synth: ") {
				t.Errorf("err = %v, want a synth: error", err)
			}
		})
	}
}
