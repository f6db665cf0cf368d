// vrtc: the numeric constants of the virtio-rtc device (virtio 1.4, section 5.23).
//
// Every enum here has a fixed-width underlying type and is *open*: a value read from the wire
// may be any value of that type (the spec reserves 0xF0..0xFF for implementation-specific clock
// types, smearing variants and counters, and a buggy peer may send anything). Code must never
// assume an enum value is one of the named enumerators; the helpers below classify values.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

// --- device (5.23.1 - 5.23.4) ------------------------------------------------------------------

/// The virtio device ID of the RTC device (5.23.1).
inline constexpr std::uint32_t device_id = 17;

/// Virtqueue indices (5.23.2). alarmq exists only if VIRTIO_RTC_F_ALARM is negotiated.
enum class queue : std::uint16_t {
  requestq = 0,  ///< driver requests and device responses
  alarmq = 1,    ///< device notifications (NOTIF_ALARM)
};

/// Feature bit number of VIRTIO_RTC_F_ALARM (5.23.3): the device supports an alarm for at least
/// one clock. The bit's mask in the 64-bit feature word is feature_alarm_mask.
inline constexpr unsigned feature_alarm = 0;
inline constexpr std::uint64_t feature_alarm_mask = std::uint64_t{1} << feature_alarm;

// --- messages (5.23.6) --------------------------------------------------------------------------

/// msg_type of requests (requestq) and notifications (alarmq). Values 0x0xxx are read requests,
/// 0x1xxx control requests, 0x2xxx alarmq messages. Responses carry no msg_type.
enum class msg_type : std::uint16_t {
  read = 0x0001,               ///< VIRTIO_RTC_REQ_READ
  read_cross = 0x0002,         ///< VIRTIO_RTC_REQ_READ_CROSS
  cfg = 0x1000,                ///< VIRTIO_RTC_REQ_CFG
  clock_cap = 0x1001,          ///< VIRTIO_RTC_REQ_CLOCK_CAP
  cross_cap = 0x1002,          ///< VIRTIO_RTC_REQ_CROSS_CAP
  read_alarm = 0x1003,         ///< VIRTIO_RTC_REQ_READ_ALARM (needs VIRTIO_RTC_F_ALARM)
  set_alarm = 0x1004,          ///< VIRTIO_RTC_REQ_SET_ALARM (needs VIRTIO_RTC_F_ALARM)
  set_alarm_enabled = 0x1005,  ///< VIRTIO_RTC_REQ_SET_ALARM_ENABLED (needs VIRTIO_RTC_F_ALARM)
  notif_alarm = 0x2000,        ///< VIRTIO_RTC_NOTIF_ALARM (alarmq)
};

/// Response status (first byte of every response). If it is not ok, every other response field
/// is undefined (5.23.6.1), and the response may be only its 8-byte header.
enum class status : std::uint8_t {
  ok = 0,          ///< VIRTIO_RTC_S_OK
  eopnotsupp = 2,  ///< VIRTIO_RTC_S_EOPNOTSUPP: implementation limit, unknown msg_type or hw_counter
  enodev = 3,      ///< VIRTIO_RTC_S_ENODEV: clock_id names no clock (or no alarm)
  einval = 4,      ///< VIRTIO_RTC_S_EINVAL: invalid request values or buffer sizes
  eio = 5,         ///< VIRTIO_RTC_S_EIO: device failure, and the fallback status
};

/// Clock type reported by CLOCK_CAP (5.23.6.3.1).
enum class clock_type : std::uint8_t {
  utc = 0,                ///< VIRTIO_RTC_CLOCK_UTC: steps at leap seconds
  tai = 1,                ///< VIRTIO_RTC_CLOCK_TAI
  monotonic = 2,          ///< VIRTIO_RTC_CLOCK_MONOTONIC
  utc_smeared = 3,        ///< VIRTIO_RTC_CLOCK_UTC_SMEARED: never steps for a leap second
  utc_maybe_smeared = 4,  ///< VIRTIO_RTC_CLOCK_UTC_MAYBE_SMEARED: smears or steps
  // 0xF0..0xFF: implementation-specific (experimental).
};

/// Leap-second smearing variant reported by CLOCK_CAP (5.23.6.3.2).
enum class smearing : std::uint8_t {
  unspecified = 0,  ///< VIRTIO_RTC_SMEAR_UNSPECIFIED
  noon_linear = 1,  ///< VIRTIO_RTC_SMEAR_NOON_LINEAR: linear from noon to noon
  utc_sls = 2,      ///< VIRTIO_RTC_SMEAR_UTC_SLS: linear over the last 1000 s of the day
  // 0xF0..0xFF: implementation-specific (experimental).
};

/// Hardware counter named in READ_CROSS and CROSS_CAP (5.23.6.3.3).
enum class hw_counter : std::uint8_t {
  arm_vct = 0,     ///< VIRTIO_RTC_COUNTER_ARM_VCT: Arm CNTVCT_EL0
  x86_tsc = 1,     ///< VIRTIO_RTC_COUNTER_X86_TSC
  invalid = 0xFF,  ///< VIRTIO_RTC_COUNTER_INVALID: a driver must never send it
  // 0xF0..0xFE: implementation-specific (experimental).
};

/// Flag bits. Each is bit 0 of a different one-byte `flags` field; other bits are undefined and
/// are neither set by a conforming peer nor interpreted by this library (5.23.6.1, 5.23.6.2).
inline constexpr std::uint8_t flag_alarm_cap = 1u << 0;      ///< CLOCK_CAP response: clock has an alarm
inline constexpr std::uint8_t flag_cross_cap = 1u << 0;      ///< CROSS_CAP response: READ_CROSS works
inline constexpr std::uint8_t flag_alarm_enabled = 1u << 0;  ///< READ_ALARM resp, SET_ALARM(_ENABLED) req

/// Every message starts with an 8-byte header (req_head, resp_head or notif_head).
inline constexpr std::size_t header_size = 8;
/// Largest request, response and alarmq message: what a buffer for "any" message needs.
inline constexpr std::size_t max_request_size = 24;
inline constexpr std::size_t max_response_size = 24;
inline constexpr std::size_t max_notification_size = 16;

// --- classification ----------------------------------------------------------------------------

/// True for the nine msg_type values the spec defines.
[[nodiscard]] constexpr bool is_known(msg_type t) noexcept {
  switch (t) {
    case msg_type::read:
    case msg_type::read_cross:
    case msg_type::cfg:
    case msg_type::clock_cap:
    case msg_type::cross_cap:
    case msg_type::read_alarm:
    case msg_type::set_alarm:
    case msg_type::set_alarm_enabled:
    case msg_type::notif_alarm: return true;
  }
  return false;
}

/// True for the eight request types (requestq); false for NOTIF_ALARM and unknown values.
[[nodiscard]] constexpr bool is_request(msg_type t) noexcept {
  return is_known(t) && t != msg_type::notif_alarm;
}

/// True for the three requests that need VIRTIO_RTC_F_ALARM (5.23.6.6).
[[nodiscard]] constexpr bool is_alarm_request(msg_type t) noexcept {
  return t == msg_type::read_alarm || t == msg_type::set_alarm || t == msg_type::set_alarm_enabled;
}

/// True for the five status values the spec defines (1 is unassigned).
[[nodiscard]] constexpr bool is_spec_defined(status s) noexcept {
  switch (s) {
    case status::ok:
    case status::eopnotsupp:
    case status::enodev:
    case status::einval:
    case status::eio: return true;
  }
  return false;
}

[[nodiscard]] constexpr bool is_spec_defined(clock_type t) noexcept {
  return static_cast<std::uint8_t>(t) <= static_cast<std::uint8_t>(clock_type::utc_maybe_smeared);
}
[[nodiscard]] constexpr bool is_implementation_specific(clock_type t) noexcept {
  return static_cast<std::uint8_t>(t) >= 0xF0;
}
/// UTC, UTC_SMEARED and UTC_MAYBE_SMEARED: clocks that follow UTC, with the 1970 UTC epoch
/// (5.23.6.3.1). Implementation-specific types are never UTC-like: their meaning is unknown.
[[nodiscard]] constexpr bool is_utc_like(clock_type t) noexcept {
  return t == clock_type::utc || t == clock_type::utc_smeared || t == clock_type::utc_maybe_smeared;
}

[[nodiscard]] constexpr bool is_spec_defined(smearing s) noexcept {
  return static_cast<std::uint8_t>(s) <= static_cast<std::uint8_t>(smearing::utc_sls);
}
[[nodiscard]] constexpr bool is_implementation_specific(smearing s) noexcept {
  return static_cast<std::uint8_t>(s) >= 0xF0;
}

/// ARM_VCT and X86_TSC. INVALID is spec-defined as a value but names no counter, so it is not
/// counted here.
[[nodiscard]] constexpr bool is_spec_defined(hw_counter c) noexcept {
  return c == hw_counter::arm_vct || c == hw_counter::x86_tsc;
}
/// 0xF0..0xFE (0xFF is INVALID).
[[nodiscard]] constexpr bool is_implementation_specific(hw_counter c) noexcept {
  const auto v = static_cast<std::uint8_t>(c);
  return v >= 0xF0 && v != 0xFF;
}
/// The counters a driver may name in READ_CROSS and CROSS_CAP (5.23.6.4.1, 5.23.6.5.1):
/// spec-defined or implementation-specific, never INVALID or an unassigned value.
[[nodiscard]] constexpr bool may_be_requested(hw_counter c) noexcept {
  return is_spec_defined(c) || is_implementation_specific(c);
}

// --- names -------------------------------------------------------------------------------------
// The spec's names without their VIRTIO_RTC_*_ prefix. Values without a name give
// "implementation-specific" or "unknown", never a null pointer.

[[nodiscard]] constexpr const char* to_string(msg_type t) noexcept {
  switch (t) {
    case msg_type::read: return "READ";
    case msg_type::read_cross: return "READ_CROSS";
    case msg_type::cfg: return "CFG";
    case msg_type::clock_cap: return "CLOCK_CAP";
    case msg_type::cross_cap: return "CROSS_CAP";
    case msg_type::read_alarm: return "READ_ALARM";
    case msg_type::set_alarm: return "SET_ALARM";
    case msg_type::set_alarm_enabled: return "SET_ALARM_ENABLED";
    case msg_type::notif_alarm: return "NOTIF_ALARM";
  }
  return "unknown";
}

[[nodiscard]] constexpr const char* to_string(status s) noexcept {
  switch (s) {
    case status::ok: return "OK";
    case status::eopnotsupp: return "EOPNOTSUPP";
    case status::enodev: return "ENODEV";
    case status::einval: return "EINVAL";
    case status::eio: return "EIO";
  }
  return "unknown";
}

[[nodiscard]] constexpr const char* to_string(clock_type t) noexcept {
  switch (t) {
    case clock_type::utc: return "UTC";
    case clock_type::tai: return "TAI";
    case clock_type::monotonic: return "MONOTONIC";
    case clock_type::utc_smeared: return "UTC_SMEARED";
    case clock_type::utc_maybe_smeared: return "UTC_MAYBE_SMEARED";
  }
  return is_implementation_specific(t) ? "implementation-specific" : "unknown";
}

[[nodiscard]] constexpr const char* to_string(smearing s) noexcept {
  switch (s) {
    case smearing::unspecified: return "UNSPECIFIED";
    case smearing::noon_linear: return "NOON_LINEAR";
    case smearing::utc_sls: return "UTC_SLS";
  }
  return is_implementation_specific(s) ? "implementation-specific" : "unknown";
}

[[nodiscard]] constexpr const char* to_string(hw_counter c) noexcept {
  switch (c) {
    case hw_counter::arm_vct: return "ARM_VCT";
    case hw_counter::x86_tsc: return "X86_TSC";
    case hw_counter::invalid: return "INVALID";
  }
  return is_implementation_specific(c) ? "implementation-specific" : "unknown";
}

VRTC_END_NAMESPACE
