package dataset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Penn Treebank, word level: the standard language-modelling split
// preprocessed by Mikolov et al. (2010), the files every PTB perplexity in
// the literature uses. One sentence per line, words separated by spaces;
// the loader appends EOS at every line end. The vocabulary is the
// training file's words (10,000 including EOS); a validation or test word
// outside it is an error, as is a vocabulary of another size.
const (
	PTB        = "ptb"
	SharedPTB  = "shared/datasets/ptb"
	EOS        = "<eos>"
	PTBVocab   = 10000
	ptbMaxFile = 64 << 20 // decompressed bytes per file (train is 5.1 MB)
	ptbMaxWord = 256      // bytes per word
)

// ptbHowTo tells a user without the project's copy how to obtain PTB.
const ptbHowTo = "download Mikolov's preprocessed split (simple-examples.tgz, data/ptb.{train,valid,test}.txt) " +
	"and pass the directory holding the three files with --data-dir"

// PTBFiles are the three splits' file names (plain; NAME.gz is read too).
var PTBFiles = [3]string{"ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"}

// ptbSHA256 are the official files' SHA-256 (of the uncompressed text; the
// MD5s commonly published with them are in ../shared/datasets/ptb/CHECKSUMS).
var ptbSHA256 = map[string]string{
	"ptb.train.txt": "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
	"ptb.valid.txt": "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
	"ptb.test.txt":  "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
}

// Corpus is a word-level corpus: its vocabulary and the three splits as
// token ids.
type Corpus struct {
	Vocab []string         // id -> word
	Index map[string]int32 // word -> id
	Train []int32
	Valid []int32
	Test  []int32
}

// VocabSize is the number of words.
func (c *Corpus) VocabSize() int { return len(c.Vocab) }

// PTBOptions selects where LoadPTB reads from and what it checks.
type PTBOptions struct {
	// Dir holds ptb.{train,valid,test}.txt or their .gz; "" is the
	// project's copy (../shared/datasets/ptb from the repository root).
	Dir string
	// Unverified skips the official SHA-256 check (a user's own corpus in
	// PTB's layout); the structure and vocabulary checks still apply.
	Unverified bool
	// Vocab is the required vocabulary size (0: PTBVocab; negative: any).
	Vocab int
}

// LoadPTB reads the three PTB splits. The vocabulary is ordered by
// descending training frequency, ties by the word's bytes, so ids are
// deterministic and id 0 is the most frequent word. Errors are one line
// naming the file (and the line and word where one is at fault).
func LoadPTB(o PTBOptions) (*Corpus, error) {
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = ptbDefaultDir(); err != nil {
			return nil, err
		}
	}
	want := o.Vocab
	if want == 0 {
		want = PTBVocab
	}
	var words [3][][]byte
	var paths [3]string // as read: NAME or NAME.gz
	for i, name := range PTBFiles {
		path, text, err := readPTBFile(dir, name)
		paths[i] = path
		if err != nil {
			return nil, err
		}
		if !o.Unverified {
			sum := sha256.Sum256(text)
			if got := hex.EncodeToString(sum[:]); got != ptbSHA256[name] {
				return nil, &ChecksumError{Path: path, File: "Penn Treebank " + name, Expected: ptbSHA256[name], Actual: got}
			}
		}
		if words[i], err = tokenize(path, text); err != nil {
			return nil, err
		}
	}
	c := &Corpus{Index: map[string]int32{}}
	count := map[string]int{}
	for _, w := range words[0] {
		count[string(w)]++
	}
	for w := range count {
		c.Vocab = append(c.Vocab, w)
	}
	sort.Slice(c.Vocab, func(i, j int) bool {
		a, b := c.Vocab[i], c.Vocab[j]
		if count[a] != count[b] {
			return count[a] > count[b]
		}
		return a < b
	})
	trainPath := paths[0]
	if want > 0 && len(c.Vocab) != want {
		return nil, fmt.Errorf("dataset: %s: vocabulary has %d words, want %d (PTB's word-level split has %d including %s)",
			trainPath, len(c.Vocab), want, PTBVocab, EOS)
	}
	if len(c.Vocab) > 1<<24 {
		return nil, fmt.Errorf("dataset: %s: vocabulary has %d words, more than %d", trainPath, len(c.Vocab), 1<<24)
	}
	for i, w := range c.Vocab {
		c.Index[w] = int32(i)
	}
	split := [3]*[]int32{&c.Train, &c.Valid, &c.Test}
	for i, ws := range words {
		ids := make([]int32, len(ws))
		line := 1
		for j, w := range ws {
			id, ok := c.Index[string(w)]
			if !ok {
				return nil, fmt.Errorf("dataset: %s: line %d: word %q is not in the training file's vocabulary",
					paths[i], line, w)
			}
			if string(w) == EOS {
				line++
			}
			ids[j] = id
		}
		*split[i] = ids
	}
	return c, nil
}

// ptbDefaultDir is the project's copy, or an ErrNotInstalled error saying
// where it looked and how to obtain PTB.
func ptbDefaultDir() (string, error) { return sharedDir(SharedPTB, "Penn Treebank", ptbHowTo) }

// readPTBFile reads dir/name, or dir/name.gz decompressed, with at most
// ptbMaxFile bytes of text.
func readPTBFile(dir, name string) (string, []byte, error) {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	gz := false
	if errors.Is(err, fs.ErrNotExist) {
		if g, gerr := os.Open(path + ".gz"); gerr == nil {
			f, err, gz, path = g, nil, true, path+".gz"
		} else if !errors.Is(gerr, fs.ErrNotExist) {
			err = gerr
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil, fmt.Errorf("dataset: %s: neither %s nor %s.gz exists (%s)", dir, name, name, ptbHowTo)
		}
		return path, nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if gz {
		z, err := gzip.NewReader(f)
		if err != nil {
			return path, nil, fmt.Errorf("dataset: %s: not a gzip file: %v", path, err)
		}
		defer z.Close()
		r = z
	}
	b, err := io.ReadAll(io.LimitReader(r, ptbMaxFile+1))
	if err != nil {
		return path, nil, fmt.Errorf("dataset: %s: %v", path, err)
	}
	if len(b) > ptbMaxFile {
		return path, nil, fmt.Errorf("dataset: %s: more than %d bytes of text; not a PTB split", path, ptbMaxFile)
	}
	return path, b, nil
}

// tokenize splits text into words, with EOS after every line (the last
// line's too, whether or not it ends in a newline). A line is split on
// spaces and tabs; an empty line is a lone EOS, as in the reference
// reader. Bytes that are not printable text are an error.
func tokenize(path string, text []byte) ([][]byte, error) {
	eos := []byte(EOS)
	var out [][]byte
	// Words are slices of text (not of a scanner's reused buffer).
	lines := bytes.Split(text, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // the final newline ends the last line
	}
	for i, l := range lines {
		line := i + 1
		l = bytes.TrimSuffix(l, []byte("\r"))
		for _, c := range l {
			if c < 0x20 && c != '\t' || c == 0x7f {
				return nil, fmt.Errorf("dataset: %s: line %d: control byte 0x%02x; not a text file", path, line, c)
			}
		}
		for _, w := range bytes.Fields(l) {
			if len(w) > ptbMaxWord {
				return nil, fmt.Errorf("dataset: %s: line %d: a %d-byte word (at most %d); not a word-level corpus", path, line, len(w), ptbMaxWord)
			}
			if bytes.Equal(w, eos) {
				return nil, fmt.Errorf("dataset: %s: line %d: the text contains %s, which the loader appends at each line end", path, line, EOS)
			}
			out = append(out, w)
		}
		out = append(out, eos)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dataset: %s: empty", path)
	}
	return out, nil
}

// BPTT lays a token stream out for truncated backpropagation through time:
// the stream is cut into Rows contiguous pieces of equal length (the tail
// that does not divide is dropped, as in Zaremba et al.'s reader), row r
// holding tokens [r*L, (r+1)*L). Window i covers positions
// [i*SeqLen, i*SeqLen+n) of every row, n = min(SeqLen, L-1-i*SeqLen); its
// targets are the next tokens. The hidden state of row r carries from
// window i to window i+1, since the text continues.
type BPTT struct {
	Rows   [][]int32
	SeqLen int
}

// NewBPTT builds the layout; rows and seqLen must be positive and the
// stream long enough for one window of one token.
func NewBPTT(stream []int32, rows, seqLen int) (*BPTT, error) {
	if rows <= 0 || seqLen <= 0 {
		return nil, fmt.Errorf("dataset: BPTT: batch rows %d and sequence length %d must be positive", rows, seqLen)
	}
	l := len(stream) / rows
	if l < 2 {
		return nil, fmt.Errorf("dataset: BPTT: %d tokens are too few for %d rows", len(stream), rows)
	}
	b := &BPTT{SeqLen: seqLen, Rows: make([][]int32, rows)}
	for r := range b.Rows {
		b.Rows[r] = stream[r*l : (r+1)*l : (r+1)*l]
	}
	return b, nil
}

// Len is the number of tokens per row.
func (b *BPTT) Len() int { return len(b.Rows[0]) }

// Windows is the number of windows.
func (b *BPTT) Windows() int { return (b.Len() - 1 + b.SeqLen - 1) / b.SeqLen }

// Window returns window i: x[r] the inputs, y[r] the targets (the tokens
// one position later), of row r; slices of the rows, not copies.
func (b *BPTT) Window(i int) (x, y [][]int32) {
	lo := i * b.SeqLen
	hi := min(lo+b.SeqLen, b.Len()-1)
	x, y = make([][]int32, len(b.Rows)), make([][]int32, len(b.Rows))
	for r, row := range b.Rows {
		x[r], y[r] = row[lo:hi], row[lo+1:hi+1]
	}
	return x, y
}

// Words maps ids back to words (for messages and samples).
func (c *Corpus) Words(ids []int32) string {
	ws := make([]string, len(ids))
	for i, id := range ids {
		ws[i] = c.Vocab[id]
	}
	return strings.Join(ws, " ")
}
