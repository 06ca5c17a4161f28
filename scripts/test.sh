#!/usr/bin/env bash
# Runs every qopt test: installs dependencies, builds, runs lit + unit tests through ctest, does
# the same again under AddressSanitizer + UndefinedBehaviorSanitizer (build-fuzz/), then runs the
# fuzzers built in that same tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS

# What the tests measured, so a passing run still shows its numbers.
summarize() {
  local out="$root/$1/test/Integration/Output"
  echo "== measured in $1:"
  for t in fashion-mnist fashion-mnist-int8; do
    for m in mlp cnn; do
      f="$out/$t.test.tmp/$m.summary"
      [ -f "$f" ] && echo "   $t $m: $(grep -E 'agreement|accuracy' "$f" | grep -v PASS | tr -s ' ' | paste -sd';')"
    done
  done
  f="$out/fashion-mnist-precision.test.tmp/summary.txt"
  [ -f "$f" ] && grep -E 'accuracy [0-9.]+%, loss' "$f" | sed 's/^[A-Z]* /   /'
  f="$out/onnx-conformance.test.tmp.log"
  [ -f "$f" ] && echo "   onnx conformance: $(tail -1 "$f") ($(grep '^supported cases' "$f"))"
  f="$out/onnx-conformance-native.test.tmp.log"
  [ -f "$f" ] && tail -2 "$f" | sed 's/^/   onnx conformance, /'
  f="$out/fashion-mnist-native.test.tmp/summary.txt"
  [ -f "$f" ] && awk '/^== /{name=substr($0,4)} /accuracy difference/{print "   " name ": " $0} /bit-identical/{print "   " $0}' "$f"
  return 0
}

bash "$root/scripts/build.sh"
echo "== [$((SECONDS - start)) s] testing build/"
(cd "$root/build" && ctest --output-on-failure -j2)
summarize build

# The instrumented tree (ASan + UBSan, plus the coverage the fuzzers need) runs the whole suite
# again, then the fuzzers from the same build.
bash "$root/scripts/build.sh" --fuzz
echo "== [$((SECONDS - start)) s] testing build-fuzz/ (ASan + UBSan)"
# allow_user_poisoning=0: LLVM's allocators poison their slabs by hand when the code including
# their headers is built with ASan, but Debian's LLVM libraries are not, so they never unpoison
# what they hand out and every MLIRContext would report use-after-poison. Real bugs (overflows,
# use-after-free, leaks, undefined behaviour) are still reported.
# quarantine_size_mb=32 (default 256): freed memory is held back 32 MiB deep before reuse, which
# still catches use-after-free within a run; the default made every compile page-fault fresh
# memory (a native check took 4.7 s, 3.4 s with this).
(cd "$root/build-fuzz" &&
  ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0:quarantine_size_mb=32 \
  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2)
summarize build-fuzz

# Every input surface under libFuzzer (ASan + UBSan): the committed regression inputs, then a
# bounded run from the committed seeds. QOPT_FUZZ_SECONDS=0 skips the fresh fuzzing, not the
# regressions.
echo "== [$((SECONDS - start)) s] fuzzing (build-fuzz/, ${QOPT_FUZZ_SECONDS:-60} s per harness)"
bash "$root/scripts/fuzz.sh" "${QOPT_FUZZ_SECONDS:-60}"

echo "== all tests passed in $((SECONDS - start)) s"
