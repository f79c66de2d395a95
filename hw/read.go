package hw

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// Bounds on the JSON files hw reads: a folding has one small object per
// layer, a plan a few hundred bytes per layer.
const (
	maxFoldFile = 1 << 20
	maxPlanFile = 64 << 20
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodeJSONFile decodes the one JSON value of path into v. It streams:
// a file that is not JSON (/dev/urandom, /dev/zero) fails at its first
// bad byte, and no more than limit bytes are ever read.
func decodeJSONFile(path string, limit int64, strict bool, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := &countingReader{r: io.LimitReader(f, limit+1)}
	dec := json.NewDecoder(cr)
	if strict {
		dec.DisallowUnknownFields()
	}
	err = dec.Decode(v)
	if cr.n > limit {
		return fmt.Errorf("larger than %d bytes", limit)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated JSON: %w", err)
	}
	if err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// firstDiff returns where two JSON documents first differ, e.g.
// `Layers[1].Latency: 12 in the file, 13 rebuilt`; "" if they are equal.
func firstDiff(file, rebuilt []byte) string {
	var a, b any
	if json.Unmarshal(file, &a) != nil || json.Unmarshal(rebuilt, &b) != nil {
		return ""
	}
	return diffValues("", a, b)
}

func diffValues(path string, a, b any) string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if d := diffValues(p, av[k], bv[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		if len(av) != len(bv) {
			return fmt.Sprintf("%s: %d entries in the file, %d rebuilt", path, len(av), len(bv))
		}
		for i := range av {
			if d := diffValues(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i]); d != "" {
				return d
			}
		}
		return ""
	default:
		if fmt.Sprint(a) == fmt.Sprint(b) {
			return ""
		}
	}
	return fmt.Sprintf("%s: %s in the file, %s rebuilt", path, short(a), short(b))
}

// short is v as JSON, cut to 40 bytes.
func short(v any) string {
	if v == nil {
		return "nothing"
	}
	data, _ := json.Marshal(v)
	if len(data) > 40 {
		return string(data[:37]) + "..."
	}
	return string(data)
}
