package sim

import "github.com/qnn-dev/qnn/hw"

// DWC is the pixel-aware width converter (qnn_dwc, docs/conv-hardware.md
// "qnn_dwc as built"): a write buffer collects a pixel's InBeats beats, a
// complete pixel moves to the read buffer in one cycle (as the MVTU's
// input buffer does), and the read side issues its OutBeats beats into the
// output register, enabled by en = !out_valid_q || out_ready.
type DWC struct {
	d            hw.DWCStage
	bi, bo       int
	wbuf         []uint64 // InBeats*InWidth elements
	rbuf         []uint64 // OutBeats*OutWidth elements, zero past C
	wfull, rfull bool
	wpos, rpos   int
	outValid     bool
	out          []uint64
}

// NewDWC returns the model of qnn_dwc with parameters d, in its reset
// state.
func NewDWC(d hw.DWCStage) *DWC {
	return &DWC{d: d, bi: d.InBeats(), bo: d.OutBeats(), wbuf: make([]uint64, d.InBeats()*d.InWidth),
		rbuf: make([]uint64, d.OutBeats()*d.OutWidth), out: make([]uint64, d.OutWidth)}
}

// Reset clears the buffer flags, positions and the output valid.
func (c *DWC) Reset() { c.wfull, c.rfull, c.wpos, c.rpos, c.outValid = false, false, 0, 0, false }

func (c *DWC) InReady(bool) bool { return !c.wfull }
func (c *DWC) OutValid() bool    { return c.outValid }
func (c *DWC) OutData() []uint64 { return c.out }

// Commit advances one clock edge.
func (c *DWC) Commit(in []uint64, outReady bool) {
	en := !c.outValid || outReady
	issue := en && c.rfull
	release := issue && c.rpos == c.bo-1
	frameIn := in != nil && c.wpos == c.bi-1
	move := (!c.rfull || release) && (c.wfull || frameIn)
	if en {
		c.outValid = issue
		if issue {
			copy(c.out, c.rbuf[c.rpos*c.d.OutWidth:])
			c.rpos = (c.rpos + 1) % c.bo
		}
	}
	if in != nil {
		copy(c.wbuf[c.wpos*c.d.InWidth:], in)
		c.wpos = (c.wpos + 1) % c.bi
	}
	if move {
		copy(c.rbuf, c.wbuf[:c.d.C])
		c.rfull, c.wfull = true, false
		return
	}
	if release {
		c.rfull = false
	}
	if frameIn {
		c.wfull = true
	}
}
