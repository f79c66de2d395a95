package dataset

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPTBShared loads the project's copy with its checksums: the published
// token counts (929,589 / 73,760 / 82,430 including <eos>) and the
// 10,000-word vocabulary. Without the copy it skips, except in CI.
func TestPTBShared(t *testing.T) {
	c, err := LoadPTB(PTBOptions{})
	if errors.Is(err, ErrNotInstalled) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: the project's PTB copy must be present: %v", err)
		}
		t.Skipf("no PTB copy: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	got := []int{len(c.Train), len(c.Valid), len(c.Test), c.VocabSize()}
	if diff := cmp.Diff([]int{929589, 73760, 82430, 10000}, got); diff != "" {
		t.Errorf("train/valid/test tokens and vocabulary (-want +got):\n%s", diff)
	}
	// The most frequent words are the (50,770), <unk> (45,020) and <eos>
	// (42,068 lines). The training text begins "aer banknote berlitz ..." (Mikolov's file).
	if s := c.Words(c.Train[:3]); s != "aer banknote berlitz" {
		t.Errorf("first training words %q", s)
	}
	if c.Vocab[0] != "the" || c.Index["<unk>"] != 1 || c.Index[EOS] != 2 {
		t.Errorf("most frequent words %q; <unk> id %d, <eos> id %d", c.Vocab[:3], c.Index["<unk>"], c.Index[EOS])
	}
}

// writePTB writes the three splits into a new directory, gzip'ed where asked.
func writePTB(t *testing.T, gz bool, train, valid, test string) string {
	t.Helper()
	dir := t.TempDir()
	for i, text := range []string{train, valid, test} {
		name, b := PTBFiles[i], []byte(text)
		if gz {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			w.Write(b)
			w.Close()
			name, b = name+".gz", buf.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestPTBSmall checks the vocabulary order (frequency, then bytes), the
// appended <eos>, and that plain and gzip'ed files read the same.
func TestPTBSmall(t *testing.T) {
	train := " b a c\na b\n\nc a"
	for _, gz := range []bool{false, true} {
		dir := writePTB(t, gz, train, "a b c\n", "c\n")
		c, err := LoadPTB(PTBOptions{Dir: dir, Unverified: true, Vocab: -1})
		if err != nil {
			t.Fatal(err)
		}
		// counts: a 3, <eos> 4, b 2, c 2
		if diff := cmp.Diff([]string{"<eos>", "a", "b", "c"}, c.Vocab); diff != "" {
			t.Errorf("gz=%v vocabulary (-want +got):\n%s", gz, diff)
		}
		want := []int32{2, 1, 3, 0, 1, 2, 0, 0, 3, 1, 0}
		if diff := cmp.Diff(want, c.Train); diff != "" {
			t.Errorf("gz=%v train ids (-want +got):\n%s", gz, diff)
		}
		if diff := cmp.Diff([]int32{1, 2, 3, 0}, c.Valid); diff != "" {
			t.Errorf("gz=%v valid ids (-want +got):\n%s", gz, diff)
		}
		if diff := cmp.Diff([]int32{3, 0}, c.Test); diff != "" {
			t.Errorf("gz=%v test ids (-want +got):\n%s", gz, diff)
		}
	}
}

func TestPTBErrors(t *testing.T) {
	for _, tc := range []struct {
		name               string
		train, valid, test string
		opt                PTBOptions
		want               []string
	}{
		{"checksum", "a b\n", "a\n", "b\n", PTBOptions{Vocab: -1}, []string{"checksum mismatch", "ptb.train.txt", "Penn Treebank"}},
		{"vocabulary size", "a b\n", "a\n", "b\n", PTBOptions{Unverified: true}, []string{"ptb.train.txt", "vocabulary has 3 words, want 10000"}},
		{"unknown word", "a b\n", "a\nb zz\n", "b\n", PTBOptions{Unverified: true, Vocab: -1}, []string{"ptb.valid.txt", "line 2", `"zz"`, "not in the training file's vocabulary"}},
		{"literal eos", "a <eos> b\n", "a\n", "b\n", PTBOptions{Unverified: true, Vocab: -1}, []string{"ptb.train.txt", "line 1", "contains <eos>"}},
		{"binary", "a\x00b\n", "a\n", "b\n", PTBOptions{Unverified: true, Vocab: -1}, []string{"ptb.train.txt", "control byte 0x00"}},
		{"long word", strings.Repeat("x", 300) + "\n", "a\n", "b\n", PTBOptions{Unverified: true, Vocab: -1}, []string{"ptb.train.txt", "300-byte word"}},
		{"empty", "", "a\n", "b\n", PTBOptions{Unverified: true, Vocab: -1}, []string{"ptb.train.txt", "empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Dir = writePTB(t, false, tc.train, tc.valid, tc.test)
			_, err := LoadPTB(tc.opt)
			checkOneLine(t, err, tc.want...)
		})
	}
	t.Run("unknown word in a gzip file", func(t *testing.T) {
		dir := writePTB(t, true, "a b\n", "a\n", "a zz\n")
		_, err := LoadPTB(PTBOptions{Dir: dir, Unverified: true, Vocab: -1})
		checkOneLine(t, err, "ptb.test.txt.gz: line 1", `"zz"`)
	})
	t.Run("missing file", func(t *testing.T) {
		dir := writePTB(t, false, "a\n", "a\n", "a\n")
		os.Remove(filepath.Join(dir, "ptb.test.txt"))
		_, err := LoadPTB(PTBOptions{Dir: dir, Unverified: true, Vocab: -1})
		checkOneLine(t, err, "neither ptb.test.txt nor ptb.test.txt.gz exists", "--data-dir")
	})
	t.Run("not gzip", func(t *testing.T) {
		dir := writePTB(t, false, "a\n", "a\n", "a\n")
		os.Remove(filepath.Join(dir, "ptb.valid.txt"))
		os.WriteFile(filepath.Join(dir, "ptb.valid.txt.gz"), []byte("plain"), 0o644)
		_, err := LoadPTB(PTBOptions{Dir: dir, Unverified: true, Vocab: -1})
		checkOneLine(t, err, "ptb.valid.txt.gz", "not a gzip file")
	})
	t.Run("gzip bomb", func(t *testing.T) {
		// 65 MB of spaces compress to about 64 KB: refused at the size
		// bound, not read into memory whole.
		dir := t.TempDir()
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for range 65 {
			w.Write(chunk)
		}
		w.Close()
		os.WriteFile(filepath.Join(dir, "ptb.train.txt.gz"), buf.Bytes(), 0o644)
		_, err := LoadPTB(PTBOptions{Dir: dir, Unverified: true, Vocab: -1})
		checkOneLine(t, err, "ptb.train.txt.gz", "more than 67108864 bytes")
	})
}

// TestBPTT checks the layout by hand: 11 tokens in 3 rows of 3 (two tokens
// dropped), windows of 2: positions [0,2) with targets [1,3), then [2,2)
// would be empty, so one window.
func TestBPTT(t *testing.T) {
	stream := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	b, err := NewBPTT(stream, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 3 || b.Windows() != 1 {
		t.Fatalf("len %d windows %d, want 3 and 1", b.Len(), b.Windows())
	}
	x, y := b.Window(0)
	if diff := cmp.Diff([][]int32{{0, 1}, {3, 4}, {6, 7}}, x); diff != "" {
		t.Errorf("x (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]int32{{1, 2}, {4, 5}, {7, 8}}, y); diff != "" {
		t.Errorf("y (-want +got):\n%s", diff)
	}
	// 2 rows of 5, windows of 3: [0,3) then [3,4) (the last target is
	// position 4).
	b, _ = NewBPTT(stream, 2, 3)
	if b.Windows() != 2 {
		t.Fatalf("windows %d, want 2", b.Windows())
	}
	x, y = b.Window(1)
	if diff := cmp.Diff([][]int32{{3}, {8}}, x); diff != "" {
		t.Errorf("window 1 x (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]int32{{4}, {9}}, y); diff != "" {
		t.Errorf("window 1 y (-want +got):\n%s", diff)
	}
	for _, bad := range [][2]int{{0, 35}, {2, 0}, {6, 35}} {
		if _, err := NewBPTT(stream, bad[0], bad[1]); err == nil {
			t.Errorf("NewBPTT(rows %d, seq %d) accepted", bad[0], bad[1])
		}
	}
}
