package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qnn-dev/qnn/dataset"
)

// badCase is one bad input: the command line (run by the real binary in a
// fresh working directory), the exit code and stderr fragment expected, and
// the files the command may leave behind (everything else must be as it
// was: no partial output).
type badCase struct {
	name string
	// setup prepares inputs in dir (the working directory) and returns
	// the arguments; it may return "" entries to skip the case.
	setup func(t *testing.T, dir string) []string
	code  int
	want  string
	// pathEnv, if set, returns one more environment variable, e.g. a PATH
	// without the hardware tools.
	pathEnv func(t *testing.T) string
	// interrupt sends SIGINT (or signal, if set) once stderr contains
	// this text.
	interrupt string
	signal    syscall.Signal
	// envIn, if set, returns more environment variables naming paths in
	// dir (a cache or temporary directory the case watches).
	envIn func(dir string) []string
	// reject, if set, must not appear on stderr (Go internals).
	reject string
	// leaves lists the paths (relative to dir, prefixes) the command may
	// create although it failed: the completed stages of a flow.
	leaves []string
	// after runs once the case passed, e.g. to check that an interrupted
	// run resumes.
	after func(t *testing.T, dir string, args, env []string)
	slow  bool // skipped with -short
	// knownBug, if set, skips the case with this description of a bug in
	// code this test's author may not change (the case states the wanted
	// behaviour).
	knownBug string
}

var (
	qnnBinOnce sync.Once
	qnnBinPath string
	qnnBinErr  error
)

// qnnBinary builds the real qnn binary once per test run.
func qnnBinary(t *testing.T) string {
	t.Helper()
	qnnBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "qnn-bin-")
		if err != nil {
			qnnBinErr = err
			return
		}
		qnnBinPath = filepath.Join(dir, "qnn")
		out, err := exec.Command("go", "build", "-o", qnnBinPath, ".").CombinedOutput()
		if err != nil {
			qnnBinErr = errors.New(string(out))
		}
	})
	if qnnBinErr != nil {
		t.Fatalf("go build: %v", qnnBinErr)
	}
	return qnnBinPath
}

// flowResumes is the after check of a flow interrupted in its training:
// the checkpoint is there, and the same command again (interrupted after
// its first epoch line) resumes from it, after the checkpoint's epoch
// rather than from epoch 1.
func flowResumes(t *testing.T, dir string, args, env []string) {
	if _, err := os.Stat(filepath.Join(dir, "out/train/checkpoint.ckpt")); err != nil {
		t.Fatalf("no checkpoint after Ctrl-C: %v", err)
	}
	_, stderr, code := runBinary(t, dir, env, "train: epoch", args...)
	if code != exitInterrupted || !strings.Contains(stderr, "resuming from") {
		t.Errorf("re-run: exit %d, stderr:\n%s", code, stderr)
	}
	if i := strings.Index(stderr, "train: epoch "); i < 0 || strings.HasPrefix(stderr[i:], "train: epoch 1/") {
		t.Errorf("re-run did not continue after epoch 1; stderr:\n%s", stderr)
	}
}

// runBinary runs the real binary in dir; with interrupt set it sends
// SIGINT once stderr contains that text.
func runBinary(t *testing.T, dir string, env []string, interrupt string, args ...string) (stdout, stderr string, code int) {
	return runBinarySignal(t, dir, env, interrupt, syscall.SIGINT, args...)
}

// runBinarySignal is runBinary sending sig.
func runBinarySignal(t *testing.T, dir string, env []string, interrupt string, sig syscall.Signal, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(qnnBinary(t), args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errBuf bytes.Buffer
	cmd.Stdout = &out
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			errBuf.WriteString(sc.Text() + "\n")
			if interrupt != "" && !sent && strings.Contains(errBuf.String(), interrupt) {
				time.Sleep(300 * time.Millisecond)
				_ = cmd.Process.Signal(sig)
				sent = true
			}
		}
	}()
	err := cmd.Wait()
	pw.Close()
	<-done
	code = 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errBuf.String(), code
}

// tree lists every path under dir with its mode (and a file's time and
// size).
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		// A directory's own time changes when a temporary file comes and
		// goes; what it holds is checked entry by entry.
		m[rel] = fi.Mode().String()
		if !d.IsDir() {
			m[rel] += " " + fi.ModTime().String() + fmt.Sprintf(" %d bytes", fi.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mnistCopy writes the MNIST test files, decompressed, to dir/data;
// corrupt (if not nil) edits the images payload first.
func mnistCopy(t *testing.T, dir string, corrupt func([]byte)) string {
	t.Helper()
	src, err := dataset.DefaultDir("mnist")
	if err != nil {
		t.Skip(err)
	}
	out := filepath.Join(dir, "data")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		f, err := os.Open(filepath.Join(src, name+".gz"))
		if err != nil {
			t.Skip(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if corrupt != nil && strings.Contains(name, "images") {
			corrupt(data)
		}
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// copyTo copies src into dir/name and returns the new path.
func copyTo(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// modelVariant writes the test model changed by edit to dir/name.
func modelVariant(t *testing.T, dir, name string, edit func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readTestModel(t), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return copyTo(t, dir, name, data)
}

// design generates a design of the test model in dir/design.
func design(t *testing.T, dir string) string {
	t.Helper()
	d := filepath.Join(dir, "design")
	if _, stderr, code := runQNN(t, "gen", "--model", testModel, "-o", d, "--target-cycles", "64"); code != 0 {
		t.Fatalf("gen: %s", stderr)
	}
	return d
}

// emptyPath is a PATH without verilator, iverilog or yosys.
func emptyPath(t *testing.T) string { return "PATH=" + t.TempDir() }

// freshCache is an empty Verilator build cache, so that a build happens.
func freshCache(t *testing.T) string { return "XDG_CACHE_HOME=" + t.TempDir() }

// smallFlow is a flow fast enough for the table.
func smallFlow(out string, extra ...string) []string {
	return append([]string{"flow", "-o", out, "--hidden", "16,16", "--epochs", "1", "--limit", "1000",
		"--target-cycles", "128", "--cosim-images", "0", "--target", "none"}, extra...)
}

func badCases() []badCase {
	testModel, err := filepath.Abs(testModel)
	if err != nil {
		panic(err)
	}
	model := func(t *testing.T, dir, name string, edit func(m map[string]any)) string {
		return modelVariant(t, dir, name, edit)
	}
	return append([]badCase{
		{name: "inspect corrupt netlist", setup: func(t *testing.T, dir string) []string {
			return []string{"inspect", copyTo(t, dir, "m.json", []byte("\x00\x01garbage{"))}
		}, code: 1, want: "m.json"},
		{name: "inspect truncated netlist", setup: func(t *testing.T, dir string) []string {
			raw := readTestModel(t)
			return []string{"inspect", copyTo(t, dir, "m.json", raw[:len(raw)/3])}
		}, code: 1, want: "truncated JSON"},
		{name: "eval wrong-version netlist", setup: func(t *testing.T, dir string) []string {
			return []string{"eval", "--model", model(t, dir, "m.json", func(m map[string]any) { m["version"] = 4 }), "--dataset", "mnist"}
		}, code: 1, want: "unsupported version 4"},
		{name: "eval wrong-shape netlist", setup: func(t *testing.T, dir string) []string {
			return []string{"eval", "--model", model(t, dir, "m.json", func(m map[string]any) {
				layer(t, m, 1)["in"] = 783.0
			}), "--dataset", "mnist"}
		}, code: 1, want: "m.json"},
		{name: "eval unsupported weight bits in netlist", setup: func(t *testing.T, dir string) []string {
			return []string{"eval", "--model", model(t, dir, "m.json", func(m map[string]any) {
				layer(t, m, 1)["weight_bits"] = 3.0
			}), "--dataset", "mnist"}
		}, code: 1, want: "m.json"},
		{name: "gen netlist missing", setup: func(t *testing.T, dir string) []string {
			return []string{"gen", "--model", filepath.Join(dir, "nope.json"), "-o", "out"}
		}, code: 1, want: "nope.json"},
		{name: "sim plan not matching its netlist", setup: func(t *testing.T, dir string) []string {
			d := design(t, dir)
			nl := filepath.Join(d, "netlist.json")
			data, err := os.ReadFile(nl)
			if err != nil {
				t.Fatal(err)
			}
			other := modelVariant(t, t.TempDir(), "m.json", func(m map[string]any) {
				setRow(t, m, 1, 0, func(r string) string { return strings.Repeat("f", len(r)-1) + "0" })
			})
			o, _ := os.ReadFile(other)
			if bytes.Equal(o, data) {
				t.Fatal("the edited netlist equals the design's")
			}
			copyTo(t, d, "netlist.json", o)
			return []string{"sim", d, "--dataset", "mnist", "--limit", "5"}
		}, code: 1, want: "plan does not match its netlist"},
		{name: "cosim plan not matching its netlist", setup: func(t *testing.T, dir string) []string {
			d := design(t, dir)
			other := modelVariant(t, t.TempDir(), "m.json", func(m map[string]any) {
				setRow(t, m, 1, 0, func(r string) string { return strings.Repeat("f", len(r)-1) + "0" })
			})
			o, _ := os.ReadFile(other)
			copyTo(t, d, "netlist.json", o)
			return []string{"cosim", d, "--dataset", "mnist", "--limit", "2"}
		}, code: 1, want: "plan does not match its netlist"},
		{name: "sim corrupt plan", setup: func(t *testing.T, dir string) []string {
			d := design(t, dir)
			copyTo(t, d, "plan.json", []byte(`{"Version": 1, "Layers": [`))
			return []string{"sim", d, "--dataset", "mnist", "--limit", "5"}
		}, code: 1, want: "plan.json"},
		{name: "sim wrong-version plan", setup: func(t *testing.T, dir string) []string {
			d := design(t, dir)
			p := filepath.Join(d, "plan.json")
			data, _ := os.ReadFile(p)
			copyTo(t, d, "plan.json", bytes.Replace(data, []byte(`"Version": 1`), []byte(`"Version": 7`), 1))
			return []string{"sim", d, "--dataset", "mnist", "--limit", "5"}
		}, code: 1, want: "plan version 7"},
		{name: "eval dataset files missing", setup: func(t *testing.T, dir string) []string {
			os.MkdirAll(filepath.Join(dir, "data"), 0o755)
			return []string{"eval", "--model", testModel, "--dataset", "mnist", "--data-dir", filepath.Join(dir, "data")}
		}, code: 1, want: "not found"},
		{name: "eval corrupt dataset file", setup: func(t *testing.T, dir string) []string {
			d := mnistCopy(t, dir, nil)
			copyTo(t, d, "t10k-labels-idx1-ubyte", []byte{0, 0, 8, 1, 0, 0})
			return []string{"eval", "--model", testModel, "--dataset", "mnist", "--data-dir", d}
		}, code: 1, want: "t10k-labels-idx1-ubyte"},
		{name: "eval bad checksum", setup: func(t *testing.T, dir string) []string {
			d := mnistCopy(t, dir, func(b []byte) { b[5000] ^= 0xff })
			return []string{"eval", "--model", testModel, "--dataset", "mnist", "--data-dir", d}
		}, code: 1, want: "checksum"},
		{name: "sim bad checksum", setup: func(t *testing.T, dir string) []string {
			d := mnistCopy(t, dir, func(b []byte) { b[100] ^= 1 })
			return []string{"sim", design(t, dir), "--dataset", "mnist", "--data-dir", d, "--limit", "5"}
		}, code: 1, want: "checksum"},
		{name: "flow dataset files missing", setup: func(t *testing.T, dir string) []string {
			return smallFlow("out", "--data-dir", mnistCopy(t, dir, nil))
		}, code: 1, want: "train-images-idx3-ubyte", leaves: []string{"out"}},
		{name: "gen impossible folding with --no-pad", setup: func(t *testing.T, dir string) []string {
			f := copyTo(t, dir, "fold.json", []byte(`[{"pe":3,"simd":7},{"pe":1,"simd":1},{"pe":1,"simd":1},{"pe":1,"simd":1}]`))
			return []string{"gen", "--model", testModel, "-o", "out", "--fold", f, "--no-pad"}
		}, code: 1, want: "pad"},
		{name: "gen folding for the wrong number of layers", setup: func(t *testing.T, dir string) []string {
			f := copyTo(t, dir, "fold.json", []byte(`[{"pe":1,"simd":1}]`))
			return []string{"gen", "--model", testModel, "-o", "out", "--fold", f}
		}, code: 1, want: "fold"},
		{name: "gen corrupt folding file", setup: func(t *testing.T, dir string) []string {
			f := copyTo(t, dir, "fold.json", []byte(`[{"pe":1,"simd":1,"x":2}]`))
			return []string{"gen", "--model", testModel, "-o", "out", "--fold", f}
		}, code: 1, want: "fold.json"},
		{name: "flow impossible folding with --no-pad", setup: func(t *testing.T, dir string) []string {
			f := copyTo(t, dir, "fold.json", []byte(`[{"pe":3,"simd":7},{"pe":1,"simd":1},{"pe":1,"simd":1}]`))
			a := smallFlow("out", "--fold", f, "--no-pad")
			i := slices.Index(a, "--target-cycles")
			return slices.Delete(a, i, i+2)
		}, code: 1, want: "pad", leaves: []string{"out"}},
		{name: "train unsupported weight bits", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--wbits", "3", "--out", "m.json"}
		}, code: 1, want: "weight bits 3"},
		{name: "train unsupported activation bits", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--abits", "8", "--out", "m.json"}
		}, code: 1, want: "activation bits 8"},
		{name: "flow unsupported input bits", setup: func(t *testing.T, dir string) []string {
			return smallFlow("out", "--input-bits", "4")
		}, code: 1, want: "input bits 4"},
		{name: "train corrupt checkpoint", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--resume", copyTo(t, dir, "c.ckpt", []byte("not gob")), "--out", "m.json"}
		}, code: 1, want: "not a qnn training checkpoint"},
		{name: "cosim verilator missing from PATH", setup: func(t *testing.T, dir string) []string {
			return []string{"cosim", design(t, dir), "--dataset", "mnist", "--limit", "2"}
		}, pathEnv: emptyPath, code: 1, want: "verilator"},
		{name: "cosim iverilog missing from PATH", setup: func(t *testing.T, dir string) []string {
			return []string{"cosim", design(t, dir), "--dataset", "mnist", "--limit", "2", "--simulator", "icarus"}
		}, pathEnv: emptyPath, code: 1, want: "iverilog"},
		{name: "flow verilator missing from PATH", setup: func(t *testing.T, dir string) []string {
			return smallFlow("out", "--cosim-images", "5")
		}, pathEnv: emptyPath, code: 1, want: "verilator", leaves: []string{"out"}},
		{name: "flow yosys missing from PATH", setup: func(t *testing.T, dir string) []string {
			return smallFlow("out", "--target", "xc7")
		}, pathEnv: emptyPath, code: 1, want: "yosys not found on PATH", leaves: []string{"out"}},
		{name: "gen output exists without --force", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "out/keep.txt", []byte("mine"))
			return []string{"gen", "--model", testModel, "-o", "out"}
		}, code: 1, want: "exists"},
		{name: "flow output exists without --force", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "out/keep.txt", []byte("mine"))
			return smallFlow("out")
		}, code: 1, want: "not a flow directory"},
		{name: "flow corrupt state file", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "out/flow-state.json", []byte("{garbage"))
			return smallFlow("out")
		}, code: 1, want: "not a qnn flow state"},
		{name: "gen output not writable", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "file", []byte("x"))
			return []string{"gen", "--model", testModel, "-o", "file/out"}
		}, code: 1, want: "file/out"},
		{name: "flow output not writable", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "file", []byte("x"))
			return smallFlow("file/out")
		}, code: 1, want: "file/out"},
		{name: "train output not writable", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "file", []byte("x"))
			return []string{"train", "--hidden", "16", "--epochs", "1", "--limit", "1000", "--out", "file/m.json", "--quiet"}
		}, code: 1, want: "file/m.json"},
		{name: "train --input-size not dividing 28", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--input-size", "13", "--hidden", "16", "--epochs", "1", "--out", "m.json"}
		}, code: 1, want: "--input-size 13: must divide 28"},
		{name: "flow --input-size not dividing 28", setup: func(t *testing.T, dir string) []string {
			return smallFlow("out", "--input-size", "9")
		}, code: 1, want: "--input-size 9: must divide 28"},
		{name: "flow unknown --from stage", setup: func(t *testing.T, dir string) []string {
			return smallFlow("out", "--from", "place")
		}, code: 1, want: `unknown stage "place"`},
		{name: "Ctrl-C during flow training", setup: func(t *testing.T, dir string) []string {
			return []string{"flow", "-o", "out", "--hidden", "64", "--epochs", "40", "--cosim-images", "0", "--target", "none"}
		}, interrupt: "train: epoch 1/", code: exitInterrupted, want: "interrupted", leaves: []string{"out"}, slow: true,
			after: flowResumes},
		{name: "Ctrl-C during LSTM flow training", setup: func(t *testing.T, dir string) []string {
			return []string{"flow", "-o", "out", "--arch", "lstm", "--dataset", "ptb", "--data-dir", requirePTB(t), "--hidden", "8",
				"--epochs", "40", "--limit", "20000", "--wbits", "3", "--abits", "3", "--cosim-images", "0", "--target", "none"}
		}, interrupt: "train: epoch 1/", code: exitInterrupted, want: "interrupted", leaves: []string{"out"}, slow: true,
			after: flowResumes},
		{name: "Ctrl-C during qnn train", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--hidden", "64", "--epochs", "40", "--out", "m.json"}
		}, interrupt: "epoch   1/", code: exitInterrupted, want: "interrupted; checkpoint saved", leaves: []string{"m.json", "m.json.ckpt"}, slow: true,
			after: func(t *testing.T, dir string, _, env []string) {
				_, stderr, code := runBinary(t, dir, env, "epoch ", "train", "--resume", "m.json.ckpt")
				if code != exitInterrupted || !strings.Contains(stderr, "interrupted") {
					t.Errorf("resume: exit %d, stderr:\n%s", code, stderr)
				}
			}},
		{name: "Ctrl-C during flow cosim", setup: func(t *testing.T, dir string) []string {
			return []string{"flow", "-o", "out", "--hidden", "16,16", "--epochs", "1", "--limit", "1000",
				"--target-cycles", "128", "--cosim-images", "5", "--target", "none"}
		}, pathEnv: freshCache, interrupt: "cosim: building", code: exitInterrupted, want: "interrupted", leaves: []string{"out"}, slow: true,
			after: func(t *testing.T, dir string, args, env []string) {
				stdout, stderr, code := runBinary(t, dir, env, "", args...)
				if code != 0 {
					t.Fatalf("re-run: exit %d\n%s%s", code, stdout, stderr)
				}
				for _, s := range []string{"train", "export", "gen", "sim"} {
					if !strings.Contains(stdout, s) || !strings.Contains(lineOf(stdout, s), "unchanged, skipped") {
						t.Errorf("re-run after Ctrl-C: %s was not skipped:\n%s", s, stdout)
					}
				}
				if !strings.Contains(lineOf(stdout, "cosim"), "MATCH") {
					t.Errorf("re-run after Ctrl-C: cosim did not complete:\n%s", stdout)
				}
			}},
	}, hardenCases(testModel)...)
}

// errorLines counts the lines of stderr that are qnn's error lines (log
// lines, such as a warning, are not).
func errorLines(stderr string) int {
	n := 0
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "qnn: ") {
			n++
		}
	}
	return n
}

// lineOf is the first line of s starting with prefix.
func lineOf(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestBadInputs runs every bad input through the real binary: exit code,
// one stderr line with the expected fragment, and no partial output.
func TestBadInputs(t *testing.T) {
	cases := badCases()
	if len(cases) < 25 {
		t.Fatalf("%d cases, the table must have at least 25", len(cases))
	}
	gomodcache, _ := exec.Command("go", "env", "GOMODCACHE").Output()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && testing.Short() {
				t.Skip("-short")
			}
			if tc.knownBug != "" {
				t.Skip("known bug: " + tc.knownBug)
			}
			dir := t.TempDir()
			args := tc.setup(t, dir)
			env := append(os.Environ(), "GOMODCACHE="+strings.TrimSpace(string(gomodcache)), "NO_COLOR=1")
			if tc.pathEnv != nil {
				env = append(env, tc.pathEnv(t))
			}
			if tc.envIn != nil {
				env = append(env, tc.envIn(dir)...)
			}
			sig := tc.signal
			if sig == 0 {
				sig = syscall.SIGINT
			}
			before := tree(t, dir)
			stdout, stderr, code := runBinarySignal(t, dir, env, tc.interrupt, sig, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			last := lineOf(stderr, "qnn: ")
			if last == "" || !strings.Contains(last, tc.want) {
				t.Errorf("stderr has no \"qnn: \" line containing %q:\n%s", tc.want, stderr)
			}
			if tc.reject != "" && strings.Contains(stderr, tc.reject) {
				t.Errorf("stderr contains %q:\n%s", tc.reject, stderr)
			}
			if n := errorLines(stderr); n != 1 {
				t.Errorf("stderr has %d error lines, want one:\n%s", n, stderr)
			}
			after := tree(t, dir)
			for p, v := range after {
				if before[p] == v || allowed(p, tc.leaves) {
					continue
				}
				t.Errorf("partial output left behind: %s", p)
			}
			for p := range before {
				if _, ok := after[p]; !ok {
					t.Errorf("input removed: %s", p)
				}
			}
			if tc.after != nil {
				tc.after(t, dir, args, env)
			}
		})
	}
}

// allowed reports whether p is one of the allowed paths or under one.
func allowed(p string, leaves []string) bool {
	for _, l := range leaves {
		if p == l || strings.HasPrefix(p, l+string(filepath.Separator)) {
			return true
		}
	}
	return p == "."
}
