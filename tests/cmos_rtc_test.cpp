// Tests for include/vrtc/format/cmos_rtc.hpp. Register meanings are the MC146818's (register B:
// 0x80 SET, 0x04 binary, 0x02 24-hour; hour bit 7 = PM in 12-hour mode; register A bits
// 6-4 = 010 normal divider, 11x divider held in reset, first update 500 ms after leaving
// reset); the POSIX second counts were computed independently (Python calendar.timegm).
#include <vrtc/core/chrono.hpp>
#include <vrtc/format/cmos_rtc.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <random>

using namespace std::chrono_literals;
using vrtc::civil_time;
using vrtc::cmos_rtc;
using vrtc::cmos_time_bytes;
namespace reg = vrtc::cmos_reg;

namespace {

constexpr std::int64_t y2000 = 946684800;  // 2000-01-01T00:00:00Z

/// The reference instant `d` after the reference clock's origin.
constexpr vrtc::reference_time at(std::chrono::nanoseconds d) { return vrtc::reference_time{} + d; }

cmos_rtc make_rtc(std::int64_t seconds, std::uint8_t reg_b = 0x02) {
  auto r = cmos_rtc::running(at(0ns), seconds, reg_b);
  REQUIRE(r.has_value());
  return *r;
}

unsigned rd(const cmos_rtc& rtc, std::chrono::nanoseconds now, std::uint8_t index) {
  return rtc.read(at(now), index);
}

}  // namespace

TEST_CASE("BCD digits decode and encode, nibbles above 9 are invalid", "[cmos]") {
  STATIC_REQUIRE(vrtc::from_bcd(0x59).value() == 59);
  STATIC_REQUIRE(vrtc::from_bcd(0x00).value() == 0);
  STATIC_REQUIRE(vrtc::from_bcd(0x99).value() == 99);
  STATIC_REQUIRE(vrtc::from_bcd(0x5a) == vrtc::errc::invalid_date);
  STATIC_REQUIRE(vrtc::from_bcd(0xa0) == vrtc::errc::invalid_date);
  STATIC_REQUIRE(vrtc::to_bcd(59) == 0x59);
  STATIC_REQUIRE(vrtc::to_bcd(7) == 0x07);
}

TEST_CASE("time registers are exactly the seven date and time bytes", "[cmos]") {
  for (unsigned i = 0; i < 256; ++i) {
    const bool expected = i == 0x00 || i == 0x02 || i == 0x04 || i == 0x07 || i == 0x08 || i == 0x09 || i == 0x32;
    REQUIRE(vrtc::is_time_register(static_cast<std::uint8_t>(i)) == expected);
  }
}

TEST_CASE("time bytes decode in BCD and binary, 24- and 12-hour modes", "[cmos]") {
  const civil_time t1999{{1999, 12, 31}, 12, 34, 56};
  STATIC_REQUIRE(vrtc::decode_cmos_time({0x56, 0x34, 0x12, 0x31, 0x12, 0x99, 0x19}, 0x02).value() ==
                 civil_time{{1999, 12, 31}, 12, 34, 56});
  REQUIRE(vrtc::decode_cmos_time({56, 34, 12, 31, 12, 99, 19}, 0x06).value() == t1999);
  // 12-hour BCD: 12 AM is midnight, 12 PM is noon, 0x81 is 1 PM.
  REQUIRE(vrtc::decode_cmos_time({0, 0, 0x12, 1, 1, 0, 0x20}, 0x00).value().hour == 0);
  REQUIRE(vrtc::decode_cmos_time({0, 0, 0x92, 1, 1, 0, 0x20}, 0x00).value().hour == 12);
  REQUIRE(vrtc::decode_cmos_time({0, 0, 0x81, 1, 1, 0, 0x20}, 0x00).value().hour == 13);
  REQUIRE(vrtc::decode_cmos_time({0, 0, 0x11, 1, 1, 0, 0x20}, 0x00).value().hour == 11);
  // 12-hour binary: 0x8b is 11 PM.
  REQUIRE(vrtc::decode_cmos_time({0, 0, 0x8b, 1, 1, 0, 20}, 0x04).value().hour == 23);
}

TEST_CASE("invalid time bytes are rejected", "[cmos]") {
  const auto bad = [](cmos_time_bytes b, std::uint8_t reg_b) {
    return vrtc::decode_cmos_time(b, reg_b) == vrtc::errc::invalid_date;
  };
  REQUIRE(bad({0, 0, 0, 0x31, 0x02, 0x23, 0x20}, 0x02));  // 31 February
  REQUIRE(bad({0, 0, 0, 0x29, 0x02, 0x23, 0x20}, 0x02));  // 29 February 2023
  REQUIRE_FALSE(bad({0, 0, 0, 0x29, 0x02, 0x24, 0x20}, 0x02));
  REQUIRE(bad({0, 0, 0, 0x00, 0x01, 0x23, 0x20}, 0x02));  // day 0
  REQUIRE(bad({0, 0, 0, 0x01, 0x13, 0x23, 0x20}, 0x02));  // month 13
  REQUIRE(bad({0x60, 0, 0, 0x01, 0x01, 0x23, 0x20}, 0x02));
  REQUIRE(bad({0, 0x1a, 0, 0x01, 0x01, 0x23, 0x20}, 0x02));  // BCD nibble above 9
  REQUIRE(bad({0, 0, 0x24, 0x01, 0x01, 0x23, 0x20}, 0x02));
  REQUIRE(bad({0, 0, 0x00, 0x01, 0x01, 0x23, 0x20}, 0x00));  // hour 0 in 12-hour mode
  REQUIRE(bad({0, 0, 0x13, 0x01, 0x01, 0x23, 0x20}, 0x00));
  REQUIRE(bad({0, 0, 0x80, 0x01, 0x01, 0x23, 0x20}, 0x02));  // PM bit in 24-hour mode
  REQUIRE(bad({0, 0, 0, 1, 1, 100, 20}, 0x06));              // binary year above 99
  REQUIRE(bad({0, 0, 0, 1, 1, 0, 100}, 0x06));               // binary century above 99
}

TEST_CASE("encoding is the inverse of decoding in all four formats", "[cmos]") {
  for (const unsigned reg_b_bits : {0x00U, 0x02U, 0x04U, 0x06U}) {
    const auto reg_b = static_cast<std::uint8_t>(reg_b_bits);
    for (std::int64_t s = y2000 - 86400; s < y2000 + 2 * 86400; s += 3607) {
      const civil_time t = vrtc::from_unix_seconds(s);
      REQUIRE(vrtc::decode_cmos_time(vrtc::encode_cmos_time(t, reg_b), reg_b).value() == t);
    }
  }
  STATIC_REQUIRE(vrtc::encode_cmos_time({{2038, 1, 19}, 15, 14, 8}, 0x00) ==
                 cmos_time_bytes{0x08, 0x14, 0x83, 0x19, 0x01, 0x38, 0x20});
}

TEST_CASE("a running RTC ticks once per second and carries into the century", "[cmos]") {
  cmos_rtc rtc = make_rtc(4102444798);  // 2099-12-31T23:59:58
  REQUIRE(rd(rtc, 999ms, reg::seconds) == 0x58);
  REQUIRE(rd(rtc, 1s, reg::seconds) == 0x59);
  REQUIRE(rd(rtc, 2s, reg::seconds) == 0x00);
  REQUIRE(rd(rtc, 2s, reg::minutes) == 0x00);
  REQUIRE(rd(rtc, 2s, reg::hours) == 0x00);
  REQUIRE(rd(rtc, 2s, reg::day_of_month) == 0x01);
  REQUIRE(rd(rtc, 2s, reg::month) == 0x01);
  REQUIRE(rd(rtc, 2s, reg::year) == 0x00);
  REQUIRE(rd(rtc, 2s, reg::century) == 0x21);
  REQUIRE(rtc.time_at(at(2s)).value() == 4102444800);
}

TEST_CASE("dates after 2038 are represented and tick", "[cmos]") {
  cmos_rtc rtc = make_rtc(2147483647);  // 2038-01-19T03:14:07, the last 32-bit second
  REQUIRE(rtc.time_at(at(1s)).value() == 2147483648);
  REQUIRE(rd(rtc, 1s, reg::seconds) == 0x08);
  REQUIRE(rd(rtc, 1s, reg::year) == 0x38);
  REQUIRE(rtc.write(at(1s), reg::year, 0x40).has_value());  // 2040-01-19T03:14:08
  // The update at 1 s came before the write; the next one is due at 2 s.
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{2147483648 + 2208988800 - 2145916800, at(2s)});
}

TEST_CASE("a running time-register write keeps the one-second update phase", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);  // updates at 1 s, 2 s, 3 s, ...
  REQUIRE(rtc.write(at(1500ms), reg::minutes, 0x10).has_value());  // 00:10:01 at 1.5 s
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 601, at(2s)});
  REQUIRE(rtc.time_at(at(1999ms)).value() == y2000 + 601);
  REQUIRE(rtc.time_at(at(2s)).value() == y2000 + 602);
  REQUIRE(rtc.time_at(at(2500ms)).value() == y2000 + 602);
  REQUIRE(rtc.time_at(at(3s)).value() == y2000 + 603);
}

TEST_CASE("minutes written 0.9 s apart while running lose no seconds", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);
  REQUIRE(rtc.write(at(900ms), reg::minutes, 0x01).has_value());   // 00:01:00, update due at 1 s
  REQUIRE(rtc.write(at(1800ms), reg::minutes, 0x02).has_value());  // 00:02:01
  REQUIRE(rtc.write(at(2700ms), reg::minutes, 0x03).has_value());  // 00:03:02
  REQUIRE(rd(rtc, 2700ms, reg::seconds) == 0x02);
  REQUIRE(rtc.time_at(at(2700ms)).value() == y2000 + 182);
  REQUIRE(rtc.time_at(at(3s)).value() == y2000 + 183);
}

TEST_CASE("running writes at random instants never lose or gain a second", "[cmos]") {
  // Property: the registers advance exactly once at every whole second (the phase the RTC
  // started with), and a write changes only the field written. The expected time is kept
  // from those two rules alone.
  std::mt19937_64 rng(20240615);
  for (int round = 0; round < 200; ++round) {
    const std::int64_t initial = y2000 + static_cast<std::int64_t>(rng() % (86400 * 365));
    cmos_rtc rtc = make_rtc(initial);
    std::int64_t expected = initial;
    std::int64_t now_ns = 0;
    for (int i = 0; i < 40; ++i) {
      const std::int64_t next_ns = now_ns + static_cast<std::int64_t>(rng() % 2'500'000'000);
      expected += next_ns / 1'000'000'000 - now_ns / 1'000'000'000;  // whole seconds crossed
      now_ns = next_ns;
      const std::chrono::nanoseconds now{now_ns};
      REQUIRE(rtc.time_at(at(now)).value() == expected);
      const civil_time shown = vrtc::from_unix_seconds(expected);
      const unsigned field = static_cast<unsigned>(rng() % 3);
      const unsigned value = static_cast<unsigned>(rng() % (field == 2 ? 24 : 60));
      const std::uint8_t index = field == 0 ? reg::seconds : field == 1 ? reg::minutes : reg::hours;
      const unsigned old = field == 0 ? shown.second : field == 1 ? shown.minute : shown.hour;
      const std::int64_t unit = field == 0 ? 1 : field == 1 ? 60 : 3600;
      REQUIRE(rtc.write(at(now), index, vrtc::to_bcd(value)).has_value());
      expected += (static_cast<std::int64_t>(value) - static_cast<std::int64_t>(old)) * unit;
      REQUIRE(rtc.time_at(at(now)).value() == expected);
    }
  }
}

TEST_CASE("writing the byte a time register already shows changes nothing", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);
  const auto before = rtc.clock();
  REQUIRE(rtc.write(at(2500ms), reg::seconds, 0x02).has_value());
  REQUIRE(rtc.write(at(2500ms), reg::year, 0x00).has_value());
  REQUIRE(rtc.write(at(2500ms), reg::century, 0x20).has_value());
  REQUIRE(rtc.clock() == before);
  REQUIRE(rtc.write(at(2500ms), reg::seconds, 0x03).has_value());
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 3, at(3s)});
}

TEST_CASE("SET halts the clock and registers hold what the guest writes until SET clears", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);
  REQUIRE(rtc.write(at(3s), reg::b, 0x82).has_value());
  REQUIRE(rtc.halted());
  REQUIRE_FALSE(rtc.clock().has_value());
  REQUIRE(rd(rtc, 60s, reg::seconds) == 0x03);  // frozen
  REQUIRE(rtc.write(at(4s), reg::day_of_month, 0x31).has_value());
  REQUIRE(rtc.write(at(4s), reg::month, 0x02).has_value());  // 31 February while halted: stored
  REQUIRE(rd(rtc, 4s, reg::month) == 0x02);
  REQUIRE(rtc.time_at(at(4s)) == vrtc::errc::invalid_date);
  REQUIRE(rtc.write(at(5s), reg::day_of_month, 0x28).has_value());
  REQUIRE(rtc.time_at(at(5s)).value() == 951696003);  // 2000-02-28T00:00:03, frozen
  REQUIRE(rtc.write(at(6s), reg::b, 0x02).has_value());
  REQUIRE_FALSE(rtc.halted());
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{951696003, at(7s)});
}

TEST_CASE("SET skips updates but keeps the divider's phase", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);                       // updates at whole seconds
  REQUIRE(rtc.write(at(1300ms), reg::b, 0x82).has_value());  // frozen at 00:00:01
  REQUIRE(rtc.time_at(at(2600ms)).value() == y2000 + 1);     // the update at 2 s is skipped
  REQUIRE(rtc.write(at(2600ms), reg::b, 0x02).has_value());
  REQUIRE(rtc.time_at(at(2999ms)).value() == y2000 + 1);
  REQUIRE(rtc.time_at(at(3s)).value() == y2000 + 2);  // next whole second, not 1 s after the clear
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 1, at(3s)});
}

TEST_CASE("a divider held in reset freezes the time and updates 500 ms after release", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);
  REQUIRE(rtc.write(at(1300ms), reg::a, 0x70).has_value());
  REQUIRE(rtc.halted());
  REQUIRE_FALSE(rtc.clock().has_value());
  REQUIRE(rtc.time_at(at(9s)).value() == y2000 + 1);
  REQUIRE(rd(rtc, 9s, reg::seconds) == 0x01);
  REQUIRE(rtc.write(at(5s), reg::a, 0x60).has_value());  // 110 is reset too
  REQUIRE(rtc.halted());
  REQUIRE(rtc.write(at(9200ms), reg::a, 0xa6).has_value());  // UIP is read-only
  REQUIRE(rd(rtc, 9200ms, reg::a) == 0x26);
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 1, at(9700ms)});
  REQUIRE(rtc.time_at(at(9699ms)).value() == y2000 + 1);
  REQUIRE(rtc.time_at(at(9700ms)).value() == y2000 + 2);
  REQUIRE(rtc.time_at(at(10700ms)).value() == y2000 + 3);
  // The new phase holds for later writes and halts.
  REQUIRE(rtc.write(at(10s), reg::minutes, 0x05).has_value());
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 302, at(10700ms)});
  REQUIRE(rtc.write(at(11s), reg::b, 0x82).has_value());
  REQUIRE(rtc.write(at(12s), reg::b, 0x02).has_value());
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 303, at(12700ms)});
  // A rate change keeps the divider normal: still running, same clock.
  REQUIRE(rtc.write(at(12100ms), reg::a, 0x2f).has_value());
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 303, at(12700ms)});
}

TEST_CASE("releasing the divider while SET is held sets the phase for the later SET clear", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);
  REQUIRE(rtc.write(at(1s), reg::b, 0x82).has_value());
  REQUIRE(rtc.write(at(1s), reg::a, 0x70).has_value());
  REQUIRE(rtc.write(at(2100ms), reg::a, 0x26).has_value());  // updates at 2.6 s, 3.6 s, ...
  REQUIRE(rtc.halted());
  REQUIRE(rtc.write(at(4s), reg::b, 0x02).has_value());
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{y2000 + 1, at(4600ms)});
}

TEST_CASE("an invalid date while running breaks the clock until a write repairs it", "[cmos]") {
  cmos_rtc rtc = make_rtc(1675159200);  // 2023-01-31T10:00:00
  REQUIRE(rtc.write(at(1s), reg::month, 0x02).has_value());
  REQUIRE_FALSE(rtc.halted());
  REQUIRE_FALSE(rtc.clock().has_value());
  REQUIRE(rtc.time_at(at(5s)) == vrtc::errc::invalid_date);
  REQUIRE(rd(rtc, 5s, reg::seconds) == 0x01);  // not ticking while broken
  REQUIRE(rtc.write(at(5s), reg::day_of_month, 0x28).has_value());
  REQUIRE(rtc.clock().value() == vrtc::rtc_clock{1677542400 + 10 * 3600 + 1, at(6s)});
}

TEST_CASE("alarm, day-of-week, status and NVRAM writes leave the clock alone", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);
  const auto before = rtc.clock();
  for (const std::uint8_t r : {reg::seconds_alarm, reg::minutes_alarm, reg::hours_alarm, reg::day_of_week,
                               reg::c, reg::d, std::uint8_t{0x0e}, std::uint8_t{0x40}, std::uint8_t{0x7f}}) {
    REQUIRE(rtc.write(at(1s), r, 0x55).has_value());
  }
  REQUIRE(rtc.clock() == before);
  REQUIRE(rd(rtc, 1s, reg::seconds_alarm) == 0x55);
  REQUIRE(rd(rtc, 1s, reg::c) == 0x00);  // read-only: write ignored
  REQUIRE(rd(rtc, 1s, reg::d) == 0x80);
}

TEST_CASE("a format change re-renders the registers without changing the time", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000 + 13 * 3600 + 45);  // 13:00:45
  const auto before = rtc.clock();
  REQUIRE(rtc.write(at(0s), reg::b, 0x04).has_value());  // binary, 12-hour
  REQUIRE(rtc.clock() == before);
  REQUIRE(rd(rtc, 0s, reg::seconds) == 45);
  REQUIRE(rd(rtc, 0s, reg::hours) == 0x81);  // 1 PM
  REQUIRE(rd(rtc, 0s, reg::century) == 20);
}

TEST_CASE("bad indices and out-of-range initial times are errors, not crashes", "[cmos]") {
  cmos_rtc rtc = make_rtc(y2000);
  REQUIRE(rtc.write(at(0s), 0x80, 1) == vrtc::errc::invalid_argument);
  REQUIRE(rtc.write(at(0s), 0xff, 1) == vrtc::errc::invalid_argument);
  REQUIRE(rtc.read(at(0s), 0x80) == 0xff);
  REQUIRE(cmos_rtc::running(at(0s), 253402300800) == vrtc::errc::invalid_date);  // year 10000
  REQUIRE(cmos_rtc::running(at(0s), -62167219201) == vrtc::errc::invalid_date);  // year -1
  REQUIRE(cmos_rtc::running(at(0s), y2000, 0x82) == vrtc::errc::invalid_argument);
  // Seconds bit 7 is read-only.
  REQUIRE(rtc.write(at(0s), reg::seconds, 0x85).has_value());
  REQUIRE(rd(rtc, 0s, reg::seconds) == 0x05);
}

TEST_CASE("at the end of reference time the update instant saturates instead of wrapping", "[cmos]") {
  constexpr auto end = vrtc::reference_time::max();
  auto r = cmos_rtc::running(end - 300ms, y2000);
  REQUIRE(r.has_value());
  // The next update would fall 700 ms past the last instant: it is held at the last instant.
  REQUIRE(r->clock().value() == vrtc::rtc_clock{y2000, end});
  REQUIRE(r->time_at(end - 1ns).value() == y2000);
  REQUIRE(r->time_at(end).value() == y2000 + 1);
}
