package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/train"
	"github.com/urfave/cli/v2"
)

// TestTrainEndToEnd is the acceptance check: a short TFC run produces a
// model that eval and inspect accept, with the metrics and plot files, and
// the same seed gives the same file.
func TestTrainEndToEnd(t *testing.T) {
	requireMNIST(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	args := []string{"train", "--arch", "tfc", "--epochs", "1", "--limit", "2000", "--out", model,
		"--metrics", filepath.Join(dir, "m.csv"), "--plot", filepath.Join(dir, "m.png"), "--json"}
	stdout, stderr, code := runQNN(t, args...)
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "epoch   1/1") {
		t.Errorf("stderr has no epoch line:\n%s", stderr)
	}
	var r trainReport
	decodeOneObject(t, stdout, &r)
	if r.Disagreements != 0 || r.TestImages != 10000 || r.BestEpoch != 1 || r.TestAccuracy < 0.3 {
		t.Errorf("report: %+v", r)
	}
	want, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"m.csv", "m.png", "m.json.ckpt"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, stderr, code := runQNN(t, "eval", "--model", model, "--dataset", "mnist", "--limit", "100"); code != exitOK {
		t.Errorf("eval: exit code %d: %s", code, stderr)
	}
	if _, stderr, code := runQNN(t, "inspect", model); code != exitOK {
		t.Errorf("inspect: exit code %d: %s", code, stderr)
	}

	// Same seed, same bytes; resuming the finished run re-exports them.
	again := filepath.Join(dir, "again.json")
	if _, stderr, code := runQNN(t, "train", "--arch", "tfc", "--epochs", "1", "--limit", "2000", "--out", again, "--quiet"); code != exitOK {
		t.Fatalf("second run: exit code %d: %s", code, stderr)
	}
	resumed := filepath.Join(dir, "resumed.json")
	if _, stderr, code := runQNN(t, "train", "--resume", model+".ckpt", "--out", resumed, "--quiet"); code != exitOK {
		t.Fatalf("resume: exit code %d: %s", code, stderr)
	}
	for _, p := range []string{again, resumed} {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%s differs from the first run's model", filepath.Base(p))
		}
	}
	if _, err := netlist.Load(resumed); err != nil {
		t.Error(err)
	}
}

func TestTrainUserErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"arch", []string{"--arch", "huge"}, "unknown architecture"},
		{"wbits", []string{"--wbits", "3"}, "weight bits 3"},
		{"abits", []string{"--abits", "8"}, "activation bits 8"},
		{"input bits", []string{"--input-bits", "4"}, "input bits 4"},
		{"hidden", []string{"--hidden", "64,x"}, "hidden layer width"},
		{"loss", []string{"--loss", "mse"}, "unknown loss"},
		{"epochs", []string{"--epochs", "0"}, "epochs must be positive"},
		{"augment", []string{"--augment", "5"}, "augment shift 5"},
		{"layers grammar", []string{"--layers", "c16q,f10"}, "layer string"},
		{"layers no output", []string{"--layers", "c16,p2,f32"}, "output layer f10"},
		{"layers too deep", []string{"--layers", "c16k9,c16k9,c16k9,c16k9,f32,f10"}, "kernel on a"},
		{"layers and hidden", []string{"--layers", "c16,f32,f10", "--hidden", "32"}, "cannot be combined"},
		{"augment style", []string{"--arch", "lenet", "--augment-style", "mirror"}, "unknown augmentation style"},
		{"argument", []string{"extra"}, "takes no arguments"},
		{"bn-stats negative", []string{"--arch", "lenet", "--bn-stats", "-1"}, "--bn-stats must not be negative"},
		{"bn-stats shift", []string{"--arch", "lenet", "--shift-bn", "--bn-stats", "100"}, "--bn-stats needs exact batch norm"},
		{"resume missing", []string{"--resume", filepath.Join(dir, "none.ckpt")}, "checkpoint"},
		{"resume with flags", []string{"--resume", filepath.Join(dir, "none.ckpt"), "--epochs", "3"}, "cannot be combined with --resume"},
		{"resume with augment", []string{"--resume", filepath.Join(dir, "none.ckpt"), "--augment", "0"}, "--augment cannot be combined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runQNN(t, append([]string{"train", "--out", filepath.Join(dir, "m.json")}, tt.args...)...)
			checkUserError(t, stdout, stderr, code, tt.want)
		})
	}
}

func TestTrainHelpListsFlags(t *testing.T) {
	stdout, _, code := runQNN(t, "train", "--help")
	if code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	var missing []string
	for _, f := range append(trainFlagNames, "out", "resume", "metrics", "plot", "quiet", "json", "threads", "bn-stats") {
		if !strings.Contains(stdout, "--"+f) {
			missing = append(missing, f)
		}
	}
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf("flags missing from help (-want +got):\n%s", diff)
	}
}

// TestTrainRegularizationFlags: --augment and --dropout reach the run's
// configuration (recorded in the model's metadata), and a flag set to 0
// overrides the architecture's default.
func TestTrainRegularizationFlags(t *testing.T) {
	requireMNIST(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want map[string]string // metadata; "" means absent
	}{
		{[]string{"--augment", "2", "--dropout", "0.1"}, map[string]string{"augment": "2", "dropout": "in 0, hidden 0.1"}},
		{[]string{"--arch", "sfc", "--hidden", "32", "--augment", "0"}, map[string]string{"augment": "", "dropout": ""}},
		{[]string{"--arch", "sfc", "--hidden", "32"}, map[string]string{"augment": "1", "dropout": ""}},
	} {
		model := filepath.Join(dir, "m.json")
		args := append([]string{"train", "--epochs", "1", "--limit", "1000", "--quiet", "--out", model}, tt.args...)
		if _, stderr, code := runQNN(t, args...); code != exitOK {
			t.Fatalf("%v: exit code %d: %s", tt.args, code, stderr)
		}
		n, err := netlist.Load(model)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tt.want {
			if got := n.Meta[k]; got != v {
				t.Errorf("%v: meta %s = %q, want %q", tt.args, k, got, v)
			}
		}
	}
}

// TestTrainBNStatsFlag: --bn-stats reaches the trainer (recorded in the
// model's metadata); a custom layer string keeps the running statistics.
func TestTrainBNStatsFlag(t *testing.T) {
	requireMNIST(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string // metadata bn_stats; "" means absent
	}{
		{[]string{"--layers", "c4,p2,f16,f10", "--bn-stats", "150"}, "150"},
		{[]string{"--layers", "c4,p2,f16,f10"}, ""},
	} {
		model := filepath.Join(dir, "m.json")
		args := append([]string{"train", "--epochs", "1", "--limit", "200", "--batch", "50", "--quiet", "--out", model}, tt.args...)
		if _, stderr, code := runQNN(t, args...); code != exitOK {
			t.Fatalf("%v: exit code %d: %s", tt.args, code, stderr)
		}
		n, err := netlist.Load(model)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.Meta["bn_stats"]; got != tt.want {
			t.Errorf("%v: meta bn_stats = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestSetBNStatsDefault: a new lenet or cnv run recomputes the statistics
// on train.DefaultBNStats images, --bn-stats overrides it, and a resumed
// run without the flag keeps its checkpoint's setting.
func TestSetBNStatsDefault(t *testing.T) {
	requireMNIST(t)
	full, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Fatal(err)
	}
	want := strconv.Itoa(train.DefaultBNStats("lenet"))
	for _, tt := range []struct {
		name    string
		opt     trainOptions
		initial int // the trainer's setting before (a resumed checkpoint's)
		want    string
	}{
		{"new lenet", trainOptions{bnStats: -1}, 0, want},
		{"flag", trainOptions{bnStats: 0}, 0, "0"},
		{"resumed", trainOptions{bnStats: -1, resume: "x.ckpt"}, 7, "7"},
		{"resumed with flag", trainOptions{bnStats: 300, resume: "x.ckpt"}, 7, "300"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := train.DefaultConfig("lenet")
			if err != nil {
				t.Fatal(err)
			}
			tr, err := train.New(cfg, full.Slice(0, 100), full.Slice(100, 110))
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.SetBNStats(tt.initial); err != nil {
				t.Fatal(err)
			}
			tt.opt.cfg = cfg
			if err := setBNStats(tt.opt, tr); err != nil {
				t.Fatal(err)
			}
			if got := strconv.Itoa(tr.BNStats()); got != tt.want {
				t.Errorf("BNStats %s, want %s", got, tt.want)
			}
		})
	}
}

// TestTrainLayersKeepSchedule: --layers replaces only --arch's layer
// stack; the schedule, data set and input bits stay the architecture's
// (tfc's without --arch), flags set explicitly win, and batch norm keeps
// its running averages (docs/training.md, "Convolutional models").
func TestTrainLayersKeepSchedule(t *testing.T) {
	for _, c := range []struct {
		args      []string
		dataset   string
		epochs    int
		lr        float64
		inputBits int
		flip      bool
	}{
		{[]string{"--layers", "c8,p2,f16,f10"}, "mnist", 20, 2e-2, 1, false},
		{[]string{"--arch", "cnv", "--layers", "c8,p2,f16,f10"}, "cifar10", 64, 5e-3, 8, true},
		{[]string{"--arch", "cnv28", "--layers", "c8,p2,f16,f10", "--epochs", "3"}, "mnist", 3, 2e-2, 8, false},
		{[]string{"--arch", "cnv", "--layers", "c8,f16,f10", "--dataset", "mnist", "--input-bits", "1"}, "mnist", 64, 5e-3, 1, true},
	} {
		var got train.Config
		app := &cli.App{Flags: append(trainFlags(), lmFlags()...), Action: func(ctx *cli.Context) error {
			var err error
			got, err = configFromFlags(ctx)
			return err
		}}
		if err := app.Run(append([]string{"train"}, c.args...)); err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if got.Arch != "custom" || got.Layers != c.args[slices.Index(c.args, "--layers")+1] {
			t.Errorf("%v: arch %q layers %q, want custom and the flag's stack", c.args, got.Arch, got.Layers)
		}
		if got.Dataset != c.dataset || got.Epochs != c.epochs || got.LR != c.lr || got.InputBits != c.inputBits || got.Flip != c.flip {
			t.Errorf("%v: dataset %q epochs %d lr %g input bits %d flip %v, want %q %d %g %d %v", c.args,
				got.Dataset, got.Epochs, got.LR, got.InputBits, got.Flip, c.dataset, c.epochs, c.lr, c.inputBits, c.flip)
		}
		if n := train.DefaultBNStats(got.Arch); n != 0 {
			t.Errorf("%v: default batch-norm statistics on %d images, want the running averages (0)", c.args, n)
		}
	}
}
