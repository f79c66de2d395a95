package rtlgen_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/rtlgen"
)

// TestKitSequence: the kit of each sequence design (tokens -> lstm ->
// projection -> argmax) passes under Icarus with and without random gaps
// and backpressure: every token's output beat equals
// netlist.ReferenceSequence's scores and argmax over sequences of 1..8
// tokens, and without stalls token 0's latency is the plan's; the first
// design also under Verilator with stalls, and lint-clean. Zeroed lstm
// gate thresholds fail. -short runs Icarus on the first design.
func TestKitSequence(t *testing.T) {
	for _, tool := range []string{"make", "iverilog", "vvp", "verilator"} {
		needTool(t, tool)
	}
	designs := rtlgen.SeqDesigns(t)
	if testing.Short() {
		designs = designs[:1]
	}
	const tokens = 24
	for i, d := range designs {
		t.Run(d.Name, func(t *testing.T) {
			st := rtlgen.RandomStimulus(d.Plan, tokens, 5)
			if len(st.Seqs) < 3 {
				t.Fatalf("%d sequences: the stimulus does not cross sequence boundaries enough", len(st.Seqs))
			}
			dir := filepath.Join(t.TempDir(), "seq")
			if err := rtlgen.Generate(d.Plan, dir, rtlgen.Options{Version: "test", Stimulus: st}); err != nil {
				t.Fatal(err)
			}
			pass := fmt.Sprintf("PASS: %d frames", tokens)
			runs := [][]string{{"sim-icarus"}, {"sim-icarus", "STALL_IN=40", "STALL_OUT=60", "SEED=3"}}
			if i == 0 && !testing.Short() {
				runs = append(runs, []string{"sim-verilator", "VERILATOR_OPT=-O0", "STALL_IN=70", "STALL_OUT=30", "SEED=11"}, []string{"lint"})
			}
			for k, args := range runs {
				want := pass
				if args[0] == "lint" {
					want = "lint: clean"
				}
				out, err := kitMake(t, dir, args...)
				if err != nil || !strings.Contains(out, want) || strings.Contains(out, "FAIL") ||
					(k == 0 && !strings.Contains(out, fmt.Sprintf("(plan %d, checked)", d.Plan.Latency))) {
					t.Fatalf("make %v: %v\n%s", args, err, out)
				}
			}
			// Zero the gate thresholds (every gate saturates): the lstm's
			// results, and so the scores, change.
			f := filepath.Join(dir, "mem", "lstm0_gate_thresholds.mem")
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			bad := []byte(strings.Map(func(r rune) rune {
				if r == '\n' {
					return r
				}
				return '0'
			}, string(data)))
			if err := os.WriteFile(f, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := kitMake(t, dir, "sim-icarus"); err == nil || !strings.Contains(out, "FAIL: frame") {
				t.Errorf("corrupted gate threshold: err %v, want a FAIL line:\n%s", err, out)
			}
		})
	}
}
