// vrtc: exact fixed-point time arithmetic shared by vmclock and virtio-rtc, constexpr.
//
// Time is held as whole seconds plus a fraction in units of 2^-64 s (the vmclock page's own
// representation), so every conversion from a counter is exact and every lossy step is a named
// function with a stated rounding. Nothing here wraps silently: a result that leaves its type's
// range is errc::overflow. docs/time.md has the formulas with worked examples.
#pragma once

#include <bit>
#include <compare>
#include <cstdint>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/u128.hpp"

VRTC_BEGIN_NAMESPACE

inline constexpr std::uint64_t nanoseconds_per_second = 1'000'000'000;

// --- strong types ----------------------------------------------------------------------------
// One type per unit, so seconds, fractions, nanoseconds and ticks cannot be mixed by accident.
// Each holds a uint64_t `count`; construction is explicit, conversion is a named function.

/// A count of some unit, distinct from every other unit's count.
template <class Unit>
struct quantity {
  std::uint64_t count = 0;
  constexpr quantity() noexcept = default;
  constexpr explicit quantity(std::uint64_t n) noexcept : count(n) {}
  friend constexpr auto operator<=>(const quantity&, const quantity&) = default;
};

namespace unit {
struct second;           ///< whole seconds
struct second_fraction;  ///< 2^-64 s: 0 .. 1 - 2^-64 s
struct nanosecond;       ///< nanoseconds: a duration or a time since an epoch
struct counter_tick;     ///< ticks of a hardware counter (a difference of readings, not a reading)
}  // namespace unit

using whole_seconds = quantity<unit::second>;
using second_fraction = quantity<unit::second_fraction>;
using nanosecond_count = quantity<unit::nanosecond>;
using counter_ticks = quantity<unit::counter_tick>;

/// An instant: sec + frac / 2^64 seconds since the epoch of its time scale. The pair is one
/// 128-bit fixed-point number, so it orders like one.
struct fixed_time {
  std::uint64_t sec = 0;
  std::uint64_t frac = 0;
  friend constexpr bool operator==(const fixed_time&, const fixed_time&) = default;
  friend constexpr auto operator<=>(const fixed_time&, const fixed_time&) = default;
};

[[nodiscard]] constexpr fixed_time make_fixed_time(whole_seconds s, second_fraction f) noexcept {
  return {s.count, f.count};
}
[[nodiscard]] constexpr whole_seconds seconds_of(fixed_time t) noexcept { return whole_seconds(t.sec); }
[[nodiscard]] constexpr second_fraction fraction_of(fixed_time t) noexcept { return second_fraction(t.frac); }

// --- time scales -----------------------------------------------------------------------------
// A fixed_time does not say what it counts; an instant does. Seconds of UTC and of TAI differ by
// tens of seconds, so an instant of one scale never converts to another implicitly: only the
// named conversions below (which take the offset) cross scales.

namespace scale {
struct utc;          ///< UTC since 1970-01-01T00:00:00Z, leap seconds not counted (POSIX)
struct tai;          ///< TAI since 1970-01-01T00:00:00 TAI
struct smeared_utc;  ///< UTC with leap seconds smeared over a window (no 23:59:60)
struct monotonic;    ///< a monotonic clock since an unspecified origin
}  // namespace scale

/// An instant on the time scale `Scale`.
template <class Scale>
struct instant {
  fixed_time time;
  constexpr instant() noexcept = default;
  constexpr explicit instant(fixed_time t) noexcept : time(t) {}
  friend constexpr bool operator==(const instant&, const instant&) = default;
  friend constexpr auto operator<=>(const instant&, const instant&) = default;
};

using utc_instant = instant<scale::utc>;
using tai_instant = instant<scale::tai>;
using smeared_utc_instant = instant<scale::smeared_utc>;
using monotonic_instant = instant<scale::monotonic>;

// --- reference time --------------------------------------------------------------------------
// The roles (device, alarms, deadlines, the CMOS RTC model) never read a clock: their caller
// hands in `now`, an instant of one clock it chose (a host CLOCK_MONOTONIC, a simulation's
// virtual time). That clock is the reference clock; its instants are reference_time, distinct
// from the readings of the clocks a device serves (plain u64 nanoseconds, as on the wire) and
// from every other instant type, so neither a reading nor a duration can be passed as `now`.

/// An instant of the caller's reference clock: nanoseconds since its origin, 0 .. 2^64 - 1.
/// Durations are nanosecond_count. Arithmetic saturates at the ends of the range instead of
/// wrapping: max() stands for "never", and a deadline past it stays "never".
class reference_time {
 public:
  constexpr reference_time() noexcept = default;  ///< the reference clock's origin
  constexpr explicit reference_time(std::uint64_t ns_since_origin) noexcept : ns_(ns_since_origin) {}

  /// Nanoseconds since the reference clock's origin.
  [[nodiscard]] constexpr std::uint64_t ns() const noexcept { return ns_; }
  [[nodiscard]] constexpr nanosecond_count since_origin() const noexcept { return nanosecond_count(ns_); }

  [[nodiscard]] static constexpr reference_time min() noexcept { return reference_time(0); }
  /// The last instant; deadlines use it for "never".
  [[nodiscard]] static constexpr reference_time max() noexcept { return reference_time(UINT64_MAX); }

  friend constexpr bool operator==(reference_time, reference_time) = default;
  friend constexpr auto operator<=>(reference_time, reference_time) = default;

  /// `d` later, saturating at max().
  [[nodiscard]] friend constexpr reference_time operator+(reference_time t, nanosecond_count d) noexcept {
    return reference_time(t.ns_ > UINT64_MAX - d.count ? UINT64_MAX : t.ns_ + d.count);
  }
  /// `d` earlier, saturating at the origin.
  [[nodiscard]] friend constexpr reference_time operator-(reference_time t, nanosecond_count d) noexcept {
    return reference_time(t.ns_ < d.count ? 0 : t.ns_ - d.count);
  }
  /// How long after `b` the instant `a` is; 0 when it is not after `b`.
  [[nodiscard]] friend constexpr nanosecond_count operator-(reference_time a, reference_time b) noexcept {
    return nanosecond_count(a.ns_ > b.ns_ ? a.ns_ - b.ns_ : 0);
  }
  constexpr reference_time& operator+=(nanosecond_count d) noexcept { return *this = *this + d; }
  constexpr reference_time& operator-=(nanosecond_count d) noexcept { return *this = *this - d; }

 private:
  std::uint64_t ns_ = 0;
};

/// The length of one counter tick: frac_sec / 2^(64 + shift) seconds (vmclock's
/// counter_period_frac_sec and counter_period_shift; the same unit is used for the error rates).
struct counter_period {
  std::uint64_t frac_sec = 0;
  std::uint8_t shift = 0;
  friend constexpr bool operator==(const counter_period&, const counter_period&) = default;
};

// --- the shift rule --------------------------------------------------------------------------

/// Whether `frac_sec / 2^(64 + shift)` is a period this library accepts.
///
/// Every shift below 128 is accepted and computed exactly. With a shift of 128 or more a
/// non-zero period is below 2^-192 s -- no counter ticks that fast, and the product
/// delta * frac_sec (< 2^128) would shift out completely, silently freezing the clock -- so such
/// a period is errc::invalid_shift. A zero period is zero at any scale and stays valid.
[[nodiscard]] constexpr bool is_valid_period(std::uint64_t frac_sec, std::uint8_t shift) noexcept {
  return shift < 128 || frac_sec == 0;
}
[[nodiscard]] constexpr bool is_valid(counter_period p) noexcept { return is_valid_period(p.frac_sec, p.shift); }

// --- fraction <-> nanoseconds ----------------------------------------------------------------

/// floor(frac * 10^9 / 2^64): the nanoseconds of a fraction, truncated exactly as the Linux
/// vmclock driver does (mul_u64_u64_shr(frac, NSEC_PER_SEC, 64)). Always < 10^9.
[[nodiscard]] constexpr std::uint64_t frac_to_ns_floor(std::uint64_t frac) noexcept {
  return u128::mul(frac, nanoseconds_per_second).hi();
}

/// frac * 10^9 / 2^64 rounded to the nearest nanosecond, ties upwards. Returns 10^9 for the
/// fractions within half a nanosecond of the next second (frac > 2^64 - 2^63 / 10^9); a caller
/// building (seconds, nanoseconds) must carry that into the seconds (round_to_nanoseconds does).
[[nodiscard]] constexpr std::uint64_t frac_to_ns_round(std::uint64_t frac) noexcept {
  return (u128::mul(frac, nanoseconds_per_second) + u128::from_halves(0, std::uint64_t{1} << 63)).hi();
}

/// ceil(ns * 2^64 / 10^9) for ns < 10^9: the smallest fraction that is at least ns nanoseconds.
///
/// Round trip: frac_to_ns_floor(ns_to_frac(n)) == n and frac_to_ns_round(ns_to_frac(n)) == n for
/// every n < 10^9, and ns_to_frac(frac_to_ns_floor(f)) <= f < ns_to_frac(frac_to_ns_floor(f) + 1)
/// for every f. An argument of 10^9 or more is reduced modulo 10^9 (whole seconds belong in the
/// seconds field; the checked form is to_fraction(nanosecond_count)).
[[nodiscard]] constexpr std::uint64_t ns_to_frac(std::uint64_t ns_below_1e9) noexcept {
  const std::uint64_t ns = ns_below_1e9 % nanoseconds_per_second;
  // 2^64 / 10^9 = 18446744073 + 709551616 / 10^9, so the product splits into two exact 64-bit
  // parts: ns * 18446744073 < 2^64 and ns * 709551616 < 2^63.
  constexpr std::uint64_t whole = 18'446'744'073;
  constexpr std::uint64_t remainder = 709'551'616;
  const std::uint64_t part = ns * remainder;
  return ns * whole + part / nanoseconds_per_second + (part % nanoseconds_per_second != 0 ? 1u : 0u);
}

[[nodiscard]] constexpr nanosecond_count to_nanoseconds_floor(second_fraction f) noexcept {
  return nanosecond_count(frac_to_ns_floor(f.count));
}
/// Rounded to nearest; may be 10^9 (see frac_to_ns_round).
[[nodiscard]] constexpr nanosecond_count to_nanoseconds_round(second_fraction f) noexcept {
  return nanosecond_count(frac_to_ns_round(f.count));
}
/// The smallest fraction of at least `ns` nanoseconds; errc::invalid_argument for ns >= 10^9.
[[nodiscard]] constexpr result<second_fraction> to_fraction(nanosecond_count ns) noexcept {
  if (ns.count >= nanoseconds_per_second) return errc::invalid_argument;
  return second_fraction(ns_to_frac(ns.count));
}

// --- instants in nanoseconds -----------------------------------------------------------------

/// An instant as whole seconds and nanoseconds (nsec < 10^9), like struct timespec.
struct seconds_and_nanoseconds {
  std::uint64_t sec = 0;
  std::uint32_t nsec = 0;
  friend constexpr bool operator==(const seconds_and_nanoseconds&, const seconds_and_nanoseconds&) = default;
  friend constexpr auto operator<=>(const seconds_and_nanoseconds&, const seconds_and_nanoseconds&) = default;
};

/// Truncated to the nanosecond (what the Linux vmclock driver reports). Never fails.
[[nodiscard]] constexpr seconds_and_nanoseconds truncate_to_nanoseconds(fixed_time t) noexcept {
  return {t.sec, static_cast<std::uint32_t>(frac_to_ns_floor(t.frac))};
}

/// Rounded to the nearest nanosecond, ties upwards, carrying 10^9 ns into the seconds;
/// errc::overflow if that carry leaves the seconds' range.
[[nodiscard]] constexpr result<seconds_and_nanoseconds> round_to_nanoseconds(fixed_time t) noexcept {
  const std::uint64_t ns = frac_to_ns_round(t.frac);
  if (ns < nanoseconds_per_second) return seconds_and_nanoseconds{t.sec, static_cast<std::uint32_t>(ns)};
  if (t.sec == UINT64_MAX) return errc::overflow;
  return seconds_and_nanoseconds{t.sec + 1, 0};
}

/// The earliest fixed_time with these seconds and nanoseconds (truncate_to_nanoseconds gives
/// them back); errc::invalid_argument for nsec >= 10^9.
[[nodiscard]] constexpr result<fixed_time> to_fixed_time(seconds_and_nanoseconds t) noexcept {
  if (t.nsec >= nanoseconds_per_second) return errc::invalid_argument;
  return fixed_time{t.sec, ns_to_frac(t.nsec)};
}

/// Nanoseconds since the epoch, truncated (virtio-rtc's clock_reading unit); errc::overflow
/// from 2^64 ns on (the year 2554 for a 1970 epoch).
[[nodiscard]] constexpr result<nanosecond_count> to_nanoseconds_floor(fixed_time t) noexcept {
  const u128 ns = u128::mul(t.sec, nanoseconds_per_second) + u128(frac_to_ns_floor(t.frac));
  if (ns.hi() != 0) return errc::overflow;
  return nanosecond_count(ns.lo());
}

/// The earliest fixed_time that is `ns` nanoseconds after the epoch. Never fails.
[[nodiscard]] constexpr fixed_time to_fixed_time(nanosecond_count ns) noexcept {
  return {ns.count / nanoseconds_per_second, ns_to_frac(ns.count % nanoseconds_per_second)};
}

// --- counter -> time -------------------------------------------------------------------------

namespace detail {
/// counter_to_time for every input, one rule for each case (basic_counter_to_time takes a
/// shorter route for the common one; tests compare the two).
template <class U128>
[[nodiscard]] constexpr result<fixed_time> counter_to_time_exact(fixed_time reference, std::uint64_t reference_counter,
                                                                 std::uint64_t counter, counter_period period) noexcept {
  if (!is_valid(period)) return errc::invalid_shift;
  // delta = counter - reference_counter as a signed 64-bit two's-complement difference: a
  // counter read slightly before the reference gives an earlier time, not one 2^64 ticks later.
  const std::uint64_t forward = counter - reference_counter;
  const bool backwards = (forward >> 63) != 0;
  const std::uint64_t magnitude = backwards ? 0 - forward : forward;  // |delta| <= 2^63
  const U128 product = U128::mul(magnitude, period.frac_sec);          // units of 2^-(64+shift) s
  const unsigned shift = period.shift;
  U128 step = product >> shift;                                       // units of 2^-64 s
  const U128 start = U128::from_halves(reference.sec, reference.frac);
  if (!backwards) {
    const U128 t = start + step;
    if (t < start) return errc::overflow;
    return fixed_time{t.hi(), t.lo()};
  }
  // floor(-x) = -ceil(x): a backward step is rounded up in magnitude, so the result is still
  // the exact time truncated toward -infinity.
  if ((step << shift) != product) step = step + U128(1);
  if (step > start) return errc::overflow;
  const U128 t = start - step;
  return fixed_time{t.hi(), t.lo()};
}
}  // namespace detail

/// counter_to_time computed with a chosen 128-bit implementation (tests and fuzzers run both).
///
/// The common case -- the counter at or after the reference and a shift below 64 -- is the
/// same formula without the cases it cannot meet: the period is valid, the step needs no
/// rounding, and the shift is a plain two-word shift, so the compiler keeps the sum in
/// registers. Everything else takes detail::counter_to_time_exact; both give identical results.
template <class U128>
[[nodiscard, gnu::always_inline]] constexpr result<fixed_time> basic_counter_to_time(
    fixed_time reference, std::uint64_t reference_counter, std::uint64_t counter, counter_period period) noexcept {
  const std::uint64_t forward = counter - reference_counter;
  if ((forward >> 63) == 0 && period.shift < 64) [[likely]] {
    // In 64-bit words: GCC spills a 128-bit sum to the stack, and does not use a shift's known
    // range to drop the case of 64 and more.
    const U128 product = U128::mul(forward, period.frac_sec);
    const unsigned shift = period.shift;
    // (hi << 1) << (63 - shift) is hi << (64 - shift) without the undefined shift by 64.
    const std::uint64_t step_lo = (product.lo() >> shift) | ((product.hi() << 1) << (63 - shift));
    const std::uint64_t step_hi = product.hi() >> shift;  // < 2^63, as forward < 2^63
    const std::uint64_t frac = reference.frac + step_lo;
    const std::uint64_t sec = reference.sec + step_hi + (frac < step_lo ? 1u : 0u);
    if (sec < reference.sec) [[unlikely]] return errc::overflow;  // step_hi + carry <= 2^63
    return fixed_time{sec, frac};
  }
  return detail::counter_to_time_exact<U128>(reference, reference_counter, counter, period);
}

/// The time at `counter`, given that the clock read `reference` at `reference_counter`:
/// reference + delta * period.frac_sec / 2^(64 + period.shift) with a signed 64-bit delta.
/// Exact, truncated toward -infinity in units of 2^-64 s. errc::overflow if the seconds leave
/// [0, 2^64); errc::invalid_shift for a period rejected by is_valid_period.
[[nodiscard]] constexpr result<fixed_time> counter_to_time(fixed_time reference, std::uint64_t reference_counter,
                                                           std::uint64_t counter, counter_period period) noexcept {
  return basic_counter_to_time<u128>(reference, reference_counter, counter, period);
}

namespace detail {
/// A 64-bit value and whether the exact result fit it: a plain pair rather than a result<>, so
/// that hot callers keep it in registers.
struct checked_u64 {
  std::uint64_t value;
  bool fits;
};

/// floor(floor(ticks * rate / 2^shift) * 10^9 / 2^64) for a valid period (is_valid_period).
template <class U128>
[[nodiscard]] constexpr checked_u64 ticks_to_ns_unchecked_shift(std::uint64_t ticks, std::uint64_t rate_frac_sec,
                                                                std::uint8_t shift) noexcept {
  const U128 elapsed = U128::mul(ticks, rate_frac_sec) >> unsigned{shift};               // units of 2^-64 s
  const std::uint64_t fraction_ns = U128::mul(elapsed.lo(), nanoseconds_per_second).hi();  // frac_to_ns_floor
  const U128 ns = U128::mul(elapsed.hi(), nanoseconds_per_second) + U128(fraction_ns);
  return {ns.lo(), ns.hi() == 0};
}
}  // namespace detail

/// ticks_to_nanoseconds computed with a chosen 128-bit implementation.
template <class U128>
[[nodiscard]] constexpr result<std::uint64_t> basic_ticks_to_nanoseconds(std::uint64_t ticks, std::uint64_t rate_frac_sec,
                                                                         std::uint8_t shift) noexcept {
  if (!is_valid_period(rate_frac_sec, shift)) return errc::invalid_shift;
  const detail::checked_u64 ns = detail::ticks_to_ns_unchecked_shift<U128>(ticks, rate_frac_sec, shift);
  if (!ns.fits) return errc::overflow;
  return ns.value;
}

/// basic_ticks_to_nanoseconds with both of its errors given as UINT64_MAX ns (about 584 years):
/// what an error bound, which saturates rather than fails, needs.
template <class U128>
[[nodiscard]] constexpr std::uint64_t basic_ticks_to_nanoseconds_saturating(std::uint64_t ticks,
                                                                            std::uint64_t rate_frac_sec,
                                                                            std::uint8_t shift) noexcept {
  if (!is_valid_period(rate_frac_sec, shift)) return UINT64_MAX;
  const detail::checked_u64 ns = detail::ticks_to_ns_unchecked_shift<U128>(ticks, rate_frac_sec, shift);
  return ns.fits ? ns.value : UINT64_MAX;
}

/// The duration of `ticks` ticks of a period (or an error rate) frac_sec / 2^(64 + shift), in
/// whole nanoseconds: floor(ticks * rate / 2^shift) in 2^-64 s, then floor to nanoseconds --
/// the two truncations of the Linux vmclock error-bound code, so the result may be up to 1 ns
/// below floor(exact * 10^9). errc::overflow above 2^64 - 1 ns; errc::invalid_shift as
/// is_valid_period.
[[nodiscard]] constexpr result<std::uint64_t> ticks_to_nanoseconds(std::uint64_t ticks, std::uint64_t rate_frac_sec,
                                                                   std::uint8_t shift) noexcept {
  return basic_ticks_to_nanoseconds<u128>(ticks, rate_frac_sec, shift);
}

/// ticks_to_nanoseconds, UINT64_MAX where that is an error.
[[nodiscard]] constexpr std::uint64_t ticks_to_nanoseconds_saturating(std::uint64_t ticks, std::uint64_t rate_frac_sec,
                                                                      std::uint8_t shift) noexcept {
  return basic_ticks_to_nanoseconds_saturating<u128>(ticks, rate_frac_sec, shift);
}

[[nodiscard]] constexpr result<nanosecond_count> to_nanoseconds(counter_ticks ticks, counter_period period) noexcept {
  const result<std::uint64_t> ns = ticks_to_nanoseconds(ticks.count, period.frac_sec, period.shift);
  if (!ns) return ns.error();
  return nanosecond_count(*ns);
}

// --- calibration -----------------------------------------------------------------------------

/// The counter_period of a counter running at `hz` with the best precision the fields allow:
/// the largest shift whose frac_sec still fits 64 bits (shift = ceil(log2 hz) - 1, so
/// 2^63 <= frac_sec < 2^64), and frac_sec = 2^(64 + shift) / hz rounded to nearest.
/// 1 GHz -> shift 29, frac_sec 0x89705F4136B4A597. errc::invalid_argument for hz < 2 (a period
/// of a second or more does not fit the fields).
[[nodiscard]] constexpr result<counter_period> best_counter_period(std::uint64_t hz) noexcept {
  if (hz < 2) return errc::invalid_argument;
  const auto shift = static_cast<unsigned>(std::bit_width(hz - 1) - 1);  // 2^shift < hz <= 2^(shift+1)
  const auto [quotient, remainder] = u128::divmod(u128(1) << (64 + shift), hz);
  // Round half up; remainder >= hz - remainder without overflow. Cannot reach 2^64 (hz > 2^shift).
  const std::uint64_t frac = quotient.lo() + (remainder >= hz - remainder ? 1u : 0u);
  return counter_period{frac, static_cast<std::uint8_t>(shift)};
}

// --- TAI <-> UTC -----------------------------------------------------------------------------
// tai_offset_sec is UTC - TAI (vmclock's field; -37 since 2017): utc = tai + tai_offset_sec.
// The offset is taken as an int32 (the page's int16, or one adjusted by a leap second); its
// magnitude is formed in unsigned arithmetic, so every int32 value is defined.

/// UTC seconds from TAI seconds; errc::overflow if the result leaves [0, 2^64).
[[nodiscard]] constexpr result<std::uint64_t> utc_from_tai(std::uint64_t tai_sec, std::int32_t tai_offset_sec) noexcept {
  if (tai_offset_sec < 0) {
    const std::uint64_t back = 0 - static_cast<std::uint64_t>(tai_offset_sec);
    if (tai_sec < back) return errc::overflow;
    return tai_sec - back;
  }
  const auto forward = static_cast<std::uint64_t>(tai_offset_sec);
  if (tai_sec > UINT64_MAX - forward) return errc::overflow;
  return tai_sec + forward;
}

/// TAI seconds from UTC seconds (tai = utc - tai_offset_sec); errc::overflow outside [0, 2^64).
[[nodiscard]] constexpr result<std::uint64_t> tai_from_utc(std::uint64_t utc_sec, std::int32_t tai_offset_sec) noexcept {
  if (tai_offset_sec < 0) {
    const std::uint64_t forward = 0 - static_cast<std::uint64_t>(tai_offset_sec);
    if (utc_sec > UINT64_MAX - forward) return errc::overflow;
    return utc_sec + forward;
  }
  const auto back = static_cast<std::uint64_t>(tai_offset_sec);
  if (utc_sec < back) return errc::overflow;
  return utc_sec - back;
}

[[nodiscard]] constexpr result<fixed_time> utc_from_tai(fixed_time tai, std::int32_t tai_offset_sec) noexcept {
  const result<std::uint64_t> sec = utc_from_tai(tai.sec, tai_offset_sec);
  if (!sec) return sec.error();
  return fixed_time{*sec, tai.frac};
}

[[nodiscard]] constexpr result<fixed_time> tai_from_utc(fixed_time utc, std::int32_t tai_offset_sec) noexcept {
  const result<std::uint64_t> sec = tai_from_utc(utc.sec, tai_offset_sec);
  if (!sec) return sec.error();
  return fixed_time{*sec, utc.frac};
}

/// The UTC instant of a TAI instant, with `tai_offset_sec` = UTC - TAI (vmclock's sign).
[[nodiscard]] constexpr result<utc_instant> to_utc(tai_instant t, std::int32_t tai_offset_sec) noexcept {
  const auto utc = utc_from_tai(t.time, tai_offset_sec);
  if (!utc) return utc.error();
  return utc_instant(*utc);
}
/// The TAI instant of a UTC instant, with `tai_offset_sec` = UTC - TAI (vmclock's sign).
[[nodiscard]] constexpr result<tai_instant> to_tai(utc_instant t, std::int32_t tai_offset_sec) noexcept {
  const auto tai = tai_from_utc(t.time, tai_offset_sec);
  if (!tai) return tai.error();
  return tai_instant(*tai);
}

VRTC_END_NAMESPACE
