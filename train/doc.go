// Package train trains binarized and quantized multilayer perceptrons and
// convolutional networks (the method of Hubara et al., "Quantized Neural
// Networks", 2016) on MNIST-like data and CIFAR-10 and exports them exactly
// to the netlist IR.
//
// It owns:
//   - Config and the per-architecture defaults (tfc, sfc, lfc, mlp4096,
//     lenet, cnv) and the layer strings of convolutional models (arch.go);
//   - the layer kinds, each one type implementing the interface layer
//     (layer.go: training forward and backward, optimizer step, inference
//     form, checkpointed state) with an inference form implementing
//     infStage (integer forward, netlist export): dense (Layer: dense.go,
//     bn.go, export.go) and the convolution stage with its per-channel batch
//     norm and optional max-pool (Conv: conv.go, conv_infer.go,
//     maxpool.go, im2col on the GEMM). A Model is an ordered []layer and
//     every pass walks it, so a new kind (an LSTM) is a new type, not a
//     case in every pass; docs/training.md ("Layer kinds") says how to add
//     one;
//   - the float model (latent weights, batch norm, quantizers with the
//     straight-through estimator, squared hinge or cross-entropy loss,
//     Adam and shift-based AdaMax) and its training loop (Trainer), with
//     batch-norm statistics optionally recomputed exactly before every
//     validation (Trainer.SetBNStats, bnstats.go);
//   - the exact export: batch norm plus activation quantizer folded into
//     integer thresholds, the output layer folded into integer offsets, so
//     that netlist.Eval on the exported file classifies every image as the
//     float model's inference path does;
//   - checkpoints (atomic, resumable mid-epoch) and a blocked, goroutine-
//     parallel float32 GEMM with an AVX-512 micro-kernel (pure-Go fallback).
//
// train imports netlist and dataset and the standard library (plus
// golang.org/x/sys/cpu for feature detection). It must never import the
// hardware back ends (hw, rtlgen, sim) or cmd/qnn, and it never exits the
// process or owns a logger: it returns errors prefixed "train: " and reports
// progress through Hooks.
package train
