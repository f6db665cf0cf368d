#!/usr/bin/env python3
"""A small virtio-rtc device in Python behind the vrtc-conformance framing.

Two simulated clocks: 0 UTC with an alarm, 1 MONOTONIC; no cross-timestamping. Offers
VIRTIO_RTC_F_ALARM and every hook (reset, negotiate, advance, step, alarmq); a reset clears
the alarm. Run it with:  vrtc-conformance -- python3 examples/conformance-device.py
The framing is specified in docs/conformance.md.
"""
import struct
import sys

OK, EOPNOTSUPP, ENODEV, EINVAL = 0, 2, 3, 4
F_ALARM = 1 << 0
HOOKS = 0b11111  # reset, negotiate, advance, step, alarmq
U64 = (1 << 64) - 1
UTC, MONOTONIC = 0, 2
# msg_type -> (request size, response size, first reserved request byte, clock_id offset)
REQUESTS = {0x0001: (16, 16, 10, 8), 0x0002: (16, 24, 11, 8), 0x1000: (8, 16, 8, None),
            0x1001: (16, 16, 10, 8), 0x1002: (16, 16, 11, 8), 0x1003: (16, 24, 10, 8),
            0x1004: (24, 8, 19, 16), 0x1005: (16, 8, 11, 8)}
ALARM_REQUESTS = (0x1003, 0x1004, 0x1005)
FLAGS_AT = {0x1004: 18, 0x1005: 10}  # the flags byte of SET_ALARM and SET_ALARM_ENABLED


class Alarm:
    """One clock's alarm (virtio 1.4 section 5.23.6.6)."""

    def __init__(self):
        self.time, self.enabled, self.pending = 0, False, False

    def reached(self, reading):
        return reading >= self.time

    def set(self, time, enabled, reading):
        """SET_ALARM; an enabled alarm whose time is not in the future expires at once."""
        self.time, self.enabled, self.pending = time, enabled, False
        if enabled and self.reached(reading):
            self.pending = True

    def set_enabled(self, enabled, reading):
        """SET_ALARM_ENABLED; disabling drops a notification not yet sent."""
        self.enabled = enabled
        self.pending = enabled and (self.pending or self.reached(reading))

    def moved(self, before, after):
        """The clock went from `before` to `after` (time passed, or a step either way)."""
        if not self.reached(after):
            self.pending = False  # stepped back: an unsent notification is obsolete
        elif self.enabled and not self.reached(before):
            self.pending = True


class Clock:
    def __init__(self, ctype, start, alarm):
        self.type, self.offset, self.alarm = ctype, start, alarm  # reading = offset + now

    def reading(self, now):
        return min(max(self.offset + now, 0), U64)

    def step(self, now, delta):
        """Steps the clock by `delta` ns; a MONOTONIC clock cannot step back."""
        if self.type == MONOTONIC and delta < 0:
            return False
        before = self.reading(now)
        self.offset += delta
        if self.alarm:
            self.alarm.moved(before, self.reading(now))
        return True


class Device:
    def __init__(self):
        self.now = 0
        self.features = F_ALARM  # live from the start, every offered feature negotiated
        self.clocks = [Clock(UTC, 1_700_000_000_000_000_000, Alarm()), Clock(MONOTONIC, 1_000_000_000_000, None)]

    def advance(self, ns):
        before = [c.reading(self.now) for c in self.clocks]
        self.now += ns
        for c, b in zip(self.clocks, before):
            if c.alarm:
                c.alarm.moved(b, c.reading(self.now))

    def reset(self):
        self.features = 0
        for c in self.clocks:
            if c.alarm:
                c.alarm = Alarm()

    def notification(self):
        """The clock id of the next NOTIF_ALARM, or None."""
        if not self.features & F_ALARM:
            return None
        for i, c in enumerate(self.clocks):
            if c.alarm and c.alarm.pending:
                c.alarm.pending = False
                return i
        return None

    def handle(self, req, writable):
        """Returns (used length, response bytes) for one requestq element."""
        if writable < 8:
            return 0, b""
        if len(req) < 8:
            return 8, bytes([EINVAL]) + bytes(7)
        (msg_type,) = struct.unpack_from("<H", req)
        if msg_type not in REQUESTS:
            return 8, bytes([EOPNOTSUPP]) + bytes(7)
        if msg_type in ALARM_REQUESTS and not self.features & F_ALARM:
            return 8, bytes([ENODEV]) + bytes(7)
        req_size, resp_size, reserved_from, clock_at = REQUESTS[msg_type]
        if len(req) < req_size or writable < resp_size:
            return 8, bytes([EINVAL]) + bytes(7)
        counter = req[10] if msg_type in (0x0002, 0x1002) else None
        if counter is not None and counter not in (0, 1, 0xFF) and not 0xF0 <= counter <= 0xFE:
            return 8, bytes([EOPNOTSUPP]) + bytes(7)
        clock_id = struct.unpack_from("<H", req, clock_at)[0] if clock_at else 0
        if clock_at and clock_id >= len(self.clocks):
            return 8, bytes([ENODEV]) + bytes(7)
        flags = req[FLAGS_AT[msg_type]] if msg_type in FLAGS_AT else 0
        if counter == 0xFF or any(req[2:8]) or any(req[reserved_from:req_size]) or flags & ~1:
            return 8, bytes([EINVAL]) + bytes(7)
        clock = self.clocks[clock_id]
        if msg_type in ALARM_REQUESTS and not clock.alarm:
            return 8, bytes([ENODEV]) + bytes(7)
        if msg_type == 0x1000:
            return 16, bytes(8) + struct.pack("<H", len(self.clocks)) + bytes(6)
        if msg_type == 0x1001:
            alarm_cap = 1 if clock.alarm and self.features & F_ALARM else 0
            return 16, bytes(8) + bytes([clock.type, 0, alarm_cap]) + bytes(5)
        if msg_type == 0x1002:
            return 16, bytes(16)  # no cross-timestamping
        if msg_type == 0x0002:
            return 8, bytes([EOPNOTSUPP]) + bytes(7)
        if msg_type == 0x1003:
            return 24, bytes(8) + struct.pack("<QB", clock.alarm.time, int(clock.alarm.enabled)) + bytes(7)
        if msg_type == 0x1004:
            clock.alarm.set(struct.unpack_from("<Q", req, 8)[0], bool(flags & 1), clock.reading(self.now))
            return 8, bytes(8)
        if msg_type == 0x1005:
            clock.alarm.set_enabled(bool(flags & 1), clock.reading(self.now))
            return 8, bytes(8)
        return 16, bytes(8) + struct.pack("<Q", clock.reading(self.now))


device = Device()


def record(rtype, payload=b""):
    return struct.pack("<IB", 1 + len(payload), rtype) + payload


def main():
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
            reply = record(0x81, struct.pack("<IQI", 1, F_ALARM, HOOKS))
        elif rtype == 0x02:
            writable, fill = struct.unpack_from("<IB", payload)
            used, data = device.handle(payload[5:], writable)
            buf = data + bytes([fill]) * (writable - len(data))
            reply = record(0x82, struct.pack("<I", used) + buf)
        elif rtype == 0x03:
            device.reset()
            reply = record(0x83)
        elif rtype == 0x04:
            device.features = struct.unpack("<Q", payload)[0] & F_ALARM
            reply = record(0x84)
        elif rtype == 0x05:
            device.advance(struct.unpack("<Q", payload)[0])
            reply = record(0x85)
        elif rtype == 0x06:
            clock_id, delta = struct.unpack("<Hq", payload)
            stepped = clock_id < len(device.clocks) and device.clocks[clock_id].step(device.now, delta)
            reply = record(0x86, bytes([int(stepped)]))
        elif rtype == 0x07:
            size, fill = struct.unpack("<IB", payload)
            clock_id = device.notification() if size >= 16 else None
            if clock_id is None:
                reply = record(0x87, struct.pack("<I", 0) + bytes([fill]) * size)
            else:
                note = struct.pack("<H6xH6x", 0x2000, clock_id)
                reply = record(0x87, struct.pack("<I", 16) + note + bytes([fill]) * (size - 16))
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
