package hw

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// romColumns counts the distinct non-constant bit columns of a ROM given
// as whole words (bit i of word k is column i's entry k).
func romColumns(words []*big.Int, width int) int {
	seen := map[string]bool{}
	for i := 0; i < width; i++ {
		col := make([]byte, len(words))
		ones := 0
		for k, w := range words {
			col[k] = byte(w.Bit(i))
			ones += int(col[k])
		}
		if ones > 0 && ones < len(words) {
			seen[string(col)] = true
		}
	}
	return len(seen)
}

// thrWords builds the threshold ROM words from docs/dataflow.md's layout:
// word nf, PE p at p*(NumThr*ThrWidth+1), threshold j at j*ThrWidth (two's
// complement), the reversed flag on top.
func thrWords(l *Layer) []*big.Int {
	entry := l.NumThr*l.ThrWidth + 1
	words := make([]*big.Int, l.NF)
	for nf := range words {
		w := new(big.Int)
		for p := 0; p < l.PE; p++ {
			t, rev := l.Thresholds(nf*l.PE + p)
			for j, v := range t {
				for b := 0; b < l.ThrWidth; b++ {
					w.SetBit(w, p*entry+j*l.ThrWidth+b, uint(uint64(v)>>b&1))
				}
			}
			if rev {
				w.SetBit(w, p*entry+entry-1, 1)
			}
		}
		words[nf] = w
	}
	return words
}

// TestActROMEstimate: a LUT-built threshold ROM is estimated from the
// distinct non-constant columns of its words as the dataflow contract lays
// them out (a register each, 4% more LUTs); a one-word ROM is constant
// (nothing); a ROM deeper than 64 keeps the shape-based estimate.
func TestActROMEstimate(t *testing.T) {
	n, err := netlist.Random(rand.New(rand.NewPCG(6, 6)), netlist.RandomConfig{
		Input: netlist.Shape{C: 1, H: 8, W: 8}, InputBits: 1, Hidden: []int{96, 40, 130}, ActBits: []int{2, 1, 2}, Classes: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(n, Options{Folds: []Fold{{PE: 8, SIMD: 16}, {PE: 40, SIMD: 8}, {PE: 2, SIMD: 8}, {PE: 2, SIMD: 2}},
		Popcount: PopcountTree, Target: TargetXC7})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range p.Layers[:2] {
		want := romColumns(thrWords(l), l.ThrMem.Width)
		if got := l.actColumns(); got != want {
			t.Errorf("layer %d: %d columns, the ROM words have %d", i, got, want)
		}
		if r := l.actROMEstimate(); r.FF != want || r.LUT != want+(want+24)/25 {
			t.Errorf("layer %d: ROM estimate %+v for %d columns", i, r, want)
		}
	}
	if l := p.Layers[0]; l.actColumns() == 0 || l.actColumns() >= l.ThrMem.Width {
		t.Errorf("layer 0: %d columns of %d: want some, and fewer than the width", l.actColumns(), l.ThrMem.Width)
	}
	if r := p.Layers[1].actROMEstimate(); p.Layers[1].NF != 1 || r != (Resources{}) {
		t.Errorf("layer 1 (NF %d): one-word ROM estimated %+v, want nothing", p.Layers[1].NF, r)
	}
	if l := p.Layers[2]; l.NF <= 64 || l.actROMEstimate() != romEstimate(l.ThrMem) {
		t.Errorf("layer 2 (NF %d): deep ROM estimated %+v, want %+v", l.NF, l.actROMEstimate(), romEstimate(l.ThrMem))
	}
}
