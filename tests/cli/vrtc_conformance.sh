#!/usr/bin/env bash
# vrtc-conformance against vrtc-refdevice: the reference device passes (exit 0, text, JSON and
# JUnit XML reports); every fault of docs/conformance.md's fault table fails exactly the checks
# the table names (exit 1); usage and protocol errors (a device that exits, hangs or sends a
# malformed record) give exit 2.
set -euo pipefail
tools="$1"
runner="$tools/vrtc-conformance"
device="$tools/vrtc-refdevice"
src="${VRTC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}

# run EXPECTED_STATUS OUTFILE ARGS...: runs the runner, checks its exit status.
run() {
  local want=$1 out=$2 status
  shift 2
  set +e
  "$runner" "$@" >"$out" 2>"$out.err"
  status=$?
  set -e
  if [[ $status -ne $want ]]; then
    fail "vrtc-conformance $* exited $status, expected $want: $(head -c 400 "$out.err")"
    return 1
  fi
}

# --- the reference device passes ---
checks=$(grep -c '^    {"5\.23' "$src/include/vrtc/conformance/device_suite.hpp")
if run 0 "$tmp/ref.txt" -- "$device"; then
  last=$(tail -n 1 "$tmp/ref.txt")
  [[ "$last" == "$checks checks: $checks passed, 0 failed, 0 not applicable" ]] || fail "reference summary: $last"
  [[ $(grep -c '^PASS ' "$tmp/ref.txt") -eq $checks ]] || fail "reference: not every line is PASS"
fi

if run 0 "$tmp/ref.json" --json --junit "$tmp/ref.xml" -- "$device"; then
  python3 - "$tmp/ref.json" "$tmp/ref.xml" "$checks" <<'EOF' || fail "reference JSON or JUnit report"
import json, sys, xml.etree.ElementTree as ET
report = json.load(open(sys.argv[1]))
n = int(sys.argv[3])
assert report["framing_version"] == 1
assert len(report["checks"]) == n and report["passed"] == n, report
assert report["failed"] == 0 and report["not_applicable"] == 0
assert all(c["verdict"] == "pass" and c["id"].startswith(c["section"] + "/") for c in report["checks"])
suite = ET.parse(sys.argv[2]).getroot().find("testsuite")
assert suite.get("tests") == str(n) and suite.get("failures") == "0" and suite.get("skipped") == "0"
assert len(suite.findall("testcase")) == n
EOF
fi

# --- a device in another language: the Python example passes every check but those about
# what it lacks (a UTC_SMEARED clock, READ_CROSS) ---
if run 0 "$tmp/python.json" --json -- python3 "$src/examples/conformance-device.py"; then
  python3 - "$tmp/python.json" "$checks" <<'EOF' || fail "Python device report"
import json, sys
r = json.load(open(sys.argv[1]))
na = sorted(c["id"] for c in r["checks"] if c["verdict"] == "not_applicable")
assert na == ["5.23.6.4.2/smearing-variant-valid", "5.23.6.5.2/cross-counter-nondecreasing"], na
assert r["failed"] == 0 and r["passed"] == int(sys.argv[2]) - 2, r
EOF
fi

# --- alarm defects in the Python device: each mutant fails exactly these checks (exit 1) ---
mutant_device="$src/tests/cli/alarm_mutant_device.py"
timing="5.23.6.6.1/expire-on-clock-progress 5.23.6.6.1/expire-on-clock-step 5.23.6.6.1/expire-again-after-step-back 5.23.6.5.2/no-reading-before-notified-alarm"
at_now="5.23.6.6.1/expire-on-set-past-enabled 5.23.6.6.1/expire-on-enable-past"
cat >"$tmp/mutants" <<EOF
early $timing
late $timing $at_now
strictly-after $timing $at_now
millisecond-alarm-time $timing
repeats-while-passed 5.23.6.6.1/one-notification-per-expiration
repeats-on-forward-step 5.23.6.6.1/one-notification-per-expiration
no-expiry-after-step-back 5.23.6.6.1/expire-again-after-step-back
notifies-on-step-back 5.23.6.6.1/expire-again-after-step-back
EOF
listed=$(cut -d' ' -f1 "$tmp/mutants" | sort | tr '\n' ' ')
known=$(python3 "$mutant_device" --list | sort | tr '\n' ' ')
[[ "$listed" == "$known" ]] || fail "mutant table lists [$listed], the mutant device knows [$known]"
while read -r name expected; do
  if run 1 "$tmp/mutant-$name.json" --json -- python3 "$mutant_device" --mutant "$name"; then
    got=$(python3 -c 'import json, sys; print(" ".join(sorted(c["id"] for c in json.load(open(sys.argv[1]))["checks"] if c["verdict"] == "fail")))' "$tmp/mutant-$name.json")
    want=$(tr ' ' '\n' <<<"$expected" | sort | tr '\n' ' ' | sed 's/ $//')
    [[ "$got" == "$want" ]] || fail "mutant $name failed [$got], expected [$want]"
  fi
done <"$tmp/mutants"

# --- fewer hooks: fewer checks apply, none fails ---
if run 0 "$tmp/nohooks.json" --json -- "$device" --hooks none; then
  python3 - "$tmp/nohooks.json" <<'EOF' || fail "--hooks none report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["failed"] == 0 and r["not_applicable"] > 0, r
reasons = {c["id"]: c.get("detail") for c in r["checks"] if c["verdict"] == "not_applicable"}
assert reasons["5.23.6.5.2/reading-unit-nanoseconds"] == "no time hook (advance)", reasons
EOF
fi
run 0 "$tmp/noalarm.txt" -- "$device" --no-alarm --clear-alarms-on-reset || true

# --- every fault fails exactly the checks of docs/conformance.md's fault table ---
python3 - "$src/docs/conformance.md" >"$tmp/faults" <<'EOF'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"^\| `([a-z0-9-]+)` \| (.*) \|$", line.rstrip("\n"))
    if m and "`5.23" in m.group(2):
        print(m.group(1), " ".join(sorted(re.findall(r"`([^`]+)`", m.group(2)))))
EOF
listed=$(cut -d' ' -f1 "$tmp/faults" | sort | tr '\n' ' ')
known=$("$device" --list-faults | grep -v '^none$' | sort | tr '\n' ' ')
[[ "$listed" == "$known" ]] || fail "fault table lists [$listed], vrtc-refdevice knows [$known]"
while read -r name expected; do
  run 1 "$tmp/$name.json" --json -- "$device" --fault "$name" || true
done <"$tmp/faults"
python3 - "$tmp" <<'EOF' || fail "fault reports differ from the fault table"
import json, os, sys
bad = checked = 0
for line in open(os.path.join(sys.argv[1], "faults")):
    name, *expected = line.split()
    path = os.path.join(sys.argv[1], name + ".json")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        continue  # already reported: wrong exit status
    got = sorted(c["id"] for c in json.load(open(path))["checks"] if c["verdict"] == "fail")
    if got != sorted(expected):
        print(f"FAIL: --fault {name} failed {got}, expected {sorted(expected)}")
        bad += 1
    checked += 1
sys.exit(1 if bad or checked < 20 else 0)
EOF

# A failing text report shows request, response and expectation.
if run 1 "$tmp/clock.txt" -- "$device" --fault einval-for-unknown-clock; then
  grep -qx 'FAIL 5.23.6.2/unknown-clock-enodev' "$tmp/clock.txt" || fail "text report: no FAIL line"
  grep -qx '     request:     01 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00' "$tmp/clock.txt" || fail "text report: request"
  grep -qx '     expected:    status ENODEV (3)' "$tmp/clock.txt" || fail "text report: expectation"
fi
if run 1 "$tmp/clock.json" --junit "$tmp/clock.xml" -- "$device" --fault einval-for-unknown-clock; then
  python3 - "$tmp/clock.xml" <<'EOF' || fail "JUnit report of a failure"
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
assert suite.get("failures") == "1"
failed = [t.get("name") for t in suite.findall("testcase") if t.find("failure") is not None]
assert failed == ["5.23.6.2/unknown-clock-enodev"], failed
EOF
fi

# --- usage and protocol errors: exit 2 ---
run 2 "$tmp/e1" || true
run 2 "$tmp/e2" --bogus -- "$device" || true
run 2 "$tmp/e3" --timeout 0 -- "$device" || true
run 2 "$tmp/e4" -- "$tmp/no-such-device" || true
run 2 "$tmp/e5" -- true && grep -qE 'protocol error: (the device closed its output|cannot write to the device)' "$tmp/e5.err" || fail "exited device: $(cat "$tmp/e5.err")"
run 2 "$tmp/e6" --timeout 300 -- sleep 5 && grep -q 'no reply from the device within 300 ms' "$tmp/e6.err" || fail "hung device: $(cat "$tmp/e6.err")"
run 2 "$tmp/e7" -- sh -c 'head -c 9 >/dev/null; printf "\000\000\000\000"' &&
  grep -q 'record length of 0' "$tmp/e7.err" || fail "malformed record: $(cat "$tmp/e7.err")"
run 2 "$tmp/e8" -- "$device" --fault no-such-fault || true
run 0 "$tmp/help" --help || true

# --- vrtc-refdevice on bad input: exit 2 with a message, never a crash ---
refdevice_bad() {
  local what=$1 input=$2 status
  set +e
  printf "$input" | "$device" >/dev/null 2>"$tmp/ref.err"
  status=$?
  set -e
  [[ $status -eq 2 ]] && grep -q '^vrtc-refdevice: ' "$tmp/ref.err" || fail "vrtc-refdevice, $what: exit $status, $(cat "$tmp/ref.err")"
}
refdevice_bad "empty input" ''
refdevice_bad "zero length" '\000\000\000\000'
refdevice_bad "huge length" '\377\377\377\377\001'
refdevice_bad "cut record" '\011\000\000\000\002\020'
refdevice_bad "unknown type" '\001\000\000\000\011'
refdevice_bad "short hello" '\002\000\000\000\001\001'
refdevice_bad "wrong version" '\005\000\000\000\001\002\000\000\000'
refdevice_bad "oversized writable part" '\006\000\000\000\002\001\000\001\000\245'
refdevice_bad "reply type as command" '\001\000\000\000\203'

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "vrtc-conformance: all checks passed"
