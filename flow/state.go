package flow

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/qnn-dev/qnn/internal/dirlock"
	"github.com/qnn-dev/qnn/netlist"
)

// StateFile is the flow state's name in the output directory.
const StateFile = "flow-state.json"

// Identification of the state file; stateVersion changes when a flow
// directory's layout changes incompatibly.
const (
	stateFormat  = "qnn-flow"
	stateVersion = 1
)

// state is DIR/flow-state.json: per stage, what it read and wrote.
type state struct {
	Format  string                 `json:"format"`
	Version int                    `json:"version"`
	Stages  map[string]*stageState `json:"stages"`
}

// stageState records one stage's last run.
type stageState struct {
	// Inputs is the SHA-256 of the stage's configuration and input files.
	Inputs string `json:"inputs"`
	// Done is false for a stage that started and did not finish (an
	// interrupted training run keeps its checkpoint).
	Done bool `json:"done"`
	// Outputs maps every file the stage wrote (relative to DIR) to its
	// SHA-256.
	Outputs map[string]string `json:"outputs,omitempty"`
	Seconds float64           `json:"seconds"`
	// Result is the stage's result (the report's section for it).
	Result json.RawMessage `json:"result,omitempty"`
}

// openDir prepares cfg.Dir: it creates a missing directory, accepts an
// empty one or one holding a flow state of this version, and refuses
// anything else. Force empties a flow directory first (only the names a
// flow writes; a directory holding anything else is refused, not
// emptied). It returns the previous state (empty for a new directory) and
// an exclusive lock on the directory, held until the run ends, so that a
// second run into the same directory fails at once.
func openDir(cfg *Config) (*state, *dirlock.Lock, error) {
	st := &state{Format: stateFormat, Version: stateVersion, Stages: map[string]*stageState{}}
	fi, err := os.Stat(cfg.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := mkdir(cfg.Dir); err != nil {
			return nil, nil, err
		}
	case err != nil:
		return nil, nil, userErrorf("flow: %w", err)
	case !fi.IsDir():
		return nil, nil, userErrorf("flow: %s exists and is not a directory; choose another -o DIR", cfg.Dir)
	}
	lock, err := dirlock.Exclusive(cfg.Dir)
	if err != nil {
		if errors.Is(err, dirlock.ErrBusy) {
			return nil, nil, userErrorf("flow: %s is in use by another qnn flow run (it holds a lock on the directory); wait for it to finish or choose another -o DIR", cfg.Dir)
		}
		return nil, nil, userErrorf("flow: %w", err)
	}
	prev, err := readDir(cfg)
	if err != nil {
		lock.Unlock()
		return nil, nil, err
	}
	if prev != nil {
		st = prev
	}
	return st, lock, nil
}

// flowNames are the top-level names a flow directory holds; --force
// removes only these.
var flowNames = map[string]bool{"train": true, ModelFile: true, DesignDir: true, SynthDir: true, ClassesDir: true,
	PlotsDir: true, ReportMD: true, ReportJSON: true, ReportHTML: true, StateFile: true}

// readDir reads the previous state of cfg.Dir (nil for an empty
// directory), emptying the directory first with Force.
func readDir(cfg *Config) (*state, error) {
	entries, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, userErrorf("flow: %w", err)
	}
	if len(entries) == 0 {
		return nil, checkWritable(cfg.Dir)
	}
	data, err := os.ReadFile(filepath.Join(cfg.Dir, StateFile))
	if err != nil {
		return nil, userErrorf("flow: %s exists and is not a flow directory (no %s); choose another -o DIR (--force replaces only flow directories)",
			cfg.Dir, StateFile)
	}
	var prev state
	if err := json.Unmarshal(data, &prev); err != nil || prev.Format != stateFormat {
		return nil, userErrorf("flow: %s: %s is not a qnn flow state; choose another -o DIR (--force replaces only flow directories)", cfg.Dir, StateFile)
	}
	if cfg.Force {
		return nil, emptyFlowDir(cfg.Dir, entries)
	}
	if prev.Version != stateVersion {
		return nil, userErrorf("flow: %s: flow state version %d, this qnn writes version %d; use --force to start over",
			cfg.Dir, prev.Version, stateVersion)
	}
	if prev.Stages == nil {
		prev.Stages = map[string]*stageState{}
	}
	return &prev, checkWritable(cfg.Dir)
}

// emptyFlowDir removes what a flow wrote from dir, after checking that
// nothing else is there.
func emptyFlowDir(dir string, entries []fs.DirEntry) error {
	for _, e := range entries {
		qnnTemp := strings.HasPrefix(e.Name(), ".") && (strings.Contains(e.Name(), ".tmp") || strings.HasPrefix(e.Name(), ".qnn-"))
		if !flowNames[e.Name()] && !qnnTemp {
			return userErrorf("flow: --force: %s was not written by qnn flow, so %s is not replaced; move it away or choose another -o DIR",
				filepath.Join(dir, e.Name()), dir)
		}
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return userErrorf("flow: --force: removing %s: %w", filepath.Join(dir, e.Name()), err)
		}
	}
	return checkWritable(dir)
}

func mkdir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return userErrorf("flow: %w", err)
	}
	return checkWritable(dir)
}

// checkWritable fails early, with the directory's name, if dir cannot
// take new files.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".qnn-flow-probe*")
	if err != nil {
		return userErrorf("flow: output directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// save writes the state atomically.
func (s *state) save(dir string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("flow: encoding state: %w", err)
	}
	return writeFile(filepath.Join(dir, StateFile), append(data, '\n'))
}

// writeFile writes data to path atomically, creating its directory.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("flow: %w", err)
	}
	if err := netlist.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("flow: %w", err)
	}
	return nil
}

// hasher builds a stage's input hash from labelled parts, so that moving
// a byte from one part to the next changes the hash.
type hasher struct{ b bytes.Buffer }

func (h *hasher) add(label string, data []byte) {
	fmt.Fprintf(&h.b, "%s %d\n", label, len(data))
	h.b.Write(data)
	h.b.WriteByte('\n')
}

// addJSON adds v's JSON encoding.
func (h *hasher) addJSON(label string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic("flow: hashing " + label + ": " + err.Error()) // plain structs
	}
	h.add(label, data)
}

// addFiles adds the content of every file under root/rel (a file or a
// directory, walked in name order); a missing one hashes as absent.
func (h *hasher) addFiles(root string, rels ...string) error {
	for _, rel := range rels {
		files, err := listFiles(root, rel)
		if err != nil {
			return err
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				return fmt.Errorf("flow: %w", err)
			}
			h.add(f, data)
		}
	}
	return nil
}

func (h *hasher) sum() string {
	s := sha256.Sum256(h.b.Bytes())
	return hex.EncodeToString(s[:])
}

// listFiles returns the regular files at root/rel, relative to root,
// sorted; nil if rel does not exist.
func listFiles(root, rel string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(filepath.Join(root, rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			r, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(r))
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// fileHashes returns the SHA-256 of every file under root/rel.
func fileHashes(root string, rels ...string) (map[string]string, error) {
	m := map[string]string{}
	for _, rel := range rels {
		files, err := listFiles(root, rel)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				return nil, fmt.Errorf("flow: %w", err)
			}
			s := sha256.Sum256(data)
			m[f] = hex.EncodeToString(s[:])
		}
	}
	return m, nil
}

// outputsIntact reports whether every recorded output still has its
// recorded content.
func (s *stageState) outputsIntact(root string) bool {
	for f, want := range s.Outputs {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return false
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != want {
			return false
		}
	}
	return true
}
