package rtlgen

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// needYosys skips the test when yosys is missing, except under CI, where
// it fails.
func needYosys(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("yosys"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("yosys not installed (run scripts/setup.sh)")
		}
		t.Skip("yosys not installed (run scripts/setup.sh)")
	}
}

// TestGeneratedYosysCheck: every golden design (dense ones with and
// without pipelined compressor trees, lane-product trees, k-bit kinds, the
// conv design and the sequence designs) and two more conv designs (8-bit input straight into a
// window generator, pipelined trees, k-bit pools) pass Yosys `proc; check
// -assert` at RTL level, elaborated from the top: no multiple drivers, no
// combinational loops, and no latch cell after proc.
func TestGeneratedYosysCheck(t *testing.T) {
	needYosys(t)
	for _, d := range append(goldenDesigns(t), convDesigns(t)...) {
		t.Run(d.name, func(t *testing.T) {
			dir, rtl := writeRTL(t, d.p)
			script := "read_verilog " + strings.Join(rtl, " ") + "; hierarchy -top " + DefaultTop +
				"; proc; check -assert; select -assert-none t:$dlatch t:$adlatch t:$dlatchsr"
			cmd := exec.Command("yosys", "-q", "-p", script)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("yosys: %v\n%s", err, lastLines(string(out), 20))
			}
		})
	}
}

// TestGeneratedConvLint: the conv designs and the sequence designs (every
// golden design with stage modules) pass `verilator --lint-only -Wall`
// with no waiver (the dense designs are linted by TestGenerateLint).
func TestGeneratedConvLint(t *testing.T) {
	if _, err := exec.LookPath("verilator"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("verilator not installed (run scripts/setup.sh)")
		}
		t.Skip("verilator not installed (run scripts/setup.sh)")
	}
	designs := convDesigns(t)
	for _, d := range goldenDesigns(t) {
		if len(StageModules(d.p)) > 0 {
			designs = append(designs, d)
		}
	}
	for _, d := range designs {
		t.Run(d.name, func(t *testing.T) {
			dir, rtl := writeRTL(t, d.p)
			for _, f := range rtl {
				if src, _ := os.ReadFile(filepath.Join(dir, f)); strings.Contains(string(src), "lint_off") {
					t.Errorf("%s has a lint waiver", f)
				}
			}
			cmd := exec.Command("verilator", append([]string{"--lint-only", "-Wall", "--top-module", DefaultTop}, rtl...)...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("verilator: %v\n%s", err, lastLines(string(out), 20))
			}
		})
	}
}

// writeRTL writes the rtl/ and mem/ files of p's design into a temporary
// directory and returns it with the rtl/ file names, sorted.
func writeRTL(t *testing.T, p *hw.Plan) (string, []string) {
	t.Helper()
	files, err := Files(p, Options{Version: "check"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var rtl []string
	for name, src := range files {
		if !strings.HasPrefix(name, RTLDir+"/") && !strings.HasPrefix(name, MemDir+"/") {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, RTLDir+"/") {
			rtl = append(rtl, name)
		}
	}
	sort.Strings(rtl)
	return dir, rtl
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// convDesigns are conv designs beyond the golden one: an 8-bit-input
// network whose window generator reads s_axis directly (k-bit weights,
// a pool of 2-bit levels, lane trees pipelined every stage) and a 1-bit
// one with a strided, asymmetrically padded kernel and pipelined
// compressor trees.
func convDesigns(t *testing.T) []struct {
	name string
	p    *hw.Plan
} {
	t.Helper()
	nets := []*netlist.Network{
		{Name: "conv-in8", Layers: []netlist.Layer{
			&netlist.Input{Name: "input", Shape: netlist.Shape{C: 3, H: 6, W: 5}, Bits: 8},
			&netlist.Conv2D{Name: "conv0", OutC: 5, KH: 3, KW: 2, Stride: 1, WeightBits: 2},
			&netlist.Threshold{Name: "act0", Bits: 2},
			&netlist.MaxPool{Name: "pool0", K: 2, Stride: 2},
			&netlist.Dense{Name: "fc0", Out: 4, WeightBits: 3},
			&netlist.Output{Name: "scores"},
		}},
		{Name: "conv-stride", Layers: []netlist.Layer{
			&netlist.Input{Name: "input", Shape: netlist.Shape{C: 4, H: 9, W: 7}, Bits: 1},
			&netlist.Conv2D{Name: "conv0", OutC: 8, KH: 3, KW: 3, Stride: 2, Pad: netlist.Padding{Top: 1, Left: 2}},
			&netlist.Threshold{Name: "act0", Bits: 1},
			&netlist.Conv2D{Name: "conv1", OutC: 6, KH: 2, KW: 2, Stride: 1},
			&netlist.Threshold{Name: "act1", Bits: 1},
			&netlist.Dense{Name: "fc0", Out: 3},
			&netlist.Output{Name: "scores"},
		}},
	}
	opts := []hw.Options{
		{TargetCycles: 16, Popcount: hw.PopcountTree, PipelineEvery: 1, Target: hw.TargetXC7},
		{Folds: []hw.Fold{{PE: 4, SIMD: 2}, {PE: 3, SIMD: 8}, {PE: 3, SIMD: 5}}, Popcount: hw.PopcountTree, PipelineEvery: 2, Target: hw.TargetXC7},
	}
	var out []struct {
		name string
		p    *hw.Plan
	}
	for i, n := range nets {
		if err := netlist.Randomize(rand.New(rand.NewPCG(uint64(i), 9)), n); err != nil {
			t.Fatal(err)
		}
		p, err := hw.NewPlan(n, opts[i])
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		out = append(out, struct {
			name string
			p    *hw.Plan
		}{n.Name, p})
	}
	return out
}
