package flow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenDir(t *testing.T) {
	write := func(t *testing.T, dir, name, data string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		force bool
		want  string // error fragment; "" for success
	}{
		{"missing", func(*testing.T, string) {}, false, ""},
		{"empty", func(t *testing.T, dir string) { os.MkdirAll(dir, 0o755) }, false, ""},
		{"previous flow", func(t *testing.T, dir string) {
			write(t, dir, StateFile, `{"format":"qnn-flow","version":1,"stages":{}}`)
		}, false, ""},
		{"other files", func(t *testing.T, dir string) { write(t, dir, "x.txt", "mine") }, false, "not a flow directory"},
		{"other files, --force", func(t *testing.T, dir string) { write(t, dir, "x.txt", "mine") }, true, "not a flow directory"},
		{"flow with a user file, --force", func(t *testing.T, dir string) {
			write(t, dir, StateFile, `{"format":"qnn-flow","version":1,"stages":{}}`)
			write(t, dir, "notes.txt", "mine")
		}, true, "notes.txt was not written by qnn flow"},
		{"previous flow, --force", func(t *testing.T, dir string) {
			write(t, dir, StateFile, `{"format":"qnn-flow","version":9,"stages":{}}`)
			os.MkdirAll(filepath.Join(dir, "design"), 0o755)
			write(t, dir, "design/x.txt", "old")
			write(t, dir, "report.md", "old")
		}, true, ""},
		{"newer state", func(t *testing.T, dir string) {
			write(t, dir, StateFile, `{"format":"qnn-flow","version":9}`)
		}, false, "flow state version 9"},
		{"foreign state", func(t *testing.T, dir string) { write(t, dir, StateFile, `{"format":"x"}`) }, false, "not a qnn flow state"},
		{"a file", func(t *testing.T, dir string) { write(t, filepath.Dir(dir), filepath.Base(dir), "x") }, false, "not a directory"},
		{"under a file", func(t *testing.T, dir string) {
			write(t, filepath.Dir(dir), filepath.Base(dir), "x")
		}, false, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tt.setup(t, dir)
			if tt.name == "under a file" {
				dir = filepath.Join(dir, "sub")
			}
			st, lock, err := openDir(&Config{Dir: dir, Force: tt.force})
			defer lock.Unlock()
			if tt.want == "" {
				if err != nil || st == nil {
					t.Fatalf("openDir: %v", err)
				}
				if tt.force {
					if entries, _ := os.ReadDir(dir); len(entries) != 0 {
						t.Errorf("--force kept the old content: %v", entries)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrUser) {
				t.Errorf("openDir error %v, want a user error containing %q", err, tt.want)
			}
			if tt.force {
				if _, err := os.Stat(filepath.Join(dir, "notes.txt")); tt.name == "flow with a user file, --force" && err != nil {
					t.Error("--force removed the user's file")
				}
			}
		})
	}
}

func TestStageSkipsOnlyUnchanged(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	hashes, err := fileHashes(dir, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	s := &stageState{Done: true, Outputs: hashes}
	if !s.outputsIntact(dir) {
		t.Fatal("unchanged output reported changed")
	}
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("two"), 0o644)
	if s.outputsIntact(dir) {
		t.Error("changed output reported intact")
	}
	var h1, h2 hasher
	h1.add("a", []byte("xy"))
	h1.add("b", []byte("z"))
	h2.add("a", []byte("x"))
	h2.add("b", []byte("yz"))
	if h1.sum() == h2.sum() {
		t.Error("moving a byte between parts does not change the hash")
	}
}

func TestInline(t *testing.T) {
	for in, want := range map[string]string{
		"a `b` c":      "a <code>b</code> c",
		"**x** <y>":    "<b>x</b> &lt;y&gt;",
		"odd ` quote":  "odd ` quote",
		"`a` and `b`":  "<code>a</code> and <code>b</code>",
		"`a` and ` b":  "<code>a</code> and ` b",
		"plain & text": "plain &amp; text",
	} {
		if got := inline(in); got != want {
			t.Errorf("inline(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenDirLocks: a second run into a directory in use fails at once.
func TestOpenDirLocks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	_, lock, err := openDir(&Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = openDir(&Config{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "in use by another qnn flow run") || !errors.Is(err, ErrUser) {
		t.Errorf("second open: got %v", err)
	}
	lock.Unlock()
	_, lock, err = openDir(&Config{Dir: dir})
	if err != nil {
		t.Errorf("after unlock: %v", err)
	}
	lock.Unlock()
}
