#!/usr/bin/env python3
"""examples/conformance-device.py with one alarm defect, for tests/cli/vrtc_conformance.sh.

    python3 alarm_mutant_device.py --mutant NAME     (--list for the names)

Each mutant replaces one piece of the example's alarm logic with a broken version; the device
suite must fail it. The example itself is loaded unchanged, so the clean device stays the one
users see.
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "conformance_device", os.path.join(HERE, "..", "..", "examples", "conformance-device.py"))
dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dev)
Alarm = dev.Alarm
ms = 1_000_000


def reached_early(self, reading):
    return reading + 900 * ms >= self.time  # 900 ms early


def reached_late(self, reading):
    return reading >= self.time + 900 * ms  # 900 ms late


def reached_strictly_after(self, reading):
    return reading > self.time  # not at the alarm time itself, only after it


def reached_in_milliseconds(self, reading):
    return reading // ms >= self.time // ms  # alarm time rounded down to whole milliseconds


def moved_repeating(self, before, after):
    if not self.reached(after):
        self.pending = False
    elif self.enabled:
        self.pending = True  # notifies again at every time step while the alarm time has passed


def moved_one_shot(self, before, after):
    # A one-shot timer: once it has fired, only SET_ALARM or SET_ALARM_ENABLED re-arms it.
    if not self.reached(after):
        self.pending = False
    elif self.enabled and not self.reached(before) and not getattr(self, "fired", False):
        self.pending = self.fired = True


def rearming(original):
    def wrapped(self, *args):
        self.fired = False
        original(self, *args)
        self.fired = self.pending
    return wrapped


def moved_notifying_back(self, before, after):
    if not self.reached(after):
        # A step back across the alarm time is taken for an expiration, too.
        self.pending = self.enabled and self.reached(before)
    elif self.enabled and not self.reached(before):
        self.pending = True


step_original = dev.Clock.step


def step_repeating(self, now, delta):
    stepped = step_original(self, now, delta)
    if stepped and delta > 0 and self.alarm and self.alarm.enabled and self.alarm.reached(self.reading(now)):
        self.alarm.pending = True  # a forward clock step notifies again while the time has passed
    return stepped


MUTANTS = {
    "early": lambda: setattr(Alarm, "reached", reached_early),
    "late": lambda: setattr(Alarm, "reached", reached_late),
    "strictly-after": lambda: setattr(Alarm, "reached", reached_strictly_after),
    "millisecond-alarm-time": lambda: setattr(Alarm, "reached", reached_in_milliseconds),
    "repeats-while-passed": lambda: setattr(Alarm, "moved", moved_repeating),
    "repeats-on-forward-step": lambda: setattr(dev.Clock, "step", step_repeating),
    "no-expiry-after-step-back": lambda: (setattr(Alarm, "moved", moved_one_shot),
                                         setattr(Alarm, "set", rearming(Alarm.set)),
                                         setattr(Alarm, "set_enabled", rearming(Alarm.set_enabled))),
    "notifies-on-step-back": lambda: setattr(Alarm, "moved", moved_notifying_back),
}

if __name__ == "__main__":
    if sys.argv[1:] == ["--list"]:
        print("\n".join(MUTANTS))
        sys.exit(0)
    if len(sys.argv) != 3 or sys.argv[1] != "--mutant" or sys.argv[2] not in MUTANTS:
        sys.stderr.write("usage: alarm_mutant_device.py --mutant NAME | --list\n")
        sys.exit(2)
    MUTANTS[sys.argv[2]]()
    sys.exit(dev.main())
