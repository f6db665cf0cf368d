#!/usr/bin/env bash
# --help on every tool and every subcommand: exit status 0, the command's own usage line first,
# and every option of the command named.
set -euo pipefail
tools="$1"
failures=0

# check "TOOL [SUBCOMMAND]" OPTION...
check() {
  local cmd=$1 out status
  shift
  set +e
  # shellcheck disable=SC2086
  out=$("$tools"/$cmd --help 2>&1)
  status=$?
  set -e
  if [[ $status -ne 0 ]]; then
    echo "FAIL: $cmd --help exits $status"
    failures=$((failures + 1))
    return
  fi
  if [[ "$(head -n 1 <<<"$out")" != "usage: $cmd"* ]]; then
    printf 'FAIL: %s --help does not start with "usage: %s":\n%s\n' "$cmd" "$cmd" "$out"
    failures=$((failures + 1))
  fi
  for option in --help "$@"; do
    if ! grep -qE -- "(^|[ ,])$option( |$)" <<<"$out"; then
      printf 'FAIL: %s --help does not name %s:\n%s\n' "$cmd" "$option" "$out"
      failures=$((failures + 1))
    fi
  done
}

check vrtc-codec encode decode
check "vrtc-codec encode" JSON
check "vrtc-codec decode" --msg --dir HEX
check vmclock dump time now probe watch
check "vmclock dump" --json PATH
check "vmclock time" --page --counter --json
check "vmclock now" --json PATH
check "vmclock probe" --json --root
check "vmclock watch" PATH --interval-ms --count --timeout-ms --json
check vmclock-host --page --rate --max-error-ns --seed --leap-seconds
check vrtc-conformance --json --junit --timeout --alarm-wait --reuse-eventfds --vhost-user
check vrtc-refdevice --fault --no-alarm --clear-alarms-on-reset --hooks --list-faults
check vrtc-vhost-user --socket-path --clock --no-alarm-feature --leap-seconds
check vrtc-ptp list read chrony udev
check "vrtc-ptp list" --json --root
check "vrtc-ptp read" CLOCK --samples --method --scale --leap-seconds --json --root
check "vrtc-ptp chrony" CLOCK --allow-smeared --poll --scale --root
check "vrtc-ptp udev"
check rtc-change-replay --initial --window-ms --max-wait-ms TRACE

# Every installed tool is covered above.
for tool in "$tools"/*; do
  [[ -f $tool && -x $tool ]] || continue
  name=$(basename "$tool")
  grep -q "^check \"\\?$name[ \"]\\|^check $name\$" "${BASH_SOURCE[0]}" || { echo "FAIL: no --help check for $name"; failures=$((failures + 1)); }
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "--help: all tools and subcommands checked"
