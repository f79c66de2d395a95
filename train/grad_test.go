package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// fdCheck compares an analytic gradient with central finite differences of
// f with respect to p[i] for a few indices.
func fdCheck(t *testing.T, name string, p []float32, grad []float32, f func() float64, rng *rand.Rand) {
	t.Helper()
	const h = 1e-2
	for n := 0; n < 12 && n < len(p); n++ {
		i := rng.IntN(len(p))
		orig := p[i]
		p[i] = orig + h
		fp := f()
		p[i] = orig - h
		fm := f()
		p[i] = orig
		num := (fp - fm) / (2 * h)
		if d := math.Abs(num - float64(grad[i])); d > 2e-2*math.Max(1, math.Abs(num)) {
			t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", name, i, grad[i], num)
		}
	}
}

func TestLossGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const rows, classes = 7, 10
	for _, kind := range []string{"hinge", "xent"} {
		t.Run(kind, func(t *testing.T) {
			y := randSlice(rng, rows*classes)
			labels := make([]byte, rows)
			for i := range labels {
				labels[i] = byte(rng.IntN(classes))
			}
			d := make([]float32, len(y))
			lossGrad(kind, y, labels, rows, classes, d)
			scratch := make([]float32, len(y))
			f := func() float64 { l, _ := lossGrad(kind, y, labels, rows, classes, scratch); return l }
			fdCheck(t, "dL/dy", y, d, f, rng)
		})
	}
}

// TestDenseBNGradient checks dense + batch norm (hidden per-channel and
// output shared-scale, plain and shift-based) against finite differences
// of L = sum(r * y) with unquantized weights.
func TestDenseBNGradient(t *testing.T) {
	tests := []struct {
		hidden, shift bool
	}{{true, false}, {false, false}, {true, true}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("hidden=%v/shift=%v", tt.hidden, tt.shift), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 14))
			const rows, in, out = 9, 13, 6
			l := &Layer{In: in, Out: out, WBits: 1, InScale: 1, W: randSlice(rng, in*out),
				Beta: randSlice(rng, out), Mean: make([]float64, out)}
			nv := 1
			if tt.hidden {
				l.ABits, nv = 1, out
			}
			l.Gamma, l.Var = randSlice(rng, nv), make([]float64, nv)
			l.prepare()
			l.ensureBuffers(rows)
			x := randSlice(rng, rows*in)
			r := randSlice(rng, rows*out)
			forward := func() float64 {
				copy(l.wq, l.W) // unquantized: the linear part alone
				l.forwardLinear(x, rows, 1)
				l.bnForward(rows, tt.shift, 1)
				var s float64
				for i, v := range l.c.y[:rows*out] {
					s += float64(r[i] * v)
				}
				return s
			}
			forward()
			d := l.c.dz[:rows*out]
			copy(d, r)
			l.bnBackward(d, rows, tt.shift, 1)
			dx := make([]float32, rows*in)
			l.backwardLinear(d, rows, dx, 1)
			gW, gG, gB := append([]float32(nil), l.gW...), append([]float32(nil), l.gG...), append([]float32(nil), l.gB...)
			if tt.shift {
				// The power-of-two approximations make L piecewise
				// constant in gamma and the variance: only the shift and
				// the straight-through structure can be checked.
				fdCheck(t, "dL/dbeta", l.Beta, gB, forward, rng)
				return
			}
			fdCheck(t, "dL/dx", x, dx, forward, rng)
			fdCheck(t, "dL/dW", l.W, gW, forward, rng)
			fdCheck(t, "dL/dgamma", l.Gamma, gG, forward, rng)
			fdCheck(t, "dL/dbeta", l.Beta, gB, forward, rng)
		})
	}
}

func TestWeightQuantizer(t *testing.T) {
	tests := []struct {
		w    float32
		bits int
		want int8
	}{
		{0, 1, 1}, {-0.0001, 1, -1}, {0.3, 1, 1}, {-1, 1, -1},
		{0.49, 2, 0}, {0.5, 2, 1}, {-0.5, 2, -1}, {-0.49, 2, 0}, {3, 2, 1},
		{1, 4, 7}, {-1, 4, -7}, {0.5, 4, 4}, {-2, 4, -7}, {1.0 / 14, 4, 1},
	}
	for _, tt := range tests {
		if got := weightInt(tt.w, tt.bits); got != tt.want {
			t.Errorf("weightInt(%v, %d) = %d, want %d", tt.w, tt.bits, got, tt.want)
		}
	}
}

func TestActivationQuantizer(t *testing.T) {
	tests := []struct {
		y    float64
		bits int
		want int
	}{
		{0, 1, 1}, {-1e-9, 1, 0}, {5, 1, 1}, {-5, 1, 0},
		{-0.3, 2, 0}, {1.0 / 6, 2, 1}, {0.16, 2, 0}, {0.5, 2, 2}, {0.99, 2, 3}, {7, 2, 3},
		{1.0 / 30, 4, 1}, {0.5, 4, 8}, {1, 4, 15},
	}
	for _, tt := range tests {
		if got := actLevelOf(tt.y, tt.bits); got != tt.want {
			t.Errorf("actLevelOf(%v, %d) = %d, want %d", tt.y, tt.bits, got, tt.want)
		}
	}
	// The float32 training path agrees with the inference path.
	for _, bits := range []int{1, 2, 4} {
		y := []float32{-2, -1, -0.2, 0, 0.1, 0.5, 0.9, 1, 3}
		a := make([]float32, len(y))
		activate(a, y, bits)
		for i, v := range y {
			want := actValue(actLevelOf(float64(v), bits), bits)
			if bits > 1 {
				want /= float32(actLevels(bits))
			}
			if a[i] != want {
				t.Errorf("bits %d: activate(%v) = %v, want %v", bits, v, a[i], want)
			}
		}
	}
}

func TestStraightThrough(t *testing.T) {
	y := []float32{-1.5, -1, -0.5, 0, 0.5, 1, 1.5}
	tests := []struct {
		bits int
		want []float32
	}{
		{1, []float32{0, 1, 1, 1, 1, 1, 0}},
		{2, []float32{0, 0, 0, 1, 1, 1, 0}},
	}
	for _, tt := range tests {
		d := []float32{1, 1, 1, 1, 1, 1, 1}
		activateGrad(d, y, tt.bits)
		for i := range d {
			if d[i] != tt.want[i] {
				t.Errorf("bits %d: gradient at y=%v is %v, want %v", tt.bits, y[i], d[i], tt.want[i])
			}
		}
	}
}

func TestGradientQuantizer(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	g := randSlice(rng, 10000)
	orig := append([]float32(nil), g...)
	quantizeGrad(g, 6, rng)
	var m float32
	for _, v := range orig {
		m = max(m, float32(math.Abs(float64(v))))
	}
	levels := map[float32]bool{}
	var bias float64
	for i, v := range g {
		levels[v] = true
		if math.Abs(float64(v-orig[i])) > float64(2*m/63)+1e-6 {
			t.Fatalf("element %d: %v quantized to %v, more than one step away", i, orig[i], v)
		}
		bias += float64(v - orig[i])
	}
	if len(levels) > 64 {
		t.Errorf("%d distinct values, want at most 64", len(levels))
	}
	if bias /= float64(len(g)); math.Abs(bias) > 0.01 {
		t.Errorf("mean rounding error %v: stochastic rounding should be unbiased", bias)
	}
}

func TestAP2(t *testing.T) {
	tests := []struct{ x, want float64 }{
		{1, 1}, {1.4, 1}, {1.42, 2}, {3, 4}, {-0.3, -0.25}, {0, 0}, {0.7, 0.5}, {0.71, 1},
	}
	for _, tt := range tests {
		if got := ap2(tt.x); got != tt.want {
			t.Errorf("ap2(%v) = %v, want %v", tt.x, got, tt.want)
		}
		if got := ap2f(float32(tt.x)); got != float32(tt.want) {
			t.Errorf("ap2f(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
}
