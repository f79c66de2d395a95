package rtlgen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/popcount"
)

// PETreeModule is the generated module qnn_mvtu instantiates for Tree
// layers: it picks this design's compressor tree by (Simd, PipeEvery).
const PETreeModule = "qnn_pe_tree"

// PELanesModule is the generated module qnn_mvtu instantiates for lane-tree
// layers (k-bit kinds with Tree set): it picks this design's lane-product
// tree by (Kind, Simd, WBits, XBits, PipeEvery).
const PELanesModule = "qnn_pe_lanes"

// treeFiles returns the compressor trees of the plan's Tree layers, one
// file per distinct tree, and the qnn_pe_tree (xnor) and qnn_pe_lanes
// (k-bit kinds) dispatchers over them; nil when no layer uses a tree.
func treeFiles(p *hw.Plan, hdr string) (map[string][]byte, error) {
	xnor, lanes := map[string]*popcount.Tree{}, map[string]*popcount.Tree{}
	for _, l := range p.Layers {
		trees := xnor
		if l.LaneTree() {
			trees = lanes
		}
		if !l.Tree {
			continue
		}
		t, err := popcount.Plan(l.PopcountOptions())
		if err != nil {
			return nil, fmt.Errorf("rtlgen: layer %d (%s): %w", l.Index, l.Name, err)
		}
		if t.Latency() != l.PipeDepth {
			return nil, fmt.Errorf("rtlgen: layer %d (%s): PipeDepth %d, but the tree's latency is %d", l.Index, l.Name, l.PipeDepth, t.Latency())
		}
		trees[t.Name()] = t
	}
	if len(xnor)+len(lanes) == 0 {
		return nil, nil
	}
	files := map[string][]byte{}
	if names := treeNames(xnor, files); names != nil {
		files[RTLDir+"/"+PETreeModule+".v"] = []byte(hdr + peTree(names, xnor))
	}
	if names := treeNames(lanes, files); names != nil {
		files[RTLDir+"/"+PELanesModule+".v"] = []byte(hdr + peLanes(names, lanes))
	}
	return files, nil
}

// treeNames adds the trees' files to files and returns their names, sorted
// (nil for no trees).
func treeNames(trees map[string]*popcount.Tree, files map[string][]byte) []string {
	var names []string
	for n := range trees {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		_, src := trees[n].Verilog()
		files[RTLDir+"/"+n+".v"] = []byte(src)
		for _, m := range trees[n].CounterModules() { // same name, same module
			files[RTLDir+"/"+m[0]+".v"] = []byte(m[1])
		}
	}
	return names
}

// peTree is the dispatcher: sum_o = the tree's count, zero-extended.
func peTree(names []string, trees map[string]*popcount.Tree) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("//\n// %s: the xnor PE reduction of this design's Tree layers (docs/dataflow.md\n", PETreeModule)
	w("// \"MVTU\"): sum_o = the number of lanes s with w_i[s] == x_i[s], zero-extended,\n")
	w("// from the compressor tree generated for (Simd, PipeEvery); pipelined trees\n")
	w("// load on clk_i when en_i and show the count of their latency-th enabled\n")
	w("// cycle before.\n")
	// The defaults select the first tree, so that tools elaborating the
	// unparameterised module (Yosys hierarchy -check) accept it.
	t0 := trees[names[0]]
	w("module %s #(\n", PETreeModule)
	w("  parameter integer Simd      = %d,\n", t0.N)
	w("  parameter integer PipeEvery = %d,\n", t0.PipelineEvery)
	w("  parameter integer SumWidth  = %d\n", t0.Width+1)
	w(") (\n")
	w("  input  wire                clk_i,\n")
	w("  input  wire                en_i,\n")
	w("  input  wire [Simd-1:0]     w_i,\n")
	w("  input  wire [Simd-1:0]     x_i,\n")
	w("  output wire [SumWidth-1:0] sum_o\n")
	w(");\n\n")
	w("  generate\n")
	for i, n := range names {
		t := trees[n]
		if i == 0 {
			w("    if (Simd == %d && PipeEvery == %d) begin : gen_%s\n", t.N, t.PipelineEvery, n)
		} else {
			w("    end else if (Simd == %d && PipeEvery == %d) begin : gen_%s\n", t.N, t.PipelineEvery, n)
		}
		w("      wire [%d:0] count;\n", t.Width-1)
		w("      %s u_tree (\n", n)
		if t.Latency() > 0 {
			w("        .clk_i   (clk_i),\n")
			w("        .en_i    (en_i),\n")
		}
		w("        .a_i     (w_i),\n")
		w("        .b_i     (x_i),\n")
		w("        .count_o (count)\n")
		w("      );\n")
		w("      assign sum_o = {{(SumWidth-%d){1'b0}}, count};\n", t.Width)
		if t.Latency() == 0 {
			w("      wire unused_clk = clk_i ^ en_i;  // combinational tree\n")
		}
	}
	w("    end else begin : gen_check_tree\n")
	w("      qnn_param_error_pe_tree_not_generated_for_simd_and_pipe_every u_param_error ();\n")
	w("    end\n")
	w("  endgenerate\n\n")
	w("endmodule\n")
	return b.String()
}

// peLanes is the lane-tree dispatcher: sum_o = the tree's sum of lane
// values (docs/dataflow.md "Hardware domain", lane-tree layers),
// zero-extended to SumWidth bits, or truncated to them (the accumulator
// range bounds every sum, so the bits dropped are 0).
func peLanes(names []string, trees map[string]*popcount.Tree) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("//\n// %s: the k-bit PE reduction of this design's lane-tree layers\n", PELanesModule)
	w("// (docs/dataflow.md \"Hardware domain\"): sum_o = the sum over lanes s of the\n")
	w("// lane value of weight w_i[s*WBits +: WBits] and input x_i[s*XBits +: XBits],\n")
	w("// from the lane-product tree generated for (Kind, Simd, WBits, XBits,\n")
	w("// PipeEvery); pipelined trees load on clk_i when en_i and show the sum of\n")
	w("// their latency-th enabled cycle before.\n")
	t0 := trees[names[0]]
	w("module %s #(\n", PELanesModule)
	w("  parameter integer Kind      = %d,\n", productKind(t0.Product))
	w("  parameter integer Simd      = %d,\n", t0.N)
	w("  parameter integer WBits     = %d,\n", t0.WBits)
	w("  parameter integer XBits     = %d,\n", t0.XBits)
	w("  parameter integer PipeEvery = %d,\n", t0.PipelineEvery)
	w("  parameter integer SumWidth  = %d\n", t0.Width+1)
	w(") (\n")
	w("  input  wire                  clk_i,\n")
	w("  input  wire                  en_i,\n")
	w("  input  wire [Simd*WBits-1:0] w_i,\n")
	w("  input  wire [Simd*XBits-1:0] x_i,\n")
	w("  output wire [SumWidth-1:0]   sum_o\n")
	w(");\n\n")
	w("  generate\n")
	for i, n := range names {
		t := trees[n]
		cond := fmt.Sprintf("Kind == %d && Simd == %d && WBits == %d && XBits == %d && PipeEvery == %d",
			productKind(t.Product), t.N, t.WBits, t.XBits, t.PipelineEvery)
		if i == 0 {
			w("    if (%s) begin : gen_%s\n", cond, n)
		} else {
			w("    end else if (%s) begin : gen_%s\n", cond, n)
		}
		w("      wire [%d:0] count;\n", t.Width-1)
		w("      %s u_tree (\n", n)
		if t.Latency() > 0 {
			w("        .clk_i   (clk_i),\n")
			w("        .en_i    (en_i),\n")
		}
		w("        .a_i     (w_i),\n")
		w("        .b_i     (x_i),\n")
		w("        .count_o (count)\n")
		w("      );\n")
		w("      if (SumWidth > %d) begin : gen_extend\n", t.Width)
		w("        assign sum_o = {{(SumWidth-%d){1'b0}}, count};\n", t.Width)
		w("      end else begin : gen_truncate\n")
		w("        assign sum_o = count[SumWidth-1:0];\n")
		if t.Width > 1 {
			w("        wire unused_count = ^count;  // the bits above SumWidth are 0\n")
		}
		w("      end\n")
		if t.Latency() == 0 {
			w("      wire unused_clk = clk_i ^ en_i;  // combinational tree\n")
		}
	}
	w("    end else begin : gen_check_tree\n")
	w("      qnn_param_error_pe_lanes_not_generated_for_kind_simd_bits_and_pipe_every u_param_error ();\n")
	w("    end\n")
	w("  endgenerate\n\n")
	w("endmodule\n")
	return b.String()
}

// productKind is the qnn_mvtu Kind code of a lane-product tree.
func productKind(p popcount.Product) int {
	switch p {
	case popcount.ProductW1:
		return kindCode(hw.KindW1)
	case popcount.ProductX1:
		return kindCode(hw.KindX1)
	}
	return kindCode(hw.KindMul)
}
