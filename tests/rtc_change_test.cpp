// Tests for include/vrtc/roles/rtc_change.hpp: the coalescer driven through the CMOS model with a
// simulated monotonic clock. Expected second counts were computed independently (Python
// calendar.timegm); deltas follow the documented rule delta = N(S) - R(S).
#include <vrtc/core/chrono.hpp>
#include <vrtc/roles/rtc_change.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using vrtc::cmos_rtc;
using vrtc::rtc_change;
using vrtc::rtc_change_coalescer;
namespace reg = vrtc::cmos_reg;

namespace {

/// The reference instant `d` after the reference clock's origin.
constexpr vrtc::reference_time rt(nanoseconds d) { return vrtc::reference_time{} + d; }

/// A policy of two non-negative chrono durations.
constexpr vrtc::rtc_change_policy policy(nanoseconds window, nanoseconds max_wait) {
  return {vrtc::to_nanosecond_count(window).value(), vrtc::to_nanosecond_count(max_wait).value()};
}

constexpr std::int64_t y2000 = 946684800;  // 2000-01-01T00:00:00Z

struct emitted {
  vrtc::reference_time at;
  rtc_change change;
};

// A guest RTC plus coalescer, driven like an event loop: before each write, every deadline
// that has been reached fires; finish() runs on until nothing can be pending.
struct sim {
  explicit sim(std::int64_t initial, vrtc::rtc_change_policy policy = {})
      : rtc(cmos_rtc::running(rt(0ns), initial).value()), coalescer(rtc_change_coalescer::create(policy).value()) {}

  void run_until(nanoseconds t) {
    while (const auto d = coalescer.next_deadline()) {
      if (*d > rt(t)) break;
      fire(*d);
    }
  }
  void write(nanoseconds t, std::uint8_t index, std::uint8_t value) {
    run_until(t);
    auto r = coalescer.on_write(rt(t), rtc, index, value);
    REQUIRE(r.has_value());
    if (*r) events.push_back({rt(t), **r});
  }
  void finish() {
    while (const auto d = coalescer.next_deadline()) fire(*d);
  }
  void fire(vrtc::reference_time t) {
    if (auto e = coalescer.advance(t)) events.push_back({t, *e});
  }

  cmos_rtc rtc;
  rtc_change_coalescer coalescer;
  std::vector<emitted> events;
};

// Linux mc146818_set_time: SET, divider reset, year..seconds, century, clear SET, restore A.
void linux_set(sim& s, nanoseconds t, std::uint8_t cc, std::uint8_t yy, std::uint8_t mo, std::uint8_t dd,
               std::uint8_t hh, std::uint8_t mi, std::uint8_t ss) {
  const std::pair<std::uint8_t, std::uint8_t> writes[] = {
      {reg::b, 0x82}, {reg::a, 0x70},         {reg::year, yy},    {reg::month, mo}, {reg::day_of_month, dd},
      {reg::hours, hh}, {reg::minutes, mi}, {reg::seconds, ss}, {reg::century, cc}, {reg::b, 0x02},
      {reg::a, 0x26}};
  for (const auto& [r, v] : writes) {
    s.write(t, r, v);
    t += 1ms;
  }
}

}  // namespace

TEST_CASE("a Linux-style halted update gives one event after the quiet window", "[rtc_change]") {
  sim s(y2000);
  linux_set(s, 5000ms, 0x20, 0x24, 0x06, 0x15, 0x12, 0x30, 0x00);  // 2024-06-15T12:30:00
  s.finish();
  REQUIRE(s.events.size() == 1);
  const auto& [at, e] = s.events[0];
  CHECK(at == rt(6010ms));  // released by the register A restore at 5010 ms
  CHECK(e.last_time == y2000 + 5);
  CHECK(e.new_time == 1718454600);
  CHECK(e.delta_time == 1718454600 - (y2000 + 5));
  CHECK(e.first_change == rt(5000ms));
  CHECK(e.last_change == rt(5010ms));
  CHECK(e.changes == 2);  // halt and release; writes while halted are not changes
  REQUIRE_FALSE(s.coalescer.pending());
}

TEST_CASE("a Windows-style running update through an invalid date gives one event", "[rtc_change]") {
  // 2000-01-31 -> 2030-02-28T08:00:00 without SET; writing the month first passes through
  // "31 February", which stops the clock until the day is written.
  sim s(949276800);
  nanoseconds t = 2000ms;
  for (const auto& [r, v] : {std::pair<std::uint8_t, std::uint8_t>{reg::seconds, 0x00}, {reg::minutes, 0x00},
                             {reg::hours, 0x08}, {reg::day_of_week, 0x05}, {reg::month, 0x02},
                             {reg::day_of_month, 0x28}, {reg::year, 0x30}, {reg::century, 0x20}}) {
    s.write(t, r, v);
    t += 1ms;
  }
  s.finish();
  REQUIRE(s.events.size() == 1);
  const auto& [at, e] = s.events[0];
  CHECK(e.last_time == 949276800 + 2);
  CHECK(e.new_time == 1898496000);
  CHECK(e.delta_time == 1898496000 - (949276800 + 2));
  CHECK(e.last_change == rt(2006ms));  // the century write repeats the byte shown: no change
  CHECK(at == rt(3006ms));
}

TEST_CASE("a century written after SET is cleared (OpenBSD) joins the same event", "[rtc_change]") {
  sim s(y2000);
  s.write(1000ms, reg::b, 0x82);
  s.write(1001ms, reg::year, 0x50);
  s.write(1002ms, reg::b, 0x02);     // 2000 -> 2050 applied, clock restarts
  s.write(1003ms, reg::century, 0x21);  // then 2150, outside the halt
  s.finish();
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].at == rt(2003ms));
  CHECK(s.events[0].change.last_time == y2000 + 1);
  CHECK(s.events[0].change.new_time == 5680281601);  // 2150-01-01T00:00:01
  CHECK(s.events[0].change.delta_time == 5680281601 - (y2000 + 1));
}

TEST_CASE("a guest in binary 12-hour mode is decoded in its own format", "[rtc_change]") {
  // Register B = 0x04: binary, 12-hour. Setting 11 PM is hour byte 0x80 | 11.
  cmos_rtc rtc = cmos_rtc::running(rt(0ns), y2000, 0x04).value();
  rtc_change_coalescer c;
  REQUIRE(unsigned{rtc.read(rt(0ns), reg::hours)} == 12);  // 12 AM in binary
  REQUIRE(!c.on_write(rt(500ms), rtc, reg::hours, 0x8b).value());
  const auto e = c.advance(rt(1500ms));
  REQUIRE(e.has_value());
  CHECK(e->delta_time == 23 * 3600);
}

TEST_CASE("alarm, day-of-week, status and unchanged writes emit nothing and open no window", "[rtc_change]") {
  sim s(y2000);
  s.write(1s, reg::seconds_alarm, 0xc0);
  s.write(1s, reg::minutes_alarm, 0x30);
  s.write(1s, reg::hours_alarm, 0x07);
  s.write(1s, reg::day_of_week, 0x03);
  s.write(1s, reg::a, 0x27);
  s.write(1s, reg::c, 0xff);
  s.write(1s, std::uint8_t{0x40}, 0x12);
  s.write(2s, reg::seconds, 0x02);  // the value shown at 2 s
  s.write(2s, reg::b, 0x06);        // format change only
  REQUIRE_FALSE(s.coalescer.pending());
  REQUIRE_FALSE(s.coalescer.next_deadline().has_value());
  s.finish();
  REQUIRE(s.events.empty());
}

TEST_CASE("rewriting the current time emits nothing", "[rtc_change]") {
  sim s(y2000);
  // A halted rewrite of exactly what the clock shows (00:00:03) with SET released at once.
  linux_set(s, 3000ms, 0x20, 0x00, 0x01, 0x01, 0x00, 0x00, 0x03);
  s.finish();
  REQUIRE(s.events.empty());
  REQUIRE_FALSE(s.coalescer.pending());
}

TEST_CASE("a guest that writes back the current time after a long halt reports no change", "[rtc_change]") {
  // ACRN compares with the time at the start of the halt and would report +9 s here.
  sim s(y2000);
  s.write(1s, reg::b, 0x82);
  s.write(10s, reg::seconds, 0x10);  // the real time at 10 s is 00:00:10
  s.write(10s, reg::b, 0x02);
  s.finish();
  REQUIRE(s.events.empty());
}

TEST_CASE("a halt without writes moves the clock back by the halt", "[rtc_change]") {
  sim s(y2000);
  s.write(1s, reg::b, 0x82);
  s.run_until(60s);  // held: the deadline never comes while SET is set
  REQUIRE(s.events.empty());
  REQUIRE(s.coalescer.pending());
  REQUIRE_FALSE(s.coalescer.next_deadline().has_value());
  s.write(4s + 60s, reg::b, 0x02);
  s.finish();
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].change.last_time == y2000 + 1);
  CHECK(s.events[0].change.new_time == y2000 + 1);
  CHECK(s.events[0].change.delta_time == -63);
  CHECK(s.events[0].at == rt(65s));
}

TEST_CASE("a guest that never clears SET produces nothing and arms no timer", "[rtc_change]") {
  sim s(y2000);
  s.write(1s, reg::b, 0x82);
  s.write(2s, reg::year, 0x30);
  s.finish();
  REQUIRE(s.events.empty());
  REQUIRE_FALSE(s.coalescer.next_deadline().has_value());
  REQUIRE_FALSE(s.coalescer.advance(vrtc::reference_time::max()).has_value());
}

TEST_CASE("a burst left on an invalid date waits for the repair", "[rtc_change]") {
  sim s(1675159200);                      // 2023-01-31T10:00:00
  s.write(1s, reg::month, 0x02);          // 31 February: broken
  s.run_until(100s);
  REQUIRE(s.events.empty());
  REQUIRE_FALSE(s.coalescer.next_deadline().has_value());
  s.write(100s, reg::day_of_month, 0x28);  // 2023-02-28T10:00:01 from 100 s on
  s.finish();
  REQUIRE(s.events.size() == 1);
  const auto& e = s.events[0].change;
  CHECK(e.last_time == 1675159200 + 1);
  CHECK(e.new_time == 1677542400 + 36000 + 1);
  // The clock that ran before the burst reads 10:00:100 at 100 s.
  CHECK(e.delta_time == (1677542400 + 36000 + 1) - (1675159200 + 100));
  CHECK(s.events[0].at == rt(101s));
}

TEST_CASE("writes closer together than the window coalesce and a gap of one window separates", "[rtc_change]") {
  sim s(y2000);
  s.write(1000ms, reg::minutes, 0x10);
  s.write(1900ms, reg::minutes, 0x20);
  s.write(2800ms, reg::hours, 0x05);
  s.write(3700ms, reg::minutes, 0x30);
  s.write(4700ms, reg::hours, 0x06);  // exactly one window later: a new burst
  s.finish();
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].at == rt(4700ms));
  CHECK(s.events[0].change.changes == 4);
  // The updates at 1 s, 2 s and 3 s all happen, writes or not: 05:30:03 at 3.7 s, while the
  // old clock reads 00:00:03. The guest moved hours and minutes only.
  CHECK(s.events[0].change.new_time == y2000 + 5 * 3600 + 30 * 60 + 3);
  CHECK(s.events[0].change.delta_time == 5 * 3600 + 30 * 60);
  CHECK(s.events[1].at == rt(5700ms));
  CHECK(s.events[1].change.last_time == y2000 + 5 * 3600 + 30 * 60 + 4);
  CHECK(s.events[1].change.delta_time == 3600);
}

TEST_CASE("minutes written at 0.9, 1.8 and 2.7 s give one event moving the clock 180 s", "[rtc_change]") {
  sim s(y2000);
  s.write(900ms, reg::minutes, 0x01);
  s.write(1800ms, reg::minutes, 0x02);
  s.write(2700ms, reg::minutes, 0x03);
  s.finish();
  REQUIRE(s.events.size() == 1);
  const auto& [at, e] = s.events[0];
  CHECK(at == rt(3700ms));
  CHECK(e.last_time == y2000);
  CHECK(e.new_time == y2000 + 3 * 60 + 2);  // 00:03:02: the updates at 1 s and 2 s happened
  CHECK(e.delta_time == 180);
  CHECK(e.changes == 3);
}

TEST_CASE("events from running writes at random instants add up to exactly what the guest moved",
          "[rtc_change]") {
  // Property: a guest that only writes time fields while the RTC runs moves the clock by
  // the sum of (new field - shown field) x unit over its writes; the events' deltas must
  // add up to that, with no second lost or gained, however the writes fall between the
  // RTC's updates (at every whole second) and the bursts' boundaries.
  std::mt19937_64 rng(7);
  for (int round = 0; round < 100; ++round) {
    const auto initial = y2000 + static_cast<std::int64_t>(rng() % (86400 * 365));
    const milliseconds window{1 + rng() % 1500};
    const milliseconds max_wait{1500 + rng() % 5000};
    sim s(initial, policy(window, max_wait));
    std::int64_t moved = 0;
    nanoseconds now{0};
    for (int i = 0; i < 60; ++i) {
      now += nanoseconds{static_cast<std::int64_t>(rng() % 1'700'000'000)};
      s.run_until(now);
      const vrtc::civil_time shown = vrtc::from_unix_seconds(s.rtc.time_at(rt(now)).value());
      const unsigned field = static_cast<unsigned>(rng() % 3);
      const unsigned value = static_cast<unsigned>(rng() % (field == 2 ? 24 : 60));
      const std::uint8_t index = field == 0 ? reg::seconds : field == 1 ? reg::minutes : reg::hours;
      const unsigned old = field == 0 ? shown.second : field == 1 ? shown.minute : shown.hour;
      const std::int64_t unit = field == 0 ? 1 : field == 1 ? 60 : 3600;
      moved += (static_cast<std::int64_t>(value) - static_cast<std::int64_t>(old)) * unit;
      s.write(now, index, vrtc::to_bcd(value));
    }
    s.finish();
    std::int64_t reported = 0;
    for (const auto& [at, e] : s.events) {
      CHECK(e.delta_time != 0);
      reported += e.delta_time;
    }
    REQUIRE(reported == moved);
  }
}

// Minutes k at k x 500 ms for k = 1..59: the guest clock reads 00:k:floor(k/2) after the
// k-th write, since the RTC still updates at every whole second.
void continuous_writer(sim& s) {
  for (unsigned k = 1; k <= 59; ++k) s.write(milliseconds{500 * k}, reg::minutes, vrtc::to_bcd(k));
}

TEST_CASE("a continuous writer is reported every max_wait", "[rtc_change]") {
  sim s(y2000);
  continuous_writer(s);
  s.finish();
  REQUIRE(s.events.size() == 3);
  CHECK(s.events[0].at == rt(10500ms));  // first change 500 ms + max_wait
  CHECK(s.events[0].change.last_time == y2000);
  CHECK(s.events[0].change.new_time == y2000 + 20 * 60 + 10);  // k = 20 at 10 s
  CHECK(s.events[0].change.delta_time == 20 * 60);
  CHECK(s.events[0].change.changes == 20);
  CHECK(s.events[1].at == rt(20500ms));
  CHECK(s.events[1].change.last_time == y2000 + 20 * 60 + 10);  // shown at 10.5 s
  CHECK(s.events[1].change.new_time == y2000 + 40 * 60 + 20);   // k = 40 at 20 s
  CHECK(s.events[1].change.delta_time == 20 * 60);
  CHECK(s.events[2].at == rt(30500ms));  // cap 30.5 s; the window end is also 30.5 s
  CHECK(s.events[2].change.last_time == y2000 + 40 * 60 + 20);
  CHECK(s.events[2].change.new_time == y2000 + 59 * 60 + 29);  // k = 59 at 29.5 s
  CHECK(s.events[2].change.delta_time == 19 * 60);
  CHECK(s.events[2].change.last_change == rt(29500ms));
}

TEST_CASE("a writer alternating two values reports only the net move per burst", "[rtc_change]") {
  sim s(y2000);
  for (int k = 1; k <= 60; ++k) s.write(milliseconds{500 * k}, reg::minutes, k % 2 == 1 ? 0x10 : 0x20);
  s.finish();
  // Each max_wait burst but the first ends on minute 20, where it began: no move, no event.
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].at == rt(10500ms));
  CHECK(s.events[0].change.new_time == y2000 + 20 * 60 + 10);
  CHECK(s.events[0].change.delta_time == 20 * 60);
  REQUIRE_FALSE(s.coalescer.pending());
}

TEST_CASE("without a practical max_wait a continuous writer starves, as in ACRN", "[rtc_change]") {
  sim s(y2000, policy(1s, std::chrono::hours{1}));
  continuous_writer(s);
  REQUIRE(s.events.empty());
  s.finish();
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].at == rt(30500ms));
  CHECK(s.events[0].change.new_time == y2000 + 59 * 60 + 29);
  CHECK(s.events[0].change.delta_time == 59 * 60);
}

TEST_CASE("the window end is inclusive and a deadline-time write closes the old burst first", "[rtc_change]") {
  cmos_rtc rtc = cmos_rtc::running(rt(0ns), y2000).value();
  rtc_change_coalescer c;
  REQUIRE(!c.on_write(rt(1s), rtc, reg::hours, 0x01).value());
  REQUIRE(c.next_deadline() == rt(2s));
  REQUIRE_FALSE(c.advance(rt(2s - 1ns)).has_value());
  SECTION("a timer firing exactly at expiry emits") {
    const auto e = c.advance(rt(2s));
    REQUIRE(e.has_value());
    CHECK(e->delta_time == 3600);
    CHECK_FALSE(c.advance(rt(2s)).has_value());  // a stale or repeated timer does nothing
    CHECK_FALSE(c.next_deadline().has_value());
  }
  SECTION("a write exactly at expiry returns the closed burst and opens a new one") {
    const auto e = c.on_write(rt(2s), rtc, reg::hours, 0x02).value();
    REQUIRE(e.has_value());
    CHECK(e->delta_time == 3600);
    CHECK(e->last_change == rt(1s));
    REQUIRE(c.next_deadline() == rt(3s));
    const auto e2 = c.advance(rt(3s));
    REQUIRE(e2.has_value());
    CHECK(e2->first_change == rt(2s));
    CHECK(e2->delta_time == 3600);
  }
  SECTION("a write just before expiry extends the window") {
    REQUIRE(!c.on_write(rt(2s - 1ns), rtc, reg::hours, 0x02).value());
    CHECK(c.next_deadline() == rt(3s - 1ns));
  }
}

TEST_CASE("year and century rollover: ticking is not a change, setting across it is", "[rtc_change]") {
  sim s(4102444798);  // 2099-12-31T23:59:58
  s.run_until(10s);
  REQUIRE(s.events.empty());
  REQUIRE(s.rtc.read(rt(10s), reg::century) == 0x21);
  // Set back to 1999-12-31T23:59:59 (BCD century 19, year 99).
  linux_set(s, 10s, 0x19, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59);
  s.finish();
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].change.last_time == 4102444808);
  CHECK(s.events[0].change.new_time == 946684799);
  CHECK(s.events[0].change.delta_time == 946684799 - 4102444808);
}

TEST_CASE("dates after 2038 survive the whole path", "[rtc_change]") {
  sim s(2147483640);  // 2038-01-19T03:14:00
  linux_set(s, 20s, 0x20, 0x40, 0x01, 0x01, 0x00, 0x00, 0x00);  // 2040-01-01T00:00:00
  s.finish();
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].change.last_time == 2147483660);
  CHECK(s.events[0].change.new_time == 2208988800);
  CHECK(s.events[0].change.delta_time == 2208988800 - 2147483660);
}

TEST_CASE("a burst re-halted past max_wait closes when released", "[rtc_change]") {
  sim s(y2000);
  s.write(1s, reg::hours, 0x01);  // closable at 1 s: cap at 11 s
  s.write(1500ms, reg::b, 0x82);  // held
  s.write(30s, reg::b, 0x02);     // released after the cap: due at once
  REQUIRE(s.coalescer.next_deadline() == rt(30s));
  s.finish();
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].at == rt(30s));
  CHECK(s.events[0].change.new_time == y2000 + 3600 + 1);  // frozen at 01:00:01
  CHECK(s.events[0].change.delta_time == 3600 + 1 - 30);
}

TEST_CASE("the generic observer takes clock snapshots from any RTC model", "[rtc_change]") {
  rtc_change_coalescer c;
  const vrtc::rtc_clock r{1000, rt(1s)};  // reads 1000 until its update at 1 s
  // No baseline yet: the first valid clock is not a change.
  REQUIRE_FALSE(c.observe(rt(0s), std::nullopt, r).has_value());
  REQUIRE_FALSE(c.pending());
  REQUIRE_FALSE(c.observe(rt(500ms), r, vrtc::rtc_clock{5000, rt(1s)}).has_value());
  const auto e = c.advance(rt(1500ms));
  REQUIRE(e.has_value());
  CHECK(e->last_time == 1000);
  CHECK(e->new_time == 5000);
  CHECK(e->delta_time == 4000);
}

TEST_CASE("policies are validated", "[rtc_change]") {
  REQUIRE(rtc_change_coalescer::create(policy(0s, 10s)) == vrtc::errc::invalid_argument);
  REQUIRE(rtc_change_coalescer::create(policy(2s, 1s)) == vrtc::errc::invalid_argument);
  REQUIRE(rtc_change_coalescer::create(policy(1s, 1s)).has_value());
  // The defaults are ACRN's: a 1 s window, 10 s at most.
  REQUIRE(vrtc::rtc_change_policy{}.window == vrtc::to_nanosecond_count(1s).value());
  REQUIRE(vrtc::rtc_change_policy{}.max_wait == vrtc::to_nanosecond_count(10s).value());
  // Deadlines saturate instead of overflowing.
  auto c = rtc_change_coalescer::create(policy(nanoseconds::max(), nanoseconds::max())).value();
  REQUIRE_FALSE(c.observe(rt(1s), vrtc::rtc_clock{0, rt(0s)}, vrtc::rtc_clock{7, rt(1s)}).has_value());
  REQUIRE(c.next_deadline() == rt(1s) + nanoseconds::max());  // fits the unsigned reference time
  REQUIRE(c.advance(rt(1s) + nanoseconds::max()).has_value());
  const auto late = vrtc::reference_time::max() - 1s;
  REQUIRE_FALSE(c.observe(late, vrtc::rtc_clock{0, rt(0s)}, vrtc::rtc_clock{7, late}).has_value());
  REQUIRE(c.next_deadline() == vrtc::reference_time::max());
  REQUIRE(c.advance(vrtc::reference_time::max()).has_value());
}
