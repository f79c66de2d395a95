// Package sim is the cycle-accurate Go model of the dataflow accelerator
// that rtlgen emits, as docs/dataflow.md specifies it: the framer (tlast
// checks, dropped frames), the binarizer, one MVTU per dense or conv2d layer (input
// buffer, weight ROM, threshold or score ROM, the issue/accumulate/activate
// pipeline) and the argmax output stage, driven by the co-simulation
// stimulus and seeded stall schedule that the Verilator and Icarus
// harnesses use (Run: well-formed frames; RunStream: any tlast pattern and
// reset pulses). Every output handshake is recorded with its cycle and
// tdata, and every change of the framer's outputs, so the RTL can be
// compared cycle for cycle.
//
// One Go type per RTL module (framer, binarizer, inputBuffer, weightROM,
// actROM, mvtu, argmax); every cycle is two-phase: first every wire
// (valid, ready, enables, handshakes) is computed from the current
// registers of all modules, then the modules commit their next state,
// from the output back to the input, so that each module reads its
// producer's registers before the producer updates them.
//
// The design (design.go) is one model per stage of the plan's Stages, joined
// stage i to stage i+1 through the StreamStage interface: the MVTU and the
// argmax adapted to it, and the convolutional stage models (SWG, Pool, DWC,
// FIFO: qnn_swg, qnn_pool, qnn_dwc, qnn_fifo, docs/conv-hardware.md section
// 7), which RunStage also drives one module at a time.
//
// sim owns the simulator (Run, RunStream), its statistics and the splitmix64 stall
// generator (SplitMix64). It imports only hw and netlist (and the
// standard library); it must never import rtlgen, verilator, dataset,
// train or cmd, and it decides no timing, width or memory layout of its
// own: every such number comes from the hw plan.
package sim
