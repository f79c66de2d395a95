#!/usr/bin/env bash
# Synthesis benchmark (issue 5): SFC-w1a1 (784-256x3-10) and LFC-w1a1
# (784-1024x3-10) shaped designs (random 1-bit weights, the shapes of FINN's
# networks) at three foldings each, plus TFC (784-64x3-10) for the estimate
# calibration, through `qnn synth --target xc7` (Yosys synth_xilinx). Writes
# a markdown table to $1 (default: docs/synth-results.md): cycles per frame,
# LUTs, FFs, block RAM, logic depth, binary MACs per cycle per LUT, Yosys run
# time, and hw's analytic estimate beside Yosys (error %).
#
# Environment: QNN_BENCH_REUSE=1 keeps the results already in
# QNN_BENCH_WORK; QNN_BENCH_GEN_ARGS is added to every `qnn gen` (e.g.
# "--popcount behavioural"); QNN_BENCH_ONLY selects designs by a grep -E
# pattern on their names (e.g. "sfc|tfc"); QNN_BENCH_WORK keeps the designs
# in that directory (default: a temporary one, removed at the end).
# QNN_BENCH_FORMAL=0 skips the formal-equivalence proofs of the compressor
# trees at every width (scripts/bench-formal.sh, writing
# docs/popcount-formal-results.md), which run after the designs.
# Needs yosys (scripts/setup.sh). LFC takes minutes per folding.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out="$(realpath -m "${1:-docs/synth-results.md}")"
command -v yosys >/dev/null || { echo "bench-synth: yosys not found (run scripts/setup.sh)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench-synth: jq not found" >&2; exit 1; }
work="${QNN_BENCH_WORK:-}"
if [[ -z "$work" ]]; then
	work="$(mktemp -d)"
	trap 'rm -rf "$work" "$root/.bench-synth"' EXIT
else
	mkdir -p "$work"
	trap 'rm -rf "$root/.bench-synth"' EXIT
fi

# The networks: random weights with the published shapes (a hidden
# directory inside the module so the helper can import netlist; go's ./...
# patterns skip it).
mkdir -p "$root/.bench-synth"
cat >"$root/.bench-synth/main.go" <<'EOF'
package main

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/qnn-dev/qnn/netlist"
)

// main writes a random MLP with 1-bit weights: randnet OUT NAME H1,H2,...
// [ABITS] (hidden activation bits, default 1).
func main() {
	var hidden, abits []int
	for _, s := range strings.Split(os.Args[3], ",") {
		h, err := strconv.Atoi(s)
		if err != nil {
			panic(err)
		}
		hidden = append(hidden, h)
	}
	a := 1
	if len(os.Args) > 4 {
		var err error
		if a, err = strconv.Atoi(os.Args[4]); err != nil {
			panic(err)
		}
	}
	for range hidden {
		abits = append(abits, a)
	}
	n, err := netlist.Random(rand.New(rand.NewPCG(1, 2)), netlist.RandomConfig{
		Input: netlist.Shape{C: 1, H: 28, W: 28}, InputBits: 1, Hidden: hidden, ActBits: abits, Classes: 10})
	if err != nil {
		panic(err)
	}
	n.Name = os.Args[2]
	if err := netlist.Save(os.Args[1], n); err != nil {
		panic(err)
	}
}
EOF
go build -o "$work/qnn" ./cmd/qnn
go run ./.bench-synth "$work/tfc.json" tfc-w1a1 64,64,64
go run ./.bench-synth "$work/sfc.json" sfc-w1a1 256,256,256
go run ./.bench-synth "$work/lfc.json" lfc-w1a1 1024,1024,1024
go run ./.bench-synth "$work/tfc-a2.json" tfc-w1a2 64,64,64 2
go run ./.bench-synth "$work/sfc-a2.json" sfc-w1a2 256,256,256 2

# name model target-cycles: small to large (more cycles = smaller design).
# The w1a2 networks (2-bit activations: three thresholds per neuron, 2-bit
# lanes after the first layer) calibrate the estimate on the other lane kind.
designs=(
	"tfc-c1024 tfc 1024" "tfc-c256 tfc 256" "tfc-c64 tfc 64"
	"sfc-c4096 sfc 4096" "sfc-c1024 sfc 1024" "sfc-c256 sfc 256"
	"lfc-c8192 lfc 8192" "lfc-c2048 lfc 2048" "lfc-c512 lfc 512"
	"tfc-w1a2-c256 tfc-a2 256" "sfc-w1a2-c1024 sfc-a2 1024" "sfc-w1a2-c256 sfc-a2 256"
)
rows="$work/rows.md"
cal="$work/cal.md"
: >"$rows"
: >"$cal"
for d in "${designs[@]}"; do
	read -r name model cycles <<<"$d"
	if [[ -n "${QNN_BENCH_ONLY:-}" ]] && ! grep -qE "$QNN_BENCH_ONLY" <<<"$name"; then
		continue
	fi
	dir="$work/$name"
	if [[ "${QNN_BENCH_REUSE:-0}" == 1 && -s "$dir/synth.json" ]]; then
		echo "bench-synth: $name: reusing $dir/synth.json" >&2
	else
		# shellcheck disable=SC2086
		"$work/qnn" gen --model "$work/$model.json" -o "$dir" --force --target-cycles "$cycles" ${QNN_BENCH_GEN_ARGS:-} >/dev/null
		echo "bench-synth: $name: yosys synth_xilinx ($(date +%T))" >&2
		"$work/qnn" synth "$dir" --target xc7 --json >"$dir/synth.json.tmp" 2>"$dir/synth.log" ||
			{ echo "bench-synth: $name failed:" >&2; tail -3 "$dir/synth.log" >&2; exit 1; }
		mv "$dir/synth.json.tmp" "$dir/synth.json"
	fi
	jq -r --arg n "$name" '
		def pct(e; y): if y == 0 then "-" else (((e - y) * 1000 / y | round) / 10 | tostring) + "%" end;
		[$n, .cycles_per_frame, .total.lut, .total.ff, (.total.ramb36 + .total.ramb18 / 2), .total.lutram,
		 .depth, ((.macs_per_cycle_per_lut * 1000 | round) / 1000), ((.yosys_seconds * 10 | round) / 10)]
		| "| " + (map(tostring) | join(" | ")) + " |"' "$dir/synth.json" >>"$rows"
	# The estimate of this qnn (also when reusing an older synthesis).
	# shellcheck disable=SC2086
	"$work/qnn" gen --model "$work/$model.json" -o "$work/est-$name" --force --target-cycles "$cycles" ${QNN_BENCH_GEN_ARGS:-} --json |
		jq '.estimate' >"$work/est-$name.json"
	jq -r --arg n "$name" --slurpfile est "$work/est-$name.json" '
		def pct(e; y): if y == 0 then "-" else (((e - y) * 1000 / y | round) / 10 | tostring) + "%" end;
		$est[0] as $e |
		[$n, $e.LUT, .total.lut, pct($e.LUT; .total.lut), $e.FF, .total.ff,
		 pct($e.FF; .total.ff), $e.BRAM, (.total.ramb36 + .total.ramb18 / 2)]
		| "| " + (map(tostring) | join(" | ")) + " |"' "$dir/synth.json" >>"$cal"
	tail -1 "$rows" >&2
done

yosys_version="$(yosys -V | head -1)"
gen_args="${QNN_BENCH_GEN_ARGS:-(defaults)}"
{
	echo "# Synthesis results (scripts/bench-synth.sh)"
	echo
	echo "$yosys_version, \`synth_xilinx -family xc7\` (hierarchy kept), $(nproc) cores, $(date +%F)."
	echo "Random 1-bit weights with FINN's shapes: TFC 784-64x3-10, SFC 784-256x3-10, LFC 784-1024x3-10"
	echo "(1-bit activations; the w1a2 rows have 2-bit hidden activations);"
	echo "auto folding at the given cycles-per-frame target (\`qnn gen --target-cycles N\`); gen args: $gen_args."
	echo "MACs/cycle/LUT = binary MACs per frame / cycles per frame / LUTs. FINN SFC-max: 0.23"
	echo "(91,131 LUTs, 16 cycles/frame, Vivado); BNN-PYNQ LFC-w1a1: 0.22 (25,358 LUTs, 512 cycles/frame)."
	echo "Target: >= 0.5 at <= 8 LUT levels between registers."
	echo
	echo "| design | cycles/frame | LUT | FF | BRAM36 | LUTRAM | depth | MACs/cycle/LUT | Yosys s |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	cat "$rows"
	echo
	echo "## hw estimate vs Yosys"
	echo
	echo "| design | est LUT | Yosys LUT | LUT err | est FF | Yosys FF | FF err | est BRAM36 | Yosys BRAM36 |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	cat "$cal"
} >"$out"
cat "$out"
echo "bench-synth: wrote $out" >&2
if [[ "${QNN_BENCH_FORMAL:-1}" == 1 ]]; then
	echo "bench-synth: formal equivalence of the compressor trees, all widths (scripts/bench-formal.sh)" >&2
	scripts/bench-formal.sh
fi
