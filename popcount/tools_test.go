package popcount

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// long enables the slow checks: formal equivalence at widths 64, 128 and 256
// and the synthesis table at every SIMD (go test ./popcount -long).
var long = flag.Bool("long", false, "run the long formal-equivalence and synthesis checks")

// requireTool skips the test when a tool is missing (scripts/setup.sh
// installs it).
func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (scripts/setup.sh)", name)
	}
}

// run runs a tool in dir with a timeout and returns its combined output.
func run(t testing.TB, dir string, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	out, _, err := runCPU(t, dir, timeout, name, args...)
	return out, err
}

// runCPU is run that also returns the CPU time (user + system) the tool
// used: on a shared machine a steadier measure than the wall clock.
func runCPU(t testing.TB, dir string, timeout time.Duration, name string, args ...string) (string, time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s timed out after %v", name, timeout)
	}
	var cpu time.Duration
	if ps := cmd.ProcessState; ps != nil {
		cpu = ps.UserTime() + ps.SystemTime()
	}
	return out.String(), cpu, err
}

// writeModule writes a module to dir/name.v and returns the path.
func writeModule(t testing.TB, dir, name, verilog string) string {
	t.Helper()
	p := filepath.Join(dir, name+".v")
	if err := os.WriteFile(p, []byte(verilog), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tail is the last lines of a tool's output, for failure messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
