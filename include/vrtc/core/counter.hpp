// vrtc: hardware counter reads (platform edge; the only inline assembly in the library).
//
// vmclock and virtio-rtc relate time to a CPU counter named by an id: 0 is the Arm generic
// timer's virtual count (CNTVCT_EL0), 1 the x86 time-stamp counter. This header reads the
// counter of the CPU it is compiled for, ordered so that the read happens after every earlier
// instruction has completed, and offers counter_dependency() to keep later loads after it. That
// ordering is what a seqlock reader needs: the counter value must be taken inside the window
// bracketed by the two loads of the sequence number, or the time computed from it may belong to
// neither version of the page.
//
// x86-64: `lfence; rdtsc`. rdtsc alone may execute before earlier loads have completed;
//   LFENCE does not let later instructions start until every earlier one has completed (on AMD
//   since the kernel sets the "LFENCE serializing" bit, as every current kernel does), so the
//   counter is read after the loads that opened the window. This is the kernel's own ordered read
//   (rdtsc_ordered, used by the vDSO). rdtscp gives the same guarantee for earlier instructions
//   but also writes IA32_TSC_AUX into a register and measured slower here; a trailing lfence would
//   order later loads too, at a cost of about a fifth of the read, so that side is done by
//   counter_dependency() below, which costs one ALU operation.
// AArch64: `isb; mrs CNTVCT_EL0`. A system-register read is not a memory access, so DMB-based
//   fences do not order it; the instruction barrier keeps it after the preceding instructions.
//   Later loads are ordered after it by counter_dependency(), as the kernel's vDSO does.
// Other targets have no counter this library knows: errc::no_counter.
#pragma once

#include <cstdint>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

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
  __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return (std::uint64_t{hi} << 32) | lo;
#else
  std::uint64_t value = 0;
  __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(value) : : "memory");
  return value;
#endif
}
#endif

/// Zero, computed from `counter` in a way neither the compiler nor the CPU can see through.
/// Adding it to the address of a later load makes that load wait for the counter value, so the
/// load cannot be performed before the counter was read (the CPU does not predict load
/// addresses). A seqlock reader uses it on its closing sequence load: the counter is then read
/// inside the window on both sides. (`and $0` is used on x86 because `xor r, r` is a zeroing
/// idiom that would drop the dependency.)
[[nodiscard]] inline std::uintptr_t counter_dependency(std::uint64_t counter) noexcept {
#if defined(__x86_64__)
  __asm__("andq $0, %0" : "+r"(counter));
#elif defined(__aarch64__)
  __asm__("eor %0, %0, %0" : "+r"(counter));
#else
  counter = 0;
#endif
  return static_cast<std::uintptr_t>(counter);
}

/// The ordered counter read, or errc::no_counter on a platform without one.
[[nodiscard]] inline result<std::uint64_t> hardware_counter() noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
  return read_hardware_counter();
#else
  return errc::no_counter;
#endif
}

VRTC_END_NAMESPACE
