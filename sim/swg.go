package sim

import "github.com/qnn-dev/qnn/hw"

// SWG is the sliding-window generator (qnn_swg, docs/conv-hardware.md
// "qnn_swg as built"): a writer fills a circular line buffer of Rows input
// rows, a reader issues each output pixel's window beat by beat, and a
// synchronous-read memory and an output register follow, both enabled by
// en = !out_valid_q || out_ready.
type SWG struct {
	p                           hw.SWGStage
	groups, rows, rowWords      int
	lastIH0, lastIW0, frameStep int
	mem                         [][]uint64 // Depth words of SIMD lanes
	pad                         []uint64   // PadElem in every lane

	// Writer: slot and word of the row being written.
	wslot, wcol int
	// ahead is input rows completely written minus the first row (global)
	// of the frame the reader is in.
	ahead int
	// Reader: first input row and column of the window (signed, padding
	// negative), kernel position, channel group, slot of row ih0.
	ih0, iw0, kh, kw, cg, s0 int

	// Read stage (memory output register and its valid and pad flags).
	v1, pad1 bool
	rdata    []uint64
	// Output register.
	outValid bool
	out      []uint64
}

// NewSWG returns the model of qnn_swg with parameters p, in its reset
// state; p must pass Check.
func NewSWG(p hw.SWGStage) *SWG {
	s := &SWG{p: p, groups: p.Groups(), rows: p.Rows, rowWords: p.RowWords()}
	s.lastIH0 = (p.OH()-1)*p.Stride - p.PadTop
	s.lastIW0 = (p.OW()-1)*p.Stride - p.PadLeft
	s.frameStep = ((p.H-(p.OH()-1)*p.Stride)%s.rows + s.rows) % s.rows
	s.mem = make([][]uint64, p.Depth())
	for i := range s.mem {
		s.mem[i] = make([]uint64, p.SIMD)
	}
	s.pad = make([]uint64, p.SIMD)
	for i := range s.pad {
		s.pad[i] = uint64(p.PadElem)
	}
	s.rdata = make([]uint64, p.SIMD)
	s.out = make([]uint64, p.SIMD)
	s.Reset()
	return s
}

// Reset clears the control registers.
func (s *SWG) Reset() {
	s.wslot, s.wcol, s.ahead = 0, 0, 0
	s.ih0, s.iw0, s.kh, s.kw, s.cg = -s.p.PadTop, -s.p.PadLeft, 0, 0, 0
	s.s0 = (s.rows - s.p.PadTop) % s.rows
	s.v1, s.outValid = false, false
}

// InReady: the row being written (ahead, relative to the reader's frame)
// is less than Rows past the lowest row the reader still needs.
func (s *SWG) InReady(bool) bool { return s.ahead-max(0, s.ih0) < s.rows }

func (s *SWG) OutValid() bool    { return s.outValid }
func (s *SWG) OutData() []uint64 { return s.out }

// canIssue: the last input row the current window reads is written.
func (s *SWG) canIssue() bool {
	return s.ahead > min(s.p.H-1, s.ih0+s.p.KH-1)
}

// Commit advances one clock edge.
func (s *SWG) Commit(in []uint64, outReady bool) {
	en := !s.outValid || outReady
	issue := en && s.canIssue()
	ih, iw := s.ih0+s.kh, s.iw0+s.kw
	inside := ih >= 0 && ih < s.p.H && iw >= 0 && iw < s.p.W
	if en {
		s.outValid = s.v1
		if s.pad1 {
			copy(s.out, s.pad)
		} else {
			copy(s.out, s.rdata)
		}
		s.v1, s.pad1 = issue, !inside
		if inside { // read before the write of this edge
			slot := s.s0 + s.kh
			if slot >= s.rows {
				slot -= s.rows
			}
			copy(s.rdata, s.mem[slot*s.rowWords+iw*s.groups+s.cg])
		}
	}
	rowDone := false
	if in != nil {
		copy(s.mem[s.wslot*s.rowWords+s.wcol], in)
		if s.wcol++; s.wcol == s.rowWords {
			s.wcol, rowDone = 0, true
			if s.wslot++; s.wslot == s.rows {
				s.wslot = 0
			}
		}
	}
	frameDone := issue && s.advance()
	if rowDone {
		s.ahead++
	}
	if frameDone {
		s.ahead -= s.p.H
	}
}

// advance moves the reader to its next beat; it reports the end of a frame.
func (s *SWG) advance() bool {
	if s.cg++; s.cg < s.groups {
		return false
	}
	s.cg = 0
	if s.kw++; s.kw < s.p.KW {
		return false
	}
	s.kw = 0
	if s.kh++; s.kh < s.p.KH {
		return false
	}
	s.kh = 0
	if s.iw0 != s.lastIW0 {
		s.iw0 += s.p.Stride
		return false
	}
	s.iw0 = -s.p.PadLeft
	if s.ih0 != s.lastIH0 {
		s.ih0 += s.p.Stride
		s.s0 = (s.s0 + s.p.Stride) % s.rows
		return false
	}
	s.ih0 = -s.p.PadTop
	s.s0 = (s.s0 + s.frameStep) % s.rows
	return true
}
