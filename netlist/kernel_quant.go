package netlist

import "fmt"

// kernelThresholds holds a multi-threshold layer's thresholds for the
// quantize kernels: as the layer has them, and transposed for the vector
// kernels, which count, for 8 channels at once, the thresholds an
// accumulator reaches.
type kernelThresholds struct {
	channels, k int
	t           []int64 // channel c's ascending thresholds at t[c*k:][:k]
	rev         []bool  // reversed channels (level = thresholds >= acc)
	// tt: threshold j of channel c = 8g+i at tt[(g*k+j)*8+i], negated for
	// reversed channels (t >= v <=> -t <= -v); padding channels are 0.
	tt []int64
	// neg is -1 for reversed channels and 0 otherwise, padded like tt.
	neg []int64
}

func newKernelThresholds(t []int64, rev []bool, channels, k int) *kernelThresholds {
	groups := (channels + 7) / 8
	kt := &kernelThresholds{channels: channels, k: k, t: t, rev: rev,
		tt: make([]int64, groups*k*8), neg: make([]int64, groups*8)}
	for c := 0; c < channels; c++ {
		g, i := c/8, c%8
		for j, v := range t[c*k : (c+1)*k] {
			if rev[c] {
				v = -v
			}
			kt.tt[(g*k+j)*8+i] = v
		}
		if rev[c] {
			kt.neg[c] = -1
		}
	}
	return kt
}

func checkQuantize(acc []int64, ast, nimg, c0, rows int, kt *kernelThresholds, nq int, dst []uint64, dstStride, planeStride, wi int) {
	if rows < 1 || rows > 64 || c0%8 != 0 || c0 < 0 || c0+rows > kt.channels || nq < 1 || nq > MaxActBits || nimg < 0 || wi < 0 ||
		(nimg > 0 && (len(acc) < (nimg-1)*ast+rows || len(dst) < (nimg-1)*dstStride+(nq-1)*planeStride+wi+1)) {
		panic(fmt.Sprintf("netlist: quantize channels %d+%d of %d into %d planes, %d entries (acc stride %d in %d, dst stride %d plane stride %d word %d in %d)",
			c0, rows, kt.channels, nq, nimg, ast, len(acc), dstStride, planeStride, wi, len(dst)))
	}
}

// goQuantize sets, for nimg entries, dst[e*dstStride+q*planeStride+wi] to
// plane q of the levels of channels c0..c0+rows, whose accumulators are
// acc[e*ast:][:rows]; bits past rows are 0.
func goQuantize(acc []int64, ast, nimg, c0, rows int, kt *kernelThresholds, nq int, dst []uint64, dstStride, planeStride, wi int) {
	checkQuantize(acc, ast, nimg, c0, rows, kt, nq, dst, dstStride, planeStride, wi)
	k := kt.k
	half := (k + 1) / 2
	for b := 0; b < nimg; b++ {
		var planes [MaxActBits]uint64
		for i, v := range acc[b*ast : b*ast+rows] {
			c := c0 + i
			t := kt.t[c*k : (c+1)*k]
			var level int
			if kt.rev[c] {
				level = k - fastCountLE(t, v-1, half) // thresholds >= v
			} else {
				level = fastCountLE(t, v, half) // thresholds <= v
			}
			for q := 0; q < nq; q++ {
				planes[q] |= uint64(level>>q&1) << (i & 63)
			}
		}
		for q := 0; q < nq; q++ {
			dst[b*dstStride+q*planeStride+wi] = planes[q]
		}
	}
}
