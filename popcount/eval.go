package popcount

import "fmt"

// Eval computes the tree's count for one input, bit level by bit level, the
// way the Verilog does: a[i] is lane i of a_i and, with XNOR, b[i] of b_i
// (b is ignored otherwise). Tests compare it with a plain popcount; it is the
// tree's executable specification.
func (t *Tree) Eval(a, b []bool) (int, error) {
	if len(a) != t.N || (t.XNOR && len(b) != t.N) {
		return 0, fmt.Errorf("popcount: Eval of %s needs %d lanes, got %d and %d", t.Name(), t.N, len(a), len(b))
	}
	// cols[c][i] is bit i of column c of the current level.
	cols := [][]bool{append([]bool(nil), a...)}
	for lvIdx, lv := range t.Levels {
		next := make([][]bool, len(lv.Heights))
		for c, n := range lv.Heights {
			next[c] = make([]bool, n)
		}
		for _, ctr := range lv.Counters {
			sum := 0
			for _, s := range ctr.In {
				v := cols[s.Col][s.Index]
				if ctr.XNOR {
					v = a[s.Index] == b[s.Index]
				}
				if v {
					sum++
				}
			}
			for k, o := range ctr.Out {
				next[o.Col][o.Index] = sum>>k&1 == 1
			}
		}
		for _, p := range lv.Passes {
			if lvIdx == 0 && t.XNOR {
				return 0, fmt.Errorf("popcount: internal error: %s passes a lane without its XNOR", t.Name())
			}
			next[p.To.Col][p.To.Index] = cols[p.From.Col][p.From.Index]
		}
		cols = next
	}
	sum := 0
	for c, col := range cols {
		for _, v := range col {
			if v {
				sum += 1 << c
			}
		}
	}
	return sum % (1 << t.Width), nil
}
