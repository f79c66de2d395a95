// Command randnet writes a netlist with FINN's CNV topology (netlist.CNV)
// and random parameters (netlist.Randomize), for benchmarks that need the
// shape of CNV but not a trained model (scripts/bench-cnv.sh):
//
//	go run ./scripts/randnet -wbits 1 -abits 1 -seed 1 -o cnv-w1a1-random.json
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
	flag.Parse()
	if err := run(*wbits, *abits, *seed, *dataset, *out); err != nil {
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
