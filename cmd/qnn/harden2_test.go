package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/rtlgen"
)

// TestConcurrentGenForce: several `gen --force` runs into one design at
// once each succeed or fail with a user error (never an internal one),
// and the design left is complete.
func TestConcurrentGenForce(t *testing.T) {
	bin := qnnBinary(t)
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	if _, stderr, code := runQNN(t, "gen", "--model", testModel, "-o", d); code != 0 {
		t.Fatal(stderr)
	}
	var wg sync.WaitGroup
	codes := make([]int, 6)
	outs := make([]string, len(codes))
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command(bin, "gen", "--model", testModel, "-o", d, "--force").CombinedOutput()
			outs[i] = string(out)
			if ee, ok := err.(*exec.ExitError); ok {
				codes[i] = ee.ExitCode()
			}
		}()
	}
	wg.Wait()
	ok := 0
	for i, c := range codes {
		switch c {
		case 0:
			ok++
		case 1:
			if !strings.Contains(outs[i], "in use by another qnn run") && !strings.Contains(outs[i], "meanwhile") {
				t.Errorf("run %d: exit 1 with %q", i, outs[i])
			}
		default:
			t.Errorf("run %d: exit %d: %s", i, c, outs[i])
		}
	}
	if ok == 0 {
		t.Error("no run succeeded")
	}
	if err := rtlgen.CheckManifest(d); err != nil {
		t.Errorf("design after the runs: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind next to the design: %v", entries)
	}
}

// TestCacheClean: `qnn cache clean` removes qnn's builds (the oldest first
// with --max-mb) and stale temporary build directories, and nothing else.
func TestCacheClean(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	root := filepath.Join(cache, "qnn", "verilator")
	key := func(c byte) string { return strings.Repeat(string(c), 32) }
	mk := func(name string, size int, age time.Duration) {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "harness"), make([]byte, size), 0o755); err != nil {
			t.Fatal(err)
		}
		tm := time.Now().Add(-age)
		os.Chtimes(p, tm, tm)
	}
	mk(key('a'), 600<<10, time.Minute)         // newest
	mk(key('b'), 600<<10, time.Hour)           // older: over 1 MB with a
	mk(key('c'), 100<<10, 2*time.Hour)         // oldest
	mk("."+key('d')+".tmp-1", 10, 2*time.Hour) // a killed build
	mk("."+key('e')+".tmp-2", 10, time.Minute) // a build in progress
	mk("mine", 10, 3*time.Hour)                // not qnn's
	list := func() []string {
		var names []string
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	stdout, stderr, code := runQNN(t, "cache", "clean", "--max-mb", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{"." + key('e') + ".tmp-2", key('a'), key('c'), "mine"}
	if diff := cmp.Diff(want, list()); diff != "" {
		t.Errorf("after clean --max-mb 1 (-want +got):\n%s\n%s", diff, stdout)
	}
	if _, _, code := runQNN(t, "cache", "clean"); code != 0 {
		t.Fatal("clean failed")
	}
	if diff := cmp.Diff([]string{"." + key('e') + ".tmp-2", "mine"}, list()); diff != "" {
		t.Errorf("after clean (-want +got):\n%s", diff)
	}
	stdout, _, _ = runQNN(t, "cache")
	if !strings.Contains(stdout, "0 builds") {
		t.Errorf("qnn cache: %q", stdout)
	}
}

// TestVersionFlag: qnn --version prints what qnn version prints.
func TestVersionFlag(t *testing.T) {
	want, _, _ := runQNN(t, "version")
	got, stderr, code := runQNN(t, "--version")
	if code != 0 || got != want {
		t.Errorf("qnn --version: exit %d, %q (stderr %q), want %q", code, got, stderr, want)
	}
}

// TestGlobalFlagAfterCommand: --log-level works after the command.
func TestGlobalFlagAfterCommand(t *testing.T) {
	app := newApp(&env{})
	got := permuteArgs(app, []string{"qnn", "inspect", "m.json", "--log-level", "debug", "--json"})
	want := []string{"qnn", "--log-level", "debug", "inspect", "--json", "m.json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("permuteArgs (-want +got):\n%s", diff)
	}
	_, stderr, _ := runQNN(t, "inspect", testModel, "--log-level", "debug")
	if !strings.Contains(stderr, "[DEBUG]") {
		t.Errorf("no debug log with --log-level after the command:\n%s", stderr)
	}
}
