#!/bin/sh
# Links BitcodeCaller.c with the avx512vnni kernel bitcode the way the lowering will, optimizes,
# and checks that the kernel call was inlined and compiled to vpdpbusd code specialized for the
# constant shape (N = 512 = 10 full 48-column blocks + one of 32: 24 + 16 vpdpbusd).
#   check-bitcode-inlines.sh <clang> <llvm-bin-dir> <include-dir> <kernel.bc> <caller.c> <tmpdir>
set -eu
clang=$1 bin=$2 inc=$3 kernels=$4 caller=$5 tmp=$6
mkdir -p "$tmp"
"$clang" -O3 -fPIC -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni -mfma -I"$inc" \
  -emit-llvm -x c -c "$caller" -o "$tmp/caller.bc"
# --only-needed, as the backend links (Linker::LinkOnlyNeeded): optimizing every kernel took minutes.
"$bin/llvm-link" --only-needed "$tmp/caller.bc" "$kernels" -o "$tmp/linked.bc"
"$bin/opt" -O3 "$tmp/linked.bc" -o "$tmp/opt.bc"
if "$bin/llvm-dis" "$tmp/opt.bc" -o - | grep -A100000 '^define void @layer' | sed '/^}/q' |
    grep -q 'call .*@qopt_uk_'; then
  echo "the kernel call in @layer was not inlined"; exit 1
fi
n=$("$bin/llc" -O3 "$tmp/opt.bc" -o - | sed -n '/^layer:/,/^\.Lfunc_end/p' | grep -c vpdpbusd || true)
if [ "$n" -ne 40 ]; then
  echo "expected 40 vpdpbusd in the specialized layer, found $n"; exit 1
fi
echo "inlined and specialized: $n vpdpbusd"
