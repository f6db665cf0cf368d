// Tests for include/vrtc/core/leap.hpp and include/vrtc/core/smear.hpp, with values computed by hand from
// the definitions. The leap seconds used: 2016-12-31T23:59:60 (positive; 2017-01-01 is POSIX
// 1483228800) and a hypothetical negative one ending 2030-06-30 (2030-07-01 is 1909094400).
#include <vrtc/core/leap.hpp>
#include <vrtc/core/smear.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "test_support.hpp"

using vrtc::errc;
using vrtc::fixed_time;
using vrtc::leap_indicator;
using vrtc::leap_second;
using vrtc::leap_sign;
using vrtc::smear_method;
using vrtc::utc_time;

namespace {

constexpr std::uint64_t new_year_2017 = 1'483'228'800;
constexpr std::uint64_t july_2030 = 1'909'094'400;
constexpr std::uint64_t half = std::uint64_t{1} << 63;
constexpr std::uint64_t max64 = UINT64_MAX;
constexpr leap_second positive_2016{new_year_2017, leap_sign::positive};
constexpr leap_second negative_2030{july_2030, leap_sign::negative};

constexpr utc_time at(std::uint64_t sec, std::uint64_t frac = 0, bool leap = false) { return {{sec, frac}, leap}; }

// floor(n * 2^64 / d) for n < d: a fraction of a second in 2^-64 units, by long division
// with 64-bit words only (independent of u128).
constexpr std::uint64_t fraction(std::uint64_t n, std::uint64_t d) {
  std::uint64_t q = 0;
  for (int bit = 63; bit >= 0; --bit) {
    n *= 2;  // n < d < 2^32 here
    if (n >= d) {
      n -= d;
      q |= std::uint64_t{1} << bit;
    }
  }
  return q;
}

using vrtc_test::splitmix64;

}  // namespace

TEST_CASE("leap indicator values and helpers", "[leap]") {
  STATIC_REQUIRE(static_cast<unsigned>(leap_indicator::none) == 0);
  STATIC_REQUIRE(static_cast<unsigned>(leap_indicator::pre_pos) == 1);
  STATIC_REQUIRE(static_cast<unsigned>(leap_indicator::pre_neg) == 2);
  STATIC_REQUIRE(static_cast<unsigned>(leap_indicator::pos) == 3);
  STATIC_REQUIRE(static_cast<unsigned>(leap_indicator::post_pos) == 4);
  STATIC_REQUIRE(static_cast<unsigned>(leap_indicator::post_neg) == 5);
  STATIC_REQUIRE(vrtc::to_leap_indicator(5).value() == leap_indicator::post_neg);
  STATIC_REQUIRE(vrtc::to_leap_indicator(6) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::to_leap_indicator(255) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::leap_second_due_this_month(leap_indicator::pre_pos));
  STATIC_REQUIRE(vrtc::leap_second_due_this_month(leap_indicator::pre_neg));
  STATIC_REQUIRE_FALSE(vrtc::leap_second_due_this_month(leap_indicator::pos));
  STATIC_REQUIRE_FALSE(vrtc::leap_second_due_this_month(leap_indicator::none));
  STATIC_REQUIRE(vrtc::in_leap_second(leap_indicator::pos));
  STATIC_REQUIRE_FALSE(vrtc::in_leap_second(leap_indicator::pre_pos));
  STATIC_REQUIRE(vrtc::leap_second_just_passed(leap_indicator::post_neg));
  STATIC_REQUIRE_FALSE(vrtc::leap_second_just_passed(leap_indicator::pos));
}

TEST_CASE("month boundaries come from the civil calendar", "[leap]") {
  STATIC_REQUIRE(vrtc::end_of_month(new_year_2017 - 1).value() == new_year_2017);
  STATIC_REQUIRE(vrtc::end_of_month(new_year_2017).value() == new_year_2017 + 31 * 86400);
  STATIC_REQUIRE(vrtc::start_of_month(new_year_2017 + 12345).value() == new_year_2017);
  STATIC_REQUIRE(vrtc::start_of_month(new_year_2017 - 1).value() == new_year_2017 - 31 * 86400);
  // February of a leap year: 2024-02-01 is 1706745600, 2024-03-01 is 1709251200.
  STATIC_REQUIRE(vrtc::end_of_month(1'706'745'600 + 86400 * 10).value() == 1'709'251'200);
  STATIC_REQUIRE(vrtc::end_of_month(0).value() == 31 * 86400);
  STATIC_REQUIRE(vrtc::end_of_month(max64) == errc::overflow);
}

TEST_CASE("an indicator names its leap second", "[leap]") {
  constexpr std::uint64_t mid_december_2016 = new_year_2017 - 15 * 86400;
  STATIC_REQUIRE(vrtc::announced_leap_second(mid_december_2016, leap_indicator::pre_pos).value() == positive_2016);
  STATIC_REQUIRE(vrtc::announced_leap_second(mid_december_2016, leap_indicator::pre_neg).value() ==
                 leap_second{new_year_2017, leap_sign::negative});
  // Inside 23:59:60 a stepping clock repeats 23:59:59 of the leap-second day.
  STATIC_REQUIRE(vrtc::announced_leap_second(new_year_2017 - 1, leap_indicator::pos).value() == positive_2016);
  STATIC_REQUIRE(vrtc::announced_leap_second(new_year_2017 + 3600, leap_indicator::post_pos).value() == positive_2016);
  STATIC_REQUIRE(vrtc::announced_leap_second(july_2030 + 86400 * 20, leap_indicator::post_neg).value() == negative_2030);
  STATIC_REQUIRE(vrtc::announced_leap_second(mid_december_2016, leap_indicator::none) == errc::invalid_argument);
  // January 1970 has no previous month boundary after the epoch.
  STATIC_REQUIRE(vrtc::announced_leap_second(100, leap_indicator::post_pos) == errc::overflow);
}

TEST_CASE("23:59:60 is a calendar time of its own", "[leap]") {
  STATIC_REQUIRE(vrtc::to_civil(at(new_year_2017 - 1, 0, true)).value() ==
                 vrtc::civil_time{{2016, 12, 31}, 23, 59, 60});
  STATIC_REQUIRE(vrtc::to_civil(at(new_year_2017 - 1)).value() == vrtc::civil_time{{2016, 12, 31}, 23, 59, 59});
  STATIC_REQUIRE(vrtc::to_civil(vrtc::make_utc_time({new_year_2017 - 1, half}, leap_indicator::pos)).value().second == 60);
  STATIC_REQUIRE(vrtc::to_civil(at(new_year_2017 - 2, 0, true)) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::to_civil(at(new_year_2017 - 86400 - 1, 0, true)) == errc::invalid_argument);  // not a month end
  CHECK(vrtc::to_civil(at(max64)) == vrtc::result<vrtc::civil_time>(vrtc::civil_time{{584'554'051'223, 11, 9}, 7, 0, 15}));
}

// Page seconds are untrusted and may be anything: the month arithmetic must give the exact
// answer or errc::overflow for every uint64, with no signed intermediate that can overflow.
// The calendar values below were computed separately, counting 400-year cycles of 146097
// days and then whole years and months from 1970.
namespace {
constexpr std::uint64_t int64_max = static_cast<std::uint64_t>(INT64_MAX);
// December 292277026596 contains 2^63 - 1: it starts below 2^63 and ends above it.
constexpr std::uint64_t last_month_below_2_63_start = 9'223'372'036'854'460'800u;
constexpr std::uint64_t last_month_below_2_63_end = 9'223'372'036'857'139'200u;
// November 584554051223 contains 2^64 - 1 and ends at or after 2^64.
constexpr std::uint64_t last_month_below_2_64_start = 18'446'744'073'708'835'200u;
}  // namespace

TEST_CASE("month arithmetic is defined for every second count", "[leap]") {
  for (const std::uint64_t s : {last_month_below_2_63_start, int64_max - 1, int64_max, int64_max + 1,
                                last_month_below_2_63_end - 1}) {
    CAPTURE(s);
    CHECK(vrtc::start_of_month(s) == vrtc::result<std::uint64_t>(last_month_below_2_63_start));
    CHECK(vrtc::end_of_month(s) == vrtc::result<std::uint64_t>(last_month_below_2_63_end));
  }
  CHECK(vrtc::start_of_month(last_month_below_2_63_end) == vrtc::result<std::uint64_t>(last_month_below_2_63_end));
  for (const std::uint64_t s : {last_month_below_2_64_start, max64 - 86400, max64}) {
    CAPTURE(s);
    CHECK(vrtc::start_of_month(s) == vrtc::result<std::uint64_t>(last_month_below_2_64_start));
    CHECK(vrtc::end_of_month(s) == errc::overflow);
  }
  CHECK(vrtc::end_of_month(last_month_below_2_64_start - 1) == vrtc::result<std::uint64_t>(last_month_below_2_64_start));
}

TEST_CASE("leap seconds are placed or refused for every second count", "[leap]") {
  CHECK(vrtc::announced_leap_second(int64_max, leap_indicator::pre_pos) ==
        vrtc::result<leap_second>(leap_second{last_month_below_2_63_end, leap_sign::positive}));
  CHECK(vrtc::announced_leap_second(int64_max, leap_indicator::pre_neg) ==
        vrtc::result<leap_second>(leap_second{last_month_below_2_63_end, leap_sign::negative}));
  CHECK(vrtc::announced_leap_second(last_month_below_2_63_end - 1, leap_indicator::pos) ==
        vrtc::result<leap_second>(leap_second{last_month_below_2_63_end, leap_sign::positive}));
  CHECK(vrtc::announced_leap_second(int64_max, leap_indicator::post_pos) ==
        vrtc::result<leap_second>(leap_second{last_month_below_2_63_start, leap_sign::positive}));
  CHECK(vrtc::announced_leap_second(max64, leap_indicator::pre_pos) == errc::overflow);
  CHECK(vrtc::announced_leap_second(max64, leap_indicator::post_neg) ==
        vrtc::result<leap_second>(leap_second{last_month_below_2_64_start, leap_sign::negative}));
  CHECK(vrtc::announced_leap_second(max64, static_cast<leap_indicator>(6)) == errc::invalid_argument);
}

TEST_CASE("calendar times exist for every second count", "[leap]") {
  CHECK(vrtc::to_civil(at(int64_max)) ==
        vrtc::result<vrtc::civil_time>(vrtc::civil_time{{292'277'026'596, 12, 4}, 15, 30, 7}));
  CHECK(vrtc::to_civil(at(last_month_below_2_63_end - 1, 0, true)) ==
        vrtc::result<vrtc::civil_time>(vrtc::civil_time{{292'277'026'596, 12, 31}, 23, 59, 60}));
  CHECK(vrtc::to_civil(at(int64_max, 0, true)) == errc::invalid_argument);
  CHECK(vrtc::to_civil(at(last_month_below_2_64_start - 1, 0, true)).value().second == 60);
  CHECK(vrtc::to_civil(at(max64, max64, true)) == errc::invalid_argument);
  CHECK(vrtc::from_unix_seconds(INT64_MIN) == vrtc::civil_time{{-292'277'022'657, 1, 27}, 8, 29, 52});
  CHECK(vrtc::from_unix_seconds(INT64_MAX) == vrtc::civil_time{{292'277'026'596, 12, 4}, 15, 30, 7});
  CHECK(vrtc::civil_from_days(INT64_MAX) == vrtc::civil_date{25'252'734'927'768'524, 7, 27});
  CHECK(vrtc::civil_from_days(INT64_MIN) == vrtc::civil_date{-25'252'734'927'764'585, 6, 7});
}

TEST_CASE("smear windows", "[smear]") {
  STATIC_REQUIRE(vrtc::window_of(positive_2016, smear_method::noon_linear).value() ==
                 vrtc::smear_window{new_year_2017 - 43200, 86400});
  STATIC_REQUIRE(vrtc::window_of(positive_2016, smear_method::utc_sls).value() ==
                 vrtc::smear_window{new_year_2017 - 1000, 1000});
  STATIC_REQUIRE(vrtc::window_of(positive_2016, static_cast<smear_method>(0)) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::window_of({new_year_2017 + 1, leap_sign::positive}, smear_method::utc_sls) ==
                 errc::invalid_argument);
  STATIC_REQUIRE(vrtc::window_of({0, leap_sign::positive}, smear_method::utc_sls) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::window_of({86400, static_cast<leap_sign>(0)}, smear_method::utc_sls) == errc::invalid_argument);
}

TEST_CASE("NOON_LINEAR, positive leap second: hand-computed readings", "[smear]") {
  constexpr auto m = smear_method::noon_linear;
  constexpr std::uint64_t noon_before = new_year_2017 - 43200;
  // 86400 smeared seconds span the 86401 SI seconds from noon to noon: the smeared clock runs
  // at 86400/86401 of SI rate (each smeared second is 1/86400 longer).
  STATIC_REQUIRE(vrtc::smear(at(noon_before), positive_2016, m).value() == fixed_time{noon_before, 0});
  STATIC_REQUIRE(vrtc::smear(at(noon_before - 1, max64), positive_2016, m).value() == fixed_time{noon_before - 1, max64});
  // At 23:59:60.000 (43200 SI s into the smear) it reads noon + 43200 * 86400/86401 s, i.e.
  // 23:59:59 + 43201/86401 s: 43200/86401 s (0.4999942 s) behind the midnight that a clock
  // without the leap second would show.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 - 1, 0, true), positive_2016, m).value() ==
                 fixed_time{new_year_2017 - 1, fraction(43201, 86401)});
  // At 23:59:60.5, the middle of the smear, it reads exactly midnight: 0.5 s behind.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 - 1, half, true), positive_2016, m).value() ==
                 fixed_time{new_year_2017, 0});
  // At 00:00:00 (43201 SI s in) it reads 00:00:00 + 43200/86401 s, ahead of UTC by that much.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017), positive_2016, m).value() ==
                 fixed_time{new_year_2017, fraction(43200, 86401)});
  // The first 23:59:59.000 (43199 SI s in): 23:59:59 - 43199/86401 s = 23:59:58 + 43202/86401 s.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 - 1), positive_2016, m).value() ==
                 fixed_time{new_year_2017 - 2, fraction(43202, 86401)});
  // Noon after: the clocks agree again.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 + 43200), positive_2016, m).value() == fixed_time{new_year_2017 + 43200, 0});
  // One unit before noon: 86401 s - 1 unit of true time gives floor(86400 s - 86400/86401 units),
  // one unit before noon again.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 + 43199, max64), positive_2016, m).value() ==
                 fixed_time{new_year_2017 + 43199, max64});
  // The unsmeared readings come back.
  STATIC_REQUIRE(vrtc::unsmear({new_year_2017, 0}, positive_2016, m).value() == at(new_year_2017 - 1, half, true));
  STATIC_REQUIRE(vrtc::unsmear({new_year_2017 - 1, fraction(43201, 86401)}, positive_2016, m).value() ==
                 at(new_year_2017 - 1, 0, true));
}

TEST_CASE("UTC-SLS, positive leap second: hand-computed readings", "[smear]") {
  constexpr auto m = smear_method::utc_sls;
  constexpr std::uint64_t start = new_year_2017 - 1000;  // 23:43:20
  // 1000 smeared seconds span 1001 SI seconds: each UTC-SLS second lasts 1.001 SI seconds.
  STATIC_REQUIRE(vrtc::smear(at(start), positive_2016, m).value() == fixed_time{start, 0});
  // Halfway through the 1001 SI seconds (500.5 s in, true 23:51:40.5) it reads 23:51:40.000.
  STATIC_REQUIRE(vrtc::smear(at(start + 500, half), positive_2016, m).value() == fixed_time{start + 500, 0});
  // At 23:59:59.000 (999 SI s in): 999000/1001 = 998 + 2/1001 s.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 - 1), positive_2016, m).value() ==
                 fixed_time{new_year_2017 - 2, fraction(2, 1001)});
  // At 23:59:60.000 (1000 SI s in): 1000000/1001 = 999 + 1/1001 s, i.e. 23:59:59.000999...
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 - 1, 0, true), positive_2016, m).value() ==
                 fixed_time{new_year_2017 - 1, fraction(1, 1001)});
  // It meets UTC at midnight and runs with it from there.
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017), positive_2016, m).value() == fixed_time{new_year_2017, 0});
  STATIC_REQUIRE(vrtc::smear(at(new_year_2017 + 5, 7), positive_2016, m).value() == fixed_time{new_year_2017 + 5, 7});
  STATIC_REQUIRE(vrtc::unsmear({new_year_2017 - 1, fraction(1, 1001)}, positive_2016, m).value() ==
                 at(new_year_2017 - 1, 0, true));
  STATIC_REQUIRE(vrtc::unsmear({new_year_2017, 0}, positive_2016, m).value() == at(new_year_2017));
}

TEST_CASE("negative leap second: the smeared clock runs fast", "[smear]") {
  // NOON_LINEAR: 86400 smeared seconds in 86399 SI seconds. Halfway (43199.5 SI s in), which is
  // true 00:00:00.5 because 23:59:59 is skipped, it reads midnight exactly.
  STATIC_REQUIRE(vrtc::smear(at(july_2030, half), negative_2030, smear_method::noon_linear).value() ==
                 fixed_time{july_2030, 0});
  // At 23:59:58.000 (43198 SI s in) it reads noon + 43198 * 86400/86399 = 23:59:58 + 43198/86399 s.
  STATIC_REQUIRE(vrtc::smear(at(july_2030 - 2), negative_2030, smear_method::noon_linear).value() ==
                 fixed_time{july_2030 - 2, fraction(43198, 86399)});
  // UTC-SLS: 1000 smeared seconds in 999 SI seconds, from 23:43:20 to 00:00:00.
  STATIC_REQUIRE(vrtc::smear(at(july_2030 - 2), negative_2030, smear_method::utc_sls).value() ==
                 fixed_time{july_2030 - 2, fraction(998, 999)});  // 998 * 1000/999 = 998 + 998/999
  STATIC_REQUIRE(vrtc::smear(at(july_2030), negative_2030, smear_method::utc_sls).value() == fixed_time{july_2030, 0});
  // 23:59:59 does not exist, and there is no 23:59:60.
  STATIC_REQUIRE(vrtc::smear(at(july_2030 - 1), negative_2030, smear_method::utc_sls) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::smear(at(july_2030 - 1, max64), negative_2030, smear_method::utc_sls) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::smear(at(july_2030 - 1, 0, true), negative_2030, smear_method::utc_sls) == errc::invalid_argument);
  // The smeared readings between 23:59:59 and 00:00:00 map back to true times after midnight.
  STATIC_REQUIRE(vrtc::unsmear({july_2030 - 2, fraction(998, 999)}, negative_2030, smear_method::utc_sls).value() ==
                 at(july_2030 - 2));
  // Smeared 23:59:59.5 is 999.5 smeared s into the window, 999.5 * 999/1000 = 998.5005 SI s:
  // true 23:59:58.5005 (rounded up to the next 2^-64 s).
  STATIC_REQUIRE(vrtc::unsmear({july_2030 - 1, half}, negative_2030, smear_method::utc_sls).value() ==
                 at(july_2030 - 2, fraction(5005, 10000) + 1));
  STATIC_REQUIRE(vrtc::unsmear({july_2030, 0}, negative_2030, smear_method::noon_linear).value() == at(july_2030, half));
}

TEST_CASE("smearing is monotonic and its inverse round-trips", "[smear]") {
  splitmix64 rng{23};
  for (const leap_second& leap : {positive_2016, negative_2030}) {
    for (const smear_method m : {smear_method::noon_linear, smear_method::utc_sls}) {
      const vrtc::smear_window w = vrtc::window_of(leap, m).value();
      const bool positive = leap.sign == leap_sign::positive;
      INFO("positive " << positive << ", method " << static_cast<unsigned>(m));
      // Walk the true timeline across the whole window in uneven steps, through 23:59:60.
      fixed_time previous{};
      std::uint64_t sec = w.start - 2;
      std::uint64_t frac = 0;
      bool leap_flag = false;
      int steps = 0;
      while (sec < w.start + w.length + 2) {
        const utc_time t = at(sec, frac, leap_flag);
        const auto s = vrtc::smear(t, leap, m);
        REQUIRE(s.has_value());
        REQUIRE(previous <= *s);
        previous = *s;
        // Round trips: exact where the map is injective, otherwise the earliest preimage.
        const utc_time back = vrtc::unsmear(*s, leap, m).value();
        if (!positive) REQUIRE(back == t);
        REQUIRE(vrtc::smear(back, leap, m).value() == *s);
        // Advance by up to ~1/3 s of true time.
        const std::uint64_t step = rng() >> 2;
        const bool carry = frac + step < frac;
        frac += step;
        if (carry) {
          if (positive && sec == leap.end_of_day - 1 && !leap_flag) leap_flag = true;
          else {
            leap_flag = false;
            ++sec;
            if (!positive && sec == leap.end_of_day - 1) ++sec;
          }
        }
        ++steps;
      }
      REQUIRE(steps > 1000);
      // Smeared readings: smear(unsmear(s)) == s around a positive leap second, and unsmear
      // never returns a time whose reading is below s.
      for (int i = 0; i < 20'000; ++i) {
        const fixed_time s{w.start - 1 + rng() % (w.length + 2), rng()};
        const utc_time t = vrtc::unsmear(s, leap, m).value();
        const fixed_time again = vrtc::smear(t, leap, m).value();
        if (positive) REQUIRE(again == s);
        REQUIRE(s <= again);
      }
    }
  }
}

TEST_CASE("a leap indicator carries over to instants across its leap second", "[leap]") {
  using x = vrtc::leap_extrapolation;
  using r = vrtc::result<x>;
  constexpr std::uint64_t L = new_year_2017;
  // From a reference 10 s before a positive leap second.
  CHECK(vrtc::extrapolate_leap(L - 10, leap_indicator::pre_pos, L - 1) == r(x{0, leap_indicator::pre_pos}));
  CHECK(vrtc::extrapolate_leap(L - 10, leap_indicator::pre_pos, L) == r(x{-1, leap_indicator::pos}));
  CHECK(vrtc::extrapolate_leap(L - 10, leap_indicator::pre_pos, L + 1) == r(x{-1, leap_indicator::post_pos}));
  CHECK(vrtc::extrapolate_leap(L - 10, leap_indicator::pre_pos, max64) == r(x{-1, leap_indicator::post_pos}));
  CHECK(vrtc::extrapolate_leap(L - 10, leap_indicator::pre_pos, 0) == r(x{0, leap_indicator::pre_pos}));
  // From inside 23:59:60 (shown as 23:59:59) and from after it.
  CHECK(vrtc::extrapolate_leap(L - 1, leap_indicator::pos, L - 1) == r(x{0, leap_indicator::pos}));
  CHECK(vrtc::extrapolate_leap(L - 1, leap_indicator::pos, L) == r(x{0, leap_indicator::post_pos}));
  CHECK(vrtc::extrapolate_leap(L - 1, leap_indicator::pos, L - 2) == r(x{1, leap_indicator::pre_pos}));
  CHECK(vrtc::extrapolate_leap(L + 10, leap_indicator::post_pos, L - 1) == r(x{0, leap_indicator::pos}));
  CHECK(vrtc::extrapolate_leap(L + 10, leap_indicator::post_pos, L - 2) == r(x{1, leap_indicator::pre_pos}));
  // Negative: 23:59:59 is skipped.
  constexpr std::uint64_t N = july_2030;
  CHECK(vrtc::extrapolate_leap(N - 10, leap_indicator::pre_neg, N - 2) == r(x{0, leap_indicator::pre_neg}));
  CHECK(vrtc::extrapolate_leap(N - 10, leap_indicator::pre_neg, N - 1) == r(x{1, leap_indicator::post_neg}));
  CHECK(vrtc::extrapolate_leap(N - 10, leap_indicator::pre_neg, max64) == r(x{1, leap_indicator::post_neg}));
  CHECK(vrtc::extrapolate_leap(N + 10, leap_indicator::post_neg, N) == r(x{0, leap_indicator::post_neg}));
  CHECK(vrtc::extrapolate_leap(N + 10, leap_indicator::post_neg, N - 1) == r(x{-1, leap_indicator::pre_neg}));
  CHECK(vrtc::extrapolate_leap(N + 10, leap_indicator::post_neg, 0) == r(x{-1, leap_indicator::pre_neg}));
  // An indicator that contradicts its own instant is taken as published, wherever the reading.
  CHECK(vrtc::extrapolate_leap(L - 100, leap_indicator::pos, L - 100) == r(x{0, leap_indicator::pos}));
  CHECK(vrtc::extrapolate_leap(L - 100, leap_indicator::pos, L + 100) == r(x{0, leap_indicator::pos}));
  CHECK(vrtc::extrapolate_leap(N - 1, leap_indicator::pre_neg, N - 1) == r(x{0, leap_indicator::pre_neg}));
  CHECK(vrtc::extrapolate_leap(N - 1, leap_indicator::pre_neg, N + 100) == r(x{0, leap_indicator::pre_neg}));
  // No leap second, an undefined indicator, one that cannot be placed.
  CHECK(vrtc::extrapolate_leap(L - 10, leap_indicator::none, L + 5) == r(x{0, leap_indicator::none}));
  CHECK(vrtc::extrapolate_leap(L - 10, static_cast<leap_indicator>(6), L + 5) == errc::invalid_argument);
  CHECK(vrtc::extrapolate_leap(max64, leap_indicator::pre_pos, 0) == errc::overflow);
  CHECK(vrtc::extrapolate_leap(100, leap_indicator::post_pos, 100'000) == errc::overflow);
}
