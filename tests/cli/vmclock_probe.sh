#!/usr/bin/env bash
# vmclock probe and watch. probe runs on this machine and must agree with what the shell finds in
# /dev, /sys and /proc itself; watch follows a page file that this script changes with Python,
# and its lines (timestamps removed) must be exactly the changes made.
set -euo pipefail
tool="$1/vmclock"
dir=$(mktemp -d)
watcher=
cleanup() {
  [[ -n $watcher ]] && kill "$watcher" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
failures=0
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}

# --- probe: exit 0, and the same facts the shell sees ---
set +e
text=$("$tool" probe)
status=$?
json=$("$tool" probe --json)
json_status=$?
set -e
[[ $status -eq 0 && $json_status -eq 0 ]] || fail "probe exit status $status / $json_status"
summary=$(grep '^summary: ' <<<"$text" | sed 's/^summary: //')
[[ -n $summary ]] || fail "probe printed no summary"
python3 - "$json" "$summary" <<'EOF' || fail "probe --json does not match the text summary"
import json, sys
report = json.loads(sys.argv[1])
assert report["summary"] == sys.argv[2], (report["summary"], sys.argv[2])
for key in ("checks", "devices", "nodes", "ptp_clocks", "kernel_config", "driver_registered"):
    assert key in report, key
EOF

# Device nodes: the shell's own listing.
if compgen -G '/dev/vmclock[0-9]*' >/dev/null; then
  grep -q '/dev/vmclock[0-9]' <<<"$summary" || fail "a /dev/vmclock node exists but the summary says: $summary"
else
  grep -q 'no /dev/vmclock0' <<<"$summary" || fail "no /dev/vmclock node, but the summary says: $summary"
fi
# ACPI devices with HID AMZNC10C.
for hid in /sys/bus/acpi/devices/*/hid; do
  [[ -r $hid && $(cat "$hid") == AMZNC10C ]] || continue
  name=$(basename "$(dirname "$hid")")
  grep -q "ACPI device $name" <<<"$summary" || fail "ACPI device $name not in the summary: $summary"
  # The range, as /proc/iomem lists it (root sees the addresses).
  if range=$(grep -m1 " : $name\$" /proc/iomem | sed -E 's/^ *([0-9a-f]+)-([0-9a-f]+) .*/\1 \2/'); then
    read -r first last <<<"$range"
    if [[ $first != 00000000 || $last != 00000000 ]]; then
      want=$(printf '0x%x-0x%x' "$((16#$first))" "$((16#$last))")
      grep -q "$name at $want" <<<"$summary" || fail "range $want of $name not in the summary: $summary"
    fi
  fi
  if [[ -e /sys/bus/platform/devices/$name/driver ]]; then
    grep -q "$name.*driver $(basename "$(readlink /sys/bus/platform/devices/$name/driver)") bound" <<<"$summary" ||
      fail "bound driver not in the summary: $summary"
  else
    grep -q "$name.*no driver bound" <<<"$summary" || fail "unbound $name not reported: $summary"
  fi
done
# The kernel option, from /proc/config.gz when it decodes.
if [[ -r /proc/config.gz ]] && config=$(gzip -dc /proc/config.gz 2>/dev/null); then
  if grep -q '^CONFIG_PTP_1588_CLOCK_VMCLOCK=y' <<<"$config"; then want='CONFIG_PTP_1588_CLOCK_VMCLOCK=y'
  elif grep -q '^CONFIG_PTP_1588_CLOCK_VMCLOCK=m' <<<"$config"; then want='CONFIG_PTP_1588_CLOCK_VMCLOCK=m'
  elif grep -q '^# CONFIG_PTP_1588_CLOCK_VMCLOCK is not set' <<<"$config"; then want='without CONFIG_PTP_1588_CLOCK_VMCLOCK'
  else want='no CONFIG_PTP_1588_CLOCK_VMCLOCK option'
  fi
  grep -q "$want" <<<"$summary" || fail "kernel option ($want) not in the summary: $summary"
fi
echo "probe on this machine: $summary"

# As a new, unprivileged user would run it: still exit 0 and a summary; /proc/iomem then shows
# zeros, which the probe must call hidden rather than report as addresses.
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
  mkdir -p "$dir/nobody" && cp "$tool" "$dir/nobody/vmclock" && chmod 755 "$dir" "$dir/nobody"
  set +e
  text=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$dir/nobody/vmclock" probe)
  status=$?
  set -e
  [[ $status -eq 0 ]] || fail "probe as uid 65534: exit status $status"
  nobody_summary=$(grep '^summary: ' <<<"$text" | sed 's/^summary: //')
  [[ -n $nobody_summary ]] || fail "probe as uid 65534 printed no summary"
  if grep -q '^ *[0-9a-f]*-[0-9a-f]* : AMZNC10C' /proc/iomem; then
    grep -q 'address hidden from non-root users' <<<"$nobody_summary" ||
      fail "probe as uid 65534 does not say the address is hidden: $nobody_summary"
  fi
fi

# --- probe on a fake tree (--root): a Linux 7.0 guest with the driver bound and a node ---
root="$dir/root"
mkdir -p "$root/sys/devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00" "$root/sys/devices/platform/AMZNC10C:00" \
  "$root/sys/bus/acpi/devices" "$root/sys/bus/platform/devices" "$root/sys/bus/platform/drivers/vmclock" \
  "$root/sys/class/ptp/ptp0" "$root/dev" "$root/proc" "$root/boot"
acpi="$root/sys/devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00"
printf 'AMZNC10C\n' >"$acpi/hid"
printf 'acpi:AMZNC10C:VMCLOCK:\n' >"$acpi/modalias"
printf '\\_SB_.VCLK\n' >"$acpi/path"
printf '15\n' >"$acpi/status"
ln -s ../../../platform/AMZNC10C:00 "$acpi/physical_node"
ln -s "../../../devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00" "$root/sys/bus/acpi/devices/AMZNC10C:00"
printf 'acpi:AMZNC10C:VMCLOCK:\n' >"$root/sys/devices/platform/AMZNC10C:00/modalias"
ln -s ../../../bus/platform/drivers/vmclock "$root/sys/devices/platform/AMZNC10C:00/driver"
ln -s ../../../devices/platform/AMZNC10C:00 "$root/sys/bus/platform/devices/AMZNC10C:00"
printf 'vmclock0\n' >"$root/sys/class/ptp/ptp0/clock_name"
printf '00100000-bfffffff : System RAM\n  feffb000-feffbfff : AMZNC10C:00\n' >"$root/proc/iomem"
printf 'CONFIG_PTP_1588_CLOCK_VMCLOCK=y\n' | gzip >"$root/proc/config.gz"
python3 - "$root/dev/vmclock0" <<'PYEOF'
import struct, sys
# QEMU's page after boot: markers only, no counter relation for any CPU (counter_id INVALID).
b = struct.pack('<IIHBBIQQ', 0x4b4c4356, 0x1000, 1, 0xff, 0, 2, 1, 0)
open(sys.argv[1], 'wb').write(b + bytes(4096 - len(b)))
PYEOF
chmod 0644 "$root/dev/vmclock0"
want="looked at:
  $root/dev/vmclock*: vmclock0
  $root/sys/bus/acpi/devices: 1 devices, 1 with HID AMZNC10C or CID VMCLOCK
  $root/sys/firmware/devicetree/base: absent (no devicetree)
  $root/sys/bus/platform/devices: matching: 1
  $root/proc/iomem: vmclock ranges found: 1
  $root/sys/bus/platform/drivers/vmclock: present (driver registered)
  $root/sys/module/ptp_vmclock: absent
  $root/proc/config.gz: CONFIG_PTP_1588_CLOCK_VMCLOCK: y
  $root/sys/class/ptp/*/clock_name: ptp0 (vmclock0)
devices:
  ACPI AMZNC10C:00: HID AMZNC10C, CID VMCLOCK, \\_SB_.VCLK, _STA 15, 0xfeffb000-0xfeffbfff (/proc/iomem), $root/sys/bus/platform/devices/AMZNC10C:00, driver vmclock bound
device nodes:
  $root/dev/vmclock0: not a character device, mode 0644, uid $(id -u), readable; opened, a regular file: read with pread, never mapped, no notifications: a regular file cannot notify (polling at an interval), clock_status UNKNOWN, counter_id INVALID, no time: no counter relation (counter_id INVALID)
kernel: CONFIG_PTP_1588_CLOCK_VMCLOCK y ($root/proc/config.gz); driver registered
summary: ACPI device AMZNC10C:00 at 0xfeffb000-0xfeffbfff, driver vmclock bound; kernel built with CONFIG_PTP_1588_CLOCK_VMCLOCK=y; $root/dev/vmclock0 readable; PTP clock ptp0 (vmclock0)"
set +e
got=$("$tool" probe --root "$root")
status=$?
set -e
[[ $status -eq 0 && "$got" == "$want" ]] || fail "probe --root (exit $status)
  expected: $want
  got:      $got"
got=$("$tool" probe --json --root "$root" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["nodes"][0]["time"], r["devices"][0]["driver"], r["kernel_config"], r["module_loaded"])')
[[ "$got" == "no counter relation (counter_id INVALID) vmclock y False" ]] || fail "probe --json --root: $got"

# --- probe on a fake tree: the driver bound to a region smaller than a kernel page ---
# The driver binds but makes no /dev/vmclockN; the probe says so and why, not "no driver".
rm -f "$root/dev/vmclock0"
printf '00100000-bfffffff : System RAM\n  feffb000-feffb7ff : AMZNC10C:00\n' >"$root/proc/iomem"
page_size=$(getconf PAGESIZE)
note="no node for it: its region is 2048 bytes, less than the kernel's $page_size-byte page, and the driver makes /dev/vmclockN only for a page of at least one kernel page"
set +e
got=$("$tool" probe --root "$root")
status=$?
set -e
[[ $status -eq 0 ]] || fail "probe --root with a small region: exit $status"
grep -qxF "  ACPI AMZNC10C:00: HID AMZNC10C, CID VMCLOCK, \\_SB_.VCLK, _STA 15, 0xfeffb000-0xfeffb7ff (/proc/iomem), $root/sys/bus/platform/devices/AMZNC10C:00, driver vmclock bound, $note" <<<"$got" ||
  fail "probe --root with a small region: the device line does not say why there is no node:
$got"
grep -qxF "summary: ACPI device AMZNC10C:00 at 0xfeffb000-0xfeffb7ff, driver vmclock bound, $note; kernel built with CONFIG_PTP_1588_CLOCK_VMCLOCK=y; no /dev/vmclock0; PTP clock ptp0 (vmclock0)" <<<"$got" ||
  fail "probe --root with a small region: summary:
$got"
got=$("$tool" probe --json --root "$root" | python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0].get("node_note"))')
[[ "$got" == "$note" ]] || fail "probe --json --root with a small region: node_note $got"

# --- watch ---
# page FILE [field=value ...]: a 4096-byte page (seq even) with the given fields.
page() {
  python3 - "$@" <<'EOF'
import struct, sys
f = dict(seq=2, marker=1, flags=0x100, status=2, gen=1)
for arg in sys.argv[2:]:
    k, v = arg.split('=')
    f[k] = int(v, 0)
b = struct.pack('<IIHBBIQQ2sBBhBBQQQQQQQQQ', 0x4b4c4356, 0x1000, 1, 1, 1, f['seq'], f['marker'], f['flags'],
                b'\0\0', f['status'], 0, -37, 0, 29, 0, 0x89705F4136B4A597, 0, 0, 1700000000, 0, 0, 0, f['gen'])
open(sys.argv[1], 'wb').write(b + bytes(4096 - len(b)))
EOF
}
# update FILE field=value ...: changes fields in place the way a writer does (seq odd, fields,
# seq even), each step its own write.
update() {
  python3 - "$@" <<'EOF'
import os, struct, sys
offsets = dict(marker=(0x10, '<Q'), flags=(0x18, '<Q'), status=(0x22, '<B'), gen=(0x68, '<Q'))
fd = os.open(sys.argv[1], os.O_RDWR)
seq = struct.unpack('<I', os.pread(fd, 4, 12))[0]
os.pwrite(fd, struct.pack('<I', seq | 1), 12)
for arg in sys.argv[2:]:
    k, v = arg.split('=')
    off, fmt = offsets[k]
    os.pwrite(fd, struct.pack(fmt, int(v, 0)), off)
os.pwrite(fd, struct.pack('<I', (seq | 1) + 1), 12)
os.close(fd)
EOF
}
# lines FILE N: waits (up to 5 s) until FILE has N lines.
lines() {
  for _ in $(seq 500); do
    [[ $(wc -l <"$1") -ge $2 ]] && return 0
    sleep 0.01
  done
  fail "timed out waiting for line $2 of $1"
  return 1
}

page "$dir/page"
"$tool" watch "$dir/page" --interval-ms 5 --count 4 >"$dir/watch.out" &
watcher=$!
lines "$dir/watch.out" 2
update "$dir/page" marker=2
lines "$dir/watch.out" 3
update "$dir/page" marker=3 gen=2 status=3
lines "$dir/watch.out" 4
# seq_count alone (an ordinary re-publication) is not a change; flags are.
update "$dir/page"
update "$dir/page" flags=0x102
set +e
wait "$watcher"
status=$?
set -e
watcher=
[[ $status -eq 0 ]] || fail "watch exit status $status"
want="# watching $dir/page: re-reading every 5 ms
disruption_marker=1 vm_generation_counter=1 clock_status=SYNCHRONIZED flags=0x100 VM_GEN_COUNTER_PRESENT (initial)
disruption_marker=2 vm_generation_counter=1 clock_status=SYNCHRONIZED flags=0x100 VM_GEN_COUNTER_PRESENT (changed: disruption_marker)
disruption_marker=3 vm_generation_counter=2 clock_status=FREERUNNING flags=0x100 VM_GEN_COUNTER_PRESENT (changed: disruption_marker,vm_generation_counter,clock_status)
disruption_marker=3 vm_generation_counter=2 clock_status=FREERUNNING flags=0x102 DISRUPTION_SOON|VM_GEN_COUNTER_PRESENT (changed: flags)"
got=$(sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z //' "$dir/watch.out")
[[ "$got" == "$want" ]] || fail "watch output
  expected: $want
  got:      $got"
# Timestamps are UTC ISO 8601 with nanoseconds.
[[ $(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z ' "$dir/watch.out") -eq 4 ]] ||
  fail "watch lines without a timestamp"

# --timeout-ms on a page that does not change: the initial line, then exit 0.
got=$("$tool" watch "$dir/page" --timeout-ms 50 --json | sed -E 's/"time": "[^"]*", //')
[[ "$got" == '{"disruption_marker": 3, "vm_generation_counter": 2, "clock_status": "FREERUNNING", "flags": 258, "changed": "initial"}' ]] ||
  fail "watch --timeout-ms --json: $got"

# A page file truncated while watch reads it: exit 2 with what happened, never SIGBUS.
page "$dir/shrinking"
"$tool" watch "$dir/shrinking" --interval-ms 5 --timeout-ms 10000 >"$dir/shrink.out" &
watcher=$!
lines "$dir/shrink.out" 2
: >"$dir/shrinking"
set +e
wait "$watcher"
status=$?
set -e
watcher=
[[ $status -eq 2 ]] || fail "watch of a truncated file: exit status $status (want 2)"
[[ $(tail -n 1 "$dir/shrink.out") == "{\"error\": \"$dir/shrinking: the page file shrank to 0 bytes (it had 4096 when opened): truncated or replaced by its writer\"}" ]] ||
  fail "watch of a truncated file: $(tail -n 1 "$dir/shrink.out")"

# Errors: exit 2 and one line of JSON.
check_error() {
  local want=$1 got status
  shift
  set +e
  got=$("$tool" "$@" 2>&1)
  status=$?
  set -e
  [[ $status -eq 2 && "$got" == "{\"error\": \"$want\"}" ]] || fail "vmclock $*
  expected (exit 2): {\"error\": \"$want\"}
  got      (exit $status): $got"
}
check_error "$dir/missing: open failed: No such file or directory; check the path, or start \`vmclock-host --page PATH\` to publish a page there" watch "$dir/missing"
printf 'VCLK' >"$dir/short"
check_error "$dir/short: short page: 4 bytes, a vmclock structure needs at least 32 (112 for every field); is the writer running?" watch "$dir/short"
check_error "bad value for --interval-ms: 5x" watch "$dir/page" --interval-ms 5x
check_error "--interval-ms must be at least 1" watch "$dir/page" --interval-ms 0
check_error "--count must be at least 1" watch "$dir/page" --count 0
check_error "--timeout-ms: 1 required N missing; try vmclock --help" watch "$dir/page" --timeout-ms
check_error "The following argument was not expected: $dir/page; try vmclock --help" probe "$dir/page"
# Without PATH: the first /dev/vmclock* node, or an error that points at the probe.
if ! compgen -G '/dev/vmclock[0-9]*' >/dev/null; then
  check_error 'no /dev/vmclock* device (`vmclock probe` says why); give a PATH' watch --count 1
  check_error 'no /dev/vmclock* device (`vmclock probe` says why); give a PATH' now
fi
check_error "The following arguments were not expected: $dir/page --count; try vmclock --help" now --count 1 "$dir/page"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all vmclock probe/watch checks passed"
