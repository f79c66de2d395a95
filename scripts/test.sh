#!/usr/bin/env bash
# test.sh is the project's full check: setup, build, vet, gofmt, tests.
# It exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

echo "test: go build ./..."
go build ./...

echo "test: go vet ./..."
go vet ./...

echo "test: gofmt -l ."
unformatted=$(gofmt -l .)
if [[ -n $unformatted ]]; then
	echo "test: these files need gofmt:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "test: go test -count=1 -timeout 20m ./..."
go test -count=1 -timeout 20m ./...
