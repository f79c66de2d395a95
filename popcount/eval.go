package popcount

import "fmt"

// Eval computes the tree's count for one input, bit level by bit level, the
// way the Verilog does: a[i] is bit i of a_i and b[i] bit i of b_i (b is
// ignored when the module has no b_i). Tests compare it with a plain
// popcount, or with the sum of LaneValue for a lane-product tree; it is the
// tree's executable specification.
func (t *Tree) Eval(a, b []bool) (int, error) {
	if len(a) != t.ABits() || (t.BBits() > 0 && len(b) != t.BBits()) {
		return 0, fmt.Errorf("popcount: Eval of %s needs %d and %d bits, got %d and %d", t.Name(), t.ABits(), t.BBits(), len(a), len(b))
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
				var v bool
				if ctr.Fold {
					tm := t.Terms[s.Col][s.Index]
					v = tm.Op.Eval(a[tm.A], b[tm.B])
				} else {
					v = cols[s.Col][s.Index]
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
			if lvIdx == 0 && t.folded() {
				return 0, fmt.Errorf("popcount: internal error: %s passes a lane term without its gate", t.Name())
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
