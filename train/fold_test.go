package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/qnn-dev/qnn/netlist"
)

// randomInfLayer returns a hidden inference layer with random batch-norm
// parameters: about a fifth of the channels have a negative scale, a tenth
// a zero scale, and some are placed so that the batch-norm output lands
// exactly on a quantizer boundary for an integer accumulator.
func randomInfLayer(rng *rand.Rand, channels, bits int) *infLayer {
	f := &infLayer{out: channels, abits: bits, sc: 1.0 / 8}
	f.gamma, f.inv = make([]float64, channels), make([]float64, channels)
	f.mean, f.beta = make([]float64, channels), make([]float64, channels)
	n := float64(actLevels(bits))
	for c := 0; c < channels; c++ {
		f.gamma[c] = rng.NormFloat64()
		switch r := rng.IntN(10); {
		case r == 0:
			f.gamma[c] = 0
		case r < 3:
			f.gamma[c] = -math.Abs(f.gamma[c])
		}
		f.inv[c] = math.Exp(rng.NormFloat64())
		f.mean[c] = rng.NormFloat64() * 10
		f.beta[c] = rng.NormFloat64()
		if rng.IntN(3) == 0 {
			// A tie: y = (z/8 - mean) * 1 * 1 + beta is exactly a
			// boundary (0 for sign, (j-1/2)/n for k bits) at z = 8*mean.
			f.gamma[c], f.inv[c] = 1, 1
			if rng.IntN(2) == 0 {
				f.gamma[c] = -1
			}
			f.mean[c] = float64(rng.IntN(41) - 20)
			f.beta[c] = 0
			if bits > 1 {
				f.beta[c] = f.gamma[c] * (float64(1+rng.IntN(int(n))) - 0.5) / n
			}
		}
	}
	return f
}

// TestFoldThresholds is the threshold-folding property test: for random
// batch-norm parameters (negative and zero scales, ties at the boundary)
// the netlist threshold unit gives the same level as the float64
// computation for every reachable integer accumulator.
func TestFoldThresholds(t *testing.T) {
	for _, bits := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("bits=%d", bits), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, uint64(bits)))
			const channels = 400
			lo, hi := int64(-300), int64(300)
			f := randomInfLayer(rng, channels, bits)
			th := &netlist.Threshold{Name: "t", Channels: channels, Bits: bits, Reversed: make([]bool, channels)}
			for c := 0; c < channels; c++ {
				row, rev := f.foldChannel(c, lo, hi)
				th.T = append(th.T, row...)
				th.Reversed[c] = rev
			}
			ties := 0
			for c := 0; c < channels; c++ {
				for z := lo; z <= hi; z++ {
					want := f.level(c, z)
					if got := th.Level(c, z); got != want {
						t.Fatalf("channel %d (gamma %v inv %v mean %v beta %v) acc %d: netlist level %d, float64 level %d",
							c, f.gamma[c], f.inv[c], f.mean[c], f.beta[c], z, got, want)
					}
					y := f.bnOut(c, z)
					if y == 0 || (bits > 1 && math.Mod(y*float64(actLevels(bits))+0.5, 1) == 0) {
						ties++
					}
				}
			}
			if ties == 0 {
				t.Errorf("no accumulator landed exactly on a boundary: the tie cases are not exercised")
			}
		})
	}
}

// TestExportMatchesInference exports random (untrained) models with random
// batch-norm statistics and checks that netlist.Eval classifies random
// images exactly as the inference function does, and that the file
// round-trips through the netlist format.
func TestExportMatchesInference(t *testing.T) {
	tests := []struct{ wbits, abits, inbits int }{
		{1, 1, 1}, {1, 2, 1}, {2, 2, 8}, {4, 4, 1}, {1, 1, 8}, {2, 1, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("w%da%d/in%d", tt.wbits, tt.abits, tt.inbits), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, uint64(tt.wbits*100+tt.abits*10+tt.inbits)))
			cfg, _ := DefaultConfig("tfc")
			cfg.WBits, cfg.ABits, cfg.InputBits = tt.wbits, tt.abits, tt.inbits
			m, err := NewModel(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			randomizeBN(m, rng)
			inf := m.Inference()
			n, err := inf.Export("random", nil)
			if err != nil {
				t.Fatal(err)
			}
			back, err := netlist.Unmarshal(netlist.Marshal(n))
			if err != nil {
				t.Fatal(err)
			}
			const count = 2000
			pixels := make([]byte, count*784)
			for i := range pixels {
				pixels[i] = byte(rng.IntN(256))
			}
			want, _ := inf.Predict(pixels, count)
			res, err := netlist.Eval(back, pixels, count)
			if err != nil {
				t.Fatal(err)
			}
			classes := map[int]bool{}
			for i, r := range res {
				classes[r.Class] = true
				if r.Class != want[i] {
					t.Fatalf("image %d: netlist class %d, inference class %d", i, r.Class, want[i])
				}
			}
			if len(classes) < 3 {
				t.Errorf("only %d distinct classes predicted: the test is too weak", len(classes))
			}
		})
	}
}

// randomizeBN gives every layer random batch-norm parameters and running
// statistics on the scale of its accumulators.
func randomizeBN(m *Model, rng *rand.Rand) {
	for _, l := range m.Layers {
		scale := math.Sqrt(float64(l.In)) * l.InScale * weightScale(l.WBits)
		for c := range l.Gamma {
			l.Gamma[c] = float32(rng.NormFloat64())
			if rng.IntN(10) == 0 {
				l.Gamma[c] = 0
			}
			l.Var[c] = scale * scale * math.Exp(rng.NormFloat64())
		}
		if !l.Hidden() {
			l.Gamma[0] = float32(math.Abs(float64(l.Gamma[0]))) + minOutGamma
		}
		for c := range l.Beta {
			l.Beta[c] = float32(rng.NormFloat64())
			if !l.Hidden() {
				l.Beta[c] *= l.Gamma[0] / 3
			}
			l.Mean[c] = rng.NormFloat64() * scale / 2
			if l.ABits > 1 {
				l.Beta[c] = float32(rng.Float64())
			}
		}
	}
}
