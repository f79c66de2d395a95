package popcount

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// The cut proof: a compositional equivalence proof that scales to wide
// trees, for which monolithic SAT-based miters (Yosys sat, ABC iprove, cec,
// dcec, &cec) do not finish.
//
// Let S(v) be the weighted sum of a level's bits, sum over columns c of
// 2^c * popcount(column c), taken mod 2^W (W = Width(N)). Yosys cuts the
// generated tree at every level wire (expose -cut: the wire's driver drives
// a new output port lL_cC, its readers read a new input port lL_cC_i), so
// that every level's bits become free inputs. A checker module then states,
// for all inputs and all values of the cut inputs X_1..X_K:
//
//	S(Y_1) == ref(a, b)          (the behavioural reference, Reference)
//	S(Y_l) == S(X_(l-1))         for every level l = 2..K
//	count_o == S(X_K)            (the final adder)
//
// where Y_l are the cut outputs (the level's bits as the tree drives them).
// In the uncut tree every X_l equals Y_l, so the chain gives count_o == ref
// mod 2^W, and both are W bits: the tree equals the reference. The statement is
// about the Yosys netlist of the emitted Verilog: no part of the argument
// trusts the Go plan except for naming the level wires and their widths,
// and a wrong name or width is an error (hierarchy -check; a resized port is
// an error by yosys -e). The plan also orders the sums, which affects only
// the BDD sizes, and each level's bits are checked to be summed exactly once.
//
// With the cuts every obligation is a sum of independent counters of at
// most six inputs each against a weighted sum of the same free bits. Its
// BDD is small under the input order that the checker chooses (lanes
// interleaved a0 b0 a1 b1 ..., then each level's bits column by column, and
// each sum a balanced tree of additions over consecutive terms in that
// order): every partial sum takes at most 2^W values. So is the reference's
// (a chain of prefix sums, symmetric functions). ABC builds the global BDD of the miter output (collapse, no
// reordering) and the proof is that it is the constant 0; the constant is
// then confirmed by ABC's sat on the collapsed network. A wrong tree gives a
// non-constant BDD and sat prints a counterexample.

// cutLevelWire is one level wire of a tree: lL_cC, Width bits, at offset Off
// of the checker's input vector.
type cutLevelWire struct {
	Name            string
	Level, Col, Off int
	Height          int
}

// cutChecker returns the level wires to cut and the checker module "chk"
// (input x: the lanes then the cut inputs; output bad: some obligation
// fails) for tree tr, whose module is gate, and its reference module ref.
func cutChecker(tr *Tree, gate, ref string) ([]cutLevelWire, string, error) {
	if tr.Latency() > 0 {
		return nil, "", fmt.Errorf("cut proof: %s is pipelined", tr.Name())
	}
	w := tr.Width
	nx := tr.ABits() + tr.BBits()
	var wires []cutLevelWire
	byName := map[[2]int]cutLevelWire{}
	off := nx
	for l := 1; l <= len(tr.Levels); l++ {
		for c, h := range tr.Levels[l-1].Heights {
			if h == 0 {
				continue
			}
			lw := cutLevelWire{Name: fmt.Sprintf("l%d_c%d", l, c), Level: l, Col: c, Off: off, Height: h}
			wires = append(wires, lw)
			byName[[2]int{l, c}] = lw
			off += h
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "module chk (\n  input  wire [%d:0] x,\n  output wire bad\n);\n", off-1)
	// The lanes, interleaved in x (BDD order): lane j's b bits, then its a
	// bits (XNOR: a_i[j] = x[2j+1], b_i[j] = x[2j]).
	if tr.BBits() > 0 {
		wa, wb := tr.ABits()/tr.N, tr.BBits()/tr.N
		var as, bs []string
		for j := tr.N - 1; j >= 0; j-- {
			base := j * (wa + wb)
			for i := wa - 1; i >= 0; i-- {
				as = append(as, fmt.Sprintf("x[%d]", base+wb+i))
			}
			for i := wb - 1; i >= 0; i-- {
				bs = append(bs, fmt.Sprintf("x[%d]", base+i))
			}
		}
		fmt.Fprintf(&b, "  wire [%d:0] a = {%s};\n  wire [%d:0] b = {%s};\n", tr.ABits()-1, strings.Join(as, ", "), tr.BBits()-1, strings.Join(bs, ", "))
	} else {
		fmt.Fprintf(&b, "  wire [%d:0] a = x[%d:0];\n", tr.N-1, tr.N-1)
	}
	fmt.Fprintf(&b, "  wire [%d:0] cnt;\n", w-1)
	conns := []string{".a_i(a)"}
	if tr.BBits() > 0 {
		conns = append(conns, ".b_i(b)")
	}
	conns = append(conns, ".count_o(cnt)")
	for _, lw := range wires {
		fmt.Fprintf(&b, "  wire [%d:0] y_%s;\n", lw.Height-1, lw.Name)
		conns = append(conns, fmt.Sprintf(".%s(y_%s)", lw.Name, lw.Name),
			fmt.Sprintf(".%s_i(x[%d:%d])", lw.Name, lw.Off+lw.Height-1, lw.Off))
	}
	fmt.Fprintf(&b, "  %s u (\n    %s\n  );\n", gate, strings.Join(conns, ",\n    "))

	// sum emits the mod-2^W sum of terms (1-bit expression, column) as a
	// balanced tree of additions over the terms in the given order and
	// returns its wire: every partial sum is a function of a range of
	// consecutive terms, which keeps its BDD small (a chain would build
	// sums of ever longer prefixes, quadratic in BDD size each).
	type term struct {
		e   string
		col int
	}
	nsum := 0
	var sum func(terms []term) string
	sum = func(terms []term) string {
		nsum++
		name := fmt.Sprintf("s%d", nsum)
		switch len(terms) {
		case 0:
			fmt.Fprintf(&b, "  wire [%d:0] %s = %d'd0;\n", w-1, name, w)
		case 1:
			t := terms[0]
			parts := []string{}
			if z := w - 1 - t.col; z > 0 {
				parts = append(parts, fmt.Sprintf("%d'd0", z))
			}
			parts = append(parts, t.e)
			if t.col > 0 {
				parts = append(parts, fmt.Sprintf("%d'd0", t.col))
			}
			fmt.Fprintf(&b, "  wire [%d:0] %s = {%s};\n", w-1, name, strings.Join(parts, ", "))
		default:
			l, r := sum(terms[:len(terms)/2]), sum(terms[len(terms)/2:])
			fmt.Fprintf(&b, "  wire [%d:0] %s = %s + %s;\n", w-1, name, l, r)
		}
		return name
	}
	// level sums: the cut inputs X_l (free) in x order, and the cut outputs
	// Y_l ordered by the input position of the counter or pass producing
	// them (so that each partial sum depends on a prefix of x).
	inSum := func(l int) []term {
		var ts []term
		for _, lw := range wires {
			if lw.Level == l {
				for i := 0; i < lw.Height; i++ {
					ts = append(ts, term{fmt.Sprintf("x[%d]", lw.Off+i), lw.Col})
				}
			}
		}
		return ts
	}
	outSum := func(l int) ([]term, error) {
		lv := tr.Levels[l-1]
		type producer struct {
			key  [2]int
			outs []Sig
		}
		var ps []producer
		for _, c := range lv.Counters {
			key := [2]int{c.In[0].Col, c.In[0].Index}
			if c.Fold { // level 1: in lane order (the order of x)
				key = [2]int{tr.Terms[c.In[0].Col][c.In[0].Index].B / max(1, tr.BBits()/tr.N), c.In[0].Col}
			}
			ps = append(ps, producer{key, c.Out})
		}
		for _, p := range lv.Passes {
			ps = append(ps, producer{[2]int{p.From.Col, p.From.Index}, []Sig{p.To}})
		}
		sort.SliceStable(ps, func(i, j int) bool {
			a, c := ps[i].key, ps[j].key
			return a[0] < c[0] || a[0] == c[0] && a[1] < c[1]
		})
		var ts []term
		seen := map[[2]int]bool{}
		for _, p := range ps {
			for _, o := range p.outs {
				k := [2]int{o.Col, o.Index}
				lw, ok := byName[[2]int{l, o.Col}]
				if !ok || o.Index >= lw.Height || seen[k] {
					return nil, fmt.Errorf("cut proof: level %d bit %v is not a new bit of the level", l, o)
				}
				seen[k] = true
				ts = append(ts, term{fmt.Sprintf("y_%s[%d]", lw.Name, o.Index), o.Col})
			}
		}
		for _, lw := range wires {
			if lw.Level == l {
				for i := 0; i < lw.Height; i++ {
					if !seen[[2]int{lw.Col, i}] {
						return nil, fmt.Errorf("cut proof: level %d bit %s[%d] has no producer in the plan", l, lw.Name, i)
					}
				}
			}
		}
		return ts, nil
	}

	// The specification: the behavioural reference (Reference), on the
	// same a and b.
	bport := ""
	if tr.BBits() > 0 {
		bport = ", .b_i(b)"
	}
	fmt.Fprintf(&b, "  wire [%d:0] ref;\n  %s u_ref (.a_i(a)%s, .count_o(ref));\n", w-1, ref, bport)
	var bads []string
	prev := "ref"
	for l := 1; l <= len(tr.Levels); l++ {
		ts, err := outSum(l)
		if err != nil {
			return nil, "", err
		}
		out := sum(ts)
		bads = append(bads, fmt.Sprintf("(%s != %s)", out, prev))
		prev = sum(inSum(l))
	}
	bads = append(bads, fmt.Sprintf("(cnt != %s)", prev))
	fmt.Fprintf(&b, "  assign bad = %s;\nendmodule\n", strings.Join(bads, "\n    | "))
	return wires, b.String(), nil
}

// cutYosysScript reads the tree (file), cuts it at the level wires, adds
// the reference and the checker and writes it as AIGER to aig.
func cutYosysScript(tree, ref, chk, gate string, wires []cutLevelWire, aig string) string {
	var sel []string
	for _, lw := range wires {
		sel = append(sel, "w:"+lw.Name)
	}
	cut := ""
	if len(sel) > 0 {
		// insbuf: a pass (assign lL_cC[i] = lM_cD[j]) would otherwise make
		// two level wires one net.
		cut = fmt.Sprintf("insbuf; expose -cut -sep _ %s; ", strings.Join(sel, " "))
	}
	return fmt.Sprintf("read_verilog %s; hierarchy -check -top %s; setattr -mod -unset keep_hierarchy; proc -norom; flatten; %s"+
		"read_verilog %s %s; hierarchy -check -top chk; proc -norom; flatten; opt; setundef -zero; techmap; opt -fast; aigmap; opt_clean; "+
		"select -assert-count 1 o:bad; write_aiger -zinit %s", tree, gate, cut, ref, chk, aig)
}

// bddCollapseLimit bounds the live BDD nodes of a cut proof (collapse -B):
// far above what the proofs need (a few 10^5 nodes at 256 lanes), far
// below what would exhaust memory.
const bddCollapseLimit = 20_000_000

// proveCut proves the tree for o (its Verilog gv, perhaps mutated) equal to
// the popcount by the cut proof; it returns the CPU time of the tools.
func proveCut(t testing.TB, dir string, o Options, gate, gv string, timeout time.Duration) (time.Duration, error) {
	requireTool(t, "yosys")
	requireTool(t, "yosys-abc")
	tr, err := Plan(o)
	if err != nil {
		return 0, err
	}
	ref, rv, err := Reference(o)
	if err != nil {
		return 0, err
	}
	wires, chk, err := cutChecker(tr, gate, ref)
	if err != nil {
		return 0, err
	}
	tree := writeModule(t, dir, gate, gv)
	refFile := writeModule(t, dir, ref, rv)
	chkFile := writeModule(t, dir, "chk", chk)
	aig := filepath.Join(dir, "chk.aig")
	// -e: a resized port (a checker width that is not the netlist's), an
	// out-of-range bit select or an implicit net (would read 'x', which
	// setundef makes 0) is an error, not a warning.
	out, cpu, err := runCPU(t, dir, timeout, "yosys", "-q", "-e", "Resizing cell port", "-e", "out of bounds",
		"-e", "implicitly declared", "-p", cutYosysScript(tree, refFile, chkFile, gate, wires, aig))
	if err != nil {
		return cpu, fmt.Errorf("yosys: %v\n%s", err, tail(out, 10))
	}
	// collapse -r: no dynamic reordering (the checker's input order is
	// already good; sifting only costs time).
	out, cpu2, err := runCPU(t, dir, timeout, "yosys-abc", "-c",
		fmt.Sprintf("read %s; strash; collapse -r -v -B %d; print_stats; strash; sat -v", aig, bddCollapseLimit))
	return cpu + cpu2, abcVerdict(out, err, collapsedRe)
}

// collapsedRe matches ABC's statistics line of a collapsed network (BDD
// nodes), which shows that collapse succeeded.
var collapsedRe = regexp.MustCompile(`(?m)\bnd =\s+\d+\s+edge =\s+\d+\s+bdd\s+=`)

// abcVerdict reads an ABC proof log: UNSATISFIABLE is a proof,
// SATISFIABLE a counterexample; need, if set, must match first (for the
// cut proof: that collapse built the BDD).
func abcVerdict(out string, err error, need *regexp.Regexp) error {
	switch {
	case err != nil:
		return fmt.Errorf("yosys-abc: %v\n%s", err, tail(out, 10))
	case need != nil && !need.MatchString(out):
		return fmt.Errorf("yosys-abc: BDD construction did not finish\n%s", tail(out, 10))
	case strings.Contains(out, "UNSATISFIABLE"):
		return nil
	case strings.Contains(out, "SATISFIABLE"):
		return fmt.Errorf("%w: %s", errNotEqual, tail(out, 3))
	}
	return fmt.Errorf("yosys-abc: no verdict\n%s", tail(out, 10))
}
