// Package rtlgen writes the Verilog-2005 design of a dataflow accelerator
// from its hardware plan (docs/dataflow.md, docs/rtl.md).
//
// A design directory holds:
//
//	rtl/*.v       the hand-written parameterized library modules (embedded in
//	              the binary from lib/, each with a test bench in lib/tb/; the
//	              stage modules of lib/conv/ and lib/seq/ only when the plan
//	              has their stages) and the generated top, which only instantiates and
//	              wires them: one instance per plan stage (one stageGen type
//	              per stage kind, stage_*.go), joined by the plan's streams
//	mem/*.mem     $readmemh init files of the weight, threshold and score ROMs
//	              (and a sequence model's embedding and lstm ROMs)
//	plan.json     the plan (hw.Save)
//	netlist.json  the netlist the plan was derived from
//	README.md     block diagram, ports, stream packing, timing, reset, how to
//	              reproduce the numbers
//	tb/           the kit (docs/kit.md): self-checking Verilog-2005 test bench,
//	              its stimulus and expected beats (netlist.Eval; a sequence
//	              model's: netlist.ReferenceSequence), Makefile, README
//	vivado/       create_project.tcl; yosys/: synth.ys (the run of qnn synth)
//
// Output is deterministic: the same plan, version and options give
// byte-identical files. Generate writes into a temporary directory beside
// the destination and renames it into place, so a design directory is never
// half written.
//
// rtlgen owns the Verilog library and the design layout; it imports hw and
// netlist only.
package rtlgen
