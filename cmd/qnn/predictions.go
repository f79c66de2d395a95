package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/qnn-dev/qnn/netlist"
)

// predictionsCSV is `qnn eval --predictions FILE`: one row per image,
// index (in the evaluated split, after --limit), true label, predicted
// class, then every class score (score_0 .. score_K-1), and for an image
// folder the image file.
func predictionsCSV(results []netlist.Result, labels []byte, classes int, files []string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"index", "label", "predicted"}
	for k := range classes {
		head = append(head, "score_"+strconv.Itoa(k))
	}
	if files != nil {
		head = append(head, "file")
	}
	w.Write(head)
	row := make([]string, 0, len(head))
	for i, r := range results {
		if len(r.Scores) != classes {
			return nil, fmt.Errorf("eval: image %d: %d scores, want %d", i, len(r.Scores), classes)
		}
		row = append(row[:0], strconv.Itoa(i), strconv.Itoa(int(labels[i])), strconv.Itoa(r.Class))
		for _, s := range r.Scores {
			row = append(row, strconv.FormatInt(s, 10))
		}
		if files != nil {
			row = append(row, files[i])
		}
		w.Write(row)
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// writeFileAtomic writes b to path through a temporary file in the same
// directory and a rename, so that path never holds a partial file.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
