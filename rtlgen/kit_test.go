package rtlgen_test

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/sim"
)

// update reports -update. The flag may already be defined by the package's
// internal tests (one test binary holds both), so it is defined here only
// when it is not.
var update = func() func() bool {
	if f := flag.Lookup("update"); f != nil {
		return func() bool { return f.Value.String() == "true" }
	}
	b := flag.Bool("update", false, "rewrite the golden files in testdata/")
	return func() bool { return *b }
}()

// kitDesign is a small design of the kit tests.
type kitDesign struct {
	name string
	plan *hw.Plan
}

// kitDesigns are a 1-bit (xnor), a k-bit (2-bit weights and activations)
// and an 8-bit-input design, small enough to build in seconds.
func kitDesigns(t *testing.T) []kitDesign {
	t.Helper()
	cases := []struct {
		name  string
		seed  uint64
		cfg   netlist.RandomConfig
		folds []hw.Fold
	}{
		{"w1a1", 1, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 6, W: 7}, InputBits: 1, Hidden: []int{16}, Classes: 5},
			[]hw.Fold{{PE: 4, SIMD: 7}, {PE: 2, SIMD: 4}}},
		{"w2a2", 2, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 4, W: 5}, InputBits: 1, Hidden: []int{12, 9},
			Classes: 4, WeightBits: []int{2, 2, 2}, ActBits: []int{2, 2}}, []hw.Fold{{PE: 3, SIMD: 5}, {PE: 3, SIMD: 4}, {PE: 2, SIMD: 3}}},
		{"x8", 3, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 3, W: 5}, InputBits: 8, Hidden: []int{10},
			Classes: 3, WeightBits: []int{2, 1}, ActBits: []int{1}}, []hw.Fold{{PE: 2, SIMD: 5}, {PE: 3, SIMD: 5}}},
	}
	var ds []kitDesign
	for _, c := range cases {
		n, err := netlist.Random(rand.New(rand.NewPCG(c.seed, 14)), c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		n.Name = "kit-" + c.name
		p, err := hw.NewPlan(n, hw.Options{Folds: c.folds})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ds = append(ds, kitDesign{c.name, p})
	}
	return ds
}

// kitFiles are the kit's generated files and the design README (the golden-file set).
var kitFiles = []string{"README.md", "tb/tb_qnn_top.v", "tb/Makefile", "tb/README.md", "tb/stimulus.mem", "tb/expected.mem",
	"vivado/create_project.tcl", "yosys/synth.ys"}

// TestKitGolden pins the kit of the 1-bit design (4 frames) to
// testdata/kit/w1a1 (refresh with go test ./rtlgen -update) and checks that
// two runs are byte-identical.
func TestKitGolden(t *testing.T) {
	d := kitDesigns(t)[0]
	opt := rtlgen.Options{Version: "test", Stimulus: rtlgen.RandomStimulus(d.plan, 4, 1)}
	a, err := rtlgen.Files(d.plan, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rtlgen.Files(d.plan, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range kitFiles {
		got, ok := a[name]
		if !ok {
			t.Errorf("the design has no %s", name)
			continue
		}
		if !bytes.Equal(got, b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
		golden := filepath.Join("..", "testdata", "kit", d.name, filepath.FromSlash(name))
		if update() {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./rtlgen -run TestKitGolden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run with -update and review the diff)", name, golden)
		}
	}
}

// TestKitExpected: the bench's expected beats are the m_axis beats qnn sim
// produces for the same images, and its stimulus is the plan's beats.
func TestKitExpected(t *testing.T) {
	for _, d := range kitDesigns(t) {
		st := rtlgen.RandomStimulus(d.plan, 5, 9)
		files, err := rtlgen.Files(d.plan, rtlgen.Options{Version: "test", Stimulus: st})
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(d.plan, st.Pixels, st.Frames, sim.Config{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, b := range res.Beats {
			want = append(want, b.TData)
		}
		if got := strings.Fields(string(files["tb/expected.mem"])); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: expected.mem %v, sim gives %v", d.name, got, want)
		}
		lines := strings.Fields(string(files["tb/stimulus.mem"]))
		if len(lines) != st.Frames*d.plan.Input.Beats {
			t.Errorf("%s: %d stimulus beats, want %d", d.name, len(lines), st.Frames*d.plan.Input.Beats)
		}
	}
}

// TestKitBadStimulus: a stimulus of the wrong size is an error.
func TestKitBadStimulus(t *testing.T) {
	d := kitDesigns(t)[0]
	st := rtlgen.RandomStimulus(d.plan, 2, 1)
	st.Pixels = st.Pixels[1:]
	if _, err := rtlgen.Files(d.plan, rtlgen.Options{Stimulus: st}); err == nil || !strings.Contains(err.Error(), "rtlgen: test bench stimulus") {
		t.Errorf("got %v, want a stimulus size error", err)
	}
}

// pathWithoutQNN is $PATH without any directory that holds a qnn
// executable.
func pathWithoutQNN(t *testing.T) string {
	t.Helper()
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "qnn")); err == nil {
			continue
		}
		keep = append(keep, dir)
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// copyDir copies the regular files of src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// kitMake runs make TARGET VARS... in dir/tb with qnn absent from PATH.
func kitMake(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = filepath.Join(dir, "tb")
	cmd.Env = append(os.Environ(), "PATH="+pathWithoutQNN(t), "MAKEFLAGS=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
