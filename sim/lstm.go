package sim

import (
	"github.com/qnn-dev/qnn/hw"
)

// LSTM is the cycle model of the recurrent stage, qnn_lstm
// (docs/lstm-hardware.md "LSTM stage"), reading only the plan's
// hw.LSTMStage. It is a StreamStage: an input beat is {token, last} (last
// = 1 on a sequence's last token), an output beat the U hidden levels of
// one unit group. Every register but the token input side updates only
// when en = !outValid || outReady.
type LSTM struct {
	s *hw.LSTMStage

	// Control (reset).
	busy, issuing, afterLast, hcur bool
	validB, validC, validD, validE bool
	outValid                       bool

	// Token and stage A counters.
	tok    int
	fresh  bool
	nf, sf int
	// Stage B.
	firstB, lastB bool
	nfB, wB       int   // the pair's beat and fold (its weight ROM word nfB*SF + wB)
	xB            []int // the lanes (levels)
	acc           []int64
	// Stage C.
	nfC    int
	cellRd []int64 // the cell RAM read register (word nfB when loaded)
	// Stage D.
	nfD   int
	glev  []int
	cprev []int64
	// Stage E.
	nfE    int
	cE, oE []int64
	// Output register.
	out []uint64

	cellMem [][]int64 // NF words of U cells
	hbank   [2][]int  // H levels each
}

// NewLSTM returns the stage model after reset; memories hold zeros (the
// RTL's are undefined until written: a fresh token never reads them).
func NewLSTM(s *hw.LSTMStage) *LSTM {
	m := &LSTM{s: s, xB: make([]int, s.SIMD), acc: make([]int64, s.PE), cellRd: make([]int64, s.U),
		glev: make([]int, s.PE), cprev: make([]int64, s.U), cE: make([]int64, s.U), oE: make([]int64, s.U),
		out: make([]uint64, s.U), cellMem: make([][]int64, s.NF)}
	for i := range m.cellMem {
		m.cellMem[i] = make([]int64, s.U)
	}
	m.hbank[0], m.hbank[1] = make([]int, s.H), make([]int, s.H)
	m.Reset()
	return m
}

// Reset is one clock edge with rst_ni low.
func (m *LSTM) Reset() {
	m.busy, m.issuing, m.afterLast, m.hcur = false, false, true, false
	m.validB, m.validC, m.validD, m.validE, m.outValid = false, false, false, false, false
}

// InReady is in_ready_o: registers only.
func (m *LSTM) InReady(bool) bool { return !m.busy }

func (m *LSTM) OutValid() bool       { return m.outValid }
func (m *LSTM) OutData() []uint64    { return m.out }
func (m *LSTM) idle() bool           { return !m.busy && !m.outValid }
func (m *LSTM) Stage() *hw.LSTMStage { return m.s }

// Commit advances one clock edge; in is the input handshake's {token,
// last} or nil.
func (m *LSTM) Commit(in []uint64, outReady bool) {
	s := m.s
	en := !m.outValid || outReady
	lastBeatOut := en && m.validE && m.nfE == s.NF-1
	if en {
		// Everything below reads the registers of this cycle before any
		// is written: later stages first, and the cell RAM read (word nfB)
		// before stage D's write.
		rd := append([]int64(nil), m.cellMem[m.nfB]...)
		m.stageE()
		m.stageD()
		m.stageC()
		m.stageB()
		copy(m.cellRd, rd)
		m.stageA()
	}
	// The token side.
	switch {
	case in != nil:
		m.busy, m.issuing = true, true
		m.tok, m.fresh, m.afterLast = int(in[0]), m.afterLast, in[1] != 0
		m.nf, m.sf = 0, 0
	case lastBeatOut:
		m.busy, m.hcur = false, !m.hcur
	}
}

// stageE loads the output register from stage E and writes the hidden
// levels into the next bank.
func (m *LSTM) stageE() {
	s := m.s
	m.outValid = m.validE
	for u := 0; u < s.U; u++ {
		unit := m.nfE*s.U + u
		t, rev := s.CellThresholds(unit)
		tv := s.CellActBase + int64(thresholdLevel(t, rev, m.cE[u]))
		ht, hrev := s.HiddenThresholds(unit)
		lv := thresholdLevel(ht, hrev, m.oE[u]*tv)
		m.out[u] = uint64(lv)
		if m.validE && unit < s.H {
			m.hbank[b2i(!m.hcur)][unit] = lv
		}
	}
}

// stageD updates the cells of stage D's beat into stage E and the cell RAM.
func (m *LSTM) stageD() {
	s := m.s
	lo, hi := int64(-1)<<(s.CellBits-1), int64(1)<<(s.CellBits-1)-1
	for u := 0; u < s.U; u++ {
		var g [4]int64
		for k := range g {
			g[k] = s.GateBase[k] + int64(m.glev[4*u+k])
		}
		c := roundShift(g[1]*m.cprev[u], s.FShift) + roundShift(g[0]*g[2], s.IGShift)
		c = min(max(c, lo), hi)
		m.cE[u], m.oE[u] = c, g[3]
	}
	if m.validD {
		copy(m.cellMem[m.nfD], m.cE)
	}
	m.validE, m.nfE = m.validD, m.nfD
}

// stageC computes the gate levels of stage C's beat into stage D.
func (m *LSTM) stageC() {
	s := m.s
	for p := 0; p < s.PE; p++ {
		t, rev := s.GateThresholds(m.nfC*s.PE + p)
		m.glev[p] = thresholdLevel(t, rev, m.acc[p])
	}
	for u := range m.cprev {
		m.cprev[u] = 0
		if !m.fresh {
			m.cprev[u] = m.cellRd[u]
		}
	}
	m.validD, m.nfD = m.validC, m.nfC
}

// stageB accumulates the pair in stage B and loads stage C.
func (m *LSTM) stageB() {
	s := m.s
	if m.validB {
		for p := 0; p < s.PE; p++ {
			rho := m.nfB*s.PE + p
			var sum int64
			for l, x := range m.xB {
				sum += int64(s.Weight(rho, m.wB, l)) * int64(x)
			}
			if m.firstB {
				m.acc[p] = 0
			}
			m.acc[p] += sum
		}
	}
	m.validC, m.nfC = m.validB && m.lastB, m.nfB
}

// stageA issues the next pair into stage B.
func (m *LSTM) stageA() {
	s := m.s
	issue := m.issuing
	m.validB, m.firstB, m.lastB, m.nfB, m.wB = issue, m.sf == 0, m.sf == s.SF-1, m.nf, m.sf
	if m.sf < s.SFx {
		copy(m.xB, s.EmbWord(m.tok, m.sf))
	} else {
		for l := range m.xB {
			e := (m.sf-s.SFx)*s.SIMD + l
			switch {
			case e >= s.H:
				m.xB[l] = 0
			case m.fresh:
				m.xB[l] = s.L0
			default:
				m.xB[l] = m.hbank[b2i(m.hcur)][e]
			}
		}
	}
	if !issue {
		return
	}
	switch {
	case m.sf == s.SF-1 && m.nf == s.NF-1:
		m.issuing = false // the counters stop at the last pair
	case m.sf == s.SF-1:
		m.sf = 0
		m.nf++
	default:
		m.sf++
	}
}

// thresholdLevel is the number of the ascending thresholds t that v
// reaches: v >= t, or v <= t when reversed.
func thresholdLevel(t []int64, reversed bool, v int64) int {
	n := 0
	for _, x := range t {
		if (!reversed && v >= x) || (reversed && v <= x) {
			n++
		}
	}
	return n
}

// roundShift is netlist.RoundShift: floor((p + 2^(s-1)) / 2^s).
func roundShift(p int64, s int) int64 {
	if s == 0 {
		return p
	}
	return (p + 1<<(s-1)) >> s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
