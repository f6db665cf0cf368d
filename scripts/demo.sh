#!/usr/bin/env bash
# The demo: a simulated virtio-rtc guest/device session (probe, reads, a cross-timestamp, an
# alarm through a smeared leap second), then a vmclock host and reader living through a live
# migration and a snapshot restore.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
demos=(vrtc-demo vmclock-demo)
cmake --preset dev >/dev/null
# vmclock-demo starts the build's tools/vmclock-host.
cmake --build --preset dev --target "${demos[@]}" vmclock-host >/dev/null
for demo in "${demos[@]}"; do
  printf '\n=== %s\n\n' "$demo"
  "build/dev/examples/$demo"
done
