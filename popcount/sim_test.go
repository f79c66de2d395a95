package popcount

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIcarus simulates trees with Icarus Verilog (iverilog -g2005) on
// random inputs (and, pipelined, a random enable) against Go's popcount.
func TestIcarus(t *testing.T) {
	requireTool(t, "iverilog")
	widths := []int{1, 2, 3, 5, 6, 7, 13, 36, 63, 64, 65, 100, 128, 255, 256, 300}
	for _, n := range widths {
		for _, xnor := range []bool{false, true} {
			for _, p := range []int{0, 2} {
				o := Options{N: n, XNOR: xnor, PipelineEvery: p}
				t.Run(o.Name(), func(t *testing.T) {
					t.Parallel()
					simulate(t, o, 200, int64(n*10+p))
				})
			}
		}
	}
}

// simulate runs k cycles of random vectors through the tree for o.
func simulate(t *testing.T, o Options, k int, seed int64) {
	tr, err := Plan(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	name, v := treeSource(t, o)
	writeModule(t, dir, name, v)
	r := rand.New(rand.NewSource(seed))
	var ha, hb, he, hx strings.Builder
	var enabled [][2][]bool // inputs at enabled clock edges
	for c := 0; c < k; c++ {
		na, nb := o.ABits(), max(o.BBits(), o.N)
		a, b := randomLanes(r, na), randomLanes(r, nb)
		if c%7 == 0 { // edge cases: all ones, all zeros
			a, b = allOnes(na), make([]bool, nb)
		}
		if c%7 == 3 {
			a, b = make([]bool, na), allOnes(nb)
		}
		en := tr.Latency() == 0 || r.Intn(4) != 0
		// Expected before this cycle's edge: the count of the input of the
		// Latency()-th most recent enabled edge.
		check, want := true, 0
		switch L := tr.Latency(); {
		case L == 0:
			want = wantSum(o, a, b)
		case len(enabled) >= L:
			e := enabled[len(enabled)-L]
			want = wantSum(o, e[0], e[1])
		default:
			check = false
		}
		if en {
			enabled = append(enabled, [2][]bool{a, b})
		}
		fmt.Fprintln(&ha, hexBits(a))
		fmt.Fprintln(&hb, hexBits(b))
		fmt.Fprintf(&he, "%d\n", b2i(en))
		fmt.Fprintf(&hx, "%x\n", want|b2i(check)<<tr.Width)
	}
	for f, s := range map[string]string{"a.hex": ha.String(), "b.hex": hb.String(), "en.hex": he.String(), "exp.hex": hx.String()} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeModule(t, dir, "tb", testbench(tr, k))
	if out, err := run(t, dir, 2*time.Minute, "iverilog", "-g2005", "-Wall", "-o", "sim", "tb.v", name+".v"); err != nil {
		t.Fatalf("iverilog: %v\n%s", err, tail(out, 20))
	}
	out, err := run(t, dir, 2*time.Minute, "vvp", "-n", "sim")
	if err != nil || !strings.Contains(out, "DONE 0 errors") {
		t.Fatalf("vvp: %v\n%s", err, tail(out, 20))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hexBits is lanes as a hex word, lane 0 the least significant bit.
func hexBits(v []bool) string {
	digits := make([]byte, (len(v)+3)/4)
	for i := range digits {
		d := 0
		for j := 0; j < 4; j++ {
			if k := 4*i + j; k < len(v) && v[k] {
				d |= 1 << j
			}
		}
		digits[len(digits)-1-i] = "0123456789abcdef"[d]
	}
	return string(digits)
}

// testbench applies vector c, checks count_o (when exp bit Width is set)
// and then clocks.
func testbench(tr *Tree, k int) string {
	n, nb, w := tr.ABits(), max(tr.BBits(), tr.N), tr.Width
	var ports []string
	if tr.Latency() > 0 {
		ports = append(ports, ".clk_i(clk)", ".en_i(en)")
	}
	ports = append(ports, ".a_i(a)")
	if tr.BBits() > 0 {
		ports = append(ports, ".b_i(b)")
	}
	ports = append(ports, ".count_o(count)")
	return fmt.Sprintf(`module tb;
  reg [%[1]d:0] va [0:%[3]d];
  reg [%[7]d:0] vb [0:%[3]d];
  reg [0:0] ven [0:%[3]d];
  reg [%[2]d:0] vexp [0:%[3]d];
  reg clk;
  reg en;
  reg [%[1]d:0] a;
  reg [%[7]d:0] b;
  wire [%[4]d:0] count;
  integer c;
  integer errors;

  %[5]s u_dut (%[6]s);

  initial begin
    $readmemh("a.hex", va);
    $readmemh("b.hex", vb);
    $readmemh("en.hex", ven);
    $readmemh("exp.hex", vexp);
    errors = 0;
    clk = 1'b0;
    for (c = 0; c <= %[3]d; c = c + 1) begin
      a = va[c];
      b = vb[c];
      en = ven[c][0];
      #1;
      if (vexp[c][%[2]d] && count !== vexp[c][%[4]d:0]) begin
        errors = errors + 1;
        $display("cycle %%0d: count %%0d, want %%0d", c, count, vexp[c][%[4]d:0]);
      end
      clk = 1'b1;
      #1;
      clk = 1'b0;
    end
    $display("DONE %%0d errors", errors);
    $finish;
  end
endmodule
`, n-1, w, k-1, w-1, tr.Name(), strings.Join(ports, ", "), nb-1)
}
