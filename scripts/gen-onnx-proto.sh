#!/usr/bin/env bash
# Regenerates qonnx/onnxpb/onnx.pb.go from qonnx/onnxpb/onnx.proto3, the
# official ONNX schema (onnx/onnx, onnx/onnx.proto3 at commit
# f34fb1ec57079c9a462f9ad12a07efa981e1c9d8, IR version 7), kept unmodified.
# Needs protoc (Debian: apt-get install protobuf-compiler) and protoc-gen-go at
# the version of google.golang.org/protobuf in go.mod. CI does not run this:
# the generated file is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
ver=$(go list -m -f '{{.Version}}' google.golang.org/protobuf)
if ! command -v protoc-gen-go >/dev/null || ! protoc-gen-go --version | grep -q "${ver}"; then
	GOBIN="$(go env GOPATH)/bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${ver}"
	export PATH="$(go env GOPATH)/bin:$PATH"
fi
protoc --proto_path=qonnx/onnxpb \
	--go_out=qonnx/onnxpb --go_opt=paths=source_relative \
	--go_opt=Monnx.proto3=github.com/qnn-dev/qnn/qonnx/onnxpb \
	onnx.proto3
mv qonnx/onnxpb/onnx.proto3.pb.go qonnx/onnxpb/onnx.pb.go 2>/dev/null || true
gofmt -l qonnx/onnxpb
