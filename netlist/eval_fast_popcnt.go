//go:build !amd64 || amd64.v2

package netlist

// fastPopcntCheap reports that math/bits.OnesCount64 compiles to a single
// instruction, so that kernels over several images at once pay off.
const fastPopcntCheap = true
