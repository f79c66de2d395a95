package hw

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/qnn-dev/qnn/netlist"
)

// ReadFolds reads an explicit folding: a JSON array with one
// {"pe": P, "simd": S} object per dense layer, in order.
func ReadFolds(path string) ([]Fold, error) {
	var folds []Fold
	if err := decodeJSONFile(path, maxFoldFile, true, &folds); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("hw: %w", err)
		}
		return nil, fmt.Errorf("hw: %s: want a JSON array of {\"pe\": P, \"simd\": S}: %w", path, err)
	}
	if len(folds) == 0 {
		return nil, fmt.Errorf("hw: %s: empty folding (want one {\"pe\", \"simd\"} per dense layer)", path)
	}
	return folds, nil
}

// TargetCyclesFromFPS converts a frame-rate target at a clock into the
// auto-folding cycle budget floor(clockMHz*1e6 / fps), at least 1.
func TargetCyclesFromFPS(fps, clockMHz float64) (int, error) {
	if !(fps > 0) || !(clockMHz > 0) || math.IsInf(fps, 0) || math.IsInf(clockMHz, 0) {
		return 0, fmt.Errorf("hw: target frame rate %g and clock %g MHz must be positive", fps, clockMHz)
	}
	c := math.Floor(clockMHz * 1e6 / fps)
	if c < 1 {
		return 0, fmt.Errorf("hw: %g frames/s at %g MHz needs less than one cycle per frame", fps, clockMHz)
	}
	return int(min(c, math.MaxInt32)), nil
}

// FoldsFromTarget returns the auto folding NewPlan uses for n with
// Options{TargetCycles: target, NoPad: noPad}: AutoFold per dense layer.
func FoldsFromTarget(n *netlist.Network, target int, noPad bool) ([]Fold, error) {
	vals, err := netlist.Values(n)
	if err != nil {
		return nil, fmt.Errorf("hw: %w", err)
	}
	specs, err := denseSpecs(n, vals)
	if err != nil {
		return nil, err
	}
	return autoFolds(specs, target, noPad), nil
}

// nextPow2 is the smallest power of two >= n.
func nextPow2(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

// checkFolds checks an explicit folding against the layers: PE in
// 1..nextPow2(MH) and SIMD in 1..nextPow2(MW) (so BNN-PYNQ's PE 16 on 10
// classes is allowed), dividing MH and MW under noPad.
func checkFolds(specs []denseSpec, folds []Fold, noPad bool) error {
	if len(folds) != len(specs) {
		return fmt.Errorf("hw: folding has %d entries for %d dense layers", len(folds), len(specs))
	}
	for i, s := range specs {
		d, f := s.dense, folds[i]
		switch {
		case f.PE < 1 || f.PE > nextPow2(d.Out):
			return fmt.Errorf("hw: layer %d %q: PE %d is outside 1..%d (MH = %d rounded up to a power of two)", i, d.Name, f.PE, nextPow2(d.Out), d.Out)
		case f.SIMD < 1 || f.SIMD > nextPow2(d.In):
			return fmt.Errorf("hw: layer %d %q: SIMD %d is outside 1..%d (MW = %d rounded up to a power of two)", i, d.Name, f.SIMD, nextPow2(d.In), d.In)
		case noPad && d.In%f.SIMD != 0:
			return fmt.Errorf("hw: layer %d %q: SIMD %d does not divide MW = %d and padding is off (--no-pad)", i, d.Name, f.SIMD, d.In)
		case noPad && d.Out%f.PE != 0:
			return fmt.Errorf("hw: layer %d %q: PE %d does not divide MH = %d and padding is off (--no-pad)", i, d.Name, f.PE, d.Out)
		}
	}
	return nil
}

// autoFolds folds every layer with AutoFold.
func autoFolds(specs []denseSpec, target int, noPad bool) []Fold {
	folds := make([]Fold, len(specs))
	for i, s := range specs {
		folds[i] = AutoFold(s.dense.In, s.dense.Out, target, noPad)
	}
	return folds
}

// AutoFold folds one MW x MH layer: the smallest PE*SIMD with
// ceil(MH/PE)*ceil(MW/SIMD) <= target, with PE | MH and SIMD | MW if noPad.
// Ties go to fewer cycles, then less padding (smaller MWp*MHp), then the
// larger SIMD. target <= 0 gives PE = SIMD = 1. PE = MH, SIMD = MW always
// meets a target >= 1, so there is always an answer.
func AutoFold(mw, mh, target int, noPad bool) Fold {
	if target <= 0 {
		return Fold{PE: 1, SIMD: 1}
	}
	pes := divisors(mh) // ascending
	best, bestKey := Fold{PE: mh, SIMD: mw}, [4]int{mh * mw, 1, mh * mw, -mw}
	for simd := 1; simd <= mw; simd++ {
		if noPad && mw%simd != 0 {
			continue
		}
		sf := ceilDiv(mw, simd)
		nfMax := target / sf
		if nfMax < 1 {
			continue
		}
		// The smallest PE with ceil(mh/PE) <= nfMax.
		pe := ceilDiv(mh, nfMax)
		if noPad {
			pe = 0
			for _, d := range pes {
				if mh/d <= nfMax {
					pe = d
					break
				}
			}
		}
		nf := ceilDiv(mh, pe)
		key := [4]int{pe * simd, nf * sf, nf * pe * sf * simd, -simd}
		if less(key, bestKey) {
			best, bestKey = Fold{PE: pe, SIMD: simd}, key
		}
	}
	return best
}

func less(a, b [4]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// divisors returns n's divisors in ascending order.
func divisors(n int) []int {
	var lo, hi []int
	for d := 1; d*d <= n; d++ {
		if n%d == 0 {
			lo = append(lo, d)
			if d != n/d {
				hi = append(hi, n/d)
			}
		}
	}
	for i := len(hi) - 1; i >= 0; i-- {
		lo = append(lo, hi[i])
	}
	return lo
}
