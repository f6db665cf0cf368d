// vrtc: an in-memory transport that joins a virtio-rtc driver to a device in one process.
//
// requestq elements go straight into device::handle(); the alarmq is polled with a buffer
// the driver provides. The reference time of the device is the transport's virtual clock,
// which the caller moves forward (a simulation, a test, a benchmark).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/roles/device.hpp"
#include "vrtc/roles/transport.hpp"

VRTC_BEGIN_NAMESPACE

class in_memory_transport {
 public:
  explicit in_memory_transport(device& d, reference_time now = {}) noexcept : device_(&d), now_(now) {}

  /// One requestq element: the used length the device reports.
  result<std::size_t> transfer(std::span<const std::byte> request, std::span<std::byte> response) {
    return device_->handle(request, response, now_);
  }

  /// Offers one alarmq buffer; returns the used length (0: the device kept the buffer).
  std::size_t poll_alarmq(std::span<std::byte> buffer) noexcept { return device_->write_notification(buffer); }

  [[nodiscard]] reference_time now() const noexcept { return now_; }
  /// Moves the virtual reference time to `t` (never backwards) and lets the device's alarms
  /// see it. Returns the number of alarm expirations.
  std::size_t advance_to(reference_time t) {
    if (t > now_) now_ = t;
    return device_->advance(now_);
  }

  [[nodiscard]] device& target() noexcept { return *device_; }

 private:
  device* device_;
  reference_time now_;
};

static_assert(transport<in_memory_transport>);

VRTC_END_NAMESPACE
