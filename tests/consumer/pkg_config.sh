#!/usr/bin/env bash
# Builds tests/consumer/main.cpp with the flags pkg-config gives for a staged install of vrtc.
set -euo pipefail
stage=$1 cxx=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
export PKG_CONFIG_PATH="$stage/share/pkgconfig"
flags=$(pkg-config --cflags vrtc)
echo "pkg-config --cflags vrtc: $flags"
# shellcheck disable=SC2086
"$cxx" $flags "$here/main.cpp" -o "$out/consumer"
"$out/consumer"
