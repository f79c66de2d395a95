package main

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/qnn-dev/qnn/internal/dirlock"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
)

// Cases of issue 13: data safety, locks, manifests, interrupts, the
// exit-code contract and bounded resources. Each failed before the fix.

// designWith generates a design of the test model with extra gen flags in
// dir/name.
func designWith(t *testing.T, dir, name string, extra ...string) string {
	t.Helper()
	d := filepath.Join(dir, name)
	args := append([]string{"gen", "--model", testModel, "-o", d}, extra...)
	if _, stderr, code := runQNN(t, args...); code != 0 {
		t.Fatalf("gen: %s", stderr)
	}
	return d
}

// holdLock locks dir for the rest of the test, as another qnn run would.
func holdLock(t *testing.T, dir string, exclusive bool) {
	t.Helper()
	lock := dirlock.Shared
	if exclusive {
		lock = dirlock.Exclusive
	}
	l, err := lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Unlock)
}

// editFile applies edit to the content of path.
func editFile(t *testing.T, path string, edit func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// flipFirst changes the first hex digit of a mem file (same size).
func flipFirst(b []byte) []byte {
	i := bytes.IndexAny(b, "0123456789abcdef")
	if b[i] == '0' {
		b[i] = '1'
	} else {
		b[i] = '0'
	}
	return b
}

// flowStateOnly makes dir look like a finished flow directory.
func flowStateOnly(t *testing.T, dir string) {
	copyTo(t, dir, "flow-state.json", []byte(`{"format":"qnn-flow","version":1,"stages":{}}`))
}

// thresholdBomb writes a netlist whose second layer declares 2^24
// channels of 8-bit thresholds (about 50 MB of empty rows).
func thresholdBomb(t *testing.T, dir string) string {
	var m map[string]any
	if err := json.Unmarshal(readTestModel(t), &m); err != nil {
		t.Fatal(err)
	}
	layers := m["layers"].([]any)
	m["layers"] = []any{layers[0], layers[1], map[string]any{"op": "threshold", "name": "act0", "channels": 1 << 24,
		"bits": 8, "base": 0, "thresholds": "ROWS"}}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	rows := "[" + strings.Repeat("[],", 1<<24-1) + "[]]"
	return copyTo(t, dir, "bomb.json", bytes.Replace(data, []byte(`"ROWS"`), []byte(rows), 1))
}

// manyClasses writes a small netlist with 70,000 classes.
func manyClasses(t *testing.T, dir string) string {
	n, err := netlist.Random(rand.New(rand.NewPCG(1, 2)), netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 2, W: 2},
		InputBits: 1, Hidden: []int{4}, Classes: 70000, WeightBits: []int{1, 1}, ActBits: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "classes.json")
	if err := netlist.Save(p, n); err != nil {
		t.Fatal(err)
	}
	return p
}

func hardenCases(testModel string) []badCase {
	gen := func(out string, extra ...string) []string {
		return append([]string{"gen", "--model", testModel, "-o", out}, extra...)
	}
	watched := func(dir string) []string {
		for _, d := range []string{"cache/qnn/verilator", "tmp"} {
			os.MkdirAll(filepath.Join(dir, d), 0o755)
		}
		return []string{"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "TMPDIR=" + filepath.Join(dir, "tmp")}
	}
	return []badCase{
		// 1. --force replaces only what qnn wrote.
		{name: "gen --force over a user's directory", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "mine/photo.jpg", []byte("jpeg"))
			return gen("mine", "--force")
		}, code: 1, want: "not a design directory written by qnn gen"},
		{name: "gen --force over a design holding a user's file", setup: func(t *testing.T, dir string) []string {
			copyTo(t, designWith(t, dir, "d"), "notes.txt", []byte("mine"))
			return gen("d", "--force")
		}, code: 1, want: "notes.txt was not written by qnn gen"},
		{name: "gen -o . --force", setup: func(t *testing.T, dir string) []string {
			return gen(".", "--force")
		}, code: 1, want: "working directory"},
		{name: "gen -o / --force", setup: func(t *testing.T, dir string) []string {
			return gen("/", "--force")
		}, code: 1, want: "is the root"},
		{name: "flow --force over a user's directory", setup: func(t *testing.T, dir string) []string {
			copyTo(t, dir, "out/keep.txt", []byte("mine"))
			return smallFlow("out", "--force")
		}, code: 1, want: "not a flow directory"},
		{name: "flow --force over a flow directory holding a user's file", setup: func(t *testing.T, dir string) []string {
			flowStateOnly(t, filepath.Join(dir, "out"))
			copyTo(t, dir, "out/notes.txt", []byte("mine"))
			return smallFlow("out", "--force")
		}, code: 1, want: "notes.txt was not written by qnn flow"},
		{name: "flow whose design directory holds a user's file", setup: func(t *testing.T, dir string) []string {
			out := filepath.Join(dir, "out")
			if _, stderr, code := runQNN(t, smallFlow(out)...); code != 0 {
				t.Fatalf("flow: %s", stderr)
			}
			copyTo(t, dir, "out/design/notes.txt", []byte("mine"))
			return smallFlow("out", "--from", "gen")
		}, code: 1, want: "notes.txt was not written by qnn gen", leaves: []string{"out"}, slow: true},
		// 3. Locks: a second run fails at once.
		{name: "gen --force on a design in use", setup: func(t *testing.T, dir string) []string {
			holdLock(t, designWith(t, dir, "d"), false)
			return gen("d", "--force")
		}, code: 1, want: "in use by another qnn run"},
		{name: "flow into a directory in use", setup: func(t *testing.T, dir string) []string {
			os.MkdirAll(filepath.Join(dir, "out"), 0o755)
			holdLock(t, filepath.Join(dir, "out"), true)
			return smallFlow("out")
		}, code: 1, want: "in use by another qnn flow run"},
		{name: "sim on a design being replaced", setup: func(t *testing.T, dir string) []string {
			holdLock(t, designWith(t, dir, "d"), true)
			return []string{"sim", "d", "--dataset", "mnist", "--limit", "2"}
		}, code: 1, want: "in use by another qnn run"},
		{name: "synth on a design in use", setup: func(t *testing.T, dir string) []string {
			holdLock(t, designWith(t, dir, "d"), false)
			return []string{"synth", "d"}
		}, code: 1, want: "in use by another qnn run"},
		// 4. The manifest names a missing or changed file.
		{name: "sim with a deleted mem file", setup: func(t *testing.T, dir string) []string {
			os.Remove(filepath.Join(designWith(t, dir, "d"), "mem", "layer1_weights.mem"))
			return []string{"sim", "d", "--dataset", "mnist", "--limit", "2"}
		}, code: 1, want: "d/mem/layer1_weights.mem is missing"},
		{name: "sim with an edited mem file", setup: func(t *testing.T, dir string) []string {
			editFile(t, filepath.Join(designWith(t, dir, "d"), "mem", "layer0_weights.mem"), flipFirst)
			return []string{"sim", "d", "--dataset", "mnist", "--limit", "2"}
		}, code: 1, want: "d/mem/layer0_weights.mem has changed"},
		{name: "cosim with a missing mem file", setup: func(t *testing.T, dir string) []string {
			os.Remove(filepath.Join(designWith(t, dir, "d"), "mem", "layer2_weights.mem"))
			return []string{"cosim", "d", "--dataset", "mnist", "--limit", "2"}
		}, code: 1, want: "layer2_weights.mem is missing"},
		{name: "synth with an edited RTL file", setup: func(t *testing.T, dir string) []string {
			editFile(t, filepath.Join(designWith(t, dir, "d"), "rtl", "qnn_top.v"), func(b []byte) []byte { return append(b, "// mine\n"...) })
			return []string{"synth", "d"}
		}, code: 1, want: "d/rtl/qnn_top.v has changed"},
		{name: "sim with a hand-edited plan.json", setup: func(t *testing.T, dir string) []string {
			editFile(t, filepath.Join(designWith(t, dir, "d", "--target-cycles", "64"), "plan.json"), func(b []byte) []byte {
				i := bytes.Index(b, []byte(`"Latency": `))
				j := i + bytes.IndexByte(b[i:], ',')
				return append(append(append([]byte{}, b[:i]...), `"Latency": 9999`...), b[j:]...)
			})
			return []string{"sim", "d", "--dataset", "mnist", "--limit", "2"}
		}, code: 1, want: "Latency: 9999 in the file"},
		// 2. Interrupts: tools stopped, temporaries removed, exit 130.
		{name: "Ctrl-C during the cosim build", setup: func(t *testing.T, dir string) []string {
			designWith(t, dir, "d")
			return []string{"cosim", "d", "--dataset", "mnist", "--limit", "2", "--log-level", "debug"}
		}, envIn: watched, interrupt: "co-simulating", code: exitInterrupted, want: "cosim: interrupted", slow: true},
		{name: "SIGTERM during synth", setup: func(t *testing.T, dir string) []string {
			designWith(t, dir, "d")
			return []string{"synth", "d", "--log-level", "debug"}
		}, envIn: watched, interrupt: "synthesizing", signal: syscall.SIGTERM, code: exitInterrupted, want: "synth: interrupted", slow: true},
		{name: "Ctrl-C during sim", setup: func(t *testing.T, dir string) []string {
			f := copyTo(t, dir, "fold.json", []byte(`[{"pe":1,"simd":1},{"pe":1,"simd":1},{"pe":1,"simd":1},{"pe":1,"simd":1}]`))
			designWith(t, dir, "d", "--fold", f)
			return []string{"sim", "d", "--dataset", "mnist", "--log-level", "debug"}
		}, interrupt: "simulating", code: exitInterrupted, want: "sim: interrupted; nothing written", slow: true},
		// 6. Exit codes: user input and environment are 1.
		{name: "gen with 70,000 classes", setup: func(t *testing.T, dir string) []string {
			return []string{"gen", "--model", manyClasses(t, dir), "-o", "out"}
		}, code: 1, want: "70000 classes"},
		{name: "cosim --stall-out NaN", setup: func(t *testing.T, dir string) []string {
			return []string{"cosim", designWith(t, dir, "d"), "--dataset", "mnist", "--stall-out", "NaN"}
		}, code: 1, want: "--stall-in and --stall-out must be in [0, 1)"},
		{name: "cosim on RTL with a syntax error", setup: func(t *testing.T, dir string) []string {
			editFile(t, filepath.Join(designWith(t, dir, "d"), "rtl", "qnn_top.v"), func(b []byte) []byte { return append(b, "module broken(\n"...) })
			return []string{"cosim", "d", "--dataset", "mnist", "--limit", "1", "--allow-edited"}
		}, pathEnv: freshCache, code: 1, want: "verilator"},
		{name: "cosim with a missing module", setup: func(t *testing.T, dir string) []string {
			os.Remove(filepath.Join(designWith(t, dir, "d"), "rtl", "qnn_pe.v"))
			return []string{"cosim", "d", "--dataset", "mnist", "--limit", "1"}
		}, code: 1, want: "rtl/qnn_pe.v is missing"},
		{name: "cosim --trace into a missing directory", setup: func(t *testing.T, dir string) []string {
			return []string{"cosim", designWith(t, dir, "d"), "--dataset", "mnist", "--limit", "1", "--simulator", "icarus", "--trace", "nodir/w.vcd"}
		}, code: 1, want: "--trace nodir/w.vcd: cannot write"},
		{name: "synth --freq-mhz NaN", setup: func(t *testing.T, dir string) []string {
			return []string{"synth", designWith(t, dir, "d"), "--target", "ice40", "--pnr", "--freq-mhz", "NaN"}
		}, code: 1, want: "--freq-mhz must be a positive number"},
		{name: "synth on broken RTL", setup: func(t *testing.T, dir string) []string {
			editFile(t, filepath.Join(designWith(t, dir, "d"), "rtl", "qnn_top.v"), func(b []byte) []byte { return append(b, "module broken(\n"...) })
			return []string{"synth", "d", "--allow-edited"}
		}, code: 1, want: "yosys failed", leaves: []string{"d"}}, // d/synth: the failed run's logs
		{name: "train --lr Inf", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--lr", "Inf", "--out", "m.json"}
		}, code: 1, want: "learning rates must be at most"},
		// 7. --trace is checked first and bounded.
		{name: "cosim --trace to an unwritable path", setup: func(t *testing.T, dir string) []string {
			return []string{"cosim", designWith(t, dir, "d"), "--dataset", "mnist", "--limit", "1", "--trace", "/proc/w.vcd"}
		}, code: 1, want: "cannot write"},
		{name: "cosim --trace of every test image", setup: func(t *testing.T, dir string) []string {
			return []string{"cosim", designWith(t, dir, "d", "--target-cycles", "64"), "--dataset", "mnist", "--trace", "w.vcd"}
		}, code: 1, want: "--trace of 10000 frames would be about"},
		{name: "sim --trace into a missing directory", setup: func(t *testing.T, dir string) []string {
			return []string{"sim", designWith(t, dir, "d"), "--dataset", "mnist", "--limit", "1", "--trace", "nodir/t.txt"}
		}, code: 1, want: "--trace nodir/t.txt: cannot write"},
		// 8. nextpnr's target clock.
		{name: "synth --pnr --freq-mhz 0", setup: func(t *testing.T, dir string) []string {
			return []string{"synth", designWith(t, dir, "d"), "--target", "ice40", "--pnr", "--freq-mhz", "0"}
		}, code: 1, want: "--freq-mhz must be a positive number of MHz, got 0"},
		{name: "synth --pnr --freq-mhz negative", setup: func(t *testing.T, dir string) []string {
			return []string{"synth", designWith(t, dir, "d"), "--target", "ice40", "--pnr", "--freq-mhz", "-5"}
		}, code: 1, want: "got -5"},
		// 9. Training outputs refused before training.
		{name: "train --out is a directory", setup: func(t *testing.T, dir string) []string {
			os.MkdirAll(filepath.Join(dir, "m.json"), 0o755)
			return []string{"train", "--hidden", "16", "--epochs", "1", "--limit", "1000", "--out", "m.json", "--quiet"}
		}, code: 1, want: "--out m.json: cannot write: it is a directory"},
		{name: "train --plot into /proc", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--hidden", "16", "--epochs", "1", "--limit", "1000", "--out", "m.json", "--plot", "/proc/p.png", "--quiet"}
		}, code: 1, want: "--plot /proc/p.png: cannot write"},
		{name: "train --metrics is a directory", setup: func(t *testing.T, dir string) []string {
			os.MkdirAll(filepath.Join(dir, "mdir"), 0o755)
			return []string{"train", "--hidden", "16", "--epochs", "1", "--limit", "1000", "--out", "m.json", "--metrics", "mdir", "--quiet"}
		}, code: 1, want: "--metrics mdir: cannot write"},
		// 10. Bounded reads and allocations.
		{name: "inspect a threshold layer of 2^24 channels x 8 bits", setup: func(t *testing.T, dir string) []string {
			return []string{"inspect", thresholdBomb(t, dir)}
		}, code: 1, want: "16777216 channels of 255 thresholds need at least"},
		{name: "inspect /dev/urandom", setup: func(t *testing.T, dir string) []string {
			return []string{"inspect", "/dev/urandom"}
		}, code: 1, want: "invalid character"},
		{name: "gen --fold /dev/zero", setup: func(t *testing.T, dir string) []string {
			return gen("out", "--fold", "/dev/zero")
		}, code: 1, want: "/dev/zero"},
		{name: "sim with plan.json pointing at /dev/zero", setup: func(t *testing.T, dir string) []string {
			p := filepath.Join(designWith(t, dir, "d"), "plan.json")
			os.Remove(p)
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
			return []string{"sim", "d", "--dataset", "mnist", "--limit", "1", "--allow-edited"}
		}, code: 1, want: "invalid character"},
		{name: "train --resume /dev/zero", setup: func(t *testing.T, dir string) []string {
			return []string{"train", "--resume", "/dev/zero"}
		}, code: 1, want: "not a regular file"},
		{name: "inspect a 2 MB model name", setup: func(t *testing.T, dir string) []string {
			return []string{"inspect", modelVariant(t, dir, "m.json", func(m map[string]any) { m["name"] = strings.Repeat("n", 2<<20) })}
		}, code: 1, want: "name: 2097152 bytes long, at most 1024"},
		{name: "gen --in-pix 65536", setup: func(t *testing.T, dir string) []string {
			return gen("out", "--in-pix", "65536")
		}, code: 1, want: "--in-pix 65536 is more than the 784 pixels"},
		// 12. Messages without Go internals.
		{name: "eval netlist with a string for a number", setup: func(t *testing.T, dir string) []string {
			return []string{"eval", "--model", modelVariant(t, dir, "m.json", func(m map[string]any) { layer(t, m, 1)["in"] = "x" }), "--dataset", "mnist"}
		}, code: 1, want: `field "in": got a JSON string, want an integer`, reject: "Go struct"},
		{name: "gen --fold with an object", setup: func(t *testing.T, dir string) []string {
			return gen("out", "--fold", copyTo(t, dir, "fold.json", []byte(`{"pe":1}`)))
		}, code: 1, want: "got a JSON object, want an array", reject: "hw.Fold"},
		{name: "train --resume a gob of something else", setup: func(t *testing.T, dir string) []string {
			var b bytes.Buffer
			gob.NewEncoder(&b).Encode(map[string]int{"x": 1})
			return []string{"train", "--resume", copyTo(t, dir, "c.ckpt", b.Bytes())}
		}, code: 1, want: "not a qnn training checkpoint", reject: "gob:"},
		{name: "netlist with several problems lists them", setup: func(t *testing.T, dir string) []string {
			return []string{"inspect", modelVariant(t, dir, "m.json", func(m map[string]any) {
				layer(t, m, 1)["acc_bits"] = 2.0
				layer(t, m, 3)["acc_bits"] = 2.0
			})}
		}, code: 1, want: `(and 3 more problems: layer 2 "act0" (threshold): thresholds:`},
		{name: "--log-level after the command", setup: func(t *testing.T, dir string) []string {
			return []string{"inspect", testModel, "--log-level", "loud"}
		}, code: 1, want: `--log-level: unknown level "loud"`},
	}
}

// TestDisagreementExitCode: a design that disagrees with qnn's models is a
// qnn bug (exit 2) as qnn gen wrote it, the user's (exit 1) once edited.
func TestDisagreementExitCode(t *testing.T) {
	err := fmt.Errorf("cosim: verilator differs from qnn sim")
	if _, ok := asInternal(markInternal(func(*cli.Context) error { return (&openedDesign{}).disagreement(err) })(nil)); !ok {
		t.Error("an unedited design's disagreement is not an internal error")
	}
	if _, ok := asInternal(markInternal(func(*cli.Context) error { return (&openedDesign{edited: true}).disagreement(err) })(nil)); ok {
		t.Error("an edited design's disagreement is an internal error")
	}
}
