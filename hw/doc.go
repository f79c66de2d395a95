// Package hw derives the hardware plan of a dataflow accelerator from a
// netlist: one matrix-vector-threshold unit (MVTU) per dense or conv2d layer, its
// folding (PE, SIMD, neuron and synapse folds, padding), hardware-domain
// weights, thresholds and score constants, memory shapes, accumulator and
// threshold widths, the input and output stream formats, cycles per frame,
// latency and an analytic LUT/FF/BRAM estimate. A sequence model
// (embedding -> lstm -> dense -> output) lowers to the token input, the
// lstm stage (LSTMStage: embedding ROM, unit-major gate MVU, cell and
// hidden units, h banks; docs/lstm-hardware.md) and the same MVTUs and
// output; its cycles per frame and latency are per token.
//
// The plan is the single source of every number the two back ends need:
// rtlgen (Verilog) and sim (the cycle-accurate simulator) read only the
// plan, and the netlist's parameters through its methods. The
// microarchitecture the plan describes is specified in docs/dataflow.md;
// the plan's own rules (folding, widths, default InPix, the resource
// formulas) in docs/hw-plan.md.
//
// Plan.Stages is the pipeline in stream order (stage.go): the input (or the
// token input and the lstm stage), window
// generators (SWGStage), MVTUs (Layer, one per dense or conv2d layer),
// max-pools (PoolStage), width converters (DWCStage), FIFOs (FIFOStage) and
// the output, each with its input and output Stream, Latency and Cycles.
// lower.go lowers the netlist to it; schedule.go and buffers.go compute the
// pipeline's schedule, FIFO depths and latency (docs/conv-hardware.md
// section 8).
//
// hw owns: Plan and its parts, NewPlan, auto folding (FoldsFromTarget,
// balanced against the floor no folding beats) and the LUT-bounded search
// (Options.MaxLUTs, foldsearch.go), ReadFolds, the resource estimate, Dump,
// and the plan.json format (Save, Load).
//
// hw imports only netlist, popcount and the standard library; it must never import
// rtlgen, sim, verilator, dataset, train or cmd.
package hw
