package rtlgen_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/rtlgen"
)

// TestTopROMStyles: every MVTU instance carries its ROMs' plan styles as
// qnn_rom Style codes (1 block, 2 LUT), and an iCE40 plan carries none.
func TestTopROMStyles(t *testing.T) {
	code := map[hw.MemStyle]string{hw.MemBlock: "1", hw.MemLUT: "2"}
	for _, target := range []string{"", hw.TargetXC7, hw.TargetICE40} {
		p, err := hw.NewPlan(tfc(t), hw.Options{TargetCycles: 512, Target: target})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "d")
		if err := rtlgen.Generate(p, dir, rtlgen.Options{Version: "test"}); err != nil {
			t.Fatal(err)
		}
		top, err := os.ReadFile(filepath.Join(dir, "rtl", "qnn_top.v"))
		if err != nil {
			t.Fatal(err)
		}
		// The parameter list of instance u_mvtuI ends at ") u_mvtuI (".
		blocks := strings.Split(string(top), "qnn_mvtu #(")[1:]
		if len(blocks) != len(p.Layers) {
			t.Fatalf("target %q: %d qnn_mvtu instances, want %d", target, len(blocks), len(p.Layers))
		}
		styles := map[string]bool{}
		for i, l := range p.Layers {
			params := blocks[i][:strings.Index(blocks[i], fmt.Sprintf(") u_mvtu%d (", i))]
			for _, c := range []struct {
				name string
				m    hw.Mem
			}{{"WeightStyle", l.WeightMem}, {"ActStyle", l.ThrMem}} {
				got := regexp.MustCompile(`\.` + c.name + `\s*\((\d)\)`).FindStringSubmatch(params)
				switch {
				case c.m.Style == hw.MemAuto && got != nil:
					t.Errorf("target %q layer %d: %s %s on a tool-chosen ROM", target, i, c.name, got[1])
				case c.m.Style != hw.MemAuto && (got == nil || got[1] != code[c.m.Style]):
					t.Errorf("target %q layer %d: %s %v, want %s for %v", target, i, c.name, got, code[c.m.Style], c.m)
				}
				styles[string(c.m.Style)] = true
			}
		}
		if target != hw.TargetICE40 && !(styles["block"] && styles["lut"]) {
			t.Errorf("target %q: the test plan should have both block and LUT ROMs, has %v", target, styles)
		}
	}
}

// TestROMStyleYosys: Yosys synth_xilinx builds qnn_rom in the style it is
// given: Style 1 as block RAM, Style 2 from LUTs only, for a ROM that
// Yosys left alone would build otherwise in one of the two cases.
func TestROMStyleYosys(t *testing.T) {
	needTool(t, "yosys")
	dir := t.TempDir()
	var mem strings.Builder
	for i := range 256 {
		fmt.Fprintf(&mem, "%064x\n", uint64(i)*0x9e3779b97f4a7c15)
	}
	if err := os.WriteFile(filepath.Join(dir, "w.mem"), []byte(mem.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		style     int
		wantBRAM  bool
		wantCells string
	}{{1, true, "RAMB"}, {2, false, "LUT6"}} {
		script := fmt.Sprintf("read_verilog lib/qnn_rom.v; chparam -set Depth 256 -set Width 256 -set AddrWidth 8 "+
			"-set InitFile \"%s\" -set Style %d qnn_rom; synth_xilinx -family xc7 -top qnn_rom; tee -q -o %s stat",
			filepath.Join(dir, "w.mem"), c.style, filepath.Join(dir, "stat.txt"))
		out, err := exec.Command("yosys", "-q", "-p", script).CombinedOutput()
		if err != nil {
			t.Fatalf("Style %d: yosys: %v\n%s", c.style, err, out)
		}
		data, err := os.ReadFile(filepath.Join(dir, "stat.txt"))
		if err != nil {
			t.Fatal(err)
		}
		stat := string(data)
		if got := strings.Contains(stat, "RAMB"); got != c.wantBRAM || !strings.Contains(stat, c.wantCells) {
			t.Errorf("Style %d: block RAM %v, want %v; stat:\n%s", c.style, got, c.wantBRAM, stat)
		}
	}
}

// TestFramingYosysCheck: the input stage modules pass Yosys' `proc; check
// -assert` (no latches, no multiple drivers, no combinational loops) at
// the parameters where their code differs (one beat, many beats).
func TestFramingYosysCheck(t *testing.T) {
	needTool(t, "yosys")
	for _, c := range []struct{ module, params string }{
		{"qnn_framer", "chparam -set Beats 1 -set DropBits 1 qnn_framer"},
		{"qnn_framer", "chparam -set Beats 49 -set DropBits 16 qnn_framer"},
		{"qnn_input_buffer", "chparam -set Mw 6 -set XBits 2 -set InWidth 8 -set InBeats 1 -set Simd 3 -set Sf 2 qnn_input_buffer"},
		{"qnn_input_buffer", "chparam -set Mw 784 -set InWidth 16 -set InBeats 49 -set Simd 16 -set Sf 49 -set SfWidth 6 -set Framed 1 qnn_input_buffer"},
	} {
		script := fmt.Sprintf("read_verilog lib/%s.v; %s; hierarchy -top %s; proc; check -assert", c.module, c.params, c.module)
		if out, err := exec.Command("yosys", "-q", "-p", script).CombinedOutput(); err != nil {
			t.Errorf("%s: yosys: %v\n%s", c.params, err, out)
		}
	}
}
