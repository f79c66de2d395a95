package flow

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
)

// cnvPlan is CNV-w1a1 (random parameters) at BNN-PYNQ's folding, the
// committed fold file keyed by netlist.CNV's layer names.
func cnvPlan(t *testing.T) *hw.Plan {
	t.Helper()
	n := netlist.CNV(1, 1)
	if err := netlist.Randomize(rand.New(rand.NewPCG(1, 2016)), n); err != nil {
		t.Fatal(err)
	}
	folds, err := hw.ReadFolds("../testdata/fold/cnv-w1a1-bnn-pynq.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: folds, Target: "xc7", Popcount: hw.PopcountFor("xc7")})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPipelineRows checks the report rows of a convolutional design on
// CNV-w1a1 at BNN-PYNQ's folding: every stage kind is listed, each row
// carries the Yosys counts of its own instances (those rtlgen writes in
// qnn_top.v), the bottleneck is fc0 tied with fc1 (512x256/4 and
// 512x512/8 = 32,768 cycles, FINN's figure for this folding), and each
// stage has a row in the folding, cycles and resource tables.
func TestPipelineRows(t *testing.T) {
	p := cnvPlan(t)
	if p.CyclesPerFrame != 32768 {
		t.Errorf("BNN-PYNQ folding: %d cycles/frame, want 32768", p.CyclesPerFrame)
	}
	dir := filepath.Join(t.TempDir(), "design")
	if err := rtlgen.Generate(p, dir, rtlgen.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	top, err := os.ReadFile(filepath.Join(dir, "rtl", "qnn_top.v"))
	if err != nil {
		t.Fatal(err)
	}
	stages, err := genStages(p)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	insts := map[string]Resources{}
	for i, s := range stages {
		kinds[s.Kind]++
		for j, inst := range s.Instances {
			if !strings.Contains(string(top), ") "+inst+" (") {
				t.Errorf("stage %s %s: instance %s not in qnn_top.v", s.Kind, s.Name, inst)
			}
			if s.Name != "pool3" { // left out: its row must have no Yosys counts
				insts[inst] = Resources{LUT: 100*i + j + 1, FF: i}
			}
		}
	}
	if out := stages[len(stages)-1].Instances; strings.Join(out, " ") != "u_argmax u_frame_flags" {
		t.Errorf("output stage instances %v, want u_argmax and the bad-flag queue u_frame_flags", out)
	}
	for k, want := range map[string]int{"input": 1, "swg": 6, "mvtu": 9, "pool": 2, "dwc": 4, "output": 1} {
		if kinds[k] != want {
			t.Errorf("%d %s stages, want %d (all: %v)", kinds[k], k, want, kinds)
		}
	}
	rep := &Report{Config: ConfigInfo{ClockMHz: 100}, Export: &ExportResult{Model: ModelFile}, Gen: &GenResult{Dir: "design", CyclesPerFrame: p.CyclesPerFrame,
		InputBeats: p.Input.Beats, Stages: stages}, Synth: &SynthResult{Target: "xc7", Instances: insts}}
	for _, l := range p.Layers {
		rep.Gen.Layers = append(rep.Gen.Layers, GenLayer{Name: l.Name, Cycles: l.Cycles})
	}
	rep.derive()
	checkPipelineRows(t, rep)
}

func checkPipelineRows(t *testing.T, rep *Report) {
	t.Helper()
	var bottleneck []string
	for i, row := range rep.Pipeline {
		switch {
		case row.Name == "pool3":
			if row.Synth != nil {
				t.Errorf("pool3: Yosys counts %+v for an instance not synthesized", row.Synth)
			}
		case row.Synth == nil:
			t.Errorf("stage %s %s: no Yosys counts", row.Kind, row.Name)
		case row.Kind == "input" && row.Synth.LUT != 1+2: // u_framer 1, u_binarize 2
			t.Errorf("input: %d LUT, want u_framer's plus u_binarize's, 3", row.Synth.LUT)
		case row.Kind != "input":
			// The sum over its instances j of LUT 100*i + j + 1, FF i (the
			// output stage of a conv-first design: u_argmax and u_frame_flags).
			n := len(rep.Gen.Stages[i].Instances)
			if lut, ff := n*100*i+n*(n+1)/2, n*i; row.Synth.LUT != lut || row.Synth.FF != ff {
				t.Errorf("stage %d %s: Yosys %+v, want its %d instance(s)' LUT %d FF %d", i, row.Name, row.Synth, n, lut, ff)
			}
		}
		if row.Bottleneck {
			bottleneck = append(bottleneck, row.Name)
		}
	}
	if strings.Join(bottleneck, ",") != "fc0,fc1" {
		t.Errorf("bottleneck rows %v, want fc0 and fc1", bottleneck)
	}
	if b := rep.Performance.Bottleneck; b != "mvtu fc0 (32768 cycles/frame), tied with mvtu fc1" {
		t.Errorf("bottleneck %q", b)
	}
	secs, err := rep.sections()
	if err != nil {
		t.Fatal(err)
	}
	md := markdown("t", secs)
	for _, row := range rep.Pipeline {
		plain, bold := "| "+row.Name+" | "+row.Kind+" |", "| **"+row.Name+"** | **"+row.Kind+"** |"
		// The cycles table needs sim's counts: without them, two tables.
		if n := strings.Count(md, plain) + strings.Count(md, bold); n != 2 {
			t.Errorf("stage %s %s: %d rows in the report, want 2 (folding, resources)", row.Kind, row.Name, n)
		}
	}
}
