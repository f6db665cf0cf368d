#!/usr/bin/env bash
# vmclock-host against real readers in other processes: `vmclock now` on its page agrees with
# true TAI (read by Python around the call: CLOCK_TAI when the kernel's TAI offset is set, else
# CLOCK_REALTIME + 37 s) within the max_error_ns the page advertises, before and after a simulated
# migration (SIGUSR1) and snapshot restore (SIGUSR2); the markers change as documented; `vmclock
# watch` sees each event; SIGTERM exits 0 and leaves the page FREERUNNING; the TAI offset and the
# leap indicator come from the leap-second list; bad arguments exit 2 with one line of JSON.
set -euo pipefail
tools="$1"
dir=$(mktemp -d)
host=
watcher=
cleanup() {
  [[ -n $host ]] && kill "$host" 2>/dev/null || true
  [[ -n $watcher ]] && kill "$watcher" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
failures=0
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}
# wait_for FILE PATTERN: up to 5 s for a line matching PATTERN.
wait_for() {
  for _ in $(seq 500); do
    grep -q -- "$2" "$1" && return 0
    sleep 0.01
  done
  fail "timed out waiting for '$2' in $1: $(cat "$1")"
  return 1
}

# Python's true TAI: CLOCK_TAI if the kernel's TAI offset is set (CLOCK_TAI then differs from
# CLOCK_REALTIME), else CLOCK_REALTIME plus TAI − UTC, 37 s since 2017-01-01 (IERS Bulletin C 52;
# no leap second is announced before 2027-06-28).
cat >"$dir/truetai.py" <<'EOF'
import time
TAI_MINUS_UTC = 37
kernel_offset = round((time.clock_gettime_ns(time.CLOCK_TAI) - time.clock_gettime_ns(time.CLOCK_REALTIME)) / 1e9)
def true_tai_ns():
    if kernel_offset:
        return time.clock_gettime_ns(time.CLOCK_TAI)
    return time.clock_gettime_ns(time.CLOCK_REALTIME) + TAI_MINUS_UTC * 10**9
EOF
export PYTHONPATH="$dir"
kernel_offset_set() { python3 -c 'import sys, truetai; sys.exit(0 if truetai.kernel_offset else 1)'; }

# agrees [LABEL]: one `vmclock now` bracketed by true TAI reads; prints the reading's markers.
agrees() {
  python3 - "$tools/vmclock" "$dir/page" "$1" <<'EOF'
import json, subprocess, sys
from truetai import true_tai_ns
tool, page, label = sys.argv[1:]
before = true_tai_ns()
out = subprocess.run([tool, "now", "--json", page], capture_output=True, text=True)
after = true_tai_ns()
r = json.loads(out.stdout)
if "error" in r:
    sys.exit(f"{label}: {r['error']}")
t = r["time_sec"] * 10**9 + r["time_nsec"]
bound = r["max_error_ns"]
assert r["time_type"] == "TAI" and bound is not None, r
off = before - t if t < before else t - after if t > after else 0
if off > bound:
    sys.exit(f"{label}: the page's time is {off} ns outside the true TAI bracket, beyond max_error_ns {bound}")
print(r["disruption_marker"], r["vm_generation_counter"], r["clock_status"])
EOF
}

"$tools/vmclock-host" --page "$dir/page" --rate 50 --max-error-ns 200000 --seed 7 >"$dir/host.out" &
host=$!
wait_for "$dir/host.out" "publishing $dir/page at 50 Hz"

# The published header: what the host can honour, and TAI − UTC whether or not the kernel's
# offset is set (from the kernel then, from the leap-second list otherwise).
python3 - "$tools/vmclock" "$dir/page" <<'EOF' || fail "published page"
import json, subprocess, sys
from truetai import kernel_offset, TAI_MINUS_UTC
d = json.loads(subprocess.run([sys.argv[1], "dump", "--json", sys.argv[2]], capture_output=True, text=True).stdout)
expect = dict(magic=0x4b4c4356, size=4096, version=1, time_type=1, clock_status=2,
              flags=0x179,   # error bounds, VM_GEN_COUNTER_PRESENT, TAI_OFFSET_VALID
              disruption_marker=1, vm_generation_counter=1, tai_offset_sec=-(kernel_offset or TAI_MINUS_UTC),
              leap_indicator=0, time_maxerror_nanosec=200000)
for k, v in expect.items():
    assert d[k] == v, (k, d[k], v)
assert d["counter_id"] in (0, 1), d
assert d["seq_count"] % 2 == 0, d
EOF
# The startup line says where TAI comes from.
if kernel_offset_set; then
  grep -q "TAI from CLOCK_TAI (kernel TAI offset " "$dir/host.out" || fail "startup line: $(cat "$dir/host.out")"
else
  grep -q "TAI offset -37, .* TAI from CLOCK_REALTIME + leap-second table (kernel TAI offset not set; " "$dir/host.out" ||
    fail "startup line does not say TAI comes from the table: $(cat "$dir/host.out")"
fi

[[ $(agrees start) == "1 1 SYNCHRONIZED" ]] || fail "before any event"
"$tools/vmclock" watch "$dir/page" --interval-ms 5 --count 3 >"$dir/watch.out" &
watcher=$!
wait_for "$dir/watch.out" "(initial)"
sleep 0.3   # several re-publications: not changes

kill -USR1 "$host"
wait_for "$dir/host.out" "live migration: disruption_marker 2, vm_generation_counter 1, period off by"
wait_for "$dir/watch.out" "disruption_marker=2 vm_generation_counter=1 .*(changed: disruption_marker)"
for i in 1 2 3; do
  [[ $(agrees "after migration $i") == "2 1 SYNCHRONIZED" ]] || fail "after migration"
  sleep 0.05
done

kill -USR2 "$host"
wait_for "$dir/host.out" "snapshot restore: disruption_marker 3, vm_generation_counter 2, period off by"
wait_for "$dir/watch.out" "disruption_marker=3 vm_generation_counter=2 .*(changed: disruption_marker,vm_generation_counter)"
for i in 1 2 3; do
  [[ $(agrees "after restore $i") == "3 2 SYNCHRONIZED" ]] || fail "after restore"
  sleep 0.05
done
set +e
wait "$watcher"
status=$?
set -e
watcher=
[[ $status -eq 0 ]] || fail "watch exit status $status"
[[ $(grep -c 'changed' "$dir/watch.out") -eq 2 ]] || fail "watch saw other changes: $(cat "$dir/watch.out")"

# Each simulated frequency error is within +-50 ppm.
while read -r _ _ _ ppm _; do
  awk -v p="$ppm" 'BEGIN { exit !(p >= -50 && p <= 50) }' || fail "frequency error $ppm ppm out of range"
done < <(grep -oE 'period off by [-+][0-9.]+ ppm' "$dir/host.out")

kill -TERM "$host"
set +e
wait "$host"
status=$?
set -e
host=
[[ $status -eq 0 ]] || fail "vmclock-host exit status $status after SIGTERM"
grep -q "stopped by SIGTERM; clock_status FREERUNNING" "$dir/host.out" || fail "no stop line: $(cat "$dir/host.out")"
[[ $(agrees stopped) == "3 2 FREERUNNING" ]] || fail "after SIGTERM"

# A host restarted on the same file continues its seq_count and starts new markers.
seq_before=$(python3 -c "import struct,sys; print(struct.unpack('<I', open(sys.argv[1],'rb').read()[12:16])[0])" "$dir/page")
"$tools/vmclock-host" --page "$dir/page" --rate 100 >"$dir/host2.out" &
host=$!
wait_for "$dir/host2.out" "publishing"
kill -INT "$host"
set +e
wait "$host"
status=$?
set -e
host=
[[ $status -eq 0 ]] || fail "vmclock-host exit status $status after SIGINT"
seq_after=$(python3 -c "import struct,sys; print(struct.unpack('<I', open(sys.argv[1],'rb').read()[12:16])[0])" "$dir/page")
((seq_after > seq_before)) || fail "seq_count went from $seq_before to $seq_after"

# A leap-second list that announces a positive leap second at the end of this month (expiring two
# years on, so it is newer than any installed list): the page still says TAI − UTC 37 and sets
# the leap indicator PRE_POS; its hash is computed here by the publisher's rule. A corrupted copy
# is refused by name and the built-in table is used.
python3 - "$dir" <<'EOF'
import calendar, hashlib, sys, time
d = sys.argv[1]
ntp = 2208988800
now = time.gmtime()
next_month = calendar.timegm((now.tm_year + (now.tm_mon == 12), now.tm_mon % 12 + 1, 1, 0, 0, 0))
entries = [(calendar.timegm((2015, 7, 1, 0, 0, 0)), 36), (calendar.timegm((2017, 1, 1, 0, 0, 0)), 37),
           (next_month, 38)]
updated, expires = int(time.time()) - 86400, next_month + 2 * 365 * 86400
data = "".join(f"{t + ntp}\t{o}\t# test\n" for t, o in entries)
digits = f"{updated + ntp}{expires + ntp}" + "".join(f"{t + ntp}{o}" for t, o in entries)
h = hashlib.sha1(digits.encode()).hexdigest()
text = f"#$\t{updated + ntp}\n#@\t{expires + ntp}\n{data}#h\t" + " ".join(h[i:i + 8] for i in range(0, 40, 8)) + "\n"
open(f"{d}/announcing.list", "w").write(text)
open(f"{d}/corrupt.list", "w").write(text.replace("\t38\t", "\t39\t"))
EOF
# dump_matches PAGE PYTHON-CONDITION: the page's dump (as d) satisfies the condition.
dump_matches() {
  python3 - "$tools/vmclock" "$1" "$2" <<'EOF'
import json, subprocess, sys
from truetai import kernel_offset, TAI_MINUS_UTC
d = json.loads(subprocess.run([sys.argv[1], "dump", "--json", sys.argv[2]], capture_output=True, text=True).stdout)
assert eval(sys.argv[3]), d
EOF
}
"$tools/vmclock-host" --page "$dir/page3" --leap-seconds "$dir/announcing.list" >"$dir/host3.out" &
host=$!
if wait_for "$dir/host3.out" "publishing"; then
  # VMCLOCK_LEAP_PRE_POS, TAI_OFFSET_VALID, TAI − UTC still 37 until the month ends.
  dump_matches "$dir/page3" 'd["leap_indicator"] == 1 and d["flags"] & 1 and d["tai_offset_sec"] == -(kernel_offset or TAI_MINUS_UTC)' ||
    fail "leap second announced by the list"
  kernel_offset_set || grep -q "table (kernel TAI offset not set; $dir/announcing.list, expires " "$dir/host3.out" ||
    fail "startup line does not name the list: $(cat "$dir/host3.out")"
fi
kill -TERM "$host"
wait "$host" || true
"$tools/vmclock-host" --page "$dir/page4" --leap-seconds "$dir/corrupt.list" >"$dir/host4.out" &
host=$!
if wait_for "$dir/host4.out" "publishing"; then
  dump_matches "$dir/page4" 'd["leap_indicator"] == 0' || fail "a corrupt list's leap second was used"
  kernel_offset_set ||
    grep -q "built-in table, expires 2027-06-28; $dir/corrupt.list: leap-second list hash mismatch" "$dir/host4.out" ||
    fail "startup line does not say the list was refused: $(cat "$dir/host4.out")"
fi
kill -TERM "$host"
wait "$host" || true
host=

# Bad arguments.
check_error() {
  local want=$1 got status
  shift
  set +e
  got=$(timeout 5 "$tools/vmclock-host" "$@" 2>&1)
  status=$?
  set -e
  [[ $status -eq 2 && "$got" == "{\"error\": \"$want\"}" ]] || fail "vmclock-host $*
  expected (exit 2): {\"error\": \"$want\"}
  got      (exit $status): $got"
}
check_error "--page PATH is required"
check_error "--page PATH is required" --rate 10
check_error "--page: 1 required PATH missing; try vmclock-host --help" --page
check_error "--leap-seconds: 1 required LIST missing; try vmclock-host --help" --page "$dir/p" --leap-seconds
check_error "--rate must be between 1 and 1000" --page "$dir/p" --rate 0
check_error "--rate must be between 1 and 1000" --page "$dir/p" --rate 1001
check_error "bad value for --rate: ten" --page "$dir/p" --rate ten
check_error "bad value for --max-error-ns: -1" --page "$dir/p" --max-error-ns -1
check_error "--max-error-ns must be at least 1" --page "$dir/p" --max-error-ns 0
check_error "The following argument was not expected: extra; try vmclock-host --help" --page "$dir/p" extra
check_error "cannot open $dir/no/such/dir/page: No such file or directory" --page "$dir/no/such/dir/page"
"$tools/vmclock-host" --help | grep -q '^usage: vmclock-host --page PATH' || fail "--help"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all vmclock-host checks passed"
