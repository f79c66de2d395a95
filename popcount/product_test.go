package popcount

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// productTag is the product of o for the formal-result log line ("" for a
// popcount).
func productTag(o Options) string {
	if o.Product == ProductNone {
		return ""
	}
	return fmt.Sprintf(" product=%s w=%d x=%d", o.Product, o.WBits, o.XBits)
}

// field is bits [i*w, (i+1)*w) of v as an integer.
func field(v []bool, i, w int) int {
	n := 0
	for k := 0; k < w; k++ {
		if v[i*w+k] {
			n |= 1 << k
		}
	}
	return n
}

// wantSum is what the module for o must output: the popcount (of the
// agreeing lanes with XNOR) or, for a lane-product tree, the sum of the
// lane values, computed from the signed products (LaneProduct, LaneScale,
// LaneOffset), not from the planes.
func wantSum(o Options, a, b []bool) int {
	if o.Product == ProductNone {
		return wantCount(a, b, o.XNOR)
	}
	var sum int64
	for s := 0; s < o.N; s++ {
		w, x := field(a, s, o.WBits), field(b, s, o.XBits)
		sum += (o.LaneProduct(w, x) + o.LaneOffset(w)) / o.LaneScale()
	}
	return int(sum)
}

// productOptions is a set of lane-product kinds and widths.
func productOptions(n int) []Options {
	return []Options{
		{N: n, Product: ProductW1, WBits: 1, XBits: 1},
		{N: n, Product: ProductW1, WBits: 1, XBits: 2},
		{N: n, Product: ProductW1, WBits: 1, XBits: 3},
		{N: n, Product: ProductX1, WBits: 2, XBits: 1},
		{N: n, Product: ProductX1, WBits: 3, XBits: 1},
		{N: n, Product: ProductMul, WBits: 2, XBits: 2},
		{N: n, Product: ProductMul, WBits: 3, XBits: 2},
		{N: n, Product: ProductMul, WBits: 1, XBits: 2},
	}
}

// TestLaneIdentity: for every weight and input code, LaneScale * LaneValue
// == LaneProduct + LaneOffset, the lane value is in [0, LaneMax], and the
// products are the signed products of docs/dataflow.md, checked against
// values written out by hand.
func TestLaneIdentity(t *testing.T) {
	for _, k := range []Product{ProductW1, ProductX1, ProductMul} {
		for wb := 1; wb <= 4; wb++ {
			for xb := 1; xb <= 4; xb++ {
				o := Options{N: 1, Product: k, WBits: wb, XBits: xb}
				if o.Validate() != nil {
					continue
				}
				for w := 0; w < 1<<wb; w++ {
					for x := 0; x < 1<<xb; x++ {
						v := o.LaneValue(w, x)
						if pv := o.planeValue(w, x); pv != v {
							t.Fatalf("%s w=%d x=%d: value %d, planes %d", o.Name(), w, x, v, pv)
						}
						if o.LaneScale()*v != o.LaneProduct(w, x)+o.LaneOffset(w) || v < 0 || v > o.LaneMax() {
							t.Fatalf("%s w=%d x=%d: value %d, product %d, offset %d", o.Name(), w, x, v, o.LaneProduct(w, x), o.LaneOffset(w))
						}
					}
				}
			}
		}
	}
	for _, c := range []struct {
		o    Options
		w, x int
		p    int64
	}{
		{Options{Product: ProductW1, WBits: 1, XBits: 2}, 0, 3, -3},
		{Options{Product: ProductW1, WBits: 1, XBits: 2}, 1, 2, 2},
		{Options{Product: ProductX1, WBits: 2, XBits: 1}, 2, 1, -2}, // w = -2, x = +1
		{Options{Product: ProductX1, WBits: 2, XBits: 1}, 3, 0, 1},  // w = -1, x = -1
		{Options{Product: ProductMul, WBits: 2, XBits: 2}, 2, 3, -6},
		{Options{Product: ProductMul, WBits: 3, XBits: 2}, 3, 3, 9},
	} {
		if got := c.o.LaneProduct(c.w, c.x); got != c.p {
			t.Errorf("%s w=%d x=%d: product %d, want %d", c.o.Product, c.w, c.x, got, c.p)
		}
	}
}

// TestEvalProducts: the planned lane-product trees sum right for widths
// 1..24 and some wider ones on edge and random inputs, and their wiring is
// sound.
func TestEvalProducts(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	widths := []int{36, 63, 64, 65, 100, 128, 256}
	for n := 1; n <= 24; n++ {
		widths = append(widths, n)
	}
	for _, n := range widths {
		for _, o := range productOptions(n) {
			tr, err := Plan(o)
			if err != nil {
				t.Fatal(err)
			}
			cases := [][2][]bool{
				{make([]bool, o.ABits()), make([]bool, o.BBits())},
				{allOnes(o.ABits()), make([]bool, o.BBits())},
				{make([]bool, o.ABits()), allOnes(o.BBits())},
				{allOnes(o.ABits()), allOnes(o.BBits())},
			}
			for k := 0; k < 20; k++ {
				cases = append(cases, [2][]bool{randomLanes(r, o.ABits()), randomLanes(r, o.BBits())})
			}
			for _, c := range cases {
				got, err := tr.Eval(c[0], c[1])
				if err != nil {
					t.Fatal(err)
				}
				if want := wantSum(o, c[0], c[1]); got != want {
					t.Fatalf("%s: sum %d, want %d", tr.Name(), got, want)
				}
			}
			checkWiring(t, tr)
		}
	}
}

func TestProductOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{N: 4, Product: "div", WBits: 1, XBits: 2},
		{N: 4, Product: ProductW1, WBits: 2, XBits: 2},
		{N: 4, Product: ProductX1, WBits: 2, XBits: 2},
		{N: 4, Product: ProductMul, WBits: 0, XBits: 2},
		{N: 4, Product: ProductMul, WBits: 2, XBits: 9},
		{N: 4, Product: ProductW1, WBits: 1, XBits: 2, XNOR: true},
		{N: 4, WBits: 1},
	} {
		if _, err := Plan(o); err == nil || !strings.HasPrefix(err.Error(), "popcount: ") {
			t.Errorf("%+v: err = %v", o, err)
		}
	}
}

// TestIcarusProducts simulates lane-product trees (combinational and
// pipelined) against wantSum.
func TestIcarusProducts(t *testing.T) {
	requireTool(t, "iverilog")
	for _, n := range []int{1, 16, 100} {
		for _, o := range productOptions(n) {
			for _, p := range []int{0, 2} {
				o := o
				o.PipelineEvery = p
				t.Run(o.Name(), func(t *testing.T) {
					t.Parallel()
					simulate(t, o, 120, int64(n*10+p))
				})
			}
		}
	}
}

// TestFormalProducts proves lane-product trees equal to the behavioural
// lane sum (productReference): Yosys sat on small trees, the cut proof at
// 36 lanes (w1a2) in CI; with -long the cut proof at 64 and 256 lanes of
// w1a2, 64 of x1 w2 and mul w2a2.
func TestFormalProducts(t *testing.T) {
	type proof struct {
		o      Options
		engine string
	}
	proofs := []proof{
		{Options{N: 4, Product: ProductW1, WBits: 1, XBits: 2}, engineSAT},
		{Options{N: 3, Product: ProductX1, WBits: 2, XBits: 1}, engineSAT},
		{Options{N: 2, Product: ProductMul, WBits: 2, XBits: 2}, engineSAT},
		{Options{N: 36, Product: ProductW1, WBits: 1, XBits: 2}, engineCut},
		{Options{N: 16, Product: ProductMul, WBits: 2, XBits: 2}, engineCut},
	}
	if *long {
		proofs = append(proofs,
			proof{Options{N: 64, Product: ProductW1, WBits: 1, XBits: 2}, engineCut},
			proof{Options{N: 256, Product: ProductW1, WBits: 1, XBits: 2}, engineCut},
			proof{Options{N: 64, Product: ProductX1, WBits: 2, XBits: 1}, engineCut},
			proof{Options{N: 64, Product: ProductMul, WBits: 2, XBits: 2}, engineCut},
		)
	}
	for _, p := range proofs {
		t.Run(p.o.Name()+"/"+strings.ReplaceAll(p.engine, " ", "_"), func(t *testing.T) {
			if p.o.N >= 16 && testing.Short() {
				t.Skip("-short")
			}
			t.Parallel()
			start := time.Now()
			cpu, err := prove(t, p.o, p.engine, nil)
			if err != nil {
				reportProof(t, p.o, p.engine, time.Since(start), cpu, "error")
				t.Fatal(err)
			}
			reportProof(t, p.o, p.engine, time.Since(start), cpu, "proven")
		})
	}
}

// TestFormalProductsNegativeControl: a wrong lane-product tree is caught:
// one flipped entry of a gate-counter ROM (sat and the cut proof), and an
// AND plane's gate made XNOR in the plan's first level (the cut proof).
func TestFormalProductsNegativeControl(t *testing.T) {
	w1a2 := Options{N: 36, Product: ProductW1, WBits: 1, XBits: 2}
	mul := Options{N: 2, Product: ProductMul, WBits: 2, XBits: 2}
	controls := []struct {
		o      Options
		engine string
		what   string
		from   string
		to     string
	}{
		{mul, engineSAT, "rom", "6'b000000: gcnt3_2_aan = 2'd1;", "6'b000000: gcnt3_2_aan = 2'd0;"},
		{w1a2, engineCut, "rom", "6'b010101: xcnt3_2 = 2'd0;", "6'b010101: xcnt3_2 = 2'd2;"},
	}
	for _, c := range controls {
		t.Run(c.o.Name()+"/"+c.what+"/"+strings.ReplaceAll(c.engine, " ", "_"), func(t *testing.T) {
			if c.o.N >= 16 && testing.Short() {
				t.Skip("-short")
			}
			t.Parallel()
			start := time.Now()
			cpu, err := prove(t, c.o, c.engine, replaceOnce(t, c.o.Name(), c.from, c.to))
			if !errors.Is(err, errNotEqual) {
				reportProof(t, c.o, c.engine+", wrong tree ("+c.what+")", time.Since(start), cpu, "NOT caught")
				t.Fatalf("wrong tree not caught: %v", err)
			}
			reportProof(t, c.o, c.engine+", wrong tree ("+c.what+")", time.Since(start), cpu, "caught")
		})
	}
}

// TestFormalProductsPipelined: a pipelined w1a2 tree equals the reference
// delayed by Latency() enabled cycles (bounded model checking).
func TestFormalProductsPipelined(t *testing.T) {
	requireTool(t, "yosys")
	o := Options{N: 6, Product: ProductW1, WBits: 1, XBits: 2, PipelineEvery: 1}
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
}

// treeSource is the tree for o and the counter modules it instantiates, in
// one source text (for the tests; rtlgen writes one module per file).
func treeSource(t testing.TB, o Options) (string, string) {
	t.Helper()
	tr, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	name, v := tr.Verilog()
	for _, m := range tr.CounterModules() {
		v += "\n" + m[1]
	}
	return name, v
}
