// vrtc: coalesces a guest's CMOS RTC writes into one "the RTC was set" event.
//
// A guest sets the time one register at a time, in any order, halted (SET) or running, and
// may pass through invalid dates on the way. The coalescer watches the RTC's clock change
// and reports one event per burst of changes, once the burst is over. It is a pure state
// machine: time is an argument, and the caller arms its own timer to next_deadline().
//
// Event semantics (docs/rtc-change.md has the worked examples):
//  * A burst opens at the first change of the RTC's clock (a write that restarts it, halts
//    it, breaks it or releases it) and collects every later change.
//  * It is held, with no deadline, while the RTC is halted or broken: a guest that sets SET
//    and never clears it produces nothing, and no timer stays armed.
//  * Otherwise its deadline is the earlier of last change + window and the first instant the
//    burst was not held + max_wait (so a guest that never stops writing still produces
//    events), but never before the last change.
//  * The deadline is inclusive: advance(deadline) closes the burst. Any call at an instant
//    at or past the deadline closes the expired burst first; a write at exactly the deadline
//    therefore opens a new burst after the old one closed, and the old one is returned by
//    that very call. Nothing is lost at the boundary.
//  * At close, with F = the first change, S = the last change, R = the clock that ran
//    before the burst and N = the clock after it:
//      last_time  = R(F)   the RTC reading just before the burst
//      new_time   = N(S)   the RTC reading right after the last change (what was set)
//      delta_time = N(S) - R(S) = new_time - (last_time + ticks of R between F and S)
//    delta_time is how far the guest moved the clock, excluding the time that passed during
//    the burst; it is computed from these snapshots, never by summing per-write steps.
//  * A burst with delta_time == 0 (the time was rewritten unchanged) emits nothing.
//  * The first valid running clock after the RTC was never valid is a baseline, not a change.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/format/cmos_rtc.hpp"

VRTC_BEGIN_NAMESPACE

/// How long to wait for a burst of writes to end.
struct rtc_change_policy {
  /// A burst ends when no change happened for this long (ACRN waits 1 s).
  nanosecond_count window{1'000'000'000};
  /// A burst that keeps changing is closed this long after it first became closable.
  nanosecond_count max_wait{10'000'000'000};
};

/// One coalesced RTC change. Times are POSIX seconds; instants are the caller's reference
/// time.
struct rtc_change {
  std::int64_t last_time = 0;   ///< RTC reading just before the burst
  std::int64_t new_time = 0;    ///< RTC reading right after the burst's last change
  std::int64_t delta_time = 0;  ///< how far the clock was moved (never 0 in an event)
  reference_time first_change{};  ///< when the burst began
  reference_time last_change{};   ///< when the RTC took its final value
  std::uint32_t changes = 0;      ///< clock changes coalesced (saturating)
  friend constexpr bool operator==(const rtc_change&, const rtc_change&) = default;
};

class rtc_change_coalescer {
 public:
  using clock_state = std::optional<rtc_clock>;  ///< nullopt: halted or broken

  /// A coalescer with the default policy (1 s window, 10 s maximum wait).
  constexpr rtc_change_coalescer() noexcept = default;

  /// invalid_argument unless 0 < window <= max_wait.
  [[nodiscard]] static constexpr result<rtc_change_coalescer> create(const rtc_change_policy& policy) noexcept {
    if (policy.window.count == 0 || policy.max_wait < policy.window)
      return errc::invalid_argument;
    rtc_change_coalescer c;
    c.policy_ = policy;
    return c;
  }

  [[nodiscard]] constexpr const rtc_change_policy& policy() const noexcept { return policy_; }

  /// The RTC's clock went from `before` to `after` at `now` (the generic entry point for a
  /// device model with its own RTC emulation). Equal states are not a change and do not
  /// extend the window. Returns the previous burst if it had expired by `now`.
  constexpr std::optional<rtc_change> observe(reference_time now, const clock_state& before,
                                              const clock_state& after) noexcept {
    std::optional<rtc_change> closed = advance(now);
    if (before == after) return closed;
    if (!burst_) {
      if (!before) return closed;  // no baseline yet: nothing to compare against
      burst_ = burst{*before, now, now, std::nullopt, after, 0};
    }
    burst_->last_change = now;
    burst_->current = after;
    if (burst_->changes < std::numeric_limits<std::uint32_t>::max()) ++burst_->changes;
    if (after && !burst_->closable_since) burst_->closable_since = now;
    return closed;
  }

  /// The guest writes `value` to CMOS register `index` of `rtc` at `now`: applies the write
  /// and observes its effect. Errors are the register model's (index out of range).
  constexpr result<std::optional<rtc_change>> on_write(reference_time now, cmos_rtc& rtc, std::uint8_t index,
                                                       std::uint8_t value) noexcept {
    const clock_state before = rtc.clock();
    if (auto r = rtc.write(now, index, value); !r) return r.error();
    return observe(now, before, rtc.clock());
  }

  /// When advance() must next be called, or nullopt when no burst can close (none open, or
  /// the RTC is halted or broken). May lie in the past; advance() then closes at once.
  [[nodiscard]] constexpr std::optional<reference_time> next_deadline() const noexcept {
    if (!burst_ || !burst_->current || !burst_->closable_since) return std::nullopt;
    const reference_time quiet_end = burst_->last_change + policy_.window;  // saturating
    const reference_time wait_end = *burst_->closable_since + policy_.max_wait;
    // max(min(quiet_end, wait_end), last_change), without <algorithm> for two comparisons.
    const reference_time end = wait_end < quiet_end ? wait_end : quiet_end;
    return end < burst_->last_change ? burst_->last_change : end;
  }

  /// Closes the open burst if its deadline is at or before `now`. Returns the event, or
  /// nullopt when nothing expired or the burst left the time unchanged. Idempotent: a stale
  /// or repeated call does nothing.
  constexpr std::optional<rtc_change> advance(reference_time now) noexcept {
    const auto deadline = next_deadline();
    if (!deadline || now < *deadline) return std::nullopt;
    const burst b = *burst_;
    burst_.reset();
    const std::int64_t new_time = b.current->reading(b.last_change);
    const std::int64_t reference = b.reference.reading(b.last_change);
    std::int64_t delta = 0;
    if (__builtin_sub_overflow(new_time, reference, &delta))
      delta = new_time < reference ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    if (delta == 0) return std::nullopt;
    return rtc_change{b.reference.reading(b.first_change), new_time, delta, b.first_change, b.last_change, b.changes};
  }

  /// True while a burst is open (held or waiting for its deadline).
  [[nodiscard]] constexpr bool pending() const noexcept { return burst_.has_value(); }

 private:
  struct burst {
    rtc_clock reference;  // the clock that ran before the burst
    reference_time first_change;
    reference_time last_change;
    std::optional<reference_time> closable_since;  // first instant not held
    clock_state current;
    std::uint32_t changes;
  };

  rtc_change_policy policy_{};
  std::optional<burst> burst_;
};

VRTC_END_NAMESPACE
