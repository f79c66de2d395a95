package dataset

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// CIFAR-10 in the official binary layout (cifar-10-binary.tar.gz, folder
// cifar-10-batches-bin/): data_batch_1.bin .. data_batch_5.bin (training)
// and test_batch.bin, each cifarRecords records of CIFARRecordBytes bytes:
// one label byte 0..9, then the 1,024 red, 1,024 green and 1,024 blue
// bytes of the 32x32 image, rows top to bottom. The loader converts every
// image to the channel-fastest layout of Set ((h*32+w)*3+c).
const (
	CIFAR10          = "cifar10"
	CIFARSide        = 32
	CIFARChannels    = 3
	CIFARRecordBytes = 1 + CIFARChannels*CIFARSide*CIFARSide // 3,073
	// CIFARDir is the folder of the official tarball that holds the files.
	CIFARDir = "cifar-10-batches-bin"
	// CIFARTarball is the name of the official archive.
	CIFARTarball = "cifar-10-binary.tar.gz"
	// CIFARURL is where the official archive is published.
	CIFARURL = "https://www.cs.toronto.edu/~kriz/cifar.html"
)

// cifarRecords is the number of records in every file (a variable so that
// tests can build small files with the exact structure).
var cifarRecords = 10000

// CIFARClassNames names the CIFAR-10 labels 0..9 (batches.meta.txt).
var CIFARClassNames = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// CIFARFiles returns the base names of a split's files, in image order.
func CIFARFiles(split string) ([]string, error) {
	switch split {
	case Train:
		return []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}, nil
	case Test:
		return []string{"test_batch.bin"}, nil
	}
	return nil, checkSplit(split)
}

// cifarFileBytes is the exact size of every CIFAR-10 file.
func cifarFileBytes() int64 { return int64(cifarRecords) * CIFARRecordBytes }

// newCIFARSet allocates a split of files CIFAR files.
func newCIFARSet(split string, files int) *Set {
	n := files * cifarRecords
	return &Set{Name: CIFAR10, Split: split, N: n, C: CIFARChannels, Rows: CIFARSide, Cols: CIFARSide,
		Pixels: make([]byte, n*CIFARChannels*CIFARSide*CIFARSide), Labels: make([]byte, n),
		ClassNames: CIFARClassNames}
}

// decodeCIFAR reads exactly one file's records from r into images
// first..first+cifarRecords-1 of s, converting planar RGB to
// channel-fastest pixels and checking every label. name is the file for
// error messages (without the "dataset: " prefix). Data after the last
// record is an error.
func decodeCIFAR(r io.Reader, name string, s *Set, first int) error {
	const plane = CIFARSide * CIFARSide
	rec := make([]byte, CIFARRecordBytes)
	sz := s.ImageSize()
	for i := range cifarRecords {
		if n, err := io.ReadFull(r, rec); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%s: truncated: record %d has %d of %d bytes (want %d records, %d bytes)",
					name, i, n, CIFARRecordBytes, cifarRecords, cifarFileBytes())
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		if rec[0] >= Classes {
			return fmt.Errorf("%s: record %d: label %d is out of range 0..%d", name, i, rec[0], Classes-1)
		}
		s.Labels[first+i] = rec[0]
		dst := s.Pixels[(first+i)*sz : (first+i+1)*sz]
		for p := range plane {
			dst[3*p] = rec[1+p]
			dst[3*p+1] = rec[1+plane+p]
			dst[3*p+2] = rec[1+2*plane+p]
		}
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		return fmt.Errorf("%s: trailing data after %d records (want exactly %d bytes)", name, cifarRecords, cifarFileBytes())
	}
	return nil
}

// LoadCIFAR10 reads a split ("train": 50,000 images, "test": 10,000) of
// CIFAR-10 from src, which is one of
//   - the official cifar-10-binary.tar.gz (read as a stream, never
//     extracted), or a directory holding it;
//   - a directory holding the .bin files, or holding cifar-10-batches-bin/
//     (the extracted archive);
//   - a directory holding the .bin.xz files and SHA256SUMS.bin (the
//     project's copy, ../shared/datasets/cifar10): decompressed once into
//     a cache (CacheDir) and verified against SHA256SUMS.bin (decoded
//     directly on every load if the cache cannot be written);
//   - "": the project's copy, located from the repository (DefaultDir).
//
// Every file must have exactly 10,000 records of 3,073 bytes with labels
// 0..9; a directory that has SHA256SUMS.bin is also checked against it.
func LoadCIFAR10(split, src string) (*Set, error) {
	files, err := CIFARFiles(split)
	if err != nil {
		return nil, err
	}
	if src == "" {
		if src, err = DefaultDir(CIFAR10); err != nil {
			return nil, err
		}
	}
	fi, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("dataset: CIFAR-10: %w", err)
	}
	if !fi.IsDir() {
		return loadCIFARTar(split, src, files)
	}
	for _, dir := range []string{src, filepath.Join(src, CIFARDir)} {
		if fileExists(filepath.Join(dir, files[0])) {
			return loadCIFARDir(split, dir, files)
		}
	}
	if p := filepath.Join(src, CIFARTarball); fileExists(p) {
		return loadCIFARTar(split, p, files)
	}
	if fileExists(filepath.Join(src, files[0]+".xz")) {
		cache, err := cifarCache(src, files)
		var ce *cacheError
		if errors.As(err, &ce) {
			return loadCIFARXZ(split, src, files)
		}
		if err != nil {
			return nil, err
		}
		return loadCIFARDir(split, cache, files)
	}
	return nil, fmt.Errorf("dataset: CIFAR-10 not found in %s: looked for %s, %s/%s, %s and %s.xz; %s",
		src, files[0], CIFARDir, files[0], CIFARTarball, files[0], cifarHowTo)
}

// cifarHowTo tells how to obtain CIFAR-10.
const cifarHowTo = "download the binary version (" + CIFARTarball + ") from " + CIFARURL +
	" and pass the file, or the directory it extracts to, with --data-dir"

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// loadCIFARDir reads the split's .bin files from dir, in parallel, each
// checked for its exact size first and, if dir has SHA256SUMS.bin,
// against its checksum.
func loadCIFARDir(split, dir string, files []string) (*Set, error) {
	sums, err := readSums(filepath.Join(dir, cifarSums))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	s := newCIFARSet(split, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { errs[i] = readCIFARFile(filepath.Join(dir, f), sums[f], s, i*cifarRecords) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readCIFARFile decodes one .bin file into s at image first; if want is
// not "", the file's SHA-256 must be want.
func readCIFARFile(path, want string, s *Set, first int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	if fi.Size() != cifarFileBytes() {
		return fmt.Errorf("dataset: %s: %d bytes, want %d (%d records of %d bytes): not a CIFAR-10 batch file",
			path, fi.Size(), cifarFileBytes(), cifarRecords, CIFARRecordBytes)
	}
	var h hash.Hash
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	if want != "" {
		h = sha256.New()
		r = io.TeeReader(r, h)
	}
	if err := decodeCIFAR(r, path, s, first); err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	if h != nil {
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return &ChecksumError{Path: path, File: "CIFAR-10 " + filepath.Base(path) + " (per " + cifarSums + ")", Expected: want, Actual: got}
		}
	}
	return nil
}

// cifarSums is the checksum file of the decompressed files.
const cifarSums = "SHA256SUMS.bin"

// readSums parses a sha256sum file ("HEX  NAME" lines) into name -> hex.
func readSums(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if len(b) > 1<<16 {
		return nil, fmt.Errorf("dataset: %s: %d bytes is too large for a checksum file", path, len(b))
	}
	m := map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 64 || name == "" {
			return nil, fmt.Errorf("dataset: %s: line %d: want \"SHA256  NAME\", got %q", path, i+1, line)
		}
		m[strings.TrimPrefix(name, "*")] = sum
	}
	return m, nil
}
