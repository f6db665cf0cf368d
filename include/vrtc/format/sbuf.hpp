// vrtc: an ACRN sbuf-compatible single-producer single-consumer ring in shared memory.
//
// Layout (host byte order, which is little-endian on every ACRN platform; 64-byte header,
// elements right after it):
//   0  u64 magic 0x5aa57aa71aa13aa3   16 u32 head (byte offset, consumer)   32 u32 overrun_cnt
//   8  u32 ele_num                    20 u32 tail (byte offset, producer)   36 u32 size
//   12 u32 ele_size                   24 u32 flags   28 u32 reserved        40..63 padding
// Empty: head == tail. Full: the next tail would equal head, so one slot always stays empty
// and at most ele_num - 1 elements are stored. Offsets advance by ele_size and wrap at size
// (= ele_num * ele_size, not necessarily a power of two).
//
// Concurrency: only the producer writes tail (and overrun_cnt), only the consumer writes
// head. Each side loads the other's index with acquire and publishes its own with release,
// so element bytes written before a release are visible after the matching acquire.
//
// Trust: the header lives in memory the other side can write at any time. Geometry (magic,
// ele_size, ele_num, size, flags) is validated once at attach and then cached; head and tail
// are re-validated on every operation. Whatever the header says, no access leaves the span.
// The producer never overwrites: OVERWRITE_EN in flags is ignored and a full ring drops the
// new element, counted locally and, when OVERRUN_CNT_EN is set, in overrun_cnt.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE

inline constexpr std::uint64_t sbuf_magic = 0x5aa57aa71aa13aa3;
inline constexpr std::size_t sbuf_header_size = 64;

/// Header flag bits.
namespace sbuf_flag {
inline constexpr std::uint32_t overrun_count = 1U << 0;  ///< OVERRUN_CNT_EN: count dropped elements
inline constexpr std::uint32_t overwrite = 1U << 1;      ///< OVERWRITE_EN: not supported (ignored)
}  // namespace sbuf_flag

/// Header field offsets.
namespace sbuf_offset {
inline constexpr std::size_t magic = 0;
inline constexpr std::size_t ele_num = 8;
inline constexpr std::size_t ele_size = 12;
inline constexpr std::size_t head = 16;
inline constexpr std::size_t tail = 20;
inline constexpr std::size_t flags = 24;
inline constexpr std::size_t reserved = 28;
inline constexpr std::size_t overrun_cnt = 32;
inline constexpr std::size_t size = 36;
}  // namespace sbuf_offset

/// The validated, immutable part of a header.
struct sbuf_geometry {
  std::uint32_t ele_num = 0;
  std::uint32_t ele_size = 0;
  std::uint32_t size = 0;  ///< ele_num * ele_size
  std::uint32_t flags = 0;
  /// Elements the ring can hold at once (one slot always stays empty).
  [[nodiscard]] constexpr std::uint32_t capacity() const noexcept { return ele_num - 1; }
  friend constexpr bool operator==(const sbuf_geometry&, const sbuf_geometry&) = default;
};

/// Formats `memory` as an empty ring of `ele_size`-byte elements, as many as fit (capped so
/// that size fits 32 bits). invalid_argument for ele_size 0, buffer_too_small when fewer
/// than two elements fit. Call before the memory is shared.
constexpr result<sbuf_geometry> sbuf_init(std::span<std::byte> memory, std::uint32_t ele_size,
                                          std::uint32_t flags = 0) noexcept {
  if (ele_size == 0) return errc::invalid_argument;
  if (memory.size() < sbuf_header_size) return errc::buffer_too_small;
  std::uint64_t ele_num = (memory.size() - sbuf_header_size) / ele_size;
  if (ele_num > UINT32_MAX / ele_size) ele_num = UINT32_MAX / ele_size;
  if (ele_num < 2) return errc::buffer_too_small;
  const sbuf_geometry g{static_cast<std::uint32_t>(ele_num), ele_size,
                        static_cast<std::uint32_t>(ele_num * ele_size), flags};
  for (std::size_t i = 0; i < sbuf_header_size; ++i) memory[i] = std::byte{0};
  store_le<std::uint64_t>(memory, sbuf_offset::magic, sbuf_magic);
  store_le<std::uint32_t>(memory, sbuf_offset::ele_num, g.ele_num);
  store_le<std::uint32_t>(memory, sbuf_offset::ele_size, g.ele_size);
  store_le<std::uint32_t>(memory, sbuf_offset::flags, g.flags);
  store_le<std::uint32_t>(memory, sbuf_offset::size, g.size);
  return g;
}

/// Checks the geometry of a header written by another party: magic, ele_size equal to what
/// the caller expects, ele_num >= 1, size == ele_num * ele_size without overflow, and the
/// element area inside `memory`. corrupt_header otherwise (invalid_argument for a span
/// shorter than the header or an expected ele_size of 0).
[[nodiscard]] constexpr result<sbuf_geometry> sbuf_validate(std::span<const std::byte> memory,
                                                            std::uint32_t expected_ele_size) noexcept {
  if (memory.size() < sbuf_header_size || expected_ele_size == 0) return errc::invalid_argument;
  const sbuf_geometry g{load_le<std::uint32_t>(memory, sbuf_offset::ele_num),
                        load_le<std::uint32_t>(memory, sbuf_offset::ele_size),
                        load_le<std::uint32_t>(memory, sbuf_offset::size),
                        load_le<std::uint32_t>(memory, sbuf_offset::flags)};
  if (load_le<std::uint64_t>(memory, sbuf_offset::magic) != sbuf_magic) return errc::corrupt_header;
  if (g.ele_size != expected_ele_size || g.ele_num == 0) return errc::corrupt_header;
  if (std::uint64_t{g.ele_num} * g.ele_size != g.size) return errc::corrupt_header;
  if (!fits(memory.size(), sbuf_header_size, g.size)) return errc::corrupt_header;
  return g;
}

namespace detail {

/// What both ends share: the memory, the cached geometry, and the only place that touches
/// head, tail and overrun_cnt (atomically, in place).
class sbuf_end {
 public:
  [[nodiscard]] const sbuf_geometry& geometry() const noexcept { return geometry_; }

 protected:
  sbuf_end(std::span<std::byte> memory, const sbuf_geometry& g) noexcept : memory_(memory), geometry_(g) {}

  /// End (a producer or a consumer, which befriend this class) attached to `memory`.
  template <class End>
  static result<End> attach_as(std::span<std::byte> memory, std::uint32_t ele_size) noexcept {
    // atomic_ref needs the 32-bit index fields naturally aligned.
    static_assert(std::atomic_ref<std::uint32_t>::required_alignment <= 4);
    static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free);
    if (reinterpret_cast<std::uintptr_t>(memory.data()) % 8 != 0) return errc::invalid_argument;
    const auto g = sbuf_validate(memory, ele_size);
    if (!g) return g.error();
    return End(memory, *g);
  }

  [[nodiscard]] std::uint32_t load(std::size_t offset, std::memory_order order) const noexcept {
    return le_to_host(field(offset).load(order));
  }
  void store(std::size_t offset, std::uint32_t value, std::memory_order order) const noexcept {
    field(offset).store(host_to_le(value), order);
  }

  /// An offset a well-behaved peer could have written: inside the ring, on an element.
  [[nodiscard]] bool valid_offset(std::uint32_t pos) const noexcept {
    return pos < geometry_.size && pos % geometry_.ele_size == 0;
  }
  /// The offset after `pos` (valid_offset(pos) holds, so no overflow).
  [[nodiscard]] std::uint32_t next(std::uint32_t pos) const noexcept {
    const std::uint32_t n = pos + geometry_.ele_size;
    return n >= geometry_.size ? n - geometry_.size : n;
  }
  [[nodiscard]] std::byte* slot(std::uint32_t pos) const noexcept {
    return memory_.data() + sbuf_header_size + pos;
  }

 private:
  [[nodiscard]] std::atomic_ref<std::uint32_t> field(std::size_t offset) const noexcept {
    // The header is shared memory holding 32-bit fields at 4-aligned offsets of an 8-aligned
    // span (checked at attach).
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(memory_.data() + offset));
  }

  std::span<std::byte> memory_;
  sbuf_geometry geometry_;
};

}  // namespace detail

/// The producing end. Use from one thread at a time (serialise several producers outside).
class sbuf_producer : public detail::sbuf_end {
 public:
  /// Attaches to an initialised ring of `ele_size`-byte elements. invalid_argument for a span
  /// that is not 8-byte aligned; otherwise the errors of sbuf_validate.
  [[nodiscard]] static result<sbuf_producer> attach(std::span<std::byte> memory, std::uint32_t ele_size) noexcept {
    return attach_as<sbuf_producer>(memory, ele_size);
  }

  /// Appends one element of exactly ele_size bytes. ring_full when no slot is free (the
  /// element is dropped and counted), corrupt_header when head or tail is not a valid
  /// offset, invalid_argument for an element of the wrong size.
  result<void> push(std::span<const std::byte> element) noexcept {
    if (element.size() != geometry().ele_size) return errc::invalid_argument;
    const std::uint32_t tail = load(sbuf_offset::tail, std::memory_order_relaxed);
    const std::uint32_t head = load(sbuf_offset::head, std::memory_order_acquire);
    if (!valid_offset(tail) || !valid_offset(head)) return errc::corrupt_header;
    const std::uint32_t next_tail = next(tail);
    if (next_tail == head) {
      ++dropped_;
      if ((geometry().flags & sbuf_flag::overrun_count) != 0)
        store(sbuf_offset::overrun_cnt, load(sbuf_offset::overrun_cnt, std::memory_order_relaxed) + 1U,
              std::memory_order_relaxed);
      return errc::ring_full;
    }
    std::memcpy(slot(tail), element.data(), element.size());
    store(sbuf_offset::tail, next_tail, std::memory_order_release);
    return {};
  }

  /// Elements dropped by this producer because the ring was full.
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  friend class detail::sbuf_end;
  sbuf_producer(std::span<std::byte> memory, const sbuf_geometry& g) noexcept : sbuf_end(memory, g) {}
  std::uint64_t dropped_ = 0;
};

/// The consuming end. Use from one thread at a time.
class sbuf_consumer : public detail::sbuf_end {
 public:
  /// Attaches to an initialised ring; errors as for sbuf_producer::attach.
  [[nodiscard]] static result<sbuf_consumer> attach(std::span<std::byte> memory, std::uint32_t ele_size) noexcept {
    return attach_as<sbuf_consumer>(memory, ele_size);
  }

  /// Removes the oldest element into the first ele_size bytes of `out`. ring_empty when
  /// there is none, corrupt_header when head or tail is not a valid offset,
  /// buffer_too_small when `out` is shorter than an element.
  result<void> pop(std::span<std::byte> out) noexcept {
    if (out.size() < geometry().ele_size) return errc::buffer_too_small;
    const std::uint32_t head = load(sbuf_offset::head, std::memory_order_relaxed);
    const std::uint32_t tail = load(sbuf_offset::tail, std::memory_order_acquire);
    if (!valid_offset(tail) || !valid_offset(head)) return errc::corrupt_header;
    if (head == tail) return errc::ring_empty;
    std::memcpy(out.data(), slot(head), geometry().ele_size);
    store(sbuf_offset::head, next(head), std::memory_order_release);
    return {};
  }

  /// Elements waiting, or corrupt_header.
  [[nodiscard]] result<std::uint32_t> available() const noexcept {
    const std::uint32_t head = load(sbuf_offset::head, std::memory_order_relaxed);
    const std::uint32_t tail = load(sbuf_offset::tail, std::memory_order_acquire);
    if (!valid_offset(tail) || !valid_offset(head)) return errc::corrupt_header;
    const std::uint32_t bytes = tail >= head ? tail - head : geometry().size - head + tail;
    return bytes / geometry().ele_size;
  }

  /// The header's overrun_cnt (meaningful when the producer counts overruns).
  [[nodiscard]] std::uint32_t overrun_count() const noexcept {
    return load(sbuf_offset::overrun_cnt, std::memory_order_relaxed);
  }

 private:
  friend class detail::sbuf_end;
  sbuf_consumer(std::span<std::byte> memory, const sbuf_geometry& g) noexcept : sbuf_end(memory, g) {}
};

VRTC_END_NAMESPACE
