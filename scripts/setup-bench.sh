#!/usr/bin/env bash
# Installs what the whole-model benchmark needs beyond scripts/setup.sh: Debian's torchvision and
# matplotlib, Node.js, and ONNX Runtime's Node package (its CPU library ships inside it) into a
# fixed cache directory, so a fresh clone (CI) reuses it. Idempotent and quick when all is there.
#   scripts/setup-bench.sh [--ort-only]   prints the onnxruntime-node directory (NODE_PATH's parent)
# --ort-only: only the npm step (the smoke test: it needs no more than scripts/setup.sh has).
# QOPT_BENCH_NODE_DIR overrides the cache directory; QOPT_ORT_VERSION the pinned version.
# Without network, what cannot be installed is reported and the benchmark runs without it.
set -euo pipefail
node_dir=${QOPT_BENCH_NODE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/qopt/bench-node}
ort_version=${QOPT_ORT_VERSION:-1.30.0}

ort_only=""
[ "${1:-}" = --ort-only ] && ort_only=1

pkgs=(python3-torch python3-torchvision python3-onnx python3-numpy python3-matplotlib)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# By command, not package: a Node.js from elsewhere (one that bundles npm) is as good.
command -v node > /dev/null || missing+=(nodejs)
command -v npm > /dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ] && [ -z "$ort_only" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup-bench: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Other builds may hold the dpkg lock for a while on a shared machine: wait for it.
  { $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q &&
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"; } >&2 ||
    echo "setup-bench: warning: could not install ${missing[*]}" >&2
fi

have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
       "$node_dir/node_modules/onnxruntime-node/package.json" 2>/dev/null | head -1 || true)
if [ "$have" != "$ort_version" ] && command -v npm > /dev/null; then
  echo "setup-bench: npm install onnxruntime-node@$ort_version into $node_dir" >&2
  mkdir -p "$node_dir"
  # --ignore-scripts: the package's install script would download GPU binaries; the CPU library
  # is already in the tarball.
  (cd "$node_dir" && npm install --ignore-scripts --no-audit --no-fund --no-save \
     "onnxruntime-node@$ort_version" >&2) ||
    echo "setup-bench: warning: npm install onnxruntime-node failed; ORT rows will say unavailable" >&2
fi
echo "$node_dir"
