#!/usr/bin/env bash
# Builds qopt's libFuzzer harnesses (build-fuzz/, ASan + UBSan) and runs each one: first once over
# every committed regression input (fuzz/regressions/<surface>/), then for SECONDS of fuzzing
# starting from the committed seeds (fuzz/corpus/<surface>/, never modified). Fails on any crash,
# sanitizer report, leak or timeout, and keeps the input that caused it in
# build-fuzz/fuzz-artifacts/<surface>/: add it to fuzz/regressions/<surface>/ with the fix.
#   scripts/fuzz.sh [SECONDS]     seconds per harness (default 60)
#   QOPT_FUZZ_SEED=0 scripts/fuzz.sh 3600    the long run, with a random seed
# The default seed is fixed and each run starts from the committed seeds only, so a run explores
# the same input sequence every time (a slower machine explores a prefix of it): CI cannot turn red
# by luck, and a crash it reports reproduces. Long runs with other seeds are what find new bugs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
seed=${QOPT_FUZZ_SEED:-1}
surfaces=(model runtime onnx npy calibration)

bash "$root/scripts/build.sh" --fuzz
# allow_user_poisoning=0: see scripts/test.sh (Debian's LLVM allocators are not instrumented).
export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1

# One harness: its regression inputs, then the bounded run. Prints one summary line (or the
# failure) into build-fuzz/fuzz-<surface>.summary and returns non-zero on failure.
fuzz_one() {
  local s=$1
  local bin="$root/build-fuzz/bin/qopt-fuzz-$s"
  local work="$root/build-fuzz/fuzz-corpus/$s"
  local artifacts="$root/build-fuzz/fuzz-artifacts/$s"
  local log="$root/build-fuzz/fuzz-$s.log"
  rm -rf "$work"
  mkdir -p "$work" "$artifacts"
  mapfile -t regressions < <(find "$root/fuzz/regressions/$s" -type f 2>/dev/null ! -name '*.md' | sort)
  if [ ${#regressions[@]} -gt 0 ]; then
    if ! "$bin" -artifact_prefix="$artifacts/" "${regressions[@]}" > "$log.regressions" 2>&1; then
      echo "fuzz $s: a regression input fails again:"; tail -30 "$log.regressions"; return 1
    fi
  fi
  local status=0
  "$bin" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$root/fuzz/corpus/$s" > "$log" 2>&1 || status=$?
  local runs units
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(find "$work" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    echo "fuzz $s: FAILED (exit $status) after ${runs:-?} executions; input kept in $artifacts:"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20
    return 1
  fi
  echo "fuzz $s: ${runs:-?} executions in ${seconds} s, ${#regressions[@]} regression inputs," \
       "$units new corpus units, 0 crashes"
}

# Two harnesses at a time (the machines have 2 cores): half the wall time of one after another.
jobs=${QOPT_FUZZ_JOBS:-2}
pids=()
for s in "${surfaces[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$s" > "$root/build-fuzz/fuzz-$s.summary" 2>&1 &
  pids+=($!)
done
failed=0
for k in "${!surfaces[@]}"; do
  wait "${pids[$k]}" || failed=1
  cat "$root/build-fuzz/fuzz-${surfaces[$k]}.summary"
done
exit $failed
