package main

import (
	"runtime"
	"sync"

	"github.com/qnn-dev/qnn/netlist"
)

// evalNetlist classifies count images with netlist.Eval, or, for a
// network with convolutions (which the fast evaluator does not compile
// yet), with netlist.ReferenceResult on every image, in parallel.
func evalNetlist(n *netlist.Network, pixels []byte, count int) ([]netlist.Result, error) {
	if !hasConv(n) {
		return netlist.Eval(n, pixels, count)
	}
	if err := netlist.Validate(n); err != nil {
		return nil, err
	}
	size := n.InputLayer().Shape.Size()
	res := make([]netlist.Result, count)
	errs := make([]error, count)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := w; i < count; i += workers {
				res[i], errs[i] = netlist.ReferenceResult(n, pixels[i*size:(i+1)*size])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// hasConv reports whether n has a conv2d or maxpool layer.
func hasConv(n *netlist.Network) bool {
	for _, l := range n.Layers {
		switch l.(type) {
		case *netlist.Conv2D, *netlist.MaxPool:
			return true
		}
	}
	return false
}
