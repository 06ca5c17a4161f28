#!/bin/sh
# Links OpKernelBitcodeCaller.c with one target's kernel bitcode the way the lowering will,
# optimizes, and checks that every layer_* function inlined its op kernel (no call left, so no
# libm helper either) and uses vector registers of the target's width.
#   check-opkernel-bitcode.sh <clang> <llvm-bin-dir> <include-dir> <kernel.bc> <caller.c> <tmpdir>
#                             <clang ISA flags> <register prefix: zmm | ymm>
set -eu
clang=$1 bin=$2 inc=$3 kernels=$4 caller=$5 tmp=$6 flags=$7 reg=$8
mkdir -p "$tmp"
# shellcheck disable=SC2086
"$clang" -O3 -fPIC $flags -I"$inc" -emit-llvm -x c -c "$caller" -o "$tmp/caller.bc"
# --only-needed, as the backend links (Linker::LinkOnlyNeeded): optimizing every kernel took minutes.
"$bin/llvm-link" --only-needed "$tmp/caller.bc" "$kernels" -o "$tmp/linked.bc"
"$bin/opt" -O3 "$tmp/linked.bc" -o "$tmp/opt.bc"
"$bin/llc" -O3 "$tmp/opt.bc" -o "$tmp/out.s"
status=0
for f in layer_gelu layer_tanh_f16 layer_softmax layer_quantize layer_add_bf16; do
  body=$(sed -n "/^$f:/,/^\.Lfunc_end/p" "$tmp/out.s")
  calls=$(printf '%s\n' "$body" | grep -c 'call' || true)
  vec=$(printf '%s\n' "$body" | grep -c "%$reg" || true)
  echo "$f: $calls calls, $vec $reg operands"
  if [ "$calls" -ne 0 ] || [ "$vec" -eq 0 ]; then status=1; fi
done
exit $status
