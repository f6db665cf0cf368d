// vrtc: proleptic Gregorian calendar <-> day and second counts since 1970-01-01, constexpr.
//
// Used wherever a calendar is needed (the end of a month for leap seconds, CMOS RTC dates)
// without pulling in <chrono>. Days are counted with 400-year eras (146097 days each), which
// makes the conversions exact for every date in the supported range, negative years included.
#pragma once

#include <cstdint>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE

/// A calendar date: year (astronomical numbering, so 0 is 1 BC), month 1..12, day 1..31.
struct civil_date {
  std::int64_t year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  friend constexpr bool operator==(const civil_date&, const civil_date&) = default;
};

/// A calendar date and a time of day (hour 0..23, minute 0..59, second 0..59; 60 never occurs
/// in a count of POSIX seconds).
struct civil_time {
  civil_date date;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  friend constexpr bool operator==(const civil_time&, const civil_time&) = default;
};

/// Years accepted by the conversions to day and second counts: every year whose seconds fit
/// an int64 comfortably.
inline constexpr std::int64_t civil_year_limit = std::int64_t{1} << 36;

[[nodiscard]] constexpr bool is_leap_year(std::int64_t year) noexcept {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/// Days in `month` (1..12) of `year`; 0 for a month outside 1..12.
[[nodiscard]] constexpr unsigned days_in_month(std::int64_t year, unsigned month) noexcept {
  constexpr unsigned lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && is_leap_year(year) ? 29 : lengths[month - 1];
}

[[nodiscard]] constexpr bool is_valid(const civil_date& d) noexcept {
  return d.year > -civil_year_limit && d.year < civil_year_limit && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month);
}

[[nodiscard]] constexpr bool is_valid(const civil_time& t) noexcept {
  return is_valid(t.date) && t.hour < 24 && t.minute < 60 && t.second < 60;
}

/// Days since 1970-01-01 (negative before it). Precondition: is_valid(d).
[[nodiscard]] constexpr std::int64_t days_from_civil(const civil_date& d) noexcept {
  // Count years from March, so that the leap day is the last day of the counting year.
  const std::int64_t y = d.month <= 2 ? d.year - 1 : d.year;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t year_of_era = y - era * 400;                                   // [0, 399]
  const std::int64_t month_from_march = d.month > 2 ? d.month - 3 : d.month + 9;    // [0, 11]
  const std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + d.day - 1;    // [0, 365]
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  constexpr std::int64_t days_0000_03_01_to_1970_01_01 = 719468;
  return era * 146097 + day_of_era - days_0000_03_01_to_1970_01_01;
}

/// The date `days` days after 1970-01-01, for any int64 day count. The day count is split into
/// whole 400-year eras and a remainder first, so nothing is added to or multiplied into the
/// untrusted count itself and no intermediate value can overflow.
[[nodiscard]] constexpr civil_date civil_from_days(std::int64_t days) noexcept {
  constexpr std::int64_t days_per_era = 146097;
  constexpr std::int64_t days_0000_03_01_to_1970_01_01 = 719468;
  // Floor division of days by an era: |quotient| < 2^63 / 146097, remainder in [0, 146096].
  std::int64_t era = days / days_per_era;
  std::int64_t rest = days % days_per_era;
  if (rest < 0) {
    rest += days_per_era;
    --era;
  }
  // Count from 0000-03-01: rest + 719468 < 6 eras, so it is split the same way without risk.
  rest += days_0000_03_01_to_1970_01_01;
  era += rest / days_per_era;
  const std::int64_t day_of_era = rest % days_per_era;                                            // [0, 146096]
  const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;                             // [0, 11]
  const auto day = static_cast<unsigned>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  // |era| < 2^63 / 146097, so era * 400 stays below 2^56.
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

/// Seconds since 1970-01-01T00:00:00 (POSIX, no leap seconds), or invalid_date.
[[nodiscard]] constexpr result<std::int64_t> to_unix_seconds(const civil_time& t) noexcept {
  if (!is_valid(t)) return errc::invalid_date;
  return days_from_civil(t.date) * 86400 + std::int64_t{t.hour} * 3600 + std::int64_t{t.minute} * 60 + t.second;
}

/// The calendar date and time of a count of POSIX seconds (any int64 value).
[[nodiscard]] constexpr civil_time from_unix_seconds(std::int64_t seconds) noexcept {
  std::int64_t days = seconds / 86400;
  std::int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  return {civil_from_days(days), static_cast<unsigned>(rem / 3600), static_cast<unsigned>(rem % 3600 / 60),
          static_cast<unsigned>(rem % 60)};
}

/// The calendar date and time of an unsigned count of POSIX seconds (any uint64 value, as the
/// time fields of a page hold them; the year stays below 2^40).
[[nodiscard]] constexpr civil_time from_unix_seconds_unsigned(std::uint64_t seconds) noexcept {
  const auto days = static_cast<std::int64_t>(seconds / 86400);  // < 2^48
  const auto rem = static_cast<unsigned>(seconds % 86400);
  return {civil_from_days(days), rem / 3600, rem % 3600 / 60, rem % 60};
}

VRTC_END_NAMESPACE
