// Package synth runs Yosys (and, for iCE40, nextpnr) on a Verilog design
// and reports what it costs: LUTs by size, flip-flops, carry cells, wide
// multiplexers, block and distributed RAM and DSPs, per module and in total,
// and the logic depth between registers. It is what `qnn synth DIR` runs on
// a design written by rtlgen (DIR/rtl/*.v, memory init files in DIR/mem/),
// and what calibrates the hw package's analytic estimate.
//
// Run writes a Yosys script, runs yosys with the design directory as the
// working directory (the designs' $readmemh paths are relative to it),
// parses `stat -json` (hierarchy kept, so each module is counted on its own
// and the total is the flattened count) and the flattened netlist (write_json)
// for the logic depth, and writes report.json and report.md atomically to
// the output directory. Synthesis warnings about latches, multiple drivers or
// undriven nets are errors. With PnR on iCE40, nextpnr-ice40 places and
// routes the design and its --report JSON gives Fmax and utilisation.
// docs/synth.md describes the flow and the report.
//
// synth imports only the Go standard library; it knows nothing of qnn's
// plans or networks (cmd/qnn and the benchmarks connect them).
package synth
