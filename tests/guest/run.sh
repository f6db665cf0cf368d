#!/usr/bin/env bash
# The real-guest test stage: boots Linux guests under QEMU and checks vrtc against the real
# vmclock driver (ptp_vmclock), QEMU's own vmclock device, the real virtio_rtc driver (through
# vrtc-vhost-user) and QEMU's own virtio-rtc device.
#
#   tests/guest/run.sh [vmclock] [peer] [rtc] [virtio-rtc] [virtio-rtc-peer]  (default: all)
#
# 1. prepare.sh fetches QEMU (trixie-backports), a 7.x kernel, busybox-static and iasl from
#    Debian's archive into ${VRTC_GUEST_CACHE:-~/.cache/vrtc} (once; later runs reuse them).
# 2. A static build of the tools the guest runs (vmclock, vrtc-ptp, this directory's vrtc-guest-check)
#    and the host side (vmclock-host, vmclock-relay), into build/guest-static.
# 3. "vmclock": vmclock-host publishes a page into a file; vmclock-relay re-anchors it for the
#    guest's counter into the memory QEMU shares with the guest (ivshmem), which an SSDT of our
#    own (vmclock-ssdt.asl) declares as an AMZNC10C device; the guest loads the driver and
#    checks probe, the driver's PTP readings against vrtc's, and vmclock watch through a
#    simulated live migration and snapshot restore.
#    "peer": QEMU's own -device vmclock, probed and dumped, then watched through a migration
#    to a file and a restore in a second QEMU (recorded in docs/peers.md, not judged).
#    "rtc": two guests set the CMOS RTC with busybox hwclock while QEMU traces the register
#    writes; the traces, converted by cmos_trace.py, replay through rtc-change-replay to one
#    event each with the delta the trace shows (VRTC_GUEST_TRACES=DIR keeps them).
#    "virtio-rtc": vrtc-vhost-user serves vrtc's device to QEMU's vhost-user-rtc-pci; the guest
#    loads Linux's virtio_rtc (built out of tree by prepare.sh) and checks the PTP clocks, the
#    RTC and its alarms. "virtio-rtc-peer": QEMU's own virtio-rtc-pci, recorded (docs/peers.md).
#
# Overrides (docs/guest-tests.md): VRTC_GUEST_KERNEL (a bzImage), VRTC_GUEST_MODULES (a
# directory with ptp_vmclock.ko[.xz|.gz], empty when the driver is built in), VRTC_GUEST_QEMU (a
# qemu-system-x86_64 to run as it is), VRTC_GUEST_ACCEL (tcg, or kvm where it works),
# VRTC_GUEST_TIMEOUT (seconds per boot, default 300), VRTC_GUEST_SAMPLES (default 200),
# VRTC_GUEST_PAGE_ADDRESS (default 0xfe000000), VRTC_GUEST_VIRTIO_RTC (a virtio_rtc.ko for the
# kernel), VRTC_GUEST_DAEMON_ARGS (more vrtc-vhost-user options), VRTC_GUEST_BACKEND (a command
# that starts another vhost-user back-end on the socket %s), VRTC_GUEST_KEEP=1 keeps the
# work directory.
# Exit status 0 when every check passed (or was skipped with a reason), 1 otherwise.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/guest
cache=${VRTC_GUEST_CACHE:-$HOME/.cache/vrtc}
build=${VRTC_GUEST_BUILD:-$root/build/guest-static}
boot_timeout=${VRTC_GUEST_TIMEOUT:-300}
accel=${VRTC_GUEST_ACCEL:-tcg}
samples=${VRTC_GUEST_SAMPLES:-200}
page_address=${VRTC_GUEST_PAGE_ADDRESS:-0xfe000000}
modes=("$@")
[[ ${#modes[@]} -gt 0 ]] || modes=(vmclock peer rtc virtio-rtc virtio-rtc-peer)

start=$SECONDS
say() { printf '[guest %3ds] %s\n' $((SECONDS - start)) "$*"; }
die() { say "ERROR: $*"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vrtc-guest.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ ${VRTC_GUEST_KEEP:-0} == 1 || ${stages_failed:-0} != 0 ]]; then say "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- 1. what the guests run on ------------------------------------------------------------------
parts=(tools)
[[ -n ${VRTC_GUEST_QEMU:-} ]] || parts+=(qemu)
[[ -n ${VRTC_GUEST_KERNEL:-} ]] || parts+=(kernel)
want_virtio_rtc=
for mode in "${modes[@]}"; do [[ $mode == virtio-rtc* ]] && want_virtio_rtc=1; done
[[ -n $want_virtio_rtc && -z ${VRTC_GUEST_KERNEL:-} && -z ${VRTC_GUEST_VIRTIO_RTC:-} ]] && parts+=(virtio-rtc)
say "preparing ${parts[*]} in $cache"
"$here/prepare.sh" "$cache" "${parts[@]}"

if [[ -n ${VRTC_GUEST_QEMU:-} ]]; then
  qemu=("$VRTC_GUEST_QEMU")
else
  tree=$cache/qemu
  # The tree's own loader and libraries (trixie's glibc), its firmware (-L) and its modules.
  qemu=("$tree/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    --library-path "$tree/lib/x86_64-linux-gnu:$tree/usr/lib/x86_64-linux-gnu"
    "$tree/usr/bin/qemu-system-x86_64" -L "$tree/usr/share/seabios" -L "$tree/usr/share/qemu")
  export QEMU_MODULE_DIR=$tree/usr/lib/x86_64-linux-gnu/qemu
fi
kernel=${VRTC_GUEST_KERNEL:-$cache/kernel/vmlinuz}
if [[ -n ${VRTC_GUEST_KERNEL:-} && -z ${VRTC_GUEST_MODULES+set} ]]; then
  die "VRTC_GUEST_KERNEL needs VRTC_GUEST_MODULES: the directory with its ptp_vmclock.ko, or empty when built in"
fi
modules=${VRTC_GUEST_MODULES-$cache/kernel}
[[ -r $kernel ]] || die "no kernel at $kernel"
virtio_rtc_ko=${VRTC_GUEST_VIRTIO_RTC:-}
if [[ -z $virtio_rtc_ko && -z ${VRTC_GUEST_KERNEL:-} && -r $cache/kernel/release ]]; then
  virtio_rtc_ko=$cache/virtio_rtc/$(cat "$cache/kernel/release")/virtio_rtc.ko
  [[ -r $virtio_rtc_ko ]] || virtio_rtc_ko=
fi
say "QEMU: $(timeout 30 "${qemu[@]}" --version | head -n 1)"
say "kernel: $kernel ($(file -b "$kernel" 2>/dev/null | grep -o 'version [^ ]*' || echo 'version unknown'))"

# --- 2. the programs ----------------------------------------------------------------------------
say "building the tools statically in $build"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -e $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS=-static \
    -DVRTC_BUILD_TESTS=OFF -DVRTC_BUILD_FUZZERS=OFF -DVRTC_BUILD_BENCHMARKS=OFF -DVRTC_INSTALL=OFF \
    "${launcher[@]}" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; die "cmake configure failed"; }
fi
cmake --build "$build" --target vmclock vmclock-host vrtc-ptp rtc-change-replay vrtc-vhost-user >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build failed"; }
mkdir -p "$build/guest"
cxx=(${CXX:-g++})
command -v ccache >/dev/null && cxx=(ccache "${cxx[@]}")
cxxflags=(-std=c++20 -O2 -static -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror
  -I"$root/include")
for prog in vmclock_relay:vmclock-relay guest_check:vrtc-guest-check; do
  src=$here/${prog%%:*}.cpp bin=$build/guest/${prog##*:}
  if [[ ! -x $bin ]] || [[ -n $(find "$here" "$root/include" -newer "$bin" \( -name '*.cpp' -o -name '*.hpp' \) | head -n 1) ]]; then
    "${cxx[@]}" "${cxxflags[@]}" "$src" -o "$bin" 2>"$work/build-${prog##*:}.log" ||
      { cat "$work/build-${prog##*:}.log"; die "building ${prog##*:} failed"; }
  fi
done
tools=$build/tools

# --- the guest image ----------------------------------------------------------------------------
stage=$work/initramfs
mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
cp "$cache/busybox" "$stage/bin/busybox"
cp "$tools/vmclock" "$tools/vrtc-ptp" "$build/guest/vrtc-guest-check" "$stage/bin/"
cp "$here/init.sh" "$stage/init"
chmod 0755 "$stage/init"
if [[ -n $modules ]]; then
  ko=$(ls "$modules"/ptp_vmclock.ko* 2>/dev/null | head -n 1 || true)
  [[ -n $ko ]] || die "no ptp_vmclock.ko* in $modules (set VRTC_GUEST_MODULES= when the driver is built in)"
  cp "$ko" "$stage/lib/modules/"
fi
[[ -n $virtio_rtc_ko ]] && cp "$virtio_rtc_ko" "$stage/lib/modules/virtio_rtc.ko"
# The host's leap-second list, when it has one, keeps the guest's tools current after the
# built-in table expires.
if [[ -r /usr/share/zoneinfo/leap-seconds.list ]]; then
  mkdir -p "$stage/usr/share/zoneinfo"
  cp /usr/share/zoneinfo/leap-seconds.list "$stage/usr/share/zoneinfo/"
fi
(cd "$stage" && find . | "$cache/busybox" cpio -o -H newc 2>/dev/null) >"$work/initrd.cpio"
say "initramfs: $(du -h "$work/initrd.cpio" | cut -f1)"

# The SSDT: our vmclock device at the page address.
end=$(printf '0x%x' $((page_address + 0xfff)))
sed -e "s/VRTC_PAGE_ADDRESS/$(printf '0x%016x' $((page_address)))/" -e "s/VRTC_PAGE_END/$(printf '0x%016x' $((end)))/" \
  "$here/vmclock-ssdt.asl" >"$work/ssdt.asl"
(cd "$work" && "$cache/iasl" -p ssdt ssdt.asl >iasl.log 2>&1) || { cat "$work/iasl.log"; die "iasl failed"; }

case $accel in
  tcg) accel_args=(-accel tcg -cpu max) ;;
  kvm) accel_args=(-accel kvm -cpu host) ;;
  *) die "VRTC_GUEST_ACCEL must be tcg or kvm" ;;
esac

# --- booting and reading the console ------------------------------------------------------------
failed=0   # checks failed or missing
passed=0
skipped=0
stages_failed=0

# boot NAME MODE QEMU_ARGS...: one guest run; its console goes to $work/NAME.console. Requests
# (VRTC-HOST: ...) are answered through the function `on_request` while the guest runs; a
# request may replace the running QEMU by another one (start_qemu), which continues the same
# console.
boot() {
  local name=$1 mode=$2
  shift 2
  boot_name=$name
  local console=$work/$name.console
  : >"$console"
  vm_args=("${qemu[@]}" -machine q35 "${accel_args[@]}" -m 512M -smp 1 -nodefaults -nographic
    -no-reboot -monitor none -chardev "file,id=console,path=$console,append=on" -serial chardev:console
    -kernel "$kernel" -initrd "$work/initrd.cpio"
    -append "console=ttyS0 panic=-1 tsc=reliable loglevel=4 vrtc.mode=$mode vrtc.addr=$page_address vrtc.samples=$samples ${boot_append:-}"
    "$@")
  start_qemu
  local handled=0 requests status
  while kill -0 "$current_qemu" 2>/dev/null; do
    requests=$(complete_lines "$console" | grep '^VRTC-HOST: ' || true)
    if [[ -n $requests ]]; then
      while read -r line; do
        handled=$((handled + 1))
        on_request "${line#VRTC-HOST: }"
      done < <(tail -n +$((handled + 1)) <<<"$requests")
    fi
    sleep 0.2
  done
  wait_qemu
}
# complete_lines FILE: FILE without carriage returns and without a last line that has no newline
# yet: QEMU writes the serial console a byte at a time, so a request may be half written.
complete_lines() {
  local text
  text=$(tr -d '\r' <"$1"; printf .)
  text=${text%.}
  case $text in
    *$'\n') ;;
    *$'\n'*) text=${text%$'\n'*}$'\n' ;;
    *) text= ;;
  esac
  printf '%s' "$text"
}
# start_qemu EXTRA_ARGS...: the current boot's QEMU, in the background, with a timeout.
start_qemu() {
  timeout "$boot_timeout" "${vm_args[@]}" "$@" >>"$work/$boot_name.qemu.log" 2>&1 &
  current_qemu=$!
  pids+=("$current_qemu")
}
# wait_qemu: waits for the current QEMU and reports how it ended unless it powered off.
wait_qemu() {
  local status
  set +e
  wait "$current_qemu"
  status=$?
  set -e
  [[ $status -eq 124 ]] && say "$boot_name: QEMU stopped after the ${boot_timeout}s timeout"
  [[ $status -ne 0 && $status -ne 124 ]] && { say "$boot_name: QEMU exited with status $status:"; cat "$work/$boot_name.qemu.log"; }
  return 0
}
on_request() { say "guest asked for '$1', which this run does not serve"; }

# results NAME REQUIRED_CHECK...: prints the guest's CHECK lines; fails when a check failed,
# a required one is missing or the guest did not finish.
results() {
  local name=$1 bad=0 line check
  local console=$work/$name.console.txt
  shift
  tr -d '\r' <"$work/$name.console" >"$console"
  while read -r line; do
    say "  $line"
    case $line in
      *": PASS"*) passed=$((passed + 1)) ;;
      *": SKIP"*) skipped=$((skipped + 1)) ;;
      *": FAIL"*) failed=$((failed + 1)) bad=1 ;;
    esac
  done < <(grep '^CHECK ' "$console" || true)
  for check in "$@"; do
    grep -q "^CHECK $check: " "$console" ||
      { say "  missing: $check"; failed=$((failed + 1)) bad=1; }
  done
  grep -q '^VRTC-GUEST-DONE' "$console" ||
    { say "  the guest did not finish"; failed=$((failed + 1)) bad=1; }
  if [[ $bad != 0 ]]; then
    stages_failed=$((stages_failed + 1))
    say "$name FAILED; guest console:"
    sed 's/^/    | /' "$console"
    for extra in "$work/$name".*.log; do
      if [[ -s $extra ]]; then say "$(basename "$extra"):"; sed 's/^/    | /' "$extra"; fi
    done
  else
    say "$name: all checks passed"
  fi
}

# start_relay NAME SHARED: vmclock-host publishing a page, and vmclock-relay giving it to the
# guest through the file SHARED (for ivshmem), with the counter handshake and the verification
# rounds against the host's TAI on its second page. Logs: NAME.host.log, NAME.relay.log.
# stop_relay ends both (the relay spins while it waits for the guest).
start_relay() {
  local name=$1 shared=$2 hostpage=$work/$1-host-page
  "$tools/vmclock-host" --page "$hostpage" --rate 1 >"$work/$name.host.log" 2>&1 &
  host_pid=$!
  pids+=("$host_pid")
  for _ in $(seq 100); do grep -q publishing "$work/$name.host.log" && break; sleep 0.1; done
  grep -q publishing "$work/$name.host.log" || { cat "$work/$name.host.log"; die "vmclock-host did not start"; }
  say "  $(head -n 1 "$work/$name.host.log")"
  "$build/guest/vmclock-relay" --source "$hostpage" --target "$shared" --timeout-s "$boot_timeout" \
    ${VRTC_GUEST_RELAY_ARGS:-} >"$work/$name.relay.log" 2>&1 &
  relay_pid=$!
  pids+=("$relay_pid")
  for _ in $(seq 100); do [[ -s $shared ]] && break; sleep 0.1; done
  [[ -s $shared ]] || { cat "$work/$name.relay.log"; die "vmclock-relay did not start"; }
}

stop_relay() {
  kill "$host_pid" "$relay_pid" 2>/dev/null || true
  wait "$host_pid" "$relay_pid" 2>/dev/null || true
}

# --- vmclock: vrtc's page through the real driver -----------------------------------------------
run_vmclock() {
  say "vmclock: what is checked -- the driver binds our ACPI device, vmclock probe reports device,"
  say "  driver, node and PTP clock; the driver's PTP time (clock_gettime, PTP_SYS_OFFSET_EXTENDED,"
  say "  _PRECISE) lies between two vrtc readings of the same page in every one of $samples samples,"
  say "  and within the host's CLOCK_TAI (taken around it) +- the page's maximum error;"
  say "  vrtc-ptp lists the PHC as vmclock/TAI and its offset to the guest's CLOCK_TAI agrees with"
  say "  vrtc-guest-check's own measurement (each read method; kernel TAI offset unset, then 37 s);"
  say "  vmclock watch sees a live migration and a snapshot restore made by vmclock-host"
  local shared=$work/guest-shared
  start_relay vmclock "$shared"
  on_request() {
    case $1 in
      live-migration) say "  host: simulating a live migration (SIGUSR1 to vmclock-host)"; kill -USR1 "$host_pid" ;;
      snapshot-restore) say "  host: simulating a snapshot restore (SIGUSR2 to vmclock-host)"; kill -USR2 "$host_pid" ;;
      *) say "  unknown request from the guest: $1" ;;
    esac
  }
  local t0=$SECONDS
  boot vmclock vmclock -acpitable "file=$work/ssdt.aml" \
    -object "memory-backend-file,id=vmclockmem,share=on,mem-path=$shared,size=8192" \
    -device ivshmem-plain,memdev=vmclockmem
  say "vmclock: guest ran $((SECONDS - t0)) s"
  stop_relay
  sed 's/^/  /' "$work/vmclock.relay.log" | grep -v '^  $' | while read -r l; do say "$l"; done
  results vmclock counter-sync move-bar load-driver probe-device probe-node probe-ptp ptp-clock read-vs-map page-utc verify-time \
    bracket-clock_gettime bracket-sys_offset_extended bracket-sys_offset_precise bracket-vmclock-now \
    ptp-tool-list ptp-tool-read-auto ptp-tool-read-precise ptp-tool-read-extended ptp-tool-read-gettime ptp-tool-read-tai-set \
    watch-live-migration watch-snapshot-restore bracket-clock_gettime-after-restore
}

# --- peer: QEMU's own vmclock device ------------------------------------------------------------
run_peer() {
  say "peer: QEMU's -device vmclock: vmclock probe, dump and now in the guest, then vmclock watch"
  say "  through a migration to a file and a restore in a second QEMU (recorded, not judged)"
  local t0=$SECONDS
  peer_monitor=$work/peer.monitor
  mkfifo "$peer_monitor.in" "$peer_monitor.out"
  on_request() {
    case $1 in
      migrate-restore) peer_migrate ;;
      *) say "  unknown request from the guest: $1" ;;
    esac
  }
  boot peer peer -device vmclock -chardev "pipe,id=hmp,path=$peer_monitor" -object monitor-hmp,id=peermon,chardev=hmp,readline=on
  say "peer: guest ran $((SECONDS - t0)) s"
  results peer load-driver probe-device probe-node peer-dump peer-migration
}

# peer_migrate: saves the running peer guest to a file through QEMU's human monitor, quits that
# QEMU and restores the guest in a new one (which starts it when the state is loaded).
peer_migrate() {
  local state=$work/peer.state log=$work/peer.monitor.log hmp done=
  say "  host: migrating the guest to a file, then restoring it in a second QEMU"
  timeout 120 cat "$peer_monitor.out" >"$log" &
  pids+=($!)
  exec {hmp}>"$peer_monitor.in"
  echo "migrate \"exec:cat > $state\"" >&$hmp
  for _ in $(seq 600); do
    sleep 0.1
    echo "info migrate" >&$hmp
    if grep -Eqi "status:[[:space:]]*completed" "$log"; then done=1; break; fi
    grep -Eqi "status:[[:space:]]*(failed|cancelled)" "$log" && break
  done
  echo quit >&$hmp
  exec {hmp}>&-
  wait_qemu
  if [[ -z $done ]]; then
    say "  host: the migration did not complete; monitor:"
    sed 's/^/    | /' "$log"
    return
  fi
  say "  host: saved $(du -h "$state" | cut -f1) of guest state; restoring"
  start_qemu -incoming "exec:cat $state"
}

# --- rtc: a real writer of the CMOS RTC, traced by QEMU ------------------------------------------
# Two guests set the RTC with busybox hwclock (--systohc; date -s + hwclock -w) while QEMU's
# mc146818 trace events log every register access with the host's time. cmos_trace.py turns
# the log into a trace for rtc-change-replay (the phase of the RTC's seconds taken from the
# guest's reads) and works out, without vrtc, what each burst wrote and what the RTC read then;
# the replay through vrtc's model and coalescer must give one event with that delta (none for
# a write of the time the RTC already showed).
run_rtc() {
  say "rtc: busybox hwclock --systohc, then date -s 2030-01-02T03:04:05 + hwclock -w, each in its own"
  say "  guest; QEMU traces the CMOS register writes; replayed through the coalescer: one event per"
  say "  setting, with the time written and the delta worked out from the trace itself"
  local action name t0
  for action in systohc date; do
    name=rtc-$action
    t0=$SECONDS
    boot "$name" "rtc-$action" -msg timestamp=on -D "$work/$name.qemu-trace" -trace 'mc146818_rtc_ioport_*'
    say "$name: guest ran $((SECONDS - t0)) s"
    rtc_replay "$name" "$action" >>"$work/$name.console"
    [[ -n ${VRTC_GUEST_TRACES:-} ]] && cp "$work/$name.trace" "$VRTC_GUEST_TRACES/"
    results "$name" "rtc-hwclock-$([[ $action == date ]] && echo w || echo systohc)" "rtc-replay-$action"
  done
}

# rtc_replay NAME ACTION: the host-side check of one traced guest, printed as a CHECK line.
rtc_replay() {
  local name=$1 action=$2 trace=$work/$1.trace summary events initial
  local title="busybox hwclock --systohc -u in a guest whose system time came from the RTC at boot"
  [[ $action == date ]] && title="busybox date -u -s '2030-01-02 03:04:05', then hwclock -w -u"
  if ! summary=$(python3 "$here/cmos_trace.py" "$work/$name.qemu-trace" "$trace" "$title" 2>&1); then
    echo "CHECK rtc-replay-$action: FAIL converting QEMU's trace: $summary"
    return
  fi
  initial=$(grep -o -- '--initial [0-9T:-]*' "$trace" | cut -d' ' -f2)
  if ! events=$("$tools/rtc-change-replay" --initial "$initial" "$trace" 2>&1); then
    echo "CHECK rtc-replay-$action: FAIL rtc-change-replay: $events"
    return
  fi
  local span
  span=$(tr -d '\r' <"$work/$name.console" | sed -n 's/^guest: system time around the write: \([0-9]*\) \([0-9]*\)$/\1 \2/p' | tail -1)
  python3 - "$summary" "$events" "$action" "$span" <<'EOF'
import itertools, json, sys
summary = json.loads(sys.argv[1])
events = [json.loads(l) for l in sys.argv[2].splitlines() if l.strip()]
bursts = summary["bursts"]
problems = []
if len(bursts) != 1:
    problems.append(f"{len(bursts)} bursts of time writes in the trace, expected 1")
# What the guest wrote is its system time, read during the write.
span = [int(x) for x in sys.argv[4].split()]
if len(span) != 2:
    problems.append("the guest did not report its system time around the write")
elif any(not span[0] <= b["new_time"] <= span[1] for b in bursts):
    problems.append(f"the guest wrote {[b['new_time'] for b in bursts]}, not a second its clock showed ({span})")
if sys.argv[3] == "date" and bursts and bursts[0]["new_time"] < 1893553445:  # 2030-01-02T03:04:05Z
    problems.append(f"the guest wrote {bursts[0]['new_time']}, before 2030-01-02T03:04:05")
# The events each burst may give: none when it wrote what the RTC showed, else one with the
# delta; a burst at an RTC turnover the reads cannot place allows both seconds.
def outcomes(b):
    return [[] if b["new_time"] == r else [(b["new_time"], b["new_time"] - r, r)] for r in b["rtc_read"]]
allowed = [sum(choice, []) for choice in itertools.product(*map(outcomes, bursts))]
got = [(e["new_time"], e["delta_time"], e["last_time"]) for e in events]
if got not in allowed:
    problems.append(f"replay gave {got} (new_time, delta_time, last_time), but the trace allows {allowed}")
lo, hi = summary["rtc_behind_host_us"]
ambiguous = [b["at_ms"] for b in bursts if len(b["rtc_read"]) > 1]
detail = (f"{summary['writes']} register writes; {summary['seconds_reads_checked']} seconds reads put the RTC's "
          f"turnover {lo}-{hi} us after the host's; wrote {[b['new_time'] for b in bursts]} while the RTC read "
          f"{[b['rtc_read'] for b in bursts]}"
          + (f" (writes at {ambiguous} ms fell within that window of a turnover: either second accepted)"
             if ambiguous else "") + f"; replay: {events}")
print(f"CHECK rtc-replay-{sys.argv[3]}: {'FAIL' if problems else 'PASS'} " + "; ".join(problems + [detail]))
EOF
}

# --- virtio-rtc: vrtc's device through the real driver -----------------------------------------
# vrtc-vhost-user serves the device to QEMU's vhost-user-rtc-pci (guest memory shared through a
# memfd); the guest loads Linux's virtio_rtc module, built by prepare.sh for its kernel.
virtio_rtc_clocks=smeared-noon-linear:alarm,tai,monotonic,realtime
run_virtio_rtc() {
  say "virtio-rtc: what is checked -- vrtc-vhost-user serves $virtio_rtc_clocks; the virtio_rtc"
  say "  driver probes; one PTP clock per served clock, named as vrtc's make_ptp_name names it, and"
  say "  vrtc-ptp recognizes each; an RTC (with wakealarm) exactly for the smeared clock with an alarm;"
  say "  TAI PHC - 37 s and the smeared PHC between two host-realtime PHC readings; PTP_SYS_OFFSET_EXTENDED"
  say "  of the TAI PHC against the guest's CLOCK_REALTIME + 37 s (-1..2 s: the guest's clock came from"
  say "  the CMOS RTC in whole seconds); the TAI PHC between two host TAI readings (relay handshake);"
  say "  vrtc-ptp read on every PHC; RTC alarms (ahead, in the past,"
  say "  disabled, kept through rmmod + insmod)"
  if [[ -z $virtio_rtc_ko ]]; then
    # Only with a kernel of the user's own (VRTC_GUEST_KERNEL): the cache has none for it.
    say "virtio-rtc: SKIP: no virtio_rtc module for $kernel (VRTC_GUEST_VIRTIO_RTC=KO gives one)"
    skipped=$((skipped + 1))
    return
  fi
  local sock=$work/rtc.sock t0=$SECONDS
  local args=() c
  for c in ${virtio_rtc_clocks//,/ }; do args+=(--clock "${c/:/,}"); done
  if [[ -n ${VRTC_GUEST_BACKEND:-} ]]; then
    # A back-end of the user's own, serving the same clocks in the same order; %s is the socket.
    bash -c "${VRTC_GUEST_BACKEND//%s/$sock}" >"$work/virtio-rtc.daemon.log" 2>&1 &
  else
    "$tools/vrtc-vhost-user" --socket-path "$sock" "${args[@]}" ${VRTC_GUEST_DAEMON_ARGS:-} >"$work/virtio-rtc.daemon.log" 2>&1 &
  fi
  local daemon=$!
  pids+=("$daemon")
  for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
  [[ -S $sock ]] || { cat "$work/virtio-rtc.daemon.log"; die "the vhost-user back-end did not start"; }
  say "  $(head -n 1 "$work/virtio-rtc.daemon.log")"
  local shared=$work/virtio-rtc-shared
  start_relay virtio-rtc "$shared"
  boot_append="vrtc.clocks=$virtio_rtc_clocks"
  boot virtio-rtc virtio-rtc -object memory-backend-memfd,id=mem,size=512M,share=on -machine memory-backend=mem \
    -chardev "socket,id=rtc,path=$sock" -device vhost-user-rtc-pci,chardev=rtc \
    -object "memory-backend-file,id=relaymem,share=on,mem-path=$shared,size=8192" -device ivshmem-plain,memdev=relaymem
  boot_append=
  say "virtio-rtc: guest ran $((SECONDS - t0)) s; the daemon's events:"
  grep -v '^vrtc-vhost-user: listening' "$work/virtio-rtc.daemon.log" | sort | uniq -c | sed 's/^ */    /' | while read -r l; do say "  $l"; done
  kill "$daemon" 2>/dev/null || true
  stop_relay
  grep -i -E "offset|verif" "$work/virtio-rtc.relay.log" | while read -r l; do say "  relay: $l"; done
  results virtio-rtc virtio-load-driver virtio-ptp-names virtio-ptp-tool-list virtio-rtc-class virtio-rtc-dmesg \
    virtio-tai-vs-host-realtime virtio-smeared-vs-host-realtime virtio-tai-sys-offset-extended virtio-monotonic-rate \
    counter-sync virtio-tai-vs-host-tai \
    virtio-ptp-tool-read virtio-alarm-fires virtio-alarm-past virtio-alarm-disabled virtio-reload-driver \
    virtio-alarm-after-reset
}

# --- virtio-rtc-peer: QEMU's own virtio-rtc-pci -------------------------------------------------
run_virtio_rtc_peer() {
  say "virtio-rtc-peer: QEMU's -device virtio-rtc-pci (no daemon): what the virtio_rtc driver makes of"
  say "  it (clocks, names, readings, RTC), recorded, not judged"
  [[ -n $virtio_rtc_ko ]] || { say "virtio-rtc-peer: no virtio_rtc module; not run"; skipped=$((skipped + 1)); return; }
  local t0=$SECONDS
  boot virtio-rtc-peer virtio-rtc-peer -device virtio-rtc-pci
  say "virtio-rtc-peer: guest ran $((SECONDS - t0)) s"
  results virtio-rtc-peer virtio-load-driver
}

for mode in "${modes[@]}"; do
  case $mode in
    vmclock) run_vmclock ;;
    peer) run_peer ;;
    virtio-rtc) run_virtio_rtc ;;
    virtio-rtc-peer) run_virtio_rtc_peer ;;
    rtc) run_rtc ;;
    *) die "unknown stage $mode (vmclock, peer, rtc, virtio-rtc, virtio-rtc-peer)" ;;
  esac
done

say "done in $((SECONDS - start)) s"
echo "guest: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 && $stages_failed -eq 0 ]]
