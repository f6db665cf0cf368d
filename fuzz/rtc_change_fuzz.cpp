// Fuzz target: arbitrary timed register-write sequences through the CMOS model and the
// coalescer, driven like an event loop (every deadline fires at the deadline itself, plus
// spurious timer calls). Invariants, checked with __builtin_trap():
//  1. An event never reports delta_time 0, and its instants are ordered:
//     first_change <= last_change <= emission time.
//  2. An event is emitted only once its burst was quiet for the window or had waited
//     max_wait: emission >= min(last_change + window, first_change + max_wait).
//  3. Bursts do not overlap: each event's first change is at or after the previous emission.
//  4. new_time - last_time - delta_time is what the old clock ticked between the first and
//     last change: between 0 and (last_change - first_change) / 1 s + 1.
//  5. advance at the deadline always closes the burst; a repeated or stale advance emits
//     nothing.
//  6. When the input ends, the RTC running means nothing is pending; halted or broken means
//     no deadline is armed.
//  7. The deltas of all events add up exactly to how far the final clock is from where the
//     initial clock would be: no event lost or duplicated. Checked for writes at any instant
//     when the update phase never changed (the divider never left reset), or with every
//     write on a whole second (a release then moves the phase by exactly 500 ms, which
//     whole-second readings cannot see).
//  8. Every event survives the vm_event wire encoding.
//  9. Until the divider leaves reset, every running clock updates in the initial clock's
//     phase: time-register writes, SET and repairs of an invalid date never move it.
//
// Input: byte 0 mode (bit 0 whole-second times, bits 1-2 window, bits 3-4 max_wait factor),
// bytes 1-4 initial time, byte 5 initial register B, then 4-byte records
// [dt_lo, dt_hi, reg, value]; reg 0xff is a spurious timer call, reg below 0x80 picks one of
// the interesting registers (index reg % 16), other values are written as raw indices.
#include <vrtc/core/chrono.hpp>
#include <vrtc/format/cmos_rtc.hpp>
#include <vrtc/format/vm_event.hpp>
#include <vrtc/roles/rtc_change.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

namespace {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::uint8_t interesting[16] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32, 0x0b,
                                          0x0b, 0x0a, 0x01, 0x03, 0x05, 0x06, 0x0c, 0x40};

struct driver {
  vrtc::cmos_rtc rtc;
  vrtc::rtc_change_coalescer coalescer;
  vrtc::reference_time last_emission = vrtc::reference_time::min();
  std::int64_t delta_sum = 0;
  bool rephased = false;  // the divider left reset at least once

  void on_event(vrtc::reference_time at, const vrtc::rtc_change& e) {
    const auto& p = coalescer.policy();
    check(e.delta_time != 0);
    check(e.first_change <= e.last_change && e.last_change <= at);
    check(at >= std::min(e.last_change + p.window, e.first_change + p.max_wait));
    check(e.first_change >= last_emission);
    last_emission = at;
    const std::int64_t ticks = e.new_time - e.last_time - e.delta_time;
    check(ticks >= 0 && ticks <= vrtc::to_duration(e.last_change - e.first_change).value() / 1s + 1);
    const auto wire = vrtc::encode_vm_event(vrtc::make_rtc_change_event({e.last_time, e.delta_time}));
    const auto back = vrtc::decode_vm_event(wire);
    check(back.has_value());
    const auto data = vrtc::rtc_change_data_of(*back);
    check(data.has_value() && data->last_time == e.last_time && data->delta_time == e.delta_time);
    delta_sum += e.delta_time;
  }

  void run_until(vrtc::reference_time t) {
    while (const auto d = coalescer.next_deadline()) {
      if (*d > t) break;
      const auto e = coalescer.advance(*d);
      if (e) on_event(*d, *e);
      check(!coalescer.pending());  // the deadline always closes the burst
      check(!coalescer.advance(*d).has_value());
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) return 0;
  const bool aligned = (data[0] & 1U) != 0;
  constexpr nanoseconds windows[4] = {1ms, 250ms, 1s, 3s};
  constexpr std::int64_t factors[4] = {1, 2, 10, 1000};
  const nanoseconds window = aligned ? nanoseconds{1s} * (1 + ((data[0] >> 1U) & 1U)) : windows[(data[0] >> 1U) & 3U];
  const nanoseconds max_wait = window * factors[(data[0] >> 3U) & 3U];
  const std::uint32_t init = static_cast<std::uint32_t>(data[1]) | static_cast<std::uint32_t>(data[2]) << 8U |
                             static_cast<std::uint32_t>(data[3]) << 16U | static_cast<std::uint32_t>(data[4]) << 24U;
  // Initial times from 1900 to about 2300, in any of the register formats (SET clear).
  const std::int64_t initial = -2208988800 + std::int64_t{init} * 3;
  auto rtc = vrtc::cmos_rtc::running(vrtc::reference_time{}, initial, static_cast<std::uint8_t>(data[5] & 0x7fU));
  auto coalescer = vrtc::rtc_change_coalescer::create(
      {vrtc::to_nanosecond_count(window).value(), vrtc::to_nanosecond_count(max_wait).value()});
  if (!rtc || !coalescer) return 0;
  driver d{*rtc, *coalescer};
  const auto initial_clock = d.rtc.clock();
  check(initial_clock.has_value());

  vrtc::reference_time now{};
  for (std::size_t i = 6; i + 4 <= size; i += 4) {
    const unsigned dt = data[i] | static_cast<unsigned>(data[i + 1]) << 8U;
    now += aligned ? nanoseconds{std::chrono::seconds{dt % 8}} : nanoseconds{std::chrono::milliseconds{dt}};
    const std::uint8_t r = data[i + 2];
    const std::uint8_t value = data[i + 3];
    d.run_until(now);
    if (r == 0xff) {  // every due deadline has fired: a stale timer call finds nothing
      check(!d.coalescer.advance(now).has_value());
      continue;
    }
    const std::uint8_t index = r < 0x80 ? interesting[r % 16] : r;
    const bool was_in_reset = d.rtc.divider_in_reset();
    const auto result = d.coalescer.on_write(now, d.rtc, index, value);
    if (was_in_reset && !d.rtc.divider_in_reset()) d.rephased = true;
    if (const auto c = d.rtc.clock(); c && !d.rephased)
      check((c->next_update - initial_clock->next_update).count % 1'000'000'000 == 0);
    check(result.has_value() == (index < 0x80));
    if (result && *result) d.on_event(now, **result);
  }

  // Let every deadline fire.
  d.run_until(vrtc::reference_time::max());
  const auto final_clock = d.rtc.clock();
  if (final_clock) {
    check(!d.coalescer.pending());
    if (aligned || !d.rephased) {
      const vrtc::reference_time t = now + 1s;
      check(d.delta_sum == final_clock->reading(t) - initial_clock->reading(t));
    }
  } else {
    check(!d.coalescer.next_deadline().has_value());
  }
  return 0;
}
