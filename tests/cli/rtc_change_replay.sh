#!/usr/bin/env bash
# rtc-change-replay: exact outputs for the shipped traces and the documented example, the
# window boundary rule, and every error path (exit status 2, one message on stderr).
# Expected lines were worked out by hand from the event rules in docs/rtc-change.md.
set -euo pipefail

tool="$1/rtc-change-replay"
src="${VRTC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
traces="$src/tools/traces"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failures=0
expect_output() {  # name, expected stdout, command...
  local name="$1" expected="$2"
  shift 2
  local actual
  if ! actual="$("$@" 2>"$work/stderr")"; then
    echo "FAIL $name: exit status $? (stderr: $(cat "$work/stderr"))"
    failures=$((failures + 1))
    return
  fi
  if [[ "$actual" != "$expected" ]]; then
    printf 'FAIL %s\n--- expected\n%s\n--- actual\n%s\n' "$name" "$expected" "$actual"
    failures=$((failures + 1))
  elif [[ -s "$work/stderr" ]]; then
    echo "FAIL $name: unexpected stderr: $(cat "$work/stderr")"
    failures=$((failures + 1))
  fi
}
expect_error() {  # name, text the stderr message must contain, command...
  local name="$1" needle="$2" status=0
  shift 2
  "$@" >"$work/stdout" 2>"$work/stderr" || status=$?
  if [[ $status -ne 2 ]]; then
    echo "FAIL $name: exit status $status, expected 2"
    failures=$((failures + 1))
  elif ! grep -qF -- "$needle" "$work/stderr"; then
    echo "FAIL $name: stderr lacks \"$needle\": $(cat "$work/stderr")"
    failures=$((failures + 1))
  fi
}

# --- shipped traces ------------------------------------------------------------------------
# Linux order: last_time = 2000-01-01T00:00:05 (SET at 5 s); released by register A at
# 5010 ms, event one window later; 2024-06-15T12:30:00 = 1718454600.
expect_output linux-set \
  '{"at_ms": 6010, "last_time": 946684805, "new_time": 1718454600, "delta_time": 771769795}' \
  "$tool" "$traces/linux-set.trace"

# Captured from a real writer (Linux 7.3's rtc-cmos under busybox hwclock, QEMU 11.1's RTC,
# tests/guest/run.sh rtc). Firmware and kernel writes of registers 0x0f, A and B at boot set no
# time. hwclock --systohc: SET at 9050 ms, when the RTC read 2026-12-06T02:03:47 (9 s after
# --initial); it wrote 02:03:46 (the guest's system clock, a fraction of a second behind the
# RTC) and cleared SET at 9050 ms: one event a window later, 1 s back.
expect_output linux-hwclock-systohc \
  '{"at_ms": 10050, "last_time": 1796522627, "new_time": 1796522626, "delta_time": -1}' \
  "$tool" --initial 2026-12-06T02:03:38 "$traces/linux-hwclock-systohc.trace"
# date -s 2030-01-02T03:04:05 (1893553445) + hwclock -w: SET at 7619 ms, when the RTC read
# 2026-12-06T02:03:55 (1796522635), cleared at 7619 ms; the rewrites of A and B at 7620 ms
# change nothing. delta = 1893553445 - 1796522635.
expect_output linux-date-hwclock-w \
  '{"at_ms": 8619, "last_time": 1796522635, "new_time": 1893553445, "delta_time": 97030810}' \
  "$tool" --initial 2026-12-06T02:03:48 "$traces/linux-date-hwclock-w.trace"

# Windows order through "31 February": last change is the day write at 1505 ms.
expect_output windows-set \
  '{"at_ms": 2505, "last_time": 1706702401, "new_time": 1709199000, "delta_time": 2496599}' \
  "$tool" --initial 2024-01-31T12:00:00 "$traces/windows-set.trace"

# Write-back after a 30 s halt is no change; the second update moves the clock one hour.
expect_output halted-writeback \
  '{"at_ms": 61500, "last_time": 946684860, "new_time": 946688460, "delta_time": 3600}' \
  "$tool" "$traces/halted-writeback.trace"

# Minutes k at k x 500 ms: the RTC still updates every whole second, so the k-th write
# leaves 00:k:floor(k/2). Bursts close at max_wait: k = 1..20 (00:20:10 at 10 s), 21..40
# (00:40:20 at 20 s) and 41..59 (00:59:29 at 29.5 s); each reference clock reads what the
# previous burst left plus the seconds since, so each delta is the minutes moved x 60.
expect_output continuous-writer \
  '{"at_ms": 10500, "last_time": 946684800, "new_time": 946686010, "delta_time": 1200}
{"at_ms": 20500, "last_time": 946686010, "new_time": 946687220, "delta_time": 1200}
{"at_ms": 30500, "last_time": 946687220, "new_time": 946688369, "delta_time": 1140}' \
  "$tool" "$traces/continuous-writer.trace"

# With a maximum wait longer than the trace the continuous writer gives one event, one
# window after the last write: 59 minutes moved.
expect_output continuous-writer-long-wait \
  '{"at_ms": 30500, "last_time": 946684800, "new_time": 946688369, "delta_time": 3540}' \
  "$tool" --max-wait-ms 3600000 "$traces/continuous-writer.trace"

# Minutes 10 and 20 alternating every 500 ms: the first burst ends on 00:20:10 (+20 min);
# the next two end on minute 20 again, exactly where the running clock would be: no event.
for k in $(seq 1 60); do echo "$((k * 500)) 0x02 0x$((k % 2 == 1 ? 10 : 20))"; done >"$work/alternating.trace"
expect_output alternating-writer \
  '{"at_ms": 10500, "last_time": 946684800, "new_time": 946686010, "delta_time": 1200}' \
  "$tool" "$work/alternating.trace"

# Divider held in reset from 1.3 s (frozen at 00:00:01) to 9.2 s; the first update comes
# 500 ms after the release, so the minutes write at 9.8 s sees 00:00:02 and leaves 00:01:02,
# while the free-running clock would read 00:00:09.
printf '1300 0x0a 0x70\n9200 0x0a 0x26\n9800 0x02 0x01\n' >"$work/divider.trace"
expect_output divider-reset \
  '{"at_ms": 10800, "last_time": 946684801, "new_time": 946684862, "delta_time": 53}' \
  "$tool" "$work/divider.trace"

expect_output alarm-only '' "$tool" "$traces/alarm-only.trace"

# --- the window boundary ---------------------------------------------------------------------
# The second write lands exactly on the first burst's deadline: that burst closes first (at
# 2000 ms), and the write opens a new burst closing at 3000 ms.
printf '1000 0x04 0x01\n2000 0x04 0x02\n' >"$work/boundary.trace"
expect_output boundary \
  '{"at_ms": 2000, "last_time": 946684801, "new_time": 946688401, "delta_time": 3600}
{"at_ms": 3000, "last_time": 946688402, "new_time": 946692002, "delta_time": 3600}' \
  "$tool" "$work/boundary.trace"
# One millisecond earlier it extends the window instead.
printf '1000 0x04 0x01\n1999 0x04 0x02\n' >"$work/boundary2.trace"
expect_output boundary-minus-1ms \
  '{"at_ms": 2999, "last_time": 946684801, "new_time": 946692001, "delta_time": 7200}' \
  "$tool" "$work/boundary2.trace"
# A shorter window, comments, blank lines, tabs and stdin.
printf '# comment\n\n   # indented comment\n100\t0x04\t0x03\n' >"$work/misc.trace"
expect_output window-and-stdin \
  '{"at_ms": 350, "last_time": 946684800, "new_time": 946695600, "delta_time": 10800}' \
  "$tool" --window-ms 250 - <"$work/misc.trace"
# Century rollover by ticking is not an event; writing century 20 back afterwards is.
printf '3000 0x32 0x20\n' >"$work/century.trace"
expect_output century \
  '{"at_ms": 4000, "last_time": 4102444801, "new_time": 946684801, "delta_time": -3155760000}' \
  "$tool" --initial 2099-12-31T23:59:58 "$work/century.trace"

# --- errors --------------------------------------------------------------------------------
printf '1000 0x04 0x01\n# ok\n2000 0x04\n' >"$work/short.trace"
expect_error short-line 'short.trace:3: expected "T_MS REG VALUE", got 2 fields' "$tool" "$work/short.trace"
printf '1000 0x04 0x01 0x02\n' >"$work/long.trace"
expect_error long-line 'long.trace:1: expected' "$tool" "$work/long.trace"
printf '1000 0x80 0x01\n' >"$work/reg.trace"
expect_error bad-register 'reg.trace:1: bad register "0x80"' "$tool" "$work/reg.trace"
printf '1000 4 0x01\n' >"$work/reg2.trace"
expect_error register-without-0x 'reg2.trace:1: bad register "4"' "$tool" "$work/reg2.trace"
printf '1000 0x04 0x100\n' >"$work/value.trace"
expect_error bad-value 'value.trace:1: bad value "0x100"' "$tool" "$work/value.trace"
printf '1000 0x04 0xzz\n' >"$work/value2.trace"
expect_error bad-hex 'value2.trace:1: bad value "0xzz"' "$tool" "$work/value2.trace"
printf '1000 0x04 0x01\n-5 0x04 0x01\n' >"$work/neg.trace"
expect_error negative-time 'neg.trace:2: bad time "-5"' "$tool" "$work/neg.trace"
printf '1000 0x04 0x01\n999 0x04 0x01\n' >"$work/back.trace"
expect_error time-backwards 'back.trace:2: time goes backwards' "$tool" "$work/back.trace"
printf '1.5 0x04 0x01\n' >"$work/frac.trace"
expect_error fractional-time 'frac.trace:1: bad time "1.5"' "$tool" "$work/frac.trace"
expect_error missing-file 'cannot open' "$tool" "$work/does-not-exist.trace"
expect_error no-trace 'TRACE is required' "$tool"
expect_error two-traces "The following argument was not expected: $work/misc.trace" "$tool" "$work/misc.trace" "$work/misc.trace"
expect_error unknown-option 'The following argument was not expected: --frobnicate' "$tool" --frobnicate "$work/misc.trace"
expect_error zero-window '--window-ms needs' "$tool" --window-ms 0 "$work/misc.trace"
expect_error missing-window-value '--window-ms: 1 required N missing' "$tool" --window-ms
expect_error max-wait-too-short '--max-wait-ms must not be shorter' "$tool" --window-ms 2000 --max-wait-ms 1000 "$work/misc.trace"
expect_error invalid-initial '--initial needs' "$tool" --initial 2023-02-29T00:00:00 "$work/misc.trace"
expect_error malformed-initial '--initial needs' "$tool" --initial 2023-02-28 "$work/misc.trace"

# --- the example in docs/rtc-change.md is reproduced verbatim -------------------------------
doc="$src/docs/rtc-change.md"
documented="$(awk '/^<!-- replay-output:begin -->$/{on=1;next} /^<!-- replay-output:end -->$/{on=0} on && !/^```/' "$doc")"
if [[ -z "$documented" ]]; then
  echo "FAIL docs: no replay output block in $doc"
  failures=$((failures + 1))
else
  expect_output docs-example "$documented" "$tool" "$traces/linux-set.trace"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all rtc-change-replay checks passed"
