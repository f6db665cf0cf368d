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

/// Relaxed loads of every field except seq_count that ends within `bound` bytes of `base` into
/// `p`; the others are set to zero (see detail::load_fields). Each load is one instruction of
/// the field's own width.
[[gnu::always_inline]] inline void load_fields_relaxed(const std::byte* base, std::size_t bound,
                                                       page_data& p) noexcept {
  load_fields(p, bound, [base]<wire_uint W>(std::size_t offset) VRTC_LAMBDA_ALWAYS_INLINE {
    return load_relaxed<W>(base, offset);
  });
}

/// Relaxed stores of every field except seq_count that fits the first `bound` bytes, and of
/// the pad as zero.
inline void store_fields_relaxed(std::byte* base, std::size_t bound, const page_data& p) noexcept {
  store_fields(p, bound, [base]<wire_uint W>(std::size_t offset, W v) {
    store_field<W>(base, offset, v, std::memory_order_relaxed);
  });
}

}  // namespace detail
}  // namespace vmclock
VRTC_END_NAMESPACE
