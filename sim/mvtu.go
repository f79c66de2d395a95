package sim

import (
	"fmt"
	"math/bits"

	"github.com/qnn-dev/qnn/hw"
)

// mvtu is one matrix-vector-threshold unit (docs/dataflow.md "MVTU"):
// stage A issues (nf, sf) pairs from a full input bank, stage B
// accumulates each PE's lane products, stage C applies the thresholds or
// score constants into the output register. Every register but the input
// buffer's write side updates only when en = !outValid || outReady.
type mvtu struct {
	l    *hw.Layer
	buf  *inputBuffer
	wrom *weightROM
	arom *actROM

	// Stage A.
	nf, sf int
	// Stage B registers.
	bValid, bFirst, bLast bool
	bNF                   int
	bBits                 []uint64 // packed lanes (xnor)
	bVals                 []int32  // lane operands (other kinds)
	bWAddr                int      // the weight ROM word stage B reduces
	// pipe is the PipeDepth delay registers between stages A and B (the
	// pipelined compressor tree's ranks, docs/dataflow.md), oldest first;
	// issue loads the newest and stage B takes the oldest, on en.
	pipe []bStage
	// Accumulators.
	acc []int64
	// Stage C registers.
	cValid bool
	// Output register.
	outValid bool
	out      []int64 // PE elements: levels, or ScoreBits-bit scores

	stats LayerStats
	err   error // an accumulator outside the plan's range (a plan bug)
}

// bStage is one set of stage B registers in flight through the pipe.
type bStage struct {
	valid, first, last bool
	nf, waddr          int
	bits               []uint64
	vals               []int32
}

func newMVTU(l *hw.Layer) *mvtu {
	m := &mvtu{l: l, buf: newInputBuffer(l), wrom: newWeightROM(l), arom: newActROM(l),
		acc: make([]int64, l.PE), out: make([]int64, l.PE)}
	m.stats.Name = l.Name
	if l.Kind == hw.KindXnor {
		m.bBits = make([]uint64, m.wrom.nw)
	} else {
		m.bVals = make([]int32, l.SIMD)
	}
	for range l.PipeDepth {
		st := bStage{}
		if m.bBits != nil {
			st.bits = make([]uint64, len(m.bBits))
		} else {
			st.vals = make([]int32, l.SIMD)
		}
		m.pipe = append(m.pipe, st)
	}
	return m
}

// shift moves the pair just issued into the pipe and the oldest pair in
// the pipe into the stage B registers (buffers are swapped, not copied).
func (m *mvtu) shift() {
	if len(m.pipe) == 0 {
		return
	}
	in := bStage{m.bValid, m.bFirst, m.bLast, m.bNF, m.bWAddr, m.bBits, m.bVals}
	out := m.pipe[0]
	copy(m.pipe, m.pipe[1:])
	m.pipe[len(m.pipe)-1] = in
	m.bValid, m.bFirst, m.bLast, m.bNF, m.bWAddr, m.bBits, m.bVals = out.valid, out.first, out.last, out.nf, out.waddr, out.bits, out.vals
}

// commit advances the MVTU by one clock edge. en is the pipeline enable;
// in, if not nil, is the input handshake's beat (InWidth elements), and
// abort says that beat belongs to no frame (MVTU 0 only).
func (m *mvtu) commit(en bool, in []int64, abort bool) {
	issued := false
	if en {
		m.activate()
		m.accumulate()
		issued = m.issue()
		m.shift()
	}
	switch {
	case !en:
		m.stats.StallOut++
	case issued:
		m.stats.Busy++
	default:
		m.stats.StallIn++
	}
	if in != nil {
		m.buf.write(in, abort)
	}
}

// reset is one clock edge with rst_n low: the control state (counters,
// valid flags, bank flags) clears; data registers keep their values. The
// cycle counts as StallIn.
func (m *mvtu) reset() {
	m.buf.reset()
	m.nf, m.sf = 0, 0
	m.bValid, m.cValid, m.outValid = false, false, false
	for i := range m.pipe {
		m.pipe[i].valid = false
	}
	m.stats.StallIn++
}

// idle reports that no frame is in the MVTU past its write side: nothing
// will change until more input arrives.
func (m *mvtu) idle() bool {
	busy := m.buf.full[0] || m.buf.full[1] || m.bValid || m.cValid || m.outValid
	for _, st := range m.pipe {
		busy = busy || st.valid
	}
	return !busy
}

// activate is stage C: acc_q and the act ROM word into the output register.
func (m *mvtu) activate() {
	l := m.l
	if m.cValid {
		base := m.arom.addr * l.PE
		for p, acc := range m.acc {
			if (acc < l.AccMin || acc > l.AccMax) && m.err == nil {
				m.err = fmt.Errorf("sim: layer %d %q: neuron %d accumulator %d outside the plan's range [%d, %d]",
					l.Index, l.Name, base+p, acc, l.AccMin, l.AccMax)
			}
			m.out[p] = m.activation(base+p, acc)
		}
	}
	m.outValid = m.cValid
}

// activation is the threshold unit (level) or the score unit.
func (m *mvtu) activation(neuron int, acc int64) int64 {
	r := m.arom
	if r.thr == nil {
		return hw.SignExtend(m.l.ScoreMul*acc+r.scoreAdd[neuron], m.l.OutBits)
	}
	t := r.thr[neuron*r.numThr : (neuron+1)*r.numThr]
	n := int64(0)
	if r.reversed[neuron] {
		for _, th := range t {
			if acc <= th {
				n++
			}
		}
	} else {
		for _, th := range t {
			if acc >= th {
				n++
			}
		}
	}
	return n
}

// accumulate is stage B: each PE reduces its lane products into acc_q;
// the act ROM is addressed with stage B's nf and stage C loads.
func (m *mvtu) accumulate() {
	l := m.l
	if m.bValid {
		if m.bBits != nil {
			m.accumulateXnor()
		} else {
			w := m.wrom.vals[m.bWAddr*l.PE*l.SIMD:]
			for p := range m.acc {
				var sum int64
				for s, x := range m.bVals {
					sum += int64(w[p*l.SIMD+s]) * int64(x)
				}
				if off := m.wrom.off; off != nil { // lane tree: the sum of lane values
					sum = (sum + off[m.bWAddr*l.PE+p]) / m.wrom.scale
				}
				if m.bFirst {
					m.acc[p] = 0
				}
				m.acc[p] += sum
			}
		}
	}
	m.arom.addr = m.bNF
	m.cValid = m.bValid && m.bLast
}

func (m *mvtu) accumulateXnor() {
	simd := int64(m.l.SIMD)
	nw := m.wrom.nw
	acc := m.acc
	pe := len(acc)
	w := m.wrom.bits[m.bWAddr*pe*nw : (m.bWAddr+1)*pe*nw]
	if nw == 1 {
		x := m.bBits[0]
		w = w[:len(acc)]
		if m.bFirst {
			for p := range acc {
				acc[p] = simd - int64(bits.OnesCount64(w[p]^x))
			}
		} else {
			for p := range acc {
				acc[p] += simd - int64(bits.OnesCount64(w[p]^x))
			}
		}
		return
	}
	xs := m.bBits
	for p := range acc {
		diff := 0
		wp := w[p*nw : (p+1)*nw]
		wp = wp[:len(xs)]
		for k, x := range xs {
			diff += bits.OnesCount64(wp[k] ^ x)
		}
		sum := simd - int64(diff)
		if m.bFirst {
			acc[p] = sum
		} else {
			acc[p] += sum
		}
	}
}

// issue is stage A: issue (nf_q, sf_q) from a full read bank, address the
// weight ROM and load stage B. It reports whether a pair was issued.
func (m *mvtu) issue() bool {
	l := m.l
	m.wrom.addr = m.nf*l.SF + m.sf
	m.bWAddr = m.wrom.addr
	if !m.buf.full[m.buf.rbank] {
		m.bValid = false
		return false
	}
	m.bValid, m.bFirst, m.bLast, m.bNF = true, m.sf == 0, m.sf == l.SF-1, m.nf
	if m.bBits != nil {
		m.buf.readBits(m.sf*l.SIMD, l.SIMD, m.bBits)
	} else {
		m.buf.readVals(m.sf*l.SIMD, m.bVals)
	}
	m.sf++
	if m.sf == l.SF {
		m.sf = 0
		m.nf++
		if m.nf == l.NF {
			m.nf = 0
			m.buf.release()
		}
	}
	return true
}
