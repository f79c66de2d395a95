#!/usr/bin/env bash
# Estimate calibration (issue 11): hw's resource estimate against Yosys
# 0.23 synth_xilinx -family xc7, per stage kind (input, dwc, swg, mvtu,
# pool, fifo, output). Synthesizes the designs of scripts/estbench (small
# and medium dense and conv networks, one to two minutes each) and
# qnn_fifo alone at a few depths and widths (seconds each), and writes the
# markdown tables to $1 (default: stdout). Not a CI test (CI runs
# `go test ./scripts/estbench`, which plans every design without Yosys).
#
# Environment: QNN_BENCH_WORK keeps the designs and their Yosys counts in
# that directory (default: a temporary one, removed at the end); with it,
# a second run re-tabulates the estimate in seconds without Yosys (a
# changed formula; QNN_BENCH_FRESH=1 synthesizes again). QNN_BENCH_ONLY
# selects designs by a regular expression on their names.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-/dev/stdout}")"
command -v yosys >/dev/null || { echo "bench-estimate: yosys not found (run scripts/setup.sh)" >&2; exit 1; }
work="${QNN_BENCH_WORK:-}"
if [[ -z "$work" ]]; then
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
go build -o "$work/estbench" ./scripts/estbench
args=(-work "$work/designs" -o "$work/designs.md")
[[ -n "${QNN_BENCH_ONLY:-}" ]] && args+=(-only "$QNN_BENCH_ONLY")
[[ "${QNN_BENCH_FRESH:-0}" == 1 ]] && args+=(-fresh)
echo "bench-estimate: designs (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
nice -n 5 "$work/estbench" "${args[@]}"

# qnn_fifo alone: the plans' FIFOs are rare and small, so sweep the module.
fifo="$work/fifo"
mkdir -p "$fifo"
cp rtlgen/lib/conv/qnn_fifo.v "$fifo/"
{
	echo "| FIFO depth x width | LUT est / Yosys (logic + LUT RAM sites) | FF est / Yosys | LUT RAM cells |"
	echo "|---|---|---|---|"
	for d in 1 2 4 8 16 32 64; do
		for w in 8 24; do
			stat="$fifo/stat_${d}_${w}.json"
			if [[ ! -s "$stat" ]]; then
				(cd "$fifo" && nice -n 5 yosys -q -p "read_verilog qnn_fifo.v; chparam -set Depth $d -set Width $w qnn_fifo;
					synth_xilinx -family xc7 -top qnn_fifo -noiopad -noclkbuf; tee -q -o $stat stat -json" >/dev/null)
			fi
			read -r elut eff < <("$work/estbench" -fifo-estimate "$d,$w")
			# The design section's cell counts (Yosys 0.23 writes them after the modules).
			sed -n '/"design"/,$p' "$stat" | tr -d ' \n' | sed 's/.*"num_cells_by_type":{\([^}]*\)}.*/\1/' | tr ',' '\n' | tr -d '"' |
				awk -F: -v d="$d" -v w="$w" -v elut="$elut" -v eff="$eff" '
					/^LUT[0-9]:/ { lut += $2 }
					/^FD/ { ff += $2 }
					/^RAM32M:|^RAM64M:|^RAM128X1D:/ { sites += 4 * $2; cells = cells $1 " " $2 " " }
					/^RAM32X1D:|^RAM64X1D:/ { sites += 2 * $2; cells = cells $1 " " $2 " " }
					END { printf "| %d x %d | %d / %d (%d + %d) | %d / %d | %s |\n", d, w, elut, lut + sites, lut, sites, eff, ff, (cells == "" ? "-" : cells) }'
		done
	done
} >"$work/fifo.md"
{
	echo "Yosys $(yosys -V | cut -d' ' -f2), $(date -u +%Y-%m-%dT%H:%MZ), load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	cat "$work/designs.md"
	echo
	cat "$work/fifo.md"
} >"$out"
