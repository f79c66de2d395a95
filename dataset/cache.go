package dataset

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ulikunitz/xz"
)

// The project's copy of CIFAR-10 lies beside the repository: SharedCIFAR
// below the repository's parent directory.
const SharedCIFAR = "shared/datasets/cifar10"

// module is the module path that marks the repository root (go.mod).
const module = "github.com/qnn-dev/qnn"

// repoRoot is the closest directory at or above the working directory
// whose go.mod declares the qnn module; "" if there is none (qnn run
// outside a checkout).
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && declares(b, module) {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// declares reports whether a go.mod declares module mod.
func declares(gomod []byte, mod string) bool {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == mod {
			return true
		}
	}
	return false
}

// cifarDefaultDir is the project's copy of CIFAR-10 (../shared/datasets/
// cifar10 from the repository root); if there is none, the error (matching
// ErrNotInstalled) says where it looked and how to obtain CIFAR-10.
func cifarDefaultDir() (string, error) { return sharedDir(SharedCIFAR, "CIFAR-10", cifarHowTo) }

// sharedDir is the project's copy of a data set, rel below the repository
// root's parent; if there is none, an ErrNotInstalled error naming what,
// where it looked and howTo.
func sharedDir(rel, what, howTo string) (string, error) {
	where := "no qnn repository above the working directory, so no ../" + rel
	if root := repoRoot(); root != "" {
		dir := filepath.Join(filepath.Dir(root), filepath.FromSlash(rel))
		if isDir(dir) {
			return dir, nil
		}
		where = "looked for the project's copy in " + dir
	}
	return "", &taggedError{tag: ErrNotInstalled, msg: "dataset: " + what + " not found (" + where + "); " + howTo}
}

// cacheError is a failure to use the cache directory (not of the data):
// LoadCIFAR10 then decodes the .xz files directly.
type cacheError struct{ err error }

func (e *cacheError) Error() string { return e.err.Error() }
func (e *cacheError) Unwrap() error { return e.err }

// CacheDir is where decompressed copies of xz-compressed data sets are
// kept: $XDG_CACHE_HOME/qnn (else ~/.cache/qnn on Linux,
// os.UserCacheDir elsewhere).
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", &cacheError{fmt.Errorf("dataset: no cache directory for the decompressed CIFAR-10 files (set XDG_CACHE_HOME): %w", err)}
	}
	return filepath.Join(d, "qnn"), nil
}

// cifarCache returns a directory holding the decompressed files of src
// (a directory of NAME.xz files and SHA256SUMS.bin): CacheDir/cifar10/KEY
// with KEY a prefix of SHA256SUMS.bin's hash, so a changed source gets a
// new cache. Missing files are decompressed (in parallel), checked
// against SHA256SUMS.bin and renamed into place atomically, so concurrent
// runs and interrupted ones never leave a partial file under its name.
func cifarCache(src string, files []string) (string, error) {
	sumsPath := filepath.Join(src, cifarSums)
	raw, err := os.ReadFile(sumsPath)
	if err != nil {
		return "", fmt.Errorf("dataset: CIFAR-10 in %s: the .xz files need %s to verify them: %w", src, cifarSums, err)
	}
	sums, err := readSums(sumsPath)
	if err != nil {
		return "", err
	}
	base, err := CacheDir()
	if err != nil {
		return "", err
	}
	key := sha256.Sum256(raw)
	dir := filepath.Join(base, CIFAR10, hex.EncodeToString(key[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", &cacheError{fmt.Errorf("dataset: cache: %w", err)}
	}
	if err := writeAtomic(filepath.Join(dir, cifarSums), raw); err != nil {
		return "", err
	}
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		if sums[f] == "" {
			return "", fmt.Errorf("dataset: %s: no checksum for %s", sumsPath, f)
		}
		dst := filepath.Join(dir, f)
		if fi, err := os.Stat(dst); err == nil && fi.Size() == cifarFileBytes() {
			continue // verified again while it is read
		}
		wg.Go(func() { errs[i] = unxz(filepath.Join(src, f+".xz"), dst, sums[f]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return "", err
		}
	}
	return dir, nil
}

// unxz decompresses the xz file src into dst (via a temporary file in the
// same directory), requiring exactly one CIFAR-10 file's size and the
// SHA-256 want.
func unxz(src, dst, want string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	defer in.Close()
	zr, err := xz.NewReader(bufio.NewReaderSize(in, 1<<20))
	if err != nil {
		return fmt.Errorf("dataset: %s: not an xz file: %v", src, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+filepath.Base(dst)+"-*")
	if err != nil {
		return &cacheError{fmt.Errorf("dataset: cache: %w", err)}
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := tmp.Chmod(0o644); err != nil {
		return &cacheError{fmt.Errorf("dataset: cache: %w", err)}
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<20)
	n, err := io.Copy(w, io.LimitReader(zr, cifarFileBytes()+1))
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch got := hex.EncodeToString(h.Sum(nil)); {
	case err != nil:
		return fmt.Errorf("dataset: decompressing %s: %v", src, err)
	case n != cifarFileBytes():
		return fmt.Errorf("dataset: %s: decompresses to %s bytes, want %d: not a CIFAR-10 batch file", src, sizeText(n), cifarFileBytes())
	case got != want:
		return &ChecksumError{Path: src, File: "CIFAR-10 " + filepath.Base(dst) + " (per " + cifarSums + ")", Expected: want, Actual: got}
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return &cacheError{fmt.Errorf("dataset: cache: %w", err)}
	}
	return nil
}

func sizeText(n int64) string {
	if n > cifarFileBytes() {
		return fmt.Sprintf("more than %d", cifarFileBytes())
	}
	return fmt.Sprint(n)
}

// writeAtomic writes b to path through a temporary file and a rename,
// unless path already holds b.
func writeAtomic(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return &cacheError{fmt.Errorf("dataset: cache: %w", err)}
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return &cacheError{fmt.Errorf("dataset: cache: %w", err)}
	}
	return nil
}

// loadCIFARXZ decodes the split's .xz files of src directly, each checked
// against SHA256SUMS.bin: the way without a usable cache (slower: every
// load decompresses).
func loadCIFARXZ(split, src string, files []string) (*Set, error) {
	sumsPath := filepath.Join(src, cifarSums)
	sums, err := readSums(sumsPath)
	if err != nil {
		return nil, fmt.Errorf("dataset: CIFAR-10 in %s: the .xz files need %s to verify them: %w", src, cifarSums, err)
	}
	s := newCIFARSet(split, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { errs[i] = decodeXZ(filepath.Join(src, f+".xz"), sums[f], s, i*cifarRecords) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// decodeXZ decodes one xz-compressed CIFAR-10 file into s at image first,
// requiring the SHA-256 want of the decompressed bytes.
func decodeXZ(path, want string, s *Set, first int) error {
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	defer in.Close()
	zr, err := xz.NewReader(bufio.NewReaderSize(in, 1<<20))
	if err != nil {
		return fmt.Errorf("dataset: %s: not an xz file: %v", path, err)
	}
	h := sha256.New()
	if err := decodeCIFAR(io.TeeReader(zr, h), path, s, first); err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return &ChecksumError{Path: path, File: "CIFAR-10 " + strings.TrimSuffix(filepath.Base(path), ".xz") + " (per " + cifarSums + ")", Expected: want, Actual: got}
	}
	return nil
}
