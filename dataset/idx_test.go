package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fixtures under testdata/")

// encodeIDX builds an unsigned-byte IDX file.
func encodeIDX(dims []int, data []byte) []byte {
	b := []byte{0, 0, TypeUnsignedByte, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

// gzipBytes compresses b deterministically (no name, no mod time).
func gzipBytes(t testing.TB, b []byte, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Fixture contents: three 28×28 images and their labels.
var (
	tinyLabels = []byte{7, 2, 1}
	tinyPixels = func() []byte {
		p := make([]byte, 3*Rows*Cols)
		for i := range p {
			p[i] = byte(i*7 + i/(Rows*Cols))
		}
		return p
	}()
)

const (
	tinyImagesFile = "testdata/tiny-images-idx3-ubyte.gz" // gzip-compressed
	tinyLabelsFile = "testdata/tiny-labels-idx1-ubyte"    // plain
)

// TestFixtures checks the files under testdata against their in-code
// definition (go test -run TestFixtures -update rewrites them).
func TestFixtures(t *testing.T) {
	want := map[string][]byte{
		tinyImagesFile: gzipBytes(t, encodeIDX([]int{3, Rows, Cols}, tinyPixels), gzip.BestCompression),
		tinyLabelsFile: encodeIDX([]int{3}, tinyLabels),
	}
	for _, path := range slices.Sorted(maps.Keys(want)) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			if *update {
				if err := os.WriteFile(path, want[path], 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./dataset -run TestFixtures -update)", err)
			}
			if !bytes.Equal(got, want[path]) {
				t.Fatalf("%s differs from its definition (run with -update)", path)
			}
		})
	}
}

func TestReadIDXFixtures(t *testing.T) {
	tests := []struct {
		path     string
		wantDims []int
		wantData []byte
	}{
		{tinyImagesFile, []int{3, Rows, Cols}, tinyPixels},
		{tinyLabelsFile, []int{3}, tinyLabels},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			f, err := os.Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			x, err := ReadIDX(f)
			if err != nil {
				t.Fatalf("ReadIDX: %v", err)
			}
			if !slices.Equal(x.Dims, tt.wantDims) {
				t.Errorf("Dims = %v, want %v", x.Dims, tt.wantDims)
			}
			if !bytes.Equal(x.Data, tt.wantData) {
				t.Errorf("Data differs (len %d, want %d)", len(x.Data), len(tt.wantData))
			}
		})
	}
}

func TestReadIDXValid(t *testing.T) {
	matrix := encodeIDX([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	tests := []struct {
		name     string
		in       []byte
		wantDims []int
		wantData []byte
	}{
		{"plain 1-D", encodeIDX([]int{4}, []byte{0, 9, 128, 255}), []int{4}, []byte{0, 9, 128, 255}},
		{"plain 2-D", matrix, []int{2, 3}, []byte{1, 2, 3, 4, 5, 6}},
		{"gzip 2-D", gzipBytes(t, matrix, gzip.DefaultCompression), []int{2, 3}, []byte{1, 2, 3, 4, 5, 6}},
		{"gzip no compression", gzipBytes(t, matrix, gzip.NoCompression), []int{2, 3}, []byte{1, 2, 3, 4, 5, 6}},
		{"empty payload", encodeIDX([]int{0, 28, 28}, nil), []int{0, 28, 28}, []byte{}},
		{"huge dim times zero", encodeIDX([]int{0, 1 << 30}, nil), []int{0, 1 << 30}, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ReadIDX: %v", err)
			}
			if !slices.Equal(x.Dims, tt.wantDims) || !bytes.Equal(x.Data, tt.wantData) {
				t.Errorf("got dims %v data %v, want %v %v", x.Dims, x.Data, tt.wantDims, tt.wantData)
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	valid := encodeIDX([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	gz := gzipBytes(t, valid, gzip.DefaultCompression)
	badCRC := slices.Clone(gz)
	badCRC[len(badCRC)-8] ^= 0xff // CRC-32 is the trailer's first 4 bytes
	withType := func(typ byte) []byte {
		b := slices.Clone(valid)
		b[2] = typ
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		wantMsg string
	}{
		{"empty", nil, "empty input"},
		{"one byte", []byte{0}, "truncated header"},
		{"truncated header", []byte{0, 0, 8}, "truncated header: got 3 of 4"},
		{"bad magic", append([]byte{0x12, 0x34}, valid[2:]...), "bad magic 12 34"},
		{"wrong type float32", withType(0x0D), "unsupported element type 0x0d (float32)"},
		{"wrong type signed byte", withType(0x09), "unsupported element type 0x09"},
		{"zero dims", []byte{0, 0, 8, 0}, "zero dimensions"},
		{"truncated dims", valid[:9], "truncated dimensions: got 5 of 8"},
		{"truncated body", valid[:len(valid)-1], "truncated body: got 5 of 6"},
		{"no body", valid[:12], "truncated body: got 0 of 6"},
		{"trailing data", append(slices.Clone(valid), 0), "trailing data"},
		{"dims product overflow", encodeIDX([]int{1 << 31, 1 << 31, 1 << 31, 1 << 31}, nil), "more than"},
		{"dims over 2 GiB", encodeIDX([]int{1 << 16, 1 << 15, 2}, nil), "more than 2147483648 bytes"},
		{"huge claim tiny input", encodeIDX([]int{1 << 31}, []byte{1, 2, 3}), "truncated body: got 3 of 2147483648"},
		{"dim over limit", encodeIDX([]int{0xffffffff, 0}, nil), "larger than"},
		{"gzip truncated header", gz[:5], "bad gzip header"},
		{"gzip truncated body", gz[:len(gz)/2], "truncated"},
		{"gzip truncated trailer", gz[:len(gz)-2], "truncated gzip trailer"},
		{"gzip bad crc", badCRC, "corrupt gzip stream"},
		{"gzip of garbage", gzipBytes(t, []byte("hello, world"), gzip.BestSpeed), "bad magic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ReadIDX succeeded with dims %v, want error containing %q", x.Dims, tt.wantMsg)
			}
			if !strings.HasPrefix(err.Error(), "dataset: idx: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("errors.Is(%q, ErrFormat) = false", err)
			}
		})
	}
}

// errReader fails every read.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestReadIDXIOError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ReadIDX(errReader{boom})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap the reader's error", err)
	}
	if errors.Is(err, ErrFormat) {
		t.Errorf("I/O error %q should not match ErrFormat", err)
	}
}

func FuzzReadIDX(f *testing.F) {
	valid := encodeIDX([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	f.Add(valid)
	f.Add(gzipBytes(f, valid, gzip.DefaultCompression))
	f.Add(encodeIDX([]int{3}, tinyLabels))
	f.Add(encodeIDX([]int{1, Rows, Cols}, tinyPixels[:Rows*Cols]))
	f.Add(encodeIDX([]int{0}, nil))
	f.Add(encodeIDX([]int{1 << 31}, []byte{1}))
	f.Add(encodeIDX([]int{1 << 31, 1 << 31, 1 << 31}, nil))
	f.Add([]byte{})
	f.Add([]byte{0, 0, 8})
	f.Add([]byte{0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0})
	f.Add([]byte{0x1f, 0x8b})
	f.Add(valid[:len(valid)-1])
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			if x != nil {
				t.Fatalf("non-nil IDX with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "dataset: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		size := 1
		for _, d := range x.Dims {
			size *= d
		}
		if len(x.Data) != size || size > MaxIDXBytes {
			t.Fatalf("dims %v but %d data bytes", x.Dims, len(x.Data))
		}
		// Re-encoding must round-trip.
		y, err := ReadIDX(bytes.NewReader(encodeIDX(x.Dims, x.Data)))
		if err != nil {
			t.Fatalf("re-read of re-encoded IDX: %v", err)
		}
		if !slices.Equal(x.Dims, y.Dims) || !bytes.Equal(x.Data, y.Data) {
			t.Fatal("round trip changed the IDX")
		}
	})
}
