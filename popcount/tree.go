package popcount

import (
	"fmt"
	"math/bits"
	"sort"
)

// Sig is one bit of a tree: bit Index of column Col (weight 2^Col) after
// Level counter levels. Level 0 is the input: column 0 holds a_i, or with
// XNOR the lanes (a_i[Index], b_i[Index]).
type Sig struct {
	Level, Col, Index int
}

// Counter adds the bits In, all of weight 2^Col (with Fold, the level-0
// lane terms Tree.Terms[Col][In[j].Index], each a gate of two input bits:
// the XNOR of a lane, or a product tree's plane bit), and writes bit k of
// the sum to Out[k], in column Col+k. Sum bits of weight 2^Width or more
// are always 0 and are not produced, so len(Out) may be smaller than the
// bits of len(In). Each output is one LUT: a function of at most six inputs.
type Counter struct {
	Col  int
	Fold bool
	In   []Sig
	Out  []Sig
}

// Pass copies a bit unchanged to the next level.
type Pass struct {
	From, To Sig
}

// Level is one stage of counters. Heights[c] is the number of bits in
// column c after the level.
type Level struct {
	Counters   []Counter
	Passes     []Pass
	Heights    []int
	Registered bool // a register rank follows this level
}

// Tree is a planned popcount tree. Levels are the counter levels; when
// Adder is set a final binary adder adds the two rows left (and the third
// bit of the lowest column as carry-in) to give the count. Terms is the
// folded first level's input (XNOR trees and lane-product trees): column c
// holds the terms Terms[c]; nil for a plain popcount (column 0 is a_i).
type Tree struct {
	Options
	Width  int
	Levels []Level
	Adder  bool
	Terms  [][]Term
}

// Plan builds the tree for opts: the fewest counter levels that reach the
// final adder, and among those the fewest LUTs (a small search over the
// column height each level reduces to).
func Plan(opts Options) (*Tree, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	t := &Tree{Options: opts, Width: opts.SumWidth(), Terms: opts.terms()}
	h := []int{opts.N}
	if opts.folded() {
		h = make([]int, len(t.Terms))
		ones := make([]int, t.Width)
		for c, ts := range t.Terms {
			h[c], ones[c] = len(ts), 1
		}
		lv := t.reduce(h, ones, true)
		t.Levels = append(t.Levels, lv)
		h = lv.Heights
	}
	for _, tg := range t.search(h) {
		lv := t.reduce(h, tg, false)
		t.Levels = append(t.Levels, lv)
		h = lv.Heights
	}
	t.Adder = t.needsAdder(h)
	t.placeRegisters()
	return t, nil
}

// done reports whether the final adder can take the columns h: at most two
// bits per column and three (the carry-in) in the lowest occupied one.
func (t *Tree) done(h []int) bool {
	low := true
	for _, n := range h {
		if n == 0 {
			continue
		}
		if n > 3 || (n == 3 && !low) {
			return false
		}
		low = false
	}
	return true
}

// needsAdder reports whether the columns h need an adder (some column holds
// more than one bit) rather than wiring.
func (t *Tree) needsAdder(h []int) bool {
	for _, n := range h {
		if n > 1 {
			return true
		}
	}
	return false
}

// beamWidth is the number of partial trees the search keeps per level.
const beamWidth = 24

// maxCandidates bounds the target heights tried per partial tree and level.
const maxCandidates = 12

// state is a partial tree in the search: the columns reached, the LUTs
// spent and the target heights of its levels.
type state struct {
	h       []int
	luts    int
	targets [][]int
}

// search chooses the target heights of the counter levels that take h to
// the adder's shape: as few levels as greedy (maximal) reduction needs, and
// among those few LUTs. It is a beam search over the target height of each
// level, ranking partial trees by LUTs spent plus a lower bound on those to
// come (a counter LUT removes at most one bit).
func (t *Tree) search(h []int) [][]int {
	levels := t.greedyLevels(h)
	beam := []state{{h: h}}
	var best *state
	for step := 0; step < levels && len(beam) > 0; step++ {
		next := map[string]state{}
		for _, st := range beam {
			for _, tg := range t.candidates(st.h) {
				lv := t.reduce(st.h, tg, false)
				if equal(lv.Heights, st.h) || t.greedyLevels(lv.Heights) > levels-step-1 {
					continue
				}
				ns := state{h: lv.Heights, luts: st.luts + lv.luts(),
					targets: append(append([][]int(nil), st.targets...), tg)}
				if t.done(ns.h) {
					if best == nil || ns.luts < best.luts {
						best = &ns
					}
					continue
				}
				k := fmt.Sprint(ns.h)
				if old, ok := next[k]; !ok || ns.luts < old.luts {
					next[k] = ns
				}
			}
		}
		beam = beam[:0]
		for _, st := range next {
			beam = append(beam, st)
		}
		sort.Slice(beam, func(i, j int) bool {
			bi, bj := beam[i].luts+t.lowerBound(beam[i].h), beam[j].luts+t.lowerBound(beam[j].h)
			if bi != bj {
				return bi < bj
			}
			return fmt.Sprint(beam[i].h) < fmt.Sprint(beam[j].h) // deterministic
		})
		if len(beam) > beamWidth {
			beam = beam[:beamWidth]
		}
	}
	if best == nil { // cannot happen: greedy reduction itself is a candidate path
		return t.greedyTargets(h)
	}
	return best.targets
}

// lowerBound is the fewest counter LUTs that can take h to two rows: each
// LUT removes at most one bit.
func (t *Tree) lowerBound(h []int) int {
	n := 0
	for _, x := range h {
		n += max(0, x-2)
	}
	return n
}

// greedyTargets is the targets of greedy reduction: the adder's shape at
// every level.
func (t *Tree) greedyTargets(h []int) [][]int {
	var out [][]int
	for !t.done(h) && len(out) <= 64 {
		tg := t.candidates(h)[0]
		h = t.reduce(h, tg, false).Heights
		out = append(out, tg)
	}
	return out
}

// greedyLevels is the number of levels greedy reduction needs from h.
func (t *Tree) greedyLevels(h []int) int {
	return len(t.greedyTargets(h))
}

// candidates is the target height vectors tried for the level after h: the
// adder's shape, and uniform heights below the tallest column.
func (t *Tree) candidates(h []int) [][]int {
	cur := 0
	for _, n := range h {
		cur = max(cur, n)
	}
	final := make([]int, t.Width)
	low := true
	for c := range final {
		final[c] = 2
		if low && c < len(h) && h[c] > 0 {
			final[c], low = 3, false
		}
	}
	out := [][]int{final}
	lo, hi := 3, cur-1
	step := max(1, (hi-lo+1+maxCandidates-2)/(maxCandidates-1))
	for v := hi; v >= lo; v -= step {
		tg := make([]int, t.Width)
		for c := range tg {
			tg[c] = v
		}
		out = append(out, tg)
	}
	return out
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// outputs is the number of sum bits a counter of k inputs in column c
// produces: the bits of k, without those of weight 2^Width or more.
func (t *Tree) outputs(c, k int) int {
	return min(bits.Len(uint(k)), t.Width-c)
}

// luts is the level's LUTs: one per counter output.
func (lv *Level) luts() int {
	n := 0
	for _, c := range lv.Counters {
		n += len(c.Out)
	}
	return n
}

// reduce plans the counter level after the level len(t.Levels) (first: the
// XNOR level on the input lanes) that takes columns h to at most tg[c] bits
// per column, as far as counters of up to six inputs allow.
func (t *Tree) reduce(h, tg []int, first bool) Level {
	lv := Level{Heights: make([]int, t.Width)}
	in := len(t.Levels)
	xnor := t.folded() && first
	for c, n := range h {
		idx := 0
		for n-idx >= 2 {
			e := lv.Heights[c] + n - idx - tg[c] // excess over the target
			if e <= 0 {
				break
			}
			k := t.counterSize(c, n-idx, e, xnor)
			ctr := Counter{Col: c, Fold: xnor}
			for i := 0; i < k; i++ {
				ctr.In = append(ctr.In, Sig{Level: in, Col: c, Index: idx + i})
			}
			idx += k
			for o := range t.outputs(c, k) {
				ctr.Out = append(ctr.Out, Sig{Level: in + 1, Col: c + o, Index: lv.Heights[c+o]})
				lv.Heights[c+o]++
			}
			lv.Counters = append(lv.Counters, ctr)
		}
		for ; idx < n; idx++ {
			to := Sig{Level: in + 1, Col: c, Index: lv.Heights[c]}
			lv.Heights[c]++
			if xnor { // a lone term still needs its gate: a 1:1 counter
				lv.Counters = append(lv.Counters, Counter{Col: c, Fold: true,
					In: []Sig{{Level: in, Col: c, Index: idx}}, Out: []Sig{to}})
				continue
			}
			lv.Passes = append(lv.Passes, Pass{From: Sig{Level: in, Col: c, Index: idx}, To: to})
		}
	}
	return lv
}

// counterSize chooses the inputs of the next counter in column c, which has
// n bits left and must shed e more: a k-input counter removes k-1 bits from
// its column (k bits in, its sum bit out) for as many LUTs as it has outputs.
func (t *Tree) counterSize(c, n, e int, xnor bool) int {
	maxK := 6
	if xnor {
		maxK = 3 // three lanes are six LUT inputs
	}
	switch {
	case e >= 3 || t.outputs(c, min(n, maxK)) == 1:
		return min(n, maxK) // the most for the same three LUTs (or one, at the top)
	case e == 2 || n >= 3:
		return min(n, 3, maxK) // 3:2, two LUTs
	default:
		return 2 // 2:2 (half adder)
	}
}

// placeRegisters marks the levels that a register rank follows.
func (t *Tree) placeRegisters() {
	p := t.PipelineEvery
	stages := t.Stages()
	for i := range t.Levels {
		s := i + 1
		t.Levels[i].Registered = p > 0 && s%p == 0 && s < stages
	}
}

// Stages is the number of stages: counter levels plus the final adder.
func (t *Tree) Stages() int {
	s := len(t.Levels)
	if t.Adder {
		s++
	}
	return s
}

// Latency is the number of clock cycles from an input to its count: the
// register ranks. Each rank loads only when en_i is 1.
func (t *Tree) Latency() int {
	n := 0
	for _, lv := range t.Levels {
		if lv.Registered {
			n++
		}
	}
	return n
}

// Depth is the logic depth in LUTs between registers: the most stages
// between two register ranks (the adder counts as one LUT level plus its
// carry chain).
func (t *Tree) Depth() int {
	if t.PipelineEvery > 0 {
		return min(t.PipelineEvery, t.Stages())
	}
	return t.Stages()
}

// Counters is the number of counters in the tree.
func (t *Tree) Counters() int {
	n := 0
	for _, lv := range t.Levels {
		n += len(lv.Counters)
	}
	return n
}

// LUTs estimates the LUTs of the tree: one per counter output plus one per
// final adder column (the adder's carry chain is CARRY4s, not counted).
func (t *Tree) LUTs() int {
	n := 0
	for _, lv := range t.Levels {
		for _, c := range lv.Counters {
			n += len(c.Out)
		}
	}
	return n + t.adderLUTs()
}

// adderLUTs is one LUT per adder column from the lowest with two bits up.
func (t *Tree) adderLUTs() int {
	if !t.Adder {
		return 0
	}
	h := t.final()
	for c, n := range h {
		if n >= 2 {
			return t.Width - c
		}
	}
	return 0
}

// Registers is the number of flip-flops of the register ranks.
func (t *Tree) Registers() int {
	n := 0
	for _, lv := range t.Levels {
		if lv.Registered {
			for _, x := range lv.Heights {
				n += x
			}
		}
	}
	return n
}

// final is the column heights that the adder (or the wiring) takes.
func (t *Tree) final() []int {
	if len(t.Levels) == 0 {
		h := make([]int, t.Width)
		h[0] = t.N
		return h
	}
	return t.Levels[len(t.Levels)-1].Heights
}

// String summarises the tree in one line.
func (t *Tree) String() string {
	return fmt.Sprintf("%s: %d levels, %d counters, adder %v, ~%d LUTs, depth %d, latency %d",
		t.Name(), len(t.Levels), t.Counters(), t.Adder, t.LUTs(), t.Depth(), t.Latency())
}
