// Package flow runs qnn's whole pipeline in one output directory: train ->
// export -> gen -> sim -> cosim -> synth, then writes a report (report.md,
// report.json and a self-contained report.html with inline PNG plots).
//
// Each stage records the SHA-256 of its inputs (configuration and the
// content of the files it reads) and of its outputs in DIR/flow-state.json.
// A later run in the same directory skips every stage whose inputs and
// outputs are unchanged, so changing only the folding re-runs gen and what
// follows but not training. docs/flow.md describes the directory, the state
// file and the report.
//
// flow orchestrates the other packages (train, netlist, hw, rtlgen, sim,
// verilator, synth, dataset) and is imported only by cmd/qnn; no pipeline
// package may import it. It returns errors and never decides exit codes:
// errors the user can fix wrap ErrUser, an interruption wraps
// ErrInterrupted.
package flow
