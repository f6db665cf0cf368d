#!/usr/bin/env bash
# The README's example program runs and prints the reading it decoded.
set -euo pipefail
out=$("$1/quickstart")
expected="clock 0 reads 1700000000123456789 ns"
[ "$out" = "$expected" ] || { echo "quickstart printed: $out"; echo "expected: $expected"; exit 1; }
# The README shows the program verbatim.
src="${VRTC_SOURCE_DIR:?}/examples/quickstart.cpp"
readme="${VRTC_SOURCE_DIR}/README.md"
first_cpp_block() { awk '/^```cpp$/ {on = 1; next} on && /^```$/ {exit} on {print}' "$1"; }
diff <(first_cpp_block "$readme") "$src" >/dev/null || { echo "README example differs from examples/quickstart.cpp"; exit 1; }
