#!/usr/bin/env bash
# Compile time of a header on its own: the CPU time (user + system, best of N runs) g++ takes
# for a translation unit that includes only that header, with -fsyntax-only (parsing and
# template instantiation) and with -c (also code generation), and the same less an empty
# translation unit that includes only <cstdint>. CPU time, not wall time: the machines are
# shared, and another process's load stretches the wall clock far more than the CPU time.
#
#   scripts/compile-time.sh [header ...]   default: vrtc/format/messages.hpp vrtc/vrtc.hpp
#   CXX=clang++-14 RUNS=5 scripts/compile-time.sh vrtc/roles/device.hpp
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cxx="${CXX:-g++}"
runs="${RUNS:-3}"
headers=("$@")
[ ${#headers[@]} -gt 0 ] || headers=(vrtc/format/messages.hpp vrtc/vrtc.hpp)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# best_of MODE FILE: the smallest user + system time of $runs compilations, in seconds.
best_of() {
  local mode="$1" file="$2" best="" t
  for ((i = 0; i < runs; i++)); do
    TIMEFORMAT='%3U %3S'
    t=$({ time "$cxx" -std=c++20 -O0 "$mode" -I"$root/include" "$file" -o "$work/out.o" >/dev/null; } 2>&1 |
      awk 'END { printf "%.3f", $1 + $2 }')
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$t"; fi
  done
  printf '%s' "$best"
}

printf '#include <cstdint>\n' >"$work/empty.cpp"
base_syntax=$(best_of -fsyntax-only "$work/empty.cpp")
base_object=$(best_of -c "$work/empty.cpp")

echo "$("$cxx" --version | head -1); -std=c++20 -O0; CPU seconds, best of $runs"
printf '%-34s %12s %8s %12s %8s\n' header syntax-only over -c over
printf '%-34s %12s %8s %12s %8s\n' "(empty: <cstdint>)" "$base_syntax" "" "$base_object" ""
for h in "${headers[@]}"; do
  printf '#include <%s>\n' "$h" >"$work/tu.cpp"
  s=$(best_of -fsyntax-only "$work/tu.cpp")
  o=$(best_of -c "$work/tu.cpp")
  printf '%-34s %12s %8s %12s %8s\n' "$h" "$s" "$(awk -v a="$s" -v b="$base_syntax" 'BEGIN { printf "%.2f", a - b }')" \
    "$o" "$(awk -v a="$o" -v b="$base_object" 'BEGIN { printf "%.2f", a - b }')"
done
