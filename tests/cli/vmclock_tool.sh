#!/usr/bin/env bash
# vmclock: exact output of dump, time and now for page files written here with Python's
# struct module (layout of the Linux uapi header), and the one-line JSON error with exit
# status 2 for every failure. Expected times were worked out with Python integers.
set -euo pipefail
tool="$1/vmclock"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

# page FILE [field=value ...] [length=N]: a structure with the given fields (others default).
page() {
  python3 - "$@" <<'EOF'
import struct, sys
f = dict(magic=0x4b4c4356, size=0x1000, version=1, counter_id=1, time_type=1, seq=2, marker=1,
         flags=0x1, status=2, hint=0, tai=-37, leap=0, shift=4, cv=0, pf=0x1a6e39b3e0, pe=0, pm=0,
         sec=1704067200, frac=0x8000000000000000, te=0, tm=0, gen=0, length=112)
for arg in sys.argv[2:]:
    k, v = arg.split('=')
    f[k] = int(v, 0)
b = struct.pack('<IIHBBIQQ2sBBhBBQQQQQQQQQ', f['magic'], f['size'], f['version'], f['counter_id'],
                f['time_type'], f['seq'], f['marker'], f['flags'], b'\0\0', f['status'], f['hint'],
                f['tai'], f['leap'], f['shift'], f['cv'], f['pf'], f['pe'], f['pm'], f['sec'], f['frac'],
                f['te'], f['tm'], f['gen'])
open(sys.argv[1], 'wb').write(b[:f['length']])
EOF
}

# check EXPECTED_STATUS EXPECTED_OUTPUT ARGS...
check() {
  local want_status=$1 want=$2 got status
  shift 2
  set +e
  got=$("$tool" "$@" 2>&1)
  status=$?
  set -e
  if [[ $status -ne $want_status || "$got" != "$want" ]]; then
    printf 'FAIL: vmclock %s\n  expected (exit %s): %s\n  got      (exit %s): %s\n' \
      "$*" "$want_status" "$want" "$status" "$got"
    failures=$((failures + 1))
  fi
}
ok() { check 0 "$@"; }
bad() { check 2 "{\"error\": \"$1\"}" "${@:2}"; }

# --- dump ---
page "$dir/tai.bin" gen=7 flags=0x101
ok '{"magic": 1263289174, "size": 4096, "version": 1, "counter_id": 1, "time_type": 1, "seq_count": 2, "disruption_marker": 1, "flags": 257, "clock_status": 2, "leap_second_smearing_hint": 0, "tai_offset_sec": -37, "leap_indicator": 0, "counter_period_shift": 4, "counter_value": 0, "counter_period_frac_sec": 113518425056, "counter_period_esterror_rate_frac_sec": 0, "counter_period_maxerror_rate_frac_sec": 0, "time_sec": 1704067200, "time_frac_sec": 9223372036854775808, "time_esterror_nanosec": 0, "time_maxerror_nanosec": 0, "vm_generation_counter": 7}' \
  dump --json "$dir/tai.bin"
ok "magic: 1263289174 (VCLK)
size: 4096
version: 1
counter_id: 1 (X86_TSC)
time_type: 1 (TAI)
seq_count: 2
disruption_marker: 1
flags: 257 (0x101 TAI_OFFSET_VALID|VM_GEN_COUNTER_PRESENT)
clock_status: 2 (SYNCHRONIZED)
leap_second_smearing_hint: 0 (STRICT)
tai_offset_sec: -37
leap_indicator: 0 (NONE)
counter_period_shift: 4
counter_value: 0
counter_period_frac_sec: 113518425056 (0x1a6e39b3e0)
counter_period_esterror_rate_frac_sec: 0 (0x0)
counter_period_maxerror_rate_frac_sec: 0 (0x0)
time_sec: 1704067200
time_frac_sec: 9223372036854775808 (0x8000000000000000)
time_esterror_nanosec: 0
time_maxerror_nanosec: 0
vm_generation_counter: 7" dump "$dir/tai.bin"

# Extreme values are printed exactly; tai_offset_sec is signed.
page "$dir/extreme.bin" marker=0xffffffffffffffff tai=-32768 cv=0xffffffffffffffff counter_id=0xff status=9 leap=5 hint=2
ok '{"magic": 1263289174, "size": 4096, "version": 1, "counter_id": 255, "time_type": 1, "seq_count": 2, "disruption_marker": 18446744073709551615, "flags": 1, "clock_status": 9, "leap_second_smearing_hint": 2, "tai_offset_sec": -32768, "leap_indicator": 5, "counter_period_shift": 4, "counter_value": 18446744073709551615, "counter_period_frac_sec": 113518425056, "counter_period_esterror_rate_frac_sec": 0, "counter_period_maxerror_rate_frac_sec": 0, "time_sec": 1704067200, "time_frac_sec": 9223372036854775808, "time_esterror_nanosec": 0, "time_maxerror_nanosec": 0, "vm_generation_counter": 0}' \
  dump --json "$dir/extreme.bin"

# A 104-byte structure (before vm_generation_counter): the field is not printed.
page "$dir/old.bin" size=104 length=104
ok '{"magic": 1263289174, "size": 104, "version": 1, "counter_id": 1, "time_type": 1, "seq_count": 2, "disruption_marker": 1, "flags": 1, "clock_status": 2, "leap_second_smearing_hint": 0, "tai_offset_sec": -37, "leap_indicator": 0, "counter_period_shift": 4, "counter_value": 0, "counter_period_frac_sec": 113518425056, "counter_period_esterror_rate_frac_sec": 0, "counter_period_maxerror_rate_frac_sec": 0, "time_sec": 1704067200, "time_frac_sec": 9223372036854775808, "time_esterror_nanosec": 0, "time_maxerror_nanosec": 0}' \
  dump --json "$dir/old.bin"

# The minimum structure: through flags.
page "$dir/min.bin" size=32 length=32 flags=0x300 counter_id=0xff seq=0 marker=0
ok '{"magic": 1263289174, "size": 32, "version": 1, "counter_id": 255, "time_type": 1, "seq_count": 0, "disruption_marker": 0, "flags": 768}' \
  dump --json "$dir/min.bin"

# --- time ---
# 2.6 GHz (shift 4), 2024-01-01T00:00:00.5 TAI at counter 0; one second of ticks later.
ok '{"counter": 2600000000, "time_sec": 1704067201, "time_nsec": 499999999, "time_frac_sec": 9223372034745224192, "time_type": "TAI", "utc_sec": 1704067164, "tai_sec": 1704067201, "est_error_ns": null, "max_error_ns": null, "clock_status": "SYNCHRONIZED", "leap_indicator": "NONE", "disruption_marker": 1, "vm_generation_counter": 7}' \
  time --page "$dir/tai.bin" --counter 2600000000 --json
ok "counter: 2600000000
time_sec: 1704067201
time_nsec: 499999999
time_frac_sec: 9223372034745224192
time_type: TAI
utc_sec: 1704067164
tai_sec: 1704067201
est_error_ns: null
max_error_ns: null
clock_status: SYNCHRONIZED
leap_indicator: NONE
disruption_marker: 1
vm_generation_counter: 7
utc: 2023-12-31T23:59:24.499999999Z" time --page "$dir/tai.bin" --counter 2600000000
# A counter behind counter_value is an earlier time (signed delta); hexadecimal N.
page "$dir/behind.bin" cv=1000 flags=0
ok '{"counter": 0, "time_sec": 1704067200, "time_nsec": 499999615, "time_frac_sec": 9223364941953209808, "time_type": "TAI", "tai_sec": 1704067200, "est_error_ns": null, "max_error_ns": null, "clock_status": "SYNCHRONIZED", "leap_indicator": "NONE", "disruption_marker": 1}' \
  time --json --counter 0x0 --page "$dir/behind.bin"

# 1 GHz (shift 29), UTC, all error flags: 1 us + 1 ppm estimated, 50 us + 50 ppm maximum.
page "$dir/utc.bin" time_type=0 shift=29 pf=0x89705F4136B4A597 cv=1000000000000 flags=0x79 \
  pe=0x901d7cf73ab pm=0x1c25c26849768 te=1000 tm=50000 sec=1700000000 frac=0
ok '{"counter": 4600000000000, "time_sec": 1700003599, "time_nsec": 999999999, "time_frac_sec": 18446744073709550321, "time_type": "UTC", "utc_sec": 1700003599, "tai_sec": 1700003636, "est_error_ns": 3600999, "max_error_ns": 180049999, "clock_status": "SYNCHRONIZED", "leap_indicator": "NONE", "disruption_marker": 1}' \
  time --page "$dir/utc.bin" --counter 4600000000000 --json
ok '{"counter": 999000000000, "time_sec": 1699999999, "time_nsec": 0, "time_frac_sec": 0, "time_type": "UTC", "utc_sec": 1699999999, "tai_sec": 1700000036, "est_error_ns": 1999, "max_error_ns": 99999, "clock_status": "SYNCHRONIZED", "leap_indicator": "NONE", "disruption_marker": 1}' \
  time --page "$dir/utc.bin" --counter 999000000000 --json

# MONOTONIC: neither UTC nor TAI.
page "$dir/mono.bin" time_type=2 pf=0 frac=0 sec=42
ok '{"counter": 5, "time_sec": 42, "time_nsec": 0, "time_frac_sec": 0, "time_type": "MONOTONIC", "est_error_ns": null, "max_error_ns": null, "clock_status": "SYNCHRONIZED", "leap_indicator": "NONE", "disruption_marker": 1}' \
  time --page "$dir/mono.bin" --counter 5 --json

# --- now ---
machine=$(uname -m)
if [[ $machine == x86_64 || $machine == aarch64 ]]; then
  own_id=1
  [[ $machine == aarch64 ]] && own_id=0
  # A frozen clock (period 0): every counter value gives the same time; drop the counter.
  page "$dir/frozen.bin" counter_id=$own_id pf=0 sec=1704067200 frac=0
  set +e
  got=$("$tool" now --json "$dir/frozen.bin" | sed -E 's/"counter": [0-9]+, //')
  set -e
  want='{"time_sec": 1704067200, "time_nsec": 0, "time_frac_sec": 0, "time_type": "TAI", "utc_sec": 1704067163, "tai_sec": 1704067200, "est_error_ns": null, "max_error_ns": null, "clock_status": "SYNCHRONIZED", "leap_indicator": "NONE", "disruption_marker": 1}'
  if [[ "$got" != "$want" ]]; then
    printf 'FAIL: vmclock now --json frozen.bin\n  expected: %s\n  got:      %s\n' "$want" "$got"
    failures=$((failures + 1))
  fi
  page "$dir/other.bin" counter_id=$((1 - own_id))
  bad "$dir/other.bin: counter_id does not match this CPU's counter" now "$dir/other.bin"
  page "$dir/invalid.bin" counter_id=0xff
  bad "$dir/invalid.bin: no counter relation (counter_id INVALID)" now "$dir/invalid.bin"
else
  bad "$dir/tai.bin: no hardware counter on this platform" now "$dir/tai.bin"
fi

# --- every failure: exit 2 and one line of JSON ---
bad "cannot open $dir/missing.bin: No such file or directory" dump "$dir/missing.bin"
bad "cannot open $dir/missing.bin: No such file or directory" time --page "$dir/missing.bin" --counter 1
# now opens PATH as the library opens a device (vmclock/linux/device_page.hpp): the error names the fix.
bad "$dir/missing.bin: open failed: No such file or directory; check the path, or start \`vmclock-host --page PATH\` to publish a page there" now "$dir/missing.bin"
printf 'VCLK' > "$dir/short.bin"
bad "$dir/short.bin: input too short" dump "$dir/short.bin"
bad "$dir/short.bin: input too short" time --page "$dir/short.bin" --counter 1
: > "$dir/empty.bin"
bad "$dir/empty.bin: short page: 0 bytes, a vmclock structure needs at least 32 (112 for every field); is the writer running?" now "$dir/empty.bin"
page "$dir/magic.bin" magic=0x4b4c4357
bad "$dir/magic.bin: bad magic" dump "$dir/magic.bin"
bad "$dir/magic.bin: bad magic" time --page "$dir/magic.bin" --counter 1
page "$dir/version.bin" version=2
bad "$dir/version.bin: unsupported version" dump --json "$dir/version.bin"
page "$dir/size.bin" size=16
bad "$dir/size.bin: bad size" dump "$dir/size.bin"
page "$dir/truncated.bin" size=112 length=100
bad "$dir/truncated.bin: bad size" time --page "$dir/truncated.bin" --counter 1
page "$dir/notime.bin" size=80 length=80
bad "$dir/notime.bin: field not present" time --page "$dir/notime.bin" --counter 1
# What QEMU's device publishes: no counter relation, status UNKNOWN, every time field zero.
page "$dir/qemu.bin" counter_id=0xff time_type=0 flags=0 status=0 tai=0 shift=0 pf=0 sec=0 frac=0
bad "$dir/qemu.bin: no counter relation (counter_id INVALID)" time --page "$dir/qemu.bin" --counter 1
page "$dir/unreliable.bin" status=4
bad "$dir/unreliable.bin: clock status is UNRELIABLE" time --page "$dir/unreliable.bin" --counter 1 --json
page "$dir/smeared.bin" time_type=3
bad "$dir/smeared.bin: unsupported time_type" time --page "$dir/smeared.bin" --counter 1
page "$dir/maybe.bin" time_type=4
bad "$dir/maybe.bin: unsupported time_type" time --page "$dir/maybe.bin" --counter 1
page "$dir/overflow.bin" sec=0xffffffffffffffff shift=0 pf=0xffffffffffffffff
bad "$dir/overflow.bin: arithmetic overflow" time --page "$dir/overflow.bin" --counter 0x4000000000000000
page "$dir/shift.bin" shift=128
bad "$dir/shift.bin: invalid counter_period_shift" time --page "$dir/shift.bin" --counter 1
page "$dir/odd.bin" seq=3
bad "$dir/odd.bin: seqlock retry limit reached" time --page "$dir/odd.bin" --counter 1

bad "missing command; see vmclock --help"
bad "unknown command: show" show "$dir/tai.bin"
bad "time needs --page PATH and --counter N" time --page "$dir/tai.bin"
bad "time needs --page PATH and --counter N" time --counter 5
bad "--counter: 1 required N missing; try vmclock --help" time --page "$dir/tai.bin" --counter
bad "bad counter value" time --page "$dir/tai.bin" --counter 12x
bad "bad counter value" time --page "$dir/tai.bin" --counter -1
bad "bad counter value" time --page "$dir/tai.bin" --counter 0x
bad "counter value out of range" time --page "$dir/tai.bin" --counter 18446744073709551616
bad "The following argument was not expected: --page; try vmclock --help" dump --page "$dir/tai.bin"
bad "The following argument was not expected: $dir/tai.bin; try vmclock --help" dump "$dir/tai.bin" "$dir/tai.bin"
bad "The following argument was not expected: $dir/tai.bin; try vmclock --help" time "$dir/tai.bin" --counter 1
ok "$("$tool" --help)" --help

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all vmclock tool checks passed"
