package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrokenModels checks that every kind of broken netlist file is a user
// error reported on one stderr line naming the file, by both commands that
// read a model.
func TestBrokenModels(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T) string // returns the broken file's path
		want string
	}{
		{"missing file", func(t *testing.T) string {
			return filepath.Join(t.TempDir(), "missing.json")
		}, "no such file or directory"},
		{"empty file", func(t *testing.T) string {
			return writeRaw(t, "empty.json", nil)
		}, "truncated JSON"},
		{"truncated file", func(t *testing.T) string {
			raw := readTestModel(t)
			return writeRaw(t, "truncated.json", raw[:len(raw)/2])
		}, "truncated JSON"},
		{"bad hex digit", func(t *testing.T) string {
			return writeModel(t, "badhex.json", func(m map[string]any) {
				setRow(t, m, 3, 5, func(row string) string { return row[:3] + "g" + row[4:] })
			})
		}, `"fc1": weights: row 5: invalid hex digit 'g' at position 3`},
		{"wrong version", func(t *testing.T) string {
			return writeModel(t, "version.json", func(m map[string]any) { m["version"] = 99 })
		}, "unsupported version 99"},
		{"wrong format", func(t *testing.T) string {
			return writeModel(t, "format.json", func(m map[string]any) { m["format"] = "onnx" })
		}, `format: got "onnx"`},
		{"short weight row", func(t *testing.T) string {
			return writeModel(t, "rowlen.json", func(m map[string]any) {
				setRow(t, m, 1, 0, func(row string) string { return row[:len(row)-1] })
			})
		}, `"fc0": weights: row 0: have 195 hex digits, want 196`},
		{"accumulator overflow", func(t *testing.T) string {
			return writeModel(t, "acc.json", func(m map[string]any) { layer(t, m, 3)["acc_bits"] = 4 })
		}, `layer 3 "fc1" (dense): acc_bits:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.make(t)
			for _, args := range [][]string{
				{"inspect", path},
				{"inspect", "--json", path},
				{"eval", "--model", path, "--dataset", "mnist", "--limit", "10", "--json"},
			} {
				stdout, stderr, code := runQNN(t, args...)
				checkUserError(t, stdout, stderr, code, "qnn: netlist: ", path, tt.want)
			}
		})
	}
}

func readTestModel(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(testModel)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func writeRaw(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// setRow replaces weight row r of dense layer li.
func setRow(t *testing.T, m map[string]any, li, r int, edit func(string) string) {
	t.Helper()
	rows := layer(t, m, li)["weights"].([]any)
	row := rows[r].(string)
	rows[r] = edit(row)
	if strings.EqualFold(row, rows[r].(string)) {
		t.Fatalf("edit left row %d of layer %d unchanged", r, li)
	}
}
