package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

func TestParseLayers(t *testing.T) {
	good := []struct {
		s    string
		want Stack
	}{
		{"c64,c64,p2,f512,f10", Stack{Convs: []ConvSpec{{64, 3, 1, 0, 0}, {64, 3, 1, 0, 2}}, Dense: []int{512, 10}}},
		{"c8k5s2p2,p3,f32,f10", Stack{Convs: []ConvSpec{{8, 5, 2, 2, 3}}, Dense: []int{32, 10}}},
		{" c16k1 , f7,f10", Stack{Convs: []ConvSpec{{16, 1, 1, 0, 0}}, Dense: []int{7, 10}}},
		{"f64,f10", Stack{Dense: []int{64, 10}}},
	}
	for _, tt := range good {
		got, err := ParseLayers(tt.s)
		if err != nil {
			t.Errorf("ParseLayers(%q): %v", tt.s, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseLayers(%q) mismatch (-want +got):\n%s", tt.s, diff)
		}
	}
	for _, s := range []string{"", "c64", "c64,f10", "p2,f5,f10", "c4,p2,p2,f5,f10", "f5,c4,f10", "c0,f5,f10",
		"c4x,f5,f10", "c4k0,f5,f10", "c4,f5,f9", "c4,,f5,f10", "x4,f5,f10", "c4k,f5,f10", "c4,f5,p2,f10"} {
		if _, err := ParseLayers(s); err == nil {
			t.Errorf("ParseLayers(%q) accepted a bad layer string", s)
		}
	}
}

// TestIm2colAdjoint: col2im is the adjoint of im2col without padding
// (<im2col(x), c> = <x, col2im(c)>), and im2col puts the padding value
// exactly where a window leaves the image.
func TestIm2colAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, g := range []ConvShape{
		{ConvSpec: ConvSpec{Out: 1, K: 3, Stride: 1}, InC: 2, InH: 6, InW: 5},
		{ConvSpec: ConvSpec{Out: 1, K: 3, Stride: 2, Pad: 1}, InC: 3, InH: 7, InW: 7},
		{ConvSpec: ConvSpec{Out: 1, K: 2, Stride: 3, Pad: 2}, InC: 1, InH: 5, InW: 8},
	} {
		g.OH, g.OW = (g.InH+2*g.Pad-g.K)/g.Stride+1, (g.InW+2*g.Pad-g.K)/g.Stride+1
		const rows = 3
		rl := g.K * g.K * g.InC
		x := randSlice(rng, rows*g.InH*g.InW*g.InC)
		c := randSlice(rng, rows*g.OH*g.OW*rl)
		col := make([]float32, len(c))
		im2col(col, x, rows, &g, 0, 1)
		dx := make([]float32, len(x))
		col2im(dx, c, rows, &g, 1)
		var a, b float64
		for i := range c {
			a += float64(col[i]) * float64(c[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(dx[i])
		}
		if math.Abs(a-b) > 1e-3*math.Max(1, math.Abs(a)) {
			t.Errorf("%+v: <im2col(x), c> = %g, <x, col2im(c)> = %g", g, a, b)
		}
		// Every element equals its definition, pad value 7 outside.
		im2col(col, x, rows, &g, 7, 1)
		for bi := 0; bi < rows; bi++ {
			for p := 0; p < g.OH*g.OW; p++ {
				oh, ow := p/g.OW, p%g.OW
				for j := 0; j < rl; j++ {
					kh, kw, ch := j/(g.K*g.InC), j/g.InC%g.K, j%g.InC
					ih, iw := oh*g.Stride-g.Pad+kh, ow*g.Stride-g.Pad+kw
					want := float32(7)
					if ih >= 0 && ih < g.InH && iw >= 0 && iw < g.InW {
						want = x[bi*g.InH*g.InW*g.InC+(ih*g.InW+iw)*g.InC+ch]
					}
					if got := col[(bi*g.OH*g.OW+p)*rl+j]; got != want {
						t.Fatalf("%+v: image %d pixel %d element %d = %v, want %v", g, bi, p, j, got, want)
					}
				}
			}
		}
	}
}

// TestPatchGemm: the GEMM reading patches on the fly (patchView, as
// training and inference use it) gives bit-identical products to the GEMM
// on the im2col matrix, with the patches as A (forward) and as B (weight
// gradient), on 1 and 2 threads, with padding and strides.
func TestPatchGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, g := range []ConvShape{
		{ConvSpec: ConvSpec{Out: 37, K: 3, Stride: 1}, InC: 64, InH: 9, InW: 8},
		{ConvSpec: ConvSpec{Out: 5, K: 5, Stride: 2, Pad: 2}, InC: 3, InH: 13, InW: 11},
		{ConvSpec: ConvSpec{Out: 70, K: 3, Stride: 1, Pad: 1}, InC: 30, InH: 12, InW: 12},
	} {
		g.OH, g.OW = (g.InH+2*g.Pad-g.K)/g.Stride+1, (g.InW+2*g.Pad-g.K)/g.Stride+1
		const rows = 5
		rl, n := g.K*g.K*g.InC, rows*g.OH*g.OW
		x := randSlice(rng, rows*g.InH*g.InW*g.InC)
		w := randSlice(rng, g.Out*rl)
		d := randSlice(rng, n*g.Out)
		col := make([]float32, n*rl)
		im2col(col, x, rows, &g, 1, 1)
		for _, th := range []int{1, 2} {
			want, got := make([]float32, n*g.Out), make([]float32, n*g.Out)
			gemm(n, g.Out, rl, rowMajor(col, rl), transposed(w, rl), want, g.Out, false, th)
			gemm(n, g.Out, rl, patches(x, &g, 1), transposed(w, rl), got, g.Out, false, th)
			wantW, gotW := make([]float32, g.Out*rl), make([]float32, g.Out*rl)
			gemm(g.Out, rl, n, transposed(d, g.Out), rowMajor(col, rl), wantW, rl, false, th)
			gemm(g.Out, rl, n, transposed(d, g.Out), patches(x, &g, 1), gotW, rl, false, th)
			if !slices.Equal(want, got) || !slices.Equal(wantW, gotW) {
				t.Errorf("%+v, %d threads: patch-view GEMM differs from the im2col GEMM", g, th)
			}
		}
	}
}

// TestInputGradChunks: the chunked input gradient (Conv.inputGrad) gives
// the bits of the whole-batch patch gradient followed by col2im, for any
// thread count, large and small layers.
func TestInputGradChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, g := range []ConvShape{
		{ConvSpec: ConvSpec{Out: 37, K: 3, Stride: 1}, InC: 64, InH: 18, InW: 17},
		{ConvSpec: ConvSpec{Out: 5, K: 5, Stride: 2, Pad: 2}, InC: 3, InH: 13, InW: 11},
		{ConvSpec: ConvSpec{Out: 20, K: 3, Stride: 1}, InC: 8, InH: 3, InW: 3},
	} {
		g.OH, g.OW = (g.InH+2*g.Pad-g.K)/g.Stride+1, (g.InW+2*g.Pad-g.K)/g.Stride+1
		const rows = 7
		c := newConv(g, 1, 1, 1, 1, rng)
		rl, n := g.K*g.K*g.InC, rows*g.OH*g.OW
		c.L.wq = randSlice(rng, g.Out*rl)
		d := randSlice(rng, n*g.Out)
		dcol, want := make([]float32, n*rl), make([]float32, rows*c.inSize())
		gemm(n, rl, g.Out, rowMajor(d, g.Out), rowMajor(c.L.wq, rl), dcol, rl, false, 1)
		col2im(want, dcol, rows, &g, 1)
		for _, th := range []int{1, 2, 3} {
			got := randSlice(rng, rows*c.inSize())
			c.inputGrad(got, d, rows, th)
			if !slices.Equal(want, got) {
				t.Errorf("%+v, %d threads: chunked input gradient differs", g, th)
			}
		}
	}
}

// TestConvGradient checks convolution + per-channel batch norm (+ max-pool)
// against finite differences of L = sum(r * y) with unquantized weights,
// y the (pooled) batch-norm output.
func TestConvGradient(t *testing.T) {
	for _, s := range []ConvSpec{
		{Out: 5, K: 3, Stride: 1},
		{Out: 4, K: 3, Stride: 2, Pad: 1, Pool: 2},
		{Out: 3, K: 2, Stride: 1, Pad: 1, Pool: 3},
	} {
		t.Run(fmt.Sprintf("%+v", s), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(33, 34))
			g := ConvShape{ConvSpec: s, InC: 3, InH: 7, InW: 6}
			g.OH, g.OW = (g.InH+2*g.Pad-g.K)/g.Stride+1, (g.InW+2*g.Pad-g.K)/g.Stride+1
			g.PH, g.PW = g.OH, g.OW
			if s.Pool > 0 {
				g.PH, g.PW = g.OH/s.Pool, g.OW/s.Pool
			}
			c := newConv(g, 1, 1, 1, 0.5, rng)
			c.L.Gamma, c.L.Beta = randSlice(rng, s.Out), randSlice(rng, s.Out)
			c.L.prepare()
			const rows = 4
			x := randSlice(rng, rows*c.inSize())
			r := randSlice(rng, rows*c.outSize())
			col := make([]float32, rows*c.pixels()*c.L.In)
			forward := func() float64 {
				c.ensureBuffers(rows)
				copy(c.L.wq, c.L.W)
				im2col(col, x, rows, &c.ConvShape, c.PadValue, 1)
				c.L.forwardLinear(col, rows*c.pixels(), 1)
				c.L.bnForward(rows*c.pixels(), false, 2)
				y := c.L.c.y[:rows*c.pixels()*s.Out]
				if s.Pool > 0 {
					maxPoolForward(c.yp, c.idx, y, rows, g.OH, g.OW, s.Out, s.Pool)
					y = c.yp
				}
				var sum float64
				for i, v := range y[:len(r)] {
					sum += float64(r[i] * v)
				}
				return sum
			}
			forward()
			dy := c.dy[:rows*c.pixels()*s.Out]
			if s.Pool > 0 {
				maxPoolBackward(dy, c.idx, r, 0)
			} else {
				copy(dy, r)
			}
			c.L.bnBackward(dy, rows*c.pixels(), false, 2)
			dcol := make([]float32, len(col))
			c.L.backwardLinear(dy, rows*c.pixels(), dcol, 1)
			dx := make([]float32, len(x))
			col2im(dx, dcol, rows, &c.ConvShape, 1)
			gW, gG, gB := append([]float32(nil), c.L.gW...), append([]float32(nil), c.L.gG...), append([]float32(nil), c.L.gB...)
			fdCheck(t, "dL/dx", x, dx, forward, rng)
			fdCheck(t, "dL/dW", c.L.W, gW, forward, rng)
			fdCheck(t, "dL/dgamma", c.L.Gamma, gG, forward, rng)
			fdCheck(t, "dL/dbeta", c.L.Beta, gB, forward, rng)
		})
	}
}

// TestMaxPoolGradient checks the pool alone against finite differences
// and against its definition (odd sizes: the last row and column dropped).
func TestMaxPoolGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	const rows, h, w, ch, k = 2, 5, 7, 3, 2
	ph, pw := h/k, w/k
	y := randSlice(rng, rows*h*w*ch)
	out := make([]float32, rows*ph*pw*ch)
	idx := make([]int32, len(out))
	r := randSlice(rng, len(out))
	f := func() float64 {
		maxPoolForward(out, idx, y, rows, h, w, ch, k)
		var s float64
		for i, v := range out {
			s += float64(r[i] * v)
		}
		return s
	}
	f()
	for b := 0; b < rows; b++ {
		for oh := 0; oh < ph; oh++ {
			for ow := 0; ow < pw; ow++ {
				for c := 0; c < ch; c++ {
					want := float32(math.Inf(-1))
					for i := 0; i < k; i++ {
						for j := 0; j < k; j++ {
							want = max(want, y[((b*h+oh*k+i)*w+ow*k+j)*ch+c])
						}
					}
					if got := out[((b*ph+oh)*pw+ow)*ch+c]; got != want {
						t.Fatalf("pool(%d,%d,%d,%d) = %v, want %v", b, oh, ow, c, got, want)
					}
				}
			}
		}
	}
	d := make([]float32, len(y))
	maxPoolBackward(d, idx, r, 0)
	fdCheck(t, "dL/dy", y, d, f, rng)
}

// randomizeConvBN gives every convolution and dense layer random batch-norm
// statistics and parameters, with negative and zero scales.
func randomizeConvBN(m *Model, rng *rand.Rand) {
	layers := append([]*Layer{}, m.Layers...)
	for _, c := range m.Convs {
		layers = append(layers, c.L)
	}
	for _, l := range layers {
		for c := range l.Beta {
			l.Beta[c] = float32(rng.NormFloat64() * 0.5)
			l.Mean[c] = rng.NormFloat64() * 2
		}
		for c := range l.Gamma {
			l.Gamma[c] = float32(rng.NormFloat64())
			switch rng.IntN(10) {
			case 0:
				l.Gamma[c] = 0
			case 1, 2:
				l.Gamma[c] = -float32(math.Abs(float64(l.Gamma[c])))
			}
			if !l.Hidden() {
				l.Gamma[c] = float32(math.Abs(float64(l.Gamma[c]))) + 0.1
			}
			l.Var[c] = math.Exp(rng.NormFloat64())
		}
	}
}

// TestConvFoldExact is the threshold-folding property test for conv
// channels: a convolutional model with random weights and batch norm
// (negative and zero scales) exports to a netlist whose every conv
// threshold gives, at every pixel of every channel, the level of the
// float64 batch norm + quantizer on the netlist's own accumulator, and
// whose classes equal the inference function's on random images.
func TestConvFoldExact(t *testing.T) {
	for _, tt := range []struct {
		layers              string
		wbits, abits, input int
	}{
		{"c6,p2,c5p1,f12,f10", 1, 1, 1},
		{"c6k5s2p2,c7,p2,f12,f10", 2, 2, 8},
		{"c4p1,p3,c5k1,f9,f10", 4, 4, 1},
	} {
		t.Run(fmt.Sprintf("%s/w%da%d/in%d", tt.layers, tt.wbits, tt.abits, tt.input), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(37, 38))
			cfg, _ := DefaultConfig("lenet")
			st, err := ParseLayers(tt.layers)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Layers, cfg.Hidden = tt.layers, st.Dense[:len(st.Dense)-1]
			cfg.WBits, cfg.ABits, cfg.InputBits, cfg.InputSize = tt.wbits, tt.abits, tt.input, 14
			m, err := NewModel(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			randomizeConvBN(m, rng)
			inf := m.Inference()
			n, err := inf.Export("t", nil)
			if err != nil {
				t.Fatal(err)
			}
			const images = 40
			pix := make([]byte, images*cfg.inputPixels())
			for i := range pix {
				pix[i] = byte(rng.IntN(256))
			}
			want, _ := inf.Predict(pix, images)
			for i := 0; i < images; i++ {
				outs, err := netlist.Reference(n, pix[i*cfg.inputPixels():(i+1)*cfg.inputPixels()])
				if err != nil {
					t.Fatal(err)
				}
				checkConvThresholds(t, n, inf, outs)
				if got := netlist.Argmax(outs[len(outs)-1]); got != want[i] {
					t.Errorf("image %d: netlist class %d, inference function %d", i, got, want[i])
				}
			}
		})
	}
}

// checkConvThresholds compares every conv threshold layer's output with
// the float64 level of its conv accumulators.
func checkConvThresholds(t *testing.T, n *netlist.Network, inf *Inference, outs [][]int64) {
	t.Helper()
	ci := 0
	for li, l := range n.Layers {
		if _, ok := l.(*netlist.Conv2D); !ok {
			continue
		}
		f := inf.stages[ci].(*infConv).f
		acc, lev := outs[li], outs[li+1]
		for i, z := range acc {
			c := i % f.out
			if want := int64(actValue(f.level(c, z), f.abits)); lev[i] != want {
				t.Fatalf("layer %d element %d (channel %d) acc %d: threshold %d, float64 %d", li+1, i, c, z, lev[i], want)
			}
		}
		ci++
	}
}

// TestBNThreads: batch norm split by channel across goroutines gives
// bit-identical outputs, gradients and running statistics.
func TestBNThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(39, 40))
	const rows, ch = 300, 250
	y := randSlice(rng, rows*ch)
	d := randSlice(rng, rows*ch)
	run := func(threads int) []float32 {
		l := &Layer{In: 1, Out: ch, ABits: 1, W: make([]float32, ch), Gamma: randSlice(rng, ch), Beta: randSlice(rng, ch),
			Mean: make([]float64, ch), Var: make([]float64, ch)}
		rng = rand.New(rand.NewPCG(39, 40)) // the same parameters for every call
		l.Gamma, l.Beta = randSlice(rng, ch), randSlice(rng, ch)
		l.prepare()
		l.ensureBuffers(rows)
		copy(l.c.y, y)
		l.bnForward(rows, false, threads)
		g := append([]float32(nil), d...)
		l.bnBackward(g, rows, false, threads)
		out := append(append(append([]float32(nil), l.c.y[:rows*ch]...), g...), l.gG...)
		for c := range l.Mean {
			out = append(out, float32(l.Mean[c]), float32(l.Var[c]))
		}
		return out
	}
	a, b := run(1), run(2)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("value %d: 1 thread %v, 2 threads %v", i, a[i], b[i])
		}
	}
}
