// Package netlist is the quantized-network IR of qnn: the types that describe a
// trained quantized neural network as integers only, its versioned JSON file
// format, its validation, and the golden integer evaluator that every other
// stage (hardware plan, Verilog, cycle-accurate simulator, RTL co-simulation)
// must match bit for bit.
//
// A Network is a sequence of layers. Data flows from the Input layer through
// Dense (integer matrix-vector product), Conv2D (integer convolution with
// padding in the input's value domain), Threshold (multi-threshold activation
// on the integer accumulator, per channel at every pixel), MaxPool (OR of
// bipolar values, maximum of levels) and, at the end, Output (integer class
// scores and their argmax). Tensors have a (C,H,W) shape and are stored
// channel-fastest (element index (h*W+w)*C+c); a Dense layer flattens its
// input in that order. Each layer type owns its rules (the shape it produces,
// its validation, its reference evaluation, its file form, its Fast stage), in
// the file of its op; see docs/netlist-format.md for what may follow what.
//
// Element encodings:
//   - 1 bit: bipolar, bit 1 means +1 and bit 0 means -1 (weights, 1-bit input
//     pixels and 1-bit activations).
//   - k-bit weights (2 <= k <= 8): two's-complement signed integers.
//   - 8-bit input: unsigned pixels 0..255.
//   - k-bit activations (k >= 2): Base + n, where n in [0, 2^k-1] is the number of
//     thresholds reached.
//
// Eval is the definition of the network's function. Reference is a plain
// one-multiply-accumulate-at-a-time implementation of the same definition and
// Fast a bit-packed, batched, multi-core one; tests require them to agree on
// every output of every layer.
//
// Fast runs its dot products on popcount tile kernels (kernel.go) chosen at
// run time: AVX-512 VPOPCNTQ or AVX2 assembly where the CPU has them
// (detected with CPUID, no cgo), pure Go elsewhere; Kernels lists them and
// Fast.WithKernel picks one, with identical results (docs/cpu-kernels.md).
//
// netlist imports only the Go standard library and must never import another
// qnn package: every other stage imports it.
package netlist
