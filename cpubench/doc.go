// Package cpubench measures qnn's CPU inference: netlist.Fast with every
// popcount kernel the CPU runs (AVX-512 VPOPCNTQ, AVX2 nibble lookup, pure
// Go), at batch 1 and at a large batch, beside a float32 inference of the
// same network through OpenBLAS sgemm and the machine's sgemm ceiling, all
// in one run so that the ratios compare like with like.
//
// The float32 side is a small C program (blas_helper.c, embedded) that
// cpubench compiles on demand with cc against Debian's libopenblas-dev into
// a cache directory, so that the qnn binary itself stays cgo-free. It
// computes the network's exact function (every weight, activation and
// threshold is a small integer, exact in float32), and the bench checks
// that its classes equal netlist's.
//
// cpubench imports netlist and the standard library only.
package cpubench
