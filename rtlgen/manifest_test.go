package rtlgen_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/internal/dirlock"
	"github.com/qnn-dev/qnn/rtlgen"
)

// TestManifest: the manifest lists every file Generate wrote (found by
// walking the directory, not from rtlgen's own list), and CheckManifest
// names a deleted and an edited file.
func TestManifest(t *testing.T) {
	p, err := hw.NewPlan(tfc(t), hw.Options{TargetCycles: 64})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "d")
	if err := rtlgen.Generate(p, dir, rtlgen.Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			if rel != rtlgen.ManifestFile {
				onDisk = append(onDisk, filepath.ToSlash(rel))
			}
		}
		return err
	})
	m, err := rtlgen.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for name := range m.Files {
		listed = append(listed, name)
	}
	slices.Sort(listed)
	slices.Sort(onDisk)
	if diff := cmp.Diff(onDisk, listed); diff != "" {
		t.Errorf("manifest files (-on disk +listed):\n%s", diff)
	}
	for _, want := range []string{"plan.json", "netlist.json", "rtl/qnn_top.v", "mem/layer0_weights.mem"} {
		if !slices.Contains(listed, want) {
			t.Errorf("manifest lacks %s", want)
		}
	}
	if err := rtlgen.CheckManifest(dir); err != nil {
		t.Fatalf("fresh design: %v", err)
	}
	// A file the user adds is not the manifest's business.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if err := rtlgen.CheckManifest(dir); err != nil {
		t.Fatalf("extra file: %v", err)
	}
	os.Remove(filepath.Join(dir, "mem", "layer1_weights.mem"))
	w0 := filepath.Join(dir, "mem", "layer0_weights.mem")
	data, _ := os.ReadFile(w0)
	data[0] ^= 1 // same size, other content
	os.WriteFile(w0, data, 0o644)
	err = rtlgen.CheckManifest(dir)
	var me *rtlgen.ManifestError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a *ManifestError", err)
	}
	if diff := cmp.Diff([]string{"mem/layer1_weights.mem"}, me.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mem/layer0_weights.mem"}, me.Changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	for _, s := range []string{"layer1_weights.mem is missing", "layer0_weights.mem has changed"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if err := rtlgen.CheckManifest(t.TempDir()); !errors.Is(err, rtlgen.ErrNoManifest) {
		t.Errorf("no manifest: got %v, want ErrNoManifest", err)
	}
}

// TestForceRefusesForeignDirectories: --force replaces only what qnn gen
// wrote; the user's directories, the working directory and the root are
// refused and left as they were.
func TestForceRefusesForeignDirectories(t *testing.T) {
	p, err := hw.NewPlan(tfc(t), hw.Options{TargetCycles: 64})
	if err != nil {
		t.Fatal(err)
	}
	opt := rtlgen.Options{Version: "test", Force: true}
	mine := filepath.Join(t.TempDir(), "photos")
	os.MkdirAll(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "a.jpg"), []byte("jpeg"), 0o644)
	if err := rtlgen.Generate(p, mine, opt); err == nil || !strings.Contains(err.Error(), "not a design directory written by qnn gen") {
		t.Errorf("user directory: got %v", err)
	}
	if _, err := os.Stat(filepath.Join(mine, "a.jpg")); err != nil {
		t.Errorf("user file removed: %v", err)
	}
	t.Chdir(mine)
	for _, dir := range []string{".", "/", "..", mine} {
		if err := rtlgen.Generate(p, dir, opt); err == nil || !strings.Contains(err.Error(), "working directory") {
			t.Errorf("-o %s: got %v", dir, err)
		}
	}
	// A locked design (another run) is refused at once.
	d := filepath.Join(t.TempDir(), "d")
	if err := rtlgen.Generate(p, d, opt); err != nil {
		t.Fatal(err)
	}
	l, err := dirlock.Shared(d)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := rtlgen.Generate(p, d, opt); !errors.Is(err, dirlock.ErrBusy) {
		t.Errorf("locked design: got %v, want ErrBusy", err)
	}
}

// TestGenerateCancelled: a cancelled generation writes nothing and leaves
// no temporary directory.
func TestGenerateCancelled(t *testing.T) {
	p, err := hw.NewPlan(tfc(t), hw.Options{TargetCycles: 64})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rtlgen.GenerateContext(ctx, p, filepath.Join(root, "d"), rtlgen.Options{Version: "test"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
