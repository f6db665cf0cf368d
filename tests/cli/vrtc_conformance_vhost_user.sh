#!/usr/bin/env bash
# vrtc-conformance --vhost-user against vhost-user back-ends through real rings: vrtc-vhost-user
# passes the device suite and the transport checks (exit 0; only the checks that need a clock
# step or READ_CROSS are not applicable), and so do a back-end with no protocol features
# (reset by reconnecting) and one given the same eventfds after each reset; each fault of tests/vhost_mutant_backend.cpp fails
# exactly the checks named below (exit 1); a back-end that never answers, a missing socket and
# bad arguments exit 2, never hang.
set -euo pipefail
tools="$1"
runner="$tools/vrtc-conformance"
mutant="$tools/../tests/vhost_mutant_backend"
src="${VRTC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
# Failures go to a file: the back-ends are tested in parallel subshells (their runs mostly wait).
fail() { printf 'FAIL: %s\n' "$*" | tee -a "$dir/failures"; }
wait_for_socket() {
  for _ in $(seq 500); do
    [[ -S $1 ]] && return 0
    sleep 0.01
  done
  fail "no socket at $1"
  return 1
}
# run EXPECTED_STATUS OUTFILE ARGS...
run() {
  local want=$1 out=$2 status
  shift 2
  set +e
  timeout 60 "$runner" "$@" >"$out" 2>"$out.err"
  status=$?
  set -e
  if [[ $status -ne $want ]]; then
    fail "vrtc-conformance $* exited $status, expected $want: $(head -c 600 "$out.err") $(grep -A4 '^FAIL' "$out" | head -c 800)"
    return 1
  fi
}

device_checks=$(grep -c '^    {"5\.23' "$src/include/vrtc/conformance/device_suite.hpp")
transport_checks=$(sed -n '/vhost_user_checks\[\] = {/,/^};/p' "$src/include/vrtc/conformance/linux/vhost_user_suite.hpp" | grep -c '^    {"')
checks=$((device_checks + transport_checks))

# --- a minimal back-end and the mutants, in parallel with the daemon's run ------------------
# with_backend NAME ARGS...: starts the test back-end on $dir/NAME.sock, stops it on return.
with_backend() {
  local name=$1
  shift
  "$mutant" --socket-path "$dir/$name.sock" "$@" >"$dir/$name.log" 2>&1 &
  local pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  wait_for_socket "$dir/$name.sock"
}
minimal() {
  with_backend minimal --fault none --minimal-features
  if run 0 "$dir/minimal.txt" --vhost-user "$dir/minimal.sock"; then
    local na
    na=$(grep '^N/A ' "$dir/minimal.txt" | awk '{print $2}' | sort | tr '\n' ' ')
    [[ $na == "2.7.5.3/indirect-descriptors 5.23.6.4.2/smearing-variant-valid 5.23.6.5.2/cross-counter-nondecreasing 5.23.6.6.1/expire-again-after-step-back 5.23.6.6.1/expire-on-clock-step " ]] ||
      fail "minimal back-end (no protocol features): not applicable: $na"
  fi
}
expect_failures() {
  local name=$1 expected=$2
  with_backend "$name" --fault "$name"
  if run 1 "$dir/$name.txt" --vhost-user "$dir/$name.sock"; then
    local got
    got=$(grep '^FAIL ' "$dir/$name.txt" | awk '{print $2}' | sort | tr '\n' ' ')
    [[ $got == "$expected" ]] || fail "--fault $name failed: $got; expected: $expected"
  fi
}
reused() {
  with_backend reused --fault none
  run 0 "$dir/reused.txt" --reuse-eventfds --vhost-user "$dir/reused.sock" || true
}
jobs_started=()
(minimal) &
jobs_started+=($!)
(reused) &
jobs_started+=($!)
(expect_failures wrong-used-length \
  "2.7.4/response-across-buffers 2.7.8.2/used-length-bytes-written 5.23.6.2/no-status-if-it-does-not-fit 5.23.6.2/used-length ") &
jobs_started+=($!)
(expect_failures einval-for-enodev \
  "5.23.6.2/unknown-clock-enodev 5.23.6.6.2.2/alarm-requests-no-alarm-clock-enodev 5.23.6.6.2.2/alarm-requests-without-feature-enodev ") &
jobs_started+=($!)
(expect_failures late-alarm "5.23.6.5.2/no-reading-before-notified-alarm 5.23.6.6.1/expire-on-clock-progress ") &
jobs_started+=($!)
(expect_failures no-version-1 "6/version-1-offered ") &
jobs_started+=($!)
(expect_failures lost-alarmq-buffer \
  "5.23.6.5.2/no-reading-before-notified-alarm 5.23.6.6.1/expire-on-clock-progress 5.23.6.6.1/expire-on-enable-past 5.23.6.6.1/expire-on-set-past-enabled 5.23.6.6.1/notification-consumed-once 5.23.6.6.1/one-notification-per-expiration ") &
jobs_started+=($!)

# --- vrtc's daemon passes ------------------------------------------------------------------
"$tools/vrtc-vhost-user" --socket-path "$dir/rtc.sock" >"$dir/daemon.log" 2>&1 &
pids+=($!)
wait_for_socket "$dir/rtc.sock"
if run 0 "$dir/daemon.json" --json --vhost-user "$dir/rtc.sock"; then
  python3 - "$dir/daemon.json" "$checks" <<'EOF' || fail "daemon report: $(head -c 600 "$dir/daemon.json")"
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
verdicts = {c["id"]: c["verdict"] for c in r["checks"]}
assert len(r["checks"]) == n and r["failed"] == 0 and r["passed"] == n - 3, r
na = sorted(i for i, v in verdicts.items() if v == "not_applicable")
assert na == ["5.23.6.5.2/cross-counter-nondecreasing", "5.23.6.6.1/expire-again-after-step-back", "5.23.6.6.1/expire-on-clock-step"], na
# The checks that only real rings and real time can run did run.
for i in ["5.23.6.6.1/expire-on-clock-progress", "5.23.6.5.2/reading-unit-nanoseconds",
          "2.7.8.2/used-length-bytes-written", "2.7.5.3/indirect-descriptors",
          "5.23.6.6.1/notification-consumed-once", "2.4/reset-and-reinitialize"]:
    assert verdicts[i] == "pass", i
EOF
  # A front-end that hands the same eventfds again after each reset (as QEMU keeps its own):
  # the daemon goes on serving.
  run 0 "$dir/daemon-reused.txt" --reuse-eventfds --vhost-user "$dir/rtc.sock" || true
fi

# --- transport errors and usage: exit 2, no hang --------------------------------------------
python3 - "$dir/mute.sock" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
time.sleep(30)  # reads nothing, answers nothing
EOF
pids+=($!)
wait_for_socket "$dir/mute.sock"
start=$SECONDS
if run 2 "$dir/mute.txt" --timeout 300 --vhost-user "$dir/mute.sock"; then
  grep -q "no reply to GET_FEATURES within 300 ms" "$dir/mute.txt.err" || fail "silent back-end: $(cat "$dir/mute.txt.err")"
fi
((SECONDS - start < 10)) || fail "a silent back-end took $((SECONDS - start)) s"
if run 2 "$dir/none.txt" --timeout 200 --vhost-user "$dir/no-such.sock"; then
  grep -q "cannot connect" "$dir/none.txt.err" || fail "missing socket: $(cat "$dir/none.txt.err")"
fi
run 2 "$dir/both.txt" --vhost-user "$dir/rtc.sock" -- true || true
run 2 "$dir/wait.txt" --alarm-wait 0 --vhost-user "$dir/rtc.sock" || true

for j in "${jobs_started[@]}"; do wait "$j" || fail "a back-end test job exited $?"; done
if [[ -s $dir/failures ]]; then
  echo "$(wc -l <"$dir/failures") failure(s)"
  exit 1
fi
echo "vrtc-conformance --vhost-user: all good"
