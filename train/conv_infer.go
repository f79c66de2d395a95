package train

import (
	"fmt"
	"math"

	"github.com/qnn-dev/qnn/netlist"
)

// infConv is the inference form of a convolution stage: integer patches
// times integer weights, each channel's accumulator mapped through batch
// norm and the quantizer exactly as a dense hidden channel, then the
// max-pool on the integer activation values.
type infConv struct {
	ConvShape
	index int       // among the convolutions: the netlist names conv<index>, act_conv<index>, pool<index>
	pad   int64     // padding value in the input's integer domain
	f     *infLayer // the patch-wise dense view: in = K*K*InC, out = OutC
}

// inference is the stage's inference form, the k-th convolution.
func (c *Conv) inference(k int, xmin, xmax int64, cfg *Config) infStage {
	f := newInfLayer(c.L, xmin, xmax, cfg.ShiftBN)
	pad := int64(math.Round(float64(c.PadValue) / c.L.InScale))
	return &infConv{ConvShape: c.ConvShape, index: k, pad: pad, f: f}
}

// bufSize is the convolution's output before the pool, OH*OW*OutC.
func (c *infConv) bufSize() int { return c.OH * c.OW * c.Out }

func (c *infConv) actRange() (int64, int64) { return c.f.actRange() }

// forward runs the stage on rows images x of integer values and writes the
// integer activation values (rows x PH*PW*OutC) to out, which must hold
// rows*OH*OW*OutC values; z is scratch of the same size.
func (c *infConv) forward(out, x, z []float32, rows, threads int) {
	n := rows * c.OH * c.OW
	if c.Pool == 0 {
		z = out
	}
	z = z[:n*c.Out]
	gemm(n, c.Out, c.f.in, patches(x, &c.ConvShape, float32(c.pad)), transposed(c.f.wf, c.f.in), z, c.Out, false, threads)
	c.f.activateInt(z, n)
	if c.Pool > 0 {
		maxPoolForward(out, nil, z, rows, c.OH, c.OW, c.Out, c.Pool)
	}
}

// chunk is the number of images Predict encodes at once: 500, fewer when
// a stage's output would take more than 64 MB.
func (inf *Inference) chunk() int {
	const budget = 16 << 20 // float32 values
	n := 500
	for _, s := range inf.stages {
		n = min(n, max(1, budget/s.bufSize()))
	}
	return n
}

// export returns the stage's netlist layers: Conv2D, Threshold (the
// folded batch norm and quantizer, per channel) and, if pooled, MaxPool.
func (c *infConv) export() []netlist.Layer {
	i := c.index
	f := c.f
	cv := &netlist.Conv2D{Name: fmt.Sprintf("conv%d", i), InC: c.InC, OutC: c.Out, KH: c.K, KW: c.K,
		Stride: c.Stride, Pad: netlist.Symmetric(c.Pad), WeightBits: f.wbits, Weights: f.w}
	if c.Pad > 0 {
		cv.PadValue = c.pad
	}
	// The padding value lies in [xmin, xmax], so every patch is in the
	// range RowRange bounds.
	lo, hi := make([]int64, f.out), make([]int64, f.out)
	amin, amax := int64(0), int64(0)
	for ch := 0; ch < f.out; ch++ {
		lo[ch], hi[ch] = netlist.RowRange(cv.Row(ch), f.xmin, f.xmax)
		amin, amax = min(amin, lo[ch]), max(amax, hi[ch])
	}
	cv.AccBits = netlist.SignedBits(amin-1, amax+1)
	layers := []netlist.Layer{cv, f.thresholds(fmt.Sprintf("act_conv%d", i), lo, hi)}
	if c.Pool > 0 {
		layers = append(layers, &netlist.MaxPool{Name: fmt.Sprintf("pool%d", i), K: c.Pool, Stride: c.Pool})
	}
	return layers
}

// thresholds folds a hidden layer's channels into a netlist Threshold for
// the accumulator ranges [lo[c], hi[c]].
func (f *infLayer) thresholds(name string, lo, hi []int64) *netlist.Threshold {
	t := &netlist.Threshold{Name: name, Channels: f.out, Bits: f.abits,
		T: make([]int64, 0, f.out*actLevels(f.abits)), Reversed: make([]bool, f.out)}
	for c := 0; c < f.out; c++ {
		row, rev := f.foldChannel(c, lo[c], hi[c])
		t.T = append(t.T, row...)
		t.Reversed[c] = rev
	}
	return t
}
