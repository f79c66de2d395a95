package rtlgen

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// seqDesigns are the sequence designs pinned with the golden designs (and
// so linted, checked by Yosys and kept deterministic): a 4-bit random LSTM
// (V 50, D 12, H 10, a 4-bit projection) folded so that units and lanes
// pad, for xc7 (every ROM style set); and a 2-bit one with a 16-bit token
// (V 300) and a 2-bit projection, auto-folded.
func seqDesigns(t *testing.T) []struct {
	name string
	p    *hw.Plan
} {
	t.Helper()
	cases := []struct {
		name string
		seed uint64
		cfg  netlist.RandomLSTMConfig
		opt  hw.Options
	}{
		{"lstm-v50-a4", 1, netlist.RandomLSTMConfig{Vocab: 50, Dim: 12, Hidden: []int{10}, WeightBits: 4, ActBits: 4, OutWeightBits: 4},
			hw.Options{Folds: []hw.Fold{{PE: 12, SIMD: 5, Layer: "lstm0"}, {PE: 7, SIMD: 2, Layer: "proj"}}, Target: hw.TargetXC7}},
		{"lstm-v300-a2", 2, netlist.RandomLSTMConfig{Vocab: 300, Dim: 9, Hidden: []int{7}, WeightBits: 2, ActBits: 2, OutWeightBits: 2},
			hw.Options{TargetCycles: 40}},
		// Every logit streamed on m_axis (qnn_logits), 23 classes in beats of 5.
		{"lstm-v23-logits", 3, netlist.RandomLSTMConfig{Vocab: 23, Dim: 6, Hidden: []int{5}, WeightBits: 3, ActBits: 3, OutWeightBits: 2},
			hw.Options{AllLogits: true, Folds: []hw.Fold{{PE: 8, SIMD: 3, Layer: "lstm0"}, {PE: 5, SIMD: 5, Layer: "proj"}}}},
	}
	var out []struct {
		name string
		p    *hw.Plan
	}
	for _, c := range cases {
		c.cfg.HiddenEncoding = true
		n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(c.seed, 31)), c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		n.Name = c.name
		p, err := hw.NewPlan(n, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out = append(out, struct {
			name string
			p    *hw.Plan
		}{c.name, p})
	}
	return out
}

// TestSequenceDesign: a sequence design is the token input, the lstm stage,
// the projection MVTU and the argmax, each its own instance; its files
// hold the library's sequence modules and the lstm stage's five ROM
// images (LSTMMems, under deterministic names), and two generations are
// byte-identical, on disk too (plan.json and the manifest included).
func TestSequenceDesign(t *testing.T) {
	for _, d := range seqDesigns(t) {
		t.Run(d.name, func(t *testing.T) {
			inst, err := StageInstances(d.p)
			if err != nil {
				t.Fatal(err)
			}
			out, mods := "u_argmax", []string{"qnn_lstm", "qnn_tokens"}
			if d.p.Output.Stream {
				out, mods = "u_logits", []string{"qnn_logits", "qnn_lstm", "qnn_tokens"}
			}
			want := [][]string{{"u_tokens"}, {"u_lstm0"}, {"u_mvtu0"}, {out}}
			if diff := cmp.Diff(want, inst); diff != "" {
				t.Errorf("instances (-want +got):\n%s", diff)
			}
			if got := StageModules(d.p); !cmp.Equal(got, mods) {
				t.Errorf("stage modules %v, want %v", got, mods)
			}
			a, err := Files(d.p, Options{Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := Files(d.p, Options{Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("two generations differ:\n%s", diff)
			}
			for _, m := range mods {
				src, _ := LibrarySource(m)
				if !bytes.HasSuffix(a[RTLDir+"/"+m+".v"], src) {
					t.Errorf("rtl/%s.v is not the library module", m)
				}
			}
			mems := LSTMMems(d.p.LSTM())
			for _, f := range lstmMemNames(0) {
				if got := a[MemDir+"/"+f[1]]; len(got) == 0 || !bytes.Equal(got, mems[f[0]]) {
					t.Errorf("%s/%s is not LSTMMems' %s", MemDir, f[1], f[0])
				}
			}
			top := string(a[RTLDir+"/"+DefaultTop+".v"])
			for _, s := range []string{"tokens -> lstm -> 1 MVTU(s) -> argmax", "one token per beat",
				fmt.Sprintf("Cycles per token %d, latency %d cycles", d.p.CyclesPerFrame, d.p.Latency),
				fmt.Sprintf(".FcWidth      (%d)", d.p.LSTM().FCWidth), ".err_o       (frame_err)"} {
				if !strings.Contains(top, s) {
					t.Errorf("the top has no %q", s)
				}
			}
			dirs := [2]string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
			for _, dir := range dirs {
				if err := Generate(d.p, dir, Options{Version: "test"}); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(readTree(t, dirs[0]), readTree(t, dirs[1])); diff != "" {
				t.Errorf("two design directories differ:\n%s", diff)
			}
		})
	}
}

// readTree reads every regular file under dir, keyed by relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSequenceRefused: plans qnn_lstm or qnn_tokens cannot build (as a
// hand-edited plan.json could hold them) are refused with one line naming
// the layer and the field.
func TestSequenceRefused(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *hw.Plan)
		want   string
	}{
		{"pipelined", func(p *hw.Plan) { p.LSTM().PipeDepth = 2 },
			`rtlgen: layer "lstm0" (lstm): PipeDepth 2: qnn_lstm has no pipelined gate accumulators: not supported`},
		{"narrow f*c", func(p *hw.Plan) { p.LSTM().FCWidth = p.LSTM().CellBits },
			`rtlgen: layer "lstm0" (lstm): FCWidth 7: qnn_lstm forms the cell state (-64..63, from a 7-bit field) in this width, which must hold it and be wider than the field: not supported`},
		{"narrow o*t", func(p *hw.Plan) { p.LSTM().OTWidth = 4 },
			`rtlgen: layer "lstm0" (lstm): OTWidth 4: qnn_lstm forms the output gate (0..15, from a 4-bit field) in this width, which must hold it and be wider than the field: not supported`},
		{"wide base", func(p *hw.Plan) { p.LSTM().CellActBase = 1 << 33 },
			`rtlgen: layer "lstm0" (lstm): CellActBase 8589934592 does not fit qnn_lstm's 32-bit integer parameter: not supported`},
		{"token width", func(p *hw.Plan) { p.Input.TokenBits = 4 },
			`rtlgen: layer 0 "embed": TokenBits 4 for a vocabulary of 50: qnn_tokens takes tokens of 1..30 bits covering the vocabulary`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := seqDesigns(t)[0].p
			if p.LSTM().CellBits != 7 {
				t.Fatalf("the design's cell has %d bits; the cases assume 7", p.LSTM().CellBits)
			}
			c.mutate(p)
			_, err := Files(p, Options{Version: "test"})
			if err == nil || err.Error() != c.want {
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error spans lines")
			}
			if strings.Contains(c.want, "not supported") && !errors.Is(err, ErrUnsupported) {
				t.Errorf("the error does not wrap ErrUnsupported")
			}
		})
	}
}

// TestSeqTestBenches runs the self-checking test benches of the sequence
// modules (lib/seq/tb) with Icarus.
func TestSeqTestBenches(t *testing.T) {
	if _, err := exec.LookPath("iverilog"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("iverilog not installed (run scripts/setup.sh)")
		}
		t.Skip("iverilog not installed (run scripts/setup.sh)")
	}
	tbs, err := filepath.Glob("lib/seq/tb/*_tb.v")
	if err != nil || len(tbs) == 0 {
		t.Fatalf("no test benches: %v", err)
	}
	sort.Strings(tbs)
	lib, _ := filepath.Glob("lib/seq/*.v")
	for _, tb := range tbs {
		name := strings.TrimSuffix(filepath.Base(tb), ".v")
		t.Run(name, func(t *testing.T) {
			vvp := filepath.Join(t.TempDir(), name+".vvp")
			args := append([]string{"-g2005", "-Wall", "-s", name, "-o", vvp, tb}, lib...)
			if out, err := exec.Command("iverilog", args...).CombinedOutput(); err != nil {
				t.Fatalf("iverilog: %v\n%s", err, out)
			}
			out, err := exec.Command("vvp", "-n", vvp).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "PASS "+name) || strings.Contains(string(out), "FAIL") {
				t.Fatalf("vvp: %v\n%s", err, out)
			}
		})
	}
}
