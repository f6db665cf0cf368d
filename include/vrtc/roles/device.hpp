// vrtc: the virtio-rtc device role: a sans-I/O request handler with per-clock alarms.
//
// The caller owns the virtqueues. For each requestq element it passes the device-readable bytes
// and the device-writable buffer to handle(), with the reference time `now`, and marks the
// element used with the length handle() returns. For alarms it calls advance(now) whenever
// next_deadline() passes (and whenever it learns that a host clock stepped), and moves pending
// notifications into alarmq buffers with write_notification(). Nothing here blocks, allocates
// after construction, or reads a clock other than through the backends.
//
// Status precedence (§5.23.6.2 does not order the error conditions; this is the order used,
// from the first check to the last):
//   1. the writable buffer cannot hold the 8-byte status: nothing is written, used length 0;
//   2. the readable buffer cannot hold the 8-byte request header: EINVAL;
//   3. msg_type is not a request type of the spec (including NOTIF_ALARM): EOPNOTSUPP;
//   4. an alarm request without VIRTIO_RTC_F_ALARM negotiated: ENODEV (§5.23.6.6.2.2);
//   5. the request implied by msg_type does not fit the readable buffer: EINVAL;
//   6. its response does not fit the writable buffer: EINVAL;
//   7. hw_counter neither defined by the spec nor configured as a guest counter: EOPNOTSUPP;
//   8. clock_id >= num_clocks: ENODEV;
//   9. an alarm request for a clock without an alarm: ENODEV;
//  10. values the spec does not allow: hw_counter INVALID (0xFF), a non-zero reserved byte
//      or an undefined flag bit (the driver must send neither, §5.23.6.1): EINVAL (the last
//      two only with device_config::strict_requests, the default);
//  11. READ_CROSS for a clock and counter without cross-timestamping: EOPNOTSUPP;
//  12. a backend failure: EIO (also the fallback for anything else).
// Error responses are the 8-byte header only (status, then zeros) and their used length is 8:
// every other response field is undefined (§5.23.6.1), and a used length never counts bytes
// the device did not write. An OK response is the response's full size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/roles/alarm.hpp"
#include "vrtc/roles/clocks.hpp"

VRTC_BEGIN_NAMESPACE

/// A hardware counter the driver can read, and how its value derives from the device's.
struct guest_counter {
  hw_counter id = hw_counter::x86_tsc;
  counter_transform transform{};
};

/// Device policy. Defaults follow the spec's recommendations.
struct device_config {
  /// Offer VIRTIO_RTC_F_ALARM when at least one clock has an alarm (§5.23.3.1: SHOULD).
  bool offer_alarm = true;
  /// Keep alarm time and enable state across device resets (§5.23.6.6.1: MAY).
  alarm_retention retention = alarm_retention::retain;
  /// Answer EINVAL to requests with non-zero reserved bytes or undefined flag bits.
  bool strict_requests = true;
  /// Counters the driver reads, for READ_CROSS and CROSS_CAP. Implementation-specific ids
  /// (0xF0..0xFE) become "known" by being listed here. A later entry for an id already
  /// listed is ignored; so is an id that cannot carry a transform (INVALID, 2..0xEF).
  std::vector<guest_counter> guest_counters{};
};

/// The virtio-rtc device: clocks, capabilities, alarms, and the request handler.
class device {
 public:
  /// A device serving `clocks` (clock id = index; the first 65535 are used), or why it cannot
  /// be built: errc::invalid_argument when a backend's capabilities could not go on the wire
  /// (see check_capabilities) or a clock with an alarm cannot bound its deadlines.
  [[nodiscard]] static result<device> create(std::span<const clock_ref> clocks, device_config config = {}) {
    device d(clocks, std::move(config));
    if (!d.status_) return d.status_.error();
    return d;
  }

  /// Whether capabilities `c` are valid for CLOCK_CAP (§5.23.6.4.2): a clock type the spec
  /// defines (0-4) or an implementation-specific one (0xF0-0xFF); a smearing variant of
  /// UNSPECIFIED for every type but UTC_SMEARED, which may also report NOON_LINEAR, UTC_SLS or
  /// an implementation-specific variant (0xF0-0xFF).
  [[nodiscard]] static constexpr result<void> check_capabilities(const clock_capabilities& c) noexcept {
    const auto type = static_cast<unsigned>(c.type);
    const auto variant = static_cast<unsigned>(c.leap_second_smearing);
    if (type > static_cast<unsigned>(clock_type::utc_maybe_smeared) && type < 0xF0) return errc::invalid_argument;
    if (c.type != clock_type::utc_smeared) {
      if (c.leap_second_smearing != smearing::unspecified) return errc::invalid_argument;
    } else if (variant > static_cast<unsigned>(smearing::utc_sls) && variant < 0xF0) {
      return errc::invalid_argument;
    }
    return {};
  }

  /// As create(), for callers that keep the device in place: when the clocks are not valid,
  /// the device serves no clocks and offers no features, and build_status() tells why.
  explicit device(std::span<const clock_ref> clocks, device_config config = {}) : config_(std::move(config)) {
    for (const guest_counter& g : config_.guest_counters) {
      const int i = counter_index(g.id);
      if (i < 0 || transforms_[static_cast<unsigned>(i)].has_value()) continue;
      transforms_[static_cast<unsigned>(i)] = g.transform;
    }
    const std::size_t n = clocks.size() < 0xFFFF ? clocks.size() : 0xFFFF;
    slots_.reserve(n);
    for (std::size_t id = 0; id < n; ++id) {
      slot s{clocks[id], clocks[id].capabilities(), 0, {}, 0};
      if (!config_.offer_alarm) s.caps.alarm = false;
      status_ = check_capabilities(s.caps);
      // An alarm needs deadline bounds: without them no sleeping host loop could be on time.
      if (status_ && s.caps.alarm && !s.clock.has_deadlines()) status_ = errc::invalid_argument;
      if (!status_) {
        slots_.clear();
        alarm_offered_ = false;
        return;
      }
      if (s.caps.alarm) alarm_offered_ = true;
      for (unsigned i = 0; i < transforms_.size(); ++i)
        if (transforms_[i] && s.clock.supports_cross(counter_of(i))) s.cross_mask |= 1u << i;
      slots_.push_back(s);
    }
  }

  /// Whether the clocks given at construction were valid (create() returns this error).
  [[nodiscard]] result<void> build_status() const noexcept { return status_; }

  /// The configuration as given at construction.
  [[nodiscard]] const device_config& config() const noexcept { return config_; }

  // --- lifecycle -----------------------------------------------------------------------------

  /// Device feature bits to offer: VIRTIO_RTC_F_ALARM if some clock has an alarm.
  [[nodiscard]] std::uint64_t offered_features() const noexcept { return alarm_offered_ ? feature_alarm_mask : 0; }
  /// Records the features the driver accepted (bits not offered are ignored).
  void set_negotiated_features(std::uint64_t features) noexcept { negotiated_ = features & offered_features(); }
  [[nodiscard]] std::uint64_t negotiated_features() const noexcept { return negotiated_; }
  [[nodiscard]] bool alarm_negotiated() const noexcept { return (negotiated_ & feature_alarm_mask) != 0; }

  /// The driver set DRIVER_OK: the device is live and may use alarmq buffers.
  void set_driver_ok() noexcept { live_ = true; }
  [[nodiscard]] bool live() const noexcept { return live_; }

  /// Device reset at reference time `now`: not live, no features. Alarms are retained or
  /// cleared per device_config::retention; a retained, enabled alarm whose time has come
  /// expires again (§5.23.6.6.1), to be notified once the device is live again.
  void reset(reference_time now) {
    live_ = false;
    negotiated_ = 0;
    for (slot& s : slots_) {
      if (!s.caps.alarm) continue;
      const auto r = s.clock.read(now);
      number(s, s.alarm.reset(config_.retention, r ? *r : s.alarm.last_reading()));
    }
  }

  [[nodiscard]] std::uint16_t num_clocks() const noexcept { return static_cast<std::uint16_t>(slots_.size()); }
  /// The capabilities CLOCK_CAP reports (before feature masking), or nullopt for a bad id.
  [[nodiscard]] std::optional<clock_capabilities> capabilities(std::uint16_t clock_id) const noexcept {
    if (clock_id >= slots_.size()) return std::nullopt;
    return slots_[clock_id].caps;
  }
  /// The alarm of a clock, or nullptr if the clock has none.
  [[nodiscard]] const alarm_state* alarm(std::uint16_t clock_id) const noexcept {
    if (clock_id >= slots_.size() || !slots_[clock_id].caps.alarm) return nullptr;
    return &slots_[clock_id].alarm;
  }

  // --- requestq ------------------------------------------------------------------------------

  /// Handles one requestq element: `request` is the device-readable part, `response` the
  /// device-writable part. Returns the used length (bytes written at the start of
  /// `response`): 0 when not even the status fits, 8 for an error, the full response size for
  /// OK. Never writes beyond the response it reports.
  std::size_t handle(std::span<const std::byte> request, std::span<std::byte> response, reference_time now) {
    if (response.size() < header_size) return 0;  // §5.23.6.2: MUST NOT set status
    if (request.size() < header_size) return fail(status::einval, response);
    return visit_request(
        static_cast<msg_type>(load_le<std::uint16_t>(request, 0)),
        [&]<class Req>(std::type_identity<Req>) { return serve<Req>(request, response, now); },
        [&] { return fail(status::eopnotsupp, response); });  // NOTIF_ALARM belongs on alarmq
  }

  // --- alarms --------------------------------------------------------------------------------

  /// Reads every alarm clock at `now` and records expirations (and clock steps back that make
  /// pending ones obsolete). Returns the number of new expiration events, each of which may
  /// also trigger host actions such as waking the VM.
  std::size_t advance(reference_time now) {
    std::size_t expired = 0;
    for (slot& s : slots_) {
      if (!s.caps.alarm) continue;
      if (const auto r = s.clock.read(now); r && number(s, s.alarm.observe(*r))) ++expired;
    }
    return expired;
  }

  /// The earliest reference instant at which advance() may find anything to do, or nullopt:
  /// a guaranteed lower bound, so a host loop that sleeps until it (and calls advance() also
  /// when it changes a clock from outside, e.g. a host clock was set) observes every
  /// expiration, and makes obsolete what a step back makes obsolete, when a loop polling
  /// without pause would. For an enabled alarm that is the instant its clock may reach the
  /// alarm time, or, once reached, the instant the clock may go back before it (a positive
  /// leap second on a stepping UTC clock), after which it may expire again. Backends give the
  /// bounds (deadline_backend); returns `now` when it is due already.
  [[nodiscard]] std::optional<reference_time> next_deadline(reference_time now) const {
    std::optional<reference_time> best;
    for (const slot& s : slots_) {
      if (!s.caps.alarm || !s.alarm.enabled()) continue;
      const std::uint64_t a = s.alarm.alarm_time();
      reference_time at = s.alarm.last_reading() < a ? s.clock.instant_of(a, now) : s.clock.instant_below(a, now);
      if (at == never_instant) continue;
      if (at < now) at = now;
      if (!best || at < *best) best = at;
    }
    return best;
  }

  /// Whether a NOTIF_ALARM waits for an alarmq buffer (and may be written now: the device is
  /// live and VIRTIO_RTC_F_ALARM was negotiated).
  [[nodiscard]] bool notification_pending() const noexcept { return deliverable() != nullptr; }

  /// Writes the oldest pending NOTIF_ALARM into an alarmq buffer and returns the used length
  /// (16). Returns 0 and writes nothing when no notification may be sent now or the buffer is
  /// smaller than a notification (the driver must provide enough space, §5.23.6.6.3).
  std::size_t write_notification(std::span<std::byte> buffer) noexcept {
    const slot* s = deliverable();
    if (s == nullptr || buffer.size() < notif_alarm::size) return 0;
    const auto id = static_cast<std::uint16_t>(s - slots_.data());
    const auto n = encode(notif_alarm{id}, buffer);
    if (!n) return 0;
    slots_[id].alarm.notification_sent();
    return *n;
  }

 private:
  struct slot {
    clock_ref clock;
    clock_capabilities caps;
    std::uint32_t cross_mask;  ///< bit i: READ_CROSS works with counter_of(i)
    alarm_state alarm;
    std::uint64_t pending_sequence;  ///< when the pending expiration happened, among all clocks
  };

  /// Numbers an expiration event of `s`, so notifications go out in the order of the events.
  /// Returns `expired`.
  bool number(slot& s, bool expired) noexcept {
    if (expired) s.pending_sequence = sequence_++;
    return expired;
  }

  // Counters that may carry a transform: ARM_VCT, X86_TSC and 0xF0..0xFE.
  static constexpr unsigned counter_slots = 2 + 15;
  [[nodiscard]] static constexpr int counter_index(hw_counter h) noexcept {
    const auto v = static_cast<unsigned>(h);
    if (v <= 1) return static_cast<int>(v);
    if (v >= 0xF0 && v <= 0xFE) return static_cast<int>(2 + (v - 0xF0));
    return -1;
  }
  [[nodiscard]] static constexpr hw_counter counter_of(unsigned index) noexcept {
    return static_cast<hw_counter>(index < 2 ? index : 0xF0 + (index - 2));
  }

  [[nodiscard]] const slot* deliverable() const noexcept {
    if (!live_ || !alarm_negotiated()) return nullptr;
    const slot* oldest = nullptr;
    for (const slot& s : slots_)
      if (s.caps.alarm && s.alarm.notification_pending() &&
          (oldest == nullptr || s.pending_sequence < oldest->pending_sequence))
        oldest = &s;
    return oldest;
  }

  // Out of line for the same reason as serve(): g++ -O3 does not carry handle()'s size check
  // into an inlined copy and reports a caller's short buffer as written out of bounds.
  [[gnu::noinline]] static std::size_t fail(status st, std::span<std::byte> response) noexcept {
    response[0] = static_cast<std::byte>(st);
    for (std::size_t i = 1; i < header_size; ++i) response[i] = std::byte{0};
    return header_size;
  }

  template <class M>
  static std::size_t reply(const M& m, std::span<std::byte> response) noexcept {
    const auto n = encode(m, response);
    return n ? *n : fail(status::eio, response);
  }

  /// Steps 4-10 of the precedence list, then the request itself. Out of line: inlined into a
  /// caller with a small fixed buffer, g++ -O3 reports the decoders of larger messages as out of
  /// bounds on paths the size checks exclude (-Warray-bounds).
  template <class Req>
  [[gnu::noinline]] std::size_t serve(std::span<const std::byte> request, std::span<std::byte> response, reference_time now) {
    using Resp = typename Req::response_type;
    constexpr bool is_alarm = is_alarm_request(Req::msg_type);
    if (is_alarm && !alarm_negotiated()) return fail(status::enodev, response);
    if (request.size() < Req::size || response.size() < Resp::size) return fail(status::einval, response);
    const auto decoded = decode<Req>(request);
    if (!decoded) return fail(status::eio, response);
    const Req& m = *decoded;
    bool invalid = config_.strict_requests && has_nonzero_reserved<Req>(request);
    if constexpr (requires { m.hw_counter; }) {
      if (m.hw_counter == hw_counter::invalid) invalid = true;
      else if (!is_spec_defined(m.hw_counter) && !transform_of(m.hw_counter)) return fail(status::eopnotsupp, response);
    }
    if constexpr (requires { m.clock_id; }) {
      if (m.clock_id >= slots_.size()) return fail(status::enodev, response);
      if (is_alarm && !slots_[m.clock_id].caps.alarm) return fail(status::enodev, response);
    }
    if constexpr (requires { m.flags; }) {
      if (config_.strict_requests && undefined_flag_bits(m) != 0) invalid = true;
    }
    if (invalid) return fail(status::einval, response);
    return execute(m, response, now);
  }

  [[nodiscard]] const counter_transform* transform_of(hw_counter h) const noexcept {
    const int i = counter_index(h);
    return i < 0 || !transforms_[static_cast<unsigned>(i)] ? nullptr : &*transforms_[static_cast<unsigned>(i)];
  }
  [[nodiscard]] bool cross_supported(const slot& s, hw_counter h) const noexcept {
    const int i = counter_index(h);
    return i >= 0 && (s.cross_mask & (1u << static_cast<unsigned>(i))) != 0;
  }

  std::size_t execute(const cfg_request&, std::span<std::byte> response, reference_time) {
    return reply(cfg_response{status::ok, num_clocks()}, response);
  }

  std::size_t execute(const clock_cap_request& m, std::span<std::byte> response, reference_time) {
    const clock_capabilities& c = slots_[m.clock_id].caps;
    // §5.23.6.2: no flag the negotiated features do not allow.
    const std::uint8_t flags = c.alarm && alarm_negotiated() ? flag_alarm_cap : 0;
    return reply(clock_cap_response{status::ok, c.type, c.leap_second_smearing, flags}, response);
  }

  std::size_t execute(const cross_cap_request& m, std::span<std::byte> response, reference_time) {
    const std::uint8_t flags = cross_supported(slots_[m.clock_id], m.hw_counter) ? flag_cross_cap : 0;
    return reply(cross_cap_response{status::ok, flags}, response);
  }

  std::size_t execute(const read_request& m, std::span<std::byte> response, reference_time now) {
    slot& s = slots_[m.clock_id];
    const auto r = s.clock.read(now);
    if (!r) return fail(status::eio, response);
    if (s.caps.alarm) number(s, s.alarm.observe(*r));
    return reply(read_response{status::ok, *r}, response);
  }

  std::size_t execute(const read_cross_request& m, std::span<std::byte> response, reference_time now) {
    slot& s = slots_[m.clock_id];
    // §5.23.6.5.2: a counter value the device cannot determine gets a non-OK status.
    if (!cross_supported(s, m.hw_counter)) return fail(status::eopnotsupp, response);
    const auto x = s.clock.read_cross(now, m.hw_counter);
    if (!x) return fail(status::eio, response);
    if (s.caps.alarm) number(s, s.alarm.observe(x->clock_reading));
    const std::uint64_t cycles = transform_of(m.hw_counter)->apply(x->counter_cycles);
    return reply(read_cross_response{status::ok, x->clock_reading, cycles}, response);
  }

  std::size_t execute(const read_alarm_request& m, std::span<std::byte> response, reference_time) {
    const alarm_state& a = slots_[m.clock_id].alarm;
    return reply(read_alarm_response{status::ok, a.alarm_time(), a.enabled() ? flag_alarm_enabled : std::uint8_t{0}},
                 response);
  }

  std::size_t execute(const set_alarm_request& m, std::span<std::byte> response, reference_time now) {
    slot& s = slots_[m.clock_id];
    const auto r = s.clock.read(now);  // "in the future" is judged on the clock itself
    if (!r) return fail(status::eio, response);
    number(s, s.alarm.observe(*r));
    number(s, s.alarm.set(m.alarm_time, m.alarm_enabled(), *r));
    return reply(set_alarm_response{}, response);
  }

  std::size_t execute(const set_alarm_enabled_request& m, std::span<std::byte> response, reference_time now) {
    slot& s = slots_[m.clock_id];
    const auto r = s.clock.read(now);
    if (!r) return fail(status::eio, response);
    number(s, s.alarm.observe(*r));
    number(s, s.alarm.set_enabled(m.alarm_enabled(), *r));
    return reply(set_alarm_enabled_response{}, response);
  }

  device_config config_;
  std::array<std::optional<counter_transform>, counter_slots> transforms_{};
  std::vector<slot> slots_;
  result<void> status_{};
  std::uint64_t negotiated_ = 0;
  std::uint64_t sequence_ = 0;
  bool alarm_offered_ = false;
  bool live_ = false;
};

VRTC_END_NAMESPACE
