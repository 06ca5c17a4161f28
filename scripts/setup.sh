#!/usr/bin/env bash
# Installs everything qopt needs from Debian's packages. Idempotent: packages already present are
# skipped by apt, and `apt-get update` runs only when something is missing.
set -euo pipefail

PKGS=(
  cmake ninja-build ccache g++ git pkgconf
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools clang-19 libclang-rt-19-dev lld-19
  flatbuffers-compiler libflatbuffers-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libbenchmark-dev libdnnl-dev
  python3-torch python3-onnx python3-numpy dataset-fashion-mnist libonnx-testdata
  python3-sklearn
  libzstd-dev zlib1g-dev libedit-dev libcurl4-openssl-dev libxml2-dev libffi-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
