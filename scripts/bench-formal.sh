#!/usr/bin/env bash
# Formal-equivalence benchmark (package popcount): runs every formal proof
# of the compressor trees, all widths (go test ./popcount -long -run Formal,
# one proof at a time) and writes a markdown table of width / XNOR /
# pipelined / engine / seconds (wall and tool CPU) / verdict to $1 (default:
# docs/popcount-formal-results.md). Negative controls (deliberately wrong
# trees) are listed with verdict "caught". Exits non-zero if any proof
# fails or a wrong tree is not caught.
#
# Environment: QNN_FORMAL_NICE (default 19) is the nice level of the run;
# QNN_FORMAL_RUN (default Formal) the -run pattern.
# Needs yosys and yosys-abc (scripts/setup.sh). Takes several minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-docs/popcount-formal-results.md}")"
command -v yosys >/dev/null || { echo "bench-formal: yosys not found (run scripts/setup.sh)" >&2; exit 1; }
command -v yosys-abc >/dev/null || { echo "bench-formal: yosys-abc not found (run scripts/setup.sh)" >&2; exit 1; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

start=$(date +%s)
status=0
nice -n "${QNN_FORMAL_NICE:-19}" go test ./popcount -long -count=1 -parallel 1 -timeout 120m \
	-run "${QNN_FORMAL_RUN:-Formal}" -v 2>&1 | tee "$log" >&2 || status=$?
total=$(($(date +%s) - start))

rows="$(grep -o 'formal-result: .*' "$log" | sed -E \
	's/^formal-result: n=([0-9]+) xnor=([a-z]+) pipeline=([0-9]+) engine="([^"]*)" wall=([0-9.]+) cpu=([0-9.]+) verdict=(.*)$/| \1 | \2 | \3 | \4 | \5 | \6 | \7 |/' |
	sed -E 's/\| ([0-9]+) \| (true|false) \| 0 \|/| \1 | \2 | no |/; s/\| ([0-9]+) \| (true|false) \| ([0-9]+) \|/| \1 | \2 | P = \3 |/' |
	sed -E 's/\| true \|/| yes |/; s/\| false \|/| no |/' | sort -t'|' -k5,5 -k2,2n -k3,3 -s)"
{
	echo "# Popcount formal equivalence (scripts/bench-formal.sh)"
	echo
	echo "$(yosys -V | head -1), $(nproc) cores, $(date +%F); \`go test ./popcount -long -run ${QNN_FORMAL_RUN:-Formal} -parallel 1 -v\`"
	echo "(one proof at a time, nice ${QNN_FORMAL_NICE:-19}; total ${total} s). wall = elapsed seconds, cpu = user + system"
	echo "seconds of the Yosys and ABC processes (steadier on a shared machine). See docs/popcount.md, Verification."
	echo
	echo "| N | XNOR | pipelined | engine | wall s | cpu s | verdict |"
	echo "|---:|---|---|---|---:|---:|---|"
	echo "$rows"
} >"$out"
cat "$out"
echo "bench-formal: wrote $out" >&2
if [[ $status -ne 0 ]] || grep -q "NOT caught\|verdict=error" "$log"; then
	echo "bench-formal: some proof failed (go test exit $status)" >&2
	exit 1
fi
