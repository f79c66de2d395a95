package hw

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qnn-dev/qnn/netlist"
)

// loadWithin is Load, failing the test if it takes longer than d (a plan
// file must not make qnn hang).
func loadWithin(t *testing.T, d time.Duration, path string, n *netlist.Network) (*Plan, error) {
	type result struct {
		p   *Plan
		err error
	}
	ch := make(chan result, 1)
	go func() {
		p, err := Load(path, n)
		ch <- result{p, err}
	}()
	select {
	case r := <-ch:
		return r.p, r.err
	case <-time.After(d):
		data, _ := os.ReadFile(path)
		t.Fatalf("Load took more than %v on:\n%s", d, data)
		return nil, nil
	}
}

// FuzzLoadPlan feeds arbitrary plan.json files to Load with the TFC
// netlist: no panic, and whatever loads re-saves to the same bytes and
// loads again.
func FuzzLoadPlan(f *testing.F) {
	n := loadTFC(f)
	for _, opt := range []Options{{TargetCycles: 64}, {}, {Folds: []Fold{{PE: 4, SIMD: 49}, {PE: 2, SIMD: 8}, {PE: 8, SIMD: 4}, {PE: 1, SIMD: 16}}}} {
		p, err := NewPlan(n, opt)
		if err != nil {
			f.Fatal(err)
		}
		data := p.Marshal()
		f.Add(data)
		f.Add(data[:len(data)/2])
		f.Add(bytes.Replace(data, []byte(`"Version": 1`), []byte(`"Version": 2`), 1))
		f.Add(bytes.Replace(data, []byte(`"PE": `), []byte(`"PE": 10`), 1))
		f.Add(bytes.Replace(data, []byte(`"InPix": `), []byte(`"InPix": -`), 1))
	}
	f.Add([]byte(`{"Version": 1, "Layers": [null]}`))
	f.Add([]byte(`{}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, PlanFile)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := loadWithin(t, 5*time.Second, path, n)
		if err != nil {
			if p != nil {
				t.Fatalf("plan with error %v", err)
			}
			return
		}
		saved := p.Marshal()
		if err := os.WriteFile(path, saved, 0o644); err != nil {
			t.Fatal(err)
		}
		q, err := Load(path, n)
		if err != nil {
			t.Fatalf("re-loading a saved plan: %v", err)
		}
		if !bytes.Equal(q.Marshal(), saved) {
			t.Fatal("saved plan is not stable")
		}
	})
}

// FuzzReadFolds feeds arbitrary folding files to ReadFolds and the folds
// it accepts to NewPlan: errors, never a panic.
func FuzzReadFolds(f *testing.F) {
	n := loadTFC(f)
	f.Add([]byte(`[{"pe":4,"simd":49},{"pe":2,"simd":8},{"pe":8,"simd":4},{"pe":1,"simd":16}]`))
	f.Add([]byte(`[{"pe":3,"simd":7},{"pe":1,"simd":1},{"pe":1,"simd":1},{"pe":1,"simd":1}]`))
	f.Add([]byte(`[{"pe":0,"simd":-1}]`))
	f.Add([]byte(`[{"pe":1,"simd":1,"x":2}]`))
	f.Add([]byte(`[] []`))
	f.Add([]byte(`[{"pe":1000000000,"simd":1000000000},{"pe":1,"simd":1},{"pe":1,"simd":1},{"pe":1,"simd":1}]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fold.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		folds, err := ReadFolds(path)
		if err != nil {
			return
		}
		for _, noPad := range []bool{false, true} {
			p, err := NewPlan(n, Options{Folds: folds, NoPad: noPad})
			if err == nil && p.CyclesPerFrame < 1 {
				t.Fatalf("folds %v: %d cycles per frame", folds, p.CyclesPerFrame)
			}
		}
	})
}
