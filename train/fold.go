package train

import (
	"slices"
)

// foldChannel returns hidden channel c's 2^k-1 integer thresholds on its
// accumulator (ascending) and whether the channel is reversed, for the
// reachable accumulator range [lo, hi].
//
// Threshold j is where the predicate level(z) >= j changes. level is
// monotone in z: non-decreasing for a positive batch-norm scale (the
// netlist's acc >= T), non-increasing for a negative one (reversed,
// acc <= T), constant for a zero scale. The thresholds are found by binary
// search on the very function the inference path evaluates, so they agree
// with it for every integer z by construction; no division or rounding of
// (c - beta)/gamma is involved. A predicate that holds everywhere gives
// T = lo (always), one that holds nowhere T = hi+1 (never; lo-1 if
// reversed), so the netlist's accumulator width is one bit wider than the
// reachable range.
func (f *infLayer) foldChannel(c int, lo, hi int64) ([]int64, bool) {
	k := actLevels(f.abits)
	t := make([]int64, k)
	rev := f.gamma[c] < 0
	for j := 1; j <= k; j++ {
		reached := func(z int64) bool { return f.level(c, z) >= j }
		switch {
		case f.gamma[c] == 0:
			t[j-1] = hi + 1
			if reached(lo) {
				t[j-1] = lo
			}
		case !rev:
			t[j-1] = hi + 1
			if reached(hi) {
				t[j-1] = firstTrue(lo, hi, reached)
			}
		default:
			t[j-1] = lo - 1
			if reached(lo) {
				// largest z with reached(z): one below the first z where it fails
				t[j-1] = firstTrue(lo, hi+1, func(z int64) bool { return z > hi || !reached(z) }) - 1
			}
		}
	}
	slices.Sort(t)
	return t, rev
}

// firstTrue returns the smallest z in [lo, hi] with p(z), for a predicate
// that is false then true on [lo, hi] and true at hi.
func firstTrue(lo, hi int64, p func(int64) bool) int64 {
	for lo < hi {
		mid := lo + (hi-lo)/2
		if p(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
