#!/usr/bin/env bash
# vrtc-demo: the whole simulated session, compared line by line. The values follow from the
# setup alone: TAI-UTC 36 s before the 2016-12-31 leap second, reference time 0 at
# 23:26:40 UTC, a 2.5 GHz host TSC seen by the guest scaled by 0.5 plus 10^6, and UTC-SLS
# (the last 1000 s of the day run 1001 SI seconds, so at true 23:59:60.5 the smeared clock
# shows 23:59:59 + 999.5004995 - 999 s).
set -euo pipefail

tool="$1/vrtc-demo"
expected='device: 3 clocks, features 0x1 negotiated

probe:
  clock 0  UTC_SMEARED       UTC_SLS      alarm yes  cross X86_TSC no   PTP "Virtio PTP type 3/variant 2"  (RTC)
  clock 1  TAI               UNSPECIFIED  alarm no   cross X86_TSC yes  PTP "Virtio PTP type 1/variant 0"
  clock 2  MONOTONIC         UNSPECIFIED  alarm yes  cross X86_TSC yes  PTP "Virtio PTP type 2/variant 0"

read at t = 0:
  clock 0   1483226800000000000 ns  2016-12-31 23:26:40.000000000 UTC
  clock 1   1483226836000000000 ns
  clock 2                     0 ns

cross-timestamp at t = 5 s, clock 1 (TAI) / X86_TSC:
  clock_reading 1483226841000000000 ns, counter_cycles 6251000000 (host TSC 12500000000 scaled by 0.5, + 1000000)

SET_ALARM clock 0 at 2017-01-01 00:00:00.000000000 UTC, enabled: OK
device: next alarm deadline at t = 2001.000000000 s

through the leap second (UTC-SLS smears the last 1000 s of the day):
  t = 1000.0 s  true UTC 2016-12-31 23:43:20.000000000  smeared 2016-12-31 23:43:20.000000000  expirations 0
  t = 1500.5 s  true UTC 2016-12-31 23:51:40.500000000  smeared 2016-12-31 23:51:40.000000000  expirations 0
  t = 2000.0 s  true UTC 2016-12-31 23:59:60.000000000  smeared 2016-12-31 23:59:59.000999000  expirations 0
  t = 2000.5 s  true UTC 2016-12-31 23:59:60.500000000  smeared 2016-12-31 23:59:59.500499500  expirations 0
  t = 2001.0 s  true UTC 2017-01-01 00:00:00.000000000  smeared 2017-01-01 00:00:00.000000000  expirations 1
  NOTIF_ALARM clock 0; clock re-read: 2017-01-01 00:00:00.000000000 -> alarm time reached

SET_ALARM_ENABLED clock 0 off: OK
advance to t = 3000 s: 0 notifications
SET_ALARM clock 2 at 1 s (already past), enabled: OK, notification pending: yes
SET_ALARM_ENABLED clock 2 off: OK, stale notifications received: 0

notifications in total: 1'

actual="$("$tool")"
if [[ "$actual" != "$expected" ]]; then
  diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") || true
  echo "FAIL vrtc-demo output differs"
  exit 1
fi

# Arguments are refused with a usage message and exit status 2.
if "$tool" extra 2>/dev/null; then
  echo "FAIL vrtc-demo accepted an argument"
  exit 1
else
  status=$?
  [[ $status -eq 2 ]] || { echo "FAIL vrtc-demo: exit status $status for an argument"; exit 1; }
fi
echo "vrtc-demo: ok"
