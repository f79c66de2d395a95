package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryExitCodes builds the real qnn binary (with a version set by
// -ldflags) and checks the exit codes a shell sees.
func TestBinaryExitCodes(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	bin := filepath.Join(t.TempDir(), "qnn")
	build := exec.Command(goTool, "build", "-ldflags", "-X main.version=9.9.9-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	missing := filepath.Join(t.TempDir(), "missing.json")
	tests := []struct {
		name       string
		args       []string
		code       int
		wantStdout string // substring
		wantStderr string // substring; "" means stderr must be empty
	}{
		{"version", []string{"version", "--json"}, 0, `"version": "9.9.9-test"`, ""},
		{"inspect", []string{"inspect", testModel}, 0, "MACs per frame:", ""},
		{"missing model", []string{"inspect", missing}, 1, "", "qnn: netlist: open " + missing},
		{"unknown flag", []string{"eval", "--frobnicate"}, 1, "", "qnn: eval: flag provided but not defined: -frobnicate"},
		{"unknown command", []string{"frobnicate"}, 1, "", `qnn: unknown command "frobnicate"`},
		{"bad limit", []string{"eval", "--model", testModel, "--dataset", "mnist", "--limit", "0"}, 1, "", "--limit must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, stdout.String())
			}
			if tt.wantStderr == "" && stderr.Len() > 0 {
				t.Errorf("stderr not empty:\n%s", stderr.String())
			}
			if tt.wantStderr != "" {
				if !strings.Contains(stderr.String(), tt.wantStderr) || strings.Count(stderr.String(), "\n") != 1 {
					t.Errorf("stderr is not one line containing %q:\n%s", tt.wantStderr, stderr.String())
				}
			}
			if tt.code == 0 && strings.HasPrefix(tt.args[len(tt.args)-1], "--json") {
				var v map[string]any
				if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
					t.Errorf("stdout is not one JSON object: %v", err)
				}
			}
		})
	}
}
