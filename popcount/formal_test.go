package popcount

import (
	"errors"
	"fmt"

	"path/filepath"
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
	return fmt.Sprintf("read_verilog %s; proc -norom; opt_clean; miter -equiv -flatten%s %s %s miter; hierarchy -top miter",
		strings.Join(files, " "), mk, gold, gate)
}

// proveSAT proves gold == gate with Yosys' SAT solver: sat -verify
// -prove-asserts on the miter; seq > 0 checks seq cycles from all-zero
// registers (bounded, for pipelined trees).
func proveSAT(t testing.TB, dir string, files []string, gold, gate string, seq int, timeout time.Duration) error {
	sat := "sat -verify -prove-asserts -show-ports"
	if seq > 0 {
		sat += fmt.Sprintf(" -set-init-zero -seq %d", seq)
	}
	out, err := run(t, dir, timeout, "yosys", "-q", "-p", miterScript(files, gold, gate, true)+"; "+sat+" miter")
	if err != nil {
		if strings.Contains(out, "proof did fail") {
			return fmt.Errorf("%w: %s", errNotEqual, tail(out, 3))
		}
		return fmt.Errorf("yosys: %v\n%s", err, tail(out, 10))
	}
	return nil
}

// proveABC proves gold == gate with the ABC bundled with Yosys: Yosys builds
// the same miter, maps it to an AIG (the unreachable default arm of the
// full-case ROMs, 'x' after proc, becomes 0) and writes AIGER; yosys-abc
// iprove (rewriting, fraiging, SAT) proves the miter output constant 0.
// Yosys' own sat does not finish at 64 lanes.
func proveABC(t testing.TB, dir string, files []string, gold, gate string, timeout time.Duration) error {
	aig := filepath.Join(dir, "miter.aig")
	script := miterScript(files, gold, gate, false) +
		"; flatten; opt; setundef -zero; techmap; opt; aigmap; opt_clean; write_aiger -zinit " + aig
	if out, err := run(t, dir, timeout, "yosys", "-q", "-p", script); err != nil {
		return fmt.Errorf("yosys: %v\n%s", err, tail(out, 10))
	}
	out, err := run(t, dir, timeout, "yosys-abc", "-c", "read "+aig+"; iprove")
	switch {
	case err != nil:
		return fmt.Errorf("yosys-abc: %v\n%s", err, tail(out, 10))
	case strings.Contains(out, "UNSATISFIABLE"):
		return nil
	case strings.Contains(out, "SATISFIABLE"):
		return fmt.Errorf("%w: %s", errNotEqual, tail(out, 3))
	}
	return fmt.Errorf("yosys-abc: no verdict\n%s", tail(out, 10))
}

// satMaxN is the widest tree proven with Yosys' sat; wider ones go to ABC
// (at 36 lanes sat takes 13-19 s, ABC 2 s).
const satMaxN = 16

// prove writes the tree for o and its reference (mutated by mutate, if set)
// and proves them equal with the engine that suits the width.
func prove(t testing.TB, o Options, mutate func(string) string) error {
	requireTool(t, "yosys")
	dir := t.(interface{ TempDir() string }).TempDir()
	gate, gv, err := Compressor(o)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		gv = mutate(gv)
	}
	gold, rv, err := Reference(o)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{writeModule(t, dir, gate, gv), writeModule(t, dir, gold, rv)}
	if o.N <= satMaxN {
		return proveSAT(t, dir, files, gold, gate, 0, 5*time.Minute)
	}
	requireTool(t, "yosys-abc")
	return proveABC(t, dir, files, gold, gate, 60*time.Minute)
}

// TestFormalEquivalence proves the compressor tree equal to the behavioural
// popcount, with and without XNOR: width 6 with Yosys sat and 36 with ABC
// in CI (36 skipped with -short); 64, 128 and 256 with -long (64 takes
// about 15 s of CPU per proof; 128 and 256 did not finish in our runs).
func TestFormalEquivalence(t *testing.T) {
	widths := []int{6, 36}
	if *long {
		widths = append(widths, 64, 128, 256)
	}
	for _, n := range widths {
		for _, xnor := range []bool{false, true} {
			o := Options{N: n, XNOR: xnor}
			t.Run(o.Name(), func(t *testing.T) {
				if n >= 36 && testing.Short() {
					t.Skip("-short")
				}
				t.Parallel()
				start := time.Now()
				if err := prove(t, o, nil); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s == %s proven in %v", o.Name(), o.ReferenceName(), time.Since(start).Round(time.Millisecond))
			})
		}
	}
}

// TestFormalNegativeControl: a tree with one wrong case-ROM entry is caught,
// by both engines (sat at 12 lanes, ABC at 36 and 64).
func TestFormalNegativeControl(t *testing.T) {
	for _, c := range []struct {
		o        Options
		from, to string
	}{
		{Options{N: 12}, "6'b000111: cnt6_3 = 3'd3;", "6'b000111: cnt6_3 = 3'd2;"},
		{Options{N: 36, XNOR: true}, "6'b000000: xcnt3_2 = 2'd3;", "6'b000000: xcnt3_2 = 2'd1;"},
		{Options{N: 64, XNOR: true}, "6'b101010: cnt6_3 = 3'd3;", "6'b101010: cnt6_3 = 3'd7;"},
	} {
		t.Run(c.o.Name(), func(t *testing.T) {
			if c.o.N > 36 && !*long {
				t.Skip("64 lanes only with -long")
			}
			t.Parallel()
			err := prove(t, c.o, func(v string) string {
				if !strings.Contains(v, c.from) {
					t.Fatalf("%s has no %q", c.o.Name(), c.from)
				}
				return strings.Replace(v, c.from, c.to, 1)
			})
			if !errors.Is(err, errNotEqual) {
				t.Fatalf("wrong tree not caught: %v", err)
			}
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
			gate, gv := tr.Verilog()
			ref, rv, _ := Reference(o)
			files := []string{writeModule(t, dir, gate, gv), writeModule(t, dir, ref, rv),
				writeModule(t, dir, "gold", delayed(tr, ref))}
			if err := proveSAT(t, dir, files, "gold", gate, tr.Latency()+3, 5*time.Minute); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// delayed is the reference behind Latency() registers that load on en_i.
func delayed(tr *Tree, ref string) string {
	var b strings.Builder
	w, l := tr.Width, tr.Latency()
	fmt.Fprintf(&b, "module gold (\n  input wire clk_i,\n  input wire en_i,\n  input wire [%d:0] a_i,\n", tr.N-1)
	bport := ""
	if tr.XNOR {
		fmt.Fprintf(&b, "  input wire [%d:0] b_i,\n", tr.N-1)
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
