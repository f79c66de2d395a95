package sim

import "github.com/qnn-dev/qnn/hw"

// weightROM is an MVTU's synchronous-read weight memory: word nf*SF+sf
// holds PE x SIMD weights. Its read register addr is loaded when the
// pipeline is enabled; stage B reads the word it selects. Words are kept
// pre-packed per PE: bit vectors for xnor layers, lane weights (the
// integer multiplying the lane operand: -1/+1 for 1-bit weights) otherwise.
type weightROM struct {
	addr int      // registered read address
	nw   int      // words of 64 bits per PE (xnor)
	bits []uint64 // [(word*PE + p)*nw + w]
	vals []int32  // [(word*PE + p)*SIMD + s]
	// Lane-tree layers (hw.Layer.LaneTree): the PE sums lane values, and a
	// word's sum of lane products p converts as (p + off)/scale, with off
	// the word's sum of hw.Layer.LaneOffset.
	off   []int64 // [word*PE + p]
	scale int64
}

func newWeightROM(l *hw.Layer) *weightROM {
	r := &weightROM{nw: (l.SIMD + 63) / 64}
	words := l.NF * l.SF
	if l.Kind == hw.KindXnor {
		r.bits = make([]uint64, words*l.PE*r.nw)
	} else {
		r.vals = make([]int32, words*l.PE*l.SIMD)
	}
	if l.LaneTree() {
		r.off, r.scale = make([]int64, words*l.PE), l.LaneScale()
	}
	for nf := 0; nf < l.NF; nf++ {
		for sf := 0; sf < l.SF; sf++ {
			word := nf*l.SF + sf
			for p := 0; p < l.PE; p++ {
				neuron, col0 := nf*l.PE+p, sf*l.SIMD
				if r.bits != nil {
					dst := r.bits[(word*l.PE+p)*r.nw : (word*l.PE+p+1)*r.nw]
					for s := 0; s < l.SIMD; s++ {
						dst[s>>6] |= uint64(l.Weight(neuron, col0+s)) << (s & 63)
					}
					continue
				}
				dst := r.vals[(word*l.PE+p)*l.SIMD : (word*l.PE+p+1)*l.SIMD]
				if r.off != nil {
					for s := range dst {
						r.off[word*l.PE+p] += l.LaneOffset(neuron, col0+s)
					}
				}
				for s := range dst {
					w := l.Weight(neuron, col0+s)
					if l.WBits == 1 {
						w = 2*w - 1
					}
					dst[s] = int32(w)
				}
			}
		}
	}
	return r
}

// actROM is the threshold (threshold mode) or score-constant (score mode)
// memory: word nf holds PE neurons' thresholds and reversed flags, or
// their ScoreAdd. Its read register addr is loaded from stage B's nf.
type actROM struct {
	addr     int
	numThr   int
	thr      []int64 // [neuron*numThr + j]
	reversed []bool
	scoreAdd []int64
}

func newActROM(l *hw.Layer) *actROM {
	r := &actROM{numThr: l.NumThr}
	if l.Mode == hw.ModeThreshold {
		r.thr = make([]int64, l.MHp*l.NumThr)
		r.reversed = make([]bool, l.MHp)
		for o := 0; o < l.MHp; o++ {
			t, rev := l.Thresholds(o)
			copy(r.thr[o*l.NumThr:], t)
			r.reversed[o] = rev
		}
	} else {
		r.scoreAdd = make([]int64, l.MHp)
		for o := range r.scoreAdd {
			r.scoreAdd[o] = l.ScoreAdd(o)
		}
	}
	return r
}
