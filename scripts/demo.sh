#!/usr/bin/env bash
# demo.sh runs the README's main job: it installs what is missing, builds
# qnn, and runs one small `qnn flow` from data to verified, synthesized
# hardware: TFC-w1a1 (784-64-64-64-10) trained on MNIST for a few epochs,
# exported exactly, folded for 100,000 frames/s at 100 MHz, simulated
# cycle-accurately on the 10,000 test images, co-simulated under Verilator
# on 300 of them and synthesized with Yosys for Xilinx 7-series. The report
# is demo-flow/report.html (and report.md, report.json).
#
# Extra arguments go to qnn flow, e.g. `scripts/demo.sh --force` to start
# over, or `scripts/demo.sh -o other-dir`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
echo "demo: go build -o bin/qnn ./cmd/qnn"
mkdir -p bin
go build -o bin/qnn ./cmd/qnn

args=(flow -o demo-flow --arch tfc --epochs 10 --target-fps 100000 --clock-mhz 100
	--cosim-images 300 --target xc7 "$@")
echo "demo: bin/qnn ${args[*]}"
time bin/qnn "${args[@]}"
