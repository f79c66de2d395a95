package popcount

import (
	"fmt"
	"math/bits"
	"strings"
)

// counterFunc names the Verilog function of a counter with k inputs and m
// outputs: cnt6_3 (plain bits); for a folded counter, ops holds the gate of
// each of its k terms (input j first): xcnt3_2 when all are XNOR, else
// gcnt3_2_aan.
func counterFunc(k, m int, ops string) string {
	switch {
	case ops == "":
		return fmt.Sprintf("cnt%d_%d", k, m)
	case strings.Trim(ops, string(OpXNOR)) == "":
		return fmt.Sprintf("xcnt%d_%d", k, m)
	}
	return fmt.Sprintf("gcnt%d_%d_%s", k, m, ops)
}

// counterVerilog is the function of a counter as a case ROM: one entry per
// input value, so that synthesis maps each output bit to one LUT. With ops
// (a folded counter) the input packs term j as x[2j+1] (a) and x[2j] (b),
// and the function counts the terms whose gate ops[j] is 1.
func counterVerilog(k, m int, ops string) string {
	name := counterFunc(k, m, ops)
	in := k
	what := fmt.Sprintf("the number of ones among the %d bits of x", k)
	switch {
	case ops != "" && strings.Trim(ops, string(OpXNOR)) == "":
		in = 2 * k
		what = fmt.Sprintf("the number of the %d lanes {x[2j+1], x[2j]} whose bits agree (XNOR)", k)
	case ops != "":
		in = 2 * k
		what = fmt.Sprintf("the number of the %d terms {x[2j+1], x[2j]} whose gate is 1 (%s)", k, gateNames(ops))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  // %s: %s, modulo 2^%d; a case ROM, one LUT per output bit.\n", name, what, m)
	fmt.Fprintf(&b, "  function automatic [%d:0] %s;\n", m-1, name)
	fmt.Fprintf(&b, "    input [%d:0] x;\n", in-1)
	b.WriteString("    begin\n")
	b.WriteString("      case (x)\n")
	for v := 0; v < 1<<in; v++ {
		n := bits.OnesCount(uint(v))
		if ops != "" {
			n = 0
			for j := 0; j < k; j++ {
				if Op(ops[j]).Eval(v>>(2*j+1)&1 == 1, v>>(2*j)&1 == 1) {
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

// gateNames spells the gate of each term: "term 0 AND, term 1 NAND".
func gateNames(ops string) string {
	name := map[Op]string{OpXNOR: "XNOR", OpAND: "AND", OpNAND: "NAND"}
	var parts []string
	for j := 0; j < len(ops); j++ {
		parts = append(parts, fmt.Sprintf("term %d %s", j, name[Op(ops[j])]))
	}
	return strings.Join(parts, ", ")
}
