// Package popcount generates Verilog-2005 popcount trees for 6-input-LUT
// fabrics (Xilinx 7-series and later): the reduction that a binarized
// processing element applies to its SIMD lane products.
//
// A tree counts the ones among N input bits (or, with Options.XNOR, the lanes
// where two operands agree, XNOR(a, b)) and outputs the count on
// clog2(N+1) bits. It is built column by column, Dadda style: each level
// reduces the bit columns with counters (6:3, 5:3, 4:3, 3:2 and 2:2), each
// written as a case ROM over at most six inputs so that every counter output
// bit is exactly one LUT; when every column holds at most two bits (three in
// the lowest, which becomes the carry-in) a final binary adder ('+', mapped to
// the carry chain) produces the count. With XNOR the first level counts three
// lanes per LUT (six inputs: three weight and three activation bits), so the
// XNOR gates cost nothing. Options.PipelineEvery inserts a register rank every
// so many levels; Tree.Latency says how many cycles that adds.
//
// With Options.Product the tree sums k-bit lane products instead (product.go):
// each lane's signed product is an affine image (LaneScale, LaneOffset) of a
// non-negative lane value that is a weighted sum of bit planes, each plane a
// gate (XNOR, AND, NAND) of one weight and one input bit; the tree is one
// multi-column compressor tree whose first level folds the gates, and its
// counters are kept as modules (Tree.CounterModules) so that synthesis keeps
// one LUT per counter output.
//
// Plan builds the tree (cheap, no Verilog), so a hardware plan can ask for the
// latency, the logic depth and the LUT count without generating code;
// Tree.Verilog emits the module. Reference emits the behavioural popcount (a
// for-loop sum) that the tree is proven equal to (Yosys miter + SAT in the
// tests) and that stays the better choice on 4-input-LUT fabrics (iCE40).
// docs/popcount.md gives the structure, the measured LUT counts and the
// formal-equivalence results.
//
// Output is deterministic: the same Options give byte-identical Verilog, and
// module names derive from the options (qnn_popcount_xnor_n64_p0).
//
// popcount imports only the Go standard library and must never import another
// qnn package: hw (latency and estimate) and rtlgen (Verilog) import it.
package popcount
