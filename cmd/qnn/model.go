package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/qnn-dev/qnn/netlist"
)

// modelUse is what a command does with the netlists it loads: whether it
// takes sequence models (an embedding, LSTM layers and a feed-forward
// tail) besides image models, and if not, why not.
type modelUse struct {
	cmd string // the command, the prefix of its errors ("": none)
	// sequences is set for the commands that handle sequence models
	// (inspect, eval); the others refuse them before doing anything.
	sequences bool
	// refusal ends the one-line error for a sequence model: what the
	// command does instead, or what is missing.
	refusal string
}

// hardwareUse is the use of a command that plans or builds hardware from
// the netlist (gen, sim, cosim, synth, flow).
func hardwareUse(cmd string) modelUse {
	return modelUse{cmd: cmd, refusal: "the recurrent hardware stage is not supported yet"}
}

// sequenceHardwareUse is the use of a command that builds hardware for
// sequence models too (gen, sim, cosim).
func sequenceHardwareUse(cmd string) modelUse { return modelUse{cmd: cmd, sequences: true} }

// The uses of the commands that do not build hardware.
var (
	inspectUse = modelUse{cmd: "inspect", sequences: true}
	evalUse    = modelUse{cmd: "eval", sequences: true}
	predictUse = modelUse{cmd: "predict", refusal: "predict classifies images: evaluate it on a token stream with qnn eval --dataset ptb"}
	exportUse  = modelUse{cmd: "export", refusal: "QONNX export of embedding and lstm layers is not supported yet"}
	benchUse   = modelUse{cmd: "bench", refusal: "bench measures image models (netlist.Fast) only"}
)

// loadModel reads and validates the netlist at path for use. Every failure
// is a user error (missing, unreadable or invalid file, or a sequence model
// for a command that takes none) whose message names the file; when
// validation found several problems, all of them are logged at debug
// level.
func loadModel(log hclog.Logger, path string, use modelUse) (*netlist.Network, error) {
	n, err := netlist.Load(path)
	if err != nil {
		var ve *netlist.ValidationError
		if errors.As(err, &ve) && len(ve.Problems) > 1 {
			for _, line := range strings.Split(strings.TrimSpace(ve.Detail()), "\n") {
				log.Debug("netlist problem", "file", path, "problem", line)
			}
		}
		return nil, userErr(err)
	}
	log.Debug("loaded netlist", "file", path, "name", n.Name, "layers", len(n.Layers), "sequence", n.IsSequence())
	if n.IsSequence() && !use.sequences {
		return nil, userErrf("%s; %s", sequenceModelError(use.cmd, path, n), use.refusal)
	}
	return n, nil
}

// sequenceModelError is the start of the error for a sequence model where
// an image model is needed: `gen: model m.json is a sequence model
// (embedding vocab 10000, 2 lstm layers)` (without "CMD: " for cmd "").
func sequenceModelError(cmd, path string, n *netlist.Network) string {
	msg := fmt.Sprintf("model %s is a sequence model (%s)", path, describeSequence(n))
	if cmd == "" {
		return msg
	}
	return cmd + ": " + msg
}

// describeSequence summarises a sequence model's recurrent part:
// "embedding vocab 10000, 2 lstm layers".
func describeSequence(n *netlist.Network) string {
	lstms := 0
	for _, l := range n.Layers {
		if _, ok := l.(*netlist.LSTM); ok {
			lstms++
		}
	}
	s := fmt.Sprintf("embedding vocab %d, %d lstm layer", n.EmbeddingLayer().Vocab, lstms)
	if lstms != 1 {
		s += "s"
	}
	return s
}
