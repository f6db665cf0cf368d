#!/usr/bin/env bash
# Every path a tool opens may be a FIFO (or another file that is not what the tool expects):
# the tool must say so and exit, never block in open(). Each run has a time limit, so a tool
# that hangs fails this test instead of hanging it.
set -euo pipefail
tools="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}
fifo="$dir/fifo"
mkfifo "$fifo"

# run WANT_STATUS WANT_OUTPUT TOOL ARGS...: the tool's exit status and its whole output (stdout
# and stderr), within 10 seconds.
run() {
  local want_status=$1 want=$2 got status
  shift 2
  set +e
  got=$(timeout -k 2 10 "$@" 2>&1)
  status=$?
  set -e
  if [[ $status -eq 124 || $status -eq 137 ]]; then
    fail "$* blocked (killed after 10 s)"
  elif [[ $status -ne $want_status || "$got" != "$want" ]]; then
    printf 'FAIL: %s\n  expected (exit %s): %s\n  got      (exit %s): %s\n' "$*" "$want_status" "$want" "$status" "$got"
    failures=$((failures + 1))
  fi
}

vmclock="$tools/vmclock"
not_page="is a FIFO (named pipe), neither a device node nor a regular file"
run 2 "{\"error\": \"cannot open $fifo: $not_page\"}" "$vmclock" dump "$fifo"
run 2 "{\"error\": \"cannot open $fifo: $not_page\"}" "$vmclock" dump --json "$fifo"
run 2 "{\"error\": \"cannot open $fifo: $not_page\"}" "$vmclock" time --page "$fifo" --counter 1
run 2 "{\"error\": \"$fifo: $not_page: give a vmclock device (/dev/vmclockN) or a page file\"}" "$vmclock" now "$fifo"
run 2 "{\"error\": \"$fifo: $not_page: give a vmclock device (/dev/vmclockN) or a page file\"}" \
  "$vmclock" watch "$fifo" --timeout-ms 500
# A directory is refused the same way.
run 2 "{\"error\": \"$dir: is a directory, neither a device node nor a regular file: give a vmclock device (/dev/vmclockN) or a page file\"}" \
  "$vmclock" now "$dir"

# probe --root on a tree whose node and whose files to read are FIFOs: it reports and ends.
root="$dir/root"
mkdir -p "$root/dev" "$root/proc" "$root/boot" "$root/sys/bus/acpi/devices/AMZNC10C:00"
mkfifo "$root/dev/vmclock0" "$root/proc/iomem" "$root/proc/config.gz" "$root/boot/config-fifo" \
  "$root/sys/bus/acpi/devices/AMZNC10C:00/modalias" "$root/sys/bus/acpi/devices/AMZNC10C:00/hid"
set +e
got=$(timeout -k 2 10 "$vmclock" probe --root "$root" 2>&1)
status=$?
set -e
if [[ $status -ne 0 ]]; then
  fail "probe --root with FIFOs: exit status $status (124 or 137: it blocked)"
else
  grep -qF "  $root/dev/vmclock0: not a character device, mode 0644, uid $(id -u), readable; $root/dev/vmclock0: $not_page: give a vmclock device (/dev/vmclockN) or a page file" <<<"$got" ||
    fail "probe --root with FIFOs: the node line does not say what it is:
$got"
  grep -qxF "  $root/proc/iomem: not readable" <<<"$got" || fail "probe --root with FIFOs: /proc/iomem not reported unreadable:
$got"
  grep -qxF "  $root/proc/config.gz: present, not decompressed" <<<"$got" ||
    fail "probe --root with FIFOs: config.gz not reported undecoded:
$got"
fi

run 2 "{\"error\": \"cannot open $fifo: is a FIFO (named pipe), not a regular file\"}" \
  "$tools/vmclock-host" --page "$fifo"
run 2 "rtc-change-replay: cannot open $fifo: is a FIFO (named pipe), not a regular file (give - to read standard input)" \
  "$tools/rtc-change-replay" "$fifo"

# The JUnit report of vrtc-conformance: the suite runs, the report cannot be written there.
set +e
got=$(timeout -k 2 60 "$tools/vrtc-conformance" --junit "$fifo" -- "$tools/vrtc-refdevice" 2>&1 >/dev/null)
status=$?
set -e
[[ $status -eq 2 ]] || fail "vrtc-conformance --junit FIFO: exit status $status (124 or 137: it blocked)"
[[ "$got" == "vrtc-conformance: $fifo: is a FIFO (named pipe), neither a device node nor a regular file
vrtc-conformance: cannot write $fifo" ]] || fail "vrtc-conformance --junit FIFO: $got"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all special-file checks passed"
