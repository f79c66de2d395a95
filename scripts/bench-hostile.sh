#!/usr/bin/env bash
# Hostile inputs (issue 13): peak memory and time of qnn refusing each one.
# Every command must exit 1 with one line, under 1 GB of resident memory and
# in a few seconds. Prints a markdown table (and writes it to $1 if given).
# Needs /usr/bin/time (Debian package time) and python3; the largest input
# is a 200 MB netlist, written to a temporary directory and removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/qnn" ./cmd/qnn
q="$work/qnn"
model="$PWD/testdata/tfc-w1a1.json"
python3 - "$model" "$work" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); w = sys.argv[2]
head = json.dumps({k: v for k, v in m.items() if k != "layers"})[:-1]
n = 1 << 24
with open(w + "/thr24.json", "w") as f:  # 2^24 channels x 8 bits of empty rows, ~50 MB
    f.write(head + ', "layers": [' + json.dumps(m["layers"][0]) + "," + json.dumps(m["layers"][1]) +
            ',{"op":"threshold","name":"act0","channels":%d,"bits":8,"base":0,"thresholds":[' % n)
    f.write(",".join(["[]"] * n) + "]}]}")
m["name"] = "x" * (200 * 1000 * 1000)
json.dump(m, open(w + "/bigname.json", "w"))  # a 200 MB model name
PY
cd "$work"
"$q" gen --model "$model" -o d >/dev/null
rm d/plan.json && ln -s /dev/zero d/plan.json
cp -r d d2 && rm d2/plan.json && python3 -c "open('d2/plan.json','w').write(' '*(100<<20)+'{}')"
truncate -s 3G huge.ckpt
head -c 300000000 /dev/urandom >rand.ckpt
rows=()
measure() { # name, command...
	local name="$1"; shift
	local code=0
	/usr/bin/time -f "%e %U %M" -o t.txt "$@" >/dev/null 2>err.txt || code=$?
	read -r wall user rss < <(tail -1 t.txt)
	local msg; msg="$(grep '^qnn: ' err.txt | head -1 | cut -c1-110)"
	rows+=("| $name | $code | $(awk "BEGIN{printf \"%.0f\", $rss/1024}") | $wall | $user | \`${msg//|/\\|}\` |")
}
measure "netlist: threshold layer of 2^24 channels x 8 bits (50 MB)" "$q" inspect thr24.json
measure "netlist: 200 MB model name" "$q" inspect bigname.json
measure "netlist: /dev/urandom" "$q" inspect /dev/urandom
measure "netlist: /dev/zero" "$q" eval --model /dev/zero --dataset mnist
measure "gen --fold /dev/zero" "$q" gen --model "$model" -o g1 --fold /dev/zero
measure "gen --fold /dev/urandom" "$q" gen --model "$model" -o g2 --fold /dev/urandom
measure "gen --in-pix 65536" "$q" gen --model "$model" -o g3 --in-pix 65536
measure "sim: plan.json -> /dev/zero" "$q" sim d --dataset mnist
measure "sim --allow-edited: plan.json -> /dev/zero" "$q" sim d --dataset mnist --allow-edited
measure "sim --allow-edited: 100 MB plan.json" "$q" sim d2 --dataset mnist --allow-edited
measure "train --resume /dev/zero" "$q" train --resume /dev/zero
measure "train --resume /dev/urandom" "$q" train --resume /dev/urandom
measure "train --resume a 3 GB file" "$q" train --resume huge.ckpt
measure "train --resume 300 MB of random bytes" "$q" train --resume rand.ckpt
table="$(printf '%s\n' "| input | exit | peak RSS (MB) | wall (s) | user CPU (s) | message |" "|---|---|---|---|---|---|" "${rows[@]}")"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$table"
if [[ -n "$out" ]]; then echo "$table" >"$out"; fi
