package rtlgen_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/rtlgen"
)

// TestLSTMModuleLint: the recurrent stage's module (lib/seq/qnn_lstm.v,
// docs/lstm-hardware.md) is lint-clean under verilator --lint-only -Wall
// and compiles as Verilog-2005 under Icarus, for foldings that pad units
// and lanes, 2..8-bit elements, zero and non-zero shifts, and cells of
// 7..32 bits (cell datapaths up to 42 bits wide).
func TestLSTMModuleLint(t *testing.T) {
	needTool(t, "verilator")
	needTool(t, "iverilog")
	dir := t.TempDir()
	files := []string{filepath.Join("lib", "seq", "qnn_lstm.v")}
	for _, m := range []string{"qnn_rom", "qnn_pe", "qnn_threshold"} {
		src, err := rtlgen.LibrarySource(m)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, m+".v")
		if err := os.WriteFile(f, src, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	cases := []map[string]string{
		{"Vocab": "10", "TokBits": "8", "H": "5", "XBits": "2", "L0": "2", "WBits": "2", "Pe": "8", "Simd": "3", "Nf": "3",
			"SfX": "1", "SfH": "2", "AccWidth": "8", "GateBits": "2", "GateThrWidth": "9", "CellBits": "7", "FShift": "2",
			"IGShift": "0", "CellActBits": "2", "CellThrWidth": "7", "HidThrWidth": "8", "BaseG": "-2", "BaseT": "-2",
			"FcWidth": "9", "IgWidth": "4", "CellSumWidth": "7", "OtWidth": "4"},
		{"Vocab": "10000", "TokBits": "16", "H": "300", "XBits": "4", "L0": "8", "WBits": "4", "Pe": "16", "Simd": "32", "Nf": "75",
			"SfX": "10", "SfH": "10", "AccWidth": "17", "GateBits": "4", "GateThrWidth": "18", "CellBits": "11", "FShift": "4",
			"IGShift": "0", "CellActBits": "4", "CellThrWidth": "11", "HidThrWidth": "9", "BaseG": "-8", "BaseT": "-8",
			"FcWidth": "16", "IgWidth": "8", "CellSumWidth": "12", "OtWidth": "8"},
		{"Vocab": "3", "TokBits": "8", "H": "1", "XBits": "8", "L0": "128", "WBits": "8", "Pe": "4", "Simd": "1", "Nf": "1",
			"SfX": "2", "SfH": "1", "AccWidth": "20", "GateBits": "8", "GateThrWidth": "21", "CellBits": "22", "FShift": "8",
			"IGShift": "3", "CellActBits": "8", "CellThrWidth": "22", "HidThrWidth": "18", "BaseG": "-128", "BaseT": "-128",
			"FcWidth": "30", "IgWidth": "17", "CellSumWidth": "23", "OtWidth": "17"},
		// A 32-bit cell: f*c_prev needs 41 bits.
		{"Vocab": "5", "TokBits": "8", "H": "3", "XBits": "8", "L0": "128", "WBits": "8", "Pe": "12", "Simd": "2", "Nf": "1",
			"SfX": "2", "SfH": "2", "AccWidth": "20", "GateBits": "8", "GateThrWidth": "21", "CellBits": "32", "FShift": "0",
			"IGShift": "3", "CellActBits": "8", "CellThrWidth": "32", "HidThrWidth": "18", "BaseG": "-128", "BaseT": "-128",
			"BaseI": "1", "FcWidth": "41", "IgWidth": "17", "CellSumWidth": "42", "OtWidth": "17"},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var vargs, iargs []string
			for k, v := range c {
				vargs = append(vargs, "-G"+k+"="+v)
				iargs = append(iargs, "-Pqnn_lstm."+k+"="+v)
			}
			for _, f := range []string{"EmbFile", "WeightFile", "GateThrFile", "CellThrFile", "HidThrFile"} {
				vargs = append(vargs, "-G"+f+`="x.mem"`)
			}
			args := append([]string{"--lint-only", "-Wall", "--top-module", "qnn_lstm"}, vargs...)
			if out, err := exec.Command("verilator", append(args, files...)...).CombinedOutput(); err != nil {
				t.Fatalf("verilator --lint-only -Wall: %v\n%s", err, out)
			}
			args = append([]string{"-g2005", "-o", filepath.Join(dir, "lstm.vvp"), "-s", "qnn_lstm"}, iargs...)
			if out, err := exec.Command("iverilog", append(args, files...)...).CombinedOutput(); err != nil || strings.Contains(string(out), "error") {
				t.Fatalf("iverilog -g2005: %v\n%s", err, out)
			}
		})
	}
}
