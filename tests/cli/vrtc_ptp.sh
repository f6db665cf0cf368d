#!/usr/bin/env bash
# vrtc-ptp against a fake /sys/class/ptp tree: list (text and JSON), chrony lines per clock
# kind (tai for TAI, smeared clocks refused without --allow-smeared, MONOTONIC refused), udev
# rules that match what list recognizes, read's errors (never a hang on a FIFO), --help and
# bad arguments. On a machine with real PHCs, read --json on each must agree with itself.
set -euo pipefail
tool="$1/vrtc-ptp"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}
# expect STATUS CMD...: runs CMD, which must exit with STATUS; its output is in $out.
expect() {
  local want=$1 status
  shift
  set +e
  out=$(timeout 10 "$@" 2>&1)
  status=$?
  set -e
  [[ $status -eq $want ]] || fail "exit $status (want $want): $*: $out"
}

root=$dir/root
clock() { # clock ptpN NAME
  mkdir -p "$root/sys/devices/virtual/ptp/$1" "$root/sys/class/ptp" "$root/dev"
  printf '%s\n' "$2" >"$root/sys/devices/virtual/ptp/$1/clock_name"
  ln -s "../../devices/virtual/ptp/$1" "$root/sys/class/ptp/$1"
  : >"$root/dev/$1"
}
mkdir -p "$root/proc/sys/kernel"
echo 7.3.4+deb13-cloud-amd64 >"$root/proc/sys/kernel/osrelease"
clock ptp0 vmclock0
clock ptp1 'Virtio PTP type 1/variant 0'
clock ptp2 'Virtio PTP type 0/variant 0'
clock ptp3 'Virtio PTP type 2/variant 0'
clock ptp4 'Virtio PTP type 3/variant 1'
clock ptp5 'Virtio PTP type 4/variant 0'
clock ptp6 'KVM virtual PTP'
clock ptp7 'Virtio PTP type 1/variant 0 '
mkdir -p "$root/sys/class/ptp/ptp8"
mkfifo "$root/sys/class/ptp/ptp8/clock_name"
mkfifo "$root/dev/ptp8"

# --- list ---
expect 0 "$tool" list --root "$root" --json
python3 - "$out" <<'EOF' || fail "list --json: $out"
import json, sys
r = json.loads(sys.argv[1])
c = {x["clock"]: x for x in r["clocks"]}
assert r["kernel"] == "7.3", r["kernel"]
assert list(c) == [f"ptp{i}" for i in range(9)], list(c)
want = {"ptp0": ("vmclock", "TAI"), "ptp1": ("virtio_rtc", "TAI"), "ptp2": ("virtio_rtc", "UTC"),
        "ptp3": ("virtio_rtc", "MONOTONIC"), "ptp4": ("virtio_rtc", "UTC_SMEARED"),
        "ptp5": ("virtio_rtc", "UTC_MAYBE_SMEARED"), "ptp6": ("ptp_kvm", "UTC"),
        "ptp7": ("other", "unknown"), "ptp8": ("other", "unknown")}
for k, (source, scale) in want.items():
    assert (c[k]["source"], c[k]["scale"]) == (source, scale), (k, c[k])
assert c["ptp4"]["virtio_type"] == 3 and c["ptp4"]["virtio_variant"] == 1
assert c["ptp4"]["virtio_variant_name"] == "NOON_LINEAR"
assert c["ptp1"]["device"] == "/dev/ptp1" and c["ptp1"]["node_present"] is True
assert c["ptp8"]["clock_name"] is None and "FIFO" in c["ptp8"]["clock_name_problem"]
EOF
expect 0 "$tool" list --root "$root"
grep -q '^ptp1  /dev/ptp1  "Virtio PTP type 1/variant 0"  virtio-rtc clock, type TAI' <<<"$out" || fail "list text: $out"
expect 0 "$tool" list --root "$dir/empty" --json
grep -q '"problem"' <<<"$out" || fail "list on a tree without /sys/class/ptp: $out"

# --- chrony ---
expect 0 "$tool" chrony ptp1 --root "$root"
grep -qx 'refclock PHC /dev/ptp1 poll 2 dpoll -2 refid VTAI tai' <<<"$out" || fail "chrony TAI: $out"
grep -q '/dev/ptp_vrtc_tai' <<<"$out" || fail "chrony names no stable name: $out"
expect 0 "$tool" chrony vmclock0 --root "$root" --poll 0
grep -qx 'refclock PHC /dev/ptp0 poll 0 dpoll -2 refid VMCK tai' <<<"$out" || fail "chrony vmclock: $out"
echo 6.13.0 >"$dir/old-release"
cp -r "$root" "$dir/old" && cp "$dir/old-release" "$dir/old/proc/sys/kernel/osrelease"
expect 0 "$tool" chrony vmclock0 --root "$dir/old"
grep -qx 'refclock PHC /dev/ptp0 poll 2 dpoll -2 refid VMCK' <<<"$out" || fail "chrony vmclock before 7.0 (UTC): $out"
expect 0 "$tool" chrony ptp2 --root "$root"
grep -qx 'refclock PHC /dev/ptp2 poll 2 dpoll -2 refid VUTC' <<<"$out" || fail "chrony UTC: $out"
expect 0 "$tool" chrony 'KVM virtual PTP' --root "$root"
grep -qx 'refclock PHC /dev/ptp6 poll 2 dpoll -2 refid PKVM' <<<"$out" || fail "chrony ptp_kvm: $out"
for smeared in ptp4 ptp5; do
  expect 2 "$tool" chrony $smeared --root "$root"
  grep -q 'smears leap seconds' <<<"$out" || fail "chrony $smeared refusal: $out"
  expect 0 "$tool" chrony $smeared --root "$root" --allow-smeared
  grep -qx "refclock PHC /dev/$smeared poll 2 dpoll -2 refid VUTC" <<<"$out" || fail "chrony $smeared allowed: $out"
done
expect 2 "$tool" chrony ptp3 --root "$root"
grep -q MONOTONIC <<<"$out" || fail "chrony MONOTONIC refusal: $out"
expect 2 "$tool" chrony ptp7 --root "$root"
expect 0 "$tool" chrony ptp7 --root "$root" --scale tai
grep -qx 'refclock PHC /dev/ptp7 poll 2 dpoll -2 refid PHC tai' <<<"$out" || fail "chrony --scale: $out"
ln -s ptp1 "$root/dev/ptp_vrtc_tai"
expect 0 "$tool" chrony /dev/ptp_vrtc_tai --root "$root"
grep -qx 'refclock PHC /dev/ptp_vrtc_tai poll 2 dpoll -2 refid VTAI tai' <<<"$out" || fail "chrony by link: $out"

# --- udev: every rule's name is one list recognizes, each link once ---
expect 0 "$tool" udev
rules=$out
uroot=$dir/uroot
n=0
while IFS= read -r line; do
  [[ $line == \#* || -z $line ]] && continue
  [[ $line =~ ^SUBSYSTEM==\"ptp\",\ ATTR\{clock_name\}==\"([^\"]+)\",\ SYMLINK\+=\"([a-z_]+)\"$ ]] ||
    { fail "udev line: $line"; continue; }
  mkdir -p "$uroot/sys/class/ptp/ptp$n"
  printf '%s\n' "${BASH_REMATCH[1]}" >"$uroot/sys/class/ptp/ptp$n/clock_name"
  n=$((n + 1))
done <<<"$rules"
[[ $n -ge 9 ]] || fail "only $n udev rules"
expect 0 "$tool" list --root "$uroot" --json
python3 - "$out" <<'EOF' || fail "a udev rule names a clock list does not recognize: $out"
import json, sys
for c in json.loads(sys.argv[1])["clocks"]:
    assert c["source"] != "other", c
EOF
for link in ptp_vrtc_tai ptp_vrtc_utc ptp_vmclock ptp_kvm; do
  [[ $(grep -c "SYMLINK+=\"$link\"" <<<"$rules") -eq 1 ]] || fail "udev: $link not exactly once"
done

# --- read: errors, never a hang ---
expect 2 "$tool" read ptp1 --root "$root"
grep -q 'not a character device' <<<"$out" || fail "read of a regular file node: $out"
expect 2 "$tool" read ptp8 --root "$root"
grep -q 'FIFO' <<<"$out" || fail "read of a FIFO node: $out"
expect 2 "$tool" read ptp42 --root "$root"
expect 2 "$tool" read /dev/null
grep -q 'not the device node of any PTP clock' <<<"$out" || fail "read /dev/null: $out"
expect 2 "$tool" read 'Virtio PTP type 9/variant 9' --root "$root"

# --- help and bad arguments ---
for cmd in "" list read chrony udev; do
  expect 0 "$tool" $cmd --help
  grep -q "^usage: vrtc-ptp ${cmd:-list}" <<<"$out" || fail "--help for '$cmd': $out"
  grep -q -- '--help' <<<"$out" || fail "--help for '$cmd' does not list the options: $out"
done
expect 2 "$tool"
expect 2 "$tool" frobnicate
expect 2 "$tool" list --samples 3
expect 2 "$tool" list extra
expect 2 "$tool" read
expect 2 "$tool" read ptp0 ptp1 --root "$root"
expect 2 "$tool" read ptp0 --samples 0 --root "$root"
expect 2 "$tool" read ptp0 --samples 1001 --root "$root"
expect 2 "$tool" read ptp0 --samples x --root "$root"
expect 2 "$tool" read ptp0 --samples
expect 2 "$tool" read ptp0 --method fast --root "$root"
expect 2 "$tool" chrony ptp0 --scale julian --root "$root"
expect 2 "$tool" udev ptp0
expect 2 "$tool" list --root ''
grep -q '^{"error": ' <<<"$out" || fail "errors are one JSON line: $out"

# --- this machine's own PHCs, if any ---
for c in /sys/class/ptp/ptp*; do
  [[ -e $c ]] || continue
  name=$(basename "$c")
  set +e
  out=$(timeout 10 "$tool" read "$name" --json --samples 5 2>&1)
  status=$?
  set -e
  [[ $status -eq 0 ]] || { echo "note: $name: $out"; continue; }
  python3 - "$out" <<'EOF' || fail "read --json on $name: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["samples"] == 5
assert r["realtime_before_ns"] <= r["realtime_after_ns"]
assert r["delay_ns"] == r["realtime_after_ns"] - r["realtime_before_ns"]
if r["offset_ns"] is not None:
    assert r["min_offset_ns"] <= r["offset_ns"] <= r["max_offset_ns"]
    assert 2 * r["error_bound_ns"] >= r["delay_ns"]
EOF
done

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "vrtc-ptp: all checks passed"
