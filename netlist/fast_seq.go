package netlist

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// FastSeq is the compiled, bit-packed form of a sequence model (an
// Embedding, LSTM layers, then a feed-forward tail such as the output
// projection) for batched evaluation. It computes exactly what
// ReferenceSequence computes, on every layer and state, with the machinery
// of Fast: every embedding row is packed once into bit planes, each LSTM's
// gate matrix is two packed matrices (the x_t columns and the h_{t-1}
// columns) applied to a block of sequences at once with the popcount tile
// kernels, the cell update and activations run per unit in integers, and
// the tail is compiled exactly as Fast compiles it, fed with the last
// hidden state. Blocks of sequences are spread over goroutines. A FastSeq
// is immutable once built and safe for concurrent use.
type FastSeq struct {
	name    string
	vocab   int
	nLayers int
	classes int
	emb     fastEmbedding
	cells   []*fastLSTM
	tail    *Fast // the layers after the last LSTM; tail.in is nil
	block   int   // sequences per block
}

// fastEmbedding holds every token's packed vector.
type fastEmbedding struct {
	out    fastTensor
	packed []uint64 // token t's planes at t*out.stride()
}

// fastLSTM is one compiled LSTM layer.
type fastLSTM struct {
	layer  int
	l      *LSTM       // a private copy of the layer
	wx, wh *fastMatrix // the gate matrix's x_t and h_{t-1} columns, accumulators out
	out    fastTensor  // the packed hidden state (flat), the next layer's input
}

// NewFastSeq validates a sequence model and compiles it. The FastSeq keeps
// no reference to n.
func NewFastSeq(n *Network) (*FastSeq, error) {
	if n == nil {
		return nil, fmt.Errorf("netlist: nil network")
	}
	if err := Validate(n); err != nil {
		return nil, err
	}
	e := n.EmbeddingLayer()
	if e == nil {
		return nil, fmt.Errorf("netlist: network %q is not a sequence model (layer 0 is not an embedding)", n.Name)
	}
	f := &FastSeq{name: e.Name, vocab: e.Vocab, nLayers: len(n.Layers), block: fastMaxBlock}
	f.emb.out = flatTensor(Shape{C: e.Dim, H: 1, W: 1}, actEnc(e.Bits, e.Base))
	st := f.emb.out.stride()
	f.emb.packed = make([]uint64, e.Vocab*st)
	vals := make([]int64, e.Dim)
	for t := 0; t < e.Vocab; t++ {
		for j, lv := range e.Row(t) {
			vals[j] = e.Value(lv)
		}
		f.emb.out.encode(vals, f.emb.packed[t*st:(t+1)*st])
	}
	cur := f.emb.out
	li := 1
	for ; li < len(n.Layers); li++ {
		l, ok := n.Layers[li].(*LSTM)
		if !ok {
			break
		}
		c := newFastLSTM(li, l, cur)
		f.cells = append(f.cells, c)
		cur = c.out
	}
	tail := &Fast{nLayers: len(n.Layers), kern: kernels[0], block: f.block}
	c := &fastCompiler{n: n, f: tail}
	c.tensor(cur)
	for ; li < len(n.Layers); li++ {
		c.li = li
		if _, ok := n.Layers[li].(recurrent); ok {
			return nil, fmt.Errorf("netlist: layer %d %q: an lstm after a feed-forward layer is not supported by FastSeq", li, n.Layers[li].LayerName())
		}
		n.Layers[li].compileFast(c)
	}
	f.tail, f.classes = tail, tail.classes
	return f, nil
}

// actEnc is the plane encoding of activations of the given width and base.
func actEnc(bits, base int) fastEnc {
	if bits == 1 {
		return bipolarEnc()
	}
	return unsignedEnc(int64(base), bits)
}

func newFastLSTM(li int, l *LSTM, in fastTensor) *fastLSTM {
	cp := *l
	for g, t := range l.Gates {
		cp.Gates[g] = cloneThreshold(t)
	}
	cp.CellAct, cp.HiddenAct = cloneThreshold(l.CellAct), cloneThreshold(l.HiddenAct)
	cp.Weights = nil // the packed matrices hold them
	s := &fastLSTM{layer: li, l: &cp}
	s.out = flatTensor(Shape{C: l.Hidden, H: 1, W: 1}, actEnc(l.HiddenAct.Bits, l.HiddenAct.Base))
	rows := 4 * l.Hidden
	acc := &Output{Classes: rows}
	s.wx = newFastMatrix(li, rows, l.In, l.WeightBits, in)
	s.wx.nw = in.planeWords()
	s.wx.packWeights(l.WeightBits, func(r int) []int8 { return l.Row(r)[:l.In] }, in.pos)
	s.wx.setOutput(acc)
	s.wh = newFastMatrix(li, rows, l.Hidden, l.WeightBits, s.out)
	s.wh.nw = s.out.planeWords()
	s.wh.packWeights(l.WeightBits, func(r int) []int8 { return l.Row(r)[l.In:] }, s.out.pos)
	s.wh.setOutput(acc)
	return s
}

func cloneThreshold(t *Threshold) *Threshold {
	c := *t
	c.T = append([]int64(nil), t.T...)
	if t.Reversed != nil {
		c.Reversed = append([]bool(nil), t.Reversed...)
	}
	return &c
}

// encode packs the integers of one image's tensor into planes (len
// t.stride()), the inverse of decode.
func (t fastTensor) encode(v []int64, planes []uint64) {
	clear(planes[:t.stride()])
	pw := t.planeWords()
	for e, x := range v {
		w, b := t.pos(e)
		u := t.enc.bits(x)
		for q := range t.enc.c {
			planes[q*pw+w] |= (u >> q & 1) << b
		}
	}
}

// Vocab is the number of tokens of the embedding.
func (f *FastSeq) Vocab() int { return f.vocab }

// Classes is the number of scores per token.
func (f *FastSeq) Classes() int { return f.classes }

// seqBlock is one worker's state for a block of nb sequences.
type seqBlock struct {
	sc     *fastScratch
	x      []uint64   // the packed embedding vectors, nb*emb stride
	h      [][]uint64 // per LSTM: the packed hidden states, nb*out stride
	hv, cv [][]int64  // per LSTM: hidden and cell values, nb*Hidden
	ax, ah []Result   // the gate accumulators of the x and h columns
	res    []Result   // the tail's scores
}

func (f *FastSeq) newBlock(nb int) *seqBlock {
	k := &seqBlock{sc: f.tail.newScratch(nb)}
	k.x = make([]uint64, nb*f.emb.out.stride())
	rows := 0
	for _, c := range f.cells {
		k.h = append(k.h, make([]uint64, nb*c.out.stride()))
		k.hv = append(k.hv, make([]int64, nb*c.l.Hidden))
		k.cv = append(k.cv, make([]int64, nb*c.l.Hidden))
		rows = max(rows, 4*c.l.Hidden)
	}
	k.ax, k.ah, k.res = make([]Result, nb), make([]Result, nb), make([]Result, nb)
	for b := 0; b < nb; b++ {
		k.ax[b].Scores = make([]int64, rows)
		k.ah[b].Scores = make([]int64, rows)
		k.res[b].Scores = make([]int64, f.classes)
	}
	return k
}

// reset puts every sequence of the block in the reset state (h = 0, c = 0).
func (f *FastSeq) reset(k *seqBlock, nb int) {
	for i, c := range f.cells {
		clear(k.hv[i])
		clear(k.cv[i])
		st := c.out.stride()
		for b := 0; b < nb; b++ {
			c.out.encode(k.hv[i][b*c.l.Hidden:(b+1)*c.l.Hidden], k.h[i][b*st:(b+1)*st])
		}
	}
}

// step evaluates one token of each of the block's nb sequences (tok[b]) and
// leaves the scores in k.res. If outs is not nil (nb == 1), it records every
// layer's output, and states every LSTM's state.
func (f *FastSeq) step(k *seqBlock, tok []int, nb int, outs, states [][]int64) {
	st := f.emb.out.stride()
	for b := 0; b < nb; b++ {
		copy(k.x[b*st:(b+1)*st], f.emb.packed[tok[b]*st:(tok[b]+1)*st])
	}
	if outs != nil {
		outs[0] = f.emb.out.decode(k.x)
	}
	src := k.x
	for i, c := range f.cells {
		c.wx.run(src, nil, nb, k.sc, k.ax[:nb], nil)
		c.wh.run(k.h[i], nil, nb, k.sc, k.ah[:nb], nil)
		hs, H := c.out.stride(), c.l.Hidden
		for b := 0; b < nb; b++ {
			h, cv := k.hv[i][b*H:(b+1)*H], k.cv[i][b*H:(b+1)*H]
			c.update(k.ax[b].Scores, k.ah[b].Scores, h, cv)
			c.out.encode(h, k.h[i][b*hs:(b+1)*hs])
		}
		if outs != nil {
			outs[c.layer] = append([]int64(nil), k.hv[i][:H]...)
			states[c.layer] = append(append([]int64(nil), k.hv[i][:H]...), k.cv[i][:H]...)
		}
		src = k.h[i]
	}
	dst := k.sc.a
	for _, s := range f.tail.stages {
		s.exec(src, dst, nb, k.sc, k.res[:nb], outs)
		if &dst[0] == &k.sc.a[0] {
			src, dst = k.sc.a, k.sc.b
		} else {
			src, dst = k.sc.b, k.sc.a
		}
	}
}

// update computes one sequence's new h and c (in place) from the gate
// accumulators of the x and h columns.
func (c *fastLSTM) update(ax, ah []int64, h, cell []int64) {
	l, H := c.l, c.l.Hidden
	for j := 0; j < H; j++ {
		var gv [4]int64
		for g, t := range l.Gates {
			r := g*H + j
			gv[g] = t.Value(t.Level(j, ax[r]+ah[r]))
		}
		cell[j] = l.CellUpdate(gv[GateI], gv[GateF], gv[GateG], cell[j])
		h[j] = l.HiddenValue(j, gv[GateO], cell[j])
	}
}

// Trace evaluates one sequence from the reset state and records what
// ReferenceSequence records: every layer's output and every LSTM's state at
// every token.
func (f *FastSeq) Trace(tokens []int) (*Trace, error) {
	if err := f.checkTokens(tokens); err != nil {
		return nil, err
	}
	k := f.newBlock(1)
	f.reset(k, 1)
	tr := &Trace{Outs: make([][][]int64, len(tokens)), States: make([][][]int64, len(tokens))}
	for t, tok := range tokens {
		outs, states := make([][]int64, f.nLayers), make([][]int64, f.nLayers)
		f.step(k, []int{tok}, 1, outs, states)
		outs[f.nLayers-1] = append([]int64(nil), outs[f.nLayers-1]...) // k.res is reused
		tr.Outs[t], tr.States[t] = outs, states
	}
	return tr, nil
}

func (f *FastSeq) checkTokens(tokens []int) error { return checkVocab(f.name, f.vocab, tokens) }

// Visit evaluates every sequence of seqs from the reset state and calls
// visit(s, t, scores) with the scores after token t of sequence s (scores is
// only valid during the call). Sequences are evaluated in blocks by workers
// goroutines (runtime.GOMAXPROCS(0) if workers <= 0); the calls for one
// sequence come in order of t from one goroutine, calls for different
// sequences may come concurrently. The scores do not depend on workers.
func (f *FastSeq) Visit(seqs [][]int, workers int, visit func(s, t int, scores []int64)) error {
	for s, seq := range seqs {
		if err := f.checkTokens(seq); err != nil {
			return fmt.Errorf("%w (sequence %d)", err, s)
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nblocks := (len(seqs) + f.block - 1) / f.block
	workers = min(workers, nblocks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			k := f.newBlock(min(f.block, len(seqs)))
			tok := make([]int, f.block)
			for {
				blk := int(next.Add(1) - 1)
				if blk >= nblocks {
					return
				}
				s0 := blk * f.block
				f.runBlock(k, seqs[s0:min(s0+f.block, len(seqs))], s0, tok, visit)
			}
		})
	}
	wg.Wait()
	return nil
}

// runBlock evaluates the block's sequences (the first is sequence s0) to the
// end of the longest; a sequence that has ended is fed token 0 and its
// scores are not visited.
func (f *FastSeq) runBlock(k *seqBlock, seqs [][]int, s0 int, tok []int, visit func(s, t int, scores []int64)) {
	nb, steps := len(seqs), 0
	for _, s := range seqs {
		steps = max(steps, len(s))
	}
	f.reset(k, nb)
	for t := 0; t < steps; t++ {
		for b, s := range seqs {
			tok[b] = 0
			if t < len(s) {
				tok[b] = s[t]
			}
		}
		f.step(k, tok, nb, nil, nil)
		for b, s := range seqs {
			if t < len(s) {
				visit(s0+b, t, k.res[b].Scores)
			}
		}
	}
}

// Eval evaluates every sequence and returns the scores at every token:
// scores[s][t] has Classes() values. For long inputs and large vocabularies
// use Visit, which keeps no scores.
func (f *FastSeq) Eval(seqs [][]int, workers int) ([][][]int64, error) {
	out := make([][][]int64, len(seqs))
	for s, seq := range seqs {
		out[s] = make([][]int64, len(seq))
	}
	err := f.Visit(seqs, workers, func(s, t int, scores []int64) {
		out[s][t] = append([]int64(nil), scores...)
	})
	return out, err
}
