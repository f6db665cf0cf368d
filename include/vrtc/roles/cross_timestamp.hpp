// vrtc: a cross-timestamp, the pair READ_CROSS is about (§5.23.6.5): a clock reading and a
// hardware counter value taken at the same instant. A device backend produces one with its
// own counter's value; the driver receives one with the value the driver's counter showed.
#pragma once

#include <cstdint>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

/// A clock reading and a counter value at the same instant.
struct cross_timestamp {
  std::uint64_t clock_reading = 0;   ///< nanoseconds of the clock
  std::uint64_t counter_cycles = 0;  ///< the counter's value
  friend constexpr bool operator==(const cross_timestamp&, const cross_timestamp&) = default;
};

VRTC_END_NAMESPACE
