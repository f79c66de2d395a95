package train

import "math"

// optimState is one parameter tensor's optimizer state: Adam's moments, or
// AdaMax's first moment (M) and infinity norm (V).
type optimState struct {
	M, V []float32
	T    int // steps taken
}

func newOptimState(n int) *optimState {
	return &optimState{M: make([]float32, n), V: make([]float32, n)}
}

const (
	adamBeta1 = 0.9
	adamBeta2 = 0.999
	adamEps   = 1e-8
)

// step updates p with gradient g at learning rate lr, then clips p to
// [-1, 1] if clip (latent weights). kind is "adam" or "shift-adamax". Large
// tensors are split across threads goroutines; every element's update is
// independent, so the result does not depend on threads.
func (s *optimState) step(kind string, p, g []float32, lr float64, clip bool, threads int) {
	s.T++
	t := float64(s.T)
	var upd func(lo, hi int)
	if kind == "shift-adamax" {
		// Shift-based AdaMax: the step size and 1/u are powers of two, so
		// the update needs only shifts and adds in fixed point.
		alpha := float32(ap2(lr / (1 - math.Pow(adamBeta1, t))))
		upd = func(lo, hi int) { s.adamaxRange(p, g, alpha, clip, lo, hi) }
	} else {
		lrt := float32(lr * math.Sqrt(1-math.Pow(adamBeta2, t)) / (1 - math.Pow(adamBeta1, t)))
		upd = func(lo, hi int) { s.adamRange(p, g, lrt, clip, lo, hi) }
	}
	parallelRange(len(p), threads, upd)
}

func (s *optimState) adamRange(p, g []float32, lrt float32, clip bool, lo, hi int) {
	lim := float32(math.Inf(1))
	if clip {
		lim = 1
	}
	k := [8]float32{adamBeta1, 1 - adamBeta1, adamBeta2, 1 - adamBeta2, lrt, adamEps, -lim, lim}
	p, g, m, v := p[lo:hi:hi], g[lo:hi:hi], s.M[lo:hi:hi], s.V[lo:hi:hi]
	n := adamVec(p, g, m, v, &k)
	adamRangeGo(p[n:], g[n:], m[n:], v[n:], &k)
}

// adamRangeGo is the Adam update with constants k = {b1, 1-b1, b2, 1-b2,
// lrt, eps, lo, hi}: the moments, then p - lrt*m/(sqrt(v)+eps) clamped to
// [lo, hi]. Every operation is rounded to float32 on its own (the explicit
// conversions forbid fused multiply-adds), exactly as the assembly version.
func adamRangeGo(p, g, m, v []float32, k *[8]float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		mi := float32(k[0]*m[i]) + float32(k[1]*gi)
		vi := float32(k[2]*v[i]) + float32(float32(k[3]*gi)*gi)
		m[i], v[i] = mi, vi
		d := float32(math.Sqrt(float64(vi))) + k[5]
		x := p[i] - float32(k[4]*mi)/d
		if x < k[6] {
			x = k[6]
		}
		if x > k[7] {
			x = k[7]
		}
		p[i] = x
	}
}

func (s *optimState) adamaxRange(p, g []float32, alpha float32, clip bool, lo, hi int) {
	p = p[lo:hi:hi]
	m, u, g := s.M[lo:hi:hi], s.V[lo:hi:hi], g[lo:hi:hi]
	m, u, g = m[:len(p)], u[:len(p)], g[:len(p)]
	for i := range p {
		gi := g[i]
		m[i] = adamBeta1*m[i] + (1-adamBeta1)*gi
		u[i] = max(adamBeta2*u[i], float32(math.Abs(float64(gi))))
		if u[i] == 0 {
			continue
		}
		x := p[i] - alpha*m[i]*ap2f(1/u[i])
		if clip {
			x = clip1(x)
		}
		p[i] = x
	}
}

// clip1 clips x to [-1, 1] (cheaper than the min and max builtins, which
// order NaNs and signed zeros).
func clip1(x float32) float32 {
	if x > 1 {
		return 1
	}
	if x < -1 {
		return -1
	}
	return x
}
