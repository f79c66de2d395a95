package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/qnn-dev/qnn/dataset"
)

// bnStatsConfig is a small w1a1 conv net on binarized MNIST: every
// pre-activation is a sum of +-1 products, an integer that float32 holds
// exactly, so a float64 reference sees the same values as the trainer.
func bnStatsConfig() Config {
	cfg, _ := DefaultConfig("lenet")
	cfg.Arch, cfg.Layers, cfg.Hidden = "custom", "c4,p2,c8,p2,f16,f10", []int{16}
	cfg.Epochs, cfg.Batch, cfg.Seed = 2, 50, 3
	return cfg
}

// refBNStats is the plain float64 computation of the statistics preciseBN
// must give: the images go through the model's training forward pass
// batch by batch, each layer's pre-activations are recomputed from its
// input and the signs of its weights, and the mean and (unbiased) variance
// of each channel are taken over all of them, two-pass; the output
// layer's variance is pooled over the classes.
func refBNStats(t *testing.T, m *Model, set *dataset.Set) (means, vars [][]float64) {
	t.Helper()
	r := m.Clone()
	vals := make([][][]float64, len(r.stack)) // layer, channel, values
	sz, batch := r.Cfg.inputPixels(), r.Cfg.Batch
	x := make([]float32, batch*sz)
	for b0 := 0; b0+batch <= set.N; b0 += batch {
		encodeInput(x, set.Pixels[b0*sz:(b0+batch)*sz], &r.Cfg, false)
		in := x
		for i, l := range r.stack {
			vals[i] = appendPreact(vals[i], l, in, batch)
			in = l.forwardTrain(in, batch, &r.Cfg, nil)
		}
	}
	for i, l := range r.stack {
		nv := len(l.norm().Var)
		mean, v := make([]float64, len(vals[i])), make([]float64, nv)
		count := 0
		for c, zs := range vals[i] {
			for _, z := range zs {
				mean[c] += z
			}
			mean[c] /= float64(len(zs))
			for _, z := range zs {
				v[c%nv] += (z - mean[c]) * (z - mean[c])
			}
			count += len(zs)
		}
		for g := range v {
			v[g] /= float64(count/nv - 1)
		}
		means, vars = append(means, mean), append(vars, v)
	}
	return means, vars
}

// appendPreact appends the pre-activations of layer l on input in (rows
// images) to vals[channel].
func appendPreact(vals [][]float64, l layer, in []float32, rows int) [][]float64 {
	b := l.norm()
	var x []float32 // one row of b.In values per output row
	n := rows
	switch c := l.(type) {
	case *Conv:
		n = rows * c.pixels()
		x = make([]float32, n*b.In)
		im2col(x, in, rows, &c.ConvShape, c.PadValue, 1)
	case *Layer:
		x = in
	}
	if vals == nil {
		vals = make([][]float64, b.Out)
	}
	for p := 0; p < n; p++ {
		for o := 0; o < b.Out; o++ {
			z := 0.0
			for i, w := range b.W[o*b.In : (o+1)*b.In] {
				q := 1.0
				if w < 0 {
					q = -1
				}
				z += q * float64(x[p*b.In+i])
			}
			vals[o] = append(vals[o], z)
		}
	}
	return vals
}

// TestPreciseBNReference: the recomputed statistics of a small model,
// after a few training steps, equal the float64 reference on the same
// images (170 asked for, 150 used: whole batches), and the model they are
// computed on keeps its parameters and running statistics.
func TestPreciseBNReference(t *testing.T) {
	full, _ := loadMNIST(t)
	cfg := bnStatsConfig()
	rng := rand.New(rand.NewPCG(5, 6))
	m, err := NewModel(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, cfg.Batch*cfg.inputPixels())
	for s := 0; s < 4; s++ { // move Gamma and Beta away from 1 and 0
		px := full.Pixels[s*cfg.Batch*cfg.inputPixels():]
		m.TrainStep(px, full.Labels[s*cfg.Batch:], cfg.Batch, 1e-2, rng, x)
	}
	before := m.Clone()
	set := full.Slice(1000, 1170)
	got := m.preciseBN(set, set.N, x)
	wantMean, wantVar := refBNStats(t, m, full.Slice(1000, 1150))
	for i, l := range got.stack {
		b := l.norm()
		for c := range b.Mean {
			if d := math.Abs(b.Mean[c] - wantMean[i][c]); d > 1e-9*(1+math.Abs(wantMean[i][c])) {
				t.Errorf("%s %d channel %d: mean %g, want %g", l.kind(), i, c, b.Mean[c], wantMean[i][c])
			}
		}
		for g := range b.Var {
			if d := math.Abs(b.Var[g] - wantVar[i][g]); d > 1e-9*wantVar[i][g] {
				t.Errorf("%s %d group %d: variance %g, want %g", l.kind(), i, g, b.Var[g], wantVar[i][g])
			}
		}
		if diff := cmp.Diff(before.stack[i].norm().W, b.W); diff != "" {
			t.Errorf("%s %d: weights of the copy changed (-before +after):\n%s", l.kind(), i, diff)
		}
	}
	for i, l := range m.stack {
		a, b := before.stack[i].norm(), l.norm()
		if diff := cmp.Diff([][]float64{a.Mean, a.Var}, [][]float64{b.Mean, b.Var}); diff != "" {
			t.Errorf("%s %d: running statistics of the model changed (-before +after):\n%s", l.kind(), i, diff)
		}
		if b.stats != nil {
			t.Errorf("%s %d: accumulator left attached", l.kind(), i)
		}
	}
}

// bnStatsRun trains bnStatsConfig on 400 MNIST images for 2 epochs with
// the given SetBNStats.
func bnStatsRun(t *testing.T, n int, h Hooks) *Trainer {
	t.Helper()
	train, val := mnistGoldenData(t)
	tr, err := New(bnStatsConfig(), train, val)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetBNStats(n); err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), h); err != nil && !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	return tr
}

// TestBNStatsChangesStatisticsOnly: with recomputed statistics the run
// trains exactly as without (same losses, same final parameters and
// running statistics), and its best model, whose statistics are
// recomputed, exports exactly (netlist.Eval and netlist.Reference agree
// with its inference function).
func TestBNStatsChangesStatisticsOnly(t *testing.T) {
	off, on := bnStatsRun(t, 0, Hooks{}), bnStatsRun(t, 200, Hooks{})
	loss := func(tr *Trainer) (l [][2]float64) {
		for _, e := range tr.History() {
			l = append(l, [2]float64{e.Loss, e.TrainAcc})
		}
		return l
	}
	if diff := cmp.Diff(loss(off), loss(on)); diff != "" {
		t.Errorf("training losses differ (-off +on):\n%s", diff)
	}
	for i, l := range off.model.stack {
		a, b := l.norm(), on.model.stack[i].norm()
		if diff := cmp.Diff(a, b, cmpopts.IgnoreUnexported(Layer{})); diff != "" {
			t.Errorf("%s %d: trained parameters differ (-off +on):\n%s", l.kind(), i, diff)
		}
	}
	best, _, _ := on.Best()
	inf := best.Inference()
	n, err := on.ExportBest()
	if err != nil {
		t.Fatal(err)
	}
	if n.Meta["bn_stats"] != "200" {
		t.Errorf("metadata bn_stats %q, want 200", n.Meta["bn_stats"])
	}
	if d := disagreements(t, inf, n, on.val); d != 0 {
		t.Errorf("netlist.Eval and inference function disagree on %d of %d images", d, on.val.N)
	}
	if d := referenceDisagreements(t, inf, n, on.val.Slice(0, 20)); d != 0 {
		t.Errorf("netlist.Reference and inference function disagree on %d of 20 images", d)
	}
}

// TestBNStatsResume: a run with recomputed statistics interrupted in epoch
// 2 and resumed from its checkpoint (which keeps the setting) ends with
// the uninterrupted run's netlist, checkpoint and statistics.
func TestBNStatsResume(t *testing.T) {
	want := goldenSummary(t, bnStatsRun(t, 200, Hooks{}))
	ck := filepath.Join(t.TempDir(), "run.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	train, val := mnistGoldenData(t)
	tr, err := New(bnStatsConfig(), train, val)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetBNStats(200); err != nil {
		t.Fatal(err)
	}
	h := Hooks{Checkpoint: ck, Batch: func(p Progress) {
		if p.Epoch == 2 && p.Batch == 3 {
			cancel()
		}
	}}
	if err := tr.Run(ctx, h); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run returned %v, want ErrInterrupted", err)
	}
	re, err := Resume(ck, train, val)
	if err != nil {
		t.Fatal(err)
	}
	if re.BNStats() != 200 {
		t.Fatalf("resumed BNStats %d, want 200", re.BNStats())
	}
	if err := re.Run(context.Background(), Hooks{}); err != nil {
		t.Fatal(err)
	}
	if got := goldenSummary(t, re); got != want {
		t.Errorf("resumed run:\n%s\nuninterrupted:\n%s", got, want)
	}
}

// TestSetBNStatsErrors: negative counts and shift-based batch norm are
// refused.
func TestSetBNStatsErrors(t *testing.T) {
	train, val := mnistGoldenData(t)
	cfg := bnStatsConfig()
	cfg.ShiftBN = true
	tr, err := New(cfg, train, val)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, 100} {
		if err := tr.SetBNStats(n); err == nil {
			t.Errorf("SetBNStats(%d) with shift-based batch norm: no error", n)
		}
	}
	if err := tr.SetBNStats(0); err != nil {
		t.Errorf("SetBNStats(0): %v", err)
	}
}
