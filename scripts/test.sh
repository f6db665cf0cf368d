#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what is missing, then:
#   1. g++ -Werror build: unit, CLI, fuzz-corpus replay and consumer tests;
#   2. the whole tree as a plain g++ Release (-O3) build, and again with clang-14: unit tests;
#      the Release build also runs every benchmark once, briefly (printed, not judged);
#   3. the dev tests under AddressSanitizer + UndefinedBehaviorSanitizer (no recovery);
#   4. the concurrency stress tests under ThreadSanitizer (clang-14);
#   5. every libFuzzer target (clang-14) for a bounded run from a fixed seed;
#   6. the real-guest stage (tests/guest/run.sh): Linux guests under QEMU against vrtc, with
#      QEMU and the kernel fetched from Debian's archive into ~/.cache/vrtc once.
# Any failure, or a stage that ran no test, stops the script with a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh

start=$SECONDS
total=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
stage() { printf '\n=== %s (%ss elapsed)\n' "$1" $((SECONDS - start)); }

for preset in dev release clang asan tsan fuzz; do
  stage "$preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  stage "$preset: test"
  ctest --preset "$preset" | tee "$log"
  # ctest's summary: "100% tests passed, 0 tests failed out of N".
  summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  total=$((total + $(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")))
  if [[ $preset == release ]]; then
    # Every benchmark once, briefly: a crash fails the stage; the numbers are printed for the
    # record (ratios to the baselines in each binary), never judged.
    stage "release: benchmarks (recorded, not judged)"
    for bench in build/release/bench/bench_*; do
      if [[ -x $bench ]]; then "$bench" --benchmark_min_time=0.05; fi
    done
  fi
done
stage "guest"
tests/guest/run.sh | tee "$log"
# Its closing line: "guest: N passed, 0 failed, M skipped".
total=$((total + $(sed -nE 's/^guest: ([0-9]+) passed.*/\1/p' "$log" | tail -n 1)))
stage "all stages passed"
echo "$total passed, 0 failed"
