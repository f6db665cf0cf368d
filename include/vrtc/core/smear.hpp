// vrtc: leap smearing -- the smeared UTC of virtio-rtc's UTC_SMEARED clocks (and vmclock's
// leap_second_smearing_hint) from true UTC, and back.
//
// A smearing clock never steps for a leap second; it runs at a changed rate over a window that
// ends when it agrees with UTC again (virtio 1.4 §5.23.6.3.2, §5.23.6.4.2):
//   NOON_LINEAR  from 12:00 before the leap second to 12:00 after it: 86400 smeared seconds
//                span 86400 ± 1 SI seconds, each smeared second 1 ± 1/86400 SI seconds long;
//   UTC_SLS      the last 1000 s of the leap-second day (Kuhn's UTC-SLS, 23:43:20 to 24:00:00):
//                1000 smeared seconds span 1000 ± 1 SI seconds, each 1 ± 0.1 % long.
// (+ for a positive, - for a negative leap second.) These are the only linear maps that start
// and end exactly where the specification says, so they are computed exactly: in units of
// 2^-64 s, smeared = start + floor(elapsed * L / (L ± 1)), where elapsed is the true (SI) time
// since the window's start. The inverse rounds up (see unsmear). docs/time.md has examples.
#pragma once

#include <cstdint>

#include "vrtc/core/config.hpp"
#include "vrtc/core/leap.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/core/u128.hpp"

VRTC_BEGIN_NAMESPACE

/// Smearing variants; the values are VIRTIO_RTC_SMEAR_* and VMCLOCK_SMEARING_*.
enum class smear_method : std::uint8_t {
  noon_linear = 1,
  utc_sls = 2,
};

/// Where a smear runs, in POSIX seconds of the UTC clock it agrees with at both ends.
struct smear_window {
  std::uint64_t start = 0;   ///< first instant that is smeared
  std::uint64_t length = 0;  ///< smeared (= POSIX) seconds until the clocks agree again
  friend constexpr bool operator==(const smear_window&, const smear_window&) = default;
};

/// The window of `method` around `leap`; errc::invalid_argument for an unknown method or an
/// invalid leap second.
[[nodiscard]] constexpr result<smear_window> window_of(const leap_second& leap, smear_method method) noexcept {
  if (!is_valid(leap)) return errc::invalid_argument;
  switch (method) {
    case smear_method::noon_linear: return smear_window{leap.end_of_day - 43200, 86400};
    case smear_method::utc_sls: return smear_window{leap.end_of_day - 1000, 1000};
  }
  return errc::invalid_argument;
}

/// The smeared UTC reading at the true UTC instant `t`.
///
/// Exact, truncated toward -infinity in units of 2^-64 s. Outside the window the result is
/// t.posix unchanged. errc::invalid_argument for an invalid leap second or method, for
/// `in_leap_second` outside the positive leap second itself, and for a reading inside the
/// 23:59:59 that a negative leap second removes.
[[nodiscard]] constexpr result<fixed_time> smear(utc_time t, const leap_second& leap, smear_method method) noexcept {
  const result<smear_window> w = window_of(leap, method);
  if (!w) return w.error();
  const bool positive = leap.sign == leap_sign::positive;
  const u128 one = u128::from_halves(1, 0);
  const u128 posix = u128::from_halves(t.posix.sec, t.posix.frac);
  const u128 midnight = u128::from_halves(leap.end_of_day, 0);
  const bool last_second = posix >= midnight - one && posix < midnight;  // 23:59:59.x
  if (t.in_leap_second && !(positive && last_second)) return errc::invalid_argument;
  if (!positive && last_second) return errc::invalid_argument;

  const u128 start = u128::from_halves(w->start, 0);
  const u128 end = u128::from_halves(w->start + w->length, 0);
  if (!t.in_leap_second && (posix < start || posix >= end)) return t.posix;

  // True elapsed time since the window's start: past the leap second, a positive one has added
  // a second that POSIX does not count, a negative one has removed one that it does.
  u128 elapsed = posix - start;
  if (positive && (t.in_leap_second || posix >= midnight)) elapsed = elapsed + one;
  if (!positive && posix >= midnight) elapsed = elapsed - one;
  const std::uint64_t true_length = positive ? w->length + 1 : w->length - 1;
  // elapsed < 86401 * 2^64 < 2^81, times 86400 < 2^98: no overflow.
  const u128 smeared = start + u128::divmod(elapsed * w->length, true_length).quotient;
  return fixed_time{smeared.hi(), smeared.lo()};
}

/// The true UTC instant at which a smearing clock reads `smeared`: the earliest instant whose
/// smeared reading is at or after `smeared` (the smeared offset scaled back and rounded up).
///
/// Hence smear(unsmear(s)) == s for every s around a positive leap second (where the smeared
/// clock runs slow and every reading occurs), and unsmear(smear(t)) == t for every t around a
/// negative one (where it runs fast and every true instant has its own reading). In the other
/// directions the results differ by less than 2^-63 s. errc::invalid_argument for an invalid
/// leap second or method.
[[nodiscard]] constexpr result<utc_time> unsmear(fixed_time smeared, const leap_second& leap, smear_method method) noexcept {
  const result<smear_window> w = window_of(leap, method);
  if (!w) return w.error();
  const bool positive = leap.sign == leap_sign::positive;
  const u128 one = u128::from_halves(1, 0);
  const u128 reading = u128::from_halves(smeared.sec, smeared.frac);
  const u128 start = u128::from_halves(w->start, 0);
  const u128 end = u128::from_halves(w->start + w->length, 0);
  if (reading < start || reading >= end) return utc_time{smeared, false};

  const std::uint64_t true_length = positive ? w->length + 1 : w->length - 1;
  const auto [quotient, remainder] = u128::divmod((reading - start) * true_length, w->length);
  const u128 elapsed = quotient + u128(remainder != 0 ? 1u : 0u);
  const u128 to_midnight = u128::from_halves(leap.end_of_day - w->start, 0);

  utc_time t{};
  u128 posix = start + elapsed;
  if (positive) {
    if (elapsed >= to_midnight) {
      posix = posix - one;  // 23:59:60 repeats 23:59:59; from 00:00:00 POSIX is one behind
      t.in_leap_second = elapsed < to_midnight + one;
    }
  } else if (elapsed >= to_midnight - one) {
    posix = posix + one;  // 23:59:59 does not exist: 23:59:58 is followed by 00:00:00
  }
  t.posix = fixed_time{posix.hi(), posix.lo()};
  return t;
}

VRTC_END_NAMESPACE
