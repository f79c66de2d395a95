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

// treeFiles returns the compressor trees of the plan's Tree layers, one
// file per distinct tree, and the qnn_pe_tree dispatcher over them; nil
// when no layer uses a tree.
func treeFiles(p *hw.Plan, hdr string) (map[string][]byte, error) {
	trees := map[string]*popcount.Tree{}
	for _, l := range p.Layers {
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
	if len(trees) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(trees))
	for n := range trees {
		names = append(names, n)
	}
	sort.Strings(names)
	files := map[string][]byte{}
	for _, n := range names {
		_, src := trees[n].Verilog()
		files[RTLDir+"/"+n+".v"] = []byte(src)
	}
	files[RTLDir+"/"+PETreeModule+".v"] = []byte(hdr + peTree(names, trees))
	return files, nil
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
