#!/usr/bin/env bash
# The committed golden vectors are exactly what the reference script writes: regenerate them
# into a temporary file and compare byte for byte. ($1, the tool directory, is not needed.)
set -euo pipefail
source_dir="${VRTC_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
committed="$source_dir/tests/vectors/time_conversion.txt"
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
test -s "$committed" || { echo "missing or empty: $committed" >&2; exit 1; }
python3 "$source_dir/tests/reference/time_reference.py" "$fresh"
if ! diff -u "$committed" "$fresh" >&2; then
  echo "tests/vectors/time_conversion.txt differs from the output of tests/reference/time_reference.py" >&2
  exit 1
fi
echo "time_conversion.txt: $(grep -vc '^#' "$committed") vectors match the reference script"
