#!/usr/bin/env bash
# Configures and builds qopt with CMake + Ninja (+ ccache when present).
#   scripts/build.sh              -> build/           (Release)
#   scripts/build.sh --sanitize   -> build-sanitize/  (AddressSanitizer + UndefinedBehaviorSanitizer)
#   scripts/build.sh --fuzz       -> build-fuzz/      (ASan + UBSan + coverage: every tool and test,
#                                                      and the libFuzzer harnesses qopt-fuzz-*)
# CI (scripts/test.sh) builds build/ and build-fuzz/: the test suite runs under the sanitizers in
# build-fuzz/, and the harnesses come from the same tree, so the instrumented code is built once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"

dir=build
opts=(-DCMAKE_BUILD_TYPE=Release)
targets=()
case "${1:-}" in
  "") ;;
  --sanitize)
    dir=build-sanitize
    opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQOPT_ENABLE_SANITIZERS=ON) ;;
  --fuzz)
    dir=build-fuzz
    # -O1 with line tables only, as ASan's and libFuzzer's documentation advise: symbolized stack
    # traces, and a cold build of the MLIR-heavy code in far less time than -O2 -g.
    opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQOPT_ENABLE_FUZZING=ON
          "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
          "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG")
    targets=(all qopt-fuzzers) ;;
  *) echo "usage: scripts/build.sh [--sanitize | --fuzz]" >&2; exit 2 ;;
esac

# Lets ccache share results between clones at different paths (CI builds in a fresh clone).
export CCACHE_BASEDIR="$root"
mkdir -p "$root/$dir"
echo "== configuring $dir"
cmake -G Ninja -S "$root" -B "$root/$dir" \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
  -DQOPT_WERROR=ON "${opts[@]}" > "$root/$dir/configure.log" 2>&1 \
  || { cat "$root/$dir/configure.log"; exit 1; }
echo "== building $dir"
ninja -C "$root/$dir" "${targets[@]}"
