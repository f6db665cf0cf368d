// vrtc conformance: the device suite, a set of checks of a virtio-rtc device's externally
// observable behaviour against the device requirements of virtio 1.4 §5.23.
//
// The device is reached through one callable (a requestq element: device-readable bytes in,
// device-writable buffer filled, used length out) and optional hooks: reset, feature
// negotiation, the passing of time, clock steps and alarmq buffers. Checks that need a missing
// hook or feature report not_applicable with the reason. The suite is sans-I/O and
// deterministic: the same device behaviour gives the same report. A device whose clocks run in
// real time (a vhost-user back-end) gives hooks that measure and wait real time instead of
// advancing it; only then does the suite wait, a few hundred milliseconds at a time.
//
// Every check is named "<section>/<short-id>" after the requirement it tests (see
// device_checks below and docs/conformance.md). A check looks only at its own requirement, so a
// device that breaks one requirement fails exactly the checks of that requirement. Properties
// of every response (reserved bytes, flag bits, used lengths, notification format) are judged
// once, at the end, over every exchange of the run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vrtc/conformance/report.hpp"
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

/// A virtio-rtc device as the suite drives it. Only `handle` is required.
struct device_under_test {
  /// One requestq element: `readable` is the device-readable part, `writable` the
  /// device-writable part (the suite fills it with a marker byte first). Returns the used length.
  std::function<std::size_t(std::span<const std::byte> readable, std::span<std::byte> writable)> handle;
  /// Device feature bits the device offers (VIRTIO_RTC_F_ALARM is bit 0).
  std::uint64_t offered_features = 0;
  /// Device reset: the device is no longer live and has no negotiated features.
  std::function<void()> reset;
  /// Feature negotiation after a reset: the driver accepts `features` and sets DRIVER_OK.
  /// Without this hook the suite assumes every offered feature is negotiated and the device live.
  std::function<void(std::uint64_t features)> negotiate;
  /// `ns` nanoseconds of time pass for every clock of the device (its alarms may expire).
  std::function<void(std::uint64_t ns)> advance;
  /// Steps clock `clock_id` by `delta_ns` (negative: backwards). Returns false when that clock
  /// cannot be stepped.
  std::function<bool(std::uint16_t clock_id, std::int64_t delta_ns)> step;
  /// Makes one alarmq buffer available. The device writes at most one notification into it and
  /// returns the used length; 0 means no notification is pending.
  std::function<std::size_t(std::span<std::byte> buffer)> alarmq;
  /// For a device whose clocks run in real time (a back-end in another process), in place of
  /// `advance`: the host's monotonic time in nanoseconds, and a wait of `ns` nanoseconds.
  /// Checks that need time to pass then wait real time, a few hundred milliseconds at a time
  /// (200 ms per clock and counter for the reading unit, about 1 s for each alarm check).
  std::function<std::uint64_t()> real_time;
  std::function<void(std::uint64_t ns)> wait;
  /// Whether an alarmq buffer the device did not use stays available after `alarmq` returned
  /// 0 (real rings: a driver cannot take a buffer back). A notification may then be delivered
  /// as soon as it is due, before the suite asks for it.
  bool alarmq_buffers_stay = false;
};

/// A check's identity: "<section>/<short-id>", the section, and the requirement in one line.
struct check_info {
  const char* id;
  const char* section;
  const char* title;
};

/// Every check of the device suite, in run order.
inline constexpr check_info device_checks[] = {
    {"5.23.6.2/ok-for-valid-requests", "5.23.6.2",
     "control requests within the discovered capabilities (CFG, CLOCK_CAP, CROSS_CAP, READ_ALARM) get S_OK"},
    {"5.23.6.5.2/read-supported-for-every-clock", "5.23.6.5.2", "READ of every clock gets S_OK, also later"},
    {"5.23.6.2/unknown-msg-type-eopnotsupp", "5.23.6.2", "a msg_type the spec does not describe gets S_EOPNOTSUPP"},
    {"5.23.6.2/unknown-hw-counter-eopnotsupp", "5.23.6.2",
     "an unassigned hw_counter (neither spec-defined nor implementation-specific) gets S_EOPNOTSUPP"},
    {"5.23.6.2/unknown-clock-enodev", "5.23.6.2", "a clock_id that names no clock gets S_ENODEV"},
    {"5.23.6.2/counter-invalid-einval", "5.23.6.2", "hw_counter INVALID (0xFF), which a driver must not send, gets S_EINVAL"},
    {"5.23.6.2/reserved-request-bytes-einval", "5.23.6.2", "a request with non-zero reserved bytes gets S_EINVAL"},
    {"5.23.6.2/undefined-flag-bits-einval", "5.23.6.2", "a request with flag bits the features do not allow gets S_EINVAL"},
    {"5.23.6.2/short-request-einval", "5.23.6.2", "a request that does not fit the device-readable part gets S_EINVAL"},
    {"5.23.6.2/short-response-einval", "5.23.6.2",
     "a response that does not fit the device-writable part (of at least 8 bytes) gets S_EINVAL"},
    {"5.23.6.2/no-status-if-it-does-not-fit", "5.23.6.2",
     "with fewer than 8 writable bytes nothing is written and the used length is 0"},
    {"5.23.6.2/extra-readable-ignored", "5.23.6.2", "bytes after the request in the device-readable part are ignored"},
    {"5.23.6.2/extra-writable-ignored", "5.23.6.2", "writable space after the response is ignored (left untouched)"},
    {"5.23.6.2/capabilities-stable-while-live", "5.23.6.2",
     "repeated CFG, CLOCK_CAP and CROSS_CAP requests get identical responses while live"},
    {"5.23.6.4.2/smearing-unspecified-for-other-types", "5.23.6.4.2",
     "CLOCK_CAP of a clock that is not UTC_SMEARED reports SMEAR_UNSPECIFIED"},
    {"5.23.6.4.2/smearing-variant-valid", "5.23.6.4.2",
     "CLOCK_CAP of a UTC_SMEARED clock reports UNSPECIFIED, NOON_LINEAR, UTC_SLS or a value >= 0xF0"},
    {"5.23.6.4.2/cross-cap-matches-read-cross", "5.23.6.4.2",
     "CROSS_CAP is set exactly when READ_CROSS of the same clock and counter gets S_OK"},
    {"5.23.6.5.2/monotonic-never-decreases", "5.23.6.5.2", "readings of a MONOTONIC clock never decrease"},
    {"5.23.6.5.2/reading-unit-nanoseconds", "5.23.6.5.2", "clock_reading of READ and READ_CROSS advances by 10^9 per second of time"},
    {"5.23.6.5.2/cross-counter-nondecreasing", "5.23.6.5.2",
     "counter_cycles of successive READ_CROSS of one clock and counter never go back"},
    {"5.23.6.6.1/alarm-clock-exists-when-negotiated", "5.23.6.6.1",
     "with VIRTIO_RTC_F_ALARM negotiated, at least one clock supports the alarm messages"},
    {"5.23.6.6.1/alarm-cap-iff-alarm-supported", "5.23.6.6.1",
     "ALARM_CAP is set exactly for the clocks whose READ_ALARM gets S_OK"},
    {"5.23.6.6.2.2/alarm-requests-no-alarm-clock-enodev", "5.23.6.6.2.2",
     "alarm requests for a clock without an alarm get S_ENODEV"},
    {"5.23.6.6.2.2/set-alarm-then-read-alarm", "5.23.6.6.2.2",
     "SET_ALARM stores time and enabled state, and READ_ALARM reports them"},
    {"5.23.6.6.2.2/set-alarm-enabled-keeps-time", "5.23.6.6.2.2",
     "SET_ALARM_ENABLED enables or disables and keeps the alarm time"},
    {"5.23.6.6.2.2/set-alarm-accepts-any-time", "5.23.6.6.2.2", "SET_ALARM accepts any alarm_time (0, past, beyond INT64_MAX)"},
    {"5.23.6.6.1/expire-on-set-past-enabled", "5.23.6.6.1",
     "SET_ALARM with a time not in the future (the clock's reading, earlier, 0) and ENABLED expires the alarm: a "
     "NOTIF_ALARM at the next alarmq buffer"},
    {"5.23.6.6.1/expire-on-enable-past", "5.23.6.6.1",
     "enabling an alarm whose time is not in the future (earlier or the clock's reading) expires it; a disabled alarm "
     "does not"},
    {"5.23.6.6.1/one-notification-per-expiration", "5.23.6.6.1",
     "each expiration gets exactly one NOTIF_ALARM: none more while time passes or the clock steps forward with the "
     "alarm enabled"},
    {"5.23.6.6.1/disable-stops-notifications", "5.23.6.6.1",
     "no notification of an earlier expiration arrives after a disabling request got S_OK"},
    {"5.23.6.6.1/expire-on-clock-progress", "5.23.6.6.1",
     "as time passes the alarm expires when the clock reaches the alarm time: no NOTIF_ALARM before, one right after "
     "the first time step that reaches it"},
    {"5.23.6.6.1/expire-on-clock-step", "5.23.6.6.1",
     "the alarm expires when the clock steps onto or past the alarm time: no NOTIF_ALARM before, one right after "
     "that step"},
    {"5.23.6.6.1/expire-again-after-step-back", "5.23.6.6.1",
     "after the clock steps back before the alarm time (no expiration), reaching the alarm time again expires the "
     "alarm again"},
    {"5.23.6.5.2/no-reading-before-notified-alarm", "5.23.6.5.2",
     "after NOTIF_ALARM for alarm time A, READ of that clock returns at least A"},
    {"5.23.6.6.2.2/alarm-requests-without-feature-enodev", "5.23.6.6.2.2",
     "without VIRTIO_RTC_F_ALARM negotiated, READ_ALARM, SET_ALARM and SET_ALARM_ENABLED get S_ENODEV"},
    {"5.23.6.6.1/reset-retains-or-clears-alarm", "5.23.6.6.1",
     "after a reset the alarm is either retained or back to time 0, disabled"},
    {"5.23.6.6.1/expire-on-reset-retained", "5.23.6.6.1",
     "a reset that retains an enabled alarm whose time has passed expires it"},
    {"5.23.6.2/capabilities-stable-across-reset", "5.23.6.2",
     "CFG, CLOCK_CAP and CROSS_CAP responses stay the same across a reset (SHOULD)"},
    {"5.23.6.2/status-defined", "5.23.6.2", "every status written is OK, EOPNOTSUPP, ENODEV, EINVAL or EIO"},
    {"5.23.6.2/reserved-response-zero", "5.23.6.2", "reserved bytes of responses and notifications are zero"},
    {"5.23.6.2/response-flags-allowed", "5.23.6.2", "responses set only flag bits the negotiated features allow"},
    {"5.23.6.2/used-length", "5.23.6.2",
     "the used length is the response size for S_OK, 8 up to the response size for an error"},
    {"5.23.6.6.1/notification-format", "5.23.6.6.1",
     "an alarmq buffer is used for one 16-byte NOTIF_ALARM naming a clock id below num_clocks"},
    {"5.23.6.6.3.2/no-notification-for-clock-without-alarm", "5.23.6.6.3.2",
     "NOTIF_ALARM names only clocks that support an alarm"},
};

/// Limits of a run.
struct suite_options {
  /// Per-clock checks look at the first `max_clocks` clocks only (a device may have 65535).
  std::uint16_t max_clocks = 16;
  /// At most this many alarmq buffers are offered in one go (a device that never stops
  /// notifying cannot stall the suite).
  std::size_t max_drain = 16;
};

namespace detail {

inline constexpr std::byte marker{0xA5};  ///< what the suite fills writable buffers with
inline constexpr std::uint64_t ns_per_s = 1'000'000'000;

/// Alarm times the timing checks set, in ns after the clock's reading: 1 ns, odd and whole
/// milliseconds and seconds, and a minute (odd values catch alarm times rounded to a unit).
inline constexpr std::uint64_t alarm_offsets_ns[] = {1,           2'000'003,     500'000'000,
                                                     1'000'000'000, 1'234'567'891, 61'000'000'017};
/// Where the clock goes on its way to an alarm time, in ns from it: 1 s, 100 ms, a few ms,
/// 1 us and 1 ns before, then the alarm time itself.
inline constexpr std::int64_t approach_ns[] = {-1'000'000'000, -100'000'000, -10'000'000, -3'000'000,
                                               -1'000'000,     -1'000,       -1,          0};
/// A way over the alarm time that never lands on it: 3 ms before, then 2 ms after.
inline constexpr std::int64_t jump_ns[] = {-3'000'000, 2'000'000};
/// One clock step from an hour before the alarm time to an hour after it.
inline constexpr std::int64_t far_jump_ns[] = {3'600'000'000'000};
/// Time that passes after an expiration while the alarm stays enabled.
inline constexpr std::uint64_t after_expiry_ns[] = {1,           1'000'000,     5'000'000,     100'000'000,
                                                    1'000'000'000, 3'000'000'000, 60'000'000'000};
/// Forward clock steps after an expiration, while the alarm stays enabled.
inline constexpr std::int64_t after_expiry_steps_ns[] = {1'000'000, 1'000'000'000, 3'600'000'000'000};

/// The response size of a request type; max_response_size for an unknown type.
[[nodiscard]] constexpr std::size_t response_size_of(std::uint16_t type) noexcept {
  const std::size_t n = response_size(static_cast<msg_type>(type));
  return n != 0 ? n : max_response_size;
}

/// Calls f(wire_layout<Resp>) for the response of a known request type; false otherwise.
template <class F>
bool with_response_layout(std::uint16_t type, F&& f) {
  switch (static_cast<msg_type>(type)) {
    case msg_type::read: f(wire_layout<read_response>); return true;
    case msg_type::read_cross: f(wire_layout<read_cross_response>); return true;
    case msg_type::cfg: f(wire_layout<cfg_response>); return true;
    case msg_type::clock_cap: f(wire_layout<clock_cap_response>); return true;
    case msg_type::cross_cap: f(wire_layout<cross_cap_response>); return true;
    case msg_type::read_alarm: f(wire_layout<read_alarm_response>); return true;
    case msg_type::set_alarm: f(wire_layout<set_alarm_response>); return true;
    case msg_type::set_alarm_enabled: f(wire_layout<set_alarm_enabled_response>); return true;
    case msg_type::notif_alarm: break;
  }
  return false;
}

template <class M>
[[nodiscard]] std::vector<std::byte> bytes_of(const M& m) {
  const auto a = encode(m);
  return {a.begin(), a.end()};
}

[[nodiscard]] inline std::string status_text(unsigned s) {
  return std::string(to_string(static_cast<status>(s))) + " (" + std::to_string(s) + ")";
}

/// One requestq element as it went through the device.
struct exchange {
  std::vector<std::byte> request;
  std::vector<std::byte> buffer;  ///< the writable part after the device used it
  std::size_t used = 0;
  bool alarm_negotiated = false;

  [[nodiscard]] std::uint16_t type() const noexcept {
    return request.size() >= 2 ? load_le<std::uint16_t>(request, 0) : std::uint16_t{0xFFFF};
  }
  /// The status byte as written (the marker if nothing was written).
  [[nodiscard]] unsigned status_byte() const noexcept {
    return buffer.empty() ? 0x100u : std::to_integer<unsigned>(buffer[0]);
  }
  [[nodiscard]] bool ok() const noexcept { return buffer.size() >= header_size && status_byte() == 0; }
  /// Whether the full OK response of the request's type is there to read.
  [[nodiscard]] bool ok_with(std::size_t size) const noexcept { return ok() && buffer.size() >= size && used >= size; }
  [[nodiscard]] std::uint64_t u64(std::size_t off) const noexcept { return load_le<std::uint64_t>(buffer, off); }
  [[nodiscard]] std::uint16_t u16(std::size_t off) const noexcept { return load_le<std::uint16_t>(buffer, off); }
  [[nodiscard]] unsigned u8(std::size_t off) const noexcept { return std::to_integer<unsigned>(buffer[off]); }
};

/// One alarmq buffer as the device used it.
struct notification {
  std::vector<std::byte> buffer;
  std::size_t used = 0;
  [[nodiscard]] std::uint16_t clock_id() const noexcept {
    return buffer.size() >= 10 ? load_le<std::uint16_t>(buffer, 8) : std::uint16_t{0xFFFF};
  }
  [[nodiscard]] bool is_notif_alarm() const noexcept {
    return used >= notif_alarm::size && buffer.size() >= notif_alarm::size &&
           load_le<std::uint16_t>(buffer, 0) == static_cast<std::uint16_t>(msg_type::notif_alarm);
  }
};

/// A check being evaluated: the first failure wins, and fills in what was sent and seen.
class verdict_builder {
 public:
  explicit verdict_builder(const check_info& info) {
    r_.id = info.id;
    r_.section = info.section;
    r_.title = info.title;
  }
  [[nodiscard]] bool failed() const noexcept { return r_.outcome == verdict::fail; }
  void fail(const exchange& e, std::string expected, std::string detail = {}) {
    if (decided()) return;
    r_.outcome = verdict::fail;
    r_.request = to_hex(e.request);
    r_.response = to_hex(std::span<const std::byte>(e.buffer).first(std::min<std::size_t>(e.buffer.size(), 64)));
    r_.expected = std::move(expected);
    r_.detail = "used length " + std::to_string(e.used) + ", writable size " + std::to_string(e.buffer.size());
    if (!detail.empty()) r_.detail += "; " + detail;
  }
  void fail_notification(const notification& n, std::string expected, std::string detail = {}) {
    if (decided()) return;
    r_.outcome = verdict::fail;
    r_.response = to_hex(n.buffer);
    r_.expected = std::move(expected);
    r_.detail = "alarmq buffer of " + std::to_string(n.buffer.size()) + " bytes, used length " + std::to_string(n.used);
    if (!detail.empty()) r_.detail += "; " + detail;
  }
  void fail_text(std::string expected, std::string detail) {
    if (decided()) return;
    r_.outcome = verdict::fail;
    r_.expected = std::move(expected);
    r_.detail = std::move(detail);
  }
  void not_applicable(std::string reason) {
    if (decided()) return;
    r_.outcome = verdict::not_applicable;
    r_.detail = std::move(reason);
  }
  [[nodiscard]] check_result take() { return std::move(r_); }

 private:
  [[nodiscard]] bool decided() const noexcept { return r_.outcome != verdict::pass; }
  check_result r_;
};

class device_suite_run {
 public:
  device_suite_run(const device_under_test& dut, const suite_options& opt) : d_(dut), opt_(opt) {}

  report run() {
    features_ = d_.offered_features;
    if (can_renegotiate()) renegotiate(features_);
    else if (d_.negotiate) d_.negotiate(features_);
    discover();
    for (const check_info& c : device_checks) {
      verdict_builder v(c);
      run_one(c.id, v);
      rep_.results.push_back(v.take());
    }
    return std::move(rep_);
  }

 private:
  // --- plumbing ------------------------------------------------------------------------------

  [[nodiscard]] bool can_renegotiate() const { return d_.reset && d_.negotiate; }
  /// Time passes only in real time: the suite measures and waits instead of advancing.
  [[nodiscard]] bool real_time() const { return !d_.advance && d_.real_time && d_.wait; }

  /// Real time: offers alarmq buffers until one for `clock` comes or the real time reaches
  /// `deadline`; returns whether one came.
  bool await_notification(std::uint16_t clock, std::uint64_t deadline) {
    for (;;) {
      if (count_for(drain(), clock) != 0) return true;
      if (d_.real_time() >= deadline) return false;
      d_.wait(10'000'000);
    }
  }
  [[nodiscard]] bool alarm_negotiated() const { return (features_ & feature_alarm_mask) != 0; }
  [[nodiscard]] bool alarm_offered() const { return (d_.offered_features & feature_alarm_mask) != 0; }

  void renegotiate(std::uint64_t features) {
    d_.reset();
    features_ = features;
    d_.negotiate(features);
  }

  const exchange& send(std::vector<std::byte> request, std::size_t writable) {
    exchange e;
    e.request = std::move(request);
    e.buffer.assign(writable, marker);
    e.alarm_negotiated = alarm_negotiated();
    e.used = d_.handle(e.request, e.buffer);
    log_.push_back(std::move(e));
    return log_.back();
  }
  template <class M>
  const exchange& send(const M& m) {
    return send(bytes_of(m), M::response_type::size);
  }

  /// Offers alarmq buffers until the device has nothing more (or max_drain); returns them.
  std::vector<notification> drain() {
    std::vector<notification> out;
    if (!d_.alarmq) return out;
    for (std::size_t i = 0; i < opt_.max_drain; ++i) {
      notification n;
      n.buffer.assign(notif_alarm::size, marker);
      n.used = d_.alarmq(n.buffer);
      if (n.used == 0) break;
      notes_.push_back(n);
      out.push_back(std::move(n));
    }
    return out;
  }
  static std::size_t count_for(const std::vector<notification>& ns, std::uint16_t clock) {
    return static_cast<std::size_t>(
        std::count_if(ns.begin(), ns.end(), [&](const notification& n) { return n.clock_id() == clock; }));
  }

  void discover() {
    const exchange& e = send(cfg_request{});
    cfg_ok_ = e.ok_with(cfg_response::size);
    num_clocks_ = cfg_ok_ ? e.u16(8) : 0;
    probed_ = std::min(num_clocks_, opt_.max_clocks);
    caps_.assign(probed_, clock_cap_response{});
    cap_ok_.assign(probed_, false);
    for (std::uint16_t id = 0; id < probed_; ++id) {
      const exchange& c = send(clock_cap_request{id});
      if (!c.ok_with(clock_cap_response::size)) continue;
      cap_ok_[id] = true;
      caps_[id] = clock_cap_response{status::ok, static_cast<clock_type>(c.u8(8)), static_cast<smearing>(c.u8(9)),
                                     static_cast<std::uint8_t>(c.u8(10))};
      if (alarm_clock_ < 0 && alarm_negotiated() && caps_[id].alarm_cap()) alarm_clock_ = id;
    }
  }

  /// Bad clock ids: the first id past the end (num_clocks is at most 0xFFFF, so there is
  /// always one), and 0xFFFF.
  [[nodiscard]] std::vector<std::uint16_t> bad_clocks() const {
    std::vector<std::uint16_t> ids{num_clocks_};
    if (num_clocks_ != 0xFFFF) ids.push_back(0xFFFF);
    return ids;
  }

  void expect_status(verdict_builder& v, const exchange& e, status s) {
    if (e.buffer.size() >= header_size && e.status_byte() == static_cast<unsigned>(s)) return;
    v.fail(e, "status " + status_text(static_cast<unsigned>(s)),
           e.buffer.empty() ? std::string{} : "status byte " + std::to_string(e.status_byte()));
  }

  template <class M>
  void expect(verdict_builder& v, const M& m, status s) {
    expect_status(v, send(m), s);
  }

  // Requirements for a group of checks; each returns false after marking the check n/a.
  bool need_clock(verdict_builder& v) {
    if (!cfg_ok_) v.not_applicable("CFG did not succeed, so no clock is known");
    else if (num_clocks_ == 0) v.not_applicable("the device has no clocks");
    else return true;
    return false;
  }
  bool need_alarm(verdict_builder& v) {
    if (!alarm_offered()) v.not_applicable("the device does not offer VIRTIO_RTC_F_ALARM");
    else if (!alarm_negotiated()) v.not_applicable("VIRTIO_RTC_F_ALARM could not be negotiated");
    else if (alarm_clock_ < 0) v.not_applicable("no clock reports ALARM_CAP");
    else return true;
    return false;
  }
  bool need_alarmq(verdict_builder& v) {
    if (!need_alarm(v)) return false;
    if (!d_.alarmq) {
      v.not_applicable("no alarmq hook");
      return false;
    }
    return true;
  }
  [[nodiscard]] std::uint16_t alarm_clock() const { return static_cast<std::uint16_t>(alarm_clock_); }

  /// Disables the alarm clock's alarm (time 0) and drains old notifications: a clean start.
  void clear_alarm() {
    (void)send(set_alarm_request{0, alarm_clock(), 0});
    (void)drain();
  }
  /// The alarm clock's reading now (0 if READ fails).
  std::uint64_t read_alarm_clock() {
    const exchange& e = send(read_request{alarm_clock()});
    return e.ok_with(read_response::size) ? e.u64(8) : 0;
  }
  static std::uint64_t minus(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }
  static std::uint64_t plus(std::uint64_t a, std::uint64_t b) {
    return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
  }

  // --- alarm timing (docs/conformance.md, "Alarm timing") -------------------------------------
  //
  // The suite judges alarm timing by the alarm clock's own readings. After every move of the
  // clock (time passing or a clock step) it offers alarmq buffers first and READs the clock
  // second; time moves only when the suite says so, so that reading is the clock as the device
  // saw it when the buffers were offered. A NOTIF_ALARM while the clock reads before the alarm
  // time is early; none after the first move that brings it to the alarm time or past it is
  // late. The approach points put the clock 1 ns before the alarm time and exactly onto it, so
  // a device can be neither early nor late by any amount without failing.

  enum class mover { time, step };
  enum class reach { arrived, failed, unable };

  /// What one move of the clock showed: notifications for the alarm clock, then a READ.
  struct sight {
    std::size_t notes = 0;
    const exchange* read = nullptr;
    std::uint64_t reading = 0;
    [[nodiscard]] bool read_ok() const noexcept { return read != nullptr && read->ok_with(read_response::size); }
  };
  sight look() {
    sight s;
    s.notes = count_for(drain(), alarm_clock());
    s.read = &send(read_request{alarm_clock()});
    s.reading = s.read_ok() ? s.read->u64(8) : 0;
    return s;
  }
  bool readable(verdict_builder& v, const sight& s) {
    if (s.read_ok()) return true;
    v.fail(*s.read, "status OK for READ of the alarm clock (alarm timing is judged by its readings)");
    return false;
  }

  static std::int64_t signed_delta(std::uint64_t from, std::uint64_t to) {
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return to >= from ? static_cast<std::int64_t>(std::min(to - from, max))
                      : -static_cast<std::int64_t>(std::min(from - to, max));
  }
  static std::uint64_t offset_by(std::uint64_t t, std::int64_t delta) {
    return delta >= 0 ? plus(t, static_cast<std::uint64_t>(delta)) : minus(t, 0 - static_cast<std::uint64_t>(delta));
  }
  static std::string describe(mover how, std::uint64_t from, std::uint64_t to) {
    return (how == mover::time ? std::string("time passed, the clock went from ") : std::string("a clock step from ")) +
           std::to_string(from) + " to " + std::to_string(to);
  }

  /// Disables the alarm, then sets it `ahead` ns after the clock's reading, enabled; no
  /// notification may follow at once. Returns false on a failure.
  bool arm_ahead(verdict_builder& v, std::uint64_t ahead, std::uint64_t& alarm, sight& s, bool readings = false) {
    clear_alarm();
    s = look();
    if (!readable(v, s)) return false;
    alarm = plus(s.reading, ahead);
    const exchange& set = send(set_alarm_request{alarm, alarm_clock(), flag_alarm_enabled});
    const std::uint64_t from = s.reading;
    s = look();
    if (!readable(v, s)) return false;
    if (s.notes != 0 && s.reading < alarm) {
      v.fail(set,
             readings ? "no NOTIF_ALARM for alarm time " + std::to_string(alarm) + " while the clock reads " +
                            std::to_string(s.reading)
                      : "no NOTIF_ALARM for an alarm " + std::to_string(ahead) + " ns ahead of the clock (" +
                            std::to_string(from) + ")",
             "a NOTIF_ALARM arrived at once");
      return false;
    }
    return true;
  }

  /// Moves the alarm clock through the points `alarm + p` that lie after its reading and judges
  /// each move. `s` is the last sight and is kept up to date. `readings` words failures for
  /// no-reading-before-notified-alarm.
  reach approach(verdict_builder& v, std::uint64_t alarm, sight& s, mover how, std::span<const std::int64_t> points,
                 bool readings = false) {
    // After the points, a clock that fell short (a coarse or slower clock) is moved on in
    // growing steps; every move is judged the same way.
    constexpr int extra_moves = 48;
    std::uint64_t extra = 0;
    for (std::size_t i = 0; i < points.size() + extra_moves; ++i) {
      const std::uint64_t from = s.reading;
      std::uint64_t target = 0;
      if (i < points.size()) {
        target = offset_by(alarm, points[i]);
        if (target <= from) continue;
      } else {
        extra = extra == 0 ? std::max<std::uint64_t>(alarm - std::min(alarm, from), 1) : plus(extra, extra);
        target = plus(from, extra);
      }
      if (how == mover::time) d_.advance(target - from);
      else if (!d_.step(alarm_clock(), signed_delta(from, target))) return reach::unable;
      s = look();
      if (!readable(v, s)) return reach::failed;
      if (s.notes != 0 && s.reading < alarm) {
        v.fail(*s.read,
               readings ? "after NOTIF_ALARM for alarm time " + std::to_string(alarm) + ", clock_reading >= " +
                              std::to_string(alarm)
                        : "no NOTIF_ALARM before the clock reaches the alarm time " + std::to_string(alarm),
               "a NOTIF_ALARM " + std::to_string(alarm - s.reading) + " ns before the alarm time; " +
                   describe(how, from, s.reading));
        return reach::failed;
      }
      if (s.reading >= alarm) {
        if (s.notes != 0) return reach::arrived;
        v.fail(*s.read,
               "a NOTIF_ALARM at the first alarmq buffer after the clock reached the alarm time " +
                   std::to_string(alarm) +
                   (readings ? " (to check the readings after it)" : ""),
               "none; " + describe(how, from, s.reading));
        return reach::failed;
      }
    }
    v.fail(*s.read, "the clock at the alarm time " + std::to_string(alarm) + " after the suite moved it there",
           "it reads " + std::to_string(s.reading));
    return reach::failed;
  }

  /// CFG, CLOCK_CAP and CROSS_CAP (spec counters) of the probed clocks, as sent and seen.
  std::vector<const exchange*> capability_round() {
    std::vector<const exchange*> out;
    out.push_back(&send(cfg_request{}));
    for (std::uint16_t id = 0; id < probed_; ++id) {
      out.push_back(&send(clock_cap_request{id}));
      for (const hw_counter h : {hw_counter::arm_vct, hw_counter::x86_tsc}) out.push_back(&send(cross_cap_request{id, h}));
    }
    return out;
  }
  static bool same_answer(const exchange& a, const exchange& b) {
    if (a.used != b.used || a.status_byte() != b.status_byte()) return false;
    const std::size_t n = std::min({a.used, a.buffer.size(), b.buffer.size()});
    return std::equal(a.buffer.begin(), a.buffer.begin() + static_cast<std::ptrdiff_t>(n), b.buffer.begin());
  }

  // --- the checks ----------------------------------------------------------------------------

  void run_one(const std::string& id, verdict_builder& v) {
    const std::string name = id.substr(id.find('/') + 1);
    if (name == "ok-for-valid-requests") return ok_for_valid(v);
    if (name == "read-supported-for-every-clock") return read_every_clock(v);
    if (name == "unknown-msg-type-eopnotsupp") return unknown_msg_type(v);
    if (name == "unknown-hw-counter-eopnotsupp") return unknown_counter(v);
    if (name == "unknown-clock-enodev") return unknown_clock(v);
    if (name == "counter-invalid-einval") return counter_invalid(v);
    if (name == "reserved-request-bytes-einval") return reserved_request(v);
    if (name == "undefined-flag-bits-einval") return undefined_flags(v);
    if (name == "short-request-einval") return short_request(v);
    if (name == "short-response-einval") return short_response(v);
    if (name == "no-status-if-it-does-not-fit") return no_status(v);
    if (name == "extra-readable-ignored") return extra_readable(v);
    if (name == "extra-writable-ignored") return extra_writable(v);
    if (name == "capabilities-stable-while-live") return stable_while_live(v);
    if (name == "smearing-unspecified-for-other-types") return smearing_other(v);
    if (name == "smearing-variant-valid") return smearing_valid(v);
    if (name == "cross-cap-matches-read-cross") return cross_cap_matches(v);
    if (name == "monotonic-never-decreases") return monotonic(v);
    if (name == "reading-unit-nanoseconds") return unit_ns(v);
    if (name == "cross-counter-nondecreasing") return cross_counter(v);
    if (name == "alarm-clock-exists-when-negotiated") return alarm_clock_exists(v);
    if (name == "alarm-cap-iff-alarm-supported") return alarm_cap_iff(v);
    if (name == "alarm-requests-no-alarm-clock-enodev") return no_alarm_clock(v);
    if (name == "set-alarm-then-read-alarm") return set_then_read(v);
    if (name == "set-alarm-enabled-keeps-time") return enabled_keeps_time(v);
    if (name == "set-alarm-accepts-any-time") return any_time(v);
    if (name == "expire-on-set-past-enabled") return expire_set_past(v);
    if (name == "expire-on-enable-past") return expire_enable_past(v);
    if (name == "one-notification-per-expiration") return one_per_expiration(v);
    if (name == "disable-stops-notifications") return disable_stops(v);
    if (name == "expire-on-clock-progress") return expire_progress(v);
    if (name == "expire-on-clock-step") return expire_step(v);
    if (name == "expire-again-after-step-back") return expire_again(v);
    if (name == "no-reading-before-notified-alarm") return no_early_reading(v);
    if (name == "alarm-requests-without-feature-enodev") return without_feature(v);
    if (name == "reset-retains-or-clears-alarm") return reset_alarm(v);
    if (name == "expire-on-reset-retained") return expire_reset(v);
    if (name == "capabilities-stable-across-reset") return stable_across_reset(v);
    if (name == "status-defined") return status_defined(v);
    if (name == "reserved-response-zero") return reserved_zero(v);
    if (name == "response-flags-allowed") return flags_allowed(v);
    if (name == "used-length") return used_length(v);
    if (name == "notification-format") return notification_format(v);
    if (name == "no-notification-for-clock-without-alarm") return notification_clock(v);
  }

  void ok_for_valid(verdict_builder& v) {
    expect(v, cfg_request{}, status::ok);
    for (std::uint16_t id = 0; id < probed_; ++id) {
      expect(v, clock_cap_request{id}, status::ok);
      for (const hw_counter h : {hw_counter::arm_vct, hw_counter::x86_tsc}) expect(v, cross_cap_request{id, h}, status::ok);
      if (alarm_negotiated() && caps_[id].alarm_cap()) expect(v, read_alarm_request{id}, status::ok);
    }
  }

  void read_every_clock(verdict_builder& v) {
    if (!need_clock(v)) return;
    for (int round = 0; round < 2; ++round) {
      for (std::uint16_t id = 0; id < probed_; ++id) expect(v, read_request{id}, status::ok);
      if (d_.advance) d_.advance(ns_per_s);
    }
  }

  void unknown_msg_type(verdict_builder& v) {
    for (const unsigned t : {0x0000u, 0x0003u, 0x0FFFu, 0x1006u, 0x1FFFu, 0x2000u, 0x2001u, 0x8001u, 0xFFFFu}) {
      std::vector<std::byte> req(max_request_size, std::byte{0});
      store_le<std::uint16_t>(req, 0, static_cast<std::uint16_t>(t));
      expect_status(v, send(req, max_response_size), status::eopnotsupp);
    }
  }

  void unknown_counter(verdict_builder& v) {
    if (!need_clock(v)) return;
    for (const unsigned c : {0x02u, 0x7Fu, 0xEFu}) {
      expect(v, cross_cap_request{0, static_cast<hw_counter>(c)}, status::eopnotsupp);
      expect(v, read_cross_request{0, static_cast<hw_counter>(c)}, status::eopnotsupp);
    }
  }

  void unknown_clock(verdict_builder& v) {
    if (!cfg_ok_) return v.not_applicable("CFG did not succeed, so the number of clocks is unknown");
    for (const std::uint16_t id : bad_clocks()) {
      expect(v, read_request{id}, status::enodev);
      expect(v, clock_cap_request{id}, status::enodev);
      for (const hw_counter h : {hw_counter::arm_vct, hw_counter::x86_tsc}) expect(v, cross_cap_request{id, h}, status::enodev);
      if (alarm_negotiated()) {
        expect(v, read_alarm_request{id}, status::enodev);
        expect(v, set_alarm_request{0, id, 0}, status::enodev);
        expect(v, set_alarm_enabled_request{id, 0}, status::enodev);
      }
    }
  }

  void counter_invalid(verdict_builder& v) {
    if (!need_clock(v)) return;
    // CROSS_CAP only: a device without READ_CROSS may refuse that for its own limitation first.
    expect(v, cross_cap_request{0, hw_counter::invalid}, status::einval);
  }

  void reserved_request(verdict_builder& v) {
    if (!need_clock(v)) return;
    auto cfg = bytes_of(cfg_request{});
    cfg[2] = std::byte{1};
    expect_status(v, send(cfg, cfg_response::size), status::einval);
    auto read = bytes_of(read_request{0});
    read[12] = std::byte{0x80};
    expect_status(v, send(read, read_response::size), status::einval);
    auto cap = bytes_of(clock_cap_request{0});
    cap[15] = std::byte{1};
    expect_status(v, send(cap, clock_cap_response::size), status::einval);
  }

  void undefined_flags(verdict_builder& v) {
    if (!need_alarm(v)) return;
    const std::uint16_t c = alarm_clock();
    expect(v, set_alarm_request{std::numeric_limits<std::uint64_t>::max(), c, 0x02}, status::einval);
    expect(v, set_alarm_enabled_request{c, 0x82}, status::einval);
    clear_alarm();
  }

  void short_request(verdict_builder& v) {
    if (!need_clock(v)) return;
    const auto cfg = bytes_of(cfg_request{});
    expect_status(v, send({cfg.begin(), cfg.begin() + 4}, cfg_response::size), status::einval);
    const auto read = bytes_of(read_request{0});
    for (const std::ptrdiff_t n : {8, 15})
      expect_status(v, send({read.begin(), read.begin() + n}, read_response::size), status::einval);
    const auto cap = bytes_of(clock_cap_request{0});
    expect_status(v, send({cap.begin(), cap.begin() + 12}, clock_cap_response::size), status::einval);
    if (alarm_negotiated() && alarm_clock_ >= 0) {
      const auto set = bytes_of(set_alarm_request{0, alarm_clock(), 0});
      expect_status(v, send({set.begin(), set.begin() + 16}, set_alarm_response::size), status::einval);
    }
  }

  void short_response(verdict_builder& v) {
    if (!need_clock(v)) return;
    expect_status(v, send(bytes_of(cfg_request{}), 8), status::einval);
    expect_status(v, send(bytes_of(cfg_request{}), 15), status::einval);
    expect_status(v, send(bytes_of(read_request{0}), 8), status::einval);
    expect_status(v, send(bytes_of(clock_cap_request{0}), 12), status::einval);
    if (alarm_negotiated() && alarm_clock_ >= 0)
      expect_status(v, send(bytes_of(read_alarm_request{alarm_clock()}), 16), status::einval);
  }

  void no_status(verdict_builder& v) {
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
      for (auto req : {bytes_of(cfg_request{}), bytes_of(read_request{0})}) {
        const exchange& e = send(std::move(req), n);
        const bool untouched = std::all_of(e.buffer.begin(), e.buffer.end(), [](std::byte b) { return b == marker; });
        if (!untouched || e.used != 0)
          v.fail(e, "nothing written (every byte still 0xa5) and used length 0");
      }
    }
  }

  void extra_readable(verdict_builder& v) {
    if (!need_clock(v)) return;
    auto pad = [](std::vector<std::byte> b) {
      b.insert(b.end(), 16, std::byte{0xFF});
      return b;
    };
    const exchange& cfg = send(cfg_request{});
    const exchange& cfg2 = send(pad(bytes_of(cfg_request{})), cfg_response::size);
    if (!cfg2.ok() || !same_answer(cfg, cfg2)) v.fail(cfg2, "the same response as without the extra bytes");
    const exchange& cap = send(clock_cap_request{0});
    const exchange& cap2 = send(pad(bytes_of(clock_cap_request{0})), clock_cap_response::size);
    if (!cap2.ok() || !same_answer(cap, cap2)) v.fail(cap2, "the same response as without the extra bytes");
    expect_status(v, send(pad(bytes_of(read_request{0})), read_response::size), status::ok);
  }

  void extra_writable(verdict_builder& v) {
    if (!need_clock(v)) return;
    for (auto [req, size] : {std::pair{bytes_of(cfg_request{}), cfg_response::size},
                             std::pair{bytes_of(read_request{0}), read_response::size},
                             std::pair{bytes_of(clock_cap_request{0}), clock_cap_response::size}}) {
      const exchange& e = send(std::move(req), 64);
      const bool untouched =
          std::all_of(e.buffer.begin() + static_cast<std::ptrdiff_t>(size), e.buffer.end(), [](std::byte b) { return b == marker; });
      if (!e.ok() || !untouched)
        v.fail(e, "status OK and the " + std::to_string(64 - size) + " bytes after the response untouched");
    }
  }

  void stable_while_live(verdict_builder& v) {
    if (!cfg_ok_) return v.not_applicable("CFG did not succeed");
    const auto base = capability_round();
    for (int round = 0; round < 2; ++round) {
      if (d_.advance) d_.advance(ns_per_s);
      const auto again = capability_round();
      for (std::size_t i = 0; i < again.size() && i < base.size(); ++i)
        if (!same_answer(*base[i], *again[i]))
          v.fail(*again[i], "the same response as before: " + to_hex(base[i]->buffer));
    }
  }

  void smearing_other(verdict_builder& v) {
    if (!need_clock(v)) return;
    for (std::uint16_t id = 0; id < probed_; ++id) {
      const exchange& e = send(clock_cap_request{id});
      if (!e.ok_with(clock_cap_response::size)) continue;
      if (e.u8(8) != static_cast<unsigned>(clock_type::utc_smeared) && e.u8(9) != 0)
        v.fail(e, "leap_second_smearing 0 (UNSPECIFIED) for clock type " + std::to_string(e.u8(8)));
    }
  }

  void smearing_valid(verdict_builder& v) {
    if (!need_clock(v)) return;
    bool any = false;
    for (std::uint16_t id = 0; id < probed_; ++id) {
      const exchange& e = send(clock_cap_request{id});
      if (!e.ok_with(clock_cap_response::size) || e.u8(8) != static_cast<unsigned>(clock_type::utc_smeared)) continue;
      any = true;
      const unsigned s = e.u8(9);
      if (s > 2 && s < 0xF0) v.fail(e, "leap_second_smearing 0, 1, 2 or >= 0xf0 for a UTC_SMEARED clock");
    }
    if (!any) v.not_applicable("no UTC_SMEARED clock");
  }

  void cross_cap_matches(verdict_builder& v) {
    if (!need_clock(v)) return;
    for (std::uint16_t id = 0; id < probed_; ++id) {
      for (const hw_counter h : {hw_counter::arm_vct, hw_counter::x86_tsc}) {
        const exchange& cap = send(cross_cap_request{id, h});
        if (!cap.ok_with(cross_cap_response::size)) continue;
        const bool flag = (cap.u8(8) & flag_cross_cap) != 0;
        const exchange& rd = send(read_cross_request{id, h});
        if (rd.ok() != flag)
          v.fail(rd, flag ? "status OK, since CROSS_CAP reported support" : "a non-OK status, since CROSS_CAP reported no support");
      }
    }
  }

  void monotonic(verdict_builder& v) {
    if (!need_clock(v)) return;
    bool any = false;
    for (std::uint16_t id = 0; id < probed_; ++id) {
      if (!cap_ok_[id] || caps_[id].type != clock_type::monotonic) continue;
      any = true;
      std::uint64_t last = 0;
      for (int i = 0; i < 4; ++i) {
        const exchange& e = send(read_request{id});
        if (!e.ok_with(read_response::size)) continue;
        if (e.u64(8) < last) v.fail(e, "clock_reading >= " + std::to_string(last) + " (the previous reading)");
        last = e.u64(8);
        if (i == 2 && d_.advance) d_.advance(ns_per_s / 1000);
      }
    }
    if (!any) v.not_applicable("no MONOTONIC clock");
  }

  // Real time: two readings 200 ms apart differ by the real time between them (the span
  // from after the first answer to before the second, up to the span around both), 10 % either
  // way for a slewed or smeared clock.
  void unit_ns_real_time(verdict_builder& v) {
    constexpr std::uint64_t apart = 200'000'000;
    auto measure = [&](auto request, std::size_t size) {
      const std::uint64_t t0 = d_.real_time();
      const exchange& a = send(request);
      const std::uint64_t t1 = d_.real_time();
      if (!a.ok_with(size)) return;
      const std::uint64_t before = a.u64(8);
      d_.wait(apart);
      const std::uint64_t t2 = d_.real_time();
      const exchange& b = send(request);
      const std::uint64_t t3 = d_.real_time();
      if (!b.ok_with(size)) return;
      const std::uint64_t low = (t2 - t1) / 10 * 9;
      const std::uint64_t high = (t3 - t0) / 10 * 11;
      const std::uint64_t delta = b.u64(8) >= before ? b.u64(8) - before : 0;
      if (delta < low || delta > high)
        v.fail(b, "clock_reading " + std::to_string(low) + " to " + std::to_string(high) + " ns after " +
                      std::to_string(before) + " (the real time between the readings, 10 % either way)");
    };
    for (std::uint16_t id = 0; id < probed_; ++id) {
      measure(read_request{id}, read_response::size);
      for (const hw_counter h : {hw_counter::arm_vct, hw_counter::x86_tsc})
        measure(read_cross_request{id, h}, read_cross_response::size);
    }
  }

  void unit_ns(verdict_builder& v) {
    if (!need_clock(v)) return;
    if (real_time()) return unit_ns_real_time(v);
    if (!d_.advance) return v.not_applicable("no time hook (advance)");
    // One second of time; a slewed or smearing clock deviates by far less than 10 %.
    auto one_second_apart = [&](const exchange& b, std::uint64_t before) {
      const std::uint64_t after = b.u64(8);
      if (after < before + ns_per_s * 9 / 10 || after > before + ns_per_s * 11 / 10)
        v.fail(b, "clock_reading about " + std::to_string(before + ns_per_s) + " (1 s after " + std::to_string(before) + ")");
    };
    for (std::uint16_t id = 0; id < probed_; ++id) {
      const exchange& a = send(read_request{id});
      if (!a.ok_with(read_response::size)) continue;
      const std::uint64_t before = a.u64(8);
      d_.advance(ns_per_s);
      if (const exchange& b = send(read_request{id}); b.ok_with(read_response::size)) one_second_apart(b, before);
      for (const hw_counter h : {hw_counter::arm_vct, hw_counter::x86_tsc}) {
        const exchange& c = send(read_cross_request{id, h});
        if (!c.ok_with(read_cross_response::size)) continue;
        const std::uint64_t cross_before = c.u64(8);
        d_.advance(ns_per_s);
        if (const exchange& d = send(read_cross_request{id, h}); d.ok_with(read_cross_response::size))
          one_second_apart(d, cross_before);
      }
    }
  }

  void cross_counter(verdict_builder& v) {
    if (!need_clock(v)) return;
    bool any = false;
    for (std::uint16_t id = 0; id < probed_; ++id) {
      for (const hw_counter h : {hw_counter::arm_vct, hw_counter::x86_tsc}) {
        const exchange& a = send(read_cross_request{id, h});
        if (!a.ok_with(read_cross_response::size)) continue;
        any = true;
        const std::uint64_t first = a.u64(16);
        if (d_.advance) d_.advance(ns_per_s / 1000);
        const exchange& b = send(read_cross_request{id, h});
        if (b.ok_with(read_cross_response::size) && b.u64(16) < first)
          v.fail(b, "counter_cycles >= " + std::to_string(first) + " (the earlier READ_CROSS)");
      }
    }
    if (!any) v.not_applicable("no clock answers READ_CROSS with S_OK");
  }

  void alarm_clock_exists(verdict_builder& v) {
    if (!alarm_offered()) return v.not_applicable("the device does not offer VIRTIO_RTC_F_ALARM");
    if (!alarm_negotiated()) return v.not_applicable("VIRTIO_RTC_F_ALARM could not be negotiated");
    if (!cfg_ok_) return v.not_applicable("CFG did not succeed");
    if (alarm_clock_ < 0) return v.fail_text("at least one clock with ALARM_CAP", "no probed clock reports ALARM_CAP");
    expect(v, read_alarm_request{alarm_clock()}, status::ok);
  }

  void alarm_cap_iff(verdict_builder& v) {
    if (!need_clock(v)) return;
    if (!alarm_negotiated()) return v.not_applicable("VIRTIO_RTC_F_ALARM is not negotiated");
    for (std::uint16_t id = 0; id < probed_; ++id) {
      if (!cap_ok_[id]) continue;
      const exchange& e = send(read_alarm_request{id});
      if (e.ok() != caps_[id].alarm_cap())
        v.fail(e, caps_[id].alarm_cap() ? "status OK: the clock reports ALARM_CAP"
                                        : "a non-OK status: the clock does not report ALARM_CAP");
    }
  }

  void no_alarm_clock(verdict_builder& v) {
    if (!need_clock(v)) return;
    if (!alarm_negotiated()) return v.not_applicable("VIRTIO_RTC_F_ALARM is not negotiated");
    bool any = false;
    for (std::uint16_t id = 0; id < probed_; ++id) {
      if (!cap_ok_[id] || caps_[id].alarm_cap()) continue;
      any = true;
      expect(v, read_alarm_request{id}, status::enodev);
      expect(v, set_alarm_request{0, id, 0}, status::enodev);
      expect(v, set_alarm_enabled_request{id, 0}, status::enodev);
    }
    if (!any) v.not_applicable("every probed clock has an alarm");
  }

  void expect_alarm(verdict_builder& v, std::uint64_t time, bool enabled) {
    const exchange& e = send(read_alarm_request{alarm_clock()});
    if (!e.ok_with(read_alarm_response::size) || e.u64(8) != time || ((e.u8(16) & flag_alarm_enabled) != 0) != enabled)
      v.fail(e, "status OK, alarm_time " + std::to_string(time) + ", " + (enabled ? "ENABLED" : "not ENABLED"));
  }

  void set_then_read(verdict_builder& v) {
    if (!need_alarm(v)) return;
    const std::uint16_t c = alarm_clock();
    const std::uint64_t future = plus(read_alarm_clock(), 3600 * ns_per_s);
    for (const auto& [t, en] : {std::pair{future, true}, std::pair{plus(future, 1), false}, std::pair{future, true}}) {
      expect(v, set_alarm_request{t, c, en ? flag_alarm_enabled : std::uint8_t{0}}, status::ok);
      expect_alarm(v, t, en);
    }
    clear_alarm();
  }

  void enabled_keeps_time(verdict_builder& v) {
    if (!need_alarm(v)) return;
    const std::uint16_t c = alarm_clock();
    const std::uint64_t future = plus(read_alarm_clock(), 7200 * ns_per_s);
    expect(v, set_alarm_request{future, c, flag_alarm_enabled}, status::ok);
    expect(v, set_alarm_enabled_request{c, 0}, status::ok);
    expect_alarm(v, future, false);
    expect(v, set_alarm_enabled_request{c, flag_alarm_enabled}, status::ok);
    expect_alarm(v, future, true);
    clear_alarm();
  }

  void any_time(verdict_builder& v) {
    if (!need_alarm(v)) return;
    const std::uint16_t c = alarm_clock();
    const std::uint64_t now = read_alarm_clock();
    for (const std::uint64_t t : {std::uint64_t{0}, std::uint64_t{1}, minus(now, ns_per_s),
                                  std::uint64_t{std::numeric_limits<std::int64_t>::max()} + 1,
                                  std::numeric_limits<std::uint64_t>::max()})
      for (const std::uint8_t f : {std::uint8_t{0}, flag_alarm_enabled}) expect(v, set_alarm_request{t, c, f}, status::ok);
    clear_alarm();
  }

  void expire_set_past(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    const std::uint16_t c = alarm_clock();
    // The clock's reading itself, 1 s before it, and 0: none of them is in the future.
    for (const std::uint64_t back : {std::uint64_t{0}, ns_per_s, std::numeric_limits<std::uint64_t>::max()}) {
      clear_alarm();
      const std::uint64_t t = minus(read_alarm_clock(), back);
      const exchange& set = send(set_alarm_request{t, c, flag_alarm_enabled});
      if (count_for(drain(), c) == 0)
        v.fail(set, "a NOTIF_ALARM for clock " + std::to_string(c) + " at the next alarmq buffer (the alarm time " +
                        std::to_string(t) + " is not in the future)",
               "no notification");
    }
    clear_alarm();
  }

  void expire_enable_past(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    const std::uint16_t c = alarm_clock();
    for (const std::uint64_t back : {ns_per_s, std::uint64_t{0}}) {
      clear_alarm();
      const std::uint64_t t = minus(read_alarm_clock(), back);
      const exchange& disabled = send(set_alarm_request{t, c, 0});
      if (count_for(drain(), c) != 0) v.fail(disabled, "no notification: the alarm is disabled", "a NOTIF_ALARM arrived");
      const exchange& enable = send(set_alarm_enabled_request{c, flag_alarm_enabled});
      if (count_for(drain(), c) == 0)
        v.fail(enable,
               "a NOTIF_ALARM: enabling an alarm whose time (" + std::to_string(t) + ") is not in the future expires it",
               "no notification");
    }
    clear_alarm();
  }

  void one_per_expiration(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    const std::uint16_t c = alarm_clock();
    clear_alarm();
    for (int i = 0; i < 2; ++i) {
      const exchange& set = send(set_alarm_request{minus(read_alarm_clock(), ns_per_s), c, flag_alarm_enabled});
      const std::size_t n = count_for(drain(), c);
      if (n != 1)
        v.fail(set, "exactly one NOTIF_ALARM for clock " + std::to_string(c), std::to_string(n) + " notifications");
      else if (i == 1)
        no_more_after(v, set, 1, "SET_ALARM with a past time");
    }
    // Expirations by time passing and by a clock step. Whether they come on time is judged by
    // expire-on-clock-progress and expire-on-clock-step; here only that there is not more than one.
    if (d_.advance) {
      clear_alarm();
      sight s = look();
      const std::uint64_t alarm = plus(s.reading, 1'500'000'000);
      const exchange& set = send(set_alarm_request{alarm, c, flag_alarm_enabled});
      std::size_t n = look().notes;
      d_.advance(alarm - std::min(alarm, s.reading));
      n += look().notes;
      no_more_after(v, set, n, "the clock progressing to the alarm time");
    }
    if (d_.step) {
      clear_alarm();
      sight s = look();
      const std::uint64_t alarm = plus(s.reading, 3600 * ns_per_s);
      const exchange& set = send(set_alarm_request{alarm, c, flag_alarm_enabled});
      std::size_t n = look().notes;
      if (d_.step(c, 7200 * static_cast<std::int64_t>(ns_per_s))) {
        n += look().notes;
        no_more_after(v, set, n, "a clock step past the alarm time");
      }
    }
    clear_alarm();
  }

  /// After an expiration that got `seen` notifications so far, time passes and the clock steps
  /// forward while the alarm stays enabled: that is no new expiration, so no more may come.
  void no_more_after(verdict_builder& v, const exchange& cause, std::size_t seen, const char* expiration) {
    const std::uint16_t c = alarm_clock();
    std::size_t total = seen;
    if (d_.advance)
      for (const std::uint64_t ns : after_expiry_ns) {
        d_.advance(ns);
        total += look().notes;
      }
    if (d_.step)
      for (const std::int64_t delta : after_expiry_steps_ns)
        if (d_.step(c, delta)) total += look().notes;
    total += count_for(drain(), c);
    if (total > 1)
      v.fail(cause,
             "one NOTIF_ALARM for the expiration by " + std::string(expiration) +
                 ", none more while time passes or the clock steps forward with the alarm enabled",
             std::to_string(total) + " notifications for clock " + std::to_string(c));
  }

  void disable_stops(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    const std::uint16_t c = alarm_clock();
    clear_alarm();
    (void)send(set_alarm_request{minus(read_alarm_clock(), ns_per_s), c, flag_alarm_enabled});
    // With buffers that stay available the notification may rightly be out already; only
    // what comes after the disabling answer counts.
    if (d_.alarmq_buffers_stay) (void)drain();
    const exchange& off = send(set_alarm_enabled_request{c, 0});
    if (off.ok() && count_for(drain(), c) != 0)
      v.fail(off, "no NOTIF_ALARM after SET_ALARM_ENABLED (disable) got S_OK", "a stale notification arrived");
    const std::uint64_t past = minus(read_alarm_clock(), ns_per_s);
    (void)send(set_alarm_request{past, c, flag_alarm_enabled});
    if (d_.alarmq_buffers_stay) (void)drain();
    const exchange& off2 = send(set_alarm_request{past, c, 0});
    if (off2.ok() && count_for(drain(), c) != 0)
      v.fail(off2, "no NOTIF_ALARM after SET_ALARM without ENABLED got S_OK", "a stale notification arrived");
    clear_alarm();
  }

  // Real time: an alarm 400 ms ahead must not come before the clock reads its time, and must
  // come within 500 ms after the clock could have reached it.
  static constexpr std::uint64_t real_alarm_ahead = 400'000'000;
  static constexpr std::uint64_t real_alarm_slack = 500'000'000;

  void expire_progress_real_time(verdict_builder& v) {
    const std::uint16_t c = alarm_clock();
    clear_alarm();
    const std::uint64_t target = plus(read_alarm_clock(), real_alarm_ahead);
    const std::uint64_t reached_by = d_.real_time() + real_alarm_ahead;  // the reading was taken before now
    const exchange& set = send(set_alarm_request{target, c, flag_alarm_enabled});
    const bool came = await_notification(c, reached_by + real_alarm_slack);
    const exchange& rd = send(read_request{c});
    if (came && rd.ok_with(read_response::size) && rd.u64(8) < target)
      v.fail(rd, "no notification before the clock reads the alarm time " + std::to_string(target),
             "a NOTIF_ALARM arrived before this reading");
    if (!came)
      v.fail(set, "a NOTIF_ALARM at most " + std::to_string(real_alarm_slack / 1'000'000) +
                      " ms after the clock reached the alarm time (real time)",
             "none by then");
    clear_alarm();
  }

  void expire_progress(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    if (real_time()) return expire_progress_real_time(v);
    if (!d_.advance) return v.not_applicable("no time hook (advance)");
    for (const std::uint64_t ahead : alarm_offsets_ns) {
      std::uint64_t alarm = 0;
      sight s;
      if (!arm_ahead(v, ahead, alarm, s) || approach(v, alarm, s, mover::time, approach_ns) != reach::arrived) break;
    }
    // Time that jumps over the alarm time, not onto it.
    std::uint64_t alarm = 0;
    sight s;
    if (!v.failed() && arm_ahead(v, 7'000'000'011, alarm, s)) (void)approach(v, alarm, s, mover::time, jump_ns);
    clear_alarm();
  }

  void expire_step(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    if (!d_.step) return v.not_applicable("no clock step hook");
    if (!on_steppable_alarm_clock([&] { return step_runs(v); })) v.not_applicable("no alarm clock can be stepped");
  }

  /// Runs `run` (false: the clock cannot be stepped so) on the alarm clock, then on the other
  /// probed clocks with ALARM_CAP until one can; false when none can.
  template <class F>
  bool on_steppable_alarm_clock(F run) {
    const int first = alarm_clock_;
    bool ran = run();
    clear_alarm();
    for (std::uint16_t id = 0; !ran && id < probed_; ++id) {
      if (static_cast<int>(id) == first || !cap_ok_[id] || !caps_[id].alarm_cap()) continue;
      alarm_clock_ = id;
      ran = run();
      clear_alarm();
    }
    alarm_clock_ = first;
    return ran;
  }

  bool step_runs(verdict_builder& v) {
    // Steps onto the alarm time through the approach points, and one 2 h step over it.
    struct run {
      std::uint64_t ahead;
      std::span<const std::int64_t> points;
    };
    for (const run& k :
         {run{2'000'003, approach_ns}, run{1'234'567'891, approach_ns}, run{3600 * ns_per_s, far_jump_ns}}) {
      std::uint64_t alarm = 0;
      sight s;
      if (!arm_ahead(v, k.ahead, alarm, s)) break;
      const reach r = approach(v, alarm, s, mover::step, k.points);
      if (r == reach::unable) return false;
      if (r != reach::arrived) break;
    }
    return true;
  }

  void expire_again(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    if (!d_.step) return v.not_applicable("no clock step hook");
    if (!on_steppable_alarm_clock([&] { return step_back_rounds(v); }))
      v.not_applicable("no alarm clock can be stepped back and forward");
  }

  bool step_back_rounds(verdict_builder& v) {
    const std::uint16_t c = alarm_clock();
    clear_alarm();
    sight s = look();
    if (!readable(v, s)) return true;
    // Expired at once (expire-on-set-past-enabled judges that); then the clock goes back and
    // forth across the alarm time: back by 1.5 s, 1 ns, 2 s, 20 ms and 3 s, and each time
    // forward again by time passing or clock steps, landing on the alarm time or jumping over it.
    const std::uint64_t alarm = minus(s.reading, 2'000'000);
    (void)send(set_alarm_request{alarm, c, flag_alarm_enabled});
    s = look();
    struct round {
      std::uint64_t back;
      mover how;
      std::span<const std::int64_t> points;
    };
    const mover passing = d_.advance ? mover::time : mover::step;
    for (const round& r : {round{1'500'000'007, passing, approach_ns}, round{1, passing, approach_ns},
                           round{2 * ns_per_s, mover::step, jump_ns}, round{20'000'000, mover::step, approach_ns},
                           round{3 * ns_per_s, passing, jump_ns}}) {
      // A clock too coarse for a step of `back` to take it before the alarm time steps back
      // further, twice as far each time. No step back is an expiration, so none may notify.
      bool failed = false;
      for (std::uint64_t back = r.back, tries = 0; !failed && (tries == 0 || s.reading >= alarm);
           back = plus(back, back)) {
        if (++tries > 48) {
          v.fail(*s.read, "a reading before the alarm time " + std::to_string(alarm) + " after the clock stepped back",
                 "the clock reads " + std::to_string(s.reading));
          failed = true;
          break;
        }
        const std::uint64_t from = s.reading;
        if (!d_.step(c, signed_delta(from, minus(alarm, back)))) return false;
        s = look();
        if (!readable(v, s)) failed = true;
        else if (s.notes != 0) {
          v.fail(*s.read, "no NOTIF_ALARM when the clock steps back (that is no expiration)",
                 "a NOTIF_ALARM after a step from " + std::to_string(from) + " to " + std::to_string(s.reading) +
                     ", alarm time " + std::to_string(alarm));
          failed = true;
        }
      }
      if (failed) break;
      const reach got = approach(v, alarm, s, r.how, r.points);
      if (got == reach::unable) return false;
      if (got != reach::arrived) break;
    }
    return true;
  }

  void no_early_reading(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    if (real_time()) return no_early_reading_real_time(v);
    if (!d_.advance && !d_.step) return v.not_applicable("no time hook (advance) and no clock step hook");
    const std::uint16_t c = alarm_clock();
    bool judged = false;
    for (const mover how : {mover::time, mover::step}) {
      if ((how == mover::time && !d_.advance) || (how == mover::step && !d_.step)) continue;
      for (const std::uint64_t ahead : {std::uint64_t{1}, std::uint64_t{2'000'003}, std::uint64_t{1'234'567'891}}) {
        std::uint64_t alarm = 0;
        sight s;
        if (!arm_ahead(v, ahead, alarm, s, true)) return clear_alarm();
        const reach r = approach(v, alarm, s, how, approach_ns, true);
        if (r == reach::unable) break;  // the clock cannot step
        if (r != reach::arrived) return clear_alarm();
        judged = true;
        // More readings after the notification, also after a little more time.
        for (int i = 0; i < 3; ++i) {
          if (i == 2 && d_.advance) d_.advance(1);
          const exchange& e = send(read_request{c});
          if (e.ok_with(read_response::size) && e.u64(8) < alarm) {
            v.fail(e, "clock_reading >= " + std::to_string(alarm) + " (the notified alarm time)");
            return clear_alarm();
          }
        }
      }
    }
    clear_alarm();
    if (!judged) v.not_applicable("no time hook (advance) and the alarm clock cannot be stepped");
  }

  // Real time: an alarm half the usual distance ahead; once its notification has come, the
  // clock must read at least the alarm time.
  void no_early_reading_real_time(verdict_builder& v) {
    const std::uint16_t c = alarm_clock();
    clear_alarm();
    const std::uint64_t ahead = real_alarm_ahead / 2;
    const std::uint64_t target = plus(read_alarm_clock(), ahead);
    const std::uint64_t reached_by = d_.real_time() + ahead;
    const exchange& set = send(set_alarm_request{target, c, flag_alarm_enabled});
    if (!await_notification(c, reached_by + real_alarm_slack)) {
      v.fail(set, "a NOTIF_ALARM at most " + std::to_string(real_alarm_slack / 1'000'000) +
                      " ms after the clock reached the alarm time (real time)",
             "none by then");
      return clear_alarm();
    }
    const exchange& e = send(read_request{c});
    if (e.ok_with(read_response::size) && e.u64(8) < target)
      v.fail(e, "clock_reading >= " + std::to_string(target) + " (the notified alarm time)");
    clear_alarm();
  }

  void without_feature(verdict_builder& v) {
    if (!need_clock(v)) return;
    const bool offered = alarm_offered();
    if (offered && !can_renegotiate()) return v.not_applicable("no reset and negotiate hooks to negotiate without the alarm feature");
    const std::uint64_t full = features_;
    if (offered) renegotiate(full & ~feature_alarm_mask);
    std::vector<std::uint16_t> ids{0};
    if (alarm_clock_ > 0) ids.push_back(alarm_clock());
    for (const std::uint16_t id : ids) {
      expect(v, read_alarm_request{id}, status::enodev);
      expect(v, set_alarm_request{0, id, 0}, status::enodev);
      expect(v, set_alarm_enabled_request{id, 0}, status::enodev);
    }
    for (std::uint16_t id = 0; id < probed_; ++id) (void)send(clock_cap_request{id});  // for the flag check
    if (offered) renegotiate(full);
  }

  void reset_alarm(verdict_builder& v) {
    if (!need_alarm(v)) return;
    if (!can_renegotiate()) return v.not_applicable("no reset and negotiate hooks");
    const std::uint16_t c = alarm_clock();
    clear_alarm();
    const std::uint64_t future = plus(read_alarm_clock(), 3600 * ns_per_s);
    (void)send(set_alarm_request{future, c, flag_alarm_enabled});
    renegotiate(features_);
    const exchange& e = send(read_alarm_request{c});
    const bool retained = e.ok_with(read_alarm_response::size) && e.u64(8) == future && (e.u8(16) & flag_alarm_enabled) != 0;
    const bool cleared = e.ok_with(read_alarm_response::size) && e.u64(8) == 0 && (e.u8(16) & flag_alarm_enabled) == 0;
    if (!retained && !cleared)
      v.fail(e, "status OK and either alarm_time " + std::to_string(future) + " ENABLED (retained) or 0 not ENABLED (cleared)");
    clear_alarm();
  }

  void expire_reset(verdict_builder& v) {
    if (!need_alarmq(v)) return;
    if (!can_renegotiate()) return v.not_applicable("no reset and negotiate hooks");
    const std::uint16_t c = alarm_clock();
    clear_alarm();
    const std::uint64_t past = minus(read_alarm_clock(), ns_per_s);
    (void)send(set_alarm_request{past, c, flag_alarm_enabled});
    (void)drain();
    renegotiate(features_);
    const exchange& e = send(read_alarm_request{c});
    const bool retained = e.ok_with(read_alarm_response::size) && e.u64(8) == past && (e.u8(16) & flag_alarm_enabled) != 0;
    const std::size_t n = count_for(drain(), c);
    if (retained && n == 0)
      v.fail(e, "a NOTIF_ALARM after the reset: the enabled alarm was retained and its time has passed",
             "no notification");
    if (!retained && n != 0) v.fail(e, "no notification: the alarm was not retained", "a NOTIF_ALARM arrived");
    clear_alarm();
  }

  void stable_across_reset(verdict_builder& v) {
    if (!cfg_ok_) return v.not_applicable("CFG did not succeed");
    if (!can_renegotiate()) return v.not_applicable("no reset and negotiate hooks");
    const auto base = capability_round();
    renegotiate(features_);
    const auto after = capability_round();
    for (std::size_t i = 0; i < after.size() && i < base.size(); ++i)
      if (!same_answer(*base[i], *after[i]))
        v.fail(*after[i], "the same response as before the reset: " + to_hex(base[i]->buffer));
  }

  // --- properties of every exchange ----------------------------------------------------------

  void status_defined(verdict_builder& v) {
    for (const exchange& e : log_) {
      if (e.buffer.size() < header_size || e.status_byte() == std::to_integer<unsigned>(marker)) continue;
      if (!is_spec_defined(static_cast<status>(e.status_byte())))
        v.fail(e, "a status the specification defines (0, 2, 3, 4 or 5)", "status byte " + std::to_string(e.status_byte()));
    }
  }

  void reserved_zero(verdict_builder& v) {
    for (const exchange& e : log_) {
      const std::size_t seen = std::min(e.used, e.buffer.size());
      if (e.buffer.size() < header_size || e.status_byte() == std::to_integer<unsigned>(marker)) continue;
      auto zero = [&](std::size_t off, std::size_t n) {
        for (std::size_t i = off; i < off + n && i < seen; ++i)
          if (e.buffer[i] != std::byte{0}) return false;
        return true;
      };
      if (!e.ok()) {
        if (!zero(1, 7)) v.fail(e, "reserved bytes 1..7 of the response header zero");
        continue;
      }
      (void)with_response_layout(e.type(), [&](const wire_table& t) {
        for (const wire_row& row : t.view())
          if (row.is_reserved() && !zero(row.offset, row.size))
            v.fail(e, "reserved bytes " + std::to_string(row.offset) + ".." + std::to_string(row.offset + row.size - 1) +
                          " of the " + to_string(static_cast<msg_type>(e.type())) + " response zero");
      });
    }
    for (const notification& n : notes_) {
      if (!n.is_notif_alarm()) continue;
      for (const wire_row& row : wire_layout<notif_alarm>.view()) {
        if (!row.is_reserved()) continue;
        for (std::size_t i = row.offset; i < row.offset + row.size; ++i)
          if (n.buffer[i] != std::byte{0}) v.fail_notification(n, "reserved bytes of NOTIF_ALARM zero");
      }
    }
  }

  void flags_allowed(verdict_builder& v) {
    for (const exchange& e : log_) {
      const auto t = static_cast<msg_type>(e.type());
      if (t == msg_type::clock_cap && e.ok_with(clock_cap_response::size)) {
        const unsigned allowed = e.alarm_negotiated ? flag_alarm_cap : 0u;
        if ((e.u8(10) & ~allowed) != 0)
          v.fail(e, e.alarm_negotiated ? "CLOCK_CAP flags with no bit but ALARM_CAP"
                                       : "CLOCK_CAP flags 0: VIRTIO_RTC_F_ALARM is not negotiated, so ALARM_CAP is not allowed");
      } else if (t == msg_type::cross_cap && e.ok_with(cross_cap_response::size)) {
        if ((e.u8(8) & ~unsigned{flag_cross_cap}) != 0) v.fail(e, "CROSS_CAP flags with no bit but CROSS_CAP");
      } else if (t == msg_type::read_alarm && e.ok_with(read_alarm_response::size)) {
        if ((e.u8(16) & ~unsigned{flag_alarm_enabled}) != 0) v.fail(e, "READ_ALARM flags with no bit but ALARM_ENABLED");
      }
    }
  }

  void used_length(verdict_builder& v) {
    for (const exchange& e : log_) {
      if (e.buffer.size() < header_size) continue;  // no-status-if-it-does-not-fit
      const std::size_t size = response_size_of(e.type());
      if (e.ok()) {
        if (e.buffer.size() < size) continue;  // short-response-einval
        if (e.used != size) v.fail(e, "used length " + std::to_string(size) + " for an S_OK response");
      } else if (e.status_byte() != std::to_integer<unsigned>(marker)) {
        if (e.used < header_size || e.used > std::max(header_size, size) || e.used > e.buffer.size())
          v.fail(e, "used length from 8 to " + std::to_string(std::max(header_size, size)) + " for an error response");
      }
    }
  }

  void notification_format(verdict_builder& v) {
    if (notes_.empty()) return v.not_applicable("no notification was observed");
    for (const notification& n : notes_) {
      if (!n.is_notif_alarm() || n.used != notif_alarm::size)
        v.fail_notification(n, "used length 16 and msg_type 0x2000 (NOTIF_ALARM)");
      else if (cfg_ok_ && n.clock_id() >= num_clocks_)
        v.fail_notification(n, "a clock_id below num_clocks (" + std::to_string(num_clocks_) + ")");
    }
  }

  void notification_clock(verdict_builder& v) {
    if (notes_.empty()) return v.not_applicable("no notification was observed");
    for (const notification& n : notes_) {
      if (!n.is_notif_alarm()) continue;
      const std::uint16_t id = n.clock_id();
      if (id < probed_ && cap_ok_[id] && !caps_[id].alarm_cap())
        v.fail_notification(n, "no NOTIF_ALARM for clock " + std::to_string(id) + ", which reports no ALARM_CAP");
    }
  }

  const device_under_test& d_;
  suite_options opt_;
  std::uint64_t features_ = 0;
  std::deque<exchange> log_;  // a deque: references from send() stay valid
  std::vector<notification> notes_;
  bool cfg_ok_ = false;
  std::uint16_t num_clocks_ = 0;
  std::uint16_t probed_ = 0;
  std::vector<clock_cap_response> caps_;
  std::vector<bool> cap_ok_;
  int alarm_clock_ = -1;
  report rep_;
};

}  // namespace detail

/// Runs every device check against `dut` and returns the report (one result per entry of
/// device_checks, in that order).
[[nodiscard]] inline report run_device_suite(const device_under_test& dut, const suite_options& options = {}) {
  if (!dut.handle) {
    report r;
    for (const check_info& c : device_checks)
      r.results.push_back({c.id, c.section, c.title, verdict::not_applicable, {}, {}, {}, "no request handler"});
    return r;
  }
  return detail::device_suite_run(dut, options).run();
}

}  // namespace conformance
VRTC_END_NAMESPACE
