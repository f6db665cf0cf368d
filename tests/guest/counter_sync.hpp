// The counter handshake between vmclock-relay (host) and vrtc-guest-check (guest), through the
// second page of the memory QEMU shares with the host (an ivshmem BAR backed by a host file).
//
// A guest's counter is not the host's: under TCG it is the host's TSC minus a constant (the
// value at which the VM started), under KVM an offset and possibly a scale. A hypervisor
// publishes a vmclock page for the guest's counter; the relay does the same, and measures the
// offset this way, round n:
//
//   host:  h1 = counter;  request = n
//   guest: sees request == n;  g = counter;  guest_counter = g;  reply = n
//   host:  sees reply == n;  h2 = counter
//
// so the host counter at the instant the guest read g lies in [h1, h2]: offset = host - guest
// lies in [h1 - g, h2 - g]. If the relation is a constant offset every round agrees with every
// other (their intervals intersect; the intersection is the measurement), give or take the
// small skew between the host CPUs' counters, on which the relay and QEMU's vCPU thread run.
//
// Once the page is published, the guest can check its PTP time against the host's CLOCK_TAI
// (the time vmclock-host publishes), round n:
//
//   guest: verify_request = n
//   host:  sees it;  verify_h1 = CLOCK_TAI;  verify_ack = n
//   guest: sees verify_ack == n;  reads the driver's PTP clock;  verify_time = it;  verify_done = n
//   host:  sees verify_done == n;  verify_h2 = CLOCK_TAI;  verify_result = n
//
// so the guest's reading was taken while the host's clock ran from h1 to h2. A host that sees
// no verify_done within 5 s abandons the round (verify_result = n | abandoned_round): its h1
// may no longer precede the reading, so the guest does not use it and starts another round.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vrtc_guest {

/// Offset of the handshake page in the shared memory (the first page is the vmclock page).
inline constexpr std::size_t sync_page_offset = 4096;
/// Size of the shared memory: the vmclock page and the handshake page.
inline constexpr std::size_t shared_bytes = 8192;

/// "VRTCSYNC", little endian.
inline constexpr std::uint64_t sync_magic = 0x434e595343545256ULL;

/// The fields, each a naturally aligned 64-bit word accessed atomically.
enum sync_word : std::size_t {
  magic = 0,          ///< host: sync_magic once the page is ready
  request = 1,        ///< host: round number
  reply = 2,          ///< guest: the round it answered (after guest_counter)
  guest_counter = 3,  ///< guest: its counter, read after seeing the request
  state = 4,          ///< host: one of sync_state
  offset = 5,         ///< host: the measured offset, host counter - guest counter
  half_width = 6,     ///< host: its uncertainty, in counter ticks
  verify_request = 8,  ///< guest: round number
  verify_ack = 9,      ///< host: the round, after verify_h1
  verify_time = 10,    ///< guest: its PTP reading, TAI nanoseconds
  verify_done = 11,    ///< guest: the round, after verify_time
  verify_result = 12,  ///< host: the round, after verify_h2
  verify_h1 = 13,      ///< host: CLOCK_TAI before the guest's reading, nanoseconds
  verify_h2 = 14,      ///< host: CLOCK_TAI after it
};

enum sync_state : std::uint64_t {
  measuring = 0,
  anchored = 1,  ///< the vmclock page is published for the guest's counter
  failed = 2,
};

inline constexpr std::size_t sync_words = 16;

/// Set in verify_result with the round number when the host gave up waiting for verify_done.
inline constexpr std::uint64_t abandoned_round = std::uint64_t{1} << 63;

}  // namespace vrtc_guest
