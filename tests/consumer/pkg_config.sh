#!/usr/bin/env bash
# Builds the vrtc::vrtc consumer with the flags pkg-config gives for a staged install of vrtc.
# The language standard is the user's choice: the flags must not name one.
set -euo pipefail
stage=$1 cxx=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
export PKG_CONFIG_PATH="$stage/share/pkgconfig"
flags=$(pkg-config --cflags vrtc)
echo "pkg-config --cflags vrtc: $flags"
if [[ $flags == *-std=* ]]; then
  echo "pkg-config names a language standard; that is the user's choice" >&2
  exit 1
fi
for std in c++20 c++2b; do
  # shellcheck disable=SC2086
  "$cxx" -std=$std $flags "$here/vrtc_main.cpp" -o "$out/consumer-$std"
  "$out/consumer-$std"
done
