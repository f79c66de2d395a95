//go:build !amd64 || purego

package netlist

// archKernels returns the vector kernels of this architecture: none.
func archKernels() []*kernel { return nil }
