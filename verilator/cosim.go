package verilator

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/internal/proc"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/sim"
)

//go:embed harness/harness.cpp
var harnessSource []byte

// Simulators.
const (
	Verilator = "verilator"
	Icarus    = "icarus"
)

// ErrNoTool is returned (wrapped) when verilator or iverilog is missing.
var ErrNoTool = errors.New("simulator not installed")

// Options select the simulator and the run.
type Options struct {
	Simulator         string  // Verilator (default) or Icarus
	StallIn, StallOut float64 // stall probabilities in [0, 1)
	Seed              uint64  // stall schedule seed
	// ResetSeed seeds Verilator's random initial values (+verilator+seed+N,
	// with +verilator+rand+reset+2); 0 picks one from the clock.
	ResetSeed uint64
	Trace     string // VCD (.vcd) or FST (.fst) waveform file; "" for none
	// CacheDir holds Verilator builds; "" means CacheRoot().
	CacheDir string
	// QuickBuild compiles the Verilator model's C++ without optimisation:
	// builds are faster, runs slower (for tests of a few hundred frames).
	QuickBuild bool
	// Top is the top module's name; "" means rtlgen.DefaultTop.
	Top string
	// Log receives the build tools' output; nil discards it.
	Log io.Writer
}

func (o Options) top() string {
	if o.Top == "" {
		return rtlgen.DefaultTop
	}
	return o.Top
}

// Design is a generated design directory with its plan.
type Design struct {
	Dir  string
	Plan *hw.Plan
}

// LoadDesign reads DIR/netlist.json and DIR/plan.json.
func LoadDesign(dir string) (*Design, error) {
	n, err := netlist.Load(filepath.Join(dir, rtlgen.NetlistFile))
	if err != nil {
		return nil, err
	}
	p, err := hw.Load(filepath.Join(dir, hw.PlanFile), n)
	if err != nil {
		return nil, err
	}
	return &Design{Dir: dir, Plan: p}, nil
}

// Mismatch is the first difference between the RTL and the Go model.
type Mismatch struct {
	// Frame is the output handshake's index; for a framer status
	// difference (Status set) the index of the status change.
	Frame    int    `json:"frame"`
	Cycle    int64  `json:"cycle"`    // expected cycle (sim), or the RTL's when sim has none
	Expected string `json:"expected"` // "cycle K tdata HEX" (or "cycle K err E drops D"), or "none"
	Actual   string `json:"actual"`
	Status   bool   `json:"status,omitempty"` // a difference in frame_err / frame_drops
}

func (m *Mismatch) Error() string {
	if m.Status {
		return fmt.Sprintf("framer status change %d, cycle %d: expected %s, RTL gave %s", m.Frame, m.Cycle, m.Expected, m.Actual)
	}
	return fmt.Sprintf("frame %d, cycle %d: expected %s, RTL gave %s", m.Frame, m.Cycle, m.Expected, m.Actual)
}

// Report is the outcome of one co-simulation.
type Report struct {
	Simulator    string  `json:"simulator"`
	Frames       int     `json:"frames"`
	Beats        int     `json:"beats_compared"`
	Cycles       int64   `json:"cycles"`
	ResetSeed    uint64  `json:"reset_seed,omitempty"`
	Cached       bool    `json:"build_cached"`
	BuildSeconds float64 `json:"build_seconds"`
	RunSeconds   float64 `json:"run_seconds"`
	// CyclesPerSecond is the RTL simulator's speed (cycles / RunSeconds).
	CyclesPerSecond float64 `json:"cycles_per_second"`
	SimSeconds      float64 `json:"sim_seconds"`
	// SimCyclesPerSecond is the Go model's speed on the same run.
	SimCyclesPerSecond float64     `json:"sim_cycles_per_second"`
	Mismatch           *Mismatch   `json:"mismatch,omitempty"`
	Sim                *sim.Result `json:"-"`
}

// Cosim runs frames images (pixels back to back) through sim.Run and
// through the RTL of d, and compares every output handshake (and every
// change of frame_err / frame_drops: none for these well-formed frames).
// A difference is reported in Report.Mismatch (and as the error, a
// *Mismatch).
func Cosim(ctx context.Context, d *Design, pixels []byte, frames int, opt Options) (*Report, error) {
	if err := checkOptions(opt); err != nil {
		return nil, err
	}
	if frames < 1 {
		return nil, fmt.Errorf("verilator: need at least one frame, got %d", frames)
	}
	p := d.Plan
	if len(pixels) < frames*p.Input.Shape.Size() {
		return nil, fmt.Errorf("verilator: %d pixels for %d frames of %d", len(pixels), frames, p.Input.Shape.Size())
	}
	start := time.Now()
	pixels = pixels[:frames*p.Input.Shape.Size()]
	want, err := sim.Run(p, pixels, frames, sim.Config{StallIn: opt.StallIn, StallOut: opt.StallOut, Seed: opt.Seed})
	if err != nil {
		return nil, fmt.Errorf("verilator: sim: %w", err)
	}
	// Room for the RTL to be late, but not forever.
	run := rtlRun{beats: sim.FrameBeats(p, pixels, frames), frames: frames, maxCycles: 2*want.Cycles + 10000}
	return cosim(ctx, d, want, time.Since(start), run, opt)
}

// CosimStream runs an s_axis stream given beat by beat (any tlast
// pattern) with reset pulses through sim.RunStream and through the RTL of
// d for the same number of cycles, and compares every output handshake
// and every change of frame_err / frame_drops. Report.Frames is the
// number of outputs sim expects (frames neither dropped nor lost to a
// reset).
func CosimStream(ctx context.Context, d *Design, beats []sim.InputBeat, resets []sim.Reset, opt Options) (*Report, error) {
	if err := checkOptions(opt); err != nil {
		return nil, err
	}
	start := time.Now()
	want, err := sim.RunStream(d.Plan, beats, resets, sim.Config{StallIn: opt.StallIn, StallOut: opt.StallOut, Seed: opt.Seed})
	if err != nil {
		return nil, fmt.Errorf("verilator: sim: %w", err)
	}
	// One output more than sim expects stops the RTL early; otherwise it
	// runs exactly sim's cycles, drain included.
	run := rtlRun{beats: beats, resets: resets, frames: len(want.Beats) + 1, maxCycles: want.Cycles}
	return cosim(ctx, d, want, time.Since(start), run, opt)
}

func checkOptions(opt Options) error {
	if opt.StallIn < 0 || opt.StallIn >= 1 || opt.StallOut < 0 || opt.StallOut >= 1 ||
		math.IsNaN(opt.StallIn) || math.IsNaN(opt.StallOut) {
		return fmt.Errorf("verilator: stall probabilities must be in [0, 1), got %g and %g", opt.StallIn, opt.StallOut)
	}
	return nil
}

// cosim runs the RTL and compares it with sim's result want.
func cosim(ctx context.Context, d *Design, want *sim.Result, simTime time.Duration, run rtlRun, opt Options) (*Report, error) {
	rep := &Report{Simulator: opt.simulator(), Frames: len(want.Beats), Sim: want, SimSeconds: simTime.Seconds()}
	if rep.SimSeconds > 0 {
		rep.SimCyclesPerSecond = float64(want.Cycles) / rep.SimSeconds
	}
	got, status, err := runRTL(ctx, d, run, opt, rep)
	if err != nil {
		return rep, err
	}
	rep.Cycles = want.Cycles
	mm := compare(want.Beats, got)
	if mm == nil {
		mm = compareStatus(want.Status, status)
	}
	if mm != nil {
		rep.Mismatch = mm
		return rep, mm
	}
	rep.Beats = len(got)
	return rep, nil
}

func (o Options) simulator() string {
	if o.Simulator == "" {
		return Verilator
	}
	return o.Simulator
}

// compare returns the first difference between the expected and actual
// output handshakes, or nil.
func compare(want, got []sim.Beat) *Mismatch {
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			return &Mismatch{Frame: i, Cycle: want[i].Cycle, Expected: beatString(want[i]), Actual: "none"}
		case i >= len(want):
			return &Mismatch{Frame: i, Cycle: got[i].Cycle, Expected: "none", Actual: beatString(got[i])}
		case want[i] != got[i]:
			return &Mismatch{Frame: i, Cycle: want[i].Cycle, Expected: beatString(want[i]), Actual: beatString(got[i])}
		}
	}
	return nil
}

func beatString(b sim.Beat) string { return fmt.Sprintf("cycle %d tdata %s", b.Cycle, b.TData) }

// compareStatus returns the first difference between the expected and
// actual framer status changes, or nil.
func compareStatus(want, got []sim.Status) *Mismatch {
	for i := 0; i < max(len(want), len(got)); i++ {
		switch {
		case i >= len(got):
			return &Mismatch{Frame: i, Cycle: want[i].Cycle, Expected: statusString(want[i]), Actual: "none", Status: true}
		case i >= len(want):
			return &Mismatch{Frame: i, Cycle: got[i].Cycle, Expected: "none", Actual: statusString(got[i]), Status: true}
		case want[i] != got[i]:
			return &Mismatch{Frame: i, Cycle: want[i].Cycle, Expected: statusString(want[i]), Actual: statusString(got[i]), Status: true}
		}
	}
	return nil
}

func statusString(s sim.Status) string {
	return fmt.Sprintf("cycle %d frame_err %v frame_drops %d", s.Cycle, s.Err, s.Drops)
}

// rtlRun is one RTL simulation's stimulus and stop rule.
type rtlRun struct {
	beats     []sim.InputBeat
	resets    []sim.Reset
	frames    int   // stop after this many output handshakes
	maxCycles int64 // or after this many cycles
}

// stimFile is the Verilator harness's stimulus: the beat count, then
// "hex tlast" per beat.
func (r rtlRun) stimFile() []byte {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d\n", len(r.beats))
	for _, b := range r.beats {
		last := 0
		if b.Last {
			last = 1
		}
		fmt.Fprintf(&sb, "%s %d\n", rtlgen.HexBytes(b.Data), last)
	}
	return []byte(sb.String())
}

// resetArg is the harness's RESETS argument: "k:n,..." or "-".
func (r rtlRun) resetArg() string {
	if len(r.resets) == 0 {
		return "-"
	}
	var parts []string
	for _, rs := range r.resets {
		parts = append(parts, fmt.Sprintf("%d:%d", rs.Cycle, rs.Cycles))
	}
	return strings.Join(parts, ",")
}

// runRTL runs the RTL simulator and returns its output handshakes and
// framer status changes.
func runRTL(ctx context.Context, d *Design, r rtlRun, opt Options, rep *Report) ([]sim.Beat, []sim.Status, error) {
	work, err := os.MkdirTemp("", "qnn-cosim-")
	if err != nil {
		return nil, nil, fmt.Errorf("verilator: %w", err)
	}
	defer os.RemoveAll(work)
	outPath, statusPath := filepath.Join(work, "out.txt"), filepath.Join(work, "status.txt")
	var run *exec.Cmd
	switch opt.simulator() {
	case Verilator:
		bin, cached, secs, err := BuildVerilator(ctx, d, opt)
		if err != nil {
			return nil, nil, err
		}
		rep.Cached, rep.BuildSeconds = cached, secs
		stim := filepath.Join(work, "stim.txt")
		if err := os.WriteFile(stim, r.stimFile(), 0o644); err != nil {
			return nil, nil, fmt.Errorf("verilator: %w", err)
		}
		seed := opt.ResetSeed
		if seed == 0 {
			seed = uint64(time.Now().UnixNano())%(1<<31-1) + 1
		}
		rep.ResetSeed = seed
		trace := "-"
		if opt.Trace != "" {
			if trace, err = filepath.Abs(opt.Trace); err != nil {
				return nil, nil, fmt.Errorf("verilator: %w", err)
			}
		}
		run = proc.Command(ctx, bin, stim, outPath, statusPath,
			strconv.FormatFloat(opt.StallIn, 'g', -1, 64), strconv.FormatFloat(opt.StallOut, 'g', -1, 64),
			strconv.FormatUint(opt.Seed, 10), strconv.Itoa(r.frames), strconv.FormatInt(r.maxCycles, 10),
			strconv.Itoa(d.Plan.Output.TDataBits), r.resetArg(), trace,
			fmt.Sprintf("+verilator+seed+%d", seed), "+verilator+rand+reset+2")
	case Icarus:
		vvp, secs, err := buildIcarus(ctx, d, r, benchFiles{out: outPath, status: statusPath}, work, opt)
		if err != nil {
			return nil, nil, err
		}
		rep.BuildSeconds = secs
		args := []string{"-n", vvp}
		if strings.HasSuffix(opt.Trace, ".fst") {
			args = append(args, "-fst")
		}
		run = proc.Command(ctx, "vvp", args...)
	default:
		return nil, nil, fmt.Errorf("verilator: unknown simulator %q (want verilator or icarus)", opt.Simulator)
	}
	run.Dir = d.Dir // the ROMs read mem/*.mem relative to the design directory
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	start := time.Now()
	err = run.Run()
	rep.RunSeconds = time.Since(start).Seconds()
	if err != nil {
		return nil, nil, fmt.Errorf("verilator: running %s: %w: %s", opt.simulator(), err, lastLines(stderr.String()+stdout.String(), 5))
	}
	cycles, err := harnessCycles(stdout.String())
	if err != nil {
		return nil, nil, fmt.Errorf("verilator: %s: %w: %s", opt.simulator(), err, lastLines(stderr.String()+stdout.String(), 5))
	}
	if opt.simulator() == Verilator {
		// The harness times its own loop (no process start, no file I/O).
		if s, ok := harnessSeconds(stdout.String()); ok && s > 0 {
			rep.RunSeconds = s
		}
	}
	if rep.RunSeconds > 0 {
		rep.CyclesPerSecond = float64(cycles) / rep.RunSeconds
	}
	beats, err := readBeats(outPath)
	if err != nil {
		return nil, nil, err
	}
	status, err := readStatus(statusPath)
	return beats, status, err
}

func harnessCycles(out string) (int64, error) {
	for _, line := range strings.Split(out, "\n") {
		if f, ok := strings.CutPrefix(line, "qnn-harness cycles="); ok {
			n, err := strconv.ParseInt(strings.Fields(f)[0], 10, 64)
			if err == nil {
				return n, nil
			}
		}
	}
	return 0, errors.New("no summary line from the harness")
}

func harnessSeconds(out string) (float64, bool) {
	i := strings.Index(out, " seconds=")
	if i < 0 {
		return 0, false
	}
	s, err := strconv.ParseFloat(strings.Fields(out[i+len(" seconds="):])[0], 64)
	return s, err == nil
}

func readBeats(path string) ([]sim.Beat, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verilator: %w", err)
	}
	defer f.Close()
	var beats []sim.Beat
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			return nil, fmt.Errorf("verilator: %s: bad line %q", path, sc.Text())
		}
		k, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("verilator: %s: bad line %q", path, sc.Text())
		}
		beats = append(beats, sim.Beat{Cycle: k, TData: fields[1]})
	}
	return beats, sc.Err()
}

// readStatus reads the harness's "k err drops" lines.
func readStatus(path string) ([]sim.Status, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("verilator: %w", err)
	}
	var out []sim.Status
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var st sim.Status
		var e int
		if n, err := fmt.Sscanf(line, "%d %d %d", &st.Cycle, &e, &st.Drops); n != 3 || err != nil || e > 1 {
			return nil, fmt.Errorf("verilator: %s: bad line %q", path, line)
		}
		st.Err = e == 1
		out = append(out, st)
	}
	return out, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// CacheRoot is the default Verilator build cache:
// $XDG_CACHE_HOME/qnn/verilator (or the platform's user cache directory).
func CacheRoot() (string, error) {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		var err error
		if dir, err = os.UserCacheDir(); err != nil {
			return "", fmt.Errorf("verilator: no cache directory: %w", err)
		}
	}
	return filepath.Join(dir, "qnn", "verilator"), nil
}

func lookTool(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("verilator: %s: %w (run scripts/setup.sh to install it)", name, ErrNoTool)
	}
	return path, nil
}

// verilatorFlags are the flags of every harness build.
func verilatorFlags(top, trace string, quick bool) []string {
	flags := []string{"--cc", "--exe", "--build", "-Wall", "--x-assign", "unique", "--x-initial", "unique",
		"--top-module", top, "--prefix", "Vtop", "-j", "2"}
	if quick {
		flags = append(flags, "-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0")
	}
	switch traceKind(trace) {
	case "vcd":
		flags = append(flags, "--trace", "-CFLAGS", "-DQNN_TRACE_VCD")
	case "fst":
		flags = append(flags, "--trace-fst", "-CFLAGS", "-DQNN_TRACE_FST")
	}
	return flags
}

func traceKind(trace string) string {
	switch {
	case trace == "":
		return ""
	case strings.HasSuffix(trace, ".fst"):
		return "fst"
	default:
		return "vcd"
	}
}

// rtlFiles lists DIR/rtl/*.v, sorted.
func rtlFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, rtlgen.RTLDir, "*.v"))
	if err != nil {
		return nil, fmt.Errorf("verilator: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("verilator: %s: no Verilog files in %s/ (not a design directory? run qnn gen)", dir, rtlgen.RTLDir)
	}
	sort.Strings(files)
	return files, nil
}

// BuildVerilator builds (or finds in the cache) the harness binary of d's
// RTL and returns its path, whether it was cached, and the build time.
// The cache key hashes the Verilator version, the flags, the harness and
// every RTL file; the memory images are read at run time.
func BuildVerilator(ctx context.Context, d *Design, opt Options) (bin string, cached bool, seconds float64, err error) {
	tool, err := lookTool("verilator")
	if err != nil {
		return "", false, 0, err
	}
	files, err := rtlFiles(d.Dir)
	if err != nil {
		return "", false, 0, err
	}
	ver, err := proc.Command(ctx, tool, "--version").Output()
	if err != nil {
		return "", false, 0, fmt.Errorf("verilator: verilator --version: %w", err)
	}
	flags := verilatorFlags(opt.top(), opt.Trace, opt.QuickBuild)
	h := sha256.New()
	fmt.Fprintf(h, "qnn-harness 1\n%s\n%q\n", bytes.TrimSpace(ver), flags)
	h.Write(harnessSource)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", false, 0, fmt.Errorf("verilator: %w", err)
		}
		fmt.Fprintf(h, "\n%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	key := hex.EncodeToString(h.Sum(nil))[:32]
	root := opt.CacheDir
	if root == "" {
		if root, err = CacheRoot(); err != nil {
			return "", false, 0, err
		}
	}
	final := filepath.Join(root, key)
	bin = filepath.Join(final, "harness")
	if _, err := os.Stat(bin); err == nil {
		now := time.Now()
		_ = os.Chtimes(final, now, now) // most recently used, for qnn cache's LRU cap
		return bin, true, 0, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", false, 0, fmt.Errorf("verilator: %w", err)
	}
	tmp, err := os.MkdirTemp(root, "."+key+".tmp-")
	if err != nil {
		return "", false, 0, fmt.Errorf("verilator: %w", err)
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", false, 0, fmt.Errorf("verilator: %w", err)
	}
	harness := filepath.Join(src, "harness.cpp")
	if err := os.WriteFile(harness, harnessSource, 0o644); err != nil {
		return "", false, 0, fmt.Errorf("verilator: %w", err)
	}
	args := append(append([]string{}, flags...), "-Mdir", filepath.Join(tmp, "obj"), "-o", "harness")
	args = append(append(args, files...), harness)
	cmd := proc.Command(ctx, tool, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	seconds = time.Since(start).Seconds()
	if opt.Log != nil {
		opt.Log.Write(out.Bytes())
	}
	if err != nil {
		return "", false, seconds, fmt.Errorf("verilator: building %s: %w: %s", d.Dir, err, firstError(out.String()))
	}
	// Keep only the binary.
	if err := os.Rename(filepath.Join(tmp, "obj", "harness"), filepath.Join(tmp, "harness")); err != nil {
		return "", false, seconds, fmt.Errorf("verilator: %w", err)
	}
	os.RemoveAll(filepath.Join(tmp, "obj"))
	os.RemoveAll(src)
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(bin); serr == nil { // another build won the race
			return bin, false, seconds, nil
		}
		return "", false, seconds, fmt.Errorf("verilator: %w", err)
	}
	return bin, false, seconds, nil
}

// firstError picks the first %Error line of Verilator's output (or the
// last lines).
func firstError(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "%Error") || strings.Contains(line, "error:") {
			return strings.TrimSpace(line)
		}
	}
	return lastLines(out, 3)
}
