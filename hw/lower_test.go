package hw

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

func randomCNV(t *testing.T, wbits, abits int) *netlist.Network {
	t.Helper()
	n := netlist.CNV(wbits, abits)
	if err := netlist.Randomize(rand.New(rand.NewPCG(11, 3)), n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLowerCNV: FINN's CNV topology lowers to the documented stage
// sequence, each stage's input is its producer's output, and the dump is
// pinned (testdata/hw/cnv-w1a1.txt).
func TestLowerCNV(t *testing.T) {
	n := randomCNV(t, 1, 1)
	folds := []Fold{
		{Layer: "conv0", PE: 16, SIMD: 3}, {Layer: "conv1", PE: 32, SIMD: 32}, {Layer: "conv2", PE: 16, SIMD: 32},
		{Layer: "conv3", PE: 16, SIMD: 32}, {Layer: "conv4", PE: 4, SIMD: 32}, {Layer: "conv5", PE: 1, SIMD: 32},
		{Layer: "fc0", PE: 1, SIMD: 4}, {Layer: "fc1", PE: 1, SIMD: 8}, {Layer: "fc2", PE: 5, SIMD: 1},
	}
	p, err := NewPlan(n, Options{Folds: folds})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i, s := range p.Stages {
		kinds = append(kinds, string(s.Kind)+" "+s.Name)
		if i > 0 && s.In != p.Stages[i-1].Out {
			t.Errorf("stage %d %q reads %+v, its producer writes %+v", i, s.Name, s.In, p.Stages[i-1].Out)
		}
	}
	// A converter where the producer's width is not the window generator's
	// SIMD: conv0's PE 16 -> 32, pool1 keeps 32 (none before conv2), conv2's
	// 16 -> 32, pool3 keeps 16 -> 32, conv4's 4 -> 32.
	want := []string{"input input", "swg conv0.swg", "mvtu conv0", "dwc conv1.dwc", "swg conv1.swg", "mvtu conv1",
		"pool pool1", "swg conv2.swg", "mvtu conv2", "dwc conv3.dwc", "swg conv3.swg", "mvtu conv3", "pool pool3",
		"dwc conv4.dwc", "swg conv4.swg", "mvtu conv4", "dwc conv5.dwc", "swg conv5.swg", "mvtu conv5", "mvtu fc0", "mvtu fc1", "mvtu fc2", "output scores"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	// conv0 reads one 3-channel pixel per beat; conv1 reads SIMD 32 of 64 channels.
	if s := p.Stages[1]; s.SWG == nil || s.SWG.SIMD != 3 || s.In.Width != 3 || s.Out.C != 27 || s.Out.Pixels != 900 {
		t.Errorf("conv0's window generator: %+v", s)
	}
	path := filepath.Join("..", "testdata", "hw", "cnv-w1a1.txt")
	if *update {
		if err := os.WriteFile(path, []byte(p.Dump()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./hw -update)", err)
	}
	if diff := cmp.Diff(string(golden), p.Dump()); diff != "" {
		t.Errorf("cnv dump (-golden +now):\n%s", diff)
	}
}

// TestScheduleDense: for dense plans the frame-0 schedule gives
// docs/dataflow.md's latency formula, Input.Beats + sum(NF*SF + 3 +
// PipeDepth), written out here independently; a sequence plan adds its
// lstm stage's NF*SF + 5 (docs/lstm-hardware.md "Cycles").
func TestScheduleDense(t *testing.T) {
	for name, p := range goldenPlans(t) {
		want := p.Input.Beats
		if s := p.LSTM(); s != nil {
			want += s.NF*s.SF + 5
		}
		for _, l := range p.Layers {
			want += l.NF*l.SF + 3 + l.PipeDepth
		}
		if p.Latency != want {
			t.Errorf("%s: latency %d, want %d", name, p.Latency, want)
		}
	}
}

// TestLowerRefusals: what the hardware does not build is refused with one
// line naming the layer.
func TestLowerRefusals(t *testing.T) {
	conv := func(pool *netlist.MaxPool, out int) *netlist.Network {
		n := &netlist.Network{Name: "c", Layers: []netlist.Layer{
			&netlist.Input{Name: "input", Shape: netlist.Shape{C: 6, H: 8, W: 8}, Bits: 1},
			&netlist.Conv2D{Name: "conv0", OutC: out, KH: 3, KW: 3, Stride: 1},
			&netlist.Threshold{Name: "act0", Bits: 1}}}
		if pool != nil {
			n.Layers = append(n.Layers, pool)
		}
		n.Layers = append(n.Layers, &netlist.Dense{Name: "fc", Out: 3}, &netlist.Output{Name: "scores"})
		if err := netlist.Randomize(rand.New(rand.NewPCG(1, 1)), n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		name string
		n    *netlist.Network
		opt  Options
		want []string
	}{
		{"simd", conv(nil, 4), Options{Folds: []Fold{{PE: 1, SIMD: 4}, {PE: 1, SIMD: 1}}}, []string{`layer 0 "conv0"`, "SIMD 4 does not divide", "6 input channels"}},
		{"overlap", conv(&netlist.MaxPool{Name: "pool", K: 3, Stride: 2}, 4), Options{}, []string{`layer 3 "pool"`, "overlapping max-pool"}},
		{"inpix", conv(nil, 4), Options{InPix: 4}, []string{`input "input"`, "one pixel of 6 channels"}},
	} {
		_, err := NewPlan(tc.n, tc.opt)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error has several lines: %q", tc.name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

// TestSaveLoadConv: a conv plan's plan.json (stages included) loads back
// equal.
func TestSaveLoadConv(t *testing.T) {
	p, err := NewPlan(randomCNV(t, 1, 2), Options{TargetCycles: 20000})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Save(dir, p); err != nil {
		t.Fatal(err)
	}
	q, err := Load(filepath.Join(dir, PlanFile), p.Net)
	if err != nil {
		t.Fatal(err)
	}
	if q.Dump() != p.Dump() || !strings.Contains(string(q.Marshal()), `"Kind": "swg"`) {
		t.Errorf("loaded conv plan differs or has no stages")
	}
}
