// vrtc: std::chrono adapters for the time types of time.hpp (kept apart so that the core
// headers do not pay for <chrono>).
//
// sys_time<nanoseconds> is signed 64-bit nanoseconds around 1970 (years 1677..2262); vrtc
// instants are unsigned seconds since their epoch. Every conversion states its rounding and
// reports errc::overflow where a value does not fit the other side. Only UTC-like (POSIX) time
// scales belong in sys_time; a TAI reading must be converted with utc_from_tai first.
#pragma once

#include <chrono>
#include <cstdint>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"

VRTC_BEGIN_NAMESPACE

using sys_nanoseconds = std::chrono::sys_time<std::chrono::nanoseconds>;

namespace detail {
inline constexpr std::uint64_t max_chrono_ns = static_cast<std::uint64_t>(INT64_MAX);
}  // namespace detail

/// A POSIX instant as sys_time, truncated to the nanosecond; errc::overflow after 2262-04-11.
[[nodiscard]] constexpr result<sys_nanoseconds> to_sys_time(fixed_time t) noexcept {
  const result<nanosecond_count> ns = to_nanoseconds_floor(t);
  if (!ns || ns->count > detail::max_chrono_ns) return errc::overflow;
  return sys_nanoseconds(std::chrono::nanoseconds(static_cast<std::int64_t>(ns->count)));
}

/// A POSIX instant as sys_time, rounded to the nearest nanosecond (ties upwards).
[[nodiscard]] constexpr result<sys_nanoseconds> to_sys_time_round(fixed_time t) noexcept {
  const result<seconds_and_nanoseconds> rounded = round_to_nanoseconds(t);
  if (!rounded) return rounded.error();
  const result<fixed_time> exact = to_fixed_time(*rounded);  // the rounded instant, exactly
  return to_sys_time(*exact);
}

/// The earliest fixed_time in the same nanosecond as `t` (to_sys_time gives `t` back).
/// errc::overflow before 1970, where the unsigned seconds cannot go.
[[nodiscard]] constexpr result<fixed_time> to_fixed_time(sys_nanoseconds t) noexcept {
  const std::int64_t ns = t.time_since_epoch().count();
  if (ns < 0) return errc::overflow;
  return to_fixed_time(nanosecond_count(static_cast<std::uint64_t>(ns)));
}

/// Whole seconds as a chrono duration; errc::overflow above INT64_MAX.
[[nodiscard]] constexpr result<std::chrono::seconds> to_duration(whole_seconds s) noexcept {
  if (s.count > detail::max_chrono_ns) return errc::overflow;
  return std::chrono::seconds(static_cast<std::int64_t>(s.count));
}

/// Nanoseconds as a chrono duration; errc::overflow above INT64_MAX.
[[nodiscard]] constexpr result<std::chrono::nanoseconds> to_duration(nanosecond_count ns) noexcept {
  if (ns.count > detail::max_chrono_ns) return errc::overflow;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ns.count));
}

/// A fraction as a chrono duration, truncated to the nanosecond (always < 1 s).
[[nodiscard]] constexpr std::chrono::nanoseconds to_duration_floor(second_fraction f) noexcept {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(frac_to_ns_floor(f.count)));
}

/// Non-negative chrono seconds as whole_seconds; errc::overflow if negative. (Coarser
/// durations are left to the caller: converting them to seconds can overflow int64.)
[[nodiscard]] constexpr result<whole_seconds> to_whole_seconds(std::chrono::seconds d) noexcept {
  if (d.count() < 0) return errc::overflow;
  return whole_seconds(static_cast<std::uint64_t>(d.count()));
}

/// A non-negative nanosecond duration as a nanosecond_count; errc::overflow if negative.
[[nodiscard]] constexpr result<nanosecond_count> to_nanosecond_count(std::chrono::nanoseconds d) noexcept {
  if (d.count() < 0) return errc::overflow;
  return nanosecond_count(static_cast<std::uint64_t>(d.count()));
}

/// A duration in [0, 1 s) as the smallest fraction of at least that many nanoseconds;
/// errc::invalid_argument outside [0, 1 s).
[[nodiscard]] constexpr result<second_fraction> to_second_fraction(std::chrono::nanoseconds d) noexcept {
  if (d.count() < 0 || d >= std::chrono::seconds(1)) return errc::invalid_argument;
  return second_fraction(ns_to_frac(static_cast<std::uint64_t>(d.count())));
}

VRTC_END_NAMESPACE
