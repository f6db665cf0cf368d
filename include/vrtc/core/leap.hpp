// vrtc: leap seconds -- the leap indicator of vmclock and virtio-rtc, the leap second it
// announces, and UTC instants that can name 23:59:60.
//
// A stepping UTC clock counts POSIX seconds (no 23:59:60). At a positive leap second it steps
// back by one second at the start of the leap second, so during 23:59:60 it shows 23:59:59
// again; at a negative leap second it steps forward by one second where 23:59:59 would begin
// (virtio 1.4 §5.23.6.4.2). utc_time carries the flag that tells the repeated second apart.
#pragma once

#include <cstdint>

#include "vrtc/core/civil.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"

VRTC_BEGIN_NAMESPACE

/// vmclock's leap_indicator (VMCLOCK_LEAP_*), valid for the instant the page describes.
enum class leap_indicator : std::uint8_t {
  none = 0,      ///< no leap second known nearby
  pre_pos = 1,   ///< a positive leap second at the end of this month
  pre_neg = 2,   ///< a negative leap second at the end of this month
  pos = 3,       ///< now is inside the positive leap second 23:59:60
  post_pos = 4,  ///< a positive leap second happened at the end of the previous month
  post_neg = 5,  ///< a negative leap second happened at the end of the previous month
};

/// The indicator for a raw byte; errc::invalid_argument for values the ABI does not define.
[[nodiscard]] constexpr result<leap_indicator> to_leap_indicator(std::uint8_t raw) noexcept {
  if (raw > static_cast<std::uint8_t>(leap_indicator::post_neg)) return errc::invalid_argument;
  return static_cast<leap_indicator>(raw);
}

/// A leap second is due at the end of the current month (announced, not yet begun).
[[nodiscard]] constexpr bool leap_second_due_this_month(leap_indicator i) noexcept {
  return i == leap_indicator::pre_pos || i == leap_indicator::pre_neg;
}

/// Now is inside 23:59:60 (a stepping UTC clock is repeating 23:59:59).
[[nodiscard]] constexpr bool in_leap_second(leap_indicator i) noexcept { return i == leap_indicator::pos; }

/// A leap second ended the previous month.
[[nodiscard]] constexpr bool leap_second_just_passed(leap_indicator i) noexcept {
  return i == leap_indicator::post_pos || i == leap_indicator::post_neg;
}

enum class leap_sign : std::int8_t {
  negative = -1,  ///< 23:59:59 is skipped: the day has 86399 seconds
  positive = 1,   ///< 23:59:60 is inserted: the day has 86401 seconds
};

/// One leap second: where it is and which way it goes.
struct leap_second {
  /// POSIX seconds of the midnight that ends the leap-second day (00:00:00 of the next month),
  /// a positive multiple of 86400.
  std::uint64_t end_of_day = 0;
  leap_sign sign = leap_sign::positive;
  friend constexpr bool operator==(const leap_second&, const leap_second&) = default;
};

/// Whether `l` can be a leap second: at a midnight, after the epoch's first day, and far
/// enough below 2^64 s that a day of smearing on either side stays representable.
[[nodiscard]] constexpr bool is_valid(const leap_second& l) noexcept {
  return l.end_of_day > 0 && l.end_of_day % 86400 == 0 && l.end_of_day <= UINT64_MAX - 2 * 86400 &&
         (l.sign == leap_sign::positive || l.sign == leap_sign::negative);
}

/// POSIX seconds of 00:00:00 on the first day of the month that contains `utc_sec`. Defined
/// for every uint64 value (the result is at most `utc_sec`, so it never fails); computed in
/// unsigned arithmetic, as everything here that takes a second count from a page.
[[nodiscard]] constexpr result<std::uint64_t> start_of_month(std::uint64_t utc_sec) noexcept {
  const civil_time c = from_unix_seconds_unsigned(utc_sec);
  const std::uint64_t into_month =
      std::uint64_t{c.date.day - 1} * 86400 + std::uint64_t{c.hour} * 3600 + std::uint64_t{c.minute} * 60 + c.second;
  return utc_sec - into_month;
}

/// POSIX seconds of 00:00:00 on the first day of the month after the one that contains
/// `utc_sec`: the instant a leap second "at the end of the month" ends. errc::overflow when
/// that instant is 2^64 s or later (the last month below 2^64).
[[nodiscard]] constexpr result<std::uint64_t> end_of_month(std::uint64_t utc_sec) noexcept {
  const civil_time c = from_unix_seconds_unsigned(utc_sec);
  const std::uint64_t start = *start_of_month(utc_sec);
  const std::uint64_t length = std::uint64_t{days_in_month(c.date.year, c.date.month)} * 86400;
  if (start > UINT64_MAX - length) return errc::overflow;
  return start + length;
}

/// The leap second an indicator refers to, seen from UTC second `utc_sec` (the instant the
/// indicator is valid for). errc::invalid_argument for leap_indicator::none.
[[nodiscard]] constexpr result<leap_second> announced_leap_second(std::uint64_t utc_sec, leap_indicator i) noexcept {
  result<std::uint64_t> boundary = errc::invalid_argument;
  leap_sign sign = leap_sign::positive;
  switch (i) {
    case leap_indicator::none: return errc::invalid_argument;
    case leap_indicator::pre_pos:
    case leap_indicator::pos:  // inside 23:59:60 the clock repeats 23:59:59 of this month
      boundary = end_of_month(utc_sec);
      break;
    case leap_indicator::pre_neg:
      boundary = end_of_month(utc_sec);
      sign = leap_sign::negative;
      break;
    case leap_indicator::post_pos: boundary = start_of_month(utc_sec); break;
    case leap_indicator::post_neg:
      boundary = start_of_month(utc_sec);
      sign = leap_sign::negative;
      break;
  }
  if (!boundary) return boundary.error();
  const leap_second l{*boundary, sign};
  if (!is_valid(l)) return errc::overflow;
  return l;
}

/// What a leap indicator means at another instant than the one it is valid for.
struct leap_extrapolation {
  /// Seconds to add to the linearly extrapolated UTC second: -1, 0 or +1.
  std::int8_t correction = 0;
  /// The indicator at that instant: it moves from PRE_POS through POS (23:59:60, shown as a
  /// repeated 23:59:59) to POST_POS, and from PRE_NEG to POST_NEG.
  leap_indicator indicator = leap_indicator::none;
  friend constexpr bool operator==(const leap_extrapolation&, const leap_extrapolation&) = default;
};

/// A clock that showed UTC second `reference` (stepping POSIX seconds, valid for indicator `i`)
/// and was then run on linearly, one second per SI second, shows `naive` at some other
/// instant -- but if the leap second `i` refers to lies between the two, the true UTC differs
/// by that leap second. This gives the correction and the indicator at `naive`:
///   before a positive leap second at midnight L (PRE_POS):  naive == L is 23:59:60 (shown as
///     L - 1, POS), naive > L is one second behind (correction -1, POST_POS);
///   before a negative one (PRE_NEG):  from naive == L - 1 on, one second ahead (+1, POST_NEG);
///   after a positive one (POS, POST_POS):  naive == L - 1 is still 23:59:60 (POS), before it
///     one second ahead (+1, PRE_POS); at or after L nothing changes (POST_POS);
///   after a negative one (POST_NEG):  before L one second behind (-1, PRE_NEG).
/// At `reference` itself nothing changes. An indicator that contradicts its own instant (POS
/// outside the last second of a month, PRE_NEG in the second it removes) gives {0, i} for every
/// `naive`. The result is a correction, not a second: naive + correction may leave [0, 2^64),
/// which the caller reports. errc::invalid_argument for an indicator the ABI does not define;
/// errc::overflow when the leap second cannot be placed (announced_leap_second).
[[nodiscard]] constexpr result<leap_extrapolation> extrapolate_leap(std::uint64_t reference, leap_indicator i,
                                                                    std::uint64_t naive) noexcept {
  if (static_cast<std::uint8_t>(i) > static_cast<std::uint8_t>(leap_indicator::post_neg))
    return errc::invalid_argument;
  if (i == leap_indicator::none) return leap_extrapolation{0, i};
  // Common case, cheap: the same day as the reference and not its last second cannot be on the
  // other side of a leap second (every leap second ends a day, and one at the end of this day
  // is only due from its last second on). Inside 23:59:60 itself (POS) the reference is that
  // last second, so this never applies.
  if (naive / 86400 == reference / 86400 && naive % 86400 < 86399 && i != leap_indicator::pos)
    return leap_extrapolation{0, i};
  const result<leap_second> l = announced_leap_second(reference, i);
  if (!l) return l.error();
  const std::uint64_t midnight = l->end_of_day;  // >= 86400 (is_valid)
  // An indicator that contradicts its own instant -- POS outside the last second of a month,
  // PRE_NEG inside the second it removes -- places no leap second: it is taken as published.
  const bool contradicts = (i == leap_indicator::pos && reference != midnight - 1) ||
                           (i == leap_indicator::pre_neg && reference == midnight - 1);
  if (contradicts) return leap_extrapolation{0, i};
  const bool before = i == leap_indicator::pre_pos || i == leap_indicator::pre_neg;
  if (l->sign == leap_sign::positive) {
    if (before) {
      if (naive < midnight) return leap_extrapolation{0, leap_indicator::pre_pos};
      if (naive == midnight) return leap_extrapolation{-1, leap_indicator::pos};
      return leap_extrapolation{-1, leap_indicator::post_pos};
    }
    if (naive >= midnight) return leap_extrapolation{0, leap_indicator::post_pos};
    if (naive == midnight - 1) return leap_extrapolation{0, leap_indicator::pos};
    return leap_extrapolation{1, leap_indicator::pre_pos};
  }
  if (before) {
    if (naive < midnight - 1) return leap_extrapolation{0, leap_indicator::pre_neg};
    return leap_extrapolation{1, leap_indicator::post_neg};
  }
  if (naive >= midnight) return leap_extrapolation{0, leap_indicator::post_neg};
  return leap_extrapolation{-1, leap_indicator::pre_neg};
}

/// A UTC instant as a stepping UTC clock shows it, with 23:59:60 told apart: during a positive
/// leap second `posix` repeats 23:59:59.frac and `in_leap_second` is set.
struct utc_time {
  fixed_time posix;
  bool in_leap_second = false;
  friend constexpr bool operator==(const utc_time&, const utc_time&) = default;
};

/// The UTC instant a page describes: its UTC time plus whether its indicator says 23:59:60.
[[nodiscard]] constexpr utc_time make_utc_time(fixed_time posix, leap_indicator i) noexcept {
  return {posix, in_leap_second(i)};
}

/// The calendar date and time of a UTC instant (any uint64 seconds); second is 60 inside a
/// leap second. errc::invalid_argument for a leap-second flag outside the last second of a
/// month.
[[nodiscard]] constexpr result<civil_time> to_civil(utc_time t) noexcept {
  civil_time c = from_unix_seconds_unsigned(t.posix.sec);
  if (t.in_leap_second) {
    // Only the last second of a month can repeat: 23:59:59 of the last day.
    if (c.hour != 23 || c.minute != 59 || c.second != 59 || c.date.day != days_in_month(c.date.year, c.date.month))
      return errc::invalid_argument;
    c.second = 60;
  }
  return c;
}

VRTC_END_NAMESPACE
