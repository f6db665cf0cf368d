#!/usr/bin/env bash
# vrtc-vhost-user against a vhost-user front-end in another process (Python, written here from
# the protocol: memfd guest memory passed with SET_MEM_TABLE, split rings, eventfd kicks and
# calls): it negotiates, answers CFG and READ on requestq, delivers an alarm into an alarmq
# buffer when the alarm time comes (its timer, not a kick), serves a front-end that reconnects,
# refuses a malformed message by ending only that session; --help, bad arguments exit 2 with
# one line of JSON, SIGTERM exits 0 and removes the socket.
set -euo pipefail
tools="$1"
dir=$(mktemp -d)
daemon=
other=
cleanup() {
  [[ -n $daemon ]] && kill "$daemon" 2>/dev/null || true
  [[ -n $other ]] && kill "$other" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
failures=0
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}
wait_for() {
  for _ in $(seq 500); do
    grep -q -- "$2" "$1" && return 0
    sleep 0.01
  done
  fail "timed out waiting for '$2' in $1: $(cat "$1")"
  return 1
}

# --- arguments ------------------------------------------------------------------------------
"$tools/vrtc-vhost-user" --help | grep -q -- "--socket-path PATH" || fail "--help does not show the usage"
for bad in "" "--socket-path" "--bogus" "--socket-path $dir/x --clock sundial" \
  "--socket-path $dir/x --clock tai,snooze" "--clock tai"; do
  set +e
  # shellcheck disable=SC2086
  out=$("$tools/vrtc-vhost-user" $bad 2>&1)
  rc=$?
  set -e
  [[ $rc -eq 2 ]] || fail "'$bad' exited $rc, not 2"
  [[ $out == '{"error": '* ]] || fail "'$bad' printed: $out"
done
touch "$dir/plain-file"
set +e
out=$("$tools/vrtc-vhost-user" --socket-path "$dir/plain-file" 2>&1)
rc=$?
set -e
[[ $rc -eq 2 && $out == *"not a socket"* ]] || fail "a non-socket path: rc $rc, $out"

# --- a front-end ----------------------------------------------------------------------------
cat >"$dir/frontend.py" <<'PYEOF'
import mmap, os, select, socket, struct, sys, time

GET_FEATURES, SET_FEATURES, SET_OWNER, SET_MEM_TABLE = 1, 2, 3, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE = 8, 9, 10
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, SET_VRING_ENABLE = 15, 16, 18
SET_STATUS = 39
NEED_REPLY, REPLY = 8, 4
GUEST, SIZE, USER = 0x100000, 1 << 20, 0x7F0000000000
RING = 16

def send(s, req, payload=b"", fds=(), need_reply=False):
    flags = 1 | (NEED_REPLY if need_reply else 0)
    msg = struct.pack("<III", req, flags, len(payload)) + payload
    if fds:
        socket.send_fds(s, [msg], list(fds))
    else:
        s.sendall(msg)
    if need_reply:
        assert recv(s, req) == 0, f"request {req} not acknowledged"

def recv(s, req):
    head = s.recv(12, socket.MSG_WAITALL)
    r, flags, size = struct.unpack("<III", head)
    assert r == req and flags & REPLY, (r, flags)
    body = s.recv(size, socket.MSG_WAITALL)
    return struct.unpack("<Q", body)[0]

def get(s, req):
    send(s, req)
    return recv(s, req)

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(500):
        try:
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.01)
    raise SystemExit("cannot connect")

def wait(fd, what):
    r, _, _ = select.select([fd], [], [], 5)
    assert r, f"no call for {what}"
    os.eventfd_read(fd)

path, mode = sys.argv[1], sys.argv[2]
s = connect(path)
if mode == "features":
    offered = get(s, GET_FEATURES)
    assert offered >> 32 & 1 and offered >> 30 & 1, hex(offered)
    print(f"features {offered:#x}")
    sys.exit(0)
if mode == "malformed":
    s.sendall(struct.pack("<III", 6, 1, 0))  # SET_LOG_BASE: not served
    assert s.recv(1) == b"", "the session went on"
    sys.exit(0)

memfd = os.memfd_create("guest")
os.ftruncate(memfd, SIZE)
mem = mmap.mmap(memfd, SIZE)
send(s, SET_OWNER)
offered = get(s, GET_FEATURES)
assert offered & 1, "no VIRTIO_RTC_F_ALARM"
send(s, SET_FEATURES, struct.pack("<Q", offered & ~(1 << 29)))  # no EVENT_IDX: simpler rings
protocol = get(s, GET_PROTOCOL_FEATURES)
send(s, SET_PROTOCOL_FEATURES, struct.pack("<Q", protocol & ((1 << 0) | (1 << 3) | (1 << 16))))
send(s, SET_MEM_TABLE, struct.pack("<II", 1, 0) + struct.pack("<QQQQ", GUEST, SIZE, USER, 0), [memfd], True)

def area(q):
    return 0x10000 * (q + 1)
kicks, calls = [os.eventfd(0) for _ in range(2)], [os.eventfd(0) for _ in range(2)]
for q in range(2):
    send(s, SET_VRING_NUM, struct.pack("<II", q, RING), need_reply=True)
    send(s, SET_VRING_BASE, struct.pack("<II", q, 0), need_reply=True)
    a = USER + area(q)
    send(s, SET_VRING_ADDR, struct.pack("<IIQQQQ", q, 0, a, a + 0x2000, a + 0x1000, 0), need_reply=True)
    send(s, SET_VRING_CALL, struct.pack("<Q", q), [calls[q]], True)
    send(s, SET_VRING_KICK, struct.pack("<Q", q), [kicks[q]], True)
    send(s, SET_VRING_ENABLE, struct.pack("<II", q, 1), need_reply=True)
send(s, SET_STATUS, struct.pack("<Q", 0xF), need_reply=True)

avail_idx = [0, 0]
def offer(q, descs):
    """descs: (offset, len, writable); makes one chain available at the next slot."""
    base = area(q)
    head = (avail_idx[q] * 4) % RING
    for i, (off, length, w) in enumerate(descs):
        flags = (2 if w else 0) | (1 if i + 1 < len(descs) else 0)
        struct.pack_into("<QIHH", mem, base + 16 * (head + i), GUEST + off, length, flags, head + i + 1)
    struct.pack_into("<H", mem, base + 0x1000 + 4 + 2 * (avail_idx[q] % RING), head)
    avail_idx[q] += 1
    struct.pack_into("<H", mem, base + 0x1000 + 2, avail_idx[q])
    os.eventfd_write(kicks[q], 1)
    return head

def used(q, n):
    base = area(q) + 0x2000
    assert struct.unpack_from("<H", mem, base + 2)[0] == n, "used index"
    return struct.unpack_from("<II", mem, base + 4 + 8 * ((n - 1) % RING))

REQ, RESP = 0x80000, 0x81000
def ask(request):
    mem[REQ:REQ + len(request)] = request
    head = offer(0, [(REQ, len(request), False), (RESP, 32, True)])
    wait(calls[0], "requestq")
    got_head, length = used(0, avail_idx[0])
    assert got_head == head, (got_head, head)
    return length, bytes(mem[RESP:RESP + length])

length, resp = ask(struct.pack("<H6x", 0x1000))  # CFG
assert length == 16 and resp[0] == 0, (length, resp)
print("clocks", struct.unpack_from("<H", resp, 8)[0])
length, resp = ask(struct.pack("<H6xH6x", 0x0001, 0))  # READ clock 0
assert length == 16 and resp[0] == 0, (length, resp)
reading = struct.unpack_from("<Q", resp, 8)[0]

NOTIF = 0x82000
offer(1, [(NOTIF, 16, True)])
time.sleep(0.1)
alarm_at = reading + 300_000_000
length, resp = ask(struct.pack("<H6xQHB5x", 0x1004, alarm_at, 0, 1))  # SET_ALARM, enabled
assert length == 8 and resp[0] == 0, (length, resp)
start = time.monotonic()
wait(calls[1], "alarmq")
_, length = used(1, 1)
msg_type, clock = struct.unpack_from("<H6xH", mem, NOTIF)
assert length == 16 and msg_type == 0x2000 and clock == 0, (length, msg_type, clock)
print(f"alarm notified after {time.monotonic() - start:.3f} s")
PYEOF

sock="$dir/rtc.sock"
"$tools/vrtc-vhost-user" --socket-path "$sock" >"$dir/log" 2>&1 &
daemon=$!
wait_for "$dir/log" "listening on"

python3 "$dir/frontend.py" "$sock" full >"$dir/fe1" 2>&1 || fail "front-end: $(cat "$dir/fe1")"
grep -q "^clocks 3$" "$dir/fe1" || fail "CFG: $(cat "$dir/fe1")"
grep -q "^alarm notified after" "$dir/fe1" || fail "alarm: $(cat "$dir/fe1")"
for event in "front-end connected" "features 0x" "memory table: 1 region" "queue 0 started" "queue 1 started" \
  "DRIVER_OK" "front-end disconnected"; do
  wait_for "$dir/log" "$event" || true
done

python3 "$dir/frontend.py" "$sock" malformed >"$dir/fe2" 2>&1 || fail "malformed: $(cat "$dir/fe2")"
wait_for "$dir/log" "session ended: vhost-user: unknown request" || true
python3 "$dir/frontend.py" "$sock" features >"$dir/fe3" 2>&1 || fail "reconnect: $(cat "$dir/fe3")"
grep -q "^features 0x" "$dir/fe3" || fail "reconnect: $(cat "$dir/fe3")"

# Clock options and --no-alarm-feature: the clock list is printed, F_ALARM (bit 0) not offered.
"$tools/vrtc-vhost-user" --socket-path "$dir/other.sock" --clock realtime,alarm --clock boottime \
  --no-alarm-feature >"$dir/log2" 2>&1 &
other=$!
wait_for "$dir/log2" "listening on" || true
grep -q "0 realtime (UTC_MAYBE_SMEARED) with alarm, 1 boottime (MONOTONIC); VIRTIO_RTC_F_ALARM not offered" "$dir/log2" ||
  fail "clock list: $(cat "$dir/log2")"
python3 "$dir/frontend.py" "$dir/other.sock" features >"$dir/fe4" 2>&1 || fail "features: $(cat "$dir/fe4")"
offered=$(sed -n 's/^features //p' "$dir/fe4")
[[ -n $offered && $((offered & 1)) -eq 0 ]] || fail "--no-alarm-feature still offers F_ALARM: $offered"
kill -TERM "$other"
wait "$other" || fail "second daemon: exit $?"
other=

kill -TERM "$daemon"
set +e
wait "$daemon"
rc=$?
set -e
daemon=
[[ $rc -eq 0 ]] || fail "SIGTERM: exit $rc: $(cat "$dir/log")"
grep -q "stopped by SIGTERM" "$dir/log" || fail "no stop line: $(cat "$dir/log")"
[[ ! -e $sock ]] || fail "the socket was left behind"

if ((failures > 0)); then
  cat "$dir/log"
  exit 1
fi
echo "ok"
