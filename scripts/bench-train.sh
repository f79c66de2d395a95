#!/usr/bin/env bash
# bench-train.sh: the trainer's accuracy table (issue 3 §5). Trains every
# configuration below with `qnn train --json` (one at a time), evaluates the
# exported netlist on the test set (qnn train does that with netlist.Eval)
# and writes a markdown table: test and validation accuracy, best epoch,
# mean epoch time, wall time, the load average around the run, and the
# number of test images the float model and the netlist classify
# differently.
#
#   scripts/bench-train.sh                  # the full table (about 1.5 h on 2 quiet cores, 2.5 h shared)
#   QUICK=1 scripts/bench-train.sh          # 1 epoch on 5,000 images per row: checks the plumbing
#   ROWS="tfc-w1a1 lfc-w1a1" scripts/bench-train.sh   # selected rows
#   EPOCHS=3 ROWS=lfc-w1a1 scripts/bench-train.sh     # override the epoch count
#   RESUME=1 ROWS=cnv-w1a1 scripts/bench-train.sh      # continue a row from its checkpoint
#   STEP=1 scripts/bench-train.sh           # only BenchmarkTrainStep/arch=cnv (cnv s/epoch) against the sgemm ceiling
#
# The CNV rows take hours (CIFAR-10, about 150 minutes of CPU or more): a row
# writes its checkpoint to $WORK/NAME.json.ckpt after every epoch (and on
# Ctrl-C or SIGTERM), and RESUME=1 continues it from there (the configuration
# comes from the checkpoint); the wall time of a resumed row is that of the
# last invocation, the epoch times in its CSV are all epochs'.
#
# Every row's result is kept in $WORK/NAME.row (with its JSON report, log,
# metrics CSV and model), and $OUT is rebuilt after every row from all the
# .row files in $WORK, in the order below. So rows can be run separately
# (e.g. the long ones under nohup) and accumulate into one table.
# Defaults: WORK=$TMPDIR/qnn-bench-train (/tmp), OUT=docs/training-results.md; with QUICK,
# WORK=$TMPDIR/qnn-bench-train-quick and OUT=$WORK/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=${QUICK:-}
if [[ -n "$QUICK" ]]; then # never mixed with (or written over) the real table
	WORK=${WORK:-${TMPDIR:-/tmp}/qnn-bench-train-quick}
	OUT=${OUT:-$WORK/results.md}
fi
OUT=${OUT:-docs/training-results.md}
WORK=${WORK:-${TMPDIR:-/tmp}/qnn-bench-train}
EPOCHS=${EPOCHS:-}
mkdir -p "$WORK"

# name | flags | anchor (published figure to compare with). Flags not
# given take the per-architecture defaults of train.DefaultConfig
# (docs/training.md).
ROWS_ALL=(
	"tfc-w1a1|--arch tfc|Brevitas TFC-w1a1 93.17% (target >= 93.2%)"
	"tfc-w1a1-gbits6|--arch tfc --gbits 6|QNN paper: 6-bit gradients"
	"tfc-w1a1-shiftbn|--arch tfc --shift-bn|QNN paper: shift-based batch norm"
	"tfc-w1a1-shiftadamax|--arch tfc --optimizer shift-adamax|QNN paper: shift-based AdaMax"
	"tfc-w1a1-hwall|--arch tfc --gbits 6 --shift-bn --optimizer shift-adamax|all three"
	"sfc-w1a1|--arch sfc|Brevitas SFC-w1a1 97.81% (target >= 97.8%)"
	"lfc-w1a1|--arch lfc|BNN-PYNQ LFC-w1a1 98.35% (target >= 98.4% in 20 min)"
	"lfc-w1a1-90min|--arch lfc --epochs 300 --augment 2|Brevitas LFC-w1a1 98.88% (target >= 98.9% in 90 min)"
	"lfc-w1a2|--arch lfc --abits 2|BNN-PYNQ LFC-w1a2 98.55% (target >= 98.5%)"
	"lfc-w1a1-in8|--arch lfc --input-bits 8|reported"
	"fashion-lfc-w1a1|--arch lfc --dataset fashion|reported"
	"lenet-w1a1|--arch lenet|small conv net, 1-bit pixels"
	"fashion-lenet-w1a1|--arch lenet --dataset fashion|reported"
	"cnv28-w1a1|--arch cnv28|small conv net (target >= 99.3%)"
	"fashion-cnv28-w1a1|--arch cnv28 --dataset fashion|reported"
	"cnv-w1a1|--arch cnv --dataset cifar10|BNN-PYNQ CNV-w1a1 79.22%, Brevitas 84.22% (target >= 80%)"
	"cnv-w1a2|--arch cnv --dataset cifar10 --abits 2|Brevitas CNV-w1a2 87.80%"
	"cnv-w2a2|--arch cnv --dataset cifar10 --wbits 2 --abits 2|Brevitas CNV-w2a2 89.03%"
)

if [[ -n "${STEP:-}" ]]; then
	# One training step of cnv (batch 100, 32x32x3) as seconds per
	# 45,000-image epoch, and its GFLOP/s as a fraction of OpenBLAS sgemm
	# measured in the same run.
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	# Debian's OpenBLAS takes this CPU for a Prescott (SSE3 kernels) unless
	# told its core type; qnn bench does the same.
	if [[ -z "${OPENBLAS_CORETYPE:-}" ]]; then
		if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
		elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
	fi
	ceil=$(/work/shared/tools/sgemm-ceiling.sh 2>/dev/null || ../shared/tools/sgemm-ceiling.sh)
	ceil=${ceil#openblas_sgemm_gflops=}
	out=$(go test ./train -run '^$' -bench 'TrainStep/arch=cnv' -benchtime 5x -count 1)
	echo "$out" | grep Benchmark
	gf=$(echo "$out" | sed -n 's/.* \([0-9.]*\) GFLOP\/s.*/\1/p' | head -1)
	echo "sgemm ceiling ${ceil} GFLOP/s (OpenBLAS core ${OPENBLAS_CORETYPE:-auto}); cnv step ${gf} GFLOP/s = $(awk "BEGIN { printf \"%.2f\", $gf / $ceil }") of it"
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
	exit 0
fi

go build -o "$WORK/qnn" ./cmd/qnn
QNN="$WORK/qnn"

# top reads a top-level number from an indented JSON report.
top() { sed -n "s/^  \"$1\": \([-0-9.e]*\),\{0,1\}$/\1/p" "$2" | head -1; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# table rebuilds $OUT from the .row files.
table() {
	{
		echo "# qnn train: accuracy table"
		echo
		echo "Generated by \`scripts/bench-train.sh\` ($(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)); last row finished $(date -u '+%Y-%m-%d %H:%M UTC')."
		echo "Test accuracy is \`netlist.Eval\` on the exported file (10,000 test images); the saved model is the"
		echo "epoch with the best validation accuracy (last 10,000 images of the training file; 5,000 for CIFAR-10). \"diff\" counts"
		echo "test images that the float (quantized-forward) model and the netlist classify differently."
		echo "The machine's 2 cores were shared with other jobs: \"load\" is the 1-minute load average at the"
		echo "start and end of the row (2.0 = both cores busy), and times scale with it; see"
		echo "[training.md](training.md) for quiet-machine epoch times."
		echo
		echo "| model | command (\`qnn train ...\`) | test acc | val acc | best epoch / epochs | s/epoch | wall time | load | diff | anchor |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		for row in "${ROWS_ALL[@]}"; do
			IFS='|' read -r name _ _ <<< "$row"
			if [[ -f "$WORK/$name.row" ]]; then
				cat "$WORK/$name.row"
			fi
		done
	} > "$OUT"
}

for row in "${ROWS_ALL[@]}"; do
	IFS='|' read -r name flags anchor <<< "$row"
	if [[ -n "${ROWS:-}" && " $ROWS " != *" $name "* ]]; then
		continue
	fi
	extra=()
	if [[ -n "$QUICK" ]]; then
		extra+=(--epochs 1 --limit 5000)
	elif [[ -n "$EPOCHS" ]]; then
		extra+=(--epochs "$EPOCHS")
	fi
	cmd="$flags${extra[*]:+ ${extra[*]}}"
	echo "== $name: qnn train $cmd" >&2
	start=$(date +%s)
	l0=$(load1)
	# shellcheck disable=SC2086 # flags are word lists
	run=($flags "${extra[@]}")
	if [[ -n "${RESUME:-}" && -f "$WORK/$name.json.ckpt" ]]; then
		run=(--resume "$WORK/$name.json.ckpt")
		echo "   resuming from $WORK/$name.json.ckpt" >&2
	fi
	if ! "$QNN" train "${run[@]}" --quiet --json --out "$WORK/$name.json" \
		--metrics "$WORK/$name.csv" > "$WORK/$name.report.json" 2>> "$WORK/$name.log"; then
		echo "| $name | \`$cmd\` | failed: see $WORK/$name.log | | | | | | | $anchor |" > "$WORK/$name.row"
		table
		continue
	fi
	wall=$(( $(date +%s) - start ))
	r="$WORK/$name.report.json"
	mean=$(awk -F, 'NR > 1 { s += $6; n++ } END { if (n) printf "%.1f", s / n }' "$WORK/$name.csv")
	printf '| %s | `%s` | %.2f%% | %.2f%% | %s / %s | %s | %dm%02ds | %s-%s | %s | %s |\n' \
		"$name" "$cmd" \
		"$(awk "BEGIN { print 100 * $(top test_accuracy "$r") }")" \
		"$(awk "BEGIN { print 100 * $(top val_accuracy "$r") }")" \
		"$(top best_epoch "$r")" "$(top epochs "$r")" "$mean" $((wall / 60)) $((wall % 60)) \
		"$l0" "$(load1)" "$(top disagreements "$r")" "$anchor" > "$WORK/$name.row"
	table
done
table
echo "wrote $OUT (reports in $WORK)" >&2
