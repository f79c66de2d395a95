package dataset

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
)

// MaxIDXBytes is the largest payload (product of the dimensions, in bytes)
// ReadIDX accepts. Headers announcing more are rejected before anything is
// allocated.
const MaxIDXBytes = 1 << 31

// TypeUnsignedByte is the IDX element-type code for unsigned bytes, the
// only element type this package reads.
const TypeUnsignedByte = 0x08

// initialChunk bounds the first allocation for an IDX body, so that a tiny
// corrupt input announcing a huge payload cannot make us allocate it all
// up front; the buffer grows as data actually arrives.
const initialChunk = 4 << 20

// ErrFormat is matched (errors.Is) by every error caused by malformed,
// truncated or unsupported IDX data, including corrupt gzip streams.
var ErrFormat = errors.New("dataset: invalid IDX data")

// IDX is a decoded unsigned-byte IDX file.
type IDX struct {
	Dims []int  // dimension sizes, outermost first
	Data []byte // product(Dims) bytes, row-major
}

// taggedError carries a message, an optional cause, and a sentinel that
// errors.Is should match, without the sentinel's text leaking into the
// message.
type taggedError struct {
	msg   string
	tag   error
	cause error
}

func (e *taggedError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *taggedError) Is(target error) bool { return target == e.tag }
func (e *taggedError) Unwrap() error        { return e.cause }

// formatErr returns an error matching ErrFormat. The message carries no
// "dataset:" prefix; exported callers add it together with context.
func formatErr(cause error, format string, args ...any) error {
	return &taggedError{msg: fmt.Sprintf(format, args...), tag: ErrFormat, cause: cause}
}

// ReadIDX parses an unsigned-byte (type 0x08) IDX stream. A stream that
// starts with the gzip magic bytes (1f 8b) is decompressed transparently.
// The whole stream must be exactly one IDX file: truncated input, trailing
// bytes, bad magic, unsupported element types and dimensions whose product
// exceeds MaxIDXBytes are all rejected with an error matching ErrFormat.
func ReadIDX(r io.Reader) (*IDX, error) {
	x, err := readIDX(r, nil)
	if err != nil {
		return nil, fmt.Errorf("dataset: idx: %w", err)
	}
	return x, nil
}

// decompressed returns a reader of the decompressed stream (gunzipping it
// if it starts with the gzip magic) and whether it was gzip-compressed.
func decompressed(r io.Reader) (io.Reader, bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		// Short input is reported by the caller as a truncated header;
		// real I/O errors resurface on the next read.
		return br, false, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, formatErr(err, "bad gzip header")
	}
	return zr, true, nil
}

// readIDX is ReadIDX without the package prefix on errors. If h is not
// nil, every decompressed byte (header and body) is written to it.
func readIDX(r io.Reader, h hash.Hash) (*IDX, error) {
	src, gz, err := decompressed(r)
	if err != nil {
		return nil, err
	}
	if h != nil {
		src = io.TeeReader(src, h)
	}
	// readErr classifies a read error: running out of data is a format
	// error, as is anything the gzip/flate decoder reports; other errors
	// are I/O errors and are passed through with context.
	readErr := func(err error, what string, got, want int) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return formatErr(nil, "truncated %s: got %d of %d bytes", what, got, want)
		}
		if gz {
			return formatErr(err, "corrupt gzip stream in %s", what)
		}
		return fmt.Errorf("reading %s: %w", what, err)
	}

	var hdr [4]byte
	if n, err := io.ReadFull(src, hdr[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return nil, formatErr(nil, "empty input")
		}
		return nil, readErr(err, "header", n, len(hdr))
	}
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, formatErr(nil, "bad magic %02x %02x (want 00 00): not an IDX file", hdr[0], hdr[1])
	}
	if hdr[2] != TypeUnsignedByte {
		return nil, formatErr(nil, "unsupported element type 0x%02x (%s); only 0x08 (unsigned byte) is supported",
			hdr[2], typeName(hdr[2]))
	}
	ndims := int(hdr[3])
	if ndims == 0 {
		return nil, formatErr(nil, "zero dimensions")
	}

	dimBytes := make([]byte, 4*ndims)
	if n, err := io.ReadFull(src, dimBytes); err != nil {
		return nil, readErr(err, "dimensions", n, len(dimBytes))
	}
	limit := uint64(MaxIDXBytes)
	if uint64(math.MaxInt) < limit {
		limit = uint64(math.MaxInt)
	}
	dims := make([]int, ndims)
	size := uint64(1)
	for i := range dims {
		d := uint64(dimBytes[4*i])<<24 | uint64(dimBytes[4*i+1])<<16 |
			uint64(dimBytes[4*i+2])<<8 | uint64(dimBytes[4*i+3])
		if d > limit {
			return nil, formatErr(nil, "dimension %d is %d, larger than the %d-byte limit", i, d, limit)
		}
		dims[i] = int(d)
		// size <= limit <= 2^63 and d < 2^32 could still overflow, so
		// saturate instead of multiplying blindly.
		if size != 0 && d != 0 && size > limit/d {
			size = limit + 1
		} else {
			size *= d
		}
	}
	if size > limit {
		return nil, formatErr(nil, "dimensions %v describe more than %d bytes", dims, limit)
	}

	data, err := readBody(src, int(size))
	if err != nil {
		return nil, readErr(err, "body", len(data), int(size))
	}

	// The stream must end here. Reading to EOF also makes the gzip reader
	// verify its CRC-32 and length trailer.
	var one [1]byte
	n, err := io.ReadFull(src, one[:])
	switch {
	case n > 0:
		return nil, formatErr(nil, "trailing data after the %d-byte body", size)
	case err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, formatErr(nil, "truncated gzip trailer after the body")
	case gz:
		return nil, formatErr(err, "corrupt gzip stream after the body")
	default:
		return nil, fmt.Errorf("reading after the body: %w", err)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// readBody reads exactly size bytes, growing its buffer as data arrives.
// On error it returns what it has read so far.
func readBody(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, min(size, initialChunk))
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*cap(buf), size))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// typeName names the IDX element-type codes for error messages.
func typeName(t byte) string {
	switch t {
	case 0x08:
		return "unsigned byte"
	case 0x09:
		return "signed byte"
	case 0x0B:
		return "int16"
	case 0x0C:
		return "int32"
	case 0x0D:
		return "float32"
	case 0x0E:
		return "float64"
	}
	return "unknown"
}
