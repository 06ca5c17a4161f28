#!/usr/bin/env bash
# The main job, for now: builds qopt and takes the bundled sample model through
# import (.fb -> MLIR) -> export (MLIR -> .fb) -> import, checking nothing changed on the way.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/build.sh"

bin="$root/build/bin"
model="$root/examples/sample/tiny_mlp.fb"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo
echo "== 1. import $model ($(stat -c %s "$model") bytes)"
"$bin/qopt-translate" --import-flatbuffer "$model" -mlir-print-debuginfo -o "$out/imported.mlir"

echo "== 2. verify and canonicalize with qopt-opt"
"$bin/qopt-opt" --canonicalize "$out/imported.mlir" -o "$out/canonical.mlir"
echo "   ops: $(grep -oE '= qopt\.[a-z_0-9]+' "$out/canonical.mlir" | cut -c3- | sort | uniq -c | awk '{printf "%s x%s  ", $2, $1}')"
echo "   signature: $(grep -m1 'func.func' "$out/canonical.mlir" | sed 's/^ *func.func //; s/ {$//')"

echo "== 3. export back to FlatBuffers"
"$bin/qopt-translate" --export-flatbuffer "$out/imported.mlir" -o "$out/exported.fb"
echo "   wrote $(stat -c %s "$out/exported.fb") bytes"

echo "== 4. import the exported model again and compare"
"$bin/qopt-translate" --import-flatbuffer "$out/exported.fb" -mlir-print-debuginfo -o "$out/reimported.mlir"
if cmp -s "$out/imported.mlir" "$out/reimported.mlir" && cmp -s "$model" "$out/exported.fb"; then
  echo "   identical: the IR and the .fb bytes survived the round trip unchanged"
else
  echo "   MISMATCH between the original and the round-tripped model" >&2
  diff "$out/imported.mlir" "$out/reimported.mlir" | head -20 >&2 || true
  exit 1
fi

echo
echo "== the imported model (weights are dense_resource blobs, not shown):"
sed '/^{-#/,$d' "$out/canonical.mlir"
