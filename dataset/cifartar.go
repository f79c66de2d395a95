package dataset

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
)

// Bounds on what a tarball may hold besides the data files, so that a
// hostile archive cannot make the loader read without end.
const (
	maxTarEntries   = 64
	maxTarOtherSize = 1 << 20 // bytes of any member that is not a data file
)

// loadCIFARTar reads the split's files from the official
// cifar-10-binary.tar.gz as a stream: members of cifar-10-batches-bin/
// are decoded as they arrive (in any order), the other split's data files
// are skipped (their size is still checked), small other members (the
// readme, batches.meta.txt) are skipped, anything else is an error.
func loadCIFARTar(split, p string, files []string) (*Set, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: not a gzip-compressed tar archive (want %s): %v", p, CIFARTarball, err)
	}
	all := append(mustCIFARFiles(Train), mustCIFARFiles(Test)...)
	s := newCIFARSet(split, len(files))
	seen := map[string]bool{}
	tr := tar.NewReader(zr)
	for entries := 0; ; entries++ {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("dataset: %s: corrupt archive: %v", p, err)
		}
		if entries >= maxTarEntries {
			return nil, fmt.Errorf("dataset: %s: more than %d members: not %s", p, maxTarEntries, CIFARTarball)
		}
		name := strings.TrimPrefix(path.Clean(h.Name), "./")
		dir, base := path.Split(name)
		isData := dir == CIFARDir+"/" && slices.Contains(all, base)
		member := p + ": " + name
		switch {
		case h.Typeflag == tar.TypeDir:
			continue
		case !isData:
			if h.Size > maxTarOtherSize {
				return nil, fmt.Errorf("dataset: %s: %d bytes, but only the data files of %s/ may exceed %d", member, h.Size, CIFARDir, maxTarOtherSize)
			}
			continue
		case h.Typeflag != tar.TypeReg:
			return nil, fmt.Errorf("dataset: %s: not a regular file", member)
		case seen[base]:
			return nil, fmt.Errorf("dataset: %s: appears twice in the archive", member)
		case h.Size != cifarFileBytes():
			return nil, fmt.Errorf("dataset: %s: %d bytes, want %d (%d records of %d bytes): not a CIFAR-10 batch file",
				member, h.Size, cifarFileBytes(), cifarRecords, CIFARRecordBytes)
		}
		seen[base] = true
		if i := slices.Index(files, base); i >= 0 {
			if err := decodeCIFAR(tr, member, s, i*cifarRecords); err != nil {
				return nil, fmt.Errorf("dataset: %w", tarErr(err))
			}
		}
	}
	// Read to the end of the gzip stream so that its CRC is checked.
	if n, err := io.CopyN(io.Discard, zr, maxTarOtherSize); err != io.EOF {
		if err == nil {
			return nil, fmt.Errorf("dataset: %s: more than %d bytes after the end of the tar archive", p, n)
		}
		return nil, fmt.Errorf("dataset: %s: corrupt archive: %v", p, err)
	}
	for _, b := range files {
		if !seen[b] {
			return nil, fmt.Errorf("dataset: %s: has no %s/%s: not %s", p, CIFARDir, b, CIFARTarball)
		}
	}
	return s, nil
}

// tarErr keeps gzip and tar errors readable.
func tarErr(err error) error {
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return fmt.Errorf("corrupt gzip stream: %w", err)
	}
	return err
}

func mustCIFARFiles(split string) []string {
	f, err := CIFARFiles(split)
	if err != nil {
		panic(err)
	}
	return f
}
