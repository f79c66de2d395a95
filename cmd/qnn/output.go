package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/qnn-dev/qnn/hw"
)

// jsonFlagUsage is the usage text of every command's --json flag.
const jsonFlagUsage = "print exactly one JSON object on stdout instead of text"

// writeJSON writes v to w as one indented JSON object and a newline.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

// estimateJSON is hw.Resources with the snake_case keys of every --json
// output (synth's "total" has "lut", "ff"; hw.Resources itself keeps the
// CamelCase keys of plan.json).
type estimateJSON struct {
	LUT  int     `json:"lut"`
	FF   int     `json:"ff"`
	BRAM float64 `json:"bram36"`
}

func newEstimateJSON(r hw.Resources) estimateJSON {
	return estimateJSON{LUT: r.LUT, FF: r.FF, BRAM: r.BRAM}
}
