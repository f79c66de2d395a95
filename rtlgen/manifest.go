package rtlgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestFile lists every file of a design directory with its size and
// SHA-256. Generate writes it last, from the files actually in the
// directory, so every file any part of Generate writes is covered.
const ManifestFile = "manifest.json"

// SynthDir is where `qnn synth` writes inside a design directory (through
// a temporary .synth.tmp-*); it is not part of the manifest and may be
// replaced with the design.
const SynthDir = "synth"

// Identification of the manifest.
const (
	manifestFormat  = "qnn-design-manifest"
	manifestVersion = 1
	// maxManifestSize bounds the manifest read: a design has tens of
	// files, a few hundred bytes each in the manifest.
	maxManifestSize = 16 << 20
)

// Manifest is the content of manifest.json.
type Manifest struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// QNN is the version of qnn that wrote the design.
	QNN   string                   `json:"qnn"`
	Files map[string]ManifestEntry `json:"files"`
}

// ManifestEntry is one file's entry: its size in bytes and SHA-256 (hex).
type ManifestEntry struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ErrNoManifest is wrapped by CheckManifest's error for a directory
// without manifest.json (a design written before qnn had manifests, or not
// a design at all).
var ErrNoManifest = errors.New("no " + ManifestFile)

// ManifestError lists the files of a design that differ from its manifest.
type ManifestError struct {
	Dir     string
	Missing []string // listed but absent
	Changed []string // present with another size or hash
}

func (e *ManifestError) Error() string {
	var parts []string
	for _, f := range e.Missing {
		parts = append(parts, filepath.Join(e.Dir, f)+" is missing")
	}
	for _, f := range e.Changed {
		parts = append(parts, filepath.Join(e.Dir, f)+" has changed")
	}
	return fmt.Sprintf("rtlgen: %s since qnn gen wrote the design (%s records every file's hash)",
		strings.Join(parts, ", "), ManifestFile)
}

// writeManifest hashes every regular file under dir (except the manifest
// itself) and writes dir/manifest.json.
func writeManifest(dir, version string) error {
	m := Manifest{Format: manifestFormat, Version: manifestVersion, QNN: version, Files: map[string]ManifestEntry{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ManifestFile {
			return nil
		}
		f, err := hashFile(p)
		if err != nil {
			return err
		}
		m.Files[rel] = f
		return nil
	})
	if err != nil {
		return fmt.Errorf("rtlgen: manifest: %w", err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("rtlgen: manifest: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, ManifestFile), append(data, '\n'), 0o644)
}

func hashFile(path string) (ManifestEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return ManifestEntry{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return ManifestEntry{}, err
	}
	return ManifestEntry{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// ReadManifest reads dir/manifest.json (bounded in size); a missing file
// wraps ErrNoManifest.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("rtlgen: %s: %w", dir, ErrNoManifest)
	}
	if err != nil {
		return nil, fmt.Errorf("rtlgen: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("rtlgen: %s: %w", path, err)
	}
	if len(data) > maxManifestSize {
		return nil, fmt.Errorf("rtlgen: %s: larger than %d bytes, not a qnn manifest", path, maxManifestSize)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m.Format != manifestFormat {
		return nil, fmt.Errorf("rtlgen: %s is not a qnn design manifest", path)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("rtlgen: %s: manifest version %d, this qnn reads version %d", path, m.Version, manifestVersion)
	}
	for name := range m.Files {
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return nil, fmt.Errorf("rtlgen: %s: file %q is outside the design directory", path, name)
		}
	}
	return &m, nil
}

// CheckManifest compares the files of design directory dir with its
// manifest: a missing or changed file is a *ManifestError naming it, a
// directory without a manifest wraps ErrNoManifest. Files the manifest
// does not list (DIR/synth/, the user's notes) are not checked.
func CheckManifest(dir string) error {
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	me := &ManifestError{Dir: dir}
	names := make([]string, 0, len(m.Files))
	for name := range m.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := m.Files[name]
		path := filepath.Join(dir, filepath.FromSlash(name))
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			me.Missing = append(me.Missing, name)
			continue
		case fi.Size() != want.Size:
			me.Changed = append(me.Changed, name)
			continue
		}
		got, err := hashFile(path)
		if err != nil || got != want {
			me.Changed = append(me.Changed, name)
		}
	}
	if len(me.Missing) > 0 || len(me.Changed) > 0 {
		return me
	}
	return nil
}

// legacyLayout are the names a design directory written before manifests
// holds.
var legacyLayout = []string{RTLDir, MemDir, NetlistFile, ReadmeFile, "plan.json"}

// checkReplaceable refuses to let Generate replace dir unless qnn wrote it:
// it must hold a manifest (or, for a design from before manifests, a
// plan.json, a netlist.json and rtl/), and every file in it must be one
// the manifest lists or one qnn synth wrote (DIR/synth/).
func checkReplaceable(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	if !fi.IsDir() {
		return refusedf("rtlgen: %s exists and is not a directory; --force replaces only design directories written by qnn gen", dir)
	}
	known := map[string]bool{ManifestFile: true}
	m, err := ReadManifest(dir)
	switch {
	case err == nil:
		for name := range m.Files {
			known[name] = true
		}
	case errors.Is(err, ErrNoManifest):
		for _, name := range []string{NetlistFile, "plan.json", RTLDir} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				return refusedf("rtlgen: %s is not a design directory written by qnn gen (no %s); --force replaces only those: remove it yourself or choose another -o DIR",
					dir, ManifestFile)
			}
		}
	default:
		return refusedf("%v; --force replaces only design directories written by qnn gen", err)
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("rtlgen: %w", err)
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		top, _, _ := strings.Cut(rel, "/")
		switch {
		case rel == ".":
			return nil
		case top == SynthDir || strings.HasPrefix(top, "."+SynthDir+".tmp-"):
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		case known[rel] || (m == nil && isLegacy(top)):
			return nil
		}
		return refusedf("rtlgen: %s was not written by qnn gen, so --force does not delete it: move it away or choose another -o DIR", p)
	})
}

func isLegacy(top string) bool {
	for _, n := range legacyLayout {
		if n == top {
			return true
		}
	}
	return false
}

// refused is an error wrapping ErrRefused without repeating its text.
type refused struct{ msg string }

func (e *refused) Error() string        { return e.msg }
func (e *refused) Is(target error) bool { return target == ErrRefused }

func refusedf(format string, args ...any) error { return &refused{fmt.Sprintf(format, args...)} }
