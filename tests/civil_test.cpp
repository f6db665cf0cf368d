// Tests for include/vrtc/core/civil.hpp. Reference dates are well-known facts: 1970-01-01 is day 0,
// 2000-03-01 follows a leap day, 2038-01-19T03:14:08 is 2^31 seconds.
#include <vrtc/core/civil.hpp>

#include <catch2/catch.hpp>
#include <limits>

using vrtc::civil_date;
using vrtc::civil_time;

TEST_CASE("known dates map to known day counts", "[civil]") {
  STATIC_REQUIRE(vrtc::days_from_civil({1970, 1, 1}) == 0);
  STATIC_REQUIRE(vrtc::days_from_civil({1969, 12, 31}) == -1);
  STATIC_REQUIRE(vrtc::days_from_civil({2000, 3, 1}) == 11017);
  STATIC_REQUIRE(vrtc::days_from_civil({2000, 2, 29}) == 11016);
  STATIC_REQUIRE(vrtc::to_unix_seconds({{2038, 1, 19}, 3, 14, 8}).value() == 2147483648);
  STATIC_REQUIRE(vrtc::to_unix_seconds({{2017, 1, 1}, 0, 0, 0}).value() == 1483228800);
  STATIC_REQUIRE(vrtc::from_unix_seconds(-1) == civil_time{{1969, 12, 31}, 23, 59, 59});
  STATIC_REQUIRE(vrtc::from_unix_seconds(4102444800) == civil_time{{2100, 1, 1}, 0, 0, 0});
}

TEST_CASE("leap years and month lengths follow the Gregorian rules", "[civil]") {
  REQUIRE(vrtc::is_leap_year(2000));
  REQUIRE_FALSE(vrtc::is_leap_year(1900));
  REQUIRE_FALSE(vrtc::is_leap_year(2100));
  REQUIRE(vrtc::is_leap_year(2024));
  REQUIRE(vrtc::is_leap_year(-4));
  REQUIRE(vrtc::days_in_month(2023, 2) == 28);
  REQUIRE(vrtc::days_in_month(2024, 2) == 29);
  REQUIRE(vrtc::days_in_month(2024, 13) == 0);
  REQUIRE_FALSE(vrtc::is_valid(civil_date{2023, 2, 29}));
  REQUIRE_FALSE(vrtc::is_valid(civil_date{2023, 4, 31}));
  REQUIRE(vrtc::to_unix_seconds({{2023, 2, 29}, 0, 0, 0}) == vrtc::errc::invalid_date);
  REQUIRE(vrtc::to_unix_seconds({{2023, 2, 28}, 24, 0, 0}) == vrtc::errc::invalid_date);
}

TEST_CASE("days and dates round-trip over a wide range, day by day", "[civil]") {
  // Every day from 1600 to 2500, plus both directions agree with a day-by-day walk.
  civil_date walk{1600, 1, 1};
  std::int64_t n = vrtc::days_from_civil(walk);
  for (; walk.year < 2500; ++n) {
    REQUIRE(vrtc::days_from_civil(walk) == n);
    REQUIRE(vrtc::civil_from_days(n) == walk);
    if (++walk.day > vrtc::days_in_month(walk.year, walk.month)) {
      walk.day = 1;
      if (++walk.month > 12) {
        walk.month = 1;
        ++walk.year;
      }
    }
  }
}

TEST_CASE("extreme second counts convert without overflow", "[civil]") {
  for (const std::int64_t s : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                               std::int64_t{0}, std::int64_t{-86401}}) {
    const civil_time t = vrtc::from_unix_seconds(s);
    REQUIRE(t.date.month >= 1);
    REQUIRE(t.date.month <= 12);
    REQUIRE(t.date.day >= 1);
    REQUIRE(t.date.day <= vrtc::days_in_month(t.date.year, t.date.month));
    REQUIRE(t.hour < 24);
    if (vrtc::is_valid(t)) REQUIRE(vrtc::to_unix_seconds(t).value() == s);
  }
}
