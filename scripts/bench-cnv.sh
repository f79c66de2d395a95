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
#     tens of minutes on CNV); QNN_CNV_SYNTH=0 skips it,
#   - qnn sim on $QNN_CNV_SIM_IMAGES CIFAR-10 test images (default 10000),
#     split into $QNN_CNV_SIM_SHARDS (default 1) consecutive ranges run as
#     parallel qnn sim --offset/--limit processes, each from reset (so each
#     shard's first frame has the pipeline's fill latency); every shard
#     fails on the first frame whose class or scores differ from
#     netlist.Eval; sim.json sums the shards (frames, correct, cycles,
#     simulation seconds) and keeps each shard's report,
#   - Verilator cosim on $QNN_CNV_COSIM_IMAGES images (default 200; 0
#     skips it) with 0.3/0.3 input/output stalls, cycle-exact against sim,
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
sim_shards="${QNN_CNV_SIM_SHARDS:-1}"
do_synth="${QNN_CNV_SYNTH:-1}"
cosim_images="${QNN_CNV_COSIM_IMAGES:-200}"
fast_cycles="${QNN_CNV_FAST_CYCLES:-8192}"
data=(--dataset cifar10)
if [[ -n "${QNN_DATA_DIR:-}" ]]; then data+=(--data-dir "$QNN_DATA_DIR"); fi
fold="$root/testdata/fold/cnv-w1a1-bnn-pynq.json"
tools=(verilator jq)
if [[ "$do_synth" != 0 ]]; then tools+=(yosys); fi
for t in "${tools[@]}"; do
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

synth_pid=
if [[ "$do_synth" != 0 ]]; then
	stamp "synth (background)"
	( s=$(date +%s); "$qnn" synth --target xc7 --json "$work/design" >"$work/synth.json" 2>"$work/synth.log"
	  echo "{\"wall_seconds\": $(( $(date +%s) - s )), \"load_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >"$work/synth-wall.json" ) &
	synth_pid=$!
fi

stamp "sim on $sim_images images in $sim_shards shard(s)"
s=$(date +%s)
per=$(( (sim_images + sim_shards - 1) / sim_shards ))
pids=()
for (( i = 0; i < sim_shards; i++ )); do
	off=$(( i * per )); n=$(( sim_images - off < per ? sim_images - off : per ))
	(( n > 0 )) || continue
	# Each shard copies the design: sim holds a lock on its design directory.
	rm -rf "$work/design-sim$i" && cp -r "$work/design" "$work/design-sim$i"
	/usr/bin/time -f '{"shard": '"$i"', "wall_seconds": %e, "user_seconds": %U, "sys_seconds": %S, "max_rss_kb": %M}' -o "$work/sim-time$i.json" \
		"$qnn" sim "$work/design-sim$i" "${data[@]}" --offset "$off" --limit "$n" --json >"$work/sim$i.json" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
wall=$(( $(date +%s) - s ))
times=(); reports=()
for (( i = 0; i < sim_shards; i++ )); do
	if [[ -f "$work/sim$i.json" ]]; then reports+=("$work/sim$i.json"); times+=("$work/sim-time$i.json"); fi
done
jq -s --argjson wall "$wall" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --slurpfile times <(cat "${times[@]}") \
	'{frames: (map(.frames) | add), correct: (map(.correct) | add), accuracy: ((map(.correct) | add) / (map(.frames) | add)),
	  agreement: (if all(.agreement == 1) then 1 else 0 end), cycles: (map(.cycles) | add),
	  cycles_per_frame: (map(.cycles_per_frame) | max), plan_cycles_per_frame: .[0].plan_cycles_per_frame,
	  first_latency: .[0].first_latency, plan_latency: .[0].plan_latency,
	  sim_seconds: (map(.seconds) | add), wall_seconds: $wall, load_after: $load,
	  cpu_seconds: ($times | map(.user_seconds + .sys_seconds) | add), shards: ., shard_times: $times}' \
	"${reports[@]}" >"$work/sim.json"
stamp "sim done in $wall s"

if (( cosim_images > 0 )); then
	stamp "cosim on $cosim_images images, stalls 0.3/0.3"
	"$qnn" cosim "$work/design-sim" "${data[@]}" --limit "$cosim_images" --stall-in 0.3 --stall-out 0.3 --reset-seed 1 --json >"$work/cosim.json"
	stamp "cosim done"
fi

stamp "faster folding: --target-cycles $fast_cycles"
"$qnn" gen --model "$model" --target-cycles "$fast_cycles" --target xc7 -o "$work/design-fast" --force --json "${data[@]}" >"$work/gen-fast.json"
"$qnn" sim "$work/design-fast" "${data[@]}" --limit 20 --json >"$work/sim-fast.json"

if [[ -n "$synth_pid" ]]; then
	stamp "waiting for synth"
	wait "$synth_pid"
fi
stamp "done"
jq -r '"sim: \(.frames) frames equal to netlist.Eval (\(.shards | length) shard(s)), accuracy \(.accuracy), \(.cycles_per_frame) cycles/frame (plan \(.plan_cycles_per_frame)), latency \(.first_latency) (plan \(.plan_latency)), \(.sim_seconds) s simulating, \(.cpu_seconds) s CPU, \(.wall_seconds) s wall"' "$work/sim.json"
if (( cosim_images > 0 )); then
	jq -r '"cosim: \(.frames) frames, match \(.match), RTL \(.cycles_per_second) cycles/s, sim \(.sim_cycles_per_second) cycles/s"' "$work/cosim.json"
fi
if [[ -n "$synth_pid" ]]; then jq -r '"synth: \(.)"' "$work/synth.json" | cut -c1-400; fi
jq -r '"fast: \(.plan.cycles_per_frame // .cycles_per_frame) cycles/frame"' "$work/gen-fast.json" 2>/dev/null || true
