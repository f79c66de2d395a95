package qonnx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// LoadNpy reads a NumPy .npy file (format version 1-3, C order,
// little-endian f4/f8/i1/i2/i4/i8/u1 or bool) as a float64 tensor.
func LoadNpy(path string) (*Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("qonnx: %w", err)
	}
	defer f.Close()
	t, err := ReadNpy(f)
	if err != nil {
		return nil, fmt.Errorf("qonnx: %s: %w", path, trim(err))
	}
	return t, nil
}

var (
	npyDescr = regexp.MustCompile(`'descr'\s*:\s*'([<>|=])([a-z])(\d+)'`)
	npyOrder = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// ReadNpy decodes a .npy stream.
func ReadNpy(r io.Reader) (*Tensor, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("qonnx: npy: %w", err)
	}
	if !bytes.Equal(pre[:6], []byte("\x93NUMPY")) {
		return nil, errors.New("qonnx: npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("qonnx: npy: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("qonnx: npy: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("qonnx: npy: unsupported version %d", pre[6])
	}
	if hlen > 1<<16 {
		return nil, errors.New("qonnx: npy: header too long")
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("qonnx: npy: %w", err)
	}
	return npyBody(r, string(hdr))
}

func npyBody(r io.Reader, hdr string) (*Tensor, error) {
	d := npyDescr.FindStringSubmatch(hdr)
	o := npyOrder.FindStringSubmatch(hdr)
	s := npyShape.FindStringSubmatch(hdr)
	if d == nil || o == nil || s == nil {
		return nil, fmt.Errorf("qonnx: npy: cannot parse header %q", strings.TrimSpace(hdr))
	}
	if o[1] == "True" {
		return nil, errors.New("qonnx: npy: Fortran order is not supported")
	}
	if d[1] == ">" {
		return nil, errors.New("qonnx: npy: big-endian data is not supported")
	}
	size, _ := strconv.Atoi(d[3])
	kind := d[2] + d[3]
	var shape []int
	n := 1
	for _, f := range strings.Split(s[1], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 || v > maxElements {
			return nil, fmt.Errorf("qonnx: npy: bad shape %q", s[1])
		}
		shape = append(shape, v)
		if n *= v; n > maxElements {
			return nil, errors.New("qonnx: npy: too many elements")
		}
	}
	buf := make([]byte, n*size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("qonnx: npy: data: %w", err)
	}
	t := &Tensor{Shape: shape, Data: make([]float64, n)}
	for i := range t.Data {
		v, ok := npyElem(kind, buf[i*size:])
		if !ok {
			return nil, fmt.Errorf("qonnx: npy: unsupported dtype %q", d[0])
		}
		t.Data[i] = v
	}
	return t, nil
}

func npyElem(kind string, b []byte) (float64, bool) {
	le := binary.LittleEndian
	switch kind {
	case "f4":
		return float64(math.Float32frombits(le.Uint32(b))), true
	case "f8":
		return math.Float64frombits(le.Uint64(b)), true
	case "i1":
		return float64(int8(b[0])), true
	case "u1", "b1":
		return float64(b[0]), true
	case "i2":
		return float64(int16(le.Uint16(b))), true
	case "i4":
		return float64(int32(le.Uint32(b))), true
	case "i8":
		return float64(int64(le.Uint64(b))), true
	}
	return 0, false
}
