package netlist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// MaxFileSize bounds the size of a netlist file Read accepts (1 GiB).
const MaxFileSize = 1 << 30

// maxElements bounds a layer's parameter count while decoding, before any
// allocation depends on it.
const maxElements = 1 << 28

// fileHeader is the top level of a netlist file.
type fileHeader struct {
	Format  string            `json:"format"`
	Version int               `json:"version"`
	Name    string            `json:"name"`
	Meta    map[string]string `json:"meta"`
	Layers  []json.RawMessage `json:"layers"`
}

type fileOp struct {
	Op   string `json:"op"`
	Name string `json:"name"`
}

type fileInput struct {
	Op        string `json:"op"`
	Name      string `json:"name"`
	Shape     []int  `json:"shape"`
	Bits      int    `json:"bits"`
	Threshold int    `json:"threshold"`
}

type fileDense struct {
	Op         string   `json:"op"`
	Name       string   `json:"name"`
	In         int      `json:"in"`
	Out        int      `json:"out"`
	WeightBits int      `json:"weight_bits"`
	AccBits    int      `json:"acc_bits"`
	Weights    []string `json:"weights"`
}

type fileThreshold struct {
	Op         string    `json:"op"`
	Name       string    `json:"name"`
	Channels   int       `json:"channels"`
	Bits       int       `json:"bits"`
	Base       int       `json:"base"`
	Reversed   []int     `json:"reversed"`
	Thresholds [][]int64 `json:"thresholds"`
}

type fileOutput struct {
	Op        string  `json:"op"`
	Name      string  `json:"name"`
	Classes   int     `json:"classes"`
	ScoreBits int     `json:"score_bits"`
	Offsets   []int64 `json:"offsets"`
	// LogitScale (version 3) is the real value of one score unit, for the
	// perplexity of a sequence model; absent or 0: not declared.
	LogitScale float64 `json:"logit_scale"`
}

// Load reads and validates the netlist file at path. Errors name the file.
func Load(path string) (*Network, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("netlist: %w", err)
	}
	defer f.Close()
	n, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("netlist: %s: %w", path, trimPrefix(err))
	}
	return n, nil
}

// trimPrefix drops a leading "netlist: " so that wrapping errors read well.
func trimPrefix(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return &prefixless{ve}
	}
	if s := err.Error(); strings.HasPrefix(s, "netlist: ") {
		return &prefixless{err}
	}
	return err
}

type prefixless struct{ err error }

func (p *prefixless) Error() string { return strings.TrimPrefix(p.err.Error(), "netlist: ") }
func (p *prefixless) Unwrap() error { return p.err }

// Read decodes a netlist from r and validates it.
func Read(r io.Reader) (*Network, error) {
	br := bufio.NewReaderSize(r, prefixCheck)
	if err := checkJSONPrefix(br); err != nil {
		return nil, fmt.Errorf("netlist: %w", err)
	}
	var buf bytes.Buffer
	if f, ok := r.(*os.File); ok {
		// Read a regular file into one allocation of its size.
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() <= MaxFileSize {
			buf.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	_, err := buf.ReadFrom(io.LimitReader(br, MaxFileSize+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("netlist: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("netlist: file larger than %d bytes", MaxFileSize)
	}
	n, err := Unmarshal(data)
	if err != nil {
		return nil, err
	}
	if err := Validate(n); err != nil {
		return nil, err
	}
	return n, nil
}

// prefixCheck is how much of a file checkJSONPrefix scans.
const prefixCheck = 64 << 10

// checkJSONPrefix fails at once on a file that does not start like a JSON
// object (/dev/urandom, /dev/zero, a binary file), before reading up to
// MaxFileSize of it.
func checkJSONPrefix(br *bufio.Reader) error {
	head, _ := br.Peek(prefixCheck)
	dec := json.NewDecoder(bytes.NewReader(head))
	for {
		_, err := dec.Token()
		if err == nil {
			continue
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return err
		}
		return nil // the end of the prefix (or of a short file)
	}
}

// Unmarshal decodes a netlist without validating its contents beyond what
// decoding needs. Most callers want Read or Load.
func Unmarshal(data []byte) (*Network, error) {
	var h fileHeader
	if err := strictDecode(data, &h); err != nil {
		return nil, fmt.Errorf("netlist: %w", err)
	}
	if h.Format != Format {
		return nil, fmt.Errorf("netlist: format: got %q, want %q", h.Format, Format)
	}
	if h.Version < 1 || h.Version > Version {
		return nil, fmt.Errorf("netlist: version: unsupported version %d (this qnn reads versions 1 to %d)", h.Version, Version)
	}
	if err := checkNames(&h); err != nil {
		return nil, fmt.Errorf("netlist: %w", err)
	}
	n := &Network{Name: h.Name, Meta: h.Meta}
	for i, raw := range h.Layers {
		l, err := decodeLayer(raw, h.Version)
		if err != nil {
			var op fileOp
			if json.Unmarshal(raw, &op) == nil && op.Name != "" && len(op.Name) <= MaxNameLen {
				return nil, fmt.Errorf("netlist: layer %d %q: %w", i, op.Name, err)
			}
			return nil, fmt.Errorf("netlist: layer %d: %w", i, err)
		}
		n.Layers = append(n.Layers, l)
	}
	return n, nil
}

// Bounds on names and metadata: they are copied into every generated
// file's header and report.
const (
	MaxNameLen = 1024
	maxMetaLen = 64 << 10
)

// checkNames bounds the network's name and metadata.
func checkNames(h *fileHeader) error {
	if len(h.Name) > MaxNameLen {
		return fmt.Errorf("name: %d bytes long, at most %d", len(h.Name), MaxNameLen)
	}
	for k, v := range h.Meta {
		if len(k) > MaxNameLen || len(v) > maxMetaLen {
			return fmt.Errorf("meta: entry %.40q... too long (key %d bytes, at most %d; value %d bytes, at most %d)",
				k, len(k), MaxNameLen, len(v), maxMetaLen)
		}
	}
	return nil
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("truncated JSON: %w", err)
		}
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// decoders maps each op to its decoder and the file version that
// introduced it; each decoder lives beside its op's file types.
var decoders = map[string]struct {
	since  int
	decode func(raw json.RawMessage) (Layer, error)
}{
	"input":     {1, decodeInput},
	"dense":     {1, decodeDense},
	"threshold": {1, decodeThresholdOp},
	"output":    {1, decodeOutput},
	"conv2d":    {2, decodeConv2D},
	"maxpool":   {2, decodeMaxPool},
	"embedding": {3, decodeEmbedding},
	"lstm":      {3, decodeLSTM},
}

func decodeLayer(raw json.RawMessage, version int) (Layer, error) {
	var op fileOp
	if err := json.Unmarshal(raw, &op); err != nil {
		return nil, err
	}
	if len(op.Name) > MaxNameLen {
		return nil, fmt.Errorf("name: %d bytes long, at most %d", len(op.Name), MaxNameLen)
	}
	if op.Op == "" {
		return nil, errors.New("op: missing")
	}
	d, ok := decoders[op.Op]
	if !ok {
		return nil, fmt.Errorf("op: unsupported layer op %q", op.Op)
	}
	if version < d.since {
		return nil, fmt.Errorf("op: %q needs file version %d or later, the file declares version %d", op.Op, d.since, version)
	}
	return d.decode(raw)
}

func decodeInput(raw json.RawMessage) (Layer, error) {
	var f fileInput
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	if len(f.Shape) != 3 {
		return nil, fmt.Errorf("shape: want [C, H, W], got %d dimensions", len(f.Shape))
	}
	return &Input{Name: f.Name, Shape: Shape{f.Shape[0], f.Shape[1], f.Shape[2]}, Bits: f.Bits, Threshold: f.Threshold}, nil
}

func decodeDense(raw json.RawMessage) (Layer, error) {
	var f fileDense
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	w, err := decodeWeights(&f)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	return &Dense{Name: f.Name, In: f.In, Out: f.Out, WeightBits: f.WeightBits, AccBits: f.AccBits, Weights: w}, nil
}

func decodeThresholdOp(raw json.RawMessage) (Layer, error) {
	var size struct{ Channels, Bits int }
	if err := json.Unmarshal(raw, &size); err != nil {
		return nil, err
	}
	if err := checkThresholdSize(len(raw), size.Channels, size.Bits); err != nil {
		return nil, err
	}
	var f fileThreshold
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	return decodeThreshold(&f)
}

func decodeOutput(raw json.RawMessage) (Layer, error) {
	var f fileOutput
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	return &Output{Name: f.Name, Classes: f.Classes, ScoreBits: f.ScoreBits, Offsets: f.Offsets, LogitScale: f.LogitScale}, nil
}

func decodeWeights(f *fileDense) ([]int8, error) {
	return decodeRows(f.Weights, f.Out, f.In, f.WeightBits, "out", "in")
}

// decodeRows decodes a weight matrix of rows hex rows of cols values each;
// rowsName and colsName name the fields the sizes come from.
func decodeRows(hex []string, rows, cols, bits int, rowsName, colsName string) ([]int8, error) {
	if rows <= 0 || cols <= 0 || int64(rows)*int64(cols) > maxElements {
		return nil, fmt.Errorf("cannot decode with %s=%d %s=%d", rowsName, rows, colsName, cols)
	}
	if bits < 1 || bits > MaxWeightBits {
		return nil, fmt.Errorf("cannot decode weight_bits %d", bits)
	}
	if len(hex) != rows {
		return nil, fmt.Errorf("have %d rows, want %s = %d", len(hex), rowsName, rows)
	}
	want := HexRowLen(cols, bits)
	for o, row := range hex {
		if len(row) != want {
			return nil, fmt.Errorf("row %d: have %d hex digits, want %d for %d x %d-bit weights", o, len(row), want, cols, bits)
		}
	}
	w := make([]int8, rows*cols)
	for o, row := range hex {
		if err := DecodeRow(w[o*cols:(o+1)*cols], row, bits); err != nil {
			return nil, fmt.Errorf("row %d: %w", o, err)
		}
	}
	return w, nil
}

// checkThresholdSize refuses a threshold layer whose declared size cannot
// fit in its bytes (each channel's row of 2^bits-1 numbers takes at least
// 2 bytes per number), before decoding allocates for it.
func checkThresholdSize(size, channels, bits int) error {
	if bits < 1 || bits > MaxActBits || channels <= 0 || channels > 1<<24 {
		return nil // decodeThreshold reports it
	}
	k := int64(1)<<bits - 1
	if need := int64(channels) * 2 * k; int64(size) < need {
		return fmt.Errorf("thresholds: %d channels of %d thresholds need at least %d bytes, the layer has %d",
			channels, k, need, size)
	}
	return nil
}

func decodeThreshold(f *fileThreshold) (*Threshold, error) {
	t := &Threshold{Name: f.Name, Channels: f.Channels, Bits: f.Bits, Base: f.Base}
	if f.Bits < 1 || f.Bits > MaxActBits {
		return nil, fmt.Errorf("bits: unsupported activation width %d (want 1..%d)", f.Bits, MaxActBits)
	}
	if f.Channels <= 0 || f.Channels > 1<<24 {
		return nil, fmt.Errorf("channels: must be in 1..2^24, got %d", f.Channels)
	}
	if len(f.Thresholds) != f.Channels {
		return nil, fmt.Errorf("thresholds: have %d rows, want channels = %d", len(f.Thresholds), f.Channels)
	}
	k := t.PerChannel()
	// Check every row before allocating: the allocation then follows the
	// thresholds the file holds, not the channel count it declares.
	for c, row := range f.Thresholds {
		if len(row) != k {
			return nil, fmt.Errorf("thresholds: channel %d has %d thresholds, want 2^%d-1 = %d", c, len(row), f.Bits, k)
		}
	}
	t.T = make([]int64, 0, k*f.Channels)
	for _, row := range f.Thresholds {
		t.T = append(t.T, row...)
	}
	if len(f.Reversed) > 0 {
		t.Reversed = make([]bool, f.Channels)
		for _, c := range f.Reversed {
			if c < 0 || c >= f.Channels {
				return nil, fmt.Errorf("reversed: channel %d out of range 0..%d", c, f.Channels-1)
			}
			t.Reversed[c] = true
		}
	}
	return t, nil
}

// HexRowLen is the number of hex digits that encode n weights of the given
// width: ceil(n*bits/4).
func HexRowLen(n, bits int) int { return (n*bits + 3) / 4 }

// EncodeRow encodes one weight row as hex: the row is a bit string of
// len(row)*bits bits, element 0 first, each element most significant bit
// first (1-bit: 1 means +1, 0 means -1; k-bit: two's complement), zero-padded
// to a multiple of 4 bits.
func EncodeRow(row []int8, bits int) string {
	buf := make([]byte, HexRowLen(len(row), bits))
	nib, nbits, pos := 0, 0, 0
	for _, w := range row {
		u := uint(uint8(w))
		if bits == 1 {
			u = 0
			if w > 0 {
				u = 1
			}
		}
		for b := bits - 1; b >= 0; b-- {
			nib = nib<<1 | int(u>>b&1)
			nbits++
			if nbits == 4 {
				buf[pos] = "0123456789abcdef"[nib]
				pos++
				nib, nbits = 0, 0
			}
		}
	}
	if nbits > 0 {
		buf[pos] = "0123456789abcdef"[nib<<(4-nbits)]
	}
	return string(buf)
}

// DecodeRow decodes a hex row written by EncodeRow into dst (len(dst)
// weights). Padding bits must be zero.
func DecodeRow(dst []int8, hex string, bits int) error {
	if len(hex) != HexRowLen(len(dst), bits) {
		return fmt.Errorf("have %d hex digits, want %d", len(hex), HexRowLen(len(dst), bits))
	}
	bit := 0 // index of the next bit in the stream
	get := func() (uint, error) {
		c := hex[bit/4]
		var v uint
		switch {
		case c >= '0' && c <= '9':
			v = uint(c - '0')
		case c >= 'a' && c <= 'f':
			v = uint(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = uint(c-'A') + 10
		default:
			return 0, fmt.Errorf("invalid hex digit %q at position %d", c, bit/4)
		}
		b := v >> (3 - bit%4) & 1
		bit++
		return b, nil
	}
	for i := range dst {
		var u uint
		for b := 0; b < bits; b++ {
			x, err := get()
			if err != nil {
				return err
			}
			u = u<<1 | x
		}
		if bits == 1 {
			dst[i] = int8(2*int(u) - 1)
		} else {
			// sign-extend a bits-wide two's-complement value
			dst[i] = int8(int(u) - int(u>>(bits-1))<<bits)
		}
	}
	for bit < len(hex)*4 {
		x, err := get()
		if err != nil {
			return err
		}
		if x != 0 {
			return errors.New("padding bits after the last weight are not zero")
		}
	}
	return nil
}

// Save writes the network to path atomically (a temporary file in the same
// directory, then a rename), so a failure never leaves a partial file.
func Save(path string, n *Network) error {
	if err := Validate(n); err != nil {
		return err
	}
	return WriteFileAtomic(path, Marshal(n))
}

// WriteFileAtomic writes data to a temporary file next to path and renames
// it into place.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("netlist: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if serr := f.Sync(); werr == nil {
		werr = serr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("netlist: writing %s: %w", path, werr)
	}
	return nil
}

// Marshal encodes the network in the canonical, diffable file form: one
// field per line, one weight row per line, one threshold channel per line.
// The same network always gives the same bytes.
func Marshal(n *Network) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	fmt.Fprintf(&b, "  \"format\": %s,\n  \"version\": %d,\n", quote(Format), FileVersion(n))
	fmt.Fprintf(&b, "  \"name\": %s,\n", quote(n.Name))
	if len(n.Meta) > 0 {
		keys := make([]string, 0, len(n.Meta))
		for k := range n.Meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("  \"meta\": {\n")
		for i, k := range keys {
			fmt.Fprintf(&b, "    %s: %s%s\n", quote(k), quote(n.Meta[k]), comma(i, len(keys)))
		}
		b.WriteString("  },\n")
	}
	b.WriteString("  \"layers\": [\n")
	for i, l := range n.Layers {
		b.WriteString("    {\n")
		fmt.Fprintf(&b, "      \"op\": %s,\n      \"name\": %s,\n", quote(l.Op()), quote(l.LayerName()))
		l.marshal(&b)
		fmt.Fprintf(&b, "    }%s\n", comma(i, len(n.Layers)))
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes()
}

// FileVersion is the version Marshal writes for n: the oldest that has every
// op n uses, so that a network of version-1 ops is written exactly as before.
func FileVersion(n *Network) int {
	v := 1
	for _, l := range n.Layers {
		if l == nil {
			continue
		}
		if d, ok := decoders[l.Op()]; ok {
			v = max(v, d.since)
		}
		if o, ok := l.(*Output); ok && o.LogitScale != 0 {
			v = max(v, 3)
		}
	}
	return v
}

func (l *Input) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "      \"shape\": [%d, %d, %d],\n      \"bits\": %d,\n      \"threshold\": %d\n",
		l.Shape.C, l.Shape.H, l.Shape.W, l.Bits, l.Threshold)
}

func (l *Dense) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "      \"in\": %d,\n      \"out\": %d,\n      \"weight_bits\": %d,\n      \"acc_bits\": %d,\n      \"weights\": [\n",
		l.In, l.Out, l.WeightBits, l.AccBits)
	for o := 0; o < l.Out; o++ {
		fmt.Fprintf(b, "        \"%s\"%s\n", EncodeRow(l.Row(o), l.WeightBits), comma(o, l.Out))
	}
	b.WriteString("      ]\n")
}

func (l *Threshold) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "      \"channels\": %d,\n      \"bits\": %d,\n      \"base\": %d,\n      \"reversed\": [%s],\n      \"thresholds\": [\n",
		l.Channels, l.Bits, l.Base, reversedList(l))
	for c := 0; c < l.Channels; c++ {
		fmt.Fprintf(b, "        [%s]%s\n", ints(l.Row(c)), comma(c, l.Channels))
	}
	b.WriteString("      ]\n")
}

func (l *Output) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "      \"classes\": %d,\n      \"score_bits\": %d", l.Classes, l.ScoreBits)
	if l.Offsets != nil {
		fmt.Fprintf(b, ",\n      \"offsets\": [%s]", ints(l.Offsets))
	}
	if l.LogitScale != 0 {
		fmt.Fprintf(b, ",\n      \"logit_scale\": %s", strconv.FormatFloat(l.LogitScale, 'g', -1, 64))
	}
	b.WriteString("\n")
}

func quote(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

func comma(i, n int) string {
	if i < n-1 {
		return ","
	}
	return ""
}

func ints(v []int64) string {
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(x, 10))
	}
	return b.String()
}

func reversedList(t *Threshold) string {
	var b strings.Builder
	for c := 0; c < t.Channels; c++ {
		if t.IsReversed(c) {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(c))
		}
	}
	return b.String()
}
