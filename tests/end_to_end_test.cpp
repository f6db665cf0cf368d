// End-to-end tests: the virtio-rtc driver against the reference device through the in-memory
// transport (requestq and alarmq), with simulated UTC_SMEARED, TAI and MONOTONIC clocks.
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/driver.hpp>
#include <vrtc/roles/in_memory_transport.hpp>
#include <vrtc/roles/leap_clocks.hpp>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace vrtc;
using rt = reference_time;

constexpr std::uint64_t s = 1'000'000'000;
constexpr std::uint64_t E = 1'483'228'800;  // 2017-01-01, after a positive leap second

struct session {
  // Host TSC at 2.5 GHz; the guest sees it scaled by 0.5 (48 fraction bits) plus an offset.
  virtual_counter tsc{hw_counter::x86_tsc, 2'500'000'000, 77};
  simulated_clock tai{{clock_type::tai, smearing::unspecified, false}, (E - 2000 + 36) * s, &tsc};
  smeared_utc_clock<simulated_clock> utc{tai, leap_schedule{36, leap_second{E, leap_sign::positive}},
                                         smear_method::utc_sls, true};
  simulated_clock mono{{clock_type::monotonic, smearing::unspecified, true}, 10 * s, &tsc};
  counter_transform guest{std::uint64_t{1} << 47, 48, 1'000'000};
  std::array<guest_counter, 1> counters{guest_counter{hw_counter::x86_tsc, guest}};
  std::array<clock_ref, 3> refs{clock_ref(utc), clock_ref(tai), clock_ref(mono)};
  device dev{refs, {.guest_counters = {counters.begin(), counters.end()}}};
  in_memory_transport link{dev};
  driver<in_memory_transport> drv{link, {.features = feature_alarm_mask}};

  session() { start(); }
  void start() {
    dev.set_negotiated_features(feature_alarm_mask);
    dev.set_driver_ok();
    REQUIRE(drv.probe().has_value());
  }
  /// Offers alarmq buffers until the device keeps one; returns the clock ids notified.
  std::vector<std::uint16_t> poll() {
    std::vector<std::uint16_t> ids;
    std::array<std::byte, 16> buf{};
    while (const std::size_t n = link.poll_alarmq(buf)) {
      const auto e = drv.handle_notification(std::span<const std::byte>(buf).first(n));
      REQUIRE(e.has_value());
      CHECK(e->reached());  // nothing here steps back between expiry and the re-read
      ids.push_back(e->clock_id);
    }
    return ids;
  }
};

}  // namespace

TEST_CASE("5.23.6.4 probe and classify the clocks") {
  session x;
  const auto clocks = x.drv.clocks();
  REQUIRE(clocks.size() == 3);
  CHECK(std::string(clocks[0].name.c_str()) == "Virtio PTP type 3/variant 2");
  CHECK(std::string(clocks[1].name.c_str()) == "Virtio PTP type 1/variant 0");
  CHECK(std::string(clocks[2].name.c_str()) == "Virtio PTP type 2/variant 0");
  CHECK(clocks[0].utc_like());
  CHECK(clocks[0].may_back_rtc());
  CHECK_FALSE(clocks[1].utc_like());
  CHECK(clocks[0].alarm);
  CHECK_FALSE(clocks[1].alarm);
  CHECK(clocks[2].alarm);
  CHECK(x.drv.rtc_clock() == &clocks[0]);
  CHECK_FALSE(x.drv.cross_supported(0, hw_counter::x86_tsc));
  CHECK(x.drv.cross_supported(1, hw_counter::x86_tsc));
  CHECK_FALSE(x.drv.cross_supported(1, hw_counter::arm_vct));
  CHECK(x.drv.cross_supported(2, hw_counter::x86_tsc));
}

TEST_CASE("5.23.6.5 read every clock") {
  session x;
  x.link.advance_to(rt(1500 * s + 500'000'000));
  CHECK(x.drv.read(0) == (E - 500) * s);  // halfway through the UTC-SLS smear
  CHECK(x.drv.read(1) == (E - 500 + 36) * s + 500'000'000);
  CHECK(x.drv.read(2) == 1510 * s + 500'000'000);
  CHECK(x.drv.read(3) == errc::device_enodev);
  CHECK(x.drv.read_alarm(1) == errc::device_enodev);
  CHECK(x.drv.read_cross(0, hw_counter::x86_tsc) == errc::device_eopnotsupp);
}

TEST_CASE("5.23.6.5 cross-timestamp: the guest's counter value") {
  session x;
  x.link.advance_to(rt(4 * s));
  const auto c = x.drv.read_cross(1, hw_counter::x86_tsc);
  REQUIRE(c.has_value());
  CHECK(c->clock_reading == (E - 1996 + 36) * s);
  // Host TSC = 77 + 4 s * 2.5 GHz = 10'000'000'077; guest = host / 2 + 10^6.
  CHECK(c->counter_cycles == 5'000'000'038 + 1'000'000);
}

TEST_CASE("5.23.6.5 precise read: system time at the cross-timestamp") {
  session x;
  x.link.advance_to(rt(100 * s));
  // The guest's system clock is the MONOTONIC reference here; each snapshot takes 250 ns.
  auto snapshot = [&] {
    const system_snapshot snap{x.guest.apply(x.tsc.at(x.link.now())), x.link.now().ns()};
    x.link.advance_to(x.link.now() + nanosecond_count(250));
    return snap;
  };
  const auto p = x.drv.read_precise(1, hw_counter::x86_tsc, snapshot);
  REQUIRE(p.has_value());
  CHECK(p->system_ns == 100 * s + 250);  // the instant the device took the reading
  CHECK(p->clock_reading == (E - 1900 + 36) * s + 250);
}

TEST_CASE("5.23.6.6 an alarm through a smeared leap second: one notification, then none") {
  session x;
  // Alarm at midnight after the leap second, on the smeared clock.
  REQUIRE(x.drv.set_alarm(0, E * s, true).has_value());
  const auto deadline = x.dev.next_deadline(x.link.now());
  REQUIRE(deadline.has_value());
  CHECK(*deadline == rt(2001 * s));  // 23:59:60 lasts one more SI second, smeared away
  CHECK(x.link.advance_to(*deadline - nanosecond_count(1)) == 0);
  CHECK(x.poll().empty());
  CHECK(x.link.advance_to(*deadline) == 1);
  CHECK(x.poll() == std::vector<std::uint16_t>{0});
  CHECK(x.poll().empty());
  REQUIRE(x.drv.set_alarm_enabled(0, false).has_value());
  CHECK(x.link.advance_to(rt(3000 * s)) == 0);
  CHECK(x.poll().empty());
}

TEST_CASE("5.23.6.6.1 no stale notification after a disable") {
  session x;
  x.link.advance_to(rt(10 * s));
  REQUIRE(x.drv.set_alarm(2, 5 * s, true).has_value());  // past: expires at once
  CHECK(x.dev.notification_pending());
  REQUIRE(x.drv.set_alarm_enabled(2, false).has_value());
  CHECK(x.poll().empty());
}

TEST_CASE("5.23.6.6 alarm clean-up after a reset prevents stale notifications") {
  session x;
  REQUIRE(x.drv.set_alarm(2, 20 * s, true).has_value());
  x.link.advance_to(rt(15 * s));
  x.dev.reset(x.link.now());
  x.start();
  REQUIRE(x.drv.clear_alarms().has_value());  // before offering alarmq buffers
  CHECK(x.poll().empty());
  CHECK(x.drv.read_alarm(2) == alarm_setting{0, false});
  CHECK(x.drv.read_alarm(0) == alarm_setting{0, false});
}

TEST_CASE("5.23.6.6 a retained alarm that passed during a reset is notified again") {
  session x;
  REQUIRE(x.drv.set_alarm(2, 12 * s, true).has_value());
  x.link.advance_to(rt(12 * s));
  CHECK(x.poll() == std::vector<std::uint16_t>{2});
  x.dev.reset(x.link.now());
  x.start();  // no clean-up: the alarm is meant to survive
  CHECK(x.poll() == std::vector<std::uint16_t>{2});
}

TEST_CASE("5.23.6.6 boot-time-safe alarm fires on time although the real-time clock steps back") {
  session x;
  x.link.advance_to(rt(100 * s));
  const std::uint64_t rt_now = *x.drv.read(0);
  const auto b = x.drv.set_boottime_safe_alarm(rt_now + 60 * s);
  REQUIRE(b.has_value());
  CHECK(b->rtc_clock_id == 0);
  REQUIRE(b->monotonic_clock_id.has_value());
  CHECK(*b->monotonic_clock_id == 2);
  CHECK(b->monotonic_alarm_time == 110 * s + 60 * s);
  // While the guest sleeps, the host's real-time steps back by an hour.
  REQUIRE(x.tai.step(x.link.now(), -3600 * static_cast<std::int64_t>(s)).has_value());
  CHECK(x.link.advance_to(rt(160 * s)) == 1);
  CHECK(x.poll() == std::vector<std::uint16_t>{2});  // the monotonic alarm woke us
  REQUIRE(x.drv.cancel_boottime_safe_alarm(*b).has_value());
  CHECK(x.link.advance_to(rt(3800 * s)) == 0);  // the real-time alarm was disabled too
  CHECK(x.poll().empty());
}

TEST_CASE("5.23.5 a device without clocks") {
  device dev(std::span<const clock_ref>{});
  in_memory_transport link(dev);
  driver<in_memory_transport> drv(link);
  REQUIRE(drv.probe().has_value());
  CHECK(drv.clocks().empty());
  CHECK(drv.read(0) == errc::device_enodev);
}

TEST_CASE("5.23.6.6.2.2 alarm requests when the driver did not negotiate VIRTIO_RTC_F_ALARM") {
  session x;
  driver<in_memory_transport> plain(x.link);
  x.dev.reset(reference_time{});
  x.dev.set_negotiated_features(0);
  x.dev.set_driver_ok();
  REQUIRE(plain.probe().has_value());
  CHECK_FALSE(plain.clocks()[0].alarm);
  CHECK(plain.read_alarm(0) == errc::not_supported);
  // A driver that sends them anyway gets ENODEV from the device.
  CHECK(plain.call(read_alarm_request{0}) == errc::device_enodev);
}
