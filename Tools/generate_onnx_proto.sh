#!/usr/bin/env bash
# Regenerates Sources/NNZONNX/Generated/onnx.pb.swift from the onnx.proto that the `onnx` Python
# package ships. Needs: protoc (Debian's protobuf-compiler), protoc-gen-swift built from
# apple/swift-protobuf at the version Package.swift names, and a Python with `onnx` installed.
#
#   PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift PYTHON=/path/to/python Tools/generate_onnx_proto.sh
#
# Without PROTOC_GEN_SWIFT the script builds it from the package cache (a few minutes, once):
#   git clone /opt/swift-packages/apple/swift-protobuf.git && git checkout 1.39.0 &&
#   swift build -c release --product protoc-gen-swift
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
PROTOBUF_VERSION="${PROTOBUF_VERSION:-1.39.0}"
if [ -z "${PROTOC_GEN_SWIFT:-}" ]; then
    src="${TMPDIR:-/tmp}/swift-protobuf-$PROTOBUF_VERSION"
    if [ ! -x "$src/.build/release/protoc-gen-swift" ]; then
        rm -rf "$src"
        git clone -q https://github.com/apple/swift-protobuf "$src"
        git -C "$src" checkout -q "$PROTOBUF_VERSION"
        (cd "$src" && swift build -c release --product protoc-gen-swift)
    fi
    PROTOC_GEN_SWIFT="$src/.build/release/protoc-gen-swift"
fi
onnx_dir=$("$PYTHON" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
onnx_version=$("$PYTHON" -c 'import onnx; print(onnx.__version__)')
protoc_version=$(protoc --version)
plugin_version=$("$PROTOC_GEN_SWIFT" --version 2>&1 | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$onnx_dir/onnx.proto" "$work/onnx.proto"
protoc --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" --proto_path="$work" \
    --swift_opt=Visibility=Internal --swift_out="$work" "$work/onnx.proto"
out=Sources/NNZONNX/Generated/onnx.pb.swift
{
    echo "// GENERATED: do not edit. The ONNX protobuf schema (onnx.proto from the onnx $onnx_version"
    echo "// Python package) compiled by $protoc_version with $plugin_version"
    echo "// (apple/swift-protobuf $PROTOBUF_VERSION), internal visibility. Regenerate with"
    echo "//   Tools/generate_onnx_proto.sh"
    echo "// which runs:"
    echo "//   protoc --plugin=protoc-gen-swift=PROTOC_GEN_SWIFT --swift_opt=Visibility=Internal --swift_out=. onnx.proto"
    echo
    cat "$work/onnx.pb.swift"
} > "$out"
echo "wrote $out ($(wc -c < "$out") bytes) from onnx $onnx_version"
