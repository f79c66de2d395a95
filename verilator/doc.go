// Package verilator co-simulates a generated design (rtlgen) against qnn's
// cycle-accurate Go model (sim): it builds the RTL with Verilator (a C++
// harness, cached by a hash of the RTL) or Icarus Verilog (a generated
// Verilog test bench), drives both with the same input beats and the same
// seeded stall schedule (docs/dataflow.md "Co-simulation stimulus and stall
// schedule"), and compares every output handshake: same cycle, same data.
//
// verilator owns the harness (harness.cpp), the Icarus test bench, the build
// cache and the comparison; it imports hw, sim, rtlgen and netlist.
package verilator
