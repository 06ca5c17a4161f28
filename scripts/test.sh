#!/usr/bin/env bash
# Runs every qopt test: installs dependencies, builds, runs lit + unit tests through ctest, then
# does the same again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS

bash "$root/scripts/build.sh"
echo "== testing build/"
(cd "$root/build" && ctest --output-on-failure -j2)

bash "$root/scripts/build.sh" --sanitize
echo "== testing build-sanitize/ (ASan + UBSan)"
(cd "$root/build-sanitize" &&
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2)

echo "== all tests passed in $((SECONDS - start)) s"
