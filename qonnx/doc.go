// Package qonnx reads and writes QONNX / FINN-ONNX models, executes them
// exactly in float64 (Execute, the ground truth an import is checked
// against), imports their dense and convolutional subset (MatMul/Gemm, Conv,
// MaxPool, batch norm and quantizers folded into integer thresholds) into a
// netlist through small graph passes, and exports a netlist as QONNX.
//
// The ONNX wire format is handled by google.golang.org/protobuf with the
// types generated from the official onnx.proto3 (package onnxpb). Everything
// else works on Graph, a small decoded form: float64 tensors, nodes with
// decoded attributes.
//
// qonnx imports netlist and the standard library (plus protobuf); it never
// imports hw, sim or rtlgen.
package qonnx
