// vrtc conformance: valid, boundary and malformed virtio-rtc messages made from fuzz input,
// for implementers' own fuzzers (a device's request handler, a driver's response parsing).
//
// Everything is a pure function of the input bytes (no FuzzedDataProvider, no randomness), so
// a crashing input replays exactly, with any compiler. Each generated message says what shape
// it has and, where the specification alone fixes it, what a conforming peer must do with it:
// the status a device must answer (required_status), or whether the driver must refuse a
// response (malformed). Where the specification leaves a choice (several defects at once, or a
// device's policy on non-zero reserved bytes) nothing is promised.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "vrtc/conformance/driver_kit.hpp"
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

/// Takes values from fuzz input in order; past its end every value is zero.
class fuzz_input {
 public:
  fuzz_input(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
  explicit fuzz_input(std::span<const std::byte> bytes) noexcept
      : data_(reinterpret_cast<const std::uint8_t*>(bytes.data())), size_(bytes.size()) {}

  [[nodiscard]] bool empty() const noexcept { return pos_ >= size_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return pos_ < size_ ? size_ - pos_ : 0; }

  std::uint8_t u8() noexcept { return pos_ < size_ ? data_[pos_++] : std::uint8_t{0}; }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(u8() | u8() << 8); }
  std::uint64_t u64() noexcept {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= std::uint64_t{u8()} << (8 * i);
    return v;
  }
  /// A value in [0, n) for n in 1..65536 (one byte when n <= 256).
  std::size_t below(std::size_t n) noexcept { return n <= 256 ? u8() % n : u16() % n; }
  /// One element of a non-empty array.
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) noexcept {
    return a[below(N)];
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

enum class message_shape : std::uint8_t {
  valid,      ///< a well-formed message with ordinary values
  boundary,   ///< well-formed, with values at the edges (ids, times, counters, buffer sizes)
  malformed,  ///< one defect: truncated, unknown type, bad counter, small buffer, dirty bytes
};

/// What the device under test should know to judge a generated request.
struct generator_options {
  std::uint16_t num_clocks = 3;
  bool alarm_negotiated = true;
};

/// A requestq element for a device.
struct generated_request {
  std::vector<std::byte> bytes;   ///< the device-readable part
  std::size_t writable_size = 0;  ///< the size of the device-writable part
  message_shape shape = message_shape::valid;
  /// The status the specification requires for exactly this request (5.23.6.2, 5.23.6.6.2.2),
  /// when it does not depend on the device's clocks or policies.
  std::optional<status> required_status;
  /// The device must answer with a non-OK status (it may choose which).
  bool must_fail = false;
};

namespace detail {

inline constexpr std::array<msg_type, 8> request_types{msg_type::read,       msg_type::read_cross, msg_type::cfg,
                                                       msg_type::clock_cap,  msg_type::cross_cap,  msg_type::read_alarm,
                                                       msg_type::set_alarm,  msg_type::set_alarm_enabled};

/// A well-formed request of type t with values from the input (boundary values if asked).
inline std::vector<std::byte> make_request(msg_type t, fuzz_input& in, const generator_options& o, bool boundary) {
  static constexpr std::array<std::uint64_t, 6> edge_times{0, 1, 0x7FFF'FFFF'FFFF'FFFF, 0x8000'0000'0000'0000,
                                                           0xFFFF'FFFF'FFFF'FFFE, 0xFFFF'FFFF'FFFF'FFFF};
  static constexpr std::array<std::uint8_t, 4> edge_counters{0, 1, 0xF0, 0xFE};
  const std::uint16_t n = o.num_clocks;
  std::uint16_t clock = n == 0 ? 0 : static_cast<std::uint16_t>(in.below(n));
  if (boundary && n != 0) clock = in.u8() % 2 == 0 ? 0 : static_cast<std::uint16_t>(n - 1);
  const auto counter = static_cast<hw_counter>(boundary ? in.pick(edge_counters) : in.u8() % 2);
  const std::uint8_t flags = in.u8() & flag_alarm_enabled;
  const std::uint64_t time = boundary ? in.pick(edge_times) : in.u64();
  const auto bytes = [](const auto& m) {
    const auto a = encode(m);
    return std::vector<std::byte>(a.begin(), a.end());
  };
  switch (t) {
    case msg_type::read: return bytes(read_request{clock});
    case msg_type::read_cross: return bytes(read_cross_request{clock, counter});
    case msg_type::cfg: return bytes(cfg_request{});
    case msg_type::clock_cap: return bytes(clock_cap_request{clock});
    case msg_type::cross_cap: return bytes(cross_cap_request{clock, counter});
    case msg_type::read_alarm: return bytes(read_alarm_request{clock});
    case msg_type::set_alarm: return bytes(set_alarm_request{time, clock, flags});
    case msg_type::set_alarm_enabled: return bytes(set_alarm_enabled_request{clock, flags});
    case msg_type::notif_alarm: break;
  }
  return {};
}

/// Byte offsets of a request's clock_id, hw_counter and flags (0: none).
struct request_fields {
  std::size_t clock_id = 0, hw_counter = 0, flags = 0;
};
[[nodiscard]] constexpr request_fields fields_of(msg_type t) noexcept {
  switch (t) {
    case msg_type::read:
    case msg_type::clock_cap:
    case msg_type::read_alarm: return {8, 0, 0};
    case msg_type::read_cross:
    case msg_type::cross_cap: return {8, 10, 0};
    case msg_type::set_alarm: return {16, 0, 18};
    case msg_type::set_alarm_enabled: return {8, 0, 10};
    default: return {};
  }
}

}  // namespace detail

/// One request from the input. The first byte picks the shape, the next the message type and
/// then the defect or the values.
[[nodiscard]] inline generated_request generate_request(fuzz_input& in, const generator_options& o = {}) {
  generated_request g;
  g.shape = static_cast<message_shape>(in.u8() % 3);
  const msg_type t = in.pick(detail::request_types);
  const bool alarm_blocked = is_alarm_request(t) && !o.alarm_negotiated;
  g.bytes = detail::make_request(t, in, o, g.shape == message_shape::boundary);
  g.writable_size = response_size(t);
  const auto fields = detail::fields_of(t);

  if (g.shape == message_shape::valid) {
    if (in.u8() % 4 == 0) g.writable_size += in.below(32);  // extra writable space is ignored
    if (alarm_blocked) g.required_status = status::enodev;
    return g;
  }
  if (g.shape == message_shape::boundary) {
    switch (in.u8() % 4) {
      case 0: g.writable_size = response_size(t); break;  // exactly the response
      case 1: g.bytes.resize(g.bytes.size() + 1 + in.u8() % 16, std::byte{0}); break;  // trailing request bytes
      case 2: g.writable_size = 4096; break;
      case 3:  // the first clock id that does not exist
        if (fields.clock_id != 0) {
          store_le<std::uint16_t>(g.bytes, fields.clock_id, o.num_clocks);
          g.must_fail = true;
          // With an implementation-specific counter the device may first say EOPNOTSUPP.
          const bool odd_counter = fields.hw_counter != 0 &&
                                   !is_spec_defined(static_cast<hw_counter>(std::to_integer<std::uint8_t>(g.bytes[fields.hw_counter])));
          if (!alarm_blocked && !odd_counter) g.required_status = status::enodev;
        }
        break;
    }
    if (alarm_blocked) g.required_status = status::enodev;
    return g;
  }

  // Malformed: exactly one defect.
  switch (in.u8() % 8) {
    case 0:  // writable part cannot hold even the status: nothing may be written
      g.writable_size = in.u8() % header_size;
      break;
    case 1:  // writable part holds the status but not the response
      if (response_size(t) > header_size) {
        g.writable_size = header_size + in.u8() % (response_size(t) - header_size);
        if (!alarm_blocked) g.required_status = status::einval;
      } else {
        g.writable_size = 0;
      }
      break;
    case 2:  // the request is cut short
      g.bytes.resize(in.u8() % g.bytes.size());
      g.must_fail = true;
      if (g.bytes.size() >= header_size && !alarm_blocked) g.required_status = status::einval;
      break;
    case 4:  // a counter a driver must not name
      if (fields.hw_counter != 0) {
        const auto h = static_cast<std::uint8_t>(in.u8() % 2 == 0 ? 0xFF : 2 + in.u8() % 0xEE);
        g.bytes[fields.hw_counter] = std::byte{h};
        // INVALID is a value the spec defines but forbids (EINVAL); 2..0xEF are unknown (EOPNOTSUPP).
        g.required_status = h == 0xFF ? status::einval : status::eopnotsupp;
        break;
      }
      [[fallthrough]];
    case 3: {  // a msg_type the specification does not define for requestq
      static constexpr std::array<std::uint16_t, 8> unknown{0x0000, 0x0003, 0x0FFF, 0x1006, 0x2000, 0x2001, 0x8000, 0xFFFF};
      std::uint16_t v = in.pick(unknown);
      if (in.u8() % 2 == 0) v = in.u16();
      if (is_request(static_cast<msg_type>(v))) v = 0xFFFF;
      store_le<std::uint16_t>(g.bytes, 0, v);
      g.required_status = status::eopnotsupp;
      break;
    }
    case 5: {  // a non-zero reserved byte: the device may refuse (EINVAL) or ignore it
      wire_table table;
      detail::with_response_type(t, [&](auto m) { table = wire_layout<typename decltype(m)::request_type>; });
      for (const wire_row& row : table.view()) {
        if (!row.is_reserved()) continue;
        g.bytes[row.offset + in.below(row.size)] = std::byte{static_cast<std::uint8_t>(in.u8() | 1u)};
        break;
      }
      break;
    }
    case 6:  // undefined flag bits: likewise
      if (fields.flags != 0) g.bytes[fields.flags] |= std::byte{static_cast<std::uint8_t>((in.u8() | 1u) << 1)};
      break;
    case 7:  // fewer than 8 request bytes
      g.bytes.resize(in.u8() % header_size);
      g.must_fail = true;
      break;
  }
  // Without VIRTIO_RTC_F_ALARM an alarm request never succeeds (5.23.6.6.1).
  if (!o.alarm_negotiated && g.bytes.size() >= 2 && is_alarm_request(static_cast<msg_type>(load_le<std::uint16_t>(g.bytes, 0))))
    g.must_fail = true;
  if (g.required_status && g.writable_size < header_size) g.required_status.reset();
  if (g.writable_size < header_size) g.must_fail = false;  // nothing is written at all
  return g;
}

/// A device-writable answer for a driver.
struct generated_response {
  scripted_answer answer;
  response_fault fault = response_fault::none;
  /// The driver must not report success (is_malformed(fault)).
  bool malformed = false;
};

/// The conforming OK answer to request type t with values from the input (a clock reading
/// anywhere in the u64 range, any clock type, smearing and defined flags), then a fault.
[[nodiscard]] inline generated_response generate_response(fuzz_input& in, msg_type t) {
  scripted_answer ok;
  const auto from = [&](const auto& m) {
    const auto a = encode(m);
    ok = {std::vector<std::byte>(a.begin(), a.end()), a.size()};
  };
  switch (t) {
    case msg_type::read: from(read_response{status::ok, in.u64()}); break;
    case msg_type::read_cross: from(read_cross_response{status::ok, in.u64(), in.u64()}); break;
    case msg_type::cfg: from(cfg_response{status::ok, static_cast<std::uint16_t>(in.u8() % 4)}); break;
    case msg_type::clock_cap:
      from(clock_cap_response{status::ok, static_cast<clock_type>(in.u8()), static_cast<smearing>(in.u8()),
                              static_cast<std::uint8_t>(in.u8() & flag_alarm_cap)});
      break;
    case msg_type::cross_cap: from(cross_cap_response{status::ok, static_cast<std::uint8_t>(in.u8() & flag_cross_cap)}); break;
    case msg_type::read_alarm:
      from(read_alarm_response{status::ok, in.u64(), static_cast<std::uint8_t>(in.u8() & flag_alarm_enabled)});
      break;
    case msg_type::set_alarm: from(set_alarm_response{}); break;
    case msg_type::set_alarm_enabled: from(set_alarm_enabled_response{}); break;
    case msg_type::notif_alarm: break;
  }
  generated_response g;
  g.fault = static_cast<response_fault>(in.u8() % response_fault_count);
  g.answer = apply_fault(g.fault, t, ok, in.u8());
  g.malformed = is_malformed(g.fault);
  return g;
}

/// An alarmq buffer's used part: NOTIF_ALARM for a clock below num_clocks + 2, with a fault.
struct generated_notification {
  scripted_answer answer;
  notification_fault fault = notification_fault::none;
  std::uint16_t clock_id = 0;
  bool malformed = false;  ///< short or of another msg_type: never to be acted on
};

[[nodiscard]] inline generated_notification generate_notification(fuzz_input& in, std::uint16_t num_clocks) {
  generated_notification g;
  g.clock_id = static_cast<std::uint16_t>(in.below(std::size_t{num_clocks} + 2));
  g.fault = static_cast<notification_fault>(in.u8() % 4);
  g.answer = make_notification(g.clock_id, g.fault, in.u8());
  g.malformed = g.fault == notification_fault::short_used_length || g.fault == notification_fault::unknown_msg_type;
  return g;
}

}  // namespace conformance
VRTC_END_NAMESPACE
