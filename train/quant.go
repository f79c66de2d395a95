package train

import (
	"math"
	"math/rand/v2"
)

// Quantizers. Every quantizer is a monotone (non-decreasing) function of its
// input, which is what makes the threshold folding in fold.go exact.

// weightLevels is n for k-bit symmetric weights: integers in [-n, n], with
// n = 2^(k-1) - 1 (so 2 bits give ternary weights). 1-bit weights are -1/+1.
func weightLevels(bits int) int {
	if bits == 1 {
		return 1
	}
	return 1<<(bits-1) - 1
}

// weightInt is the integer a latent weight quantizes to: sign(w) with 0 ->
// +1 for 1 bit, else round(clip(w, -1, 1) * n), halves away from zero (so
// the quantizer is odd-symmetric).
func weightInt(w float32, bits int) int8 {
	if bits == 1 {
		if w >= 0 {
			return 1
		}
		return -1
	}
	n := float32(weightLevels(bits))
	w = min(max(w, -1), 1)
	return int8(math.Round(float64(w) * float64(n)))
}

// weightScale is the real value of one integer weight unit, 1/n.
func weightScale(bits int) float64 { return 1 / float64(weightLevels(bits)) }

// actLevels is the number of activation levels minus one, 2^k - 1.
func actLevels(bits int) int { return 1<<bits - 1 }

// actLevelOf quantizes a batch-norm output y: for 1 bit, level 1 (+1) if
// y >= 0 else level 0 (-1); for k bits, round(clip(y, 0, 1) * (2^k-1)),
// halves rounding up.
func actLevelOf(y float64, bits int) int {
	if bits == 1 {
		if y >= 0 {
			return 1
		}
		return 0
	}
	n := float64(actLevels(bits))
	y = min(max(y, 0), 1)
	return int(math.Floor(y*n + 0.5))
}

// actValue is the integer the next layer sees for a level: -1/+1 for 1 bit,
// the level itself (netlist Base 0) for k bits.
func actValue(level, bits int) float32 {
	if bits == 1 {
		return float32(2*level - 1)
	}
	return float32(level)
}

// actScale is the real value of one integer activation unit.
func actScale(bits int) float64 {
	if bits == 1 {
		return 1
	}
	return 1 / float64(actLevels(bits))
}

// activate applies the activation quantizer to y (float32 training path),
// writing real-valued activations to a.
func activate(a, y []float32, bits int) {
	if bits == 1 {
		// Branchless sign (the signs are random, so a branch would be
		// mispredicted half the time): 1.0 with v's sign bit; v+0 turns -0
		// into +0, and y >= 0 gives +1.
		a = a[:len(y)]
		for i, v := range y {
			a[i] = math.Float32frombits(0x3f800000 | math.Float32bits(v+0)&0x80000000)
		}
		return
	}
	n := float32(actLevels(bits))
	for i, v := range y {
		a[i] = float32(actLevelOf(float64(v), bits)) / n
	}
}

// activateGrad is the straight-through estimator: the gradient passes
// where the quantizer's input is inside its clipping range (|y| <= 1 for
// sign, 0 <= y <= 1 for k bits) and is cancelled elsewhere.
func activateGrad(d, y []float32, bits int) {
	if bits == 1 {
		// Branchless |y| > 1 test on the bits: keep is all ones where
		// |y| <= 1 and zero elsewhere.
		d = d[:len(y)]
		for i, v := range y {
			keep := uint32(int32(math.Float32bits(v)&0x7fffffff-0x3f800001) >> 31)
			d[i] = math.Float32frombits(math.Float32bits(d[i]) & keep)
		}
		return
	}
	lo := float32(-1)
	if bits > 1 {
		lo = 0
	}
	for i, v := range y {
		if v < lo || v > 1 {
			d[i] = 0
		}
	}
}

// quantizeGrad quantizes a gradient tensor to bits bits with stochastic
// rounding (DoReFa-Net): g -> 2m (Q(g/(2m) + 1/2 + noise) - 1/2), m = max|g|,
// with uniform noise of one quantization step.
func quantizeGrad(g []float32, bits int, rng *rand.Rand) {
	var m float32
	for _, v := range g {
		m = max(m, float32(math.Abs(float64(v))))
	}
	if m == 0 {
		return
	}
	n := float32(actLevels(bits))
	for i, v := range g {
		x := v/(2*m) + 0.5 + (float32(rng.Float64())-0.5)/n
		x = min(max(x, 0), 1)
		q := float32(math.Floor(float64(x*n)+0.5)) / n
		g[i] = 2 * m * (q - 0.5)
	}
}

// ap2 is the power-of-two approximation of shift-based batch norm and
// AdaMax: sign(x) * 2^round(log2|x|) (0 stays 0).
// It works on the bits: the exponent is rounded up when the mantissa is at
// least sqrt(2).
func ap2(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	b := math.Float64bits(x)
	e := b >> 52 & 0x7ff
	if e == 0 { // subnormal: not worth approximating
		return x
	}
	if b&(1<<52-1) >= 0x6a09e667f3bcd {
		e++
	}
	return math.Float64frombits(b&(1<<63) | e<<52)
}

// ap2f is ap2 for float32.
func ap2f(x float32) float32 {
	b := math.Float32bits(x)
	e := b >> 23 & 0xff
	if e == 0 || e == 0xff {
		return x
	}
	if b&(1<<23-1) >= 0x3504f3 {
		e++
	}
	return math.Float32frombits(b&(1<<31) | e<<23)
}

func pow(x, y float64) float64 { return math.Pow(x, y) }
