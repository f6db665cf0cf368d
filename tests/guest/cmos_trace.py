#!/usr/bin/env python3
"""Converts QEMU's mc146818 trace (-trace 'mc146818_rtc_ioport_*' with -msg timestamp=on, log
backend) into a trace for rtc-change-replay, and works out, independently of vrtc, what each
burst of time-register writes did.

    cmos_trace.py QEMU_LOG OUT_TRACE TITLE

QEMU's RTC (default -rtc base=utc,clock=host) shows the host's UTC time, so the replay starts at
the whole host second of the first traced access (--initial) and its model ticks with the host's
seconds. That is checked: every read of the seconds register before the first time write must
show the host second of its timestamp. Prints one JSON object: initial, the number of writes and
checked reads, and per burst the date written (decoded from the BCD registers here), the host
second at its last write and the delta that gives (two of each when the write falls within the
phase's uncertainty of a turnover). Exit 1 when the trace cannot be used.
"""
import calendar
import json
import re
import sys
import time

LINE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z mc146818_rtc_ioport_(read|write) "
                  r"\[0x([0-9a-f]+)\] (?:->|<-) 0x([0-9a-f]+)$")
TIME_REGS = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))


def bcd(v):
    if (v >> 4) > 9 or (v & 0xF) > 9:
        raise ValueError(f"0x{v:02x} is not BCD")
    return (v >> 4) * 10 + (v & 0xF)


def main():
    log, out, title = sys.argv[1], sys.argv[2], sys.argv[3]
    events = []
    for raw in open(log, encoding="utf-8", errors="replace"):
        m = LINE.match(raw.strip())
        if not m:
            continue
        y, mo, d, h, mi, s, us = (int(g) for g in m.groups()[:7])
        t_us = calendar.timegm((y, mo, d, h, mi, s)) * 1_000_000 + us
        events.append((t_us, m.group(8), int(m.group(9), 16), int(m.group(10), 16)))
    if not events:
        sys.exit(f"{log}: no mc146818 trace lines (is the log backend built in, -msg timestamp=on given?)")
    # QEMU's RTC (default -rtc base=utc,clock=host) runs with the host's UTC seconds, but its
    # seconds turn over a fraction of a second (delta) after the host's: it takes the host's
    # time in whole seconds when it starts. Each read of the seconds register at host time T
    # that shows A bounds it: A <= T - delta < A + 1. A trace line is stamped after its access
    # and the accesses are sequential, so T lies between the previous line's stamp and its own.
    lo, hi = 0, 1_000_000  # delta in microseconds, lo < delta <= hi
    checked = 0
    first_time_write = next((i for i, e in enumerate(events) if e[1] == "write" and e[2] in TIME_REGS), len(events))
    for i, (t_us, kind, reg, value) in enumerate(events[:first_time_write]):
        if kind == "read" and reg == 0x00:
            earliest = events[i - 1][0] if i > 0 else t_us - 1_000_000
            shown = bcd(value & 0x7F)
            candidates = [a for a in range(earliest // 1_000_000 - 1, t_us // 1_000_000 + 1) if a % 60 == shown]
            if len(candidates) != 1:
                sys.exit(f"the RTC showed second {shown:02d} at host time {t_us / 1e6:.6f}: not the host's UTC "
                         "within a second")
            a = candidates[0] * 1_000_000
            lo, hi = max(lo, earliest - a - 1_000_000), min(hi, t_us - a)
            checked += 1
    if checked == 0 or lo >= hi:
        sys.exit(f"no consistent phase of the RTC's seconds ({checked} reads, {lo}..{hi} us)")
    delta_us = (lo + hi) // 2
    # The replay's t = 0 is the first second turnover of the RTC at or before the first access.
    origin_us = (events[0][0] - delta_us) // 1_000_000 * 1_000_000 + delta_us
    initial = (origin_us - delta_us) // 1_000_000
    writes = [((t_us - origin_us) // 1000, reg, value, t_us, events[i - 1][0] if i > 0 else t_us)
              for i, (t_us, kind, reg, value) in enumerate(events) if kind == "write"]
    # Bursts of time-register writes (SET in register B around them, as Linux writes).
    regs = {}
    bursts = []
    last_t = None
    for t_ms, reg, value, t_us, earliest_us in writes:
        if reg in TIME_REGS:
            if last_t is None or t_ms - last_t > 1000:
                bursts.append({"first_ms": t_ms})
            regs[reg] = value
            bursts[-1]["last_ms"] = t_ms
            bursts[-1]["last_us"] = t_us
            bursts[-1]["earliest_us"] = earliest_us
            bursts[-1]["regs"] = dict(regs)
            last_t = t_ms
    summary = {"initial": initial, "writes": len(writes), "seconds_reads_checked": checked,
               "rtc_behind_host_us": [lo, hi], "bursts": []}
    for b in bursts:
        r = b["regs"]
        if not all(k in r for k in TIME_REGS):
            sys.exit("a burst does not write every time register")
        written = calendar.timegm((bcd(r[0x32]) * 100 + bcd(r[0x09]), bcd(r[0x08]), bcd(r[0x07]), bcd(r[0x04]),
                                   bcd(r[0x02]), bcd(r[0x00])))
        # What the RTC showed at the last write, for every phase the reads allow: one second, or
        # two when the write falls within the phase's uncertainty of a turnover. Then the trace
        # cannot tell which one the RTC showed, and both are reported as possible.
        shown = list(range((b["earliest_us"] - hi) // 1_000_000, (b["last_us"] - lo - 1) // 1_000_000 + 1))
        summary["bursts"].append({"at_ms": b["last_ms"], "new_time": written, "rtc_read": shown,
                                  "delta_time": [written - s for s in shown]})
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# {title}\n")
        f.write("# Captured from QEMU 11.1's mc146818 RTC (trace event mc146818_rtc_ioport_write) under a\n"
                "# Linux 7.3 guest with busybox hwclock: every register write the guest made, from boot.\n"
                f"# The RTC counted the host's UTC seconds, turning over {lo / 1e6:.3f}-{hi / 1e6:.3f} s after the\n"
                "# host's (bounded by the guest's reads); t = 0 is one of its turnovers: replay with\n"
                f"# --initial {iso(initial)}.\n")
        for b in summary["bursts"]:
            f.write(f"# At {b['at_ms']} ms the guest wrote {iso(b['new_time'])} while the RTC read "
                    f"{' or '.join(iso(r) for r in b['rtc_read'])}: delta "
                    f"{' or '.join(str(d) for d in b['delta_time'])} s.\n")
        for t_ms, reg, value, _, _ in writes:
            f.write(f"{t_ms} 0x{reg:02x} 0x{value:02x}\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
