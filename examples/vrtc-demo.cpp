// vrtc-demo: a simulated virtio-rtc guest/device session, deterministic from start to end.
//
// The device serves three clocks driven by one virtual reference time: UTC_SMEARED (UTC-SLS,
// with an alarm), TAI (cross-timestamps against a simulated TSC) and MONOTONIC (with an
// alarm). The driver probes them, reads them, takes a cross-timestamp, sets an alarm for the
// midnight that ends a leap-second day, and the simulation runs through the smeared leap second
// until the alarm notification arrives. Then the alarm is disabled, and a past alarm that is
// disabled before any alarmq buffer is offered shows that no stale notification arrives.
//
// Usage: vrtc-demo        (no arguments)
#include <vrtc/core/leap.hpp>
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/driver.hpp>
#include <vrtc/roles/in_memory_transport.hpp>
#include <vrtc/roles/leap_clocks.hpp>

#include <array>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <span>

namespace {

using namespace vrtc;

constexpr std::uint64_t s = 1'000'000'000;
constexpr std::uint64_t leap_midnight = 1'483'228'800;  // 2017-01-01 00:00:00 UTC
constexpr leap_schedule schedule{36, leap_second{leap_midnight, leap_sign::positive}};

/// "YYYY-MM-DD hh:mm:ss.nnnnnnnnn" of a UTC instant (second 60 inside a leap second).
void print_utc(utc_time t, std::uint64_t ns) {
  const auto c = to_civil(t);
  if (!c) {
    std::printf("(%s)", to_string(c.error()));
    return;
  }
  std::printf("%04" PRId64 "-%02u-%02u %02u:%02u:%02u.%09" PRIu64, c->date.year, c->date.month, c->date.day, c->hour,
              c->minute, c->second, ns);
}

void print_posix_ns(std::uint64_t reading) {
  print_utc(utc_time{fixed_time{reading / s, 0}, false}, reading % s);
}

int fail(const char* what, errc e) {
  std::fprintf(stderr, "vrtc-demo: %s: %s\n", what, to_string(e));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  (void)argv;
  if (argc != 1) {
    std::fprintf(stderr, "usage: vrtc-demo\n");
    return 2;
  }

  // --- the device ------------------------------------------------------------------------------
  // Reference time 0 is 2016-12-31 23:26:40 UTC, 2000 s before the leap second.
  virtual_counter tsc{hw_counter::x86_tsc, 2'500'000'000, 0};
  simulated_clock tai({clock_type::tai, smearing::unspecified, false}, (leap_midnight - 2000 + 36) * s, &tsc);
  smeared_utc_clock<simulated_clock> utc(tai, schedule, smear_method::utc_sls, true);
  simulated_clock mono({clock_type::monotonic, smearing::unspecified, true}, 0, &tsc);
  // The guest's TSC: the host's scaled by 0.5 (48 fraction bits), then offset by 10^6.
  const counter_transform guest_tsc = counter_transform::x86_tsc(std::uint64_t{1} << 47, 48, 1'000'000);
  const std::array<guest_counter, 1> counters{guest_counter{hw_counter::x86_tsc, guest_tsc}};
  const std::array<clock_ref, 3> clocks{clock_ref(utc), clock_ref(tai), clock_ref(mono)};
  device dev(clocks, {.guest_counters = {counters.begin(), counters.end()}});
  in_memory_transport link(dev);

  // --- the guest -------------------------------------------------------------------------------
  dev.set_negotiated_features(dev.offered_features());
  dev.set_driver_ok();
  driver<in_memory_transport> drv(link, {.features = dev.negotiated_features()});
  std::printf("device: %u clocks, features 0x%" PRIx64 " negotiated\n", dev.num_clocks(), dev.negotiated_features());
  if (auto r = drv.probe(); !r) return fail("probe", r.error());

  std::printf("\nprobe:\n");
  for (const clock_info& c : drv.clocks()) {
    std::printf("  clock %u  %-17s %-11s  alarm %-3s  cross X86_TSC %-3s  PTP \"%s\"%s\n", c.clock_id,
                to_string(c.type), to_string(c.leap_second_smearing), c.alarm ? "yes" : "no",
                drv.cross_supported(c.clock_id, hw_counter::x86_tsc) ? "yes" : "no", c.name.c_str(),
                c.may_back_rtc() ? "  (RTC)" : "");
  }

  std::printf("\nread at t = 0:\n");
  for (const clock_info& c : drv.clocks()) {
    const auto r = drv.read(c.clock_id);
    if (!r) return fail("read", r.error());
    std::printf("  clock %u  %20" PRIu64 " ns", c.clock_id, *r);
    if (c.utc_like()) {
      std::printf("  ");
      print_posix_ns(*r);
      std::printf(" UTC");
    }
    std::printf("\n");
  }

  link.advance_to(reference_time(5 * s));
  const auto x = drv.read_cross(1, hw_counter::x86_tsc);
  if (!x) return fail("read_cross", x.error());
  std::printf("\ncross-timestamp at t = 5 s, clock 1 (TAI) / X86_TSC:\n");
  std::printf("  clock_reading %" PRIu64 " ns, counter_cycles %" PRIu64 " (host TSC %" PRIu64
              " scaled by 0.5, + 1000000)\n",
              x->clock_reading, x->counter_cycles, tsc.at(link.now()));

  // --- the alarm -------------------------------------------------------------------------------
  const std::uint64_t alarm_time = leap_midnight * s;
  if (auto r = drv.set_alarm(0, alarm_time, true); !r) return fail("set_alarm", r.error());
  std::printf("\nSET_ALARM clock 0 at ");
  print_posix_ns(alarm_time);
  std::printf(" UTC, enabled: OK\n");
  const auto deadline = dev.next_deadline(link.now());
  if (!deadline) return fail("next_deadline", errc::invalid_argument);
  std::printf("device: next alarm deadline at t = %" PRIu64 ".%09" PRIu64 " s\n", deadline->ns() / s, deadline->ns() % s);

  std::printf("\nthrough the leap second (UTC-SLS smears the last 1000 s of the day):\n");
  std::array<std::byte, 16> alarmq_buffer{};
  std::size_t notifications = 0;
  for (const std::uint64_t t : {1000 * s, 1500 * s + 500'000'000, 2000 * s, 2000 * s + 500'000'000, 2001 * s}) {
    const std::size_t expired = link.advance_to(reference_time(t));
    const auto true_utc = to_utc(tai_instant(to_fixed_time(nanosecond_count(tai.reading_at(reference_time(t))))), schedule);
    const auto smeared = drv.read(0);
    if (!true_utc || !smeared) return fail("read", errc::invalid_argument);
    std::printf("  t = %4" PRIu64 ".%01" PRIu64 " s  true UTC ", t / s, t % s / 100'000'000);
    print_utc(*true_utc, frac_to_ns_floor(true_utc->posix.frac));
    std::printf("  smeared ");
    print_posix_ns(*smeared);
    std::printf("  expirations %zu\n", expired);
    while (const std::size_t used = link.poll_alarmq(alarmq_buffer)) {
      const auto e = drv.handle_notification(std::span<const std::byte>(alarmq_buffer).first(used));
      if (!e) return fail("notification", e.error());
      ++notifications;
      std::printf("  NOTIF_ALARM clock %u; clock re-read: ", e->clock_id);
      print_posix_ns(e->clock_reading);
      std::printf(" -> %s\n", e->reached() ? "alarm time reached" : "obsolete, ignored");
    }
  }

  if (auto r = drv.set_alarm_enabled(0, false); !r) return fail("set_alarm_enabled", r.error());
  std::printf("\nSET_ALARM_ENABLED clock 0 off: OK\n");
  link.advance_to(reference_time(3000 * s));
  std::size_t stale = 0;
  while (link.poll_alarmq(alarmq_buffer) != 0) ++stale;
  std::printf("advance to t = 3000 s: %zu notifications\n", stale);

  // A past alarm expires at once; disabling it before any alarmq buffer is offered drops it.
  if (auto r = drv.set_alarm(2, 1 * s, true); !r) return fail("set_alarm", r.error());
  std::printf("SET_ALARM clock 2 at 1 s (already past), enabled: OK, notification pending: %s\n",
              dev.notification_pending() ? "yes" : "no");
  if (auto r = drv.set_alarm_enabled(2, false); !r) return fail("set_alarm_enabled", r.error());
  while (link.poll_alarmq(alarmq_buffer) != 0) ++stale;
  std::printf("SET_ALARM_ENABLED clock 2 off: OK, stale notifications received: %zu\n", stale);
  std::printf("\nnotifications in total: %zu\n", notifications);
  return stale == 0 && notifications == 1 ? 0 : 1;
}
