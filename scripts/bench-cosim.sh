#!/usr/bin/env bash
# Co-simulation benchmark (issue 4): an SFC-sized w1a1 design through
# Verilator on all 10,000 MNIST test images with zero differences against
# qnn's Go cycle-accurate simulator, Go sim vs Verilator speed (cycles/s) on
# SFC- and LFC-sized designs, and Verilator build times. Writes a markdown
# table to $1 (default: bench-cosim.md) and prints it.
#
# Needs verilator (scripts/setup.sh installs it) and the MNIST test set.
# Verilator builds are cached under ${XDG_CACHE_HOME:-~/.cache}/qnn/verilator;
# set QNN_BENCH_FRESH=1 to measure cold builds (a private empty cache).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-bench-cosim.md}")"
rm -f "$out"
if ! command -v verilator >/dev/null; then
	echo "bench-cosim: verilator not found (run scripts/setup.sh)" >&2
	exit 1
fi
if [[ "${QNN_BENCH_FRESH:-0}" == 1 ]]; then
	XDG_CACHE_HOME="$(mktemp -d)"
	export XDG_CACHE_HOME
	trap 'rm -rf "$XDG_CACHE_HOME"' EXIT
fi
go test -count=1 -timeout 60m -run '^TestBenchCosim$' ./verilator -v -args -bench-cosim "$out" |
	grep -v '^=== RUN\|^--- PASS\|^PASS$\|^ok ' || true
test -s "$out" || { echo "bench-cosim: no table written" >&2; exit 1; }
echo "bench-cosim: wrote $out"
