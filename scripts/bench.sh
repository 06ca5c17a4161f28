#!/usr/bin/env bash
# The benchmark in one command: installs what it needs (scripts/setup-bench.sh), builds the tools,
# runs the kernel benchmark (build/bin/qopt-kernel-bench, when built) and the whole-model
# benchmark (qopt vs ONNX Runtime vs PyTorch, bench/run_models.py), writes OUT/bench.json,
# OUT/kernels.json, OUT/bench.md and OUT/*.png, and prints the markdown.
#   scripts/bench.sh [--smoke] [--out DIR] [--models a,b] [--repeats N] [other run_models.py options]
# --smoke: one iteration on a small subset (CI). Full runs take long: don't run them on a busy
# machine if the numbers matter (the report says when it was busy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/bench/results
smoke=()
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=(--smoke); args+=("$1") ;;
    --out) out=$2; shift ;;
    --out=*) out=${1#--out=} ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

node_dir=$(bash "$root/scripts/setup-bench.sh")
if [ -z "${QOPT_BENCH_NO_BUILD:-}" ]; then
  [ -f "$root/build/build.ninja" ] || bash "$root/scripts/build.sh"
  echo "== building the tools" >&2
  targets=(qopt-compile qopt-run)
  ninja -C "$root/build" -t targets all 2>/dev/null | grep -q '^qopt-kernel-bench:' && targets+=(qopt-kernel-bench)
  ninja -C "$root/build" "${targets[@]}" >&2
fi

rm -f "$out/kernels.json"
if [ -x "$root/build/bin/qopt-kernel-bench" ]; then
  echo "== kernels: build/bin/qopt-kernel-bench ${smoke[*]}" >&2
  "$root/build/bin/qopt-kernel-bench" --json="$out/kernels.json" "${smoke[@]}" >&2 ||
    echo "bench.sh: warning: qopt-kernel-bench failed; the report has no kernel section" >&2
fi

echo "== whole models" >&2
/usr/bin/python3 "$root/bench/run_models.py" --build "$root/build" --out "$out" \
  --node-dir "$node_dir" "${args[@]}"
/usr/bin/python3 "$root/bench/summarize.py" "$out"
echo "bench.sh: wrote $out/bench.json, $out/bench.md and the plots" >&2
