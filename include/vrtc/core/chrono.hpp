// vrtc: std::chrono adapters for the time types of time.hpp (kept apart so that the core
// headers do not pay for <chrono>).
//
// sys_time<nanoseconds> is signed 64-bit nanoseconds around 1970 (years 1677..2262); vrtc
// instants are unsigned seconds since their epoch. Every conversion states its rounding and
// reports errc::overflow where a value does not fit the other side. Only UTC-like (POSIX) time
// scales belong in sys_time, so the adapters take and give utc_instant: a TAI instant must go
// through to_utc first.
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

/// A UTC instant as sys_time, truncated to the nanosecond; errc::overflow after 2262-04-11.
[[nodiscard]] constexpr result<sys_nanoseconds> to_sys_time(utc_instant t) noexcept {
  const result<nanosecond_count> ns = to_nanoseconds_floor(t.time);
  if (!ns || ns->count > detail::max_chrono_ns) return errc::overflow;
  return sys_nanoseconds(std::chrono::nanoseconds(static_cast<std::int64_t>(ns->count)));
}

/// A UTC instant as sys_time, rounded to the nearest nanosecond (ties upwards).
[[nodiscard]] constexpr result<sys_nanoseconds> to_sys_time_round(utc_instant t) noexcept {
  const result<seconds_and_nanoseconds> rounded = round_to_nanoseconds(t.time);
  if (!rounded) return rounded.error();
  const result<fixed_time> exact = to_fixed_time(*rounded);  // the rounded instant, exactly
  return to_sys_time(utc_instant(*exact));
}

/// The earliest UTC instant in the same nanosecond as `t` (to_sys_time gives `t` back).
/// errc::overflow before 1970, where the unsigned seconds cannot go.
[[nodiscard]] constexpr result<utc_instant> to_utc_instant(sys_nanoseconds t) noexcept {
  const std::int64_t ns = t.time_since_epoch().count();
  if (ns < 0) return errc::overflow;
  return utc_instant(to_fixed_time(nanosecond_count(static_cast<std::uint64_t>(ns))));
}

// --- reference time and chrono durations ---------------------------------------------------

/// `d` later (earlier for a negative `d`), saturating at reference_time's ends.
[[nodiscard]] constexpr reference_time operator+(reference_time t, std::chrono::nanoseconds d) noexcept {
  const std::int64_t n = d.count();
  // The magnitude in unsigned arithmetic: defined for INT64_MIN too.
  const std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  return n < 0 ? t - nanosecond_count(magnitude) : t + nanosecond_count(magnitude);
}
/// `d` earlier (later for a negative `d`), saturating at reference_time's ends.
[[nodiscard]] constexpr reference_time operator-(reference_time t, std::chrono::nanoseconds d) noexcept {
  const std::int64_t n = d.count();
  const std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  return n < 0 ? t + nanosecond_count(magnitude) : t - nanosecond_count(magnitude);
}
constexpr reference_time& operator+=(reference_time& t, std::chrono::nanoseconds d) noexcept { return t = t + d; }
constexpr reference_time& operator-=(reference_time& t, std::chrono::nanoseconds d) noexcept { return t = t - d; }

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

/// std::chrono::steady_clock as nanoseconds since its epoch (0 before it, which a steady clock
/// does not report): a vmclock::deadline_clock for read_limits::clock, for readers that want the
/// retry deadline on a monotonic clock rather than the default wall clock.
[[nodiscard]] inline std::uint64_t steady_clock_ns() noexcept {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
  return ns.count() < 0 ? 0 : static_cast<std::uint64_t>(ns.count());
}

VRTC_END_NAMESPACE
