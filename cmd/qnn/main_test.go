package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
)

// testModel is a valid netlist with random weights.
const testModel = "../../testdata/random-tfc-w1a1.json"

// runQNN runs qnn in-process with args (without the program name).
func runQNN(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"qnn"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

// decodeOneObject decodes stdout into v and fails unless stdout holds
// exactly one JSON object and nothing else.
func decodeOneObject(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	rest, _ := io.ReadAll(dec.Buffered())
	if strings.TrimSpace(string(rest)) != "" || dec.More() {
		t.Fatalf("stdout has data after the JSON object: %q", rest)
	}
}

// jsonKeys returns the top-level keys of the JSON object in stdout.
func jsonKeys(t *testing.T, stdout string) map[string]bool {
	t.Helper()
	var m map[string]json.RawMessage
	decodeOneObject(t, stdout, &m)
	keys := map[string]bool{}
	for k := range m {
		keys[k] = true
	}
	return keys
}

// checkUserError requires exit code 1, nothing on stdout and exactly one
// "qnn: " line on stderr containing every one of wants.
func checkUserError(t *testing.T, stdout, stderr string, code int, wants ...string) {
	t.Helper()
	if code != exitUser {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitUser, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout not empty:\n%s", stdout)
	}
	if n := strings.Count(stderr, "\n"); n != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr has %d lines, want exactly one:\n%s", n, stderr)
	}
	if !strings.HasPrefix(stderr, "qnn: ") {
		t.Errorf("stderr does not start with %q: %q", "qnn: ", stderr)
	}
	for _, w := range wants {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not contain %q", stderr, w)
		}
	}
}

func TestVersion(t *testing.T) {
	want := versionInfo{
		Version:        version,
		Go:             runtime.Version(),
		OS:             runtime.GOOS,
		Arch:           runtime.GOARCH,
		NetlistFormat:  netlist.Format,
		NetlistVersion: netlist.Version,
	}
	t.Run("text", func(t *testing.T) {
		stdout, stderr, code := runQNN(t, "version")
		if code != exitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		wantText := fmt.Sprintf("qnn %s\ngo: %s\nplatform: %s/%s\nnetlist format: %s version %d\n",
			want.Version, want.Go, want.OS, want.Arch, want.NetlistFormat, want.NetlistVersion)
		if diff := cmp.Diff(wantText, stdout); diff != "" {
			t.Errorf("version text mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("json", func(t *testing.T) {
		stdout, stderr, code := runQNN(t, "version", "--json")
		if code != exitOK || stderr != "" {
			t.Fatalf("exit code %d, stderr %q", code, stderr)
		}
		var got versionInfo
		decodeOneObject(t, stdout, &got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("version JSON mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"--help"}, {"help"}, {"help", "eval"}, {"inspect", "--help"}} {
		t.Run(strings.Join(append([]string{"qnn"}, args...), " "), func(t *testing.T) {
			stdout, stderr, code := runQNN(t, args...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stdout, "USAGE") {
				t.Errorf("no usage text on stdout:\n%s", stdout)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		wants []string
	}{
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"unknown global flag", []string{"--bogus", "version"}, []string{"-bogus"}},
		{"bad log level", []string{"--log-level", "loud", "version"}, []string{"--log-level", `"loud"`}},
		{"version argument", []string{"version", "x"}, []string{"version: takes no arguments"}},
		{"unknown command flag", []string{"inspect", "--bogus", testModel}, []string{"inspect:", "-bogus"}},
		{"inspect without model", []string{"inspect"}, []string{"inspect: missing MODEL"}},
		{"inspect two models", []string{"inspect", testModel, testModel}, []string{"inspect: takes one MODEL"}},
		{"eval without model", []string{"eval", "--dataset", "mnist"}, []string{"--model is required"}},
		{"eval without dataset", []string{"eval", "--model", testModel}, []string{"--dataset is required"}},
		{"eval unknown dataset", []string{"eval", "--model", testModel, "--dataset", "cifar100"}, []string{"--dataset", `"cifar100"`, "mnist, fashion, cifar10, ptb (sequence models), images:DIR or idx:DIR"}},
		{"eval unknown split", []string{"eval", "--model", testModel, "--dataset", "mnist", "--split", "val"}, []string{"--split", `"val"`}},
		{"eval limit 0", []string{"eval", "--model", testModel, "--dataset", "mnist", "--limit", "0"}, []string{"--limit must be at least 1, got 0"}},
		{"eval limit negative", []string{"eval", "--model", testModel, "--dataset", "mnist", "--limit", "-5"}, []string{"--limit must be at least 1, got -5"}},
		{"eval limit not a number", []string{"eval", "--model", testModel, "--dataset", "mnist", "--limit", "many"}, []string{"eval:", `"many"`, "-limit"}},
		{"eval negative workers", []string{"eval", "--model", testModel, "--dataset", "mnist", "--workers", "-2"}, []string{"--workers", "-2"}},
		{"eval positional argument", []string{"eval", "--model", testModel, "--dataset", "mnist", "extra"}, []string{"eval: takes no arguments"}},
		{"eval missing data dir", []string{"eval", "--model", testModel, "--dataset", "fashion", "--data-dir", "/nonexistent/qnn-data"}, []string{"dataset:", "/nonexistent/qnn-data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runQNN(t, tt.args...)
			checkUserError(t, stdout, stderr, code, tt.wants...)
		})
	}
}

func TestLogLevel(t *testing.T) {
	stdout, stderr, code := runQNN(t, "--log-level", "debug", "inspect", "--json", testModel)
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	jsonKeys(t, stdout) // logs must not reach stdout
	if !strings.Contains(stderr, "[DEBUG] qnn: loaded netlist") {
		t.Errorf("no debug log on stderr:\n%s", stderr)
	}
	if strings.Contains(stderr, "\x1b[") {
		t.Errorf("colored log written to a non-terminal: %q", stderr)
	}
	if _, stderr, _ := runQNN(t, "inspect", testModel); stderr != "" {
		t.Errorf("default log level logged on success:\n%s", stderr)
	}
}

func TestPermuteArgs(t *testing.T) {
	tests := []struct {
		name       string
		args, want []string
	}{
		{"empty", []string{"qnn"}, []string{"qnn"}},
		{"flags first already", []string{"qnn", "inspect", "--json", "m.json"}, []string{"qnn", "inspect", "--json", "m.json"}},
		{"bool flag after argument", []string{"qnn", "inspect", "m.json", "--json"}, []string{"qnn", "inspect", "--json", "m.json"}},
		{"global flag with value", []string{"qnn", "--log-level", "debug", "inspect", "m.json", "--json"}, []string{"qnn", "--log-level", "debug", "inspect", "--json", "m.json"}},
		{"value flags keep their values", []string{"qnn", "eval", "x", "--limit", "-3", "--model=m", "--json"}, []string{"qnn", "eval", "--limit", "-3", "--model=m", "--json", "x"}},
		{"double dash ends flags", []string{"qnn", "inspect", "--json", "--", "-m.json", "--json"}, []string{"qnn", "inspect", "--json", "--", "-m.json", "--json"}},
		{"unknown command untouched", []string{"qnn", "nope", "a", "--json"}, []string{"qnn", "nope", "a", "--json"}},
		{"lone dash is positional", []string{"qnn", "inspect", "-", "--json"}, []string{"qnn", "inspect", "--json", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := newApp(&env{})
			if diff := cmp.Diff(tt.want, permuteArgs(app, tt.args)); diff != "" {
				t.Errorf("permuteArgs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunAppExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		action cli.ActionFunc
		code   int
		want   string
	}{
		{"success", func(*cli.Context) error { return nil }, exitOK, ""},
		{"user error", func(*cli.Context) error { return userErrf("bad input %d", 7) }, exitUser, "qnn: bad input 7\n"},
		{"wrapped user error", func(*cli.Context) error { return fmt.Errorf("outer: %w", userErrf("inner")) }, exitUser, "qnn: outer: inner\n"},
		{"unexpected error", func(*cli.Context) error { return errors.New("disk on fire") }, exitInternal, "qnn: internal error: disk on fire\n"},
		{"multi-line error", func(*cli.Context) error { return userErrf("a\nb") }, exitUser, "qnn: a b\n"},
		{"panic", func(*cli.Context) error { panic("boom") }, exitInternal, "qnn: internal error: panic: boom\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			app := &cli.App{
				Name:           "qnn",
				Writer:         io.Discard,
				ErrWriter:      &stderr,
				ExitErrHandler: func(*cli.Context, error) {},
				Commands:       []*cli.Command{{Name: "do", Action: markInternal(tt.action)}},
			}
			code := runApp(app, []string{"qnn", "do"}, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			got := stderr.String()
			if tt.name == "panic" {
				got, _, _ = strings.Cut(got, "\n")
				got += "\n"
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
