#!/usr/bin/env python3
"""A minimal virtio-rtc device in Python behind the vrtc-conformance framing.

Two simulated clocks (0: UTC, 1: MONOTONIC), no alarm, no cross-timestamping; hooks: reset,
negotiate and advance. Run it with:  vrtc-conformance -- python3 examples/conformance-device.py
The framing is specified in docs/conformance.md.
"""
import struct
import sys

OK, EOPNOTSUPP, ENODEV, EINVAL = 0, 2, 3, 4
CLOCKS = [(0, 1_700_000_000_000_000_000), (2, 1_000_000_000_000)]  # (type, reading at time 0)
# msg_type -> (request size, response size, offset of the first reserved request byte)
REQUESTS = {0x0001: (16, 16, 10), 0x0002: (16, 24, 11), 0x1000: (8, 16, 8),
            0x1001: (16, 16, 10), 0x1002: (16, 16, 11)}
ALARM_REQUESTS = (0x1003, 0x1004, 0x1005)
HOOKS = 0b00111  # reset, negotiate, advance
now = 0


def handle(req, writable):
    """Returns (used length, response bytes) for one requestq element."""
    if writable < 8:
        return 0, b""
    if len(req) < 8:
        return 8, bytes([EINVAL]) + bytes(7)
    (msg_type,) = struct.unpack_from("<H", req)
    if msg_type in ALARM_REQUESTS:  # VIRTIO_RTC_F_ALARM is never negotiated
        return 8, bytes([ENODEV]) + bytes(7)
    if msg_type not in REQUESTS:
        return 8, bytes([EOPNOTSUPP]) + bytes(7)
    req_size, resp_size, reserved_from = REQUESTS[msg_type]
    if len(req) < req_size or writable < resp_size:
        return 8, bytes([EINVAL]) + bytes(7)
    counter = req[10] if msg_type in (0x0002, 0x1002) else None
    if counter is not None and counter not in (0, 1, 0xFF) and not 0xF0 <= counter <= 0xFE:
        return 8, bytes([EOPNOTSUPP]) + bytes(7)
    clock = struct.unpack_from("<H", req, 8)[0] if req_size == 16 else 0
    if req_size == 16 and clock >= len(CLOCKS):
        return 8, bytes([ENODEV]) + bytes(7)
    if counter == 0xFF or any(req[2:8]) or any(req[reserved_from:req_size]):
        return 8, bytes([EINVAL]) + bytes(7)
    if msg_type == 0x1000:
        return 16, bytes(8) + struct.pack("<H", len(CLOCKS)) + bytes(6)
    if msg_type == 0x1001:
        return 16, bytes(8) + bytes([CLOCKS[clock][0], 0, 0]) + bytes(5)
    if msg_type == 0x1002:
        return 16, bytes(16)  # no cross-timestamping
    if msg_type == 0x0002:
        return 8, bytes([EOPNOTSUPP]) + bytes(7)
    return 16, bytes(8) + struct.pack("<Q", CLOCKS[clock][1] + now)


def record(rtype, payload=b""):
    return struct.pack("<IB", 1 + len(payload), rtype) + payload


def main():
    global now
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return 2
        (length,) = struct.unpack("<I", head)
        body = stdin.read(length)
        if length == 0 or len(body) < length:
            return 2
        rtype, payload = body[0], body[1:]
        if rtype == 0x01:
            reply = record(0x81, struct.pack("<IQI", 1, 0, HOOKS))
        elif rtype == 0x02:
            writable, fill = struct.unpack_from("<IB", payload)
            used, data = handle(payload[5:], writable)
            buf = data + bytes([fill]) * (writable - len(data))
            reply = record(0x82, struct.pack("<I", used) + buf)
        elif rtype in (0x03, 0x04):
            reply = record(rtype | 0x80)
        elif rtype == 0x05:
            now += struct.unpack("<Q", payload)[0]
            reply = record(0x85)
        elif rtype == 0x08:
            stdout.write(record(0x88))
            stdout.flush()
            return 0
        else:
            return 2
        stdout.write(reply)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
