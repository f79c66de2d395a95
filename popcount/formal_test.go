package popcount

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// errNotEqual is returned when a proof finds a counterexample.
var errNotEqual = errors.New("not equivalent")

// miterScript reads the files and builds the miter of gold and gate: Yosys
// miter -equiv -flatten (-make_assert for sat). proc -norom keeps the case
// ROMs as logic (proc_rom would turn them into $mem cells, which sat cannot
// import).
func miterScript(files []string, gold, gate string, assert bool) string {
	mk := ""
	if assert {
		mk = " -make_assert"
	}
	return fmt.Sprintf("read_verilog %s; setattr -mod -unset keep_hierarchy; proc -norom; opt_clean; miter -equiv -flatten%s %s %s miter; hierarchy -top miter",
		strings.Join(files, " "), mk, gold, gate)
}

// proveSAT proves gold == gate with Yosys' SAT solver: sat -verify
// -prove-asserts on the miter; seq > 0 checks seq cycles from all-zero
// registers (bounded, for pipelined trees).
func proveSAT(t testing.TB, dir string, files []string, gold, gate string, seq int, timeout time.Duration) (time.Duration, error) {
	sat := "sat -verify -prove-asserts -show-ports"
	if seq > 0 {
		sat += fmt.Sprintf(" -set-init-zero -seq %d", seq)
	}
	out, cpu, err := runCPU(t, dir, timeout, "yosys", "-q", "-p", miterScript(files, gold, gate, true)+"; "+sat+" miter")
	if err != nil {
		if strings.Contains(out, "proof did fail") {
			return cpu, fmt.Errorf("%w: %s", errNotEqual, tail(out, 3))
		}
		return cpu, fmt.Errorf("yosys: %v\n%s", err, tail(out, 10))
	}
	return cpu, nil
}

// proveABC proves gold == gate with the ABC bundled with Yosys: Yosys builds
// the same miter, maps it to an AIG (the unreachable default arm of the
// full-case ROMs, 'x' after proc, becomes 0) and writes AIGER; yosys-abc
// iprove (rewriting, fraiging, SAT) proves the miter output constant 0.
// Yosys' own sat does not finish at 64 lanes.
func proveABC(t testing.TB, dir string, files []string, gold, gate string, timeout time.Duration) (time.Duration, error) {
	aig := filepath.Join(dir, "miter.aig")
	script := miterScript(files, gold, gate, false) +
		"; flatten; opt; setundef -zero; techmap; opt; aigmap; opt_clean; write_aiger -zinit " + aig
	out, cpu, err := runCPU(t, dir, timeout, "yosys", "-q", "-p", script)
	if err != nil {
		return cpu, fmt.Errorf("yosys: %v\n%s", err, tail(out, 10))
	}
	out, cpu2, err := runCPU(t, dir, timeout, "yosys-abc", "-c", "read "+aig+"; iprove")
	return cpu + cpu2, abcVerdict(out, err, nil)
}

// satMaxN is the widest tree proven with Yosys' sat; wider ones go to the
// cut proof (formal_cut_test.go). At 36 lanes sat takes 13-19 s, the cut
// proof 1-2 s of CPU; at 64 lanes sat does not finish in 10 minutes.
const satMaxN = 16

// Proof engines.
const (
	engineSAT    = "yosys sat"          // miter -equiv, sat -verify -prove-asserts
	engineIProve = "abc iprove"         // the same miter as AIGER, yosys-abc iprove
	engineCut    = "cut + abc collapse" // formal_cut_test.go
)

// prove writes the tree for o (its Verilog mutated by mutate, if set) and
// proves it equal to the popcount with engine; it returns the CPU time of
// the tools.
func prove(t testing.TB, o Options, engine string, mutate func(string) string) (time.Duration, error) {
	requireTool(t, "yosys")
	dir := t.(interface{ TempDir() string }).TempDir()
	gate, gv := treeSource(t, o)
	if mutate != nil {
		gv = mutate(gv)
	}
	if engine == engineCut {
		return proveCut(t, dir, o, gate, gv, 30*time.Minute)
	}
	gold, rv, err := Reference(o)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{writeModule(t, dir, gate, gv), writeModule(t, dir, gold, rv)}
	if engine == engineSAT {
		return proveSAT(t, dir, files, gold, gate, 0, 5*time.Minute)
	}
	requireTool(t, "yosys-abc")
	return proveABC(t, dir, files, gold, gate, 30*time.Minute)
}

// reportProof logs one proof as a line that scripts/bench-formal.sh
// collects into its table.
func reportProof(t *testing.T, o Options, engine string, wall, cpu time.Duration, verdict string) {
	t.Logf("formal-result: n=%d xnor=%v pipeline=%d engine=%q wall=%.1f cpu=%.1f verdict=%s%s",
		o.N, o.XNOR, o.PipelineEvery, engine, wall.Seconds(), cpu.Seconds(), verdict, productTag(o))
}

// TestFormalEquivalence proves the compressor tree equal to the behavioural
// popcount, with and without XNOR: in CI width 6 with Yosys sat and 36 with
// the cut proof (36 skipped with -short); with -long also 64, 128 and 256
// with the cut proof, and 36 and 64 with a second, independent engine: the
// monolithic miter with ABC iprove (which does not finish 128 and 256).
func TestFormalEquivalence(t *testing.T) {
	type proof struct {
		n      int
		engine string
	}
	proofs := []proof{{6, engineSAT}, {36, engineCut}}
	if *long {
		proofs = append(proofs, proof{36, engineIProve}, proof{64, engineIProve},
			proof{64, engineCut}, proof{128, engineCut}, proof{256, engineCut})
	}
	for _, p := range proofs {
		for _, xnor := range []bool{false, true} {
			o := Options{N: p.n, XNOR: xnor}
			t.Run(o.Name()+"/"+strings.ReplaceAll(p.engine, " ", "_"), func(t *testing.T) {
				if p.n >= 36 && testing.Short() {
					t.Skip("-short")
				}
				t.Parallel()
				start := time.Now()
				cpu, err := prove(t, o, p.engine, nil)
				if err != nil {
					reportProof(t, o, p.engine, time.Since(start), cpu, "error")
					t.Fatal(err)
				}
				reportProof(t, o, p.engine, time.Since(start), cpu, "proven")
			})
		}
	}
}

// counterAssignRe matches a counter of three outputs in the tree's Verilog:
// assign {hi, mid, lo} = cntK_3({...});
var counterAssignRe = regexp.MustCompile(`(?m)^  assign \{(\S+), (\S+), (\S+)\} = (cnt\d_3)\(`)

// swapOutputs swaps the two low outputs of the k-th three-output counter
// (0-based) whose outputs are written to level lv: a wiring error (every
// ROM is right, one counter's carry and sum are exchanged).
func swapOutputs(t testing.TB, lv, k int) func(string) string {
	return func(v string) string {
		prefix := fmt.Sprintf("l%d_", lv)
		n := 0
		for _, m := range counterAssignRe.FindAllStringSubmatchIndex(v, -1) {
			if !strings.HasPrefix(v[m[2]:m[3]], prefix) {
				continue
			}
			if n++; n <= k {
				continue
			}
			mid, lo := v[m[4]:m[5]], v[m[6]:m[7]]
			return v[:m[4]] + lo + ", " + mid + v[m[7]:]
		}
		t.Fatalf("no three-output counter %d on level %d", k, lv)
		return v
	}
}

// replaceOnce is a mutation that replaces the first from by to.
func replaceOnce(t testing.TB, name, from, to string) func(string) string {
	return func(v string) string {
		if !strings.Contains(v, from) {
			t.Fatalf("%s has no %q", name, from)
		}
		return strings.Replace(v, from, to, 1)
	}
}

// TestFormalNegativeControl: a wrong tree is caught by every engine: one
// flipped case-ROM entry (Yosys sat at 12 lanes; the cut proof at 36, and
// with -long at 64 and 128 lanes; with -long ABC iprove at 36) and one
// counter whose two low outputs are swapped (the cut proof at 36, with
// -long at 128 and 256).
func TestFormalNegativeControl(t *testing.T) {
	type control struct {
		o      Options
		engine string
		what   string
		mutate func(testing.TB, Options) func(string) string
	}
	rom := func(from, to string) func(testing.TB, Options) func(string) string {
		return func(t testing.TB, o Options) func(string) string { return replaceOnce(t, o.Name(), from, to) }
	}
	swap := func(lv, k int) func(testing.TB, Options) func(string) string {
		return func(t testing.TB, o Options) func(string) string { return swapOutputs(t, lv, k) }
	}
	controls := []control{
		{Options{N: 12}, engineSAT, "rom", rom("6'b000111: cnt6_3 = 3'd3;", "6'b000111: cnt6_3 = 3'd2;")},
		{Options{N: 36, XNOR: true}, engineCut, "rom", rom("6'b000000: xcnt3_2 = 2'd3;", "6'b000000: xcnt3_2 = 2'd1;")},
		{Options{N: 36}, engineCut, "swap", swap(2, 1)},
	}
	if *long {
		controls = append(controls,
			control{Options{N: 36, XNOR: true}, engineIProve, "rom", rom("6'b000000: xcnt3_2 = 2'd3;", "6'b000000: xcnt3_2 = 2'd1;")},
			control{Options{N: 64, XNOR: true}, engineCut, "rom", rom("6'b101010: cnt6_3 = 3'd3;", "6'b101010: cnt6_3 = 3'd7;")},
			control{Options{N: 128}, engineCut, "rom", rom("6'b111110: cnt6_3 = 3'd5;", "6'b111110: cnt6_3 = 3'd4;")},
			control{Options{N: 128}, engineCut, "swap", swap(3, 0)},
			control{Options{N: 256, XNOR: true}, engineCut, "swap", swap(2, 5)},
		)
	}
	for _, c := range controls {
		t.Run(c.o.Name()+"/"+c.what+"/"+strings.ReplaceAll(c.engine, " ", "_"), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			cpu, err := prove(t, c.o, c.engine, c.mutate(t, c.o))
			if !errors.Is(err, errNotEqual) {
				reportProof(t, c.o, c.engine+", wrong tree ("+c.what+")", time.Since(start), cpu, "NOT caught")
				t.Fatalf("wrong tree not caught: %v", err)
			}
			reportProof(t, c.o, c.engine+", wrong tree ("+c.what+")", time.Since(start), cpu, "caught")
			t.Logf("caught: %v", err)
		})
	}
}

// TestFormalPipelined: a pipelined tree equals the reference delayed by
// Latency() enabled cycles (a wrapper with as many registers on en_i),
// checked by bounded model checking from all-zero registers over
// Latency()+3 cycles with free inputs and enable.
func TestFormalPipelined(t *testing.T) {
	requireTool(t, "yosys")
	for _, o := range []Options{{N: 12, PipelineEvery: 1}, {N: 20, XNOR: true, PipelineEvery: 1}} {
		t.Run(o.Name(), func(t *testing.T) {
			t.Parallel()
			tr, err := Plan(o)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Latency() == 0 {
				t.Fatalf("%s is not pipelined", o.Name())
			}
			dir := t.TempDir()
			gate, gv := treeSource(t, o)
			ref, rv, _ := Reference(o)
			files := []string{writeModule(t, dir, gate, gv), writeModule(t, dir, ref, rv),
				writeModule(t, dir, "gold", delayed(tr, ref))}
			start := time.Now()
			cpu, err := proveSAT(t, dir, files, "gold", gate, tr.Latency()+3, 5*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			reportProof(t, o, fmt.Sprintf("yosys sat -seq %d", tr.Latency()+3), time.Since(start), cpu, "proven (bounded)")
		})
	}
}

// delayed is the reference behind Latency() registers that load on en_i.
func delayed(tr *Tree, ref string) string {
	var b strings.Builder
	w, l := tr.Width, tr.Latency()
	fmt.Fprintf(&b, "module gold (\n  input wire clk_i,\n  input wire en_i,\n  input wire [%d:0] a_i,\n", tr.ABits()-1)
	bport := ""
	if tr.BBits() > 0 {
		fmt.Fprintf(&b, "  input wire [%d:0] b_i,\n", tr.BBits()-1)
		bport = ", .b_i(b_i)"
	}
	fmt.Fprintf(&b, "  output wire [%d:0] count_o\n);\n", w-1)
	fmt.Fprintf(&b, "  wire [%d:0] c0;\n  %s u_ref (.a_i(a_i)%s, .count_o(c0));\n", w-1, ref, bport)
	for i := 1; i <= l; i++ {
		fmt.Fprintf(&b, "  reg [%d:0] c%d;\n  always @(posedge clk_i) if (en_i) c%d <= c%d;\n", w-1, i, i, i-1)
	}
	fmt.Fprintf(&b, "  assign count_o = c%d;\nendmodule\n", l)
	return b.String()
}
