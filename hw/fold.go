package hw

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/qnn-dev/qnn/netlist"
)

// ReadFolds reads an explicit folding: a JSON array with one
// {"layer": NAME, "pe": P, "simd": S} object per folded layer (lstm, dense
// or conv2d), keyed by the layer's name, or without "layer" in every
// entry, one per folded layer in stream order (docs/hw-plan.md "Folding").
func ReadFolds(path string) ([]Fold, error) {
	var folds []Fold
	if err := decodeJSONFile(path, maxFoldFile, true, &folds); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("hw: %w", err)
		}
		return nil, fmt.Errorf("hw: %s: want a JSON array of {\"layer\": NAME, \"pe\": P, \"simd\": S}: %w", path, err)
	}
	if len(folds) == 0 {
		return nil, fmt.Errorf("hw: %s: empty folding (want one {\"layer\", \"pe\", \"simd\"} per dense or conv2d layer)", path)
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
// Options{TargetCycles: target, NoPad: noPad}: AutoFold per dense layer,
// autoFoldConv per conv layer (and a sequence model's lstm layer first,
// folded to cycles per token), at the target raised to the slowest stage's
// floor (docs/hw-plan.md "Folding").
func FoldsFromTarget(n *netlist.Network, target int, noPad bool) ([]Fold, error) {
	opt := Options{TargetCycles: target, NoPad: noPad}
	pre, err := prepare(n, &opt)
	if err != nil {
		return nil, err
	}
	return pre.balancedFolds(target, noPad, 0), nil
}

// nextPow2 is the smallest power of two >= n.
func nextPow2(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

// folded is a layer a folding names: its netlist name and the index its
// errors give (an MVTU's index; the lstm layer's netlist index).
type folded struct {
	name  string
	index int
}

// foldedLayers are the layers a folding folds, in stream order: the lstm
// layer of a sequence model, then the MVTU layers (dense and conv2d).
func (pre *prepared) foldedLayers() []folded {
	var ls []folded
	if pre.lstm != nil {
		ls = append(ls, folded{pre.lstm.base.Name, pre.lstm.layerIdx})
	}
	for i, s := range pre.specs {
		ls = append(ls, folded{s.name, i})
	}
	return ls
}

// foldedKinds names the kinds of the folded layers in errors.
func (pre *prepared) foldedKinds() (layers, kinds string) {
	if pre.lstm != nil {
		return "folded layers (lstm and dense)", "an lstm or dense"
	}
	return "MVTU layers (dense and conv2d)", "a dense or conv2d"
}

// resolveFolds orders an explicit folding by the folded layers: entries
// with Layer names map by name (every layer once, no unknown name); a
// folding without names maps by position. The result has no names.
func (pre *prepared) resolveFolds(folds []Fold) ([]Fold, error) {
	named := 0
	for _, f := range folds {
		if f.Layer != "" {
			named++
		}
	}
	layers, kinds := pre.foldedKinds()
	specs := pre.foldedLayers()
	if named == 0 {
		if len(folds) != len(specs) {
			return nil, fmt.Errorf("hw: folding has %d entries for %d %s", len(folds), len(specs), layers)
		}
		return folds, nil
	}
	if named != len(folds) {
		return nil, fmt.Errorf("hw: folding names the layer of %d of its %d entries: name all or none", named, len(folds))
	}
	byName := map[string]Fold{}
	for _, f := range folds {
		if _, dup := byName[f.Layer]; dup {
			return nil, fmt.Errorf("hw: folding names layer %q twice", f.Layer)
		}
		byName[f.Layer] = Fold{PE: f.PE, SIMD: f.SIMD}
	}
	out := make([]Fold, len(specs))
	for i, s := range specs {
		f, ok := byName[s.name]
		if !ok {
			return nil, fmt.Errorf("hw: layer %d %q: the folding has no entry for it", s.index, s.name)
		}
		out[i] = f
		delete(byName, s.name)
	}
	for name := range byName {
		return nil, fmt.Errorf("hw: folding names layer %q, which is not %s layer of the network", name, kinds)
	}
	return out, nil
}

// checkFolds checks an explicit folding (in stream order): the lstm
// layer's (lstmSpec.check), then the MVTU layers': PE in 1..nextPow2(MH)
// and SIMD in 1..nextPow2(MW) (so BNN-PYNQ's PE 16 on 10 classes is
// allowed), dividing MH and MW under noPad; a conv layer's SIMD must
// divide its input channels.
func (pre *prepared) checkFolds(folds []Fold, noPad bool) error {
	if pre.lstm != nil {
		if err := pre.lstm.check(folds[0], noPad); err != nil {
			return err
		}
	}
	return checkFolds(pre.specs, pre.mvtuFolds(folds), noPad)
}

// checkFolds checks the MVTU layers' folding (in MVTU order).
func checkFolds(specs []mvtuSpec, folds []Fold, noPad bool) error {
	for i, s := range specs {
		f := folds[i]
		switch {
		case f.PE < 1 || f.PE > nextPow2(s.mh):
			return fmt.Errorf("hw: layer %d %q: PE %d is outside 1..%d (MH = %d rounded up to a power of two)", i, s.name, f.PE, nextPow2(s.mh), s.mh)
		case f.SIMD < 1 || f.SIMD > nextPow2(s.mw):
			return fmt.Errorf("hw: layer %d %q: SIMD %d is outside 1..%d (MW = %d rounded up to a power of two)", i, s.name, f.SIMD, nextPow2(s.mw), s.mw)
		case s.conv != nil && s.conv.InC%f.SIMD != 0:
			return fmt.Errorf("hw: layer %d %q: SIMD %d does not divide the conv layer's %d input channels", i, s.name, f.SIMD, s.conv.InC)
		case noPad && s.mw%f.SIMD != 0:
			return fmt.Errorf("hw: layer %d %q: SIMD %d does not divide MW = %d and padding is off (--no-pad)", i, s.name, f.SIMD, s.mw)
		case noPad && s.mh%f.PE != 0:
			return fmt.Errorf("hw: layer %d %q: PE %d does not divide MH = %d and padding is off (--no-pad)", i, s.name, f.PE, s.mh)
		}
	}
	return nil
}

// autoFolds folds every layer against target: the lstm layer with
// lstmSpec.autoFold, the dense layers with AutoFold, the conv layers with
// autoFoldConv.
func (pre *prepared) autoFolds(target int, noPad bool) []Fold {
	var folds []Fold
	if pre.lstm != nil {
		folds = append(folds, pre.lstm.autoFold(target, noPad))
	}
	return append(folds, autoFolds(pre.specs, target, noPad)...)
}

// autoFolds folds every MVTU layer with AutoFold (dense) or autoFoldConv.
func autoFolds(specs []mvtuSpec, target int, noPad bool) []Fold {
	folds := make([]Fold, len(specs))
	for i, s := range specs {
		if s.conv != nil {
			folds[i] = autoFoldConv(s, target, noPad)
			continue
		}
		folds[i] = AutoFold(s.mw, s.mh, target, noPad)
	}
	return folds
}

// autoFoldConv folds a conv layer, whose SIMD must divide its input
// channels and which runs once per output pixel: the AutoFold rule over
// such SIMD on the layer's convCost (its window generator's input beats
// included), PE raised so that its output stays within the beats the
// planner schedules; without a fold within the target, the least cost.
func autoFoldConv(s mvtuSpec, target int, noPad bool) Fold {
	if target <= 0 {
		return Fold{PE: 1, SIMD: 1}
	}
	pix := s.pixels()
	best, bestKey := Fold{}, [4]int{}
	for _, simd := range divisors(s.conv.InC) {
		sf := ceilDiv(s.mw, simd)
		nfMax := min(max(1, target/(pix*sf)), max(1, maxScheduleBeats/pix))
		pe := min(s.mh, ceilDiv(s.mh, nfMax))
		if noPad {
			for _, d := range divisors(s.mh) {
				if s.mh/d <= nfMax || d == s.mh {
					pe = d
					break
				}
			}
		}
		nf := ceilDiv(s.mh, pe)
		key := [4]int{max(0, s.convCost(pe, simd)-target), pe * simd, nf * pe * sf * simd, -simd}
		if best.PE == 0 || less(key, bestKey) {
			best, bestKey = Fold{PE: pe, SIMD: simd}, key
		}
	}
	return best
}

// pixels is a conv layer's output pixels per frame (1 for a dense layer).
func (s mvtuSpec) pixels() int {
	if s.conv == nil {
		return 1
	}
	o := s.conv.OutShape(s.inShape.H, s.inShape.W)
	return o.H * o.W
}

// convCost is a conv layer's cycles per frame folded (pe, simd): its
// MVTU's pixels*NF*SF, or its window generator's input beats
// H*W*InC/SIMD when they are more (a strided window reads more pixels than
// it writes).
func (s mvtuSpec) convCost(pe, simd int) int {
	mvtu := s.pixels() * ceilDiv(s.mh, pe) * ceilDiv(s.mw, simd)
	return max(mvtu, s.inShape.H*s.inShape.W*(s.conv.InC/simd))
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
