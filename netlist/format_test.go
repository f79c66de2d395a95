package netlist

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func randomNet(t testing.TB, seed uint64, cfg RandomConfig) *Network {
	t.Helper()
	n, err := Random(rand.New(rand.NewPCG(seed, 7)), cfg)
	if err != nil {
		t.Fatalf("Random(seed %d): %v", seed, err)
	}
	return n
}

// smallCfg is a mixed-width network small enough to read in a failure message.
var smallCfg = RandomConfig{
	Input: Shape{1, 4, 5}, InputBits: 1, Hidden: []int{7, 3}, Classes: 4,
	WeightBits: []int{1, 3, 2}, ActBits: []int{2, 1},
}

func TestRowCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for bits := 1; bits <= MaxWeightBits; bits++ {
		for _, n := range []int{1, 2, 3, 4, 5, 7, 63, 64, 65, 784} {
			row := make([]int8, n)
			lo, hi := weightRange(bits)
			for i := range row {
				if bits == 1 {
					row[i] = int8(2*rng.IntN(2) - 1)
				} else {
					row[i] = int8(lo + rng.Int64N(hi-lo+1))
				}
			}
			hex := EncodeRow(row, bits)
			if len(hex) != HexRowLen(n, bits) {
				t.Fatalf("bits %d n %d: %d hex digits, want %d", bits, n, len(hex), HexRowLen(n, bits))
			}
			got := make([]int8, n)
			if err := DecodeRow(got, hex, bits); err != nil {
				t.Fatalf("bits %d n %d: %v", bits, n, err)
			}
			if !slicesEqual(got, row) {
				t.Fatalf("bits %d n %d: round trip changed the row", bits, n)
			}
		}
	}
}

// TestRowCodecLayout pins the documented bit layout with rows worked out by
// hand from docs/netlist-format.md.
func TestRowCodecLayout(t *testing.T) {
	tests := []struct {
		row  []int8
		bits int
		hex  string
	}{
		{[]int8{1, -1, -1, 1, 1}, 1, "98"},   // 1001 1(000)
		{[]int8{-1, -1, -1, 1}, 1, "1"},      // 0001
		{[]int8{1, -2, -1, 0}, 2, "6c"},      // 01 10 11 00
		{[]int8{7, -8, -1}, 4, "78f"},        // 0111 1000 1111
		{[]int8{3, -4}, 3, "70"},             // 011 100 (00)
		{[]int8{-128, 127, -1}, 8, "807fff"}, // two's complement bytes
	}
	for _, tc := range tests {
		if got := EncodeRow(tc.row, tc.bits); got != tc.hex {
			t.Errorf("EncodeRow(%v, %d) = %q, want %q", tc.row, tc.bits, got, tc.hex)
		}
	}
}

func TestDecodeRowErrors(t *testing.T) {
	tests := []struct {
		name, hex string
		n, bits   int
		want      string
	}{
		{"bad digit", "9g", 5, 1, "invalid hex digit"},
		{"short", "9", 5, 1, "have 1 hex digits, want 2"},
		{"long", "980", 5, 1, "have 3 hex digits, want 2"},
		{"padding set", "9c", 5, 1, "padding bits"},
		{"padding set 3-bit", "71", 2, 3, "padding bits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := DecodeRow(make([]int8, tc.n), tc.hex, tc.bits)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DecodeRow(%q) = %v, want an error containing %q", tc.hex, err, tc.want)
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	cfgs := []RandomConfig{
		smallCfg,
		{Input: Shape{1, 28, 28}, InputBits: 8, Hidden: []int{65}, Classes: 10, WeightBits: []int{8, 4}, ActBits: []int{8}},
		{Input: Shape{3, 2, 2}, InputBits: 1, Hidden: nil, Classes: 2},
	}
	for i, cfg := range cfgs {
		n := randomNet(t, uint64(i), cfg)
		n.Meta = map[string]string{"seed": "1", "dataset": "mnist", "quote": "a \"b\"\n"}
		data := Marshal(n)
		m, err := Read(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("config %d: Read(Marshal(n)): %v", i, err)
		}
		if again := Marshal(m); !bytes.Equal(again, data) {
			t.Fatalf("config %d: Marshal is not stable across a round trip", i)
		}
		for li := range n.Layers {
			a, b := n.Layers[li], m.Layers[li]
			if d1, ok := a.(*Dense); ok {
				if !slicesEqual(d1.Weights, b.(*Dense).Weights) {
					t.Fatalf("config %d layer %d: weights changed", i, li)
				}
			}
		}
	}
}

func TestSaveLoad(t *testing.T) {
	n := randomNet(t, 3, smallCfg)
	path := filepath.Join(t.TempDir(), "m.json")
	if err := Save(path, n); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Marshal(m), Marshal(n)) {
		t.Fatal("Load(Save(n)) differs from n")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("Save left %d files in the directory, want only the model", len(entries))
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	n := randomNet(t, 3, smallCfg)
	n.Layers[1].(*Dense).AccBits = 1
	path := filepath.Join(t.TempDir(), "m.json")
	if err := Save(path, n); err == nil {
		t.Fatal("Save accepted an invalid network")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Save of an invalid network left %s behind", path)
	}
}

// TestLoadErrors checks that broken files give one-line errors that name
// the file and the problem, and never panic.
func TestLoadErrors(t *testing.T) {
	good := string(Marshal(randomNet(t, 5, smallCfg)))
	tests := []struct {
		name string
		edit func(string) string
		want string
	}{
		{"empty", func(string) string { return "" }, "truncated"},
		{"truncated", func(s string) string { return s[:len(s)/2] }, "truncated"},
		{"not json", func(string) string { return "hello" }, "invalid character"},
		{"wrong format", func(s string) string { return strings.Replace(s, `"qnn-netlist"`, `"onnx"`, 1) }, `format: got "onnx"`},
		{"wrong version", func(s string) string { return strings.Replace(s, `"version": 1`, `"version": 4`, 1) }, "unsupported version 4"},
		{"unknown field", func(s string) string { return strings.Replace(s, `"acc_bits"`, `"accbits"`, 1) }, `unknown field "accbits"`},
		{"unknown op", func(s string) string { return strings.Replace(s, `"op": "threshold"`, `"op": "relu"`, 1) }, `unsupported layer op "relu"`},
		{"bad hex", func(s string) string { return replaceFirstRow(s, func(r string) string { return "z" + r[1:] }) }, `layer 1 "fc0": weights: row 0: invalid hex digit 'z'`},
		{"short row", func(s string) string { return replaceFirstRow(s, func(string) string { return "0" }) }, "row 0: have 1 hex digits"},
		{"trailing data", func(s string) string { return s + "{}" }, "trailing data"},
		{"input shape", func(s string) string { return strings.Replace(s, "[1, 4, 5]", "[4, 5]", 1) }, "shape: want [C, H, W]"},
		{"shape mismatch", func(s string) string { return strings.Replace(s, "[1, 4, 5]", "[1, 4, 6]", 1) }, `layer 1 "fc0" (dense): in: layer takes 20 inputs`},
		{"threshold count", func(s string) string { return strings.Replace(s, `"bits": 2`, `"bits": 3`, 1) }, "want 2^3-1 = 7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "broken.json")
			if err := os.WriteFile(path, []byte(tc.edit(good)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatalf("Load accepted a broken file")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, path) {
				t.Fatalf("error %q does not contain %q and the path", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line: %q", msg)
			}
			if !strings.HasPrefix(msg, "netlist: ") || strings.Count(msg, "netlist: ") != 1 {
				t.Fatalf("error should carry exactly one package prefix: %q", msg)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing file: %v", err)
	}
}

func replaceFirstRow(s string, edit func(string) string) string {
	i := strings.Index(s, `"weights": [`)
	j := i + strings.Index(s[i:], "\n") + 1
	k := j + strings.Index(s[j:], "\n")
	line := s[j:k]
	q := strings.Index(line, `"`)
	r := strings.LastIndex(line, `"`)
	return s[:j] + line[:q+1] + edit(line[q+1:r]) + line[r:] + s[k:]
}

func FuzzRead(f *testing.F) {
	f.Add(Marshal(randomNet(f, 1, smallCfg)))
	f.Add(Marshal(randomNet(f, 2, RandomConfig{Input: Shape{1, 3, 3}, InputBits: 8, Hidden: []int{2}, Classes: 3, WeightBits: []int{4, 1}, ActBits: []int{4}})))
	f.Add([]byte(`{"format":"qnn-netlist","version":1,"layers":[]}`))
	f.Add([]byte(`{"format":"qnn-netlist","version":1,"layers":[{"op":"dense","name":"d","in":1000000000,"out":1000000000,"weight_bits":1,"acc_bits":8,"weights":[]}]}`))
	f.Add([]byte(`{"format":"qnn-netlist","version":1,"layers":[{"op":"threshold","name":"t","channels":3,"bits":8,"thresholds":[[1]]}]}`))
	f.Add([]byte(`{"format":"qnn-netlist","version":2}`))
	f.Add(Marshal(docConvNet(f)))
	for seed := uint64(1); seed <= 3; seed++ {
		n, _, err := convTestNetwork(rand.New(rand.NewPCG(seed, 9)))
		if err == nil && len(Marshal(n)) < 20000 {
			f.Add(Marshal(n))
		}
	}
	f.Add([]byte(`{"format":"qnn-netlist","version":2,"layers":[{"op":"input","name":"i","shape":[3,4,4],"bits":8,"threshold":0},{"op":"conv2d","name":"c","in_channels":3,"out_channels":65536,"kernel":[64,64],"stride":1,"weight_bits":1,"acc_bits":8,"weights":[]}]}`))
	f.Add([]byte(`{"format":"qnn-netlist","version":1,"layers":[{"op":"maxpool","name":"p","kernel":2,"stride":2}]}`))
	f.Add([]byte(`{`))
	f.Add(Marshal(docSeqNet(f)))
	for i, cfg := range randomLSTMCases[:4] {
		n, err := RandomLSTM(rand.New(rand.NewPCG(uint64(i), 4)), cfg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(Marshal(n))
	}
	f.Add([]byte(`{"format":"qnn-netlist","version":3,"layers":[{"op":"embedding","name":"e","vocab":1048576,"dim":65536,"bits":8,"base":0,"table":[]}]}`))
	f.Add([]byte(`{"format":"qnn-netlist","version":3,"layers":[{"op":"lstm","name":"l","in":65536,"hidden":65536,"weight_bits":8,"acc_bits":8,"cell_bits":8,"weights":[]}]}`))
	f.Add([]byte(`{"format":"qnn-netlist","version":2,"layers":[{"op":"embedding","name":"e","vocab":1,"dim":1,"bits":1,"base":0,"table":["8"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever loads is valid, evaluates, and re-encodes stably.
		if err := Validate(n); err != nil {
			t.Fatalf("Read returned an invalid network: %v", err)
		}
		enc := Marshal(n)
		m, err := Read(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("re-reading the canonical form failed: %v", err)
		}
		if !bytes.Equal(Marshal(m), enc) {
			t.Fatal("canonical form is not stable")
		}
		if n.IsSequence() {
			if len(data) < 1<<16 {
				fuzzSequence(t, n)
			}
			return
		}
		if in := n.InputLayer(); in.Shape.Size() <= 4096 && len(data) < 1<<16 {
			px := make([]byte, in.Shape.Size())
			for i := range px {
				px[i] = byte(i * 37)
			}
			want, err := Reference(n, px)
			if err != nil {
				t.Fatalf("Reference on a valid network: %v", err)
			}
			f, err := NewFast(n)
			if err != nil {
				t.Fatalf("NewFast on a valid network: %v", err)
			}
			got, err := f.Layers(px)
			if err != nil {
				t.Fatal(err)
			}
			for li := range want {
				if !slicesEqual(got[li], want[li]) {
					t.Fatalf("layer %d: Fast %v, Reference %v", li, got[li], want[li])
				}
			}
		}
	})
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDocExample loads the example in docs/netlist-format.md and checks its
// evaluation against values worked out by hand.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/netlist-format.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i := strings.Index(s, "```json\n")
	j := i + strings.Index(s[i:], "\n```\n")
	n, err := Read(strings.NewReader(s[i+len("```json\n") : j]))
	if err != nil {
		t.Fatalf("the documented example does not load: %v", err)
	}
	// pixels 200 0 0 200 -> +1 -1 -1 +1; fc0 = (4, 0); act0 = (+1, +1)
	// (channel 1 is reversed: 0 <= 2); fc1 = (1, -3); scores = (1, -2).
	outs, err := Reference(n, []byte{200, 0, 0, 200})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int64{{1, -1, -1, 1}, {4, 0}, {1, 1}, {1, -3}, {1, -2}}
	for li := range want {
		if !slicesEqual(outs[li], want[li]) {
			t.Errorf("layer %d: got %v, want %v", li, outs[li], want[li])
		}
	}
}

// TestDocConvExample loads the convolutional example in
// docs/netlist-format.md and checks every layer against the values worked out
// by hand there.
func TestDocConvExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/netlist-format.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	s = s[strings.Index(s, "## A convolutional example"):]
	i := strings.Index(s, "```json\n")
	j := i + strings.Index(s[i:], "\n```\n")
	text := s[i+len("```json\n") : j+1]
	n, err := Read(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the documented example does not load: %v", err)
	}
	if got := string(Marshal(n)); got != text {
		t.Errorf("the documented example is not in canonical form; Marshal gives:\n%s", got)
	}
	px := []byte{200, 0, 200, 0, 200, 0, 200, 200, 0}
	want := [][]int64{
		{1, -1, 1, -1, 1, -1, 1, 1, -1},
		{2, -2, 0, 4, 0, -4, 2, 2, 2, -2, 0, 0},
		{1, -1, -1, -1, -1, 1, 1, -1, 1, -1, -1, -1},
		{1, -1, 1, 1},
		{-1, -2},
		{-1, 0},
	}
	outs, err := Reference(n, px)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFast(n)
	if err != nil {
		t.Fatal(err)
	}
	fouts, err := f.Layers(px)
	if err != nil {
		t.Fatal(err)
	}
	for li := range want {
		if !slicesEqual(outs[li], want[li]) {
			t.Errorf("Reference layer %d: got %v, want %v", li, outs[li], want[li])
		}
		if !slicesEqual(fouts[li], want[li]) {
			t.Errorf("Fast layer %d: got %v, want %v", li, fouts[li], want[li])
		}
	}
}

// fuzzSequence checks that a sequence model that loads evaluates the same
// under ReferenceSequence and FastSeq on a short token sequence.
func fuzzSequence(t *testing.T, n *Network) {
	e := n.EmbeddingLayer()
	toks := make([]int, 5)
	for i := range toks {
		toks[i] = (i * 7919) % e.Vocab
	}
	want, err := ReferenceSequence(n, toks)
	if err != nil {
		t.Fatalf("ReferenceSequence on a valid network: %v", err)
	}
	f, err := NewFastSeq(n)
	if err != nil {
		t.Fatalf("NewFastSeq on a valid network: %v", err)
	}
	got, err := f.Trace(toks)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatal("FastSeq.Trace differs from ReferenceSequence")
	}
}
