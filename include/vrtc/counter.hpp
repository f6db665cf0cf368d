// vrtc: hardware counter reads (platform edge; the only inline assembly in the library).
//
// vmclock and virtio-rtc relate time to a CPU counter named by an id: 0 is the Arm generic
// timer's virtual count (CNTVCT_EL0), 1 the x86 time-stamp counter. This header reads the
// counter of the CPU it is compiled for, ordered so that the read happens after every earlier
// instruction has completed and before any later one starts. That ordering is what a seqlock
// reader needs: the counter value must be taken inside the window bracketed by the two loads
// of the sequence number, or the time computed from it may belong to neither version of the page.
//
// x86-64: `lfence; rdtsc; lfence`. rdtsc alone may execute before earlier loads (the first
//   sequence load) or after later ones (the second sequence load). LFENCE completes all prior
//   instructions before anything after it starts (on AMD since the kernel sets the
//   "LFENCE serializing" bit, as every current kernel does), so the first fence keeps the read
//   after the window opens and the second keeps it before the window closes. rdtscp would also
//   wait for earlier loads, but it additionally writes IA32_TSC_AUX into a register and still
//   needs a trailing lfence, so it is no cheaper.
// AArch64: `isb; mrs CNTVCT_EL0; isb`. A system-register read is not a memory access, so
//   DMB-based fences do not order it; the instruction barriers pin it between the surrounding
//   instructions in program order.
// Other targets have no counter this library knows: errc::no_counter.
#pragma once

#include <cstdint>

#include "config.hpp"
#include "result.hpp"

VRTC_BEGIN_NAMESPACE

/// Counter ids shared by vmclock (counter_id) and virtio-rtc (hw_counter).
inline constexpr std::uint8_t counter_id_arm_vcnt = 0;
inline constexpr std::uint8_t counter_id_x86_tsc = 1;

#if defined(__x86_64__) || defined(__aarch64__)
/// Whether this build can read a hardware counter.
inline constexpr bool hardware_counter_available = true;
#else
inline constexpr bool hardware_counter_available = false;
#endif

/// The counter id of the counter read_hardware_counter() reads, or errc::no_counter.
[[nodiscard]] constexpr result<std::uint8_t> hardware_counter_id() noexcept {
#if defined(__x86_64__)
  return counter_id_x86_tsc;
#elif defined(__aarch64__)
  return counter_id_arm_vcnt;
#else
  return errc::no_counter;
#endif
}

#if defined(__x86_64__) || defined(__aarch64__)
/// The ordered counter read described above. Only declared where a counter exists; portable
/// code calls hardware_counter() or tests hardware_counter_available first.
[[nodiscard]] inline std::uint64_t read_hardware_counter() noexcept {
#if defined(__x86_64__)
  std::uint32_t lo = 0;
  std::uint32_t hi = 0;
  __asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
  return (std::uint64_t{hi} << 32) | lo;
#else
  std::uint64_t value = 0;
  __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(value) : : "memory");
  return value;
#endif
}
#endif

/// The ordered counter read, or errc::no_counter on a platform without one.
[[nodiscard]] inline result<std::uint64_t> hardware_counter() noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
  return read_hardware_counter();
#else
  return errc::no_counter;
#endif
}

VRTC_END_NAMESPACE
