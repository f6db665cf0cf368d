// Tests for include/vrtc/roles/alarm.hpp: every expiration and obsolescence rule of the virtio-rtc
// alarm model (virtio 1.4 §5.23.6.6, §5.23.6.6.1, §5.23.6.6.2.2).
#include <vrtc/roles/alarm.hpp>

#include <catch2/catch.hpp>
#include <cstdint>

namespace {

using vrtc::alarm_retention;
using vrtc::alarm_state;

constexpr bool initial_state_is_time_zero_disabled() {
  alarm_state a;
  return a.alarm_time() == 0 && !a.enabled() && !a.notification_pending() && a.expirations() == 0;
}
static_assert(initial_state_is_time_zero_disabled());

// The whole "progress through the alarm time" rule, evaluated at compile time.
constexpr bool progress_expires_once() {
  alarm_state a;
  if (a.set(1000, true, 10)) return false;
  if (a.observe(999)) return false;
  if (!a.observe(1000)) return false;
  if (a.observe(2000)) return false;  // staying past the alarm time is no new event
  return a.notification_pending() && a.expirations() == 1;
}
static_assert(progress_expires_once());

}  // namespace

TEST_CASE("5.23.6.6 initial alarm: time 0 disabled") {
  REQUIRE(initial_state_is_time_zero_disabled());
  alarm_state a;
  CHECK_FALSE(a.observe(123));  // disabled: time 0 is in the past, but nothing expires
  CHECK_FALSE(a.notification_pending());
}

TEST_CASE("5.23.6.6.1 expiration when the clock progresses to the alarm time while enabled") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 100));
  CHECK(a.next_expiry_reading() == std::optional<std::uint64_t>{1000});
  CHECK_FALSE(a.observe(999));
  CHECK(a.observe(1000));
  CHECK(a.notification_pending());
  CHECK_FALSE(a.next_expiry_reading().has_value());
  CHECK_FALSE(a.observe(5000));
  CHECK(a.expirations() == 1);
}

TEST_CASE("5.23.6.6.1 expiration when the clock steps forward past the alarm time") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 100));
  CHECK(a.observe(1'000'000));
  CHECK(a.expirations() == 1);
}

TEST_CASE("5.23.6.6.1 no expiration while the alarm is disabled") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, false, 100));
  CHECK_FALSE(a.observe(2000));
  CHECK_FALSE(a.notification_pending());
  CHECK_FALSE(a.next_expiry_reading().has_value());
}

TEST_CASE("5.23.6.6.1 SET_ALARM with a past time while enabling expires at once") {
  alarm_state a;
  CHECK(a.set(500, true, 1000));
  CHECK(a.notification_pending());
  // A time equal to the current reading is "not in the future" too.
  alarm_state b;
  CHECK(b.set(1000, true, 1000));
  // Time 0 with enable: always in the past.
  alarm_state c;
  CHECK(c.set(0, true, 0));
}

TEST_CASE("5.23.6.6.1 SET_ALARM with a past time but disabled does not expire") {
  alarm_state a;
  CHECK_FALSE(a.set(500, false, 1000));
  CHECK_FALSE(a.notification_pending());
}

TEST_CASE("5.23.6.6.1 enabling with a past alarm time expires") {
  alarm_state a;
  CHECK_FALSE(a.set(500, false, 100));
  CHECK_FALSE(a.observe(600));
  CHECK(a.set_enabled(true, 600));
  CHECK(a.notification_pending());
  CHECK(a.alarm_time() == 500);  // SET_ALARM_ENABLED keeps the alarm time
}

TEST_CASE("5.23.6.6.1 enabling with a future alarm time waits for the clock") {
  alarm_state a;
  CHECK_FALSE(a.set(500, false, 100));
  CHECK_FALSE(a.set_enabled(true, 200));
  CHECK_FALSE(a.notification_pending());
  CHECK(a.observe(500));
}

TEST_CASE("5.23.6.6 an expiration repeats on every expiration event until disabled") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 0));
  CHECK(a.observe(1000));
  a.notification_sent();
  CHECK_FALSE(a.notification_pending());
  // The clock steps back before the alarm time and progresses again: a new expiration.
  CHECK_FALSE(a.observe(900));
  CHECK(a.observe(1100));
  CHECK(a.expirations() == 2);
  // Re-enabling an enabled alarm whose time has passed is yet another expiration event.
  a.notification_sent();
  CHECK(a.set_enabled(true, 1200));
  CHECK(a.expirations() == 3);
}

TEST_CASE("5.23.6.6.1 at most one notification per expiration and a newer expiration replaces an older one") {
  alarm_state a;
  CHECK(a.set(10, true, 20));
  CHECK(a.expirations() == 1);
  CHECK(a.set_enabled(true, 30));  // second expiration before the first was sent
  CHECK(a.notification_pending());
  CHECK(a.expirations() == 2);
  a.notification_sent();
  CHECK_FALSE(a.notification_pending());  // exactly one notification for the two events
}

TEST_CASE("5.23.6.6.1 disabling drops a pending expiration (SET_ALARM_ENABLED 0)") {
  alarm_state a;
  CHECK(a.set(10, true, 20));
  CHECK_FALSE(a.set_enabled(false, 20));
  CHECK_FALSE(a.notification_pending());
  CHECK_FALSE(a.enabled());
  CHECK(a.alarm_time() == 10);
}

TEST_CASE("5.23.6.6.1 disabling drops a pending expiration (SET_ALARM without ENABLED)") {
  alarm_state a;
  CHECK(a.set(10, true, 20));
  CHECK_FALSE(a.set(10, false, 20));
  CHECK_FALSE(a.notification_pending());
}

TEST_CASE("5.23.6.6 setting an alarm time makes a pending expiration obsolete") {
  alarm_state a;
  CHECK(a.set(10, true, 20));
  CHECK_FALSE(a.set(1000, true, 20));  // future time: the old expiration is gone
  CHECK_FALSE(a.notification_pending());
  CHECK(a.enabled());
}

TEST_CASE("5.23.6.6 a clock step back before the alarm time makes a pending expiration obsolete") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 0));
  CHECK(a.observe(1500));
  CHECK(a.notification_pending());
  CHECK_FALSE(a.observe(999));
  CHECK_FALSE(a.notification_pending());
  CHECK(a.next_expiry_reading() == std::optional<std::uint64_t>{1000});
}

TEST_CASE("5.23.6.6 a step back that stays at or after the alarm time keeps the expiration") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 0));
  CHECK(a.observe(1500));
  CHECK_FALSE(a.observe(1200));
  CHECK(a.notification_pending());
  CHECK(a.expirations() == 1);
}

TEST_CASE("5.23.6.6.1 device reset with a retained enabled past alarm expires") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 0));
  CHECK(a.observe(1000));
  CHECK(a.reset(alarm_retention::retain, 1200));
  CHECK(a.notification_pending());
  CHECK(a.expirations() == 2);
  CHECK(a.alarm_time() == 1000);
  CHECK(a.enabled());
}

TEST_CASE("5.23.6.6.1 device reset with a retained future alarm keeps it armed") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 0));
  CHECK_FALSE(a.reset(alarm_retention::retain, 500));
  CHECK(a.observe(1000));
}

TEST_CASE("5.23.6.6.1 device reset with a retained disabled past alarm does not expire") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, false, 0));
  CHECK_FALSE(a.reset(alarm_retention::retain, 2000));
  CHECK_FALSE(a.notification_pending());
}

TEST_CASE("5.23.6.6.1 device reset without retention: alarm time 0 disabled nothing pending") {
  alarm_state a;
  CHECK(a.set(10, true, 2000));
  CHECK_FALSE(a.reset(alarm_retention::clear, 2000));
  CHECK(a.alarm_time() == 0);
  CHECK_FALSE(a.enabled());
  CHECK_FALSE(a.notification_pending());
}

TEST_CASE("5.23.6.6 pending expirations do not survive a device reset") {
  alarm_state a;
  CHECK_FALSE(a.set(1000, true, 0));
  CHECK(a.observe(1000));
  CHECK_FALSE(a.reset(alarm_retention::retain, 10));  // clock stepped back meanwhile
  CHECK_FALSE(a.notification_pending());
}

TEST_CASE("5.23.6.6.2.2 any alarm_time is accepted including the maximum") {
  alarm_state a;
  CHECK_FALSE(a.set(UINT64_MAX, true, 0));
  CHECK(a.next_expiry_reading() == std::optional<std::uint64_t>{UINT64_MAX});
  CHECK(a.observe(UINT64_MAX));
}
