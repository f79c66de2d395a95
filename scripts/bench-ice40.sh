#!/usr/bin/env bash
# iCE40 benchmark: a trained binarized MLP on 14x14 MNIST, placed and routed
# for a Lattice iCE40, end to end and checked at every step:
#
#   train  qnn train --input-size 14 (28x28 images area-averaged to 14x14)
#   gen    qnn gen --target ice40 (folded to QNN_ICE40_CYCLES cycles/frame)
#   sim    qnn sim on all 10,000 test images (must equal netlist.Eval)
#   cosim  qnn cosim under Verilator on QNN_ICE40_COSIM images (must MATCH)
#   synth  qnn synth --target ice40 --pnr (Yosys synth_ice40, nextpnr-ice40)
#
# and writes the measured numbers as markdown to $1 (default:
# docs/ice40-results.md; written to a temporary file and renamed).
#
# Environment (defaults in brackets):
#   QNN_ICE40_HIDDEN [512]      hidden layer widths (--hidden)
#   QNN_ICE40_THRESHOLD [80]    pixel binarization threshold of the 14x14 images
#   QNN_ICE40_EPOCHS [40]       training epochs (about 100 s on 2 busy cores; under ~5 min)
#   QNN_ICE40_CYCLES [1024]     cycles per frame target of the folding
#   QNN_ICE40_DEVICE [hx8k]     nextpnr device: hx8k (ct256) or up5k (sg48)
#   QNN_ICE40_FREQ [40]         nextpnr target clock in MHz
#   QNN_ICE40_COSIM [300]       test images co-simulated under Verilator
#   QNN_BENCH_WORK              keep the model and design there (default: a temporary directory)
#
# synth_ice40 runs with -dffe_min_ce_use 8 (qnn synth --dffe-min-ce-use 8):
# without it nextpnr-ice40 0.4 fails to legalize the placement of these
# designs (many small clock-enable nets; 8 cells of a tile share one).
#
# The input stream is one pixel per beat (--in-pix 1): the accelerator is
# placed as the top level, so every AXI-Stream port bit is a package pin,
# and the HX8K's ct256 package has 206 user I/Os; 8 pixels per beat (64
# input bits) plus the 176-bit score output would need 248.
#
# Every heavy step runs under nice -n 19. Needs yosys, nextpnr-ice40,
# verilator and jq (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out="$(realpath -m "${1:-docs/ice40-results.md}")"
hidden="${QNN_ICE40_HIDDEN:-512}"
threshold="${QNN_ICE40_THRESHOLD:-80}"
epochs="${QNN_ICE40_EPOCHS:-40}"
cycles="${QNN_ICE40_CYCLES:-1024}"
device="${QNN_ICE40_DEVICE:-hx8k}"
freq="${QNN_ICE40_FREQ:-40}"
cosim="${QNN_ICE40_COSIM:-300}"
for tool in yosys nextpnr-ice40 verilator jq; do
	command -v "$tool" >/dev/null || { echo "bench-ice40: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
work="${QNN_BENCH_WORK:-}"
if [[ -z "$work" ]]; then
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT
else
	mkdir -p "$work"
fi
work="$(realpath "$work")"
qnn="$work/qnn"
n() { nice -n 19 "$@"; }
step() { echo "bench-ice40: $* ($(date +%T))" >&2; }
secs() { echo $(($(date +%s) - $1)); }

n go build -o "$qnn" ./cmd/qnn

step "train 196-${hidden//,/-}-10 w1a1 on 14x14 MNIST, $epochs epochs"
t0=$(date +%s)
n "$qnn" train --input-size 14 --hidden "$hidden" --input-threshold "$threshold" --epochs "$epochs" \
	--quiet --json --out "$work/model.json" >"$work/train.json"
train_s=$(secs "$t0")
n "$qnn" eval --model "$work/model.json" --dataset mnist --json >"$work/eval.json"

step "gen --target ice40 --target-cycles $cycles"
design="$work/design"
"$qnn" gen --model "$work/model.json" -o "$design" --force --target ice40 --target-cycles "$cycles" \
	--in-pix 1 --json >"$work/gen.json"

step "sim: 10,000 test images"
n "$qnn" sim "$design" --dataset mnist --json >"$work/sim.json"

step "cosim: verilator, $cosim images"
t0=$(date +%s)
n "$qnn" cosim "$design" --dataset mnist --limit "$cosim" --reset-seed 1 --json >"$work/cosim.json"
cosim_s=$(secs "$t0")

step "synth: yosys synth_ice40 + nextpnr-ice40 --$device at $freq MHz"
t0=$(date +%s)
n "$qnn" synth "$design" --target ice40 --pnr --device "$device" --freq-mhz "$freq" --dffe-min-ce-use 8 --json \
	>"$work/synth.json" 2>"$work/synth.log" ||
	{ echo "bench-ice40: synth failed:" >&2; tail -3 "$work/synth.log" >&2; exit 1; }
synth_s=$(secs "$t0")

# The numbers.
j() { jq -r "$2" "$work/$1.json"; }
train_acc=$(j train '.test_accuracy * 10000 | round / 100')
val_acc=$(j train '.val_accuracy * 10000 | round / 100')
best=$(j train '"\(.best_epoch) of \(.epochs)"')
eval_acc=$(j eval '.accuracy * 10000 | round / 100')
sim_acc=$(j sim '.accuracy * 10000 | round / 100')
sim_frames=$(j sim '.frames')
sim_agree=$(j sim '.agreement')
sim_cpf=$(j sim '.cycles_per_frame')
latency=$(j sim '.first_latency')
cosim_match=$(j cosim 'if .match then "MATCH" else "MISMATCH" end')
cosim_frames=$(j cosim '.frames')
cosim_beats=$(j cosim '.beats_compared')
cosim_acc=$(j cosim '.accuracy * 10000 | round / 100')
cpf=$(j gen '.cycles_per_frame')
folds=$(j gen '[.folds[] | "\(.pe)x\(.simd)"] | join(", ")')
lut=$(j synth '.total.lut')
ff=$(j synth '.total.ff')
carry=$(j synth '.total.carry')
ram4k=$(j synth '.total.ram4k')
depth=$(j synth '.depth')
est=$(j synth '"\(.estimate.LUT) LUT, \(.estimate.FF) FF"')
fmax=$(j synth '[.pnr.fmax[].achieved_mhz] | min * 100 | round / 100')
pkg=$(j synth '.pnr.package')
lc=$(j synth '.pnr.utilization[] | select(.resource == "ICESTORM_LC") | "\(.used) / \(.available)"')
bram=$(j synth '.pnr.utilization[] | select(.resource == "ICESTORM_RAM") | "\(.used) / \(.available)"')
io=$(j synth '.pnr.utilization[] | select(.resource == "SB_IO") | "\(.used)"')
fps=$(jq -n --argjson f "$fmax" --argjson c "$cpf" '$f * 1e6 / $c | round')
macs=$(j synth '.macs_per_frame')
[[ "$sim_agree" == 1 && "$cosim_match" == MATCH ]] ||
	{ echo "bench-ice40: sim agreement $sim_agree, cosim $cosim_match" >&2; exit 1; }

tmp="$(mktemp "$(dirname "$out")/.ice40-results.XXXXXX")"
{
	echo "# iCE40 results (scripts/bench-ice40.sh)"
	echo
	echo "A binarized MLP (1-bit weights and activations) trained on MNIST downsampled to 14x14,"
	echo "generated for iCE40, verified bit for bit and cycle for cycle, and placed and routed with"
	echo "nextpnr-ice40 for an iCE40${device^^} ($pkg). $(nproc) cores shared with other jobs (times are wall"
	echo "clock), $(date +%F); $(yosys -V | head -1),"
	echo "$(nextpnr-ice40 --version 2>&1 | head -1)."
	echo
	echo "Commands (\`qnn\` built from this tree):"
	echo
	echo '```'
	echo "qnn train --input-size 14 --hidden $hidden --input-threshold $threshold --epochs $epochs --out model.json"
	echo "qnn gen --model model.json -o design --target ice40 --target-cycles $cycles --in-pix 1"
	echo "qnn sim design --dataset mnist"
	echo "qnn cosim design --dataset mnist --limit $cosim --reset-seed 1"
	echo "qnn synth design --target ice40 --pnr --device $device --freq-mhz $freq --dffe-min-ce-use 8"
	echo '```'
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| network | 196-${hidden//,/-}-10 w1a1, input 1x14x14 binarized at pixel >= $threshold |"
	echo "| training | $epochs epochs, best epoch $best, validation $val_acc%, ${train_s} s |"
	echo "| test accuracy (\`netlist.Eval\`, 10,000 images) | **$train_acc%** (\`qnn eval\`: $eval_acc%) |"
	echo "| \`qnn sim\` | $sim_frames frames, $sim_acc%, equal to \`netlist.Eval\` (agreement $sim_agree) |"
	echo "| \`qnn cosim\` (Verilator) | $cosim_match: $cosim_beats of $cosim_frames output handshakes cycle-exact, $cosim_acc% (${cosim_s} s) |"
	echo "| folding (PE x SIMD per layer) | $folds |"
	echo "| cycles/frame | $cpf (measured $sim_cpf), latency $latency cycles |"
	echo "| Fmax (nextpnr, target $freq MHz) | **$fmax MHz** |"
	echo "| frames/s at Fmax | **$fps** |"
	echo "| LUT4 (Yosys) | $lut (+ $carry SB_CARRY); hw estimate $est |"
	echo "| FF (Yosys) | $ff |"
	echo "| logic cells (nextpnr ICESTORM_LC) | $lc |"
	echo "| block RAM (SB_RAM40_4K) | $bram (Yosys: $ram4k) |"
	echo "| I/O | $io SB_IO |"
	echo "| logic depth | $depth LUT levels between registers |"
	echo "| binary MACs/frame | $macs |"
	echo "| synthesis + place and route | ${synth_s} s |"
	echo
	echo "The whole accelerator is placed as the top level, so the input stream is one pixel per"
	echo "beat (\`--in-pix 1\`): the ct256 package has 206 user I/Os and the score output alone is"
	echo "176 bits wide. The 196 input beats per frame are fewer than the $cpf cycles of the slowest"
	echo "layer, so the narrow input costs no throughput. \`--dffe-min-ce-use 8\` (synth_ice40"
	echo "\`-dffe_min_ce_use 8\`) folds clock enables of fewer than 8 flip-flops into LUTs: without it"
	echo "nextpnr-ice40 0.4's placer cannot legalize the design (\"Unable to find legal placement for all"
	echo "cells\" at under half the logic cells), because the 8 cells of a tile must share clock, enable"
	echo "and reset."
} >"$tmp"
mv "$tmp" "$out"
cat "$out"
echo "bench-ice40: wrote $out" >&2
