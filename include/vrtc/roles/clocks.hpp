// vrtc: clock backends for a virtio-rtc device, and simulated reference backends.
//
// A device serves its clocks through backends. A backend is any type that says what it is
// (clock_capabilities) and can be read at a reference instant `now`:
//
//   clock_capabilities capabilities() const;
//   result<std::uint64_t> read(reference_time now);               // nanoseconds
//   // optional, for READ_CROSS / CROSS_CAP:
//   bool supports_cross(hw_counter) const;
//   result<cross_timestamp> read_cross(reference_time now, hw_counter);
//   // for alarms (a clock with an alarm must have them, see deadline_backend):
//   reference_time instant_of(std::uint64_t reading, reference_time now) const;
//   reference_time instant_below(std::uint64_t reading, reference_time now) const;
//
// `now` is the device's reference time (a host monotonic clock, or the virtual time of a
// simulation; core/time.hpp): the handler and the alarm machine never look at a wall clock
// themselves. Readings are the served clock's own nanoseconds, as on the wire. Simulated backends compute their reading from `now`; host backends
// (host_clocks.hpp) read the host clock and use `now` only for deadlines.
//
// cross_timestamp::counter_cycles is the *device's* counter value at the instant of the reading;
// the device turns it into the value the driver would have read with a counter_transform
// (guest TSC offset and multiplier, Arm CNTVOFF), §5.23.6.5.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/core/u128.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/roles/cross_timestamp.hpp"

VRTC_BEGIN_NAMESPACE

/// What CLOCK_CAP reports for a clock. A device reports leap_second_smearing only for
/// UTC_SMEARED clocks (§5.23.6.4.2); `alarm` becomes ALARM_CAP when F_ALARM is negotiated.
struct clock_capabilities {
  clock_type type = clock_type::utc;
  smearing leap_second_smearing = smearing::unspecified;
  bool alarm = false;
  friend constexpr bool operator==(const clock_capabilities&, const clock_capabilities&) = default;
};

/// The minimal clock backend: capabilities and READ.
template <class C>
concept clock_backend = requires(C& c, const C& cc, reference_time now) {
  { cc.capabilities() } -> std::convertible_to<clock_capabilities>;
  { c.read(now) } -> std::same_as<result<std::uint64_t>>;
};

/// A backend that can also cross-timestamp against hardware counters (READ_CROSS).
template <class C>
concept cross_timestamping_backend = clock_backend<C> && requires(C& c, const C& cc, reference_time now, hw_counter h) {
  { cc.supports_cross(h) } -> std::same_as<bool>;
  { c.read_cross(now, h) } -> std::same_as<result<cross_timestamp>>;
};

/// "Never": the instant a deadline function returns for an event the clock's course excludes.
inline constexpr reference_time never_instant = reference_time::max();

/// A backend that bounds when (in reference time) its readings cross a value, so that a host
/// loop sleeping until device::next_deadline() never misses or delays an alarm event. Both
/// answers are lower bounds -- early is allowed, late is not -- over the backend's own course:
/// its fastest possible rate and every step it makes by itself (a leap second, say).
///   instant_of(r, now):    no reading >= r before the returned instant;
///   instant_below(r, now): no reading < r before the returned instant (never_instant when
///                          the clock's course never goes back below r).
/// Each returns `now` when the clock shows such a reading already, and otherwise an instant
/// after `now`, so that a loop waiting for it makes progress. Changes made from outside the
/// backend's course (an administrator setting a host clock, a simulation stepping its clock)
/// are the caller's to report with device::advance().
template <class C>
concept deadline_backend = clock_backend<C> && requires(const C& c, std::uint64_t reading, reference_time now) {
  { c.instant_of(reading, now) } -> std::same_as<reference_time>;
  { c.instant_below(reading, now) } -> std::same_as<reference_time>;
};

/// How the driver's view of a counter derives from the device's:
///   driver = ((device * multiplier) >> frac_bits) + offset   (mod 2^64).
/// x86: TSC scaling ratio with 48 (Intel) or 32 (AMD) fraction bits, then the TSC offset.
/// Arm: CNTVCT = CNTPCT - CNTVOFF (multiplier 1, no fraction bits).
struct counter_transform {
  std::uint64_t multiplier = 1;
  unsigned frac_bits = 0;  ///< < 64
  std::uint64_t offset = 0;

  /// The counter value the driver reads when the device's counter shows `device_cycles`.
  [[nodiscard]] constexpr std::uint64_t apply(std::uint64_t device_cycles) const noexcept {
    const std::uint64_t scaled = (u128::mul(device_cycles, multiplier) >> frac_bits).lo();
    return scaled + offset;
  }

  /// The identity: the driver reads what the device reads.
  [[nodiscard]] static constexpr counter_transform identity() noexcept { return {}; }
  /// x86 guest TSC: guest = ((host * ratio) >> frac_bits) + tsc_offset.
  [[nodiscard]] static constexpr counter_transform x86_tsc(std::uint64_t ratio, unsigned frac_bits,
                                                           std::uint64_t tsc_offset) noexcept {
    return {ratio, frac_bits, tsc_offset};
  }
  /// Arm virtual counter: CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2.
  [[nodiscard]] static constexpr counter_transform arm_cntvoff(std::uint64_t cntvoff) noexcept {
    return {1, 0, std::uint64_t{0} - cntvoff};
  }
  friend constexpr bool operator==(const counter_transform&, const counter_transform&) = default;
};

/// A non-owning, type-erased reference to a clock backend, so that one device can serve clocks
/// of different types. The backend must outlive the reference.
class clock_ref {
 public:
  template <clock_backend C>
    requires(!std::same_as<std::remove_cvref_t<C>, clock_ref>)
  constexpr clock_ref(C& backend) noexcept  // NOLINT: implicit by design
      : object_(&backend), vtable_(&vtable_for<C>) {}

  [[nodiscard]] constexpr clock_capabilities capabilities() const { return vtable_->capabilities(object_); }
  [[nodiscard]] constexpr result<std::uint64_t> read(reference_time now) const { return vtable_->read(object_, now); }
  [[nodiscard]] constexpr bool supports_cross(hw_counter h) const { return vtable_->supports_cross(object_, h); }
  [[nodiscard]] constexpr result<cross_timestamp> read_cross(reference_time now, hw_counter h) const {
    return vtable_->read_cross(object_, now, h);
  }
  /// Whether the backend bounds its deadlines (deadline_backend); a clock with an alarm must.
  [[nodiscard]] constexpr bool has_deadlines() const noexcept { return vtable_->instant_of != nullptr; }
  /// The backend's lower bound for the first instant >= now with a reading >= `reading`; `now`
  /// for a backend without deadlines (it says nothing, so nothing later is safe).
  [[nodiscard]] constexpr reference_time instant_of(std::uint64_t reading, reference_time now) const {
    return vtable_->instant_of != nullptr ? vtable_->instant_of(object_, reading, now) : now;
  }
  /// The backend's lower bound for the first instant >= now with a reading < `reading`
  /// (never_instant if its course never goes there); `now` for a backend without deadlines.
  [[nodiscard]] constexpr reference_time instant_below(std::uint64_t reading, reference_time now) const {
    return vtable_->instant_below != nullptr ? vtable_->instant_below(object_, reading, now) : now;
  }

 private:
  struct vtable {
    clock_capabilities (*capabilities)(const void*);
    result<std::uint64_t> (*read)(void*, reference_time);
    bool (*supports_cross)(const void*, hw_counter);
    result<cross_timestamp> (*read_cross)(void*, reference_time, hw_counter);
    reference_time (*instant_of)(const void*, std::uint64_t, reference_time);
    reference_time (*instant_below)(const void*, std::uint64_t, reference_time);
  };

  template <class C>
  static constexpr vtable vtable_for{
      [](const void* o) -> clock_capabilities { return static_cast<const C*>(o)->capabilities(); },
      [](void* o, reference_time now) -> result<std::uint64_t> { return static_cast<C*>(o)->read(now); },
      [](const void* o, [[maybe_unused]] hw_counter h) -> bool {
        if constexpr (cross_timestamping_backend<C>) return static_cast<const C*>(o)->supports_cross(h);
        else return false;
      },
      [](void* o, [[maybe_unused]] reference_time now, [[maybe_unused]] hw_counter h) -> result<cross_timestamp> {
        if constexpr (cross_timestamping_backend<C>) return static_cast<C*>(o)->read_cross(now, h);
        else return errc::not_supported;
      },
      deadline_backend<C> ? +[](const void* o, std::uint64_t reading, reference_time now) -> reference_time {
        if constexpr (deadline_backend<C>) return static_cast<const C*>(o)->instant_of(reading, now);
        else return now;
      }
                          : nullptr,
      deadline_backend<C> ? +[](const void* o, std::uint64_t reading, reference_time now) -> reference_time {
        if constexpr (deadline_backend<C>) return static_cast<const C*>(o)->instant_below(reading, now);
        else return now;
      }
                          : nullptr,
  };

  void* object_;
  const vtable* vtable_;
};

// --- simulation --------------------------------------------------------------------------------

/// A counter that ticks at a fixed frequency in reference time: a simulated TSC or CNTPCT.
struct virtual_counter {
  hw_counter id = hw_counter::x86_tsc;
  std::uint64_t hz = 1'000'000'000;  ///< ticks per second of reference time
  std::uint64_t at_zero = 0;         ///< counter value at the reference clock's origin

  /// The counter value at reference instant `now` (mod 2^64).
  [[nodiscard]] constexpr std::uint64_t at(reference_time now) const noexcept {
    const auto q = u128::divmod(u128::mul(now.ns(), hz), 1'000'000'000);
    return at_zero + q.quotient.lo();
  }
};

/// A clock that runs from the reference time with steps and slews, fully deterministic:
/// reading(now) = anchor_reading + (now - anchor_now) * (1 + rate_ppb / 10^9).
/// It keeps a continuous timescale (TAI, MONOTONIC, or an experimental type); UTC clocks that
/// step or smear at leap seconds derive from a TAI simulated_clock (see leap_clocks.hpp).
class simulated_clock {
 public:
  constexpr simulated_clock() noexcept = default;
  /// A clock of the given capabilities that reads `reading_at_origin` at the reference clock's
  /// origin; with a counter, READ_CROSS works for counter->id.
  constexpr explicit simulated_clock(clock_capabilities capabilities, std::uint64_t reading_at_origin = 0,
                                     const virtual_counter* counter = nullptr) noexcept
      : caps_(capabilities), counter_(counter), anchor_reading_(reading_at_origin) {}

  [[nodiscard]] constexpr clock_capabilities capabilities() const noexcept { return caps_; }

  /// The reading at `now` (saturating at 2^64 - 1; instants before the last step or slew are
  /// read as that instant).
  [[nodiscard]] constexpr std::uint64_t reading_at(reference_time now) const noexcept {
    if (now <= anchor_now_) return anchor_reading_;
    const std::uint64_t advanced = scale((now - anchor_now_).count);
    return anchor_reading_ > std::numeric_limits<std::uint64_t>::max() - advanced
               ? std::numeric_limits<std::uint64_t>::max()
               : anchor_reading_ + advanced;
  }

  [[nodiscard]] constexpr result<std::uint64_t> read(reference_time now) noexcept { return reading_at(now); }

  [[nodiscard]] constexpr bool supports_cross(hw_counter h) const noexcept {
    return counter_ != nullptr && counter_->id == h;
  }
  [[nodiscard]] constexpr result<cross_timestamp> read_cross(reference_time now, hw_counter h) noexcept {
    if (!supports_cross(h)) return errc::not_supported;
    return cross_timestamp{reading_at(now), counter_->at(now)};
  }

  /// The first reference instant >= now at which the reading is at least `reading`.
  [[nodiscard]] constexpr reference_time instant_of(std::uint64_t reading, reference_time now) const noexcept {
    const std::uint64_t current = reading_at(now);
    if (reading <= current) return now;
    const reference_time base = now > anchor_now_ ? now : anchor_now_;
    const std::uint64_t gap = reading - current;
    // Invert scale(): elapsed = ceil(gap * 10^9 / (10^9 + rate)), then fix up the rounding of
    // the forward direction by stepping until the reading is reached.
    const std::uint64_t rate = static_cast<std::uint64_t>(1'000'000'000 + rate_ppb_);
    const auto q = u128::divmod(u128::mul(gap, 1'000'000'000), rate);
    const std::uint64_t step = q.quotient.lo() + (q.remainder != 0 ? 1 : 0);
    if (q.quotient.hi() != 0) return reference_time::max();
    reference_time t = base + nanosecond_count(step);  // saturates at max()
    while (reading_at(t) < reading && t != reference_time::max()) t += nanosecond_count(1);
    return t;
  }

  /// The first reference instant >= now at which the reading is below `reading`: `now` or
  /// never, since the clock only goes back when stepped from outside.
  [[nodiscard]] constexpr reference_time instant_below(std::uint64_t reading, reference_time now) const noexcept {
    return reading_at(now) < reading ? now : never_instant;
  }

  /// Steps the clock by `delta` ns at `now` (a jump; negative = backwards). MONOTONIC clocks
  /// must not step backwards (§5.23.6.5): that gives invalid_argument. Saturates at the ends.
  constexpr result<void> step(reference_time now, std::int64_t delta) noexcept {
    if (delta < 0 && caps_.type == clock_type::monotonic) return errc::invalid_argument;
    reanchor(now);
    const std::uint64_t magnitude =
        delta < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(delta) : static_cast<std::uint64_t>(delta);
    if (delta < 0) anchor_reading_ = anchor_reading_ < magnitude ? 0 : anchor_reading_ - magnitude;
    else anchor_reading_ = anchor_reading_ > std::numeric_limits<std::uint64_t>::max() - magnitude
                               ? std::numeric_limits<std::uint64_t>::max()
                               : anchor_reading_ + magnitude;
    return {};
  }

  /// Sets the reading at `now` (a step to an absolute value).
  constexpr result<void> set(reference_time now, std::uint64_t reading) noexcept {
    if (caps_.type == clock_type::monotonic && reading < reading_at(now)) return errc::invalid_argument;
    reanchor(now);
    anchor_reading_ = reading;
    return {};
  }

  /// Slews the clock from `now` on: it runs at (1 + rate_ppb / 10^9) of reference speed.
  /// |rate_ppb| must be below 10^9 (a clock that stops or runs backwards is no clock).
  constexpr result<void> slew(reference_time now, std::int64_t rate_ppb) noexcept {
    if (rate_ppb <= -1'000'000'000 || rate_ppb >= 1'000'000'000) return errc::invalid_argument;
    reanchor(now);
    rate_ppb_ = rate_ppb;
    return {};
  }

  [[nodiscard]] constexpr std::int64_t rate_ppb() const noexcept { return rate_ppb_; }

 private:
  [[nodiscard]] constexpr std::uint64_t scale(std::uint64_t elapsed) const noexcept {
    if (rate_ppb_ == 0) return elapsed;
    const std::uint64_t rate = static_cast<std::uint64_t>(1'000'000'000 + rate_ppb_);
    const auto q = u128::divmod(u128::mul(elapsed, rate), 1'000'000'000);
    return q.quotient.hi() != 0 ? std::numeric_limits<std::uint64_t>::max() : q.quotient.lo();
  }

  constexpr void reanchor(reference_time now) noexcept {
    anchor_reading_ = reading_at(now);
    if (now > anchor_now_) anchor_now_ = now;
  }

  clock_capabilities caps_{clock_type::tai, smearing::unspecified, false};
  const virtual_counter* counter_ = nullptr;
  reference_time anchor_now_{};
  std::uint64_t anchor_reading_ = 0;
  std::int64_t rate_ppb_ = 0;
};

static_assert(cross_timestamping_backend<simulated_clock>);
static_assert(deadline_backend<simulated_clock>);

VRTC_END_NAMESPACE
