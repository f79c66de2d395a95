package train

import (
	"math/rand/v2"

	"github.com/qnn-dev/qnn/netlist"
)

// layer is one layer kind of the float model. A Model is an ordered list
// of layers (the output layer last), and the training step, the optimizer,
// the inference function and the checkpoints only walk that list, so a new
// kind is a new type implementing layer (and infStage), not a new case in
// every pass. The kinds today are the dense layer (*Layer: dense product,
// batch norm, quantizer or the output batch norm) and the convolution
// stage (*Conv: im2col convolution, per-channel batch norm, optional
// max-pool, quantizer).
//
// Each image's values are a flat vector (channel-fastest for images);
// every layer reads outSize values per image of the previous layer's
// output (the encoded input for the first).
type layer interface {
	// kind names the kind in messages ("convolution", "layer").
	kind() string
	// outSize is the number of values per image the layer outputs.
	outSize() int
	// prepare allocates the gradients and, if missing, the optimizer
	// state (after construction or decoding).
	prepare()
	// forwardTrain runs the training forward pass (batch statistics,
	// dropout) on rows inputs x and returns the outputs, rows x outSize.
	// It keeps x and whatever backward needs until the next call.
	forwardTrain(x []float32, rows int, cfg *Config, rng *rand.Rand) []float32
	// outGrad is the buffer (rows x outSize of the last forwardTrain)
	// into which the next layer's backward, or the loss, writes dL/dout.
	outGrad() []float32
	// backward turns dL/dout in outGrad into the parameter gradients and,
	// if dx is not nil, writes dL/dx (rows x the previous outSize) to dx.
	backward(rows int, dx []float32, cfg *Config, rng *rand.Rand)
	// update applies one optimizer step at learning rate lr.
	update(lr float64, cfg *Config)
	// inference returns the layer's inference form, the k-th layer of its
	// kind (its netlist names), for input elements in [xmin, xmax].
	inference(k int, xmin, xmax int64, cfg *Config) infStage
	// norm is the layer's batch norm (its statistics), nil if it has none.
	norm() *Layer
	// clone returns a copy of the parameters (no optimizer state).
	clone() layer
	// finite returns an error if a parameter or statistic is NaN or
	// infinite; k is the layer's index among those of its kind.
	finite(k int) error
	// store appends the layer to its kind's list in m (Model.Convs,
	// Model.Layers), the form checkpoints hold.
	store(m *Model)
	// saveOpt appends the optimizer state to its kind's list in ck.
	saveOpt(ck *checkpoint)
	// loadOpt takes the optimizer state of the k-th layer of its kind
	// from ck.
	loadOpt(ck *checkpoint, k int) bool
}

// infStage is a layer's inference form: integer weights, integer
// accumulators, batch norm and quantizer on the running statistics (or
// the output layer's integer offsets), and its export to netlist layers.
type infStage interface {
	// bufSize is the number of values per image forward writes to out and
	// may use in scratch (at least the output's).
	bufSize() int
	// forward runs the stage on rows images x of integer values and writes
	// the integer outputs to out (the output layer: its accumulators);
	// out and scratch hold rows*bufSize values.
	forward(out, x, scratch []float32, rows, threads int)
	// actRange is the range of the integer values the stage outputs.
	actRange() (int64, int64)
	// export returns the stage's netlist layers.
	export() []netlist.Layer
}

// add appends l to the model.
func (m *Model) add(l layer) {
	m.stack = append(m.stack, l)
	l.store(m)
}

// link builds the ordered list of layers from the per-kind lists of a
// decoded model: the convolution stages, then the dense layers (the only
// order the layer string allows).
func (m *Model) link() {
	m.stack = m.stack[:0]
	for _, c := range m.Convs {
		m.stack = append(m.stack, c)
	}
	for _, l := range m.Layers {
		m.stack = append(m.stack, l)
	}
}

// eachLayer calls f for every layer in order with its index among the
// layers of its kind.
func (m *Model) eachLayer(f func(l layer, k int) error) error {
	n := map[string]int{}
	for _, l := range m.stack {
		if err := f(l, n[l.kind()]); err != nil {
			return err
		}
		n[l.kind()]++
	}
	return nil
}

// output is the output layer.
func (m *Model) output() layer { return m.stack[len(m.stack)-1] }
