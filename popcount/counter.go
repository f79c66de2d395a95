package popcount

import (
	"fmt"
	"math/bits"
	"strings"
)

// counterFunc names the Verilog function of a counter with k inputs (k
// lanes with XNOR) and m outputs: cnt6_3, xcnt3_2.
func counterFunc(k, m int, xnor bool) string {
	if xnor {
		return fmt.Sprintf("xcnt%d_%d", k, m)
	}
	return fmt.Sprintf("cnt%d_%d", k, m)
}

// counterVerilog is the function of a counter as a case ROM: one entry per
// input value, so that synthesis maps each output bit to one LUT. With xnor
// the input packs lane j as x[2j+1] (a) and x[2j] (b), and the function
// counts the lanes whose two bits agree.
func counterVerilog(k, m int, xnor bool) string {
	name := counterFunc(k, m, xnor)
	in := k
	what := fmt.Sprintf("the number of ones among the %d bits of x", k)
	if xnor {
		in = 2 * k
		what = fmt.Sprintf("the number of the %d lanes {x[2j+1], x[2j]} whose bits agree (XNOR)", k)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  // %s: %s, modulo 2^%d; a case ROM, one LUT per output bit.\n", name, what, m)
	fmt.Fprintf(&b, "  function automatic [%d:0] %s;\n", m-1, name)
	fmt.Fprintf(&b, "    input [%d:0] x;\n", in-1)
	b.WriteString("    begin\n")
	b.WriteString("      case (x)\n")
	for v := 0; v < 1<<in; v++ {
		n := bits.OnesCount(uint(v))
		if xnor {
			n = 0
			for j := 0; j < k; j++ {
				if v>>(2*j)&1 == v>>(2*j+1)&1 {
					n++
				}
			}
		}
		fmt.Fprintf(&b, "        %d'b%0*b: %s = %d'd%d;\n", in, in, v, name, m, n%(1<<m))
	}
	fmt.Fprintf(&b, "        default: %s = %d'd0;\n", name, m)
	b.WriteString("      endcase\n")
	b.WriteString("    end\n")
	b.WriteString("  endfunction\n")
	return b.String()
}
