#!/usr/bin/env bash
# vmclock-demo end to end: vmclock-host and a reader process; the reader notices the migration
# and the restore within one update period and every reading lies within the advertised bound
# of TAI. The demo's own verdict is checked, and the lines it rests on.
set -euo pipefail
tools="$1"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failures=0
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}
set +e
"$tools/vmclock-demo" >"$out" 2>&1
status=$?
set -e
[[ $status -eq 0 ]] || fail "vmclock-demo exit status $status"
grep -q '^result: PASS$' "$out" || fail "no PASS verdict"
grep -qE '^result: [0-9]+ readings, 0 outside the advertised bound of TAI' "$out" || fail "readings outside the bound"
grep -qE '^reader: +disruption noticed [0-9.]+ ms after the trigger \(disruption_marker 2\)' "$out" || fail "migration not noticed"
grep -qE '^reader: +snapshot restore noticed [0-9.]+ ms after the trigger \(disruption_marker 3, vm_generation_counter 2\)' "$out" ||
  fail "restore not noticed"
[[ $(grep -c '^reader: .*noticed' "$out") -eq 2 ]] || fail "other events noticed"
grep -q '^vmclock-host: stopped by SIGTERM' "$out" || fail "host did not stop cleanly"
set +e
got=$("$tools/vmclock-demo" --host /nonexistent/vmclock-host 2>&1)
status=$?
set -e
[[ $status -eq 2 ]] || fail "a missing host: exit status $status"
grep -q 'cannot start /nonexistent/vmclock-host' <<<"$got" || fail "a missing host: $got"
if [[ $failures -ne 0 ]]; then
  cat "$out"
  echo "$failures check(s) failed"
  exit 1
fi
echo "vmclock demo passed"
