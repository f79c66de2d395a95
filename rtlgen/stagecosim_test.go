package rtlgen_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qnn-dev/qnn/sim"
	"github.com/qnn-dev/qnn/verilator"
)

// stageCase is one module-level co-simulation: a library module with its
// parameters, the Go model built from the same parameters, a stimulus and
// a stall schedule. The RTL must make every output handshake in the same
// cycle with the same data as the model.
type stageCase struct {
	name              string
	module            string
	params            []string // "Name=value" in the module's parameter order
	newSt             func() sim.StreamStage
	inLanes, inBits   int // lanes and bits per lane of in_data_i
	outLanes, outBits int // of out_data_o
	beats             [][]uint64
	stalls            sim.StageStalls
	wantOut           int // output beats the stimulus produces

	cycles int             // the run length (model's end + margin)
	want   []sim.StageBeat // the model's output handshakes over cycles
}

// prepare runs the model until its last expected output, then fixes the
// run length to that plus a margin (in which a correct RTL produces
// nothing) and records the model's handshakes over the whole run.
func (c *stageCase) prepare(t *testing.T) {
	t.Helper()
	out, n := sim.RunStage(c.newSt(), c.beats, c.stalls, c.wantOut)
	if len(out) != c.wantOut {
		t.Fatalf("%s: the model gave %d of %d outputs in %d cycles", c.name, len(out), c.wantOut, n)
	}
	c.cycles = n + 16
	if c.cycles > len(c.stalls.Offer) {
		t.Fatalf("%s: stall schedule of %d cycles too short for %d", c.name, len(c.stalls.Offer), c.cycles)
	}
	s := sim.StageStalls{Offer: c.stalls.Offer[:c.cycles], Ready: c.stalls.Ready[:c.cycles]}
	c.want, _ = sim.RunStage(c.newSt(), c.beats, s, 0)
	if len(c.want) != c.wantOut {
		t.Fatalf("%s: the model gave %d outputs in the run, want %d", c.name, len(c.want), c.wantOut)
	}
}

// pack is the hex of a beat: lane l at bits [l*bits +: bits].
func pack(lanes []uint64, bits int) string {
	v := new(big.Int)
	for l := len(lanes) - 1; l >= 0; l-- {
		v.Lsh(v, uint(bits))
		v.Or(v, new(big.Int).SetUint64(lanes[l]))
	}
	return v.Text(16)
}

func unpack(digits string, lanes, bits int) ([]uint64, error) {
	v, ok := new(big.Int).SetString(digits, 16)
	if !ok {
		return nil, fmt.Errorf("bad hex %q", digits)
	}
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1))
	out := make([]uint64, lanes)
	for l := range out {
		out[l] = new(big.Int).And(new(big.Int).Rsh(v, uint(l*bits)), mask).Uint64()
	}
	return out, nil
}

// writeCases writes every case's stimulus and schedule into dir and the
// bench top (stage_cosim_top) that runs all cases side by side.
func writeCases(t *testing.T, dir string, cases []*stageCase) string {
	t.Helper()
	var top strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&top, format, args...) }
	w("module stage_cosim_top;\n  reg clk = 1'b0;\n  reg rst_n = 1'b0;\n  wire [%d:0] done;\n", len(cases)-1)
	w("  always #5 clk = !clk;\n")
	w("  initial begin\n    repeat (3) @(posedge clk);\n    #1 rst_n = 1'b1;\n")
	w("    while (!(&done)) @(posedge clk);\n    $finish;\n  end\n")
	for i, c := range cases {
		var stim, sched strings.Builder
		for _, b := range c.beats {
			fmt.Fprintln(&stim, pack(b, c.inBits))
		}
		if len(c.beats) == 0 {
			fmt.Fprintln(&stim, "0")
		}
		for k := range c.cycles {
			fmt.Fprintf(&sched, "%d%d\n", b2i(c.stalls.Ready[k]), b2i(c.stalls.Offer[k]))
		}
		files := map[string]string{fmt.Sprintf("stim%d.hex", i): stim.String(), fmt.Sprintf("sched%d.bin", i): sched.String()}
		for name, s := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		inW, outW := c.inLanes*c.inBits, c.outLanes*c.outBits
		w("  // case %d: %s\n", i, c.name)
		w("  wire c%d_iv, c%d_ir, c%d_ov, c%d_or;\n  wire [%d:0] c%d_id;\n  wire [%d:0] c%d_od;\n", i, i, i, i, inW-1, i, outW-1, i)
		w("  qnn_stage_drv #(.InBits(%d), .OutBits(%d), .NBeats(%d), .Cycles(%d), .StimFile(\"stim%d.hex\"), .SchedFile(\"sched%d.bin\"), .OutFile(\"out%d.txt\")) u_drv%d (\n",
			inW, outW, max(len(c.beats), 1), c.cycles, i, i, i, i)
		w("    .clk_i(clk), .rst_ni(rst_n), .in_valid_o(c%d_iv), .in_data_o(c%d_id), .in_ready_i(c%d_ir),\n", i, i, i)
		w("    .out_valid_i(c%d_ov), .out_data_i(c%d_od), .out_ready_o(c%d_or), .done_o(done[%d]));\n", i, i, i, i)
		var ps []string
		for _, p := range c.params {
			k, v, _ := strings.Cut(p, "=")
			ps = append(ps, fmt.Sprintf(".%s(%s)", k, v))
		}
		w("  %s #(%s) u_dut%d (\n", c.module, strings.Join(ps, ", "), i)
		w("    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(c%d_iv), .in_ready_o(c%d_ir), .in_data_i(c%d_id),\n", i, i, i)
		w("    .out_valid_o(c%d_ov), .out_ready_i(c%d_or), .out_data_o(c%d_od));\n", i, i, i)
	}
	w("endmodule\n")
	path := filepath.Join(dir, "stage_cosim_top.v")
	if err := os.WriteFile(path, []byte(top.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runIcarus compiles and runs the bench with Icarus; libs are the module
// files (library or broken copies).
func runIcarus(t *testing.T, dir, top string, libs []string) {
	t.Helper()
	vvp := filepath.Join(dir, "tb.vvp")
	args := append([]string{"-g2005", "-s", "stage_cosim_top", "-o", vvp, top, "testdata/qnn_stage_drv.v"}, libs...)
	if out, err := exec.Command("iverilog", args...).CombinedOutput(); err != nil {
		t.Fatalf("iverilog: %v\n%s", err, out)
	}
	cmd := exec.Command("vvp", "-n", vvp)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vvp: %v\n%s", err, out)
	}
}

// runVerilator builds the bench with verilator --binary (timing; registers
// without a reset start random), or
// finds the binary in the build cache (keyed by the Verilator version, the
// flags and every source: the stimulus files are read at run time), and
// runs it in dir.
func runVerilator(t *testing.T, dir, top string, libs []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	srcs := append([]string{top, "testdata/qnn_stage_drv.v"}, libs...)
	flags := []string{"--binary", "-j", "2", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module", "stage_cosim_top",
		"--x-assign", "unique", "--x-initial", "unique",
		"-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"}
	ver, err := exec.CommandContext(ctx, "verilator", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "qnn-stage-cosim 1\n%s\n%q\n", bytes.TrimSpace(ver), flags)
	for _, f := range srcs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "\n%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	root, err := verilator.CacheRoot()
	if err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(root, "stages-"+hex.EncodeToString(h.Sum(nil))[:32])
	bin := filepath.Join(final, "Vstage_cosim_top")
	if _, err := os.Stat(bin); err != nil {
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		tmp, err := os.MkdirTemp(root, ".stages-tmp-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		args := append(append(flags, "-Mdir", filepath.Join(tmp, "obj")), srcs...)
		if out, err := exec.CommandContext(ctx, "verilator", args...).CombinedOutput(); err != nil {
			t.Fatalf("verilator: %v\n%s", err, out)
		}
		keep := filepath.Join(tmp, "keep")
		if err := os.Mkdir(keep, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(tmp, "obj", "Vstage_cosim_top"), filepath.Join(keep, "Vstage_cosim_top")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(keep, final); err != nil && !os.IsExist(err) {
			if _, statErr := os.Stat(bin); statErr != nil { // not a concurrent build of the same key
				t.Fatal(err)
			}
		}
	}
	// Every register without a reset (data, memories) starts random.
	cmd := exec.CommandContext(ctx, bin, "+verilator+rand+reset+2", "+verilator+seed+7")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
}

// compare reads case i's RTL handshakes and returns the first difference
// from the model's ("" if none).
func compare(dir string, i int, c *stageCase) string {
	f, err := os.Open(filepath.Join(dir, fmt.Sprintf("out%d.txt", i)))
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var got []sim.StageBeat
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var k int64
		var digits string
		if _, err := fmt.Sscanf(sc.Text(), "%d %s", &k, &digits); err != nil {
			return fmt.Sprintf("line %q: %v", sc.Text(), err)
		}
		d, err := unpack(digits, c.outLanes, c.outBits)
		if err != nil {
			return err.Error()
		}
		got = append(got, sim.StageBeat{Cycle: k, Data: d})
	}
	for j := range max(len(got), len(c.want)) {
		switch {
		case j >= len(got):
			return fmt.Sprintf("output %d: RTL has none, model at cycle %d %v", j, c.want[j].Cycle, c.want[j].Data)
		case j >= len(c.want):
			return fmt.Sprintf("output %d: RTL at cycle %d %v, model has none", j, got[j].Cycle, got[j].Data)
		case got[j].Cycle != c.want[j].Cycle || fmt.Sprint(got[j].Data) != fmt.Sprint(c.want[j].Data):
			return fmt.Sprintf("output %d: RTL cycle %d %v, model cycle %d %v", j, got[j].Cycle, got[j].Data, c.want[j].Cycle, c.want[j].Data)
		}
	}
	return ""
}
