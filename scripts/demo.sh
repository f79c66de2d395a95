#!/usr/bin/env bash
# demo.sh runs the README's main job on a small default: it installs what is
# missing, builds qnn, and evaluates the small trained network in testdata/ on
# the MNIST test set with the golden evaluator.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
echo "demo: go build -o bin/qnn ./cmd/qnn"
mkdir -p bin
go build -o bin/qnn ./cmd/qnn

model=testdata/tfc-w1a1.json
[[ -f $model ]] || model=testdata/random-tfc-w1a1.json
echo "demo: bin/qnn inspect $model"
bin/qnn inspect "$model"
echo "demo: bin/qnn eval --model $model --dataset mnist"
bin/qnn eval --model "$model" --dataset mnist
