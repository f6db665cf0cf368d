#!/usr/bin/env bash
# Installs the Debian bookworm packages vrtc needs to build, test, fuzz and benchmark.
# Idempotent: installs only what is missing, and upgrades tzdata (see below). Run as root (or
# with sudo available).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config python3   # build and reference scripts
  catch2 libfmt-dev libbenchmark-dev         # tests, formatters, benchmarks
  libcli11-dev nlohmann-json3-dev            # the command-line tools (arguments, JSON)
  clang-14 libclang-rt-14-dev                # libFuzzer and clang sanitizers
  tzdata                                     # /usr/share/zoneinfo/leap-seconds.list (host TAI)
)
# The leap-second list expires twice a year, so an installed tzdata is not enough: it is upgraded
# to the newest the configured suites (bookworm-security included) have, on every run.
always_upgrade=(tzdata)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    if [ ${#missing[@]} -ne 0 ]; then
      echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
    echo "install-deps: not root: ${always_upgrade[*]} not upgraded" >&2
    exit 0
  fi
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
if [ ${#missing[@]} -ne 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
"${as_root[@]}" apt-get install -y -qq --no-install-recommends --only-upgrade "${always_upgrade[@]}"
