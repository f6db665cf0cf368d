// vrtc conformance: the reference device under test, and deliberately broken variants of it.
//
// reference_device is device.hpp serving four simulated clocks in simulated time, with every
// hook of device_under_test: reset, negotiation, time, clock steps and alarmq buffers. It is
// what vrtc-refdevice speaks over the runner's framing and what the differential harness
// compares a device with.
//
// A `fault` turns it into a device that breaks exactly one requirement, modelled on defects
// seen in public implementations (e.g. EINVAL where ENODEV or EOPNOTSUPP is required). The
// faults exist to show that the conformance checks catch such defects.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>

#include "vrtc/conformance/device_suite.hpp"
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/roles/clocks.hpp"
#include "vrtc/roles/device.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

/// One broken requirement each (none = the conforming reference device).
enum class fault : std::uint8_t {
  none,
  einval_for_unknown_clock,          ///< EINVAL instead of ENODEV for a bad clock_id
  einval_for_unknown_msg_type,       ///< EINVAL instead of EOPNOTSUPP for an unknown msg_type
  einval_for_alarm_without_feature,  ///< EINVAL instead of ENODEV for alarm requests without F_ALARM
  cross_cap_ignores_clock_id,        ///< CROSS_CAP answers OK, flags 0, for a bad clock_id
  einval_for_unknown_counter,        ///< EINVAL instead of EOPNOTSUPP for an unassigned hw_counter
  nonzero_reserved_in_response,      ///< a reserved header byte of OK responses is not zero
  status_in_tiny_buffer,             ///< writes a status into a writable part of 1 to 7 bytes
  wrong_used_length,                 ///< OK responses report the whole writable size as used
  accepts_short_request,             ///< READ shorter than 16 bytes is served as if zero-padded
  truncates_short_response,          ///< a response that does not fit is cut off instead of EINVAL
  alarm_cap_without_feature,         ///< ALARM_CAP set although F_ALARM is not negotiated
  smearing_for_plain_utc,            ///< a UTC clock reports smearing NOON_LINEAR
  cross_cap_without_read_cross,      ///< CROSS_CAP claims ARM_VCT where READ_CROSS fails
  monotonic_goes_back,               ///< every second READ of the MONOTONIC clock is 1 us behind
  readings_in_microseconds,          ///< the TAI clock reads in microseconds
  eopnotsupp_for_alarm_on_plain_clock,  ///< EOPNOTSUPP instead of ENODEV: clock without alarm
  rejects_far_alarm_time,            ///< SET_ALARM beyond INT64_MAX gets EINVAL
  stale_notification_after_disable,  ///< a pending notification survives a disabling request
  no_notification_on_enable,         ///< enabling an alarm whose time has passed does not notify
  duplicate_notification,            ///< every notification is sent twice
  capabilities_change_on_reset,      ///< the UTC clock reports another type after every other reset
  lenient_requests,                  ///< ignores non-zero reserved bytes and undefined flag bits
  zero_fills_writable,               ///< clears the whole writable part, also past the response
  eio_for_utc_read,                  ///< READ of the UTC clock fails (as if never synchronised)
  alarm_noticed_only_on_request,     ///< clock progress expires an alarm only at the next request
  enable_forgets_alarm_time,         ///< SET_ALARM_ENABLED resets the alarm time to 0
  cross_cap_ignores_hw_counter,      ///< CROSS_CAP answers OK, flags 0, whatever hw_counter says
  status_one_for_unknown_msg_type,   ///< answers status 1 (an early draft's S_UNSUPP), undefined now
  alarm_fires_early,                 ///< alarms run on a clock 1 ms ahead of the readings READ reports
  alarm_fires_late,                  ///< alarms run on a clock 2 ms behind the readings READ reports
  renotifies_while_passed,           ///< a NOTIF_ALARM at every time step while an enabled alarm's time has passed
  no_expiry_after_step_back,         ///< a one-shot timer: once notified, only SET_ALARM(_ENABLED) re-arms it
};

struct fault_name {
  fault value;
  std::string_view name;
};

/// Command-line names of the faults (vrtc-refdevice --fault NAME).
inline constexpr fault_name fault_names[] = {
    {fault::none, "none"},
    {fault::einval_for_unknown_clock, "einval-for-unknown-clock"},
    {fault::einval_for_unknown_msg_type, "einval-for-unknown-msg-type"},
    {fault::einval_for_alarm_without_feature, "einval-for-alarm-without-feature"},
    {fault::cross_cap_ignores_clock_id, "cross-cap-ignores-clock-id"},
    {fault::einval_for_unknown_counter, "einval-for-unknown-counter"},
    {fault::nonzero_reserved_in_response, "nonzero-reserved-in-response"},
    {fault::status_in_tiny_buffer, "status-in-tiny-buffer"},
    {fault::wrong_used_length, "wrong-used-length"},
    {fault::accepts_short_request, "accepts-short-request"},
    {fault::truncates_short_response, "truncates-short-response"},
    {fault::alarm_cap_without_feature, "alarm-cap-without-feature"},
    {fault::smearing_for_plain_utc, "smearing-for-plain-utc"},
    {fault::cross_cap_without_read_cross, "cross-cap-without-read-cross"},
    {fault::monotonic_goes_back, "monotonic-goes-back"},
    {fault::readings_in_microseconds, "readings-in-microseconds"},
    {fault::eopnotsupp_for_alarm_on_plain_clock, "eopnotsupp-for-alarm-on-plain-clock"},
    {fault::rejects_far_alarm_time, "rejects-far-alarm-time"},
    {fault::stale_notification_after_disable, "stale-notification-after-disable"},
    {fault::no_notification_on_enable, "no-notification-on-enable"},
    {fault::duplicate_notification, "duplicate-notification"},
    {fault::capabilities_change_on_reset, "capabilities-change-on-reset"},
    {fault::lenient_requests, "lenient-requests"},
    {fault::zero_fills_writable, "zero-fills-writable"},
    {fault::eio_for_utc_read, "eio-for-utc-read"},
    {fault::alarm_noticed_only_on_request, "alarm-noticed-only-on-request"},
    {fault::enable_forgets_alarm_time, "enable-forgets-alarm-time"},
    {fault::cross_cap_ignores_hw_counter, "cross-cap-ignores-hw-counter"},
    {fault::status_one_for_unknown_msg_type, "status-one-for-unknown-msg-type"},
    {fault::alarm_fires_early, "alarm-fires-early"},
    {fault::alarm_fires_late, "alarm-fires-late"},
    {fault::renotifies_while_passed, "renotifies-while-passed"},
    {fault::no_expiry_after_step_back, "no-expiry-after-step-back"},
};

[[nodiscard]] constexpr std::optional<fault> fault_from_name(std::string_view name) noexcept {
  for (const fault_name& f : fault_names)
    if (f.name == name) return f.value;
  return std::nullopt;
}

/// Configuration of the reference device. Two configurations with different `origin` but
/// otherwise equal describe devices that answer every request identically (the differential
/// harness relies on this).
struct reference_options {
  bool offer_alarm = true;
  alarm_retention retention = alarm_retention::retain;
  /// Reference time at start-up; clocks are anchored so that readings do not depend on it.
  reference_time origin{};
  fault broken = fault::none;
};

/// The reference device with simulated clocks (live, every offered feature negotiated, until the
/// first reset):
///   0 UTC_SMEARED (NOON_LINEAR) with an alarm, 1 TAI with READ_CROSS against the x86 TSC,
///   2 MONOTONIC with an alarm, 3 UTC.
class reference_device {
 public:
  static constexpr std::uint16_t clock_count = 4;
  static constexpr std::uint64_t utc_start = 1'700'000'000'000'000'000;  // 2023-11-14
  static constexpr std::uint16_t monotonic_clock = 2;
  static constexpr std::uint16_t tai_clock = 1;
  static constexpr std::uint16_t utc_clock = 3;

  explicit reference_device(const reference_options& options = {})
      : opt_(options),
        now_(options.origin),
        tsc_{hw_counter::x86_tsc, 1'000'000'000, 5'000'000 - options.origin.ns()},
        clocks_{simulated_clock({clock_type::utc_smeared, smearing::noon_linear, true}, anchor(utc_start)),
                simulated_clock({clock_type::tai, smearing::unspecified, false}, anchor(utc_start + 37 * s), &tsc_),
                simulated_clock({clock_type::monotonic, smearing::unspecified, true}, anchor(1'000 * s)),
                simulated_clock({clock_type::utc, smearing::unspecified, false}, anchor(utc_start))},
        refs_{clock_ref(clocks_[0]), clock_ref(clocks_[1]), clock_ref(clocks_[2]), clock_ref(clocks_[3])},
        device_(refs_, make_config(options)) {
    negotiate(offered_features());  // live from the start, as after a driver's initialisation
  }

  reference_device(const reference_device&) = delete;
  reference_device& operator=(const reference_device&) = delete;

  [[nodiscard]] std::uint64_t offered_features() const noexcept { return device_.offered_features(); }
  [[nodiscard]] reference_time now() const noexcept { return now_; }

  /// One requestq element (see device_under_test::handle).
  std::size_t handle(std::span<const std::byte> readable, std::span<std::byte> writable) {
    if (const auto early = before(readable, writable)) return *early;
    const std::size_t used = device_.handle(readable, writable, now_);
    return after(readable, writable, used);
  }

  void reset() {
    ++resets_;
    queue_.clear();
    spent_.fill(false);
    device_.reset(now_);
  }
  void negotiate(std::uint64_t features) {
    device_.set_negotiated_features(features);
    device_.set_driver_ok();
  }
  void advance(std::uint64_t ns) {
    now_ += nanosecond_count(ns);  // saturates
    if (opt_.broken != fault::alarm_noticed_only_on_request) (void)device_.advance(now_);
    renotify_passed();
  }
  /// Steps one clock; MONOTONIC clocks cannot step backwards.
  bool step(std::uint16_t clock_id, std::int64_t delta) {
    if (clock_id >= clock_count || !clocks_[clock_id].step(now_, delta)) return false;
    (void)device_.advance(now_);
    renotify_passed();
    return true;
  }
  std::size_t alarmq(std::span<std::byte> buffer) {
    if (opt_.broken == fault::no_expiry_after_step_back) return alarmq_one_shot(buffer);
    if (!queue_.empty() && buffer.size() >= notif_alarm::size) {
      const auto n = encode(notif_alarm{queue_.front()}, buffer);
      queue_.pop_front();
      return n ? *n : 0;
    }
    const std::size_t used = device_.write_notification(buffer);
    if (used == notif_alarm::size && opt_.broken == fault::duplicate_notification)
      queue_.push_back(load_le<std::uint16_t>(buffer, 8));
    return used;
  }

  /// This device as the suite drives it (the device must outlive the result).
  [[nodiscard]] device_under_test under_test() {
    device_under_test d;
    d.handle = [this](std::span<const std::byte> r, std::span<std::byte> w) { return handle(r, w); };
    d.offered_features = offered_features();
    d.reset = [this] { reset(); };
    d.negotiate = [this](std::uint64_t f) { negotiate(f); };
    d.advance = [this](std::uint64_t ns) { advance(ns); };
    d.step = [this](std::uint16_t id, std::int64_t delta) { return step(id, delta); };
    d.alarmq = [this](std::span<std::byte> b) { return alarmq(b); };
    return d;
  }

 private:
  static constexpr std::uint64_t s = 1'000'000'000;

  /// The reading at reference instant 0 that gives `at_origin` at the origin.
  [[nodiscard]] std::uint64_t anchor(std::uint64_t at_origin) const noexcept { return at_origin - opt_.origin.ns(); }

  [[nodiscard]] device_config make_config(const reference_options& o) const {
    device_config c;
    c.offer_alarm = o.offer_alarm;
    c.retention = o.retention;
    c.guest_counters.assign(counters_.begin(), counters_.end());
    c.strict_requests = o.broken != fault::lenient_requests;
    return c;
  }

  static std::size_t answer(std::span<std::byte> w, status st) {
    if (w.size() < header_size) return 0;
    w[0] = static_cast<std::byte>(st);
    for (std::size_t i = 1; i < header_size; ++i) w[i] = std::byte{0};
    return header_size;
  }

  [[nodiscard]] static std::optional<std::uint16_t> clock_id_of(std::span<const std::byte> r) noexcept {
    if (r.size() < 2) return std::nullopt;
    const auto t = static_cast<msg_type>(load_le<std::uint16_t>(r, 0));
    const std::size_t off = t == msg_type::set_alarm ? 16 : 8;
    if (t == msg_type::cfg || !is_request(t) || r.size() < off + 2) return std::nullopt;
    return load_le<std::uint16_t>(r, off);
  }

  static constexpr std::uint64_t early_by = 1'000'000;  ///< alarm_fires_early
  static constexpr std::uint64_t late_by = 2'000'000;   ///< alarm_fires_late

  /// renotifies_while_passed: queues one more notification for every enabled alarm whose time
  /// has passed and that has none pending.
  void renotify_passed() {
    if (opt_.broken != fault::renotifies_while_passed || !device_.alarm_negotiated()) return;
    for (std::uint16_t id = 0; id < clock_count; ++id)
      if (const alarm_state* a = device_.alarm(id);
          a != nullptr && a->enabled() && a->last_reading() >= a->alarm_time() && !a->notification_pending())
        queue_.push_back(id);
  }

  /// no_expiry_after_step_back: notifications of an alarm that already notified are dropped
  /// until SET_ALARM or SET_ALARM_ENABLED re-arms it.
  std::size_t alarmq_one_shot(std::span<std::byte> buffer) {
    if (buffer.size() < notif_alarm::size) return 0;
    std::array<std::byte, notif_alarm::size> note{};
    while (device_.write_notification(note) == notif_alarm::size) {
      const std::uint16_t id = load_le<std::uint16_t>(note, 8);
      if (id < clock_count && spent_[id]) continue;
      if (id < clock_count) spent_[id] = true;
      std::copy(note.begin(), note.end(), buffer.begin());
      return notif_alarm::size;
    }
    return 0;
  }

  /// Faults that answer instead of the device. Returns the used length when they do.
  std::optional<std::size_t> before(std::span<const std::byte> r, std::span<std::byte> w) {
    const fault f = opt_.broken;
    if (f == fault::status_in_tiny_buffer && !w.empty() && w.size() < header_size) {
      w[0] = static_cast<std::byte>(status::einval);
      return 0;
    }
    if (r.size() < header_size || w.size() < header_size) return std::nullopt;
    const auto t = static_cast<msg_type>(load_le<std::uint16_t>(r, 0));
    const auto clock = clock_id_of(r);
    const bool bad_clock = clock && *clock >= clock_count;
    switch (f) {
      case fault::einval_for_unknown_clock:
        if (bad_clock && !(is_alarm_request(t) && !device_.alarm_negotiated())) return answer(w, status::einval);
        break;
      case fault::einval_for_unknown_msg_type:
        if (!is_request(t)) return answer(w, status::einval);
        break;
      case fault::status_one_for_unknown_msg_type:
        if (!is_request(t)) return answer(w, static_cast<status>(1));
        break;
      case fault::einval_for_alarm_without_feature:
        if (is_alarm_request(t) && !device_.alarm_negotiated()) return answer(w, status::einval);
        break;
      case fault::cross_cap_ignores_clock_id:
        if (t == msg_type::cross_cap && bad_clock && r.size() >= cross_cap_request::size) {
          const auto n = encode(cross_cap_response{status::ok, 0}, w);
          return n ? *n : answer(w, status::einval);
        }
        break;
      case fault::cross_cap_ignores_hw_counter:
        if (t == msg_type::cross_cap && clock && *clock < clock_count && r.size() >= cross_cap_request::size &&
            !may_be_requested(static_cast<hw_counter>(std::to_integer<std::uint8_t>(r[10])))) {
          const auto n = encode(cross_cap_response{status::ok, 0}, w);
          return n ? *n : answer(w, status::einval);
        }
        break;
      case fault::einval_for_unknown_counter:
        if ((t == msg_type::cross_cap || t == msg_type::read_cross) && r.size() > 10) {
          const auto c = static_cast<hw_counter>(std::to_integer<std::uint8_t>(r[10]));
          if (!may_be_requested(c) && c != hw_counter::invalid) return answer(w, status::einval);
        }
        break;
      case fault::accepts_short_request:
        if (t == msg_type::read && r.size() < read_request::size) {
          std::array<std::byte, read_request::size> padded{};
          std::copy(r.begin(), r.end(), padded.begin());
          return device_.handle(padded, w, now_);
        }
        break;
      case fault::truncates_short_response:
        if (t == msg_type::read && r.size() >= read_request::size && w.size() < read_response::size) {
          std::array<std::byte, read_response::size> full{};
          (void)device_.handle(r, full, now_);
          std::copy(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(w.size()), w.begin());
          return w.size();
        }
        break;
      case fault::eopnotsupp_for_alarm_on_plain_clock:
        if (is_alarm_request(t) && device_.alarm_negotiated() && clock && *clock < clock_count &&
            device_.alarm(*clock) == nullptr)
          return answer(w, status::eopnotsupp);
        break;
      case fault::eio_for_utc_read:
        if (t == msg_type::read && clock == utc_clock) return answer(w, status::eio);
        break;
      case fault::enable_forgets_alarm_time:
        if (t == msg_type::set_alarm_enabled && clock && r.size() >= set_alarm_enabled_request::size) {
          // Rewritten as SET_ALARM with time 0 and the same flags.
          const auto rewritten = encode(set_alarm_request{0, *clock, std::to_integer<std::uint8_t>(r[10])});
          const std::size_t used = device_.handle(rewritten, w, now_);
          return used == set_alarm_response::size ? set_alarm_enabled_response::size : used;
        }
        break;
      case fault::rejects_far_alarm_time:
        if (t == msg_type::set_alarm && r.size() >= set_alarm_request::size &&
            load_le<std::uint64_t>(r, 8) > static_cast<std::uint64_t>(INT64_MAX))
          return answer(w, status::einval);
        break;
      case fault::stale_notification_after_disable:
        if (disables(r, t)) keep_pending();
        break;
      case fault::renotifies_while_passed:
        if (t == msg_type::set_alarm || t == msg_type::set_alarm_enabled) queue_.clear();
        break;
      case fault::no_expiry_after_step_back:
        if ((t == msg_type::set_alarm || t == msg_type::set_alarm_enabled) && clock && *clock < clock_count)
          spent_[*clock] = false;
        break;
      default: break;
    }
    return std::nullopt;
  }

  /// Faults that alter the device's answer.
  std::size_t after(std::span<const std::byte> r, std::span<std::byte> w, std::size_t used) {
    if (used < header_size || r.size() < header_size) return used;
    const auto t = static_cast<msg_type>(load_le<std::uint16_t>(r, 0));
    const bool ok = w[0] == std::byte{0};
    const auto clock = clock_id_of(r);
    switch (opt_.broken) {
      case fault::nonzero_reserved_in_response:
        if (ok) w[7] = std::byte{0x5A};
        break;
      case fault::wrong_used_length:
        if (ok) return w.size();
        break;
      case fault::zero_fills_writable:
        if (ok) std::fill(w.begin() + static_cast<std::ptrdiff_t>(used), w.end(), std::byte{0});
        break;
      case fault::alarm_cap_without_feature:
        if (ok && t == msg_type::clock_cap && !device_.alarm_negotiated() && clock && device_.capabilities(*clock) &&
            device_.capabilities(*clock)->alarm)
          w[10] = static_cast<std::byte>(flag_alarm_cap);
        break;
      case fault::smearing_for_plain_utc:
        if (ok && t == msg_type::clock_cap && w[8] == static_cast<std::byte>(clock_type::utc))
          w[9] = static_cast<std::byte>(smearing::noon_linear);
        break;
      case fault::capabilities_change_on_reset:
        if (ok && t == msg_type::clock_cap && resets_ % 2 == 0 && clock == utc_clock)
          w[8] = static_cast<std::byte>(clock_type::utc_maybe_smeared);
        break;
      case fault::cross_cap_without_read_cross:
        if (ok && t == msg_type::cross_cap && r.size() > 10 && r[10] == static_cast<std::byte>(hw_counter::arm_vct))
          w[8] = static_cast<std::byte>(flag_cross_cap);
        break;
      case fault::monotonic_goes_back:
        if (ok && t == msg_type::read && clock == monotonic_clock && (++mono_reads_ % 2) == 0)
          store_le<std::uint64_t>(w, 8, load_le<std::uint64_t>(w, 8) - 1000);
        break;
      case fault::alarm_fires_early:
      case fault::alarm_fires_late:
        if (ok && (t == msg_type::read || t == msg_type::read_cross) && used >= read_response::size) {
          const std::uint64_t reading = load_le<std::uint64_t>(w, 8);
          const std::uint64_t reported = opt_.broken == fault::alarm_fires_early
                                             ? (reading > early_by ? reading - early_by : 0)
                                             : (reading > UINT64_MAX - late_by ? UINT64_MAX : reading + late_by);
          store_le<std::uint64_t>(w, 8, reported);
        }
        break;
      case fault::readings_in_microseconds:
        if (ok && (t == msg_type::read || t == msg_type::read_cross) && clock == tai_clock)
          store_le<std::uint64_t>(w, 8, load_le<std::uint64_t>(w, 8) / 1000);
        break;
      case fault::no_notification_on_enable:
        if (ok && t == msg_type::set_alarm_enabled && r.size() > 10 && (std::to_integer<unsigned>(r[10]) & 1u) != 0) {
          std::array<std::byte, notif_alarm::size> sink{};
          while (device_.write_notification(sink) != 0) {
          }
        }
        break;
      default: break;
    }
    return used;
  }

  /// Whether a request disables an alarm (SET_ALARM or SET_ALARM_ENABLED without ENABLED).
  [[nodiscard]] static bool disables(std::span<const std::byte> r, msg_type t) noexcept {
    if (t == msg_type::set_alarm && r.size() >= set_alarm_request::size) return (std::to_integer<unsigned>(r[18]) & 1u) == 0;
    if (t == msg_type::set_alarm_enabled && r.size() >= set_alarm_enabled_request::size)
      return (std::to_integer<unsigned>(r[10]) & 1u) == 0;
    return false;
  }

  /// Moves notifications the device would drop into this wrapper's own queue.
  void keep_pending() {
    std::array<std::byte, notif_alarm::size> buf{};
    while (device_.write_notification(buf) != 0) queue_.push_back(load_le<std::uint16_t>(buf, 8));
  }

  reference_options opt_;
  reference_time now_;
  virtual_counter tsc_;
  std::array<simulated_clock, clock_count> clocks_;
  std::array<clock_ref, clock_count> refs_;
  std::array<guest_counter, 1> counters_{guest_counter{hw_counter::x86_tsc, counter_transform::identity()}};
  device device_;
  std::deque<std::uint16_t> queue_;  ///< notifications this wrapper sends before the device's
  std::uint64_t resets_ = 0;
  std::uint64_t mono_reads_ = 0;
  std::array<bool, clock_count> spent_{};  ///< no_expiry_after_step_back: the alarm notified
};

}  // namespace conformance
VRTC_END_NAMESPACE
