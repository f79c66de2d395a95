// Command randnet writes a netlist with FINN's CNV topology (netlist.CNV)
// and random parameters (netlist.Randomize), for benchmarks that need the
// shape of CNV but not a trained model (scripts/bench-cnv.sh):
//
//	go run ./scripts/randnet -wbits 1 -abits 1 -seed 1 -o cnv-w1a1-random.json
//
// With -arch lstm it writes a random 1-layer LSTM language model in the
// shape `qnn train --arch lstm` exports (netlist.RandomLSTM with the
// embedding encoded as the hidden state; PTB's 10,000 words, -hidden units,
// logit scale 1/16), for the hardware benchmark of scripts/bench-lstm-hw.sh:
//
//	go run ./scripts/randnet -arch lstm -hidden 300 -wbits 4 -abits 4 -o lstm300-w4a4-random.json
//
// The parameters come from rand.NewPCG(seed, 2016), as `qnn bench --random
// cnv`, so the same seed gives the same file.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/qnn-dev/qnn/netlist"
)

func main() {
	wbits := flag.Int("wbits", 1, "weight bits")
	abits := flag.Int("abits", 1, "activation bits")
	seed := flag.Uint64("seed", 1, "random seed")
	dataset := flag.String("dataset", "cifar10", "data set name recorded in the model's meta")
	out := flag.String("o", "", "netlist FILE to write (required)")
	arch := flag.String("arch", "cnv", "cnv or lstm")
	hidden := flag.Int("hidden", 300, "lstm: units (and embedding size)")
	vocab := flag.Int("vocab", 10000, "lstm: vocabulary")
	flag.Parse()
	var err error
	switch *arch {
	case "cnv":
		err = run(*wbits, *abits, *seed, *dataset, *out)
	case "lstm":
		err = runLSTM(*wbits, *abits, *hidden, *vocab, *seed, *out)
	default:
		err = fmt.Errorf("-arch %q: want cnv or lstm", *arch)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "randnet:", err)
		os.Exit(1)
	}
}

func run(wbits, abits int, seed uint64, dataset, out string) error {
	if out == "" {
		return fmt.Errorf("-o FILE is required")
	}
	n := netlist.CNV(wbits, abits)
	if err := netlist.Randomize(rand.New(rand.NewPCG(seed, 2016)), n); err != nil {
		return err
	}
	n.Meta = map[string]string{"dataset": dataset, "source": fmt.Sprintf("netlist.CNV(%d,%d) randomized, seed %d", wbits, abits, seed)}
	return netlist.WriteFileAtomic(out, netlist.Marshal(n))
}

func runLSTM(wbits, abits, hidden, vocab int, seed uint64, out string) error {
	if out == "" {
		return fmt.Errorf("-o FILE is required")
	}
	cfg := netlist.RandomLSTMConfig{Vocab: vocab, Dim: hidden, Hidden: []int{hidden}, WeightBits: wbits, ActBits: abits,
		OutWeightBits: wbits, HiddenEncoding: true}
	n, err := netlist.RandomLSTM(rand.New(rand.NewPCG(seed, 2016)), cfg)
	if err != nil {
		return err
	}
	n.OutputLayer().LogitScale = 1.0 / 16
	n.Meta = map[string]string{"dataset": "ptb", "source": fmt.Sprintf("netlist.RandomLSTM(vocab %d, %d units, w%d a%d), seed %d", vocab, hidden, wbits, abits, seed)}
	return netlist.WriteFileAtomic(out, netlist.Marshal(n))
}
