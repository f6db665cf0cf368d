// vrtc: the narrow transport concept the virtio-rtc driver talks through.
//
// A transport carries one requestq element: the device-readable request bytes go out, the
// device fills (part of) the device-writable buffer, and the transport reports how many bytes
// the device used. Virtqueues, interrupts, waiting and timeouts are the transport's business;
// the driver only ever sees bytes and a used length.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE

/// A requestq transport. transfer() sends `request` (device-readable) together with the
/// device-writable buffer `response` and returns the used length the device reported. It
/// fails with errc::transport_error (or another errc of its choice) when no response arrives.
/// The used length is whatever the device claims; the driver validates it.
template <class T>
concept transport = requires(T& t, std::span<const std::byte> request, std::span<std::byte> response) {
  { t.transfer(request, response) } -> std::same_as<result<std::size_t>>;
};

VRTC_END_NAMESPACE
