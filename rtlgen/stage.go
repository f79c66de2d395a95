package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// bundle is one valid/ready stream of the generated top: the wires (or
// ports) between a producer stage and its consumer.
type bundle struct {
	valid, ready, data string
	bits               int // data width, the plan's Stream.DataBits
	// abort is the framer's abort signal the stream carries ("" for none):
	// only the input stage's output has one; abortUsed records that the
	// consumer took it.
	abort     string
	abortUsed bool
}

// stageGen is one plan stage kind's part of the generated top (one type
// per kind, in its own file): the library modules it needs, the checks of
// its parameters against its streams, the stream it drives, its instance
// and its block-diagram line. n numbers the stages of one kind from 0 in
// stream order (an MVTU's n is its index in Plan.Layers).
type stageGen interface {
	libs() []string
	check(s hw.Stage) error
	out(s hw.Stage, n int) bundle
	instance(b *strings.Builder, s hw.Stage, n int, in *bundle, out bundle)
	diagram(b *strings.Builder, s hw.Stage, n int)
	// instances names the top-level instances instance writes for the
	// n-th stage of the kind.
	instances(s hw.Stage, n int) []string
}

// memStage is a stageGen whose stage has ROM images of its own (beyond
// the MVTUs' layer files): mems returns them keyed by file name in mem/.
type memStage interface {
	mems(s hw.Stage, n int) map[string][]byte
}

// isInput reports whether k is a pipeline's first stage: the image input
// or a sequence model's token input.
func isInput(k hw.StageKind) bool { return k == hw.StageInput || k == hw.StageTokens }

// kindInstance is the instance name of the n-th stage of kind k that is
// one module instance (mvtu, swg, pool, dwc, fifo, lstm): u_<kind><n>.
func kindInstance(k hw.StageKind, n int) string { return fmt.Sprintf("u_%s%d", k, n) }

// StageInstances names, per stage of p.Stages, the top-level instances of
// qnn_top that implement it (the input stage: u_framer and u_binarize; a
// sequence model's: u_tokens; the output stage: u_argmax), so that reports can attribute synthesis
// results to stages without knowing rtlgen's naming.
func StageInstances(p *hw.Plan) ([][]string, error) {
	refs, err := stageRefs(p)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(refs))
	for i, r := range refs {
		out[i] = r.gen.instances(r.s, r.n)
	}
	return out, nil
}

// stageGens maps each stage kind to its generator.
var stageGens = map[hw.StageKind]stageGen{
	hw.StageInput:  inputGen{},
	hw.StageTokens: tokensGen{},
	hw.StageLSTM:   lstmGen{},
	hw.StageMVTU:   mvtuGen{},
	hw.StageSWG:    swgGen{},
	hw.StagePool:   poolGen{},
	hw.StageDWC:    dwcGen{},
	hw.StageFIFO:   fifoGen{},
	hw.StageOutput: outputGen{},
}

// stageRef is one stage of the plan with its generator and its number
// among the stages of its kind.
type stageRef struct {
	s   hw.Stage
	gen stageGen
	n   int
}

// stageRefs resolves p.Stages; an unknown kind is an error.
func stageRefs(p *hw.Plan) ([]stageRef, error) {
	count := map[hw.StageKind]int{}
	refs := make([]stageRef, 0, len(p.Stages))
	for i, s := range p.Stages {
		g, ok := stageGens[s.Kind]
		if !ok {
			return nil, fmt.Errorf("rtlgen: stage %d (%s): unknown kind %q", i, s.Name, s.Kind)
		}
		refs = append(refs, stageRef{s: s, gen: g, n: count[s.Kind]})
		count[s.Kind]++
	}
	return refs, nil
}

// streamBundle is the wires named prefix_valid, _ready, _data of a
// stream of bits data bits.
func streamBundle(prefix string, bits int) bundle {
	return bundle{valid: prefix + "_valid", ready: prefix + "_ready", data: prefix + "_data", bits: bits}
}

// checkPorts reports a stage whose module's port widths (from its
// parameters) differ from the plan's streams.
func checkPorts(s hw.Stage, in, out int) error {
	if in != s.In.DataBits() || out != s.Out.DataBits() {
		return fmt.Errorf("rtlgen: stage %s (%s): module ports of %d and %d bits, streams of %d and %d bits",
			s.Name, s.Kind, in, out, s.In.DataBits(), s.Out.DataBits())
	}
	return nil
}

// streamConns are the clock, reset and stream port connections every
// stage module but the input stage has.
func streamConns(in *bundle, out bundle) [][2]string {
	return [][2]string{
		{"clk_i", "clk"},
		{"rst_ni", "rst_n"},
		{"in_valid_i", in.valid},
		{"in_ready_o", in.ready},
		{"in_data_i", in.data},
		{"out_valid_o", out.valid},
		{"out_ready_i", out.ready},
		{"out_data_o", out.data},
	}
}
