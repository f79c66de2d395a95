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
					t.Errorf("target %d, no-pad: layer %s padded: %+v", target, l.Name, Fold{PE: l.PE, SIMD: l.SIMD})
				}
			}
		}
	}
}

func TestFoldErrors(t *testing.T) {
	n := loadTFC(t)
	ok := []Fold{{PE: 16, SIMD: 49}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 5, SIMD: 16}}
	for _, tc := range []struct {
		name  string
		opt   Options
		wants []string
	}{
		{"count", Options{Folds: ok[:3]}, []string{"hw: folding has 3 entries for 4 MVTU layers (dense and conv2d)"}},
		{"pe-range", Options{Folds: []Fold{{PE: 65, SIMD: 49}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 5, SIMD: 16}}}, []string{`layer 0 "fc0"`, "PE 65 is outside 1..64"}},
		{"simd-range", Options{Folds: []Fold{{PE: 16, SIMD: 49}, {PE: 16, SIMD: 0}, {PE: 16, SIMD: 16}, {PE: 5, SIMD: 16}}}, []string{`layer 1 "fc1"`, "SIMD 0"}},
		{"pe-pow2", Options{Folds: []Fold{{PE: 16, SIMD: 49}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 17, SIMD: 16}}}, []string{`layer 3 "fc3"`, "PE 17 is outside 1..16"}},
		{"nopad-simd", Options{Folds: []Fold{{PE: 16, SIMD: 50}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 5, SIMD: 16}}, NoPad: true}, []string{`layer 0 "fc0"`, "SIMD 50 does not divide MW = 784", "--no-pad"}},
		{"nopad-pe", Options{Folds: []Fold{{PE: 16, SIMD: 49}, {PE: 16, SIMD: 16}, {PE: 16, SIMD: 16}, {PE: 4, SIMD: 16}}, NoPad: true}, []string{`layer 3 "fc3"`, "PE 4 does not divide MH = 10", "--no-pad"}},
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
	if diff := cmp.Diff([]Fold{{PE: 32, SIMD: 64}, {PE: 16, SIMD: 8}}, got); diff != "" {
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

// TestFoldsByName: a folding keyed by layer names, in any order, gives the
// plan of the same folding by position; names must cover every MVTU layer
// exactly once.
func TestFoldsByName(t *testing.T) {
	n := loadTFC(t)
	pos := []Fold{{PE: 16, SIMD: 49}, {PE: 8, SIMD: 16}, {PE: 4, SIMD: 32}, {PE: 5, SIMD: 16}}
	want, err := NewPlan(n, Options{Folds: pos})
	if err != nil {
		t.Fatal(err)
	}
	named := []Fold{{Layer: "fc3", PE: 5, SIMD: 16}, {Layer: "fc1", PE: 8, SIMD: 16}, {Layer: "fc0", PE: 16, SIMD: 49}, {Layer: "fc2", PE: 4, SIMD: 32}}
	got, err := NewPlan(n, Options{Folds: named})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Dump(), got.Dump()); diff != "" {
		t.Errorf("named folding mismatch (-by position +by name):\n%s", diff)
	}
	for _, tc := range []struct {
		name  string
		folds []Fold
		want  string
	}{
		{"missing", named[:3], `layer 2 "fc2": the folding has no entry for it`},
		{"unknown", append(named[:4:4], Fold{Layer: "act0", PE: 1, SIMD: 1}), `names layer "act0", which is not a dense or conv2d layer`},
		{"twice", append(named[:4:4], Fold{Layer: "fc1", PE: 1, SIMD: 1}), `names layer "fc1" twice`},
		{"some", append(pos[:3:3], Fold{Layer: "fc3", PE: 5, SIMD: 16}), "names the layer of 1 of its 4 entries"},
	} {
		if _, err := NewPlan(n, Options{Folds: tc.folds}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
