package dataset

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// smallCIFAR makes the loader expect files of 3 records for the test.
func smallCIFAR(t *testing.T) {
	old := cifarRecords
	cifarRecords = 3
	t.Cleanup(func() { cifarRecords = old })
}

// fakeCIFAR returns the content of a CIFAR file whose record r (of file
// number f) has label (f+r)%10 and whose byte at plane c, offset p is
// (f*7 + r*3 + c*5 + p) % 256.
func fakeCIFAR(f int) []byte {
	var b []byte
	for r := range cifarRecords {
		b = append(b, byte((f+r)%10))
		for c := range 3 {
			for p := range 1024 {
				b = append(b, byte(f*7+r*3+c*5+p))
			}
		}
	}
	return b
}

// allCIFAR lists every file's base name, training files first.
func allCIFAR() []string { return append(mustCIFARFiles(Train), mustCIFARFiles(Test)...) }

// writeCIFARDir writes the six fake files into a new directory.
func writeCIFARDir(t *testing.T) string {
	dir := t.TempDir()
	for f, name := range allCIFAR() {
		writeFile(t, dir, name, fakeCIFAR(f))
	}
	return dir
}

// checkFakeCIFAR checks a loaded split against fakeCIFAR, pixel by pixel,
// by the definition of the layouts: channel c of pixel (h,w) of image i is
// at (h*32+w)*3+c of its image in the Set, at 1+c*1024+h*32+w of its
// record in the file.
func checkFakeCIFAR(t *testing.T, s *Set, split string) {
	t.Helper()
	first := 0
	if split == Test {
		first = 5
	}
	files, _ := CIFARFiles(split)
	if s.Name != CIFAR10 || s.Split != split || s.N != len(files)*cifarRecords || s.C != 3 || s.Rows != 32 || s.Cols != 32 ||
		len(s.Pixels) != s.N*3072 || s.NumClasses() != 10 {
		t.Fatalf("%s: got %s/%s N=%d shape %v, %d pixels, %d classes", split, s.Name, s.Split, s.N, s.Shape(), len(s.Pixels), s.NumClasses())
	}
	for i := range s.N {
		f, r := first+i/cifarRecords, i%cifarRecords
		if s.Labels[i] != byte((f+r)%10) {
			t.Fatalf("image %d: label %d, want %d", i, s.Labels[i], (f+r)%10)
		}
		img := s.Image(i)
		for h := range 32 {
			for w := range 32 {
				for c := range 3 {
					if got, want := img[(h*32+w)*3+c], byte(f*7+r*3+c*5+h*32+w); got != want {
						t.Fatalf("image %d pixel (%d,%d) channel %d = %d, want %d", i, h, w, c, got, want)
					}
				}
			}
		}
	}
}

func TestCIFARDir(t *testing.T) {
	smallCIFAR(t)
	dir := writeCIFARDir(t)
	for _, split := range []string{Train, Test} {
		s, err := Load(CIFAR10, split, dir)
		if err != nil {
			t.Fatal(err)
		}
		checkFakeCIFAR(t, s, split)
	}
	// The extracted archive: DIR/cifar-10-batches-bin/.
	nested := filepath.Join(t.TempDir(), CIFARDir)
	if err := os.Rename(dir, nested); err != nil {
		t.Fatal(err)
	}
	s, err := LoadCIFAR10(Test, filepath.Dir(nested))
	if err != nil {
		t.Fatal(err)
	}
	checkFakeCIFAR(t, s, Test)
}

// tarMember is one file of a test tarball.
type tarMember struct {
	name string
	body []byte
}

func writeTarball(t testing.TB, path string, members []tarMember) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// officialMembers is the official archive's layout, data files out of
// order, with the readme and the class names.
func officialMembers() []tarMember {
	m := []tarMember{{CIFARDir + "/readme.html", []byte("<html></html>")}, {CIFARDir + "/batches.meta.txt", []byte("airplane\n")}}
	for _, f := range []int{5, 2, 0, 4, 1, 3} {
		m = append(m, tarMember{CIFARDir + "/" + allCIFAR()[f], fakeCIFAR(f)})
	}
	return m
}

func TestCIFARTarball(t *testing.T) {
	smallCIFAR(t)
	dir := t.TempDir()
	tgz := filepath.Join(dir, CIFARTarball)
	writeTarball(t, tgz, officialMembers())
	for _, src := range []string{tgz, dir} { // the file, or a directory holding it
		for _, split := range []string{Train, Test} {
			s, err := LoadCIFAR10(split, src)
			if err != nil {
				t.Fatal(err)
			}
			checkFakeCIFAR(t, s, split)
		}
	}
}

func TestCIFARErrors(t *testing.T) {
	smallCIFAR(t)
	good := fakeCIFAR(5)
	badLabel := bytes.Clone(good)
	badLabel[2*CIFARRecordBytes] = 10
	tests := []struct {
		name string
		test []byte // test_batch.bin in a directory
		want []string
	}{
		{"short", good[:len(good)-1], []string{"test_batch.bin", "9218 bytes, want 9219", "not a CIFAR-10 batch file"}},
		{"long", append(bytes.Clone(good), 0), []string{"test_batch.bin", "9220 bytes, want 9219"}},
		{"label", badLabel, []string{"test_batch.bin", "record 2: label 10 is out of range 0..9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "test_batch.bin", tc.test)
			_, err := LoadCIFAR10(Test, dir)
			checkOneLine(t, err, tc.want...)
		})
	}
	t.Run("empty dir", func(t *testing.T) {
		_, err := LoadCIFAR10(Train, t.TempDir())
		checkOneLine(t, err, "CIFAR-10 not found in", "data_batch_1.bin", CIFARTarball, CIFARURL)
	})
	t.Run("missing training file", func(t *testing.T) {
		dir := writeCIFARDir(t)
		os.Remove(filepath.Join(dir, "data_batch_4.bin"))
		_, err := LoadCIFAR10(Train, dir)
		checkOneLine(t, err, "data_batch_4.bin", "no such file")
	})

	tarTests := []struct {
		name    string
		members func() []tarMember
		want    []string
	}{
		{"missing", func() []tarMember { m := officialMembers(); return append(m[:2], m[3:]...) }, []string{"has no " + CIFARDir + "/test_batch.bin"}},
		{"twice", func() []tarMember { m := officialMembers(); return append(m, m[2]) }, []string{CIFARDir + "/test_batch.bin: appears twice"}},
		{"size", func() []tarMember {
			m := officialMembers()
			m[2].body = m[2].body[:100]
			return m
		}, []string{CIFARDir + "/test_batch.bin: 100 bytes, want 9219"}},
		{"label", func() []tarMember {
			m := officialMembers()
			m[2].body = badLabel
			return m
		}, []string{CIFARDir + "/test_batch.bin: record 2: label 10"}},
		{"big other member", func() []tarMember {
			return append(officialMembers(), tarMember{"junk.bin", make([]byte, maxTarOtherSize+1)})
		}, []string{"junk.bin: 1048577 bytes"}},
	}
	for _, tc := range tarTests {
		t.Run("tar "+tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), CIFARTarball)
			writeTarball(t, p, tc.members())
			_, err := LoadCIFAR10(Test, p)
			checkOneLine(t, err, append([]string{p}, tc.want...)...)
		})
	}
	t.Run("tar truncated", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), CIFARTarball)
		writeTarball(t, p, officialMembers())
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)*2/3], 0o644)
		_, err := LoadCIFAR10(Test, p)
		checkOneLine(t, err, p)
	})
	t.Run("not gzip", func(t *testing.T) {
		p := writeFile(t, t.TempDir(), "x.tar.gz", []byte("hello"))
		_, err := LoadCIFAR10(Test, p)
		checkOneLine(t, err, p, "not a gzip-compressed tar archive")
	})
}

// checkOneLine requires a one-line error containing every want.
func checkOneLine(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "dataset: ") {
		t.Errorf("error is not one line with the package prefix: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

// writeXZCopy writes the project's layout: NAME.xz files and
// SHA256SUMS.bin of the decompressed files.
func writeXZCopy(t *testing.T) string {
	dir := t.TempDir()
	var sums strings.Builder
	for f, name := range allCIFAR() {
		body := fakeCIFAR(f)
		var buf bytes.Buffer
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name+".xz", buf.Bytes())
		h := sha256.Sum256(body)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(h[:]), name)
	}
	writeFile(t, dir, cifarSums, []byte(sums.String()))
	return dir
}

func TestCIFARXZCache(t *testing.T) {
	smallCIFAR(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	src := writeXZCopy(t)
	s, err := LoadCIFAR10(Test, src)
	if err != nil {
		t.Fatal(err)
	}
	checkFakeCIFAR(t, s, Test)
	cached, _ := filepath.Glob(filepath.Join(cache, "qnn", CIFAR10, "*", "*_batch*.bin"))
	if len(cached) != 1 || filepath.Base(cached[0]) != "test_batch.bin" {
		t.Fatalf("cache holds %v, want only test_batch.bin", cached)
	}
	if tmp, _ := filepath.Glob(filepath.Join(cache, "qnn", CIFAR10, "*", ".tmp*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// A corrupted cached file is refused with its checksum.
	b, _ := os.ReadFile(cached[0])
	b[100]++
	os.WriteFile(cached[0], b, 0o644)
	s, err = LoadCIFAR10(Train, src) // the training files decompress fine
	if err != nil {
		t.Fatal(err)
	}
	checkFakeCIFAR(t, s, Train)
	src2 := writeXZCopy(t)
	_, err = LoadCIFAR10(Test, src2) // same SHA256SUMS.bin: same cache, corrupt file
	var ce *ChecksumError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), cached[0]) {
		t.Fatalf("corrupt cache: err = %v, want a checksum error naming %s", err, cached[0])
	}
	// A wrong checksum in the source is caught when decompressing.
	os.RemoveAll(filepath.Join(cache, "qnn"))
	sums, _ := os.ReadFile(filepath.Join(src2, cifarSums))
	lines := strings.Split(string(sums), "\n")
	lines[5] = strings.Repeat("0", 64) + "  test_batch.bin"
	writeFile(t, src2, cifarSums, []byte(strings.Join(lines, "\n")))
	_, err = LoadCIFAR10(Test, src2)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "test_batch.bin.xz") {
		t.Fatalf("bad source checksum: err = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "qnn", CIFAR10, "*", "test_batch.bin")); len(left) > 0 {
		t.Errorf("a file that failed its checksum was cached: %v", left)
	}
}

func TestCIFARDefaultDir(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "qnn")
	os.MkdirAll(filepath.Join(repo, "cmd"), 0o755)
	writeFile(t, repo, "go.mod", []byte("module github.com/qnn-dev/qnn\n\ngo 1.26\n"))
	t.Chdir(filepath.Join(repo, "cmd"))
	_, err := LoadCIFAR10(Test, "")
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("err = %v, want ErrNotInstalled", err)
	}
	checkOneLine(t, err, "CIFAR-10 not found", filepath.Join(root, "shared", "datasets", "cifar10"), CIFARTarball, CIFARURL, "--data-dir")

	shared := filepath.Join(root, "shared", "datasets", "cifar10")
	os.MkdirAll(shared, 0o755)
	if d, err := DefaultDir(CIFAR10); err != nil || d != shared {
		t.Errorf("DefaultDir = %q, %v; want %q", d, err, shared)
	}

	t.Chdir(root) // outside any checkout
	_, err = DefaultDir(CIFAR10)
	checkOneLine(t, err, "no qnn repository above the working directory", CIFARURL)
}

// TestCIFARShared loads the project's copy (../shared/datasets/cifar10
// from the repository root): both splits, with their checksums, the class
// counts and the published per-channel means of the training set. Without
// the copy it skips, except in CI (CI set), where the copy must be there.
func TestCIFARShared(t *testing.T) {
	dir, err := DefaultDir(CIFAR10)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: the project's CIFAR-10 copy must be present: %v", err)
		}
		t.Skipf("no CIFAR-10 copy: %v", err)
	}
	for _, tc := range []struct {
		split    string
		n, class int
	}{{Test, 10000, 1000}, {Train, 50000, 5000}} {
		s, err := LoadCIFAR10(tc.split, dir)
		if err != nil {
			t.Fatal(err)
		}
		if s.N != tc.n || s.Shape() != (Shape{3, 32, 32}) || len(s.Pixels) != tc.n*3072 {
			t.Fatalf("%s: N %d shape %v", tc.split, s.N, s.Shape())
		}
		var count [10]int
		for _, l := range s.Labels {
			count[l]++
		}
		for c, k := range count {
			if k != tc.class {
				t.Errorf("%s: class %d has %d images, want %d", tc.split, c, k, tc.class)
			}
		}
		if tc.split != Train {
			continue
		}
		var sum [3]float64
		for i, p := range s.Pixels {
			sum[i%3] += float64(p)
		}
		for c, want := range []float64{0.4914, 0.4822, 0.4465} {
			if got := sum[c] / float64(s.N*1024) / 255; got < want-0.00005 || got > want+0.00005 {
				t.Errorf("training mean of channel %d = %.5f, want %.4f (the published value)", c, got, want)
			}
		}
	}
}

// TestCIFARXZNoCache: without a usable cache directory the .xz files are
// decoded directly, with the same checks.
func TestCIFARXZNoCache(t *testing.T) {
	smallCIFAR(t)
	blocker := filepath.Join(t.TempDir(), "file")
	writeFile(t, filepath.Dir(blocker), "file", nil)
	t.Setenv("XDG_CACHE_HOME", blocker) // a file: no directory can be made below it
	src := writeXZCopy(t)
	s, err := LoadCIFAR10(Train, src)
	if err != nil {
		t.Fatal(err)
	}
	checkFakeCIFAR(t, s, Train)
	sums, _ := os.ReadFile(filepath.Join(src, cifarSums))
	lines := strings.Split(string(sums), "\n")
	lines[2] = strings.Repeat("0", 64) + "  data_batch_3.bin"
	writeFile(t, src, cifarSums, []byte(strings.Join(lines, "\n")))
	_, err = LoadCIFAR10(Train, src)
	var ce *ChecksumError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "data_batch_3.bin.xz") {
		t.Fatalf("bad checksum without a cache: %v", err)
	}
}
