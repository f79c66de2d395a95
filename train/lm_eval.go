package train

import (
	"math"

	"github.com/qnn-dev/qnn/netlist"
)

// lmEvalChunk is the number of steps the evaluation runs per window; the
// state is carried from chunk to chunk, so a sequence may be any length.
const lmEvalChunk = 35

// lmVisit evaluates the model (no dropout) on sequences cut from stream as
// netlist.StreamNLL cuts them: consecutive runs of seqLen input tokens,
// each from the reset state, input stream[p] predicting stream[p+1].
// Sequences are evaluated cfg.Batch at a time. For every predicted token it
// calls visit(p, scores) with p the input's position in the stream and
// scores the V logits (real, or for the quantized model the integer scores
// acc + offset, exact in float32).
func (m *LM) lmVisit(stream []int32, seqLen int, visit func(p int, scores []float32)) {
	c := &m.Cfg
	if len(stream) < 2 {
		return
	}
	q := newLMQuant(m)
	var starts []int
	for p := 0; p < len(stream)-1; p += seqLen {
		starts = append(starts, p)
	}
	B := c.Batch
	w := newLMWindow(c, lmEvalChunk, B)
	w.xmask, w.hmask = nil, nil
	end := len(stream) - 1 // inputs are stream[0:end]
	for s0 := 0; s0 < len(starts); s0 += B {
		w.resetState()
		for t0 := 0; t0 < seqLen; t0 += lmEvalChunk {
			any := false
			for t := 0; t < lmEvalChunk; t++ {
				for b := 0; b < B; b++ {
					p, ok := evalPos(starts, s0+b, t0+t, seqLen, end)
					i := t*B + b
					w.tok[i], w.tgt[i] = 0, 0
					if ok {
						w.tok[i], w.tgt[i], any = stream[p], stream[p+1], true
					}
				}
			}
			if !any {
				break
			}
			m.forwardScores(q, w)
			for t := 0; t < lmEvalChunk; t++ {
				for b := 0; b < B; b++ {
					if p, ok := evalPos(starts, s0+b, t0+t, seqLen, end); ok {
						i := t*B + b
						visit(p, w.logits[i*c.Vocab:(i+1)*c.Vocab])
					}
				}
			}
			w.carry()
		}
	}
}

// evalPos is the stream position of step t of sequence s, if it exists.
func evalPos(starts []int, s, t, seqLen, end int) (int, bool) {
	if s >= len(starts) || t >= seqLen {
		return 0, false
	}
	p := starts[s] + t
	return p, p < end
}

// forwardScores runs the window without dropout and leaves the scores in
// w.logits: the quantized model's integer scores acc + offset (the
// netlist's), or the float model's logits.
func (m *LM) forwardScores(q *lmQuant, w *lmWindow) {
	w.raw = !q.float
	m.forward(q, w, nil)
}

// StreamNLL is the model's summed negative log-likelihood of a token
// stream and the number of predicted tokens, with the protocol of
// netlist.StreamNLL: for a quantized model it is exactly (bit for bit)
// netlist.StreamNLL on the export, the NLL summed per sequence and then in
// sequence order.
func (m *LM) StreamNLL(stream []int32, seqLen int) (float64, int) {
	scale := 1.0
	if m.Cfg.Quantized() {
		scale = newLMQuant(m).unit()
	}
	sums := make([]float64, (len(stream)+seqLen-1)/seqLen)
	buf := make([]int64, m.Cfg.Vocab)
	count := 0
	m.lmVisit(stream, seqLen, func(p int, scores []float32) {
		s, tg := p/seqLen, int(stream[p+1])
		if m.Cfg.Quantized() {
			for v, x := range scores {
				buf[v] = int64(x)
			}
			sums[s] += netlist.NLL(buf, scale, tg)
		} else {
			sums[s] += floatNLL(scores, tg)
		}
		count++
	})
	var sum float64
	for _, x := range sums {
		sum += x
	}
	return sum, count
}

func floatNLL(logits []float32, target int) float64 {
	mx := logits[0]
	for _, x := range logits {
		mx = max(mx, x)
	}
	var s float64
	for _, x := range logits {
		s += math.Exp(float64(x - mx))
	}
	return math.Log(s) - float64(logits[target]-mx)
}

// CheckExport evaluates the exported model (f, compiled from m.Export)
// and the trainer on stream with the StreamNLL protocol and returns the
// netlist's summed NLL (exactly netlist.StreamNLL's) and number of
// predicted tokens, and the number of tokens whose integer scores differ
// between the two (compared by a 64-bit FNV-1a hash of all V scores, so
// memory stays bounded for any stream).
func (m *LM) CheckExport(f *netlist.FastSeq, scale float64, stream []int32, seqLen int) (nll float64, count, differ int, err error) {
	if len(stream) < 2 {
		return 0, 0, 0, nil
	}
	want := make([]uint64, len(stream)-1)
	m.lmVisit(stream, seqLen, func(p int, scores []float32) {
		h := fnvOffset
		for _, x := range scores {
			h = fnvAdd(h, int64(x))
		}
		want[p] = h
	})
	ints := make([]int, len(stream))
	for i, x := range stream {
		ints[i] = int(x)
	}
	var seqs [][]int
	for p := 0; p < len(ints)-1; p += seqLen {
		seqs = append(seqs, ints[p:min(p+seqLen, len(ints)-1)])
	}
	sums := make([]float64, len(seqs))
	bad := make([]int, len(seqs))
	err = f.Visit(seqs, 0, func(s, t int, scores []int64) {
		p := s*seqLen + t
		h := fnvOffset
		for _, x := range scores {
			h = fnvAdd(h, x)
		}
		if h != want[p] {
			bad[s]++
		}
		sums[s] += netlist.NLL(scores, scale, ints[p+1])
	})
	if err != nil {
		return 0, 0, 0, err
	}
	for s := range sums {
		nll += sums[s]
		differ += bad[s]
	}
	return nll, len(stream) - 1, differ, nil
}

const fnvOffset uint64 = 14695981039346656037

func fnvAdd(h uint64, x int64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= uint64(x >> (8 * i) & 0xff)
		h *= 1099511628211
	}
	return h
}
