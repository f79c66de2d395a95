package rtlgen_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/verilator"
)

// needTool skips the test when a simulator is missing, except under CI,
// where it fails.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (run scripts/setup.sh)", name)
		}
		t.Skipf("%s not installed (run scripts/setup.sh)", name)
	}
}

func tfc(t *testing.T) *netlist.Network {
	t.Helper()
	n, err := netlist.Load("../testdata/random-tfc-w1a1.json")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLibraryTestBenches runs every library module's test bench in
// lib/tb with Icarus Verilog.
func TestLibraryTestBenches(t *testing.T) {
	needTool(t, "iverilog")
	tbs, err := filepath.Glob("lib/tb/*_tb.v")
	if err != nil || len(tbs) == 0 {
		t.Fatalf("no test benches: %v", err)
	}
	lib, _ := filepath.Glob("lib/*.v")
	for _, tb := range tbs {
		name := strings.TrimSuffix(filepath.Base(tb), ".v")
		t.Run(name, func(t *testing.T) {
			vvp := filepath.Join(t.TempDir(), name+".vvp")
			// Every bench is compiled (a bench may instantiate another with
			// other parameters); -s picks this one.
			args := append(append([]string{"-g2005", "-Wall", "-s", name, "-o", vvp}, tbs...), lib...)
			if out, err := exec.Command("iverilog", args...).CombinedOutput(); err != nil {
				t.Fatalf("iverilog: %v\n%s", err, out)
			}
			cmd := exec.Command("vvp", "-n", vvp)
			cmd.Dir = "lib/tb"
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "PASS "+name) || strings.Contains(string(out), "FAIL") {
				t.Fatalf("vvp: %v\n%s", err, out)
			}
		})
	}
}

// TestLibraryLint lints every library module with Verilator -Wall under
// several parameter sets, and checks that bad parameters stop elaboration.
func TestLibraryLint(t *testing.T) {
	needTool(t, "verilator")
	cases := []struct {
		module string
		params []string
		bad    bool
	}{
		{"qnn_rom", []string{"Depth=5", "AddrWidth=3", `InitFile="x.mem"`}, false},
		{"qnn_rom", []string{"Depth=1", "AddrWidth=1", `InitFile="x.mem"`}, false},
		{"qnn_rom", []string{"Depth=5", "AddrWidth=2", `InitFile="x.mem"`}, true},
		{"qnn_binarize", []string{"InPix=16", "Bits=1", "Threshold=256"}, false},
		{"qnn_binarize", []string{"InPix=3", "Bits=8"}, false},
		{"qnn_binarize", []string{"InPix=3", "Bits=4"}, true},
		{"qnn_pe", []string{"Kind=0", "Simd=64", "SumWidth=8"}, false},
		{"qnn_pe", []string{"Kind=1", "Simd=3", "XBits=8", "SumWidth=12"}, false},
		{"qnn_pe", []string{"Kind=2", "Simd=7", "WBits=4", "SumWidth=6"}, false},
		{"qnn_pe", []string{"Kind=3", "Simd=5", "WBits=2", "XBits=4", "SumWidth=9"}, false},
		{"qnn_pe", []string{"Kind=3", "Simd=5", "WBits=2", "XBits=4", "SumWidth=4"}, true},
		{"qnn_threshold", []string{"AccWidth=12", "NumThr=15", "ThrWidth=9", "OutBits=4"}, false},
		{"qnn_threshold", []string{"AccWidth=4", "AccSigned=0", "NumThr=1", "ThrWidth=6", "OutBits=1"}, false},
		{"qnn_threshold", []string{"AccWidth=13", "NumThr=3", "ThrWidth=13", "OutBits=2"}, false},
		{"qnn_threshold", []string{"AccWidth=8", "NumThr=7", "ThrWidth=5", "OutBits=3"}, false},
		{"qnn_threshold", []string{"NumThr=2", "OutBits=1"}, true},
		{"qnn_score", []string{"AccWidth=12", "AccSigned=0", "ScoreMul=2", "ScoreBits=9"}, false},
		{"qnn_score", []string{"AccWidth=4", "ScoreMul=1", "ScoreBits=12"}, false},
		{"qnn_input_buffer", []string{"Mw=5", "XBits=8", "InWidth=8", "InBeats=1", "Simd=2", "Sf=3", "SfWidth=2"}, false},
		{"qnn_input_buffer", []string{"Mw=784", "InWidth=16", "InBeats=49", "Simd=16", "Sf=49", "SfWidth=6", "PadX=1"}, false},
		{"qnn_input_buffer", []string{"Mw=64", "InWidth=1", "InBeats=63", "Simd=64"}, true},
		{"qnn_input_buffer", []string{"Mw=5", "XBits=8", "InWidth=8", "InBeats=1", "Simd=2", "Sf=3", "SfWidth=2", "Framed=1"}, false},
		{"qnn_input_buffer", []string{"Framed=2"}, true},
		{"qnn_framer", []string{"Beats=49", "DropBits=16"}, false},
		{"qnn_framer", []string{"Beats=1", "DropBits=1"}, false},
		{"qnn_framer", []string{"Beats=2", "DropBits=64"}, false},
		{"qnn_framer", []string{"Beats=0"}, true},
		{"qnn_framer", []string{"DropBits=65"}, true},
		{"qnn_argmax", []string{"Classes=10", "Pe=4", "Beats=3", "ScoreBits=9"}, false},
		{"qnn_argmax", []string{"Classes=3", "Pe=4", "Beats=1", "ScoreBits=20", "Sw=32"}, false},
		{"qnn_argmax", []string{"Classes=10", "Pe=4", "Beats=2", "ScoreBits=9"}, true},
		{"qnn_argmax", []string{"Classes=10000", "Pe=25", "Beats=400", "ScoreBits=14", "TopOnly=1"}, false},
		{"qnn_argmax", []string{"Classes=10000", "Pe=25", "Beats=400", "ScoreBits=14"}, false}, // no loop over the classes to unroll
		{"qnn_argmax", []string{"Classes=3", "Pe=4", "Beats=1", "ScoreBits=20", "Sw=32", "TopOnly=1"}, false},
		{"qnn_argmax", []string{"Classes=10", "Pe=4", "Beats=3", "ScoreBits=9", "TopOnly=2"}, true},
		{"qnn_mvtu", []string{`WeightFile="w.mem"`, `ActFile="a.mem"`}, false},
		{"qnn_mvtu", []string{"Framed=1", `WeightFile="w.mem"`, `ActFile="a.mem"`}, false},
		{"qnn_mvtu", []string{"Kind=3", "Mode=1", "WBits=2", "XBits=8", "OutBits=12", "Pe=3", "Simd=5", "Sf=3", "Nf=2",
			"Mw=13", "InWidth=4", "InBeats=4", "PadX=0", "AccWidth=14", "ScoreMul=1", `WeightFile="w.mem"`, `ActFile="a.mem"`}, false},
		{"qnn_mvtu", []string{"Kind=2", "WBits=4", "NumThr=3", "OutBits=2", "ThrWidth=7", "Pe=2", "Simd=1", "Sf=9", "Nf=4",
			"Mw=9", "InWidth=3", "InBeats=3", "AccWidth=7", `WeightFile="w.mem"`, `ActFile="a.mem"`}, false},
		{"qnn_mvtu", []string{"Sf=2", "Mw=1", `WeightFile="w.mem"`, `ActFile="a.mem"`}, true},
	}
	lib, _ := filepath.Glob("lib/*.v")
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s", i, c.module), func(t *testing.T) {
			args := []string{"--lint-only", "-Wall", "--top-module", c.module}
			for _, p := range c.params {
				args = append(args, "-G"+p)
			}
			out, err := exec.Command("verilator", append(args, lib...)...).CombinedOutput()
			switch {
			case c.bad && err == nil:
				t.Fatalf("parameters %v accepted", c.params)
			case c.bad && !strings.Contains(string(out), "qnn_param_error_"):
				t.Fatalf("parameters %v: want a qnn_param_error_ check, got:\n%s", c.params, out)
			case !c.bad && err != nil:
				t.Fatalf("lint: %v\n%s", err, out)
			}
		})
	}
}

// design is one plan used by the generation tests.
type design struct {
	name string
	plan *hw.Plan
}

// designs returns plans covering the four kinds, both input widths,
// k-bit activations, padding, PE = SIMD = 1 and fully parallel layers.
func designs(t *testing.T) []design {
	t.Helper()
	var ds []design
	add := func(name string, n *netlist.Network, opt hw.Options) {
		p, err := hw.NewPlan(n, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ds = append(ds, design{name, p})
	}
	n := tfc(t)
	add("tfc-auto64", n, hw.Options{TargetCycles: 64})
	add("tfc-padded", n, hw.Options{Folds: []hw.Fold{{PE: 5, SIMD: 100}, {PE: 7, SIMD: 9}, {PE: 64, SIMD: 64}, {PE: 3, SIMD: 10}}})
	add("tfc-tree-p2", n, hw.Options{TargetCycles: 64, Popcount: hw.PopcountTree, PipelineEvery: 2})
	rng := rand.New(rand.NewPCG(7, 7))
	random := func(name string, cfg netlist.RandomConfig, folds []hw.Fold) {
		n, err := netlist.Random(rng, cfg)
		if err != nil {
			t.Fatal(err)
		}
		add(name, n, hw.Options{Folds: folds})
	}
	random("mul-w1-x1", netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 7, W: 9}, InputBits: 8, Hidden: []int{37, 20},
		Classes: 5, WeightBits: []int{2, 1, 4}, ActBits: []int{2, 1}}, []hw.Fold{{PE: 3, SIMD: 5}, {PE: 4, SIMD: 7}, {PE: 2, SIMD: 3}})
	random("serial", netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 3, W: 5}, InputBits: 1, Hidden: []int{6},
		Classes: 3, WeightBits: []int{4, 2}, ActBits: []int{4}}, []hw.Fold{{PE: 1, SIMD: 1}, {PE: 1, SIMD: 1}})
	random("parallel", netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 4, W: 4}, InputBits: 8, Hidden: []int{9},
		Classes: 4, WeightBits: []int{1, 1}, ActBits: []int{1}}, []hw.Fold{{PE: 9, SIMD: 16}, {PE: 4, SIMD: 9}})
	// Lane-product trees (x1, w1, mul, pipelined) and the xnor tree.
	lanes, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 5, W: 6}, InputBits: 1,
		Hidden: []int{20, 12, 9}, Classes: 4, WeightBits: []int{2, 1, 2, 1}, ActBits: []int{2, 2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	add("lanes-p2", lanes, hw.Options{Folds: []hw.Fold{{PE: 2, SIMD: 16}, {PE: 3, SIMD: 20}, {PE: 2, SIMD: 6}, {PE: 2, SIMD: 9}},
		Popcount: hw.PopcountTree, PipelineEvery: 2})
	for _, l := range ds[len(ds)-1].plan.Layers[:3] {
		if !l.LaneTree() || l.PipeDepth == 0 {
			t.Fatalf("lanes-p2 layer %d (%s): lane tree %v, PipeDepth %d", l.Index, l.Kind, l.LaneTree(), l.PipeDepth)
		}
	}
	return ds
}

// TestGenerateLint: every generated design passes verilator --lint-only
// -Wall with no waivers.
func TestGenerateLint(t *testing.T) {
	needTool(t, "verilator")
	for _, d := range designs(t) {
		t.Run(d.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			if err := rtlgen.Generate(d.plan, dir, rtlgen.Options{Version: "test"}); err != nil {
				t.Fatal(err)
			}
			if err := verilator.Lint(context.Background(), dir, ""); err != nil {
				t.Fatal(err)
			}
			// No lint waivers anywhere in the design.
			files, _ := filepath.Glob(filepath.Join(dir, "rtl", "*.v"))
			for _, f := range files {
				data, _ := os.ReadFile(f)
				if bytes.Contains(data, []byte("lint_off")) {
					t.Errorf("%s contains a lint waiver", f)
				}
			}
		})
	}
}

// TestGenerateLayout: the design directory's files, deterministic output,
// refusal of an existing directory, --force.
func TestGenerateLayout(t *testing.T) {
	p, err := hw.NewPlan(tfc(t), hw.Options{TargetCycles: 64})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	opt := rtlgen.Options{Version: "1.2.3"}
	for _, dir := range []string{a, b} {
		if err := rtlgen.Generate(p, dir, opt); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"README.md", "mem/layer0_thresholds.mem", "mem/layer0_weights.mem", "mem/layer3_scores.mem",
		"netlist.json", "plan.json", "rtl/qnn_argmax.v", "rtl/qnn_mvtu.v", "rtl/qnn_top.v"}
	for _, f := range want {
		if _, err := os.Stat(filepath.Join(a, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	// Byte-identical output.
	err = filepath.Walk(a, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, path)
		x, _ := os.ReadFile(path)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Headers name the version and the netlist hash.
	top, _ := os.ReadFile(filepath.Join(a, "rtl", "qnn_top.v"))
	for _, s := range []string{"qnn 1.2.3", p.NetlistSHA256, "module qnn_top"} {
		if !bytes.Contains(top, []byte(s)) {
			t.Errorf("qnn_top.v lacks %q", s)
		}
	}
	lib, _ := os.ReadFile(filepath.Join(a, "rtl", "qnn_pe.v"))
	if !bytes.Contains(lib, []byte(p.NetlistSHA256)) {
		t.Errorf("qnn_pe.v header lacks the netlist hash")
	}
	// The plan reloads from the design.
	n, err := netlist.Load(filepath.Join(a, "netlist.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hw.Load(filepath.Join(a, "plan.json"), n); err != nil {
		t.Fatal(err)
	}
	// Existing directory: refused, then replaced with Force.
	if err := rtlgen.Generate(p, a, opt); !errors.Is(err, rtlgen.ErrExists) {
		t.Fatalf("existing dir: got %v, want ErrExists", err)
	}
	// Force refuses a directory holding a file qnn did not write, and
	// keeps it; it replaces a design whose own files were edited.
	os.WriteFile(filepath.Join(a, "notes.txt"), []byte("x"), 0o644)
	opt.Force = true
	if err := rtlgen.Generate(p, a, opt); err == nil || !strings.Contains(err.Error(), "notes.txt was not written by qnn gen") {
		t.Fatalf("force over a user file: got %v", err)
	}
	if _, err := os.Stat(filepath.Join(a, "notes.txt")); err != nil {
		t.Fatal("--force removed the user's file")
	}
	os.Remove(filepath.Join(a, "notes.txt"))
	os.WriteFile(filepath.Join(a, "rtl", "qnn_top.v"), []byte("edited"), 0o644)
	if err := rtlgen.Generate(p, a, opt); err != nil {
		t.Fatal(err)
	}
	if err := rtlgen.CheckManifest(a); err != nil {
		t.Errorf("replaced design: %v", err)
	}
	// No temporary directories left behind.
	entries, _ := os.ReadDir(root)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind: %v", names)
	}
}

// TestMemLayout checks ROM words against docs/dataflow.md "Memories",
// computed independently from the plan.
func TestMemLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 2, W: 5}, InputBits: 8, Hidden: []int{5},
		Classes: 3, WeightBits: []int{3, 2}, ActBits: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: []hw.Fold{{PE: 2, SIMD: 4}, {PE: 2, SIMD: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	files, err := rtlgen.Files(p, rtlgen.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	l := p.Layers[0]
	words := strings.Fields(string(files["mem/layer0_weights.mem"]))
	if len(words) != l.NF*l.SF {
		t.Fatalf("%d weight words, want %d", len(words), l.NF*l.SF)
	}
	for nf := 0; nf < l.NF; nf++ {
		for sf := 0; sf < l.SF; sf++ {
			var v uint64
			fmt.Sscanf(words[nf*l.SF+sf], "%x", &v)
			for pe := 0; pe < l.PE; pe++ {
				for s := 0; s < l.SIMD; s++ {
					bit := (pe*l.SIMD + s) * l.WBits
					got := hw.SignExtend(int64(v>>uint(bit)), l.WBits)
					if want := int64(l.Weight(nf*l.PE+pe, sf*l.SIMD+s)); got != want {
						t.Errorf("word %d pe %d lane %d: %d, want %d", nf*l.SF+sf, pe, s, got, want)
					}
				}
			}
		}
	}
	thr := strings.Fields(string(files["mem/layer0_thresholds.mem"]))
	per := l.NumThr*l.ThrWidth + 1
	for nf := 0; nf < l.NF; nf++ {
		v, ok := new(big.Int).SetString(thr[nf], 16)
		if !ok {
			t.Fatalf("bad threshold word %q", thr[nf])
		}
		field := func(off, width int) int64 {
			f := new(big.Int).Rsh(v, uint(off))
			f.And(f, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(width)), big.NewInt(1)))
			return hw.SignExtend(f.Int64(), width)
		}
		for pe := 0; pe < l.PE; pe++ {
			ts, rev := l.Thresholds(nf*l.PE + pe)
			for j, want := range ts {
				if got := field(pe*per+j*l.ThrWidth, l.ThrWidth); got != want {
					t.Errorf("threshold word %d pe %d j %d: %d, want %d", nf, pe, j, got, want)
				}
			}
			if got := field(pe*per+l.NumThr*l.ThrWidth, 1) != 0; got != rev {
				t.Errorf("threshold word %d pe %d: reversed %v, want %v", nf, pe, got, rev)
			}
		}
	}
	last := p.Layers[1]
	sc := strings.Fields(string(files["mem/layer1_scores.mem"]))
	for nf := 0; nf < last.NF; nf++ {
		var v uint64
		fmt.Sscanf(sc[nf], "%x", &v)
		for pe := 0; pe < last.PE; pe++ {
			if got, want := hw.SignExtend(int64(v>>uint(pe*last.OutBits)), last.OutBits), last.ScoreAdd(nf*last.PE+pe); got != want {
				t.Errorf("score word %d pe %d: %d, want %d", nf, pe, got, want)
			}
		}
	}
}

func TestHexBytes(t *testing.T) {
	if got := rtlgen.HexBytes([]byte{0x01, 0xab, 0x00}); got != "00ab01" {
		t.Fatalf("HexBytes = %q", got)
	}
}
