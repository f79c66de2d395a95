package rtlgen_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/sim"
)

// lstmCosimCases are the recurrent stage's co-simulation cases: random
// sequence models (2..8-bit weights and activations, sizes that pad units
// and lanes), foldings, token streams of several sequences and stall
// schedules. cellBits and fShift, when not 0, replace the random layer's:
// wide cells with a small forget shift, so that f*c_prev grows past 32
// bits and the cell saturates (a fixed 32-bit datapath would wrap).
var lstmCosimCases = []struct {
	cfg              netlist.RandomLSTMConfig
	pe, simd         int
	stallIn, stall   float64
	cellBits, fShift int
}{
	{netlist.RandomLSTMConfig{Vocab: 7, Dim: 5, Hidden: []int{3}, WeightBits: 2, ActBits: 2, OutWeightBits: 2}, 4, 2, 0, 0, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 7, Dim: 5, Hidden: []int{3}, WeightBits: 2, ActBits: 2, OutWeightBits: 2}, 4, 2, 0.5, 0.5, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 11, Dim: 13, Hidden: []int{17}, WeightBits: 4, ActBits: 4, OutWeightBits: 4}, 8, 5, 0.3, 0.6, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 11, Dim: 13, Hidden: []int{17}, WeightBits: 4, ActBits: 4, OutWeightBits: 4}, 68, 13, 0, 0.3, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 9, Dim: 8, Hidden: []int{10}, WeightBits: 3, ActBits: 3, OutWeightBits: 1}, 12, 8, 0.2, 0.2, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 5, Dim: 3, Hidden: []int{6}, WeightBits: 8, ActBits: 8, OutWeightBits: 8}, 24, 1, 0.5, 0, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 300, Dim: 9, Hidden: []int{12}, WeightBits: 4, ActBits: 4, OutWeightBits: 4}, 16, 4, 0.1, 0.7, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 13, Dim: 2, Hidden: []int{1}, WeightBits: 2, ActBits: 3, OutWeightBits: 2}, 4, 1, 0.4, 0.4, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 6, Dim: 16, Hidden: []int{16}, WeightBits: 5, ActBits: 2, OutWeightBits: 3}, 16, 16, 0, 0.9, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 8, Dim: 7, Hidden: []int{9}, WeightBits: 6, ActBits: 5, OutWeightBits: 2}, 20, 3, 0.6, 0.1, 0, 0},
	{netlist.RandomLSTMConfig{Vocab: 9, Dim: 6, Hidden: []int{7}, WeightBits: 4, ActBits: 8, OutWeightBits: 4}, 8, 3, 0.3, 0.3, 28, 1},
	{netlist.RandomLSTMConfig{Vocab: 6, Dim: 5, Hidden: []int{5}, WeightBits: 3, ActBits: 3, OutWeightBits: 3}, 20, 5, 0.2, 0.4, 30, 0},
	{netlist.RandomLSTMConfig{Vocab: 7, Dim: 4, Hidden: []int{6}, WeightBits: 5, ActBits: 6, OutWeightBits: 2}, 12, 2, 0, 0.5, 24, 2},
}

// lstmStageCase builds case i: the plan's lstm stage, its ROM files
// (written into dir), the module parameters and the model.
func lstmStageCase(t *testing.T, dir string, i int) *stageCase {
	t.Helper()
	c := lstmCosimCases[i]
	c.cfg.HiddenEncoding = true
	n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(uint64(i), 21)), c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.cellBits != 0 {
		l := n.Layers[1].(*netlist.LSTM)
		l.CellBits, l.FShift = c.cellBits, c.fShift
		if err := netlist.Validate(n); err != nil {
			t.Fatal(err)
		}
	}
	p, err := hw.NewPlan(n, hw.Options{Folds: []hw.Fold{{PE: c.pe, SIMD: c.simd, Layer: "lstm0"}, {PE: 1, SIMD: 1, Layer: "proj"}}})
	if err != nil {
		t.Fatal(err)
	}
	s := p.LSTM()
	// The generator's parameters: the plan's widths, FCWidth etc. included.
	var params []string
	for _, kv := range rtlgen.LSTMParams(s, p.Input.TokenBits) {
		params = append(params, kv[0]+"="+kv[1])
	}
	for name, data := range rtlgen.LSTMMems(s) {
		file := fmt.Sprintf("c%d_%s.mem", i, name)
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
		params = append(params, fmt.Sprintf("%s=%q", name, file))
	}
	rng := rand.New(rand.NewPCG(uint64(i), 22))
	var beats [][]uint64
	for _, l := range []int{4, 1, 6, 2, 3} {
		for k := range l {
			beats = append(beats, []uint64{uint64(rng.IntN(s.V)), uint64(b2i(k == l-1))})
		}
	}
	cycles := 30 * len(beats) * (s.NF*s.SF + 5)
	sc := &stageCase{name: fmt.Sprintf("lstm%d", i), module: "qnn_lstm", params: params,
		newSt:   func() sim.StreamStage { return sim.NewLSTM(s) },
		inLanes: 2, inBits: p.Input.TokenBits, outLanes: s.U, outBits: s.Bits, beats: beats,
		stalls: sim.NewStageStalls(uint64(100+i), cycles, c.stallIn, c.stall), wantOut: len(beats) * s.NF}
	sc.prepare(t)
	return sc
}

// TestLSTMStageCosim: qnn_lstm makes every output handshake in the same
// cycle with the same hidden levels as sim.LSTM (itself checked against
// netlist.ReferenceSequence), under Icarus and Verilator, for every case
// with its stalls; registers without a reset start random in Verilator.
func TestLSTMStageCosim(t *testing.T) {
	needTool(t, "iverilog")
	needTool(t, "verilator")
	lib := []string{filepath.Join("lib", "seq", "qnn_lstm.v")}
	for _, simulator := range []string{"icarus", "verilator"} {
		t.Run(simulator, func(t *testing.T) {
			dir := t.TempDir()
			var cases []*stageCase
			for i := range lstmCosimCases {
				cases = append(cases, lstmStageCase(t, dir, i))
			}
			libs := append(lib, writeLib(t, dir, "qnn_rom", "qnn_pe", "qnn_threshold")...)
			top := writeCases(t, dir, cases)
			if simulator == "icarus" {
				runIcarus(t, dir, top, libs)
			} else {
				runVerilator(t, dir, top, libs)
			}
			for i, c := range cases {
				if d := compare(dir, i, c); d != "" {
					t.Errorf("%s: %s", c.name, d)
				}
			}
		})
	}
}

// writeLib copies embedded library modules into dir and returns their
// paths.
func writeLib(t *testing.T, dir string, modules ...string) []string {
	t.Helper()
	var files []string
	for _, m := range modules {
		src, err := rtlgen.LibrarySource(m)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, m+".v")
		if err := os.WriteFile(f, src, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}
