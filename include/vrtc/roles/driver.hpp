// vrtc: the virtio-rtc driver role over a narrow transport (transport.hpp).
//
// The driver probes the device (CFG, CLOCK_CAP per clock, CROSS_CAP per counter), classifies
// every clock the way the Linux driver does, and offers each request as a function returning
// result<T>. Responses are validated per the driver requirements of §5.23.6.1:
//  * fewer than 8 used bytes, or more than the buffer holds: errc::bad_response;
//  * a non-OK status maps to device_eopnotsupp / device_enodev / device_einval / device_eio
//    (any status the spec does not define counts as EIO), and no other field is looked at;
//  * an OK response needs its full size (errc::bad_response otherwise);
//  * reserved bytes are never looked at; of the flags only the defined bits count, and
//    ALARM_CAP only when VIRTIO_RTC_F_ALARM was negotiated;
//  * readings are u64 nanoseconds: values above INT64_MAX (after 2262) are kept, not rejected.
// Time on the driver's side (system timestamps, counter snapshots) comes in through callables,
// so the driver stays sans-I/O like the device.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/u128.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/roles/cross_timestamp.hpp"
#include "vrtc/roles/transport.hpp"

VRTC_BEGIN_NAMESPACE

/// The result errc for a response status (EIO for values the spec does not define).
[[nodiscard]] constexpr errc error_of(status s) noexcept {
  switch (s) {
    case status::eopnotsupp: return errc::device_eopnotsupp;
    case status::enodev: return errc::device_enodev;
    case status::einval: return errc::device_einval;
    case status::ok:
    case status::eio: break;
  }
  return errc::device_eio;
}

/// The PTP clock name Linux gives a virtio-rtc clock: "Virtio PTP type %u/variant %u" (at most
/// 31 characters and a terminating NUL, PTP_CLOCK_NAME_LEN = 32).
struct ptp_name {
  std::array<char, 32> text{};
  [[nodiscard]] constexpr const char* c_str() const noexcept { return text.data(); }
  friend constexpr bool operator==(const ptp_name&, const ptp_name&) = default;
};

[[nodiscard]] constexpr ptp_name make_ptp_name(clock_type type, smearing variant) noexcept {
  ptp_name n;
  std::size_t i = 0;
  auto put = [&](const char* s) {
    while (*s != '\0') n.text[i++] = *s++;
  };
  auto put_u8 = [&](unsigned v) {
    if (v >= 100) n.text[i++] = static_cast<char>('0' + v / 100);
    if (v >= 10) n.text[i++] = static_cast<char>('0' + v / 10 % 10);
    n.text[i++] = static_cast<char>('0' + v % 10);
  };
  put("Virtio PTP type ");
  put_u8(static_cast<unsigned>(type));
  put("/variant ");
  put_u8(static_cast<unsigned>(variant));
  return n;  // 16 + 3 + 9 + 3 = 31 characters at most
}

/// What the driver learned about one clock at probe time.
struct clock_info {
  std::uint16_t clock_id = 0;
  clock_type type = clock_type::utc;
  smearing leap_second_smearing = smearing::unspecified;
  bool alarm = false;            ///< ALARM_CAP, with VIRTIO_RTC_F_ALARM negotiated
  std::uint32_t cross_mask = 0;  ///< bit i: CROSS_CAP for the i-th probed counter
  ptp_name name{};

  /// UTC, UTC_SMEARED or UTC_MAYBE_SMEARED (§5.23.6.3.1).
  [[nodiscard]] constexpr bool utc_like() const noexcept { return is_utc_like(type); }
  /// Whether Linux would back an RTC class device with it: only UTC_SMEARED clocks, since the
  /// others may step at leap seconds.
  [[nodiscard]] constexpr bool may_back_rtc() const noexcept { return type == clock_type::utc_smeared; }
};

/// Driver settings.
struct driver_config {
  /// The device features the driver negotiated (feature_alarm_mask or 0).
  std::uint64_t features = 0;
  /// Counters to probe with CROSS_CAP. Only spec-defined ids and 0xF0..0xFE are sent
  /// (§5.23.6.4.1); any other id is skipped and counts as unsupported.
  std::array<hw_counter, 2> probe_counters{hw_counter::arm_vct, hw_counter::x86_tsc};
};

/// A READ_ALARM answer.
struct alarm_setting {
  std::uint64_t alarm_time = 0;
  bool enabled = false;
  friend constexpr bool operator==(const alarm_setting&, const alarm_setting&) = default;
};

/// A validated NOTIF_ALARM, with the clock read afresh: the notification may be repeated or
/// obsolete (§5.23.6.6.3), so `reached` (reading >= alarm time) is what to act on.
struct alarm_event {
  std::uint16_t clock_id = 0;
  std::uint64_t clock_reading = 0;
  alarm_setting alarm{};
  [[nodiscard]] constexpr bool reached() const noexcept { return clock_reading >= alarm.alarm_time; }
};

/// A READ bracketed by two system timestamps (like PTP_SYS_OFFSET_EXTENDED).
struct extended_reading {
  std::uint64_t clock_reading = 0;
  std::uint64_t system_before = 0;
  std::uint64_t system_after = 0;
  /// The system time the reading is attributed to: the bracket's midpoint.
  [[nodiscard]] constexpr std::uint64_t system_midpoint() const noexcept {
    return system_before + (system_after - system_before) / 2;
  }
  /// Half the bracket: the reading was taken within this distance of the midpoint.
  [[nodiscard]] constexpr std::uint64_t uncertainty() const noexcept { return (system_after - system_before) / 2; }
  /// clock_reading - system_midpoint, or errc::overflow when that does not fit an int64.
  [[nodiscard]] constexpr result<std::int64_t> offset() const noexcept {
    const std::uint64_t mid = system_midpoint();
    if (clock_reading >= mid) {
      const std::uint64_t d = clock_reading - mid;
      if (d > static_cast<std::uint64_t>(INT64_MAX)) return errc::overflow;
      return static_cast<std::int64_t>(d);
    }
    const std::uint64_t d = mid - clock_reading;
    if (d > static_cast<std::uint64_t>(INT64_MAX)) return errc::overflow;
    return -static_cast<std::int64_t>(d);
  }
};

/// The guest's counter and system time at one instant (what the system snapshot callable of
/// read_precise returns).
struct system_snapshot {
  std::uint64_t counter = 0;
  std::uint64_t system_ns = 0;
};

/// A READ_CROSS correlated with system time (like PTP_SYS_OFFSET_PRECISE).
struct precise_reading {
  std::uint64_t clock_reading = 0;
  std::uint64_t counter_cycles = 0;
  std::uint64_t system_ns = 0;  ///< system time at counter_cycles, interpolated
};

/// The alarms set by set_boottime_safe_alarm.
struct boottime_alarm {
  std::uint16_t rtc_clock_id = 0;
  std::optional<std::uint16_t> monotonic_clock_id;
  std::uint64_t monotonic_alarm_time = 0;  ///< meaningful when monotonic_clock_id is set
};

/// The virtio-rtc driver. `T` must outlive the driver.
template <transport T>
class driver {
 public:
  explicit driver(T& t, driver_config config = {}) noexcept : transport_(&t), config_(config) {}

  [[nodiscard]] bool alarm_negotiated() const noexcept { return (config_.features & feature_alarm_mask) != 0; }

  /// CFG, then CLOCK_CAP for every clock, then CROSS_CAP for every clock and probed counter.
  /// Zero clocks is a valid device. A CROSS_CAP answered with EOPNOTSUPP or EINVAL (devices
  /// differ for counters they do not know) means "no cross-timestamping"; any other failure
  /// fails the probe, as does a failing CFG or CLOCK_CAP. Every failure leaves the driver
  /// unprobed with no clocks, whatever an earlier probe found. (Linux, unlike this driver,
  /// fails the probe of a device with zero clocks.)
  result<void> probe() {
    probed_ = false;  // until this probe has succeeded, earlier findings do not count
    clocks_.clear();
    const auto cfg = call(cfg_request{});
    if (!cfg) return fail_probe(cfg.error());
    clocks_.reserve(cfg->num_clocks);
    for (std::uint32_t id = 0; id < cfg->num_clocks; ++id) {
      const auto cap = call(clock_cap_request{static_cast<std::uint16_t>(id)});
      if (!cap) return fail_probe(cap.error());
      clock_info c;
      c.clock_id = static_cast<std::uint16_t>(id);
      c.type = cap->type;
      c.leap_second_smearing = cap->leap_second_smearing;
      c.alarm = alarm_negotiated() && cap->alarm_cap();
      c.name = make_ptp_name(c.type, c.leap_second_smearing);
      for (std::size_t i = 0; i < config_.probe_counters.size(); ++i) {
        if (!may_be_requested(config_.probe_counters[i])) continue;  // §5.23.6.4.1: never sent
        const auto x = call(cross_cap_request{c.clock_id, config_.probe_counters[i]});
        if (x) {
          if (x->cross_cap()) c.cross_mask |= 1u << i;
        } else if (x.error() != errc::device_eopnotsupp && x.error() != errc::device_einval) {
          return fail_probe(x.error());
        }
      }
      clocks_.push_back(c);
    }
    probed_ = true;
    return {};
  }

  [[nodiscard]] bool probed() const noexcept { return probed_; }
  [[nodiscard]] std::span<const clock_info> clocks() const noexcept { return clocks_; }
  [[nodiscard]] const clock_info* clock(std::uint16_t id) const noexcept {
    return id < clocks_.size() ? &clocks_[id] : nullptr;
  }
  /// The clock Linux would expose as /dev/rtc: the first UTC_SMEARED clock, or nullptr.
  [[nodiscard]] const clock_info* rtc_clock() const noexcept {
    for (const clock_info& c : clocks_)
      if (c.may_back_rtc()) return &c;
    return nullptr;
  }
  /// The first clock of a type, or nullptr.
  [[nodiscard]] const clock_info* find(clock_type type) const noexcept {
    for (const clock_info& c : clocks_)
      if (c.type == type) return &c;
    return nullptr;
  }
  /// Whether probe() found CROSS_CAP for (clock, counter).
  [[nodiscard]] bool cross_supported(std::uint16_t id, hw_counter h) const noexcept {
    const clock_info* c = clock(id);
    if (c == nullptr) return false;
    for (std::size_t i = 0; i < config_.probe_counters.size(); ++i)
      if (config_.probe_counters[i] == h) return (c->cross_mask & (1u << i)) != 0;
    return false;
  }

  // --- requests --------------------------------------------------------------------------------

  result<std::uint64_t> read(std::uint16_t clock_id) {
    const auto r = call(read_request{clock_id});
    if (!r) return r.error();
    return r->clock_reading;
  }

  /// READ_CROSS. The driver must not send INVALID or an unassigned counter id (§5.23.6.5.1):
  /// such an id gives errc::invalid_argument without a request.
  result<cross_timestamp> read_cross(std::uint16_t clock_id, hw_counter counter) {
    if (!may_be_requested(counter)) return errc::invalid_argument;
    const auto r = call(read_cross_request{clock_id, counter});
    if (!r) return r.error();
    return cross_timestamp{r->clock_reading, r->counter_cycles};
  }

  result<alarm_setting> read_alarm(std::uint16_t clock_id) {
    if (!alarm_negotiated()) return errc::not_supported;
    const auto r = call(read_alarm_request{clock_id});
    if (!r) return r.error();
    return alarm_setting{r->alarm_time, r->alarm_enabled()};
  }

  result<void> set_alarm(std::uint16_t clock_id, std::uint64_t alarm_time, bool enabled) {
    if (!alarm_negotiated()) return errc::not_supported;
    const auto r = call(set_alarm_request{alarm_time, clock_id, enabled ? flag_alarm_enabled : std::uint8_t{0}});
    if (!r) return r.error();
    return {};
  }

  result<void> set_alarm_enabled(std::uint16_t clock_id, bool enabled) {
    if (!alarm_negotiated()) return errc::not_supported;
    const auto r = call(set_alarm_enabled_request{clock_id, enabled ? flag_alarm_enabled : std::uint8_t{0}});
    if (!r) return r.error();
    return {};
  }

  /// The optional clean-up after a reset (§5.23.6.6): SET_ALARM with time 0 and no flags for
  /// every alarm-capable clock. Call it after probe() and before making alarmq buffers
  /// available; skip it to keep alarms that should survive (e.g. wake-ups set before a reboot).
  result<void> clear_alarms() {
    for (const clock_info& c : clocks_) {
      if (!c.alarm) continue;
      if (auto r = set_alarm(c.clock_id, 0, false); !r) return r;
    }
    return {};
  }

  // --- notifications ---------------------------------------------------------------------------

  /// Validates the used part of an alarmq buffer (8-byte header, msg_type NOTIF_ALARM, 16
  /// bytes, an alarm-capable clock) and re-reads the clock and its alarm. Errors:
  /// bad_response (short or for a clock without alarm), unknown_msg_type (another msg_type),
  /// or the error of a re-read.
  result<alarm_event> handle_notification(std::span<const std::byte> used) {
    if (used.size() < header_size) return errc::bad_response;
    const auto type = peek_msg_type(used);
    if (!type || *type != msg_type::notif_alarm) return errc::unknown_msg_type;
    const auto n = decode<notif_alarm>(used);
    if (!n) return errc::bad_response;
    const clock_info* c = clock(n->clock_id);
    if (c == nullptr || !c->alarm) return errc::bad_response;
    alarm_event e;
    e.clock_id = n->clock_id;
    const auto reading = read(e.clock_id);
    if (!reading) return reading.error();
    e.clock_reading = *reading;
    const auto alarm = read_alarm(e.clock_id);
    if (!alarm) return alarm.error();
    e.alarm = *alarm;
    return e;
  }

  /// handle_notification(), then on_alarm(event) if the notification was valid.
  template <class F>
  result<alarm_event> handle_notification(std::span<const std::byte> used, F&& on_alarm) {
    auto e = handle_notification(used);
    if (e) std::forward<F>(on_alarm)(*e);
    return e;
  }

  // --- enhanced reads --------------------------------------------------------------------------

  /// READ bracketed by system_now() before and after (any callable returning u64 ns).
  /// errc::invalid_argument when the system clock ran backwards across the request.
  template <class SystemClock>
  result<extended_reading> read_extended(std::uint16_t clock_id, SystemClock&& system_now) {
    extended_reading x;
    x.system_before = system_now();
    const auto r = read(clock_id);
    x.system_after = system_now();
    if (!r) return r.error();
    if (x.system_after < x.system_before) return errc::invalid_argument;
    x.clock_reading = *r;
    return x;
  }

  /// READ_CROSS correlated with system time: snapshot() (returning system_snapshot: the
  /// guest's counter and system time at one instant) is taken before and after the request,
  /// and the system time at counter_cycles is interpolated between them. A device may take
  /// long to answer (longer than a timekeeping update), so the correlation is done afterwards
  /// from the bracketing snapshots rather than in a tight loop. errc::bad_response when
  /// counter_cycles lies outside the bracket (the device's counter is not the guest's).
  template <class Snapshot>
  result<precise_reading> read_precise(std::uint16_t clock_id, hw_counter counter, Snapshot&& snapshot) {
    const system_snapshot before = snapshot();
    const auto x = read_cross(clock_id, counter);
    const system_snapshot after = snapshot();
    if (!x) return x.error();
    if (after.counter < before.counter || after.system_ns < before.system_ns) return errc::invalid_argument;
    if (x->counter_cycles < before.counter || x->counter_cycles > after.counter) return errc::bad_response;
    precise_reading p{x->clock_reading, x->counter_cycles, before.system_ns};
    const std::uint64_t span_cycles = after.counter - before.counter;
    if (span_cycles != 0) {
      const auto q = u128::divmod(u128::mul(x->counter_cycles - before.counter, after.system_ns - before.system_ns),
                                  span_cycles);
      p.system_ns = before.system_ns + q.quotient.lo();
    }
    return p;
  }

  // --- boot-time-safe alarm --------------------------------------------------------------------

  /// Arms the RTC clock's alarm for `alarm_time` and, when a MONOTONIC clock with an alarm
  /// exists, an alarm for the same instant on it, so that a step of the real-time clock while
  /// the guest sleeps cannot delay the wake-up. The monotonic alarm time is the monotonic
  /// reading plus the real-time distance to alarm_time, both clocks read back to back.
  /// errc::not_supported when there is no RTC clock with an alarm.
  result<boottime_alarm> set_boottime_safe_alarm(std::uint64_t alarm_time) {
    const clock_info* rtc = rtc_clock();
    if (rtc == nullptr || !rtc->alarm) return errc::not_supported;
    boottime_alarm b;
    b.rtc_clock_id = rtc->clock_id;
    const clock_info* mono = nullptr;
    for (const clock_info& c : clocks_)
      if (c.type == clock_type::monotonic && c.alarm) {
        mono = &c;
        break;
      }
    if (mono != nullptr) {
      const auto rt_now = read(rtc->clock_id);
      if (!rt_now) return rt_now.error();
      const auto mono_now = read(mono->clock_id);
      if (!mono_now) return mono_now.error();
      const std::uint64_t distance = alarm_time > *rt_now ? alarm_time - *rt_now : 0;
      b.monotonic_clock_id = mono->clock_id;
      b.monotonic_alarm_time = *mono_now > UINT64_MAX - distance ? UINT64_MAX : *mono_now + distance;
    }
    if (auto r = set_alarm(rtc->clock_id, alarm_time, true); !r) return r.error();
    if (mono != nullptr) {
      if (auto r = set_alarm(mono->clock_id, b.monotonic_alarm_time, true); !r) return r.error();
    }
    return b;
  }

  /// Disables both alarms of a boot-time-safe alarm.
  result<void> cancel_boottime_safe_alarm(const boottime_alarm& b) {
    if (auto r = set_alarm_enabled(b.rtc_clock_id, false); !r) return r;
    if (b.monotonic_clock_id) return set_alarm_enabled(*b.monotonic_clock_id, false);
    return {};
  }

  // --- the exchange ----------------------------------------------------------------------------

  /// Sends one request and validates its response (see the top of this file).
  template <request_message Req>
  result<typename Req::response_type> call(const Req& request) {
    using Resp = typename Req::response_type;
    const std::array<std::byte, Req::size> out = encode(request);
    std::array<std::byte, Resp::size> in{};
    const auto used = transport_->transfer(out, in);
    if (!used) return used.error();
    return parse_response<Resp>(in, *used);
  }

  /// Validates a response of type Resp whose device-writable buffer was `buffer` and whose
  /// used length the device reported as `used`.
  template <response_message Resp>
  [[nodiscard]] static constexpr result<Resp> parse_response(std::span<const std::byte> buffer, std::size_t used) noexcept {
    if (used > buffer.size()) return errc::bad_response;  // more than the device could write
    if (used < header_size) return errc::bad_response;
    const auto st = static_cast<status>(std::to_integer<std::uint8_t>(buffer[0]));
    if (st != status::ok) return error_of(st);
    if (used < Resp::size) return errc::bad_response;
    const auto m = decode<Resp>(buffer.first(used));
    if (!m) return errc::bad_response;
    return *m;
  }

 private:
  result<void> fail_probe(errc e) {
    clocks_.clear();
    probed_ = false;
    return e;
  }

  T* transport_;
  driver_config config_;
  std::vector<clock_info> clocks_;
  bool probed_ = false;
};

VRTC_END_NAMESPACE
