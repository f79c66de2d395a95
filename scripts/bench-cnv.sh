#!/usr/bin/env bash
# CNV-w1a1 benchmark (issue 11; results in docs/cnv-results.md).
#
#   scripts/bench-cnv.sh [MODEL.json]
#
# MODEL (or $QNN_CNV_MODEL) is a trained CNV-w1a1 netlist (qnn train --arch
# cnv); without one, netlist.CNV(1,1) with random parameters (seed 1) is
# written by `go run ./scripts/randnet`. The design is generated at
# BNN-PYNQ's CNV folding (testdata/fold/cnv-w1a1-bnn-pynq.json: FINN
# finn-examples cnv-w1a1, 32,768 cycles/frame) and:
#   - Yosys synth_xilinx xc7 (started first, in the background: it takes
#     tens of minutes on CNV),
#   - qnn sim on $QNN_CNV_SIM_IMAGES CIFAR-10 test images (default 10000);
#     qnn sim fails on the first frame whose class or scores differ from
#     netlist.Eval,
#   - Verilator cosim on $QNN_CNV_COSIM_IMAGES images (default 200) with
#     0.3/0.3 input/output stalls, cycle-exact against sim,
#   - a faster folding: --fold auto --target-cycles $QNN_CNV_FAST_CYCLES
#     (default 8192), planned and simulated on 20 images.
# Every result is a JSON file in $QNN_CNV_WORK (default out/bench-cnv);
# the summary goes to stdout. Run it under nice -n 5 on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="$(realpath -m "${QNN_CNV_WORK:-out/bench-cnv}")"
model="${1:-${QNN_CNV_MODEL:-}}"
sim_images="${QNN_CNV_SIM_IMAGES:-10000}"
cosim_images="${QNN_CNV_COSIM_IMAGES:-200}"
fast_cycles="${QNN_CNV_FAST_CYCLES:-8192}"
data=(--dataset cifar10)
if [[ -n "${QNN_DATA_DIR:-}" ]]; then data+=(--data-dir "$QNN_DATA_DIR"); fi
fold="$root/testdata/fold/cnv-w1a1-bnn-pynq.json"
for t in yosys verilator jq; do
	command -v "$t" >/dev/null || { echo "bench-cnv: $t not found (run scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$work"
qnn="$work/qnn"
go build -o "$qnn" ./cmd/qnn
if [[ -z "$model" ]]; then
	model="$work/cnv-w1a1-random.json"
	go run ./scripts/randnet -wbits 1 -abits 1 -seed 1 -o "$model"
fi
stamp() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }

stamp "gen at BNN-PYNQ's folding"
"$qnn" gen --model "$model" --fold "$fold" --target xc7 -o "$work/design" --force --json "${data[@]}" >"$work/gen.json"
# sim and cosim read copies: synth holds a lock on its design directory.
rm -rf "$work/design-sim" && cp -r "$work/design" "$work/design-sim"

stamp "synth (background)"
( s=$(date +%s); "$qnn" synth --target xc7 --json "$work/design" >"$work/synth.json" 2>"$work/synth.log"
  echo "{\"wall_seconds\": $(( $(date +%s) - s )), \"load_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >"$work/synth-wall.json" ) &
synth_pid=$!

stamp "sim on $sim_images images"
s=$(date +%s)
"$qnn" sim "$work/design-sim" "${data[@]}" --limit "$sim_images" --json >"$work/sim.json"
stamp "sim done in $(( $(date +%s) - s )) s"

stamp "cosim on $cosim_images images, stalls 0.3/0.3"
"$qnn" cosim "$work/design-sim" "${data[@]}" --limit "$cosim_images" --stall-in 0.3 --stall-out 0.3 --reset-seed 1 --json >"$work/cosim.json"
stamp "cosim done"

stamp "faster folding: --target-cycles $fast_cycles"
"$qnn" gen --model "$model" --target-cycles "$fast_cycles" --target xc7 -o "$work/design-fast" --force --json "${data[@]}" >"$work/gen-fast.json"
"$qnn" sim "$work/design-fast" "${data[@]}" --limit 20 --json >"$work/sim-fast.json"

stamp "waiting for synth"
wait "$synth_pid"
stamp "done"
jq -r '"sim: \(.frames) frames equal to netlist.Eval, \(.cycles_per_frame) cycles/frame (plan \(.plan_cycles_per_frame)), latency \(.first_latency) (plan \(.plan_latency))"' "$work/sim.json"
jq -r '"cosim: \(.frames) frames, match \(.match), RTL \(.cycles_per_second) cycles/s, sim \(.sim_cycles_per_second) cycles/s"' "$work/cosim.json"
jq -r '"synth: \(.)"' "$work/synth.json" | cut -c1-400
jq -r '"fast: \(.plan.cycles_per_frame // .cycles_per_frame) cycles/frame"' "$work/gen-fast.json" 2>/dev/null || true
