//go:build amd64 && !amd64.v2

package netlist

// fastPopcntCheap reports that math/bits.OnesCount64 compiles to a single
// instruction. With GOAMD64=v1 it is guarded by a runtime CPU check whose
// fallback call makes multi-image kernels spill their accumulators, so
// kernels handle one image at a time.
const fastPopcntCheap = false
