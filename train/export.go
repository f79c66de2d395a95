package train

import (
	"fmt"
	"strconv"

	"github.com/qnn-dev/qnn/netlist"
)

// Export folds the inference function into a netlist: integer weights,
// per-channel integer thresholds (batch norm plus activation quantizer) and
// integer class offsets (the output batch norm). netlist.Eval on the result
// classifies every image as Predict does. meta is copied into the netlist.
func (inf *Inference) Export(name string, meta map[string]string) (*netlist.Network, error) {
	cfg := &inf.cfg
	is := cfg.InputShape()
	in := &netlist.Input{Name: "input", Shape: netlist.Shape{C: is.C, H: is.H, W: is.W}, Bits: cfg.InputBits}
	if cfg.InputBits == 1 {
		in.Threshold = cfg.InputThreshold
	}
	n := &netlist.Network{Name: name, Meta: meta, Layers: []netlist.Layer{in}}
	for _, s := range inf.stages {
		n.Layers = append(n.Layers, s.export()...)
	}
	if err := netlist.Validate(n); err != nil {
		return nil, fmt.Errorf("train: exported netlist is invalid: %w", err)
	}
	return n, nil
}

// export returns the dense layer's netlist layers: Dense, then the
// Threshold of a hidden layer (the folded batch norm and quantizer) or the
// Output of the output layer (the folded batch norm's integer offsets).
func (f *infLayer) export() []netlist.Layer {
	d := &netlist.Dense{Name: fmt.Sprintf("fc%d", f.index), In: f.in, Out: f.out, WeightBits: f.wbits, Weights: f.w}
	lo, hi := make([]int64, f.out), make([]int64, f.out)
	amin, amax := int64(0), int64(0)
	for c := 0; c < f.out; c++ {
		lo[c], hi[c] = netlist.RowRange(d.Row(c), f.xmin, f.xmax)
		amin, amax = min(amin, lo[c]), max(amax, hi[c])
	}
	d.AccBits = netlist.SignedBits(amin-1, amax+1)
	if f.abits > 0 {
		return []netlist.Layer{d, f.thresholds(fmt.Sprintf("act%d", f.index), lo, hi)}
	}
	o := &netlist.Output{Name: "scores", Classes: f.out, Offsets: f.offsets}
	smin, smax := int64(0), int64(0)
	for c := range f.offsets {
		smin, smax = min(smin, lo[c]+f.offsets[c]), max(smax, hi[c]+f.offsets[c])
	}
	o.ScoreBits = max(2, netlist.SignedBits(smin, smax))
	return []netlist.Layer{d, o}
}

// ExportBest exports the model with the best validation accuracy, named
// after the configuration (e.g. "lfc-w1a1") and with the configuration, the
// best epoch and its validation accuracy in the metadata.
func (t *Trainer) ExportBest() (*netlist.Network, error) {
	if t.best == nil {
		return nil, fmt.Errorf("train: no epoch has finished")
	}
	meta := configMeta(&t.cfg)
	if t.bnStats > 0 {
		meta["bn_stats"] = strconv.Itoa(t.bnStats)
	}
	meta["best_epoch"] = strconv.Itoa(t.bestEpoch)
	meta["val_accuracy"] = strconv.FormatFloat(t.bestAcc, 'f', 4, 64)
	return t.best.Inference().Export(t.cfg.Name(), meta)
}

// configMeta records a configuration in netlist metadata.
func configMeta(cfg *Config) map[string]string {
	m := map[string]string{
		"trainer":    "qnn train",
		"dataset":    cfg.Dataset,
		"arch":       cfg.Arch,
		"hidden":     fmt.Sprint(cfg.Hidden),
		"seed":       strconv.FormatUint(cfg.Seed, 10),
		"epochs":     strconv.Itoa(cfg.Epochs),
		"batch":      strconv.Itoa(cfg.Batch),
		"input_bits": strconv.Itoa(cfg.InputBits),
		"loss":       cfg.Loss,
		"optimizer":  cfg.Optimizer,
	}
	// Regularization is recorded only when used, so that files trained
	// without it keep their bytes.
	if cfg.DropIn > 0 || cfg.Drop > 0 {
		m["dropout"] = fmt.Sprintf("in %g, hidden %g", cfg.DropIn, cfg.Drop)
	}
	if cfg.Augment > 0 {
		m["augment"] = strconv.Itoa(cfg.Augment)
	}
	if cfg.Flip {
		m["flip"] = "true"
	}
	if cfg.Layers != "" {
		m["layers"] = cfg.Layers
	}
	if side := cfg.InputSide(); side != cfg.dataShape().H {
		m["input_size"] = strconv.Itoa(side)
	}
	return m
}
