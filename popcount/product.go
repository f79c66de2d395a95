package popcount

import (
	"fmt"
	"math/bits"
)

// Product selects a lane-product tree: each of the N lanes has a WBits-bit
// weight a_i[s*WBits +: WBits] and an XBits-bit input b_i[s*XBits +: XBits],
// and the tree sums a non-negative lane value LaneValue(w, x) that is an
// affine image of the lane's signed product (Options.LaneScale and
// LaneOffset). The lane value is a weighted sum of bit planes, each plane a
// two-input gate (XNOR, AND or NAND) of one weight bit and one input bit, so
// the tree is one compressor tree over several columns whose first level
// folds the gates into its counters, as the XNOR popcount does.
type Product string

const (
	// ProductNone is the popcount (or, with XNOR, the XNOR popcount).
	ProductNone Product = ""
	// ProductW1 is a 1-bit weight w (1 = +1) and an unsigned XBits-bit input
	// x: product w ? x : -x. Lane value w ? x : 2^XBits-1-x, the planes
	// XNOR(w, x_j) of weight 2^j.
	ProductW1 Product = "w1"
	// ProductX1 is a signed WBits-bit weight w and a 1-bit input x (1 = +1):
	// product x ? w : -w. Lane value x*w + 2^(WBits-1), the planes AND(x,
	// w_j) of weight 2^j and, for the sign bit, NAND(x, w_(WBits-1)).
	ProductX1 Product = "x1"
	// ProductMul is a signed WBits-bit weight w and an unsigned XBits-bit
	// input x: product w*x. Lane value w*x + 2^(WBits-1)*(2^XBits-1), the
	// planes AND(w_i, x_j) of weight 2^(i+j), NAND for the sign bit i =
	// WBits-1.
	ProductMul Product = "mul"
)

// MaxProductBits bounds WBits and XBits of a lane-product tree.
const MaxProductBits = 8

// Op is the gate of a lane term: the term's bit is Op(a, b) of one weight
// bit a and one input bit b.
type Op byte

const (
	OpXNOR Op = 'x' // a == b
	OpAND  Op = 'a' // a && b
	OpNAND Op = 'n' // !(a && b)
)

// Eval is the gate's value.
func (op Op) Eval(a, b bool) bool {
	switch op {
	case OpXNOR:
		return a == b
	case OpAND:
		return a && b
	default:
		return !(a && b)
	}
}

// Term is one input bit of a tree's first level: Op(a_i[A], b_i[B]).
type Term struct {
	Op   Op
	A, B int
}

// plane is one bit plane of a lane value: Op(w bit A, x bit B) of weight
// 2^Col, for every lane.
type plane struct {
	Col  int
	Op   Op
	A, B int
}

// planes is the lane value's decomposition (nil for ProductNone).
func (o Options) planes() []plane {
	var ps []plane
	switch o.Product {
	case ProductW1:
		for j := 0; j < o.XBits; j++ {
			ps = append(ps, plane{Col: j, Op: OpXNOR, A: 0, B: j})
		}
	case ProductX1:
		for j := 0; j < o.WBits; j++ {
			ps = append(ps, plane{Col: j, Op: gateFor(j, o.WBits), A: j, B: 0})
		}
	case ProductMul:
		for i := 0; i < o.WBits; i++ {
			for j := 0; j < o.XBits; j++ {
				ps = append(ps, plane{Col: i + j, Op: gateFor(i, o.WBits), A: i, B: j})
			}
		}
	}
	return ps
}

// gateFor is AND for weight bit i, NAND for the sign bit: -2^i*a*b =
// 2^i*NAND(a, b) - 2^i.
func gateFor(i, wbits int) Op {
	if i == wbits-1 {
		return OpNAND
	}
	return OpAND
}

// terms is the first level's input: column c holds, plane by plane in
// plane order, one term per lane (lanes ascending).
func (o Options) terms() [][]Term {
	if o.Product == ProductNone {
		if !o.XNOR {
			return nil
		}
		ts := make([]Term, o.N)
		for i := range ts {
			ts[i] = Term{Op: OpXNOR, A: i, B: i}
		}
		return [][]Term{ts}
	}
	cols := make([][]Term, o.SumWidth())
	for _, p := range o.planes() {
		for s := 0; s < o.N; s++ {
			cols[p.Col] = append(cols[p.Col], Term{Op: p.Op, A: s*o.WBits + p.A, B: s*o.XBits + p.B})
		}
	}
	return cols
}

// LaneValue is one lane's contribution to count_o for weight code w (the
// WBits-bit field) and input code x (the XBits-bit field), computed
// arithmetically (the lane-value formulas of Product); it equals the sum of
// the lane's planes (tests check both).
func (o Options) LaneValue(w, x int) int64 {
	half := int64(1) << (o.WBits - 1)
	x &= 1<<o.XBits - 1
	switch o.Product {
	case ProductW1:
		if w&1 == 1 {
			return int64(x)
		}
		return int64(1<<o.XBits - 1 - x)
	case ProductX1:
		if x&1 == 1 {
			return signed(w, o.WBits) + half
		}
		return half
	case ProductMul:
		return signed(w, o.WBits)*int64(x) + half*(1<<o.XBits-1)
	}
	return 0
}

// planeValue is the lane value as the sum of its planes.
func (o Options) planeValue(w, x int) int64 {
	var v int64
	for _, p := range o.planes() {
		if p.Op.Eval(w>>p.A&1 == 1, x>>p.B&1 == 1) {
			v += 1 << p.Col
		}
	}
	return v
}

// Planes is the number of bit planes of a lane value (0 for a popcount).
func (o Options) Planes() int { return len(o.planes()) }

// LaneMax is the largest lane value.
func (o Options) LaneMax() int64 {
	var v int64
	for _, p := range o.planes() {
		v += 1 << p.Col
	}
	return v
}

// LaneProduct is the signed product of weight code w and input code x
// (docs/dataflow.md "Lane product kinds"): w1 w ? x : -x; x1 x ? W : -W;
// mul W*x, with W the two's-complement value of w.
func (o Options) LaneProduct(w, x int) int64 {
	switch o.Product {
	case ProductW1:
		if w&1 == 1 {
			return int64(x)
		}
		return -int64(x)
	case ProductX1:
		if x&1 == 1 {
			return signed(w, o.WBits)
		}
		return -signed(w, o.WBits)
	default:
		return signed(w, o.WBits) * int64(x)
	}
}

// LaneScale and LaneOffset relate the lane value to the product: for every
// weight code w and input code x,
//
//	LaneScale() * LaneValue(w, x) == LaneProduct(w, x) + LaneOffset(w).
//
// The offset depends on the weight only, so a sum of lane products is
// LaneScale times the tree's count minus a constant of the weights.
func (o Options) LaneScale() int64 {
	if o.Product == ProductX1 {
		return 2
	}
	return 1
}

// LaneOffset is the offset of LaneScale for weight code w.
func (o Options) LaneOffset(w int) int64 {
	switch o.Product {
	case ProductW1:
		if w&1 == 1 {
			return 0
		}
		return 1<<o.XBits - 1
	case ProductX1:
		return signed(w, o.WBits) + 1<<o.WBits
	default:
		return 1 << (o.WBits - 1) * (1<<o.XBits - 1)
	}
}

// signed is the two's-complement value of the low b bits of v.
func signed(v, b int) int64 {
	s := 64 - uint(b)
	return int64(v) << s >> s
}

// SumWidth is the width of count_o: clog2(N+1) for a popcount, the bits of
// N*LaneMax() for a lane-product tree.
func (o Options) SumWidth() int {
	if o.Product == ProductNone {
		return Width(o.N)
	}
	return bits.Len64(uint64(o.N) * uint64(o.LaneMax()))
}

// ABits and BBits are the widths of a_i and b_i (BBits 0: no b_i).
func (o Options) ABits() int {
	if o.Product == ProductNone {
		return o.N
	}
	return o.N * o.WBits
}

// BBits is the width of b_i (0: the module has no b_i).
func (o Options) BBits() int {
	switch {
	case o.Product != ProductNone:
		return o.N * o.XBits
	case o.XNOR:
		return o.N
	}
	return 0
}

// folded reports whether the first level reads two-input lane terms.
func (o Options) folded() bool { return o.XNOR || o.Product != ProductNone }

func (o Options) validateProduct() error {
	switch o.Product {
	case ProductNone:
		if o.WBits != 0 || o.XBits != 0 {
			return fmt.Errorf("popcount: WBits/XBits %d/%d without a Product", o.WBits, o.XBits)
		}
		return nil
	case ProductW1, ProductX1, ProductMul:
	default:
		return fmt.Errorf("popcount: unknown Product %q (want w1, x1 or mul)", o.Product)
	}
	if o.XNOR {
		return fmt.Errorf("popcount: XNOR and Product %q are exclusive", o.Product)
	}
	if o.WBits < 1 || o.WBits > MaxProductBits || o.XBits < 1 || o.XBits > MaxProductBits {
		return fmt.Errorf("popcount: WBits/XBits %d/%d out of range 1..%d", o.WBits, o.XBits, MaxProductBits)
	}
	if o.Product == ProductW1 && o.WBits != 1 {
		return fmt.Errorf("popcount: Product w1 needs WBits 1, not %d", o.WBits)
	}
	if o.Product == ProductX1 && o.XBits != 1 {
		return fmt.Errorf("popcount: Product x1 needs XBits 1, not %d", o.XBits)
	}
	if o.SumWidth() > 62 {
		return fmt.Errorf("popcount: %d lanes of %s products overflow 62 bits", o.N, o.Product)
	}
	return nil
}
