package synth

import "testing"

// TestLogicDepthLUTRAM: a read-modify-write through LUT RAM (the read data
// feeds a LUT whose output is the RAM's write data, as in a pool's
// accumulators) is no combinational loop: the write port ends the path.
// The path address -> RAM -> LUT -> output is two levels.
func TestLogicDepthLUTRAM(t *testing.T) {
	const netlist = `{"modules": {"top": {
	  "ports": {"a": {"direction": "input", "bits": [2]}, "y": {"direction": "output", "bits": [4]}},
	  "cells": {
	    "ram": {"type": "RAM64X1D",
	      "port_directions": {"A0": "input", "DPRA0": "input", "D": "input", "WE": "input", "WCLK": "input", "SPO": "output", "DPO": "output"},
	      "connections": {"A0": [2], "DPRA0": [2], "D": [3], "WE": ["1"], "WCLK": [5], "SPO": [6], "DPO": [7]}},
	    "lut": {"type": "LUT2",
	      "port_directions": {"I0": "input", "I1": "input", "O": "output"},
	      "connections": {"I0": [6], "I1": [2], "O": [3]}},
	    "out": {"type": "LUT1",
	      "port_directions": {"I0": "input", "O": "output"},
	      "connections": {"I0": [7], "O": [4]}}
	  }}}}`
	got, err := logicDepth([]byte(netlist), "top")
	if err != nil {
		t.Fatal(err)
	}
	if got != 2 {
		t.Errorf("depth %d, want 2", got)
	}
}
