// vrtc: ACRN-compatible VM event encoding (the 32-byte elements of the vm_event ring).
//
// Wire layout (little-endian, 32 bytes, no padding):
//   offset 0   u32      type        0 = RTC change, 1 = power off, 2 = triple fault
//   offset 4   u8[28]   event_data  type-specific payload, zero where unused
// RTC change payload inside event_data (so at event offsets 4 and 12, not 8-aligned):
//   +0  i64  last_time   RTC time (POSIX seconds) before it was set
//   +8  i64  delta_time  how far (seconds) the RTC was moved
// Encoding always writes the type and zero-fills the rest of the element, so no stale byte
// ever reaches the peer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE

enum class vm_event_type : std::uint32_t {
  rtc_change = 0,
  poweroff = 1,
  triple_fault = 2,
};

inline constexpr std::size_t vm_event_size = 32;       ///< one ring element
inline constexpr std::size_t vm_event_data_size = 28;  ///< event_data bytes
inline constexpr std::size_t vm_event_type_offset = 0;
inline constexpr std::size_t vm_event_data_offset = 4;

/// A decoded VM event: its type and the raw payload.
struct vm_event {
  vm_event_type type = vm_event_type::rtc_change;
  std::array<std::byte, vm_event_data_size> data{};
  friend constexpr bool operator==(const vm_event&, const vm_event&) = default;
};

/// The payload of a vm_event_type::rtc_change event.
struct rtc_change_data {
  std::int64_t last_time = 0;   ///< RTC time (POSIX seconds) before it was set
  std::int64_t delta_time = 0;  ///< how far (seconds) the RTC was moved
  friend constexpr bool operator==(const rtc_change_data&, const rtc_change_data&) = default;
};

[[nodiscard]] constexpr bool is_known(vm_event_type t) noexcept {
  return t == vm_event_type::rtc_change || t == vm_event_type::poweroff || t == vm_event_type::triple_fault;
}

/// Writes `e` as one 32-byte element at the start of `out`. buffer_too_small if it does not fit.
constexpr result<void> encode_vm_event(const vm_event& e, std::span<std::byte> out) noexcept {
  if (out.size() < vm_event_size) return errc::buffer_too_small;
  store_le<std::uint32_t>(out, vm_event_type_offset, static_cast<std::uint32_t>(e.type));
  for (std::size_t i = 0; i < vm_event_data_size; ++i) out[vm_event_data_offset + i] = e.data[i];
  return {};
}

/// The 32 bytes of `e`.
[[nodiscard]] constexpr std::array<std::byte, vm_event_size> encode_vm_event(const vm_event& e) noexcept {
  std::array<std::byte, vm_event_size> out{};
  (void)encode_vm_event(e, out);
  return out;
}

/// Reads one element. too_short for fewer than 32 bytes, unknown_msg_type for a type this
/// library does not define (the payload of an unknown type cannot be interpreted).
[[nodiscard]] constexpr result<vm_event> decode_vm_event(std::span<const std::byte> in) noexcept {
  if (in.size() < vm_event_size) return errc::too_short;
  const auto type = static_cast<vm_event_type>(load_le<std::uint32_t>(in, vm_event_type_offset));
  if (!is_known(type)) return errc::unknown_msg_type;
  vm_event e{type, {}};
  for (std::size_t i = 0; i < vm_event_data_size; ++i) e.data[i] = in[vm_event_data_offset + i];
  return e;
}

/// An RTC change event carrying `d` (remaining payload bytes zero).
[[nodiscard]] constexpr vm_event make_rtc_change_event(const rtc_change_data& d) noexcept {
  vm_event e{vm_event_type::rtc_change, {}};
  store_le_signed<std::int64_t>(e.data, 0, d.last_time);
  store_le_signed<std::int64_t>(e.data, 8, d.delta_time);
  return e;
}

/// The RTC change payload of `e`, or wrong_msg_type when `e` is another kind of event.
[[nodiscard]] constexpr result<rtc_change_data> rtc_change_data_of(const vm_event& e) noexcept {
  if (e.type != vm_event_type::rtc_change) return errc::wrong_msg_type;
  return rtc_change_data{load_le_signed<std::int64_t>(e.data, 0), load_le_signed<std::int64_t>(e.data, 8)};
}

VRTC_END_NAMESPACE
