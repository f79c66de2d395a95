package rtlgen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/synth"
)

// runVivadoTcl runs DIR/vivado/create_project.tcl under tclsh with the
// stubs of testdata/kit/vivado_stubs.tcl and returns the Vivado calls.
func runVivadoTcl(t *testing.T, dir string, args ...string) ([]string, error) {
	t.Helper()
	stubs, err := filepath.Abs(filepath.Join("..", "testdata", "kit", "vivado_stubs.tcl"))
	if err != nil {
		t.Fatal(err)
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "{" + a + "}"
	}
	wrapper := fmt.Sprintf("set argv [list %s]\nset argc %d\nsource {%s}\nsource {%s}\nforeach c $::calls { puts \"CALL $c\" }\n",
		strings.Join(quoted, " "), len(args), stubs, filepath.Join(dir, "vivado", "create_project.tcl"))
	script := filepath.Join(t.TempDir(), "run.tcl")
	if err := os.WriteFile(script, []byte(wrapper), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("tclsh", script)
	out, err := cmd.CombinedOutput()
	var calls []string
	for _, line := range strings.Split(string(out), "\n") {
		if c, ok := strings.CutPrefix(line, "CALL "); ok {
			calls = append(calls, c)
		}
	}
	if err != nil {
		return calls, fmt.Errorf("%w: %s", err, out)
	}
	return calls, nil
}

// TestKitVivadoTcl checks create_project.tcl with tclsh against stubs of
// the Vivado commands it calls: the project gets the part, every RTL and
// memory file, an XDC with the clock period, the bench as simulation top,
// MemDir as an absolute path; package_ip infers the AXI4-Stream, clock and
// reset interfaces; bad arguments stop it with the usage.
func TestKitVivadoTcl(t *testing.T) {
	needTool(t, "tclsh")
	d := kitDesigns(t)[1]
	dir := filepath.Join(t.TempDir(), "design")
	if err := rtlgen.Generate(d.plan, dir, rtlgen.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	calls, err := runVivadoTcl(t, dir, "xc7a35tcpg236-1", "7.5")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(calls, "\n")
	proj := filepath.Join(dir, "vivado", "qnn_top")
	for _, want := range []string{
		"create_project -force qnn_top " + proj + " -part xc7a35tcpg236-1",
		"set_property top qnn_top sources_1",
		`set_property generic MemDir=\"` + dir + `/mem/\" sources_1`,
		"add_files -norecurse -fileset constrs_1 " + filepath.Join(proj, "qnn_top.xdc"),
		"add_files -norecurse -fileset sim_1 " + filepath.Join(dir, "tb", "tb_qnn_top.v"),
		"set_property top tb_qnn_top sim_1",
		`set_property generic {MemDir="` + dir + `/mem/" TbDir="` + dir + `/tb/"} sim_1`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no call %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "ipx::") {
		t.Errorf("IP packaging without package_ip:\n%s", all)
	}
	// Every RTL and memory file of the design, as design sources.
	var added []string
	for _, c := range calls {
		if rest, ok := strings.CutPrefix(c, "add_files -norecurse -fileset sources_1 "); ok {
			added = append(added, strings.Fields(strings.Trim(rest, "{}"))...)
		}
	}
	var want []string
	for _, pat := range []string{"rtl/*.v", "mem/*.mem"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		want = append(want, m...)
	}
	sort.Strings(added)
	sort.Strings(want)
	if diff := cmp.Diff(want, added); diff != "" {
		t.Errorf("design sources mismatch (-design +added):\n%s", diff)
	}
	xdc, err := os.ReadFile(filepath.Join(proj, "qnn_top.xdc"))
	if err != nil || strings.TrimSpace(string(xdc)) != "create_clock -period 7.5 -name clk [get_ports clk]" {
		t.Errorf("xdc %q, %v", xdc, err)
	}

	calls, err = runVivadoTcl(t, dir, "xc7z020clg400-1", "10", "package_ip")
	if err != nil {
		t.Fatal(err)
	}
	all = strings.Join(calls, "\n")
	for _, want := range []string{
		"ipx::package_project -root_dir " + filepath.Join(dir, "vivado", "ip"),
		"ipx::infer_bus_interfaces xilinx.com:interface:axis_rtl:1.0 core",
		"ipx::infer_bus_interface clk xilinx.com:signal:clock_rtl:1.0 core",
		"ipx::infer_bus_interface rst_n xilinx.com:signal:reset_rtl:1.0 core",
		"ipx::associate_bus_interfaces -busif s_axis -clock clk core",
		"ipx::associate_bus_interfaces -busif m_axis -clock clk core",
		"ipx::associate_bus_interfaces -clock clk -reset rst_n core",
		"set_property value ACTIVE_LOW param",
		"ipx::save_core core",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("package_ip: no call %q in:\n%s", want, all)
		}
	}
	for _, args := range [][]string{{"xc7a35t"}, {"xc7a35t", "fast"}, {"xc7a35t", "-2"}, {"xc7a35t", "10", "package"}} {
		calls, err := runVivadoTcl(t, dir, args...)
		if err == nil || !strings.Contains(err.Error(), "usage: vivado") || len(calls) != 0 {
			t.Errorf("args %q: err %v, calls %q; want the usage and no Vivado call", args, err, calls)
		}
	}
}

// TestKitYosys: yosys/synth.ys, run from the design directory as the kit's
// Makefile does, reproduces qnn synth's (package synth's) totals.
func TestKitYosys(t *testing.T) {
	needTool(t, "yosys")
	d := kitDesigns(t)[0]
	dir := filepath.Join(t.TempDir(), "design")
	if err := rtlgen.Generate(d.plan, dir, rtlgen.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	// The two runs in parallel (each is one Yosys process).
	type result struct {
		rep *synth.Report
		err error
	}
	qnn := make(chan result, 1)
	out := t.TempDir()
	go func() {
		rep, err := synth.Run(context.Background(), synth.Options{Dir: dir, Top: "qnn_top", OutDir: out})
		qnn <- result{rep, err}
	}()
	cmd := exec.Command("yosys", "-q", "-s", "yosys/synth.ys")
	cmd.Dir = dir
	kitOut, kitErr := cmd.CombinedOutput()
	r := <-qnn
	if r.err != nil {
		t.Fatal(r.err)
	}
	if kitErr != nil {
		t.Fatalf("yosys: %v\n%s", kitErr, kitOut)
	}
	rep := r.rep
	data, err := os.ReadFile(filepath.Join(dir, "yosys", "stat.json"))
	if err != nil {
		t.Fatal(err)
	}
	var stat struct {
		Modules map[string]struct {
			Cells map[string]int `json:"num_cells_by_type"`
		} `json:"modules"`
	}
	if err := json.Unmarshal(data, &stat); err != nil {
		t.Fatal(err)
	}
	cells := stat.Modules[`\qnn_top`].Cells
	if cells == nil {
		t.Fatalf("no qnn_top in the kit's stat.json:\n%s", data)
	}
	lut, ff := 0, 0
	for typ, n := range cells {
		switch {
		case strings.HasPrefix(typ, "LUT"), typ == "INV": // INV is a LUT1
			lut += n
		case strings.HasPrefix(typ, "FD"):
			ff += n
		}
	}
	if lut != rep.Total.LUT || ff != rep.Total.FF || lut == 0 {
		t.Errorf("kit synth.ys: %d LUT, %d FF; qnn synth: %d LUT, %d FF", lut, ff, rep.Total.LUT, rep.Total.FF)
	}
	t.Logf("kit synth.ys and qnn synth: %d LUT, %d FF", lut, ff)
}
