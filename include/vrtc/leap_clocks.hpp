// vrtc: UTC clock backends derived from a TAI backend: one that steps at leap seconds (type
// UTC, §5.23.6.4.2) and one that smears them (type UTC_SMEARED, NOON_LINEAR or UTC_SLS).
//
// TAI runs without steps; UTC is TAI minus TAI-UTC, and TAI-UTC changes by one second at a leap
// second. A stepping UTC clock therefore steps back 1 s at the start of a positive leap second
// (23:59:60 repeats 23:59:59) and forward 1 s at a negative one; a smearing clock runs at a
// changed rate instead, computed exactly by the time math core (smear.hpp).
#pragma once

#include <cstdint>
#include <optional>

#include "clocks.hpp"
#include "config.hpp"
#include "leap.hpp"
#include "protocol.hpp"
#include "result.hpp"
#include "smear.hpp"
#include "time.hpp"

VRTC_BEGIN_NAMESPACE

/// TAI-UTC now, and the next leap second if one is scheduled.
struct leap_schedule {
  std::int16_t tai_minus_utc = 37;  ///< seconds, before `next`
  std::optional<leap_second> next;
};

namespace detail {

inline constexpr std::uint64_t ns_per_s = 1'000'000'000;

/// The TAI nanosecond at which the UTC second `posix_sec` begins (before any leap in `s`).
[[nodiscard]] constexpr result<std::uint64_t> tai_ns_at(std::uint64_t posix_sec, std::int64_t offset) noexcept {
  const std::int64_t sec = static_cast<std::int64_t>(posix_sec) + offset;
  if (posix_sec > static_cast<std::uint64_t>(INT64_MAX) - 86400 * 4 || sec < 0 ||
      static_cast<std::uint64_t>(sec) > UINT64_MAX / ns_per_s)
    return errc::overflow;
  return static_cast<std::uint64_t>(sec) * ns_per_s;
}

}  // namespace detail

/// The UTC instant (POSIX reading plus the 23:59:60 flag) at TAI nanosecond `tai_ns`.
[[nodiscard]] constexpr result<utc_time> utc_from_tai_ns(std::uint64_t tai_ns, const leap_schedule& s) noexcept {
  const std::int64_t off = s.tai_minus_utc;
  auto shift = [&](std::uint64_t t, std::int64_t extra_s) -> result<std::uint64_t> {
    // posix_ns = t - (off + extra) s
    const std::int64_t total = off + extra_s;
    const std::uint64_t mag = static_cast<std::uint64_t>(total < 0 ? -total : total) * detail::ns_per_s;
    if (total >= 0) return t >= mag ? result<std::uint64_t>(t - mag) : result<std::uint64_t>(errc::overflow);
    return t <= UINT64_MAX - mag ? result<std::uint64_t>(t + mag) : result<std::uint64_t>(errc::overflow);
  };
  utc_time u{};
  std::int64_t extra = 0;
  if (s.next) {
    const leap_second& l = *s.next;
    if (!is_valid(l)) return errc::invalid_argument;
    if (l.sign == leap_sign::positive) {
      const auto start = detail::tai_ns_at(l.end_of_day, off);  // TAI at which 23:59:60 begins
      if (!start) return start.error();
      if (tai_ns >= *start) {
        extra = 1;
        u.in_leap_second = tai_ns < *start + detail::ns_per_s;
      }
    } else {
      const auto skipped = detail::tai_ns_at(l.end_of_day - 1, off);  // where 23:59:59 would begin
      if (!skipped) return skipped.error();
      if (tai_ns >= *skipped) extra = -1;
    }
  }
  const auto posix_ns = shift(tai_ns, extra);
  if (!posix_ns) return posix_ns.error();
  u.posix = fixed_time{*posix_ns / detail::ns_per_s, ns_to_frac(*posix_ns % detail::ns_per_s)};
  return u;
}

/// The TAI nanosecond of a UTC instant (the inverse of utc_from_tai_ns, to the nanosecond).
[[nodiscard]] constexpr result<std::uint64_t> tai_ns_from_utc(utc_time u, const leap_schedule& s) noexcept {
  std::int64_t off = s.tai_minus_utc;
  if (s.next) {
    const leap_second& l = *s.next;
    if (l.sign == leap_sign::positive && (u.in_leap_second || u.posix.sec >= l.end_of_day)) off += 1;
    if (l.sign == leap_sign::negative && u.posix.sec >= l.end_of_day) off -= 1;
  }
  const auto base = detail::tai_ns_at(u.posix.sec, off);
  if (!base) return base.error();
  const std::uint64_t ns = frac_to_ns_floor(u.posix.frac);
  if (*base > UINT64_MAX - ns) return errc::overflow;
  return *base + ns;
}

/// A UTC clock (type UTC) that follows a TAI backend and steps at the scheduled leap second.
template <clock_backend Tai>
class stepping_utc_clock {
 public:
  constexpr stepping_utc_clock(Tai& tai, leap_schedule schedule, bool alarm = false) noexcept
      : tai_(&tai), schedule_(schedule), alarm_(alarm) {}

  [[nodiscard]] constexpr clock_capabilities capabilities() const noexcept {
    return {clock_type::utc, smearing::unspecified, alarm_};
  }
  [[nodiscard]] constexpr result<std::uint64_t> read(std::uint64_t now) {
    const auto t = tai_->read(now);
    if (!t) return t.error();
    const auto u = utc_from_tai_ns(*t, schedule_);
    if (!u) return u.error();
    return u->posix.sec * detail::ns_per_s + frac_to_ns_floor(u->posix.frac);
  }

 private:
  Tai* tai_;
  leap_schedule schedule_;
  bool alarm_;
};

/// A UTC_SMEARED clock that follows a TAI backend and smears the scheduled leap second with
/// NOON_LINEAR or UTC_SLS. Readings are the exact smeared time truncated to nanoseconds.
template <clock_backend Tai>
class smeared_utc_clock {
 public:
  constexpr smeared_utc_clock(Tai& tai, leap_schedule schedule, smear_method method, bool alarm = false) noexcept
      : tai_(&tai), schedule_(schedule), method_(method), alarm_(alarm) {}

  [[nodiscard]] constexpr clock_capabilities capabilities() const noexcept {
    return {clock_type::utc_smeared, static_cast<smearing>(method_), alarm_};
  }

  /// The smeared reading at TAI nanosecond `tai_ns`.
  [[nodiscard]] constexpr result<std::uint64_t> smeared_at(std::uint64_t tai_ns) const noexcept {
    const auto u = utc_from_tai_ns(tai_ns, schedule_);
    if (!u) return u.error();
    fixed_time f = u->posix;
    if (schedule_.next) {
      const auto s = smear(*u, *schedule_.next, method_);
      if (!s) return s.error();
      f = *s;
    }
    if (f.sec > (UINT64_MAX - detail::ns_per_s) / detail::ns_per_s) return errc::overflow;
    return f.sec * detail::ns_per_s + frac_to_ns_floor(f.frac);
  }

  [[nodiscard]] constexpr result<std::uint64_t> read(std::uint64_t now) {
    const auto t = tai_->read(now);
    if (!t) return t.error();
    return smeared_at(*t);
  }

  /// Exact deadlines when the TAI backend has them: unsmear the reading, then ask TAI.
  [[nodiscard]] constexpr std::uint64_t instant_of(std::uint64_t reading, std::uint64_t now) const
    requires deadline_backend<Tai>
  {
    fixed_time f{reading / detail::ns_per_s, ns_to_frac(reading % detail::ns_per_s)};
    utc_time u{f, false};
    if (schedule_.next) {
      const auto t = unsmear(f, *schedule_.next, method_);
      if (!t) return now;
      u = *t;
    }
    const auto tai = tai_ns_from_utc(u, schedule_);
    if (!tai) return now;
    // Truncation to nanoseconds may put the reading one nanosecond later; step to it.
    std::uint64_t at = tai_->instant_of(*tai, now);
    if constexpr (requires { tai_->reading_at(at); }) {
      for (int i = 0; i < 4; ++i) {
        const std::uint64_t r = tai_->reading_at(at);
        const auto s = smeared_at(r);
        if (!s || *s >= reading) break;
        at = tai_->instant_of(r + 1, at);
      }
    }
    return at;
  }

 private:
  Tai* tai_;
  leap_schedule schedule_;
  smear_method method_;
  bool alarm_;
};

VRTC_END_NAMESPACE
