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

#include "vrtc/core/config.hpp"
#include "vrtc/core/leap.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/smear.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/roles/clocks.hpp"

VRTC_BEGIN_NAMESPACE

/// TAI-UTC now, and the next leap second if one is scheduled.
struct leap_schedule {
  std::int16_t tai_minus_utc = 37;  ///< seconds, before `next`
  std::optional<leap_second> next;
};

namespace detail {

inline constexpr std::uint64_t ns_per_s = 1'000'000'000;

/// The TAI nanosecond at which the UTC second `posix_sec` begins (before any leap in `s`).
// Unsigned throughout: posix_sec may be any second count of a schedule, offset any value.
[[nodiscard]] constexpr result<std::uint64_t> tai_ns_at(std::uint64_t posix_sec, std::int64_t offset) noexcept {
  const std::uint64_t magnitude = offset < 0 ? 0 - static_cast<std::uint64_t>(offset) : static_cast<std::uint64_t>(offset);
  if (offset < 0 ? posix_sec < magnitude : posix_sec > UINT64_MAX - magnitude) return errc::overflow;
  const std::uint64_t sec = offset < 0 ? posix_sec - magnitude : posix_sec + magnitude;
  if (sec > UINT64_MAX / ns_per_s) return errc::overflow;
  return sec * ns_per_s;
}

}  // namespace detail

namespace detail {

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

}  // namespace detail

/// The UTC time (POSIX instant plus the 23:59:60 flag) of TAI instant `t` under schedule `s`.
/// The leap clocks count whole nanoseconds, so `t` is taken to the nanosecond (truncated).
/// errc::overflow before the UTC epoch or where the schedule's step lies beyond 2^64 - 1 ns;
/// errc::invalid_argument for an invalid scheduled leap second.
[[nodiscard]] constexpr result<utc_time> to_utc(tai_instant t, const leap_schedule& s) noexcept {
  const result<nanosecond_count> ns = to_nanoseconds_floor(t.time);
  if (!ns) return ns.error();
  return detail::utc_from_tai_ns(ns->count, s);
}

/// The TAI instant of UTC time `u` under schedule `s` (to_utc's inverse, to the nanosecond).
/// errc::overflow where the result lies beyond 2^64 - 1 ns.
[[nodiscard]] constexpr result<tai_instant> to_tai(utc_time u, const leap_schedule& s) noexcept {
  const result<std::uint64_t> ns = detail::tai_ns_from_utc(u, s);
  if (!ns) return ns.error();
  return tai_instant(to_fixed_time(nanosecond_count(*ns)));
}

namespace detail {

/// a + sec seconds in nanoseconds, clamped to [0, 2^64 - 1]: thresholds beyond either end are
/// unreachable or always reached, which is what a clamped threshold says.
[[nodiscard]] constexpr std::uint64_t add_seconds_clamped(std::uint64_t a, std::int64_t sec) noexcept {
  const std::uint64_t mag = static_cast<std::uint64_t>(sec < 0 ? -sec : sec);
  if (mag > UINT64_MAX / ns_per_s) return sec < 0 ? 0 : UINT64_MAX;
  const std::uint64_t d = mag * ns_per_s;
  if (sec < 0) return a >= d ? a - d : 0;
  return a <= UINT64_MAX - d ? a + d : UINT64_MAX;
}

/// The course of a UTC clock against TAI around one leap second, in integer nanoseconds (so
/// that readings are exact, truncated once): before TAI `from` the clock reads TAI - `before`
/// seconds, from TAI `to` on TAI - `after` seconds, and in between (a smear) it runs linearly
/// from `utc_from`, `length` smeared seconds over `true_length` SI seconds. A stepping clock
/// has from == to.
struct leap_course {
  std::uint64_t from = UINT64_MAX;
  std::uint64_t to = UINT64_MAX;
  std::int64_t before = 0;
  std::int64_t after = 0;
  std::uint64_t utc_from = 0;
  std::uint64_t length = 0;
  std::uint64_t true_length = 0;

  /// The course of a clock that follows `s`: stepping when `method` is empty, else smearing.
  [[nodiscard]] static constexpr result<leap_course> of(const leap_schedule& s,
                                                        std::optional<smear_method> method) noexcept {
    leap_course c;
    c.before = c.after = s.tai_minus_utc;
    if (!s.next) return c;
    const leap_second& l = *s.next;
    if (!is_valid(l)) return errc::invalid_argument;
    const std::int64_t sign = l.sign == leap_sign::positive ? 1 : -1;
    c.after = c.before + sign;
    if (!method) {
      // Positive: 23:59:60 begins at TAI (end_of_day + before) s and reads 23:59:59 again.
      // Negative: where 23:59:59 would begin, the clock reads 00:00:00.
      const auto at = tai_ns_at(sign > 0 ? l.end_of_day : l.end_of_day - 1, c.before);
      if (!at) return at.error();
      c.from = c.to = *at;
      return c;
    }
    const auto w = window_of(l, *method);
    if (!w) return w.error();
    const auto from = tai_ns_at(w->start, c.before);
    if (!from) return from.error();
    c.length = w->length;
    c.true_length = sign > 0 ? w->length + 1 : w->length - 1;
    if (w->start + w->length > UINT64_MAX / ns_per_s || *from > UINT64_MAX - c.true_length * ns_per_s)
      return errc::overflow;
    c.from = *from;
    c.to = c.from + c.true_length * ns_per_s;
    c.utc_from = w->start * ns_per_s;
    return c;
  }

  /// The reading at TAI nanosecond `tai`; errc::overflow before the UTC epoch.
  [[nodiscard]] constexpr result<std::uint64_t> reading(std::uint64_t tai) const noexcept {
    if (tai >= from && tai < to) {
      // (tai - from) < 86401 s < 2^47 ns, times 86400 < 2^64.
      return utc_from + (tai - from) * length / true_length;
    }
    const std::int64_t off = tai < from ? before : after;  // |off| <= 2^15: no overflow below
    const std::uint64_t d = static_cast<std::uint64_t>(off < 0 ? -off : off) * ns_per_s;
    if (off >= 0) return tai >= d ? result<std::uint64_t>(tai - d) : result<std::uint64_t>(errc::overflow);
    return tai <= UINT64_MAX - d ? result<std::uint64_t>(tai + d) : result<std::uint64_t>(errc::overflow);
  }

  /// The first TAI nanosecond whose reading is >= r, for a course that never goes back (every
  /// smear, a negative leap step): the reading is non-decreasing in TAI.
  [[nodiscard]] constexpr std::uint64_t threshold(std::uint64_t r) const noexcept {
    const std::uint64_t before_from = add_seconds_clamped(r, before);
    if (before_from < from) return before_from;
    if (from != to && r < utc_from + length * ns_per_s) {
      // Smear: the least TAI offset d with d * length / true_length >= r - utc_from.
      const std::uint64_t need = r - utc_from;  // < 86400 s: the product stays below 2^64
      return from + (need * true_length + length - 1) / length;
    }
    const std::uint64_t after_to = add_seconds_clamped(r, after);
    return after_to > to ? after_to : to;
  }
};

}  // namespace detail

/// A UTC clock (type UTC) that follows a TAI backend and steps at the scheduled leap second.
template <clock_backend Tai>
class stepping_utc_clock {
 public:
  constexpr stepping_utc_clock(Tai& tai, leap_schedule schedule, bool alarm = false) noexcept
      : tai_(&tai), schedule_(schedule), alarm_(alarm) {}

  [[nodiscard]] constexpr clock_capabilities capabilities() const noexcept {
    return {clock_type::utc, smearing::unspecified, alarm_};
  }
  [[nodiscard]] constexpr result<std::uint64_t> read(reference_time now) {
    const auto t = tai_->read(now);
    if (!t) return t.error();
    const auto c = course();
    if (!c) return c.error();
    return c->reading(*t);
  }

  /// Deadlines from the TAI backend's, through the scheduled step. A positive leap second
  /// steps back, so a reading may be reached twice: before the step and again after it.
  [[nodiscard]] constexpr reference_time instant_of(std::uint64_t reading, reference_time now) const
    requires deadline_backend<Tai>
  {
    const auto c = course();
    const auto tai = tai_->read(now);
    if (!c || !tai) return now;  // nothing known: only `now` is safe
    const auto current = c->reading(*tai);
    if (current && *current >= reading) return now;
    if (c->before == c->after || c->after < c->before) return tai_->instant_of(c->threshold(reading), now);
    // Positive leap second. Any reading >= r needs TAI >= r + before; after the step, TAI >=
    // r + after, unless TAI itself goes back before the step.
    const std::uint64_t first = detail::add_seconds_clamped(reading, c->before);
    const std::uint64_t again = detail::add_seconds_clamped(reading, c->after);
    if (*tai < c->from) return tai_->instant_of(first < c->from ? first : again, now);
    const reference_time at = tai_->instant_of(again, now);
    if (first >= c->from) return at;
    const reference_time back = tai_->instant_below(c->from, now);
    return back < at ? back : at;
  }

  /// When the clock may show a reading below `reading`: at a positive leap second's step
  /// back, or when TAI goes back.
  [[nodiscard]] constexpr reference_time instant_below(std::uint64_t reading, reference_time now) const
    requires deadline_backend<Tai>
  {
    const auto c = course();
    const auto tai = tai_->read(now);
    if (!c || !tai) return now;
    const auto current = c->reading(*tai);
    if (!current || *current < reading) return now;
    if (c->before == c->after || c->after < c->before) return tai_->instant_below(c->threshold(reading), now);
    if (*tai >= c->from) return tai_->instant_below(detail::add_seconds_clamped(reading, c->after), now);
    reference_time at = tai_->instant_below(detail::add_seconds_clamped(reading, c->before), now);
    // The step lands on TAI `from` - after; below `reading` when that is.
    if (detail::add_seconds_clamped(reading, c->after) > c->from) {
      const reference_time step = tai_->instant_of(c->from, now);
      if (step < at) at = step;
    }
    return at;
  }

 private:
  [[nodiscard]] constexpr result<detail::leap_course> course() const noexcept {
    return detail::leap_course::of(schedule_, std::nullopt);
  }

  Tai* tai_;
  leap_schedule schedule_;
  bool alarm_;
};

/// A UTC_SMEARED clock that follows a TAI backend and smears the scheduled leap second with
/// NOON_LINEAR or UTC_SLS. Readings are the exact smeared time truncated to nanoseconds: the
/// smear's rate L / (L +- 1) is applied to integer TAI nanoseconds, with one division.
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
    const auto c = course();
    if (!c) return c.error();
    return c->reading(tai_ns);
  }

  [[nodiscard]] constexpr result<std::uint64_t> read(reference_time now) {
    const auto t = tai_->read(now);
    if (!t) return t.error();
    return smeared_at(*t);
  }

  /// Deadlines from the TAI backend's: the smeared clock never goes back, so a reading is
  /// reached exactly when TAI reaches its first TAI nanosecond.
  [[nodiscard]] constexpr reference_time instant_of(std::uint64_t reading, reference_time now) const
    requires deadline_backend<Tai>
  {
    const auto c = course();
    if (!c) return now;
    return tai_->instant_of(c->threshold(reading), now);
  }
  [[nodiscard]] constexpr reference_time instant_below(std::uint64_t reading, reference_time now) const
    requires deadline_backend<Tai>
  {
    const auto c = course();
    if (!c) return now;
    return tai_->instant_below(c->threshold(reading), now);
  }

 private:
  [[nodiscard]] constexpr result<detail::leap_course> course() const noexcept {
    return detail::leap_course::of(schedule_, method_);
  }

  Tai* tai_;
  leap_schedule schedule_;
  smear_method method_;
  bool alarm_;
};

VRTC_END_NAMESPACE
