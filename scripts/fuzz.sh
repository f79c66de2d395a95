#!/usr/bin/env bash
# fuzz.sh runs every fuzz target of the file readers for a given time each
# and prints the executions and new corpus entries per target:
#
#   scripts/fuzz.sh [-t DURATION] [-s N] [TARGET...]
#
# -t DURATION  fuzzing time per target (go test -fuzztime), default 5m
# -m DURATION  time to minimize each new interesting input (default 5s; go
#              test's 60s default leaves short runs minimizing, not fuzzing)
# -s N         afterwards, copy up to N inputs of each target's generated
#              corpus (the Go build cache) into PKG/testdata/fuzz/TARGET/,
#              the committed seed corpus
# TARGET       a subset, e.g. FuzzCheckpoint (default: all)
#
# A crash stops the script with go test's failure output; the failing input
# is in PKG/testdata/fuzz/TARGET/ (commit it with the fix).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

time=5m
minimize=5s
save=0
while getopts "t:m:s:" opt; do
	case $opt in
	t) time=$OPTARG ;;
	m) minimize=$OPTARG ;;
	s) save=$OPTARG ;;
	*) sed -n '2,17p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# The readers of every file qnn reads: netlists, plans, folding files, IDX
# data, training checkpoints and the flow state.
targets=(
	./netlist:FuzzRead
	./hw:FuzzLoadPlan
	./hw:FuzzReadFolds
	./dataset:FuzzReadIDX
	./train:FuzzCheckpoint
	./flow:FuzzOpenDir
)
if [[ $# -gt 0 ]]; then
	sel=()
	for want in "$@"; do
		for t in "${targets[@]}"; do
			[[ ${t#*:} == "$want" ]] && sel+=("$t")
		done
	done
	targets=("${sel[@]}")
fi

cache=$(go env GOCACHE)/fuzz/github.com/qnn-dev/qnn
summary=()
for t in "${targets[@]}"; do
	pkg=${t%%:*}
	name=${t#*:}
	log=$(mktemp)
	echo "fuzz: $name ($pkg) for $time"
	if ! go test -run '^$' -fuzz "^$name\$" -fuzztime "$time" -fuzzminimizetime "$minimize" "$pkg" >"$log" 2>&1; then
		cat "$log"
		echo "fuzz: $name FAILED; the failing input is under $pkg/testdata/fuzz/$name/" >&2
		exit 1
	fi
	# The last progress line: "fuzz: elapsed: 20s, execs: 123456 (6172/sec), new interesting: 12 (total: 40)"
	last=$(grep -E '^fuzz: elapsed' "$log" | tail -1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	total=$(sed -nE 's/.*\(total: ([0-9]+)\).*/\1/p' <<<"$last")
	summary+=("$(printf '%-16s %-10s %12s execs  corpus %s' "$name" "$pkg" "${execs:-?}" "${total:-?}")")
	rm -f "$log"
	if [[ $save -gt 0 && -d $cache/${pkg#./}/$name ]]; then
		dst=$pkg/testdata/fuzz/$name
		mkdir -p "$dst"
		for f in $(ls -S -r "$cache/${pkg#./}/$name" | head -n "$save" || true); do
			cp "$cache/${pkg#./}/$name/$f" "$dst/$f"
		done
		echo "fuzz: copied up to $save inputs to $dst"
	fi
done
echo "fuzz: done, no crash"
printf '  %s\n' "${summary[@]}"
