#!/bin/sh
# The kernels must stay freestanding, since generated code links against nothing, and each target's
# precompiled microkernels must be what its bitcode expects:
# - the bitcode (op kernels, linear-op drivers) references exactly the microkernels the target's
#   object defines (each definition then has the header's type, which the backend checks model
#   declarations against);
# - the object references nothing (no libc memcpy, memset, __cxa_*, __stack_chk_fail, ...);
# - every function it exports is a hidden qopt_uk_ microkernel (the model exports its entry alone);
# - its GEMMs use the target's instructions: zmm vpdpbusd, zmm vdpbf16ps, ymm vpmaddwd and
#   no zmm register at all for avx2;
# - no instruction of an extension the runtime does not check (the backend does not re-stamp
#   this code with the target's features): BMI1/2, LZCNT, POPCNT, MOVBE, AVX-512 CD / VBMI /
#   IFMA / BITALG / VPOPCNTDQ, GFNI, VAES, VPCLMULQDQ, and bf16 outside the avx512bf16 object.
#   check-kernel-library.sh <llvm-bin-dir> <kernel build dir>
set -eu
bin=$1 dir=$2
status=0
fail() { echo "FAIL $*"; status=1; }
for t in avx512vnni avx512bf16 avx2; do
  bc=$dir/qopt_uk_$t.bc obj=$dir/qopt_ukobj_$t.o
  for f in "$bc" "$obj"; do [ -f "$f" ] || { fail "$t: $f does not exist"; continue 2; }; done
  defined=$("$bin/llvm-nm" --defined-only --extern-only "$obj" | awk '{print $3}' | sort)
  for u in $("$bin/llvm-nm" --undefined-only "$bc" | awk '{print $2}'); do
    printf '%s\n' "$defined" | grep -qx "$u" || fail "$t: the bitcode needs '$u', which the microkernel object does not define"
  done
  needed=$("$bin/llvm-nm" --undefined-only "$bc" | awk '{print $2}')
  for d in $defined; do
    printf '%s\n' "$needed" | grep -qx "$d" || fail "$t: the object defines '$d', which the bitcode does not declare (its type would go unchecked)"
  done
  u=$("$bin/llvm-nm" --undefined-only "$obj" | awk '{print $2}' | tr '\n' ' ')
  [ -z "$u" ] || fail "$t: the microkernel object needs symbols from outside: $u"
  bad=$("$bin/llvm-readelf" -s "$obj" | awk '$5 != "LOCAL" && $5 != "Bind" && $1 != "Symbol" && NF >= 8 && !($4 == "FUNC" && $6 == "HIDDEN" && $8 ~ /^qopt_uk_/) {print $8}' | tr '\n' ' ')
  [ -z "$bad" ] || fail "$t: the object exports more than hidden qopt_uk_ functions: $bad"
  [ -n "$defined" ] || fail "$t: the microkernel object defines no function"
  echo "$t: $(printf '%s\n' "$defined" | wc -l) microkernels: $(printf '%s\n' "$defined" | tr '\n' ' ')"
done
count() { "$bin/llvm-objdump" -d --disassemble-symbols="$2" "$dir/qopt_ukobj_$1.o" | grep -c "$3" || true; }
n=$(count avx512vnni qopt_uk_gemm_u8s8_avx512vnni 'vpdpbusd.*%zmm')
[ "$n" -gt 0 ] || fail "avx512vnni: qopt_uk_gemm_u8s8_avx512vnni has no zmm vpdpbusd"
echo "avx512vnni: int8 GEMM with $n zmm vpdpbusd"
n=$(count avx512bf16 qopt_uk_gemm_bf16_avx512bf16 'vdpbf16ps.*%zmm')
[ "$n" -gt 0 ] || fail "avx512bf16: qopt_uk_gemm_bf16_avx512bf16 has no zmm vdpbf16ps"
echo "avx512bf16: bf16 GEMM with $n zmm vdpbf16ps"
n=$(count avx2 qopt_uk_gemm_u8s8_avx2 'vpmaddwd.*%ymm')
[ "$n" -gt 0 ] || fail "avx2: qopt_uk_gemm_u8s8_avx2 has no ymm vpmaddwd"
echo "avx2: int8 GEMM with $n ymm vpmaddwd"
if "$bin/llvm-objdump" -d "$dir/qopt_ukobj_avx2.o" | grep -q zmm; then fail "avx2: the object uses zmm"; fi
unchecked='(shlx|sarx|shrx|rorx|bzhi|pdep|pext|mulx|andn|bextr|blsr|blsi|blsmsk|tzcnt|lzcnt|popcnt|movbe|vpconflict|vplzcnt|vpermb|vpermi2b|vpermt2b|vpmultishift|vpopcnt|vpmadd52|vpshufbitqmb|gf2p8|vaes|vpclmul|vpshld|vpshrd|vpcompressb|vpexpandb)'
for t in avx512vnni avx512bf16 avx2; do
  pattern=$unchecked
  [ "$t" = avx512bf16 ] || pattern="($unchecked|vdpbf16ps|vcvtne2ps2bf16|vcvtneps2bf16)"
  [ "$t" != avx2 ] || pattern="($pattern|vpdpbusd|vpdpwssd)"
  found=$("$bin/llvm-objdump" -d --no-show-raw-insn "$dir/qopt_ukobj_$t.o" | awk '{print $2}' | grep -Ex "$pattern" | sort -u | tr '\n' ' ')
  [ -z "$found" ] || fail "$t: the object uses instructions outside the target's features: $found"
done
exit $status
