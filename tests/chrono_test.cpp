// Tests for include/vrtc/core/chrono.hpp: sys_time and duration adapters, with reference instants
// built from the standard calendar.
#include <vrtc/core/chrono.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>

using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using vrtc::errc;
using vrtc::fixed_time;

namespace {
constexpr std::uint64_t half = std::uint64_t{1} << 63;
constexpr std::uint64_t max64 = UINT64_MAX;
constexpr auto new_year_2017 = std::chrono::sys_days{std::chrono::year{2017} / 1 / 1};
}  // namespace

TEST_CASE("fixed_time to sys_time truncates or rounds to the nanosecond", "[chrono]") {
  STATIC_REQUIRE(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{1'483'228'800, half})).value() == new_year_2017 + 500ms);
  STATIC_REQUIRE(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{0, 0})).value() == vrtc::sys_nanoseconds{});
  // One unit short of a nanosecond truncates to 0 and rounds to 1.
  STATIC_REQUIRE(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{0, 18'446'744'073u})).value().time_since_epoch() == 0ns);
  STATIC_REQUIRE(vrtc::to_sys_time_round(vrtc::utc_instant(fixed_time{0, 18'446'744'073u})).value().time_since_epoch() == 1ns);
  // Rounding carries into the seconds.
  STATIC_REQUIRE(vrtc::to_sys_time_round(vrtc::utc_instant(fixed_time{5, max64})).value().time_since_epoch() == 6s);
  STATIC_REQUIRE(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{5, max64})).value().time_since_epoch() == 5s + 999'999'999ns);
  // The end of sys_time<nanoseconds>: INT64_MAX ns is 9223372036 s + 854775807 ns.
  constexpr std::uint64_t last_sec = 9'223'372'036;
  STATIC_REQUIRE(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{last_sec, vrtc::ns_to_frac(854'775'807)})).value().time_since_epoch() ==
                 nanoseconds(INT64_MAX));
  STATIC_REQUIRE(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{last_sec, vrtc::ns_to_frac(854'775'808)})) == errc::overflow);
  STATIC_REQUIRE(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{max64, 0})) == errc::overflow);
  STATIC_REQUIRE(vrtc::to_sys_time_round(vrtc::utc_instant(fixed_time{max64, max64})) == errc::overflow);
}

TEST_CASE("sys_time to a UTC instant is the earliest instant of that nanosecond", "[chrono]") {
  STATIC_REQUIRE(vrtc::to_utc_instant(vrtc::sys_nanoseconds(new_year_2017 + 500ms)).value().time ==
                 fixed_time{1'483'228'800, half});
  STATIC_REQUIRE(vrtc::to_utc_instant(vrtc::sys_nanoseconds(nanoseconds(1))).value().time == fixed_time{0, 18'446'744'074u});
  STATIC_REQUIRE(vrtc::to_utc_instant(vrtc::sys_nanoseconds(nanoseconds(-1))) == errc::overflow);
  // Round trip for every nanosecond offset in a sample, including the end of the range.
  for (std::int64_t ns : {std::int64_t{0}, std::int64_t{1}, std::int64_t{999'999'999}, std::int64_t{1'000'000'000},
                          std::int64_t{1'483'228'800'123'456'789}, INT64_MAX, INT64_MAX - 1}) {
    const vrtc::sys_nanoseconds t{nanoseconds(ns)};
    const vrtc::utc_instant u = vrtc::to_utc_instant(t).value();
    REQUIRE(vrtc::to_sys_time(u).value() == t);
    REQUIRE(vrtc::to_sys_time_round(u).value() == t);
  }
}

TEST_CASE("strong types convert to and from durations", "[chrono]") {
  STATIC_REQUIRE(vrtc::to_duration(vrtc::whole_seconds(37)).value() == 37s);
  STATIC_REQUIRE(vrtc::to_duration(vrtc::whole_seconds(max64)) == errc::overflow);
  STATIC_REQUIRE(vrtc::to_duration(vrtc::nanosecond_count(1'500)).value() == 1500ns);
  STATIC_REQUIRE(vrtc::to_duration(vrtc::nanosecond_count(std::uint64_t{1} << 63)) == errc::overflow);
  STATIC_REQUIRE(vrtc::to_duration_floor(vrtc::second_fraction(half)) == 500ms);
  STATIC_REQUIRE(vrtc::to_duration_floor(vrtc::second_fraction(max64)) == 999'999'999ns);
  STATIC_REQUIRE(vrtc::to_whole_seconds(42s).value() == vrtc::whole_seconds(42));
  STATIC_REQUIRE(vrtc::to_whole_seconds(-1s) == errc::overflow);
  STATIC_REQUIRE(vrtc::to_nanosecond_count(7ns).value() == vrtc::nanosecond_count(7));
  STATIC_REQUIRE(vrtc::to_nanosecond_count(-7ns) == errc::overflow);
  STATIC_REQUIRE(vrtc::to_second_fraction(500ms).value() == vrtc::second_fraction(half));
  STATIC_REQUIRE(vrtc::to_second_fraction(1s) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::to_second_fraction(-1ns) == errc::invalid_argument);
}

TEST_CASE("reference time moves by chrono durations and saturates at its ends", "[chrono]") {
  using vrtc::reference_time;
  constexpr reference_time t(1'000);
  STATIC_REQUIRE(t + 5ns == reference_time(1'005));
  STATIC_REQUIRE(t + 1us == reference_time(2'000));
  STATIC_REQUIRE(t - 400ns == reference_time(600));
  STATIC_REQUIRE(t + (-400ns) == reference_time(600));
  STATIC_REQUIRE(t - (-400ns) == reference_time(1'400));
  STATIC_REQUIRE(t - 2us == reference_time::min());
  STATIC_REQUIRE(reference_time::max() - 1ns + 1s == reference_time::max());
  STATIC_REQUIRE(t + nanoseconds::min() == reference_time::min());  // INT64_MIN: no signed overflow
  STATIC_REQUIRE(t - nanoseconds::min() == reference_time(1'000 + (std::uint64_t{1} << 63)));
  reference_time u = t;
  u += 1s;
  u -= 1ms;
  CHECK(u == reference_time(1'000 + 999'000'000));
  CHECK(vrtc::to_duration(u - t).value() == 999ms);
}
