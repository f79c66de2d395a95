#!/usr/bin/env bash
# render-report.sh renders a flow report (DIR/report.html) in headless
# Chromium and writes a PNG screenshot, to check the self-contained HTML
# by eye:
#
#   scripts/render-report.sh DIR [OUT.png]     (default OUT: DIR/report-screenshot.png)
#
# Needs Debian's chromium (apt-get install chromium); the browser runs with
# networking off, so a report that needed any external asset would show it.
set -euo pipefail
dir=${1:?usage: render-report.sh DIR [OUT.png]}
out=${2:-$dir/report-screenshot.png}
html=$(realpath "$dir/report.html")
out=$(realpath -m "$out")
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
	echo "render-report: chromium not found (apt-get install chromium)" >&2
	exit 1
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --window-size=1280,${HEIGHT:-2000} \
	--screenshot="$out" "file://$html" >/dev/null 2>&1
[[ -s $out ]] || { echo "render-report: no screenshot written" >&2; exit 1; }
echo "render-report: $out"
