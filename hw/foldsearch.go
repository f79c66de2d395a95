package hw

import (
	"fmt"
	"slices"
)

// The resource-bounded auto folding (Options.MaxLUTs) and the balancing of
// a target against the stages that cannot meet it (docs/hw-plan.md
// "Folding").

// layerCost is MVTU layer s's cycles per frame folded f: NF*SF for a dense
// layer, convCost for a conv layer.
func (s mvtuSpec) layerCost(f Fold) int {
	if s.conv != nil {
		return s.convCost(f.PE, f.SIMD)
	}
	return ceilDiv(s.mh, f.PE) * ceilDiv(s.mw, f.SIMD)
}

// foldsCost is the largest layerCost of a folding (the lstm stage's
// cycles per token included): a lower bound of the plan's CyclesPerFrame.
func (pre *prepared) foldsCost(folds []Fold) int {
	c := 0
	if pre.lstm != nil {
		c = pre.lstm.base.cost(folds[0])
	}
	for i, s := range pre.specs {
		c = max(c, s.layerCost(pre.mvtuFolds(folds)[i]))
	}
	return c
}

// floorCycles is the fewest cycles per frame any folding reaches: a
// conv-first network's input beats (one pixel per beat), the input beats
// of an explicit InPix, each conv layer's least convCost (PE = MH), and a
// sequence model's lstm stage at its least cost.
func (pre *prepared) floorCycles(inPix int) int {
	if pre.lstm != nil {
		return pre.lstm.leastCost()
	}
	in := pre.net.InputLayer()
	floor := 1
	switch {
	case pre.specs[0].conv != nil:
		floor = in.Shape.H * in.Shape.W
	case inPix > 0:
		floor = ceilDiv(in.Shape.Size(), inPix)
	}
	for _, s := range pre.specs {
		if s.conv == nil {
			continue
		}
		least := 0
		for _, simd := range divisors(s.conv.InC) {
			if c := s.convCost(s.mh, simd); least == 0 || c < least {
				least = c
			}
		}
		floor = max(floor, least)
	}
	return floor
}

// balancedFolds is the auto folding of a target: every layer folded to the
// target raised to floorCycles, so that no layer is unrolled beyond the
// rate a stage that cannot meet the target sets anyway. target <= 0 gives
// PE = SIMD = 1.
func (pre *prepared) balancedFolds(target int, noPad bool, inPix int) []Fold {
	if target > 0 {
		target = max(target, pre.floorCycles(inPix))
	}
	return pre.autoFolds(target, noPad)
}

// targetCandidates are the targets whose auto foldings are every balanced
// auto folding there is: autoFolds changes only where the target reaches
// some layer's cost at some (PE, SIMD), so these costs in ascending order
// from max(target, floorCycles) up (that target itself first) cover every
// folding of every target at or above it. The largest gives PE = SIMD = 1
// wherever that is a valid folding.
func (pre *prepared) targetCandidates(target int, noPad bool, inPix int) []int {
	target = max(target, pre.floorCycles(inPix))
	set := map[int]bool{}
	if pre.lstm != nil {
		for _, c := range pre.lstm.costs(noPad) {
			set[c] = true
		}
	}
	for _, s := range pre.specs {
		for _, c := range s.costs(noPad) {
			set[c] = true
		}
	}
	var out []int
	for c := range set {
		if c > target {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return append([]int{target}, out...)
}

// costs are every layerCost of the layer over its foldings (PE in 1..MH,
// SIMD in 1..MW, or the divisors under noPad; a conv layer's SIMD a divisor
// of its input channels).
func (s mvtuSpec) costs(noPad bool) []int {
	nfs := distinctCeil(s.mh, noPad)
	var out []int
	if s.conv != nil {
		for _, simd := range divisors(s.conv.InC) {
			for _, nf := range nfs {
				out = append(out, max(s.pixels()*nf*ceilDiv(s.mw, simd), s.inShape.H*s.inShape.W*(s.conv.InC/simd)))
			}
		}
		return out
	}
	for _, sf := range distinctCeil(s.mw, noPad) {
		for _, nf := range nfs {
			out = append(out, nf*sf)
		}
	}
	return out
}

// distinctCeil is the distinct values of ceil(n/d) over d in 1..n (the
// divisors of n under exact).
func distinctCeil(n int, exact bool) []int {
	seen := map[int]bool{}
	var out []int
	for d := 1; d <= n; d++ {
		if exact && n%d != 0 {
			continue
		}
		if q := ceilDiv(n, d); !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	return out
}

// fastestWithin is NewPlan with Options.MaxLUTs: among the auto foldings of
// targetCandidates, the plan with the fewest CyclesPerFrame whose
// Estimate.LUT is at most MaxLUTs (ties: the smaller estimate, then the
// smaller target). Candidates are tried in ascending target; a folding's
// foldsCost never falls as the target rises, so the search stops once it
// exceeds the best plan's cycles. Foldings the planner refuses (a stream
// beyond the beats it schedules) are skipped.
func (pre *prepared) fastestWithin(opt Options) (*Plan, error) {
	cache := newLayerCache()
	var best, smallest *Plan
	var prev []Fold
	var refused error
	for _, t := range pre.targetCandidates(opt.TargetCycles, opt.NoPad, opt.InPix) {
		folds := pre.autoFolds(t, opt.NoPad)
		if slices.Equal(folds, prev) {
			continue
		}
		prev = folds
		if best != nil && pre.foldsCost(folds) > best.CyclesPerFrame {
			break
		}
		p, err := pre.build(folds, opt, cache)
		if err != nil {
			refused = err
			continue
		}
		if smallest == nil || p.Estimate.LUT < smallest.Estimate.LUT {
			smallest = p
		}
		if p.Estimate.LUT <= opt.MaxLUTs && (best == nil || p.CyclesPerFrame < best.CyclesPerFrame ||
			(p.CyclesPerFrame == best.CyclesPerFrame && p.Estimate.LUT < best.Estimate.LUT)) {
			best = p
		}
	}
	switch {
	case best != nil:
		return best, nil
	case smallest == nil:
		return nil, fmt.Errorf("hw: no auto folding of the network is plannable: %w", trimHW(refused))
	}
	return nil, fmt.Errorf("hw: no auto folding fits in %d LUTs: the smallest estimate is %d LUTs (%d cycles/frame)",
		opt.MaxLUTs, smallest.Estimate.LUT, smallest.CyclesPerFrame)
}
