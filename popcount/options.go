package popcount

import (
	"fmt"
	"math/bits"
)

// MaxN is the largest supported number of input bits (lanes).
const MaxN = 1 << 16

// Options selects one popcount module.
type Options struct {
	// N is the number of input bits (lanes), 1..MaxN.
	N int
	// XNOR gives the module a second operand b_i and counts the lanes where
	// a_i and b_i agree (XNOR), folding the XNOR into the first level.
	XNOR bool
	// PipelineEvery, when > 0, puts a register rank (clk_i, enable en_i)
	// after every PipelineEvery stages, where a stage is one counter level or
	// the final adder; no register follows the last stage. 0 is
	// combinational. See Tree.Latency.
	PipelineEvery int
	// Product, when set, makes the module a lane-product tree (product.go):
	// a_i holds N WBits-bit weights, b_i N XBits-bit inputs, and count_o
	// the sum of their lane values. XNOR must be false.
	Product      Product
	WBits, XBits int
}

// Validate reports whether the options describe a module.
func (o Options) Validate() error {
	if o.N < 1 || o.N > MaxN {
		return fmt.Errorf("popcount: N = %d out of range 1..%d", o.N, MaxN)
	}
	if o.PipelineEvery < 0 {
		return fmt.Errorf("popcount: PipelineEvery = %d is negative", o.PipelineEvery)
	}
	return o.validateProduct()
}

// Name is the module name of the compressor tree for these options, for
// example qnn_popcount_n36_p0, qnn_popcount_xnor_n64_p2 or (a lane-product
// tree) qnn_lanes_w1_w1x2_n64_p2.
func (o Options) Name() string {
	if o.Product != ProductNone {
		return fmt.Sprintf("qnn_lanes_%s_w%dx%d_n%d_p%d", o.Product, o.WBits, o.XBits, o.N, o.PipelineEvery)
	}
	return fmt.Sprintf("qnn_popcount_%sn%d_p%d", o.kindPrefix(), o.N, o.PipelineEvery)
}

// ReferenceName is the module name of the behavioural popcount for these
// options (PipelineEvery is ignored), for example qnn_popcount_ref_xnor_n64.
func (o Options) ReferenceName() string {
	if o.Product != ProductNone {
		return fmt.Sprintf("qnn_lanes_ref_%s_w%dx%d_n%d", o.Product, o.WBits, o.XBits, o.N)
	}
	return fmt.Sprintf("qnn_popcount_ref_%sn%d", o.kindPrefix(), o.N)
}

func (o Options) kindPrefix() string {
	if o.XNOR {
		return "xnor_"
	}
	return ""
}

// Width is the number of output bits, clog2(N+1): the count ranges over
// 0..N.
func Width(n int) int {
	return bits.Len(uint(n))
}
