#!/bin/busybox sh
# /init of the test guest (busybox). Runs the checks named by vrtc.mode= on the kernel command
# line and reports on the serial console:
#   CHECK name: PASS|FAIL|SKIP|INFO detail     one per check (the host parses these)
#   VRTC-HOST: request                         asks the host to act (live-migration, ...)
#   VRTC-GUEST-DONE                            the end; the guest powers off after it
# Any output between is kept in the host's log of the run.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
exec </dev/console >/dev/console 2>&1

mode=; addr=; samples=200; clocks=
for word in $(cat /proc/cmdline); do
  case $word in
    vrtc.mode=*) mode=${word#vrtc.mode=} ;;
    vrtc.addr=*) addr=${word#vrtc.addr=} ;;
    vrtc.samples=*) samples=${word#vrtc.samples=} ;;
    vrtc.clocks=*) clocks=${word#vrtc.clocks=} ;;
  esac
done

check() { echo "CHECK $1: $2 $3"; }
finish() {
  echo VRTC-GUEST-DONE
  poweroff -f
  sleep 5
}
# state_lines FILE: the lines of `vmclock watch` output that report a state (not comments).
state_lines() { grep -v '^#' "$1" 2>/dev/null; }
# wait_lines FILE N SECONDS: until FILE reports N states.
wait_lines() {
  i=0
  while [ "$(state_lines "$1" | wc -l)" -lt "$2" ]; do
    i=$((i + 1))
    [ $i -gt $(($3 * 10)) ] && return 1
    sleep 0.1
  done
}

echo "guest: kernel $(uname -r), mode $mode, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

# load_vmclock: the driver, from the module the host put in the image (or built in).
load_vmclock() {
  if [ -e /sys/bus/platform/drivers/vmclock ]; then
    check load-driver PASS "ptp_vmclock is built in"
    return 0
  fi
  ko=$(ls /lib/modules/ptp_vmclock.ko* 2>/dev/null | head -n 1)
  if [ -z "$ko" ]; then
    check load-driver FAIL "no ptp_vmclock module in the image and no built-in driver"
    return 1
  fi
  case $ko in
    *.xz) xz -dc "$ko" >/tmp/ptp_vmclock.ko ;;
    *.gz) gzip -dc "$ko" >/tmp/ptp_vmclock.ko ;;
    *.zst) echo "zstd modules are not supported by busybox; give an uncompressed .ko"; return 1 ;;
    *) cp "$ko" /tmp/ptp_vmclock.ko ;;
  esac
  if out=$(insmod /tmp/ptp_vmclock.ko 2>&1); then
    check load-driver PASS "insmod $(basename "$ko")"
  else
    check load-driver FAIL "insmod $(basename "$ko"): $out"
    return 1
  fi
  dmesg | grep -i vmclock
  return 0
}

# probe_checks EXPECT_PTP: `vmclock probe` must report the device, the bound driver and the
# node (and, when EXPECT_PTP is yes, the PTP clock).
probe_checks() {
  vmclock probe >/tmp/probe.txt 2>&1
  status=$?
  cat /tmp/probe.txt
  summary=$(grep '^summary: ' /tmp/probe.txt)
  [ $status -eq 0 ] || { check probe FAIL "vmclock probe exit status $status"; return; }
  echo "$summary" | grep -q 'AMZNC10C' && echo "$summary" | grep -q 'driver vmclock bound' &&
    check probe-device PASS "${summary#summary: }" || check probe-device FAIL "${summary#summary: }"
  echo "$summary" | grep -q '/dev/vmclock0' && check probe-node PASS "/dev/vmclock0 reported" ||
    check probe-node FAIL "no /dev/vmclock0 in the summary"
  if [ "$1" = yes ]; then
    echo "$summary" | grep -q 'PTP clock ptp[0-9]* (vmclock0)' && check probe-ptp PASS "PTP clock reported" ||
      check probe-ptp FAIL "no PTP clock vmclock0 in the summary"
  fi
}

# ivshmem_device: the /sys/bus/pci/devices/... directory of the ivshmem device (1af4:1110).
ivshmem_device() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ] && echo "$d"
  done
}

vmclock_checks() {
  dev=$(ivshmem_device)
  if [ -z "$dev" ]; then
    check ivshmem FAIL "no ivshmem device (1af4:1110) on the PCI bus"
    return
  fi
  echo 1 >"$dev/enable" 2>/dev/null
  echo "guest: shared memory is $dev; /proc/iomem before:"
  grep -i -E 'ivshmem|AMZNC10C|VMCLOCK|^ *f[c-f]' /proc/iomem
  vrtc-guest-check sync "$dev" || return
  vrtc-guest-check move-bar "$dev" 2 "$addr" || return
  load_vmclock || return
  probe_checks yes
  ptp=$(vrtc-guest-check ptp-clock vmclock0)
  if [ -z "$ptp" ]; then
    check ptp-clock FAIL "the driver registered no PTP clock named vmclock0"
    vmclock dump /dev/vmclock0
    return
  fi
  check ptp-clock PASS "$ptp is vmclock0"
  vmclock dump /dev/vmclock0
  vmclock now /dev/vmclock0
  vrtc-guest-check read-vs-map /dev/vmclock0 "$samples"
  vrtc-guest-check utc /dev/vmclock0 20
  vrtc-guest-check verify-time /dev/vmclock0 "$ptp" "$addr" 20
  vrtc-guest-check bracket /dev/vmclock0 "$ptp" "$samples"
  vrtc-guest-check bracket-tool /dev/vmclock0 "$ptp" 20 /bin/vmclock
  vrtc-guest-check ptp-tool /dev/vmclock0 "$ptp" /bin/vrtc-ptp

  # A live migration, then a snapshot restore, simulated by vmclock-host on the host, seen by
  # `vmclock watch` in the guest.
  vmclock watch /dev/vmclock0 --count 3 --timeout-ms 120000 >/tmp/watch.txt 2>&1 &
  watcher=$!
  if wait_lines /tmp/watch.txt 1 30; then
    echo "VRTC-HOST: live-migration"
    wait_lines /tmp/watch.txt 2 60 && echo "VRTC-HOST: snapshot-restore"
  fi
  wait $watcher
  cat /tmp/watch.txt
  line2=$(state_lines /tmp/watch.txt | sed -n 2p)
  line3=$(state_lines /tmp/watch.txt | sed -n 3p)
  case $line2 in
    *"(changed: disruption_marker)") check watch-live-migration PASS "$line2" ;;
    *) check watch-live-migration FAIL "expected a disruption_marker change, got: ${line2:-nothing}" ;;
  esac
  case $line3 in
    *"(changed: disruption_marker,vm_generation_counter)") check watch-snapshot-restore PASS "$line3" ;;
    *) check watch-snapshot-restore FAIL "expected disruption_marker and vm_generation_counter changes, got: ${line3:-nothing}" ;;
  esac
  # The driver reads on through the new counter relation.
  vrtc-guest-check bracket /dev/vmclock0 "$ptp" 50 -after-restore
}

peer_checks() {
  load_vmclock || return
  probe_checks no
  grep -i -E 'AMZNC10C|VMCLOCK' /proc/iomem
  ptp=$(vrtc-guest-check ptp-clock vmclock0)
  check peer-ptp-clock INFO "${ptp:-no PTP clock registered}"
  check peer-ptp-list INFO "$(vrtc-ptp list 2>&1 | tr '\n' ';')"
  vmclock dump /dev/vmclock0 >/tmp/dump.txt 2>&1
  check peer-dump INFO "$(tr '\n' ';' </tmp/dump.txt)"
  check peer-now INFO "$(vmclock now /dev/vmclock0 2>&1 | tr '\n' ';')"
  # QEMU's device changes disruption_marker when a VM is restored from saved state.
  vmclock watch /dev/vmclock0 --count 2 --timeout-ms 120000 >/tmp/watch.txt 2>&1 &
  watcher=$!
  wait_lines /tmp/watch.txt 1 30 && echo "VRTC-HOST: migrate-restore"
  wait $watcher
  cat /tmp/watch.txt
  check peer-migration INFO "$(state_lines /tmp/watch.txt | sed -n 2p | sed 's/^[^ ]* //')"
  vmclock dump /dev/vmclock0 >/tmp/dump.txt 2>&1
  check peer-dump-after-restore INFO "$(tr '\n' ';' </tmp/dump.txt)"
}

# rtc_checks ACTION: sets the CMOS RTC with busybox hwclock while the host traces QEMU's RTC
# register accesses. Reads first, with `hwclock -r` until the RTC's second has turned over, so
# the trace pins the phase of its seconds to the spacing of two reads; ACTION follows at once,
# far from the next turnover, so the host can tell which second the RTC showed at the write.
# ACTION: "systohc" writes the system time (taken from the RTC at boot), "date" sets the system
# clock to 2030-01-02T03:04:05 UTC and writes it with hwclock -w.
rtc_checks() {
  [ -e /dev/rtc0 ] || { check rtc-device FAIL "no /dev/rtc0"; return; }
  echo "guest: rtc0 is $(cat /sys/class/rtc/rtc0/name)"
  first=$(hwclock -r -u 2>&1)
  i=0
  while [ "$(hwclock -r -u 2>&1)" = "$first" ] && [ $i -lt 2000 ]; do i=$((i + 1)); done
  [ $i -lt 2000 ] || echo "guest: the RTC's second did not turn over in 2000 reads"
  # The host accepts as written any second the system clock showed around the write.
  case $1 in
    systohc)
      before=$(date -u +%s)
      if out=$(hwclock --systohc -u 2>&1); then check rtc-hwclock-systohc PASS "hwclock --systohc at system time $(date -u +%FT%T)"
      else check rtc-hwclock-systohc FAIL "hwclock --systohc: $out"; fi
      echo "guest: system time around the write: $before $(date -u +%s)" ;;
    date)
      date -u -s "2030-01-02 03:04:05" >/dev/null
      before=$(date -u +%s)
      out=$(hwclock -w -u 2>&1); written=$?
      echo "guest: system time around the write: $before $(date -u +%s)"
      if [ $written -eq 0 ]; then
        now=$(hwclock -r -u 2>&1)
        case $now in
          *"Jan  2 03:04:0"*" 2030"*) check rtc-hwclock-w PASS "date -s 2030-01-02 03:04:05; hwclock -w; hwclock -r: $now" ;;
          *) check rtc-hwclock-w FAIL "the RTC reads $now after hwclock -w" ;;
        esac
      else check rtc-hwclock-w FAIL "hwclock -w: $out"; fi ;;
  esac
}

# load_virtio_rtc [CHECK]: insmod the virtio_rtc module the host built for this kernel; waits
# for the driver to register its clocks.
load_virtio_rtc() {
  name=${1:-virtio-load-driver}
  if [ ! -e /lib/modules/virtio_rtc.ko ]; then
    check "$name" FAIL "no virtio_rtc.ko in the image"
    return 1
  fi
  t0=$(cut -d' ' -f1 /proc/uptime)
  if out=$(insmod /lib/modules/virtio_rtc.ko 2>&1); then
    i=0
    while [ -z "$(ls /sys/class/ptp 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    check "$name" PASS "insmod virtio_rtc.ko at uptime $t0 s; $(ls /sys/class/ptp | wc -l) PTP clock(s)"
  else
    check "$name" FAIL "insmod virtio_rtc.ko: $out"
    return 1
  fi
}

virtio_rtc_checks() {
  load_virtio_rtc || return
  dmesg | grep -i -E 'virtio_rtc|rtc[0-9]|ptp' | grep -v 'Command line'
  for p in /sys/class/ptp/ptp*; do echo "guest: $p: $(cat "$p/clock_name")"; done
  vrtc-guest-check virtio-clocks "$clocks" /bin/vrtc-ptp
  # What the driver says of each clock that may step at leap seconds (UTC_MAYBE_SMEARED).
  id=0; want=; bad=
  for c in $(echo "$clocks" | tr ',' ' '); do
    if [ "${c%%:*}" = realtime ]; then
      want="$want $id"
      dmesg | grep -q "not creating RTC class device for clock $id, which may step on leap seconds" || bad="$bad $id"
    fi
    id=$((id + 1))
  done
  registered=$(dmesg | grep -o 'virtio_rtc virtio[0-9]*: registered as rtc[0-9]*' | head -n 1)
  [ -z "$bad" ] && [ -n "$registered" ] &&
    check virtio-rtc-dmesg PASS "'not creating RTC class device' for clock(s)$want; '$registered'" ||
    check virtio-rtc-dmesg FAIL "no 'not creating RTC class device' for clock(s)$bad; registered: '${registered:-none}'"
  tai=$(vrtc-guest-check virtio-phc tai "$clocks")
  rt=$(vrtc-guest-check virtio-phc realtime "$clocks")
  sm=$(vrtc-guest-check virtio-phc smeared-noon-linear "$clocks")
  mono=$(vrtc-guest-check virtio-phc monotonic "$clocks")
  if [ -n "$tai" ] && [ -n "$rt" ] && [ -n "$sm" ] && [ -n "$mono" ]; then
    vrtc-guest-check virtio-time "$tai" "$rt" "$sm" "$mono" "$samples"
    # The host's TAI itself, through the relay's handshake page in shared memory.
    dev=$(ivshmem_device)
    if [ -z "$dev" ]; then
      check virtio-tai-vs-host-tai FAIL "no ivshmem device (1af4:1110) on the PCI bus"
    else
      echo 1 >"$dev/enable" 2>/dev/null
      vrtc-guest-check sync "$dev" && vrtc-guest-check verify-phc "$dev" "$tai" 50
    fi
  else
    check virtio-time FAIL "missing PHCs: tai '$tai', realtime '$rt', smeared '$sm', monotonic '$mono'"
  fi
  # vrtc-ptp read on every PHC of the device.
  bad=; n=0
  for p in /sys/class/ptp/ptp*; do
    dev=/dev/$(basename "$p")
    n=$((n + 1))
    if out=$(vrtc-ptp read "$dev" --json --samples 10 2>&1); then echo "guest: $out"
    else bad="$bad $dev: $out;"; fi
  done
  [ -z "$bad" ] && check virtio-ptp-tool-read PASS "vrtc-ptp read --json worked on $n PHCs" ||
    check virtio-ptp-tool-read FAIL "$bad"
  rtc=$(vrtc-guest-check virtio-rtc-node)
  if [ -z "$rtc" ]; then
    check virtio-alarm FAIL "no virtio RTC"
    return
  fi
  echo "guest: the virtio RTC is $rtc"
  vrtc-guest-check rtc-alarm "$rtc" "$sm" future
  vrtc-guest-check rtc-alarm "$rtc" "$sm" past
  vrtc-guest-check rtc-alarm "$rtc" "$sm" disabled
  # The device keeps an alarm through a reset (the daemon's retention: retain); the driver
  # bound anew reads it back and the alarm fires.
  at=$(vrtc-guest-check rtc-alarm "$rtc" "$sm" arm-for-reset | sed -n 's/^alarm-for-reset //p')
  if out=$(rmmod virtio_rtc 2>&1); then
    load_virtio_rtc virtio-reload-driver || return
    rtc=$(vrtc-guest-check virtio-rtc-node)
    sm=$(vrtc-guest-check virtio-phc smeared-noon-linear "$clocks")
    vrtc-guest-check rtc-alarm "$rtc" "$sm" "after-reset=$at"
  else
    check virtio-reload-driver FAIL "rmmod virtio_rtc: $out"
  fi
  dmesg | grep -i -E 'virtio_rtc|rtc[0-9]' | tail -n 5
}

# virtio_rtc_peer_checks: QEMU's own virtio-rtc-pci; what the driver makes of it, recorded.
virtio_rtc_peer_checks() {
  load_virtio_rtc || return
  check peer-rtc-dmesg INFO "$(dmesg | grep -i -E 'virtio_rtc|virtio[0-9]' | sed 's/^\[[ 0-9.]*\] //' | tr '\n' ';')"
  for p in /sys/class/ptp/ptp*; do
    [ -e "$p" ] || continue
    dev=/dev/$(basename "$p")
    check "peer-rtc-$(basename "$p")" INFO "clock_name '$(cat "$p/clock_name")'; vrtc-ptp read: $(vrtc-ptp read "$dev" --json --samples 10 2>&1 | tr '\n' ' ')"
  done
  check peer-rtc-list INFO "$(vrtc-ptp list 2>&1 | tr '\n' ';')"
  check peer-rtc-class INFO "virtio RTC: $(vrtc-guest-check virtio-rtc-node || echo none); /sys/class/rtc: $(ls /sys/class/rtc | tr '\n' ' ')"
}

case $mode in
  vmclock) vmclock_checks ;;
  virtio-rtc) virtio_rtc_checks ;;
  virtio-rtc-peer) virtio_rtc_peer_checks ;;
  peer) peer_checks ;;
  rtc-systohc) rtc_checks systohc ;;
  rtc-date) rtc_checks date ;;
  *) check mode FAIL "unknown vrtc.mode=$mode" ;;
esac
finish
