// vmclock: field access to a structure in memory that another thread, process or hypervisor
// writes concurrently — the one place where the library touches shared memory.
//
// Under the C++ memory model a plain load that races with a store is undefined behaviour even
// when a seqlock would throw the value away afterwards (Boehm, "Can seqlocks get along with
// programming language memory models?", 2012). Every field is therefore loaded and stored as a
// relaxed atomic of its own width (1, 2, 4 or 8 bytes, each naturally aligned in the ABI); the
// ordering comes from fences in reader.hpp and writer.hpp. A 16-byte atomic is never used: it is
// not lock-free on x86-64, and libatomic implements it with a locked compare-exchange, which
// faults on a read-only mapping.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vmclock/abi.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

/// The alignment a region's base address needs so that every field is naturally aligned.
inline constexpr std::size_t region_alignment = 8;

namespace detail {

template <wire_uint T>
constexpr void check_atomic_field() noexcept {
  static_assert(std::atomic_ref<T>::is_always_lock_free, "a field load must be a single instruction");
  static_assert(std::atomic_ref<T>::required_alignment <= sizeof(T), "fields are naturally aligned");
}

/// Relaxed atomic load of the little-endian field at `base + offset`, in host order.
///
/// The audited cast: std::atomic_ref<const T> is C++26, so the const is removed here and only
/// a load is ever issued through the reference — the memory may well be a PROT_READ mapping.
/// Preconditions (checked once by reader::open): `base` is region_alignment-aligned and the
/// field lies inside the region.
template <wire_uint T>
[[nodiscard]] inline T load_relaxed(const std::byte* base, std::size_t offset) noexcept {
  check_atomic_field<T>();
  T& field = *reinterpret_cast<T*>(const_cast<std::byte*>(base + offset));
  return le_to_host(std::atomic_ref<T>(field).load(std::memory_order_relaxed));
}

/// Atomic store of `value` (host order) as the little-endian field at `base + offset`.
template <wire_uint T>
inline void store_field(std::byte* base, std::size_t offset, T value, std::memory_order order) noexcept {
  check_atomic_field<T>();
  T& field = *reinterpret_cast<T*>(base + offset);
  std::atomic_ref<T>(field).store(host_to_le(value), order);
}

template <wire_uint T>
[[nodiscard]] inline T load_relaxed(const std::byte* base, field_layout f) noexcept {
  return load_relaxed<T>(base, f.offset);
}

/// Loads every field after `version` that lies within the first `known` bytes (present per
/// `size` and inside the region) into `p` (a page_data, or any type with its member names), and
/// sets the others to zero. seq_count is left alone.
template <class Page>
inline void load_protected_fields(const std::byte* base, std::size_t known, Page& p) noexcept {
  const auto u8 = [&](field_layout f) -> std::uint8_t {
    return f.end() <= known ? load_relaxed<std::uint8_t>(base, f) : std::uint8_t{0};
  };
  const auto u64 = [&](field_layout f) -> std::uint64_t {
    return f.end() <= known ? load_relaxed<std::uint64_t>(base, f) : std::uint64_t{0};
  };
  // validate_header() guarantees known >= min_size: everything through flags is there.
  p.counter_id = static_cast<counter_id>(load_relaxed<std::uint8_t>(base, fields::counter_id));
  p.time_type = static_cast<time_type>(load_relaxed<std::uint8_t>(base, fields::time_type));
  p.disruption_marker = load_relaxed<std::uint64_t>(base, fields::disruption_marker);
  p.flags = load_relaxed<std::uint64_t>(base, fields::flags);
  p.clock_status = static_cast<clock_status>(u8(fields::clock_status));
  p.leap_second_smearing_hint = static_cast<smearing_hint>(u8(fields::leap_second_smearing_hint));
  p.tai_offset_sec = fields::tai_offset_sec.end() <= known
                         ? static_cast<std::int16_t>(load_relaxed<std::uint16_t>(base, fields::tai_offset_sec))
                         : std::int16_t{0};
  p.leap_indicator = static_cast<leap_indicator>(u8(fields::leap_indicator));
  p.counter_period_shift = u8(fields::counter_period_shift);
  p.counter_value = u64(fields::counter_value);
  p.counter_period_frac_sec = u64(fields::counter_period_frac_sec);
  p.counter_period_esterror_rate_frac_sec = u64(fields::counter_period_esterror_rate_frac_sec);
  p.counter_period_maxerror_rate_frac_sec = u64(fields::counter_period_maxerror_rate_frac_sec);
  p.time_sec = u64(fields::time_sec);
  p.time_frac_sec = u64(fields::time_frac_sec);
  p.time_esterror_nanosec = u64(fields::time_esterror_nanosec);
  p.time_maxerror_nanosec = u64(fields::time_maxerror_nanosec);
  p.vm_generation_counter = u64(fields::vm_generation_counter);
}

/// Relaxed stores of every field except seq_count that fits the first `limit` bytes.
inline void store_fields_relaxed(std::byte* base, std::size_t limit, const page_data& p) noexcept {
  constexpr auto relaxed = std::memory_order_relaxed;
  const auto u8 = [&](field_layout f, std::uint8_t v) {
    if (f.end() <= limit) store_field<std::uint8_t>(base, f.offset, v, relaxed);
  };
  const auto u16 = [&](field_layout f, std::uint16_t v) {
    if (f.end() <= limit) store_field<std::uint16_t>(base, f.offset, v, relaxed);
  };
  const auto u32 = [&](field_layout f, std::uint32_t v) {
    if (f.end() <= limit) store_field<std::uint32_t>(base, f.offset, v, relaxed);
  };
  const auto u64 = [&](field_layout f, std::uint64_t v) {
    if (f.end() <= limit) store_field<std::uint64_t>(base, f.offset, v, relaxed);
  };
  u32(fields::magic, p.magic);
  u32(fields::size, p.size);
  u16(fields::version, p.version);
  u8(fields::counter_id, static_cast<std::uint8_t>(p.counter_id));
  u8(fields::time_type, static_cast<std::uint8_t>(p.time_type));
  u64(fields::disruption_marker, p.disruption_marker);
  u64(fields::flags, p.flags);
  u16(fields::pad, 0);
  u8(fields::clock_status, static_cast<std::uint8_t>(p.clock_status));
  u8(fields::leap_second_smearing_hint, static_cast<std::uint8_t>(p.leap_second_smearing_hint));
  u16(fields::tai_offset_sec, static_cast<std::uint16_t>(p.tai_offset_sec));
  u8(fields::leap_indicator, static_cast<std::uint8_t>(p.leap_indicator));
  u8(fields::counter_period_shift, p.counter_period_shift);
  u64(fields::counter_value, p.counter_value);
  u64(fields::counter_period_frac_sec, p.counter_period_frac_sec);
  u64(fields::counter_period_esterror_rate_frac_sec, p.counter_period_esterror_rate_frac_sec);
  u64(fields::counter_period_maxerror_rate_frac_sec, p.counter_period_maxerror_rate_frac_sec);
  u64(fields::time_sec, p.time_sec);
  u64(fields::time_frac_sec, p.time_frac_sec);
  u64(fields::time_esterror_nanosec, p.time_esterror_nanosec);
  u64(fields::time_maxerror_nanosec, p.time_maxerror_nanosec);
  u64(fields::vm_generation_counter, p.vm_generation_counter);
}

}  // namespace detail
}  // namespace vmclock
VRTC_END_NAMESPACE
