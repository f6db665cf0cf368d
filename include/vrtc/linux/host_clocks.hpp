// vrtc: virtio-rtc clock backends on the host's POSIX clocks (platform edge; POSIX only, the
// TAI clock on Linux only).
//
// CLOCK_REALTIME is served as UTC_MAYBE_SMEARED: the host may step it at a leap second or
// smear it (an NTP daemon's policy), and the device cannot know which. TAI comes from
// host_tai.hpp: CLOCK_TAI when the kernel's TAI offset is set, otherwise CLOCK_REALTIME plus
// TAI − UTC from the leap-second table; with neither, host_clock::tai() refuses
// (errc::leap_table_expired) rather than serve UTC as TAI.
// CLOCK_MONOTONIC or CLOCK_BOOTTIME (which also counts suspend) serve MONOTONIC.
//
// These backends read the host clock on every request and ignore the reference time `now`
// except for alarm deadlines: a host event loop should pass its CLOCK_MONOTONIC time as
// `now`, and call device::advance() whenever it learns that CLOCK_REALTIME stepped (e.g. via
// a timerfd with TFD_TIMER_CANCEL_ON_SET).
#pragma once

#include <time.h>

#include <cstdint>
#include <optional>

#include "vrtc/core/config.hpp"
#include "vrtc/core/counter.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/roles/clocks.hpp"
#ifdef __linux__
#include "vrtc/linux/host_tai.hpp"
#endif
#include "vrtc/core/result.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE

class host_clock {
 public:
  /// CLOCK_REALTIME as UTC_MAYBE_SMEARED.
  [[nodiscard]] static host_clock realtime(bool alarm = false) noexcept {
    return host_clock(CLOCK_REALTIME, clock_type::utc_maybe_smeared, alarm);
  }
#ifdef __linux__
  /// This host's TAI as TAI (host_tai::detect: CLOCK_TAI, or CLOCK_REALTIME plus the table).
  /// errc::leap_table_expired when the kernel's offset is not set and no table is current.
  [[nodiscard]] static result<host_clock> tai(bool alarm = false, const tai_os_interface& os = {},
                                              const char* leap_list = system_leap_seconds_list) {
    const auto t = host_tai::detect(os, leap_list);
    if (!t) return t.error();
    return tai(*t, alarm);
  }
  /// `source` as TAI.
  [[nodiscard]] static host_clock tai(const host_tai& source, bool alarm = false) noexcept {
    host_clock c(CLOCK_REALTIME, clock_type::tai, alarm);
    c.tai_.emplace(source);
    return c;
  }

  /// Where the readings of a TAI clock come from; nullopt for the other clocks.
  [[nodiscard]] std::optional<tai_source> tai_origin() const noexcept {
    if (!tai_) return std::nullopt;
    return tai_->source();
  }
#endif
  /// CLOCK_MONOTONIC as MONOTONIC.
  [[nodiscard]] static host_clock monotonic(bool alarm = false) noexcept {
    return host_clock(CLOCK_MONOTONIC, clock_type::monotonic, alarm);
  }
#ifdef CLOCK_BOOTTIME
  /// CLOCK_BOOTTIME as MONOTONIC (keeps counting while the host is suspended).
  [[nodiscard]] static host_clock boottime(bool alarm = false) noexcept {
    return host_clock(CLOCK_BOOTTIME, clock_type::monotonic, alarm);
  }
#endif

  [[nodiscard]] clock_capabilities capabilities() const noexcept { return {type_, smearing::unspecified, alarm_}; }

  [[nodiscard]] result<std::uint64_t> read(reference_time /*now*/) const noexcept {
#ifdef __linux__
    if (tai_) return tai_->now_ns();
#endif
    timespec ts{};
    if (clock_gettime(id_, &ts) != 0 || ts.tv_sec < 0) return errc::not_supported;
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
  }

  /// Alarm deadline bounds, with `now` the host's CLOCK_MONOTONIC: every host clock runs at
  /// CLOCK_MONOTONIC's rate between steps; the bound allows for 8/7 of it (Linux's frequency
  /// adjustments stay within about 10 %), so it stays early against any monotonic reference.
  /// Steps are not scheduled: report them with device::advance() (e.g. from a timerfd with
  /// TFD_TIMER_CANCEL_ON_SET, which also fires at a kernel leap second).
  [[nodiscard]] reference_time instant_of(std::uint64_t reading, reference_time now) const noexcept {
    const auto current = read(now);
    if (!current || *current >= reading) return now;
    const std::uint64_t gap = reading - *current;
    return now + nanosecond_count(gap - gap / 8);  // a lead >= 1 ns; saturates at never_instant
  }
  [[nodiscard]] reference_time instant_below(std::uint64_t reading, reference_time now) const noexcept {
    const auto current = read(now);
    return !current || *current < reading ? now : never_instant;
  }

  /// Cross-timestamps need the counter this CPU reads (TSC on x86-64, CNTVCT on AArch64).
  [[nodiscard]] bool supports_cross(hw_counter h) const noexcept {
    const auto id = hardware_counter_id();
    return id && static_cast<std::uint8_t>(h) == *id;
  }

  /// The clock read between two counter reads; the counter value is their midpoint.
  [[nodiscard]] result<cross_timestamp> read_cross(reference_time now, hw_counter h) const noexcept {
    if (!supports_cross(h)) return errc::not_supported;
    const auto before = hardware_counter();
    const auto reading = read(now);
    const auto after = hardware_counter();
    if (!before || !after) return errc::no_counter;
    if (!reading) return reading.error();
    return cross_timestamp{*reading, *before + (*after - *before) / 2};
  }

 private:
  host_clock(clockid_t id, clock_type type, bool alarm) noexcept : id_(id), type_(type), alarm_(alarm) {}
  clockid_t id_;
  clock_type type_;
  bool alarm_;
#ifdef __linux__
  std::optional<host_tai> tai_;  ///< set for the TAI clock, which reads through it
#endif
};

static_assert(cross_timestamping_backend<host_clock>);
static_assert(deadline_backend<host_clock>);

/// CLOCK_MONOTONIC now: the reference time a host's event loop hands the device, its alarms
/// and its deadlines.
[[nodiscard]] inline reference_time monotonic_reference_time() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // cannot fail: CLOCK_MONOTONIC always exists on Linux
  return reference_time(static_cast<std::uint64_t>(ts.tv_sec) * nanoseconds_per_second +
                        static_cast<std::uint64_t>(ts.tv_nsec));
}

VRTC_END_NAMESPACE
