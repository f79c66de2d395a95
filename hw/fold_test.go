package hw

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

// bruteFold is AutoFold by exhaustive search, for checking it.
func bruteFold(mw, mh, target int, noPad bool) Fold {
	best, bestKey := Fold{}, [4]int{1 << 62}
	for pe := 1; pe <= mh; pe++ {
		for simd := 1; simd <= mw; simd++ {
			if noPad && (mw%simd != 0 || mh%pe != 0) {
				continue
			}
			nf, sf := ceilDiv(mh, pe), ceilDiv(mw, simd)
			if nf*sf > target {
				continue
			}
			key := [4]int{pe * simd, nf * sf, nf * pe * sf * simd, -simd}
			if less(key, bestKey) {
				best, bestKey = Fold{PE: pe, SIMD: simd}, key
			}
		}
	}
	return best
}

// TestAutoFoldMinimal: the auto folding meets the target with the
// smallest PE*SIMD (and the documented tie-break), with and without
// padding.
func TestAutoFoldMinimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 400 {
		mw, mh := 1+rng.IntN(70), 1+rng.IntN(40)
		target := 1 + rng.IntN(mw*mh)
		noPad := rng.IntN(2) == 0
		got, want := AutoFold(mw, mh, target, noPad), bruteFold(mw, mh, target, noPad)
		if got != want {
			t.Fatalf("AutoFold(%d, %d, %d, noPad %v) = %+v, want %+v", mw, mh, target, noPad, got, want)
		}
		if c := ceilDiv(mw, got.SIMD) * ceilDiv(mh, got.PE); c > target {
			t.Fatalf("AutoFold(%d, %d, %d): %d cycles", mw, mh, target, c)
		}
	}
	if got := AutoFold(784, 64, 0, false); got != (Fold{PE: 1, SIMD: 1}) {
		t.Errorf("target 0: %+v, want PE = SIMD = 1", got)
	}
}

func TestNewPlanAutoBalanced(t *testing.T) {
	n := loadTFC(t)
	for _, target := range []int{1, 7, 64, 100, 1000, 60000} {
		for _, noPad := range []bool{false, true} {
			p, err := NewPlan(n, Options{TargetCycles: target, NoPad: noPad})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range p.Layers {
				if l.Cycles > target {
					t.Errorf("target %d: layer %s takes %d cycles", target, l.Name, l.Cycles)
				}
				if noPad && (l.MW%l.SIMD != 0 || l.MH%l.PE != 0) {
					t.Errorf("target %d, no-pad: layer %s padded: %+v", target, l.Name, Fold{l.PE, l.SIMD})
				}
			}
		}
	}
}

func TestFoldErrors(t *testing.T) {
	n := loadTFC(t)
	ok := []Fold{{16, 49}, {16, 16}, {16, 16}, {5, 16}}
	for _, tc := range []struct {
		name  string
		opt   Options
		wants []string
	}{
		{"count", Options{Folds: ok[:3]}, []string{"hw: folding has 3 entries for 4 dense layers"}},
		{"pe-range", Options{Folds: []Fold{{65, 49}, {16, 16}, {16, 16}, {5, 16}}}, []string{`layer 0 "fc0"`, "PE 65 is outside 1..64"}},
		{"simd-range", Options{Folds: []Fold{{16, 49}, {16, 0}, {16, 16}, {5, 16}}}, []string{`layer 1 "fc1"`, "SIMD 0"}},
		{"pe-pow2", Options{Folds: []Fold{{16, 49}, {16, 16}, {16, 16}, {17, 16}}}, []string{`layer 3 "fc3"`, "PE 17 is outside 1..16"}},
		{"nopad-simd", Options{Folds: []Fold{{16, 50}, {16, 16}, {16, 16}, {5, 16}}, NoPad: true}, []string{`layer 0 "fc0"`, "SIMD 50 does not divide MW = 784", "--no-pad"}},
		{"nopad-pe", Options{Folds: []Fold{{16, 49}, {16, 16}, {16, 16}, {4, 16}}, NoPad: true}, []string{`layer 3 "fc3"`, "PE 4 does not divide MH = 10", "--no-pad"}},
		{"inpix", Options{Folds: ok, InPix: -1}, []string{`input "input"`, "InPix -1"}},
	} {
		_, err := NewPlan(n, tc.opt)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
	if _, err := NewPlan(n, Options{Folds: ok, NoPad: true}); err != nil {
		t.Errorf("dividing folding under no-pad: %v", err)
	}
}

func TestReadFolds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	got, err := ReadFolds(write("good.json", `[{"pe": 32, "simd": 64}, {"simd": 8, "pe": 16}]`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Fold{{32, 64}, {16, 8}}, got); diff != "" {
		t.Errorf("ReadFolds mismatch (-want +got):\n%s", diff)
	}
	for name, body := range map[string]string{
		"unknown.json":  `[{"pe": 1, "simd": 1, "fifo": 2}]`,
		"object.json":   `{"pe": 1}`,
		"empty.json":    `[]`,
		"trailing.json": `[{"pe": 1, "simd": 1}] [1]`,
	} {
		if _, err := ReadFolds(write(name, body)); err == nil || !strings.HasPrefix(err.Error(), "hw: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	if _, err := ReadFolds(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestTargetCyclesFromFPS(t *testing.T) {
	if c, err := TargetCyclesFromFPS(1e6, 200); err != nil || c != 200 {
		t.Errorf("1M fps at 200 MHz: %d, %v", c, err)
	}
	for _, bad := range [][2]float64{{0, 100}, {100, -1}, {1e9, 100}} {
		if _, err := TargetCyclesFromFPS(bad[0], bad[1]); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func loadTFC(t testing.TB) *netlist.Network {
	t.Helper()
	n, err := netlist.Load("../testdata/random-tfc-w1a1.json")
	if err != nil {
		t.Fatal(err)
	}
	return n
}
