#!/usr/bin/env bash
# The demo: builds the tools and shows vrtc-codec on a few virtio-rtc messages.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target vrtc-codec >/dev/null
codec=build/dev/examples/vrtc-codec
run() { printf '$ vrtc-codec %s\n' "$*"; "$codec" "$@"; echo; }
run encode '{"msg": "CFG", "dir": "req"}'
run decode 0010000000000000
run decode --msg CFG --dir resp 00000000000000000300000000000000
run encode '{"msg": "SET_ALARM", "dir": "req", "clock_id": 0, "alarm_time": 1800000000000000000, "flags": 1}'
run decode --msg READ --dir resp 000000000000000015cd853dfe9c9717
run decode 0020000000000000000000000000000000
run decode --msg READ --dir resp 0300000000000000
