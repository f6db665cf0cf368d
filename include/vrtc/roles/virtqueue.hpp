// vrtc: the device side of a split virtqueue (virtio 1.4 §2.7), sans-I/O.
//
// The driver owns the descriptor table and the available ring, the device owns the used ring;
// all three live in guest memory, which the device sees through a guest_memory view of its
// regions. The device pops an available descriptor chain, gathers its device-readable bytes,
// scatters a response into its device-writable buffers, and publishes the chain as used with
// the number of bytes it wrote.
//
// Everything read from guest memory is untrusted. A descriptor is copied out once and then
// checked; a chain that loops, outgrows the queue, leaves guest memory, overflows 32 bits,
// puts a readable buffer after a writable one or misuses an indirect table, and an available
// index that jumps by more than the queue size, each give a named error. The queue is then
// broken (the spec's DEVICE_NEEDS_RESET): every later call returns the same error until the
// queue is configured again, and no byte outside the guest's regions is ever touched.
//
// Memory ordering, for rings shared with another process or thread: the available index is
// read with acquire (the ring entries and descriptors it publishes are visible after it), the
// used element is written before the used index is stored with release, and the event-index
// fields are read after a sequentially consistent fence (so a notification is never lost
// between publishing and deciding whether the driver wants to hear of it). Only the indices
// and event fields, which both sides touch at the same time, are accessed atomically;
// descriptors and buffers belong to one side at a time and are copied with memcpy.
//
// No call allocates.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE

namespace virtq {

// Descriptor flags (§2.7.5).
inline constexpr std::uint16_t desc_f_next = 1;      ///< the chain continues at `next`
inline constexpr std::uint16_t desc_f_write = 2;     ///< the buffer is device-writable
inline constexpr std::uint16_t desc_f_indirect = 4;  ///< the buffer is a table of descriptors
// Ring flags (§2.7.7, §2.7.10).
inline constexpr std::uint16_t avail_f_no_interrupt = 1;
inline constexpr std::uint16_t used_f_no_notify = 1;
// Feature bits of the ring layer (§6).
inline constexpr unsigned feature_indirect_desc = 28;
inline constexpr unsigned feature_event_idx = 29;
inline constexpr unsigned feature_version_1 = 32;

inline constexpr std::uint32_t max_queue_size = 32768;
inline constexpr std::size_t descriptor_size = 16;

/// Bytes taken by each part of a split queue of `size` descriptors (§2.7), the event field
/// included.
[[nodiscard]] constexpr std::uint64_t descriptor_table_bytes(std::uint32_t size) noexcept { return 16ULL * size; }
[[nodiscard]] constexpr std::uint64_t avail_ring_bytes(std::uint32_t size) noexcept { return 6ULL + 2ULL * size; }
[[nodiscard]] constexpr std::uint64_t used_ring_bytes(std::uint32_t size) noexcept { return 6ULL + 8ULL * size; }

/// The Linux/virtio helper rule for VIRTIO_RING_F_EVENT_IDX (§2.7.10): whether moving an
/// index from `old_idx` to `new_idx` passes `event_idx`, the value the other side asked to be
/// told about. Modular 16-bit arithmetic, as the indices wrap.
[[nodiscard]] constexpr bool need_event(std::uint16_t event_idx, std::uint16_t new_idx, std::uint16_t old_idx) noexcept {
  return static_cast<std::uint16_t>(new_idx - event_idx - 1) < static_cast<std::uint16_t>(new_idx - old_idx);
}

/// One descriptor, as host-order values.
struct descriptor {
  std::uint64_t addr = 0;
  std::uint32_t len = 0;
  std::uint16_t flags = 0;
  std::uint16_t next = 0;

  friend constexpr bool operator==(const descriptor&, const descriptor&) = default;
};

[[nodiscard]] constexpr descriptor decode_descriptor(std::span<const std::byte, descriptor_size> bytes) noexcept {
  return {load_le<std::uint64_t>(bytes, 0), load_le<std::uint32_t>(bytes, 8), load_le<std::uint16_t>(bytes, 12),
          load_le<std::uint16_t>(bytes, 14)};
}

constexpr void encode_descriptor(const descriptor& d, std::span<std::byte, descriptor_size> bytes) noexcept {
  store_le<std::uint64_t>(bytes, 0, d.addr);
  store_le<std::uint32_t>(bytes, 8, d.len);
  store_le<std::uint16_t>(bytes, 12, d.flags);
  store_le<std::uint16_t>(bytes, 14, d.next);
}

}  // namespace virtq

/// One region of guest memory as the device has mapped it.
struct memory_region {
  std::uint64_t guest_addr = 0;  ///< guest-physical address of the first byte
  std::uint64_t size = 0;        ///< bytes
  std::byte* host = nullptr;     ///< where the first byte is mapped in this process
};

/// A view of the guest's memory: the regions it consists of (not owned, not copied).
class guest_memory {
 public:
  constexpr guest_memory() noexcept = default;
  constexpr explicit guest_memory(std::span<const memory_region> regions) noexcept : regions_(regions) {}

  [[nodiscard]] constexpr std::span<const memory_region> regions() const noexcept { return regions_; }

  /// The host address of [addr, addr + len) when it lies inside one region, else nullptr.
  /// Overflow-safe for any addr and len.
  [[nodiscard]] constexpr std::byte* translate(std::uint64_t addr, std::uint64_t len) const noexcept {
    for (const memory_region& r : regions_) {
      if (addr < r.guest_addr) continue;
      const std::uint64_t offset = addr - r.guest_addr;
      if (offset > r.size || len > r.size - offset) continue;
      return r.host + offset;
    }
    return nullptr;
  }

  /// Whether [addr, addr + len) is guest memory, possibly spanning adjacent regions.
  [[nodiscard]] constexpr bool contains(std::uint64_t addr, std::uint64_t len) const noexcept {
    return visit(addr, len, [](std::byte*, std::size_t) {});
  }

  /// Copies guest memory at `addr` into `out`; false when it is not all guest memory.
  bool read(std::uint64_t addr, std::span<std::byte> out) const noexcept {
    std::size_t done = 0;
    return visit(addr, out.size(), [&](std::byte* p, std::size_t n) {
      std::memcpy(out.data() + done, p, n);
      done += n;
    });
  }

  /// Copies `in` to guest memory at `addr`; false (and nothing written) when the destination
  /// is not all guest memory.
  bool write(std::uint64_t addr, std::span<const std::byte> in) const noexcept {
    if (!contains(addr, in.size())) return false;
    std::size_t done = 0;
    return visit(addr, in.size(), [&](std::byte* p, std::size_t n) {
      std::memcpy(p, in.data() + done, n);
      done += n;
    });
  }

 private:
  // Calls piece(host, n) for consecutive pieces of [addr, addr + len), each inside a region.
  // Returns false, having visited a prefix, when a piece is not guest memory.
  template <class F>
  constexpr bool visit(std::uint64_t addr, std::uint64_t len, F&& piece) const noexcept {
    if (len == 0) return true;  // an empty buffer touches no memory
    std::size_t hops = 0;
    while (len > 0) {
      const memory_region* hit = nullptr;
      for (const memory_region& r : regions_) {
        if (addr >= r.guest_addr && addr - r.guest_addr < r.size) {
          hit = &r;
          break;
        }
      }
      // A piece per region at most: more hops than regions means overlapping regions.
      if (hit == nullptr || ++hops > regions_.size()) return false;
      const std::uint64_t offset = addr - hit->guest_addr;
      const std::uint64_t n = len < hit->size - offset ? len : hit->size - offset;
      piece(hit->host + offset, static_cast<std::size_t>(n));
      len -= n;
      if (len > 0 && n > ~addr) return false;  // the range wraps past 2^64
      addr += n;
    }
    return true;
  }

  std::span<const memory_region> regions_;
};

/// Where a split queue lives and what the driver negotiated for it.
struct queue_config {
  std::uint16_t size = 0;         ///< descriptors: a power of 2, 1 to 32768
  std::uint64_t desc_addr = 0;    ///< guest-physical address of the descriptor table (16-aligned)
  std::uint64_t avail_addr = 0;   ///< of the available ring (2-aligned)
  std::uint64_t used_addr = 0;    ///< of the used ring (4-aligned)
  bool indirect_desc = false;     ///< VIRTIO_RING_F_INDIRECT_DESC negotiated
  bool event_idx = false;         ///< VIRTIO_RING_F_EVENT_IDX negotiated
};

/// An available descriptor chain as the device found it when it popped it. Its buffers may
/// span adjacent regions; an indirect table, like the queue's own parts, lies in one region.
struct descriptor_chain {
  std::uint16_t head = 0;        ///< the chain's id: the index of its first descriptor
  std::uint32_t readable = 0;    ///< device-readable bytes
  std::uint32_t writable = 0;    ///< device-writable bytes
  std::size_t gathered = 0;      ///< readable bytes copied by pop(), min(readable, buffer)
  friend constexpr bool operator==(const descriptor_chain&, const descriptor_chain&) = default;
};

/// The device side of one split virtqueue.
class split_queue {
 public:
  /// An unconfigured queue: every call reports bad_queue_layout.
  constexpr split_queue() noexcept = default;

  /// Checks the layout against guest memory: a valid size, the three parts aligned and each
  /// inside one region. `next_avail` is where the device resumes (vhost-user SET_VRING_BASE);
  /// the used index continues from what the used ring holds.
  [[nodiscard]] static result<split_queue> make(const guest_memory& memory, const queue_config& config,
                                                std::uint16_t next_avail = 0) noexcept {
    const std::uint32_t size = config.size;
    if (size == 0 || !std::has_single_bit(size)) return errc::bad_queue_layout;
    split_queue q;
    q.memory_ = memory;
    q.config_ = config;
    q.desc_ = memory.translate(config.desc_addr, virtq::descriptor_table_bytes(size));
    q.avail_ = memory.translate(config.avail_addr, virtq::avail_ring_bytes(size));
    q.used_ = memory.translate(config.used_addr, virtq::used_ring_bytes(size));
    if (q.desc_ == nullptr || q.avail_ == nullptr || q.used_ == nullptr) return errc::bad_queue_layout;
    if (!aligned(q.desc_, 16) || !aligned(q.avail_, 2) || !aligned(q.used_, 4)) return errc::bad_queue_layout;
    q.next_avail_ = next_avail;
    q.used_idx_ = q.load_index(q.used_ + 2, std::memory_order_relaxed);
    q.broken_ = std::nullopt;
    return q;
  }

  [[nodiscard]] constexpr const queue_config& config() const noexcept { return config_; }
  /// The index of the next available-ring entry the device will consume (GET_VRING_BASE).
  [[nodiscard]] constexpr std::uint16_t next_avail() const noexcept { return next_avail_; }
  /// The device's used index.
  [[nodiscard]] constexpr std::uint16_t used_index() const noexcept { return used_idx_; }
  /// Why the queue stopped, once guest memory broke a rule; nullopt while it works.
  [[nodiscard]] constexpr std::optional<errc> broken() const noexcept { return broken_; }

  /// The next available chain, its readable bytes gathered into `gather_into` (as many as
  /// fit), or nullopt when the driver has made nothing new available. With EVENT_IDX, an
  /// empty queue asks the driver to kick on its next buffer and looks once more afterwards.
  [[nodiscard]] result<std::optional<descriptor_chain>> pop(std::span<std::byte> gather_into = {}) noexcept {
    if (broken_) return *broken_;
    std::uint16_t avail_idx = load_index(avail_ + 2, std::memory_order_acquire);
    if (avail_idx == next_avail_ && config_.event_idx) {
      store_index(used_ + 4 + 8 * std::size_t{config_.size}, next_avail_);  // avail_event
      std::atomic_thread_fence(std::memory_order_seq_cst);
      avail_idx = load_index(avail_ + 2, std::memory_order_acquire);
    }
    const auto waiting = static_cast<std::uint16_t>(avail_idx - next_avail_);
    if (waiting == 0) return std::optional<descriptor_chain>{};
    if (waiting > config_.size) return fail(errc::bad_avail_index);
    const std::uint16_t head =
        load_index(avail_ + 4 + 2 * std::size_t{slot(next_avail_)}, std::memory_order_relaxed);
    descriptor_chain chain{.head = head};
    const auto walked = walk(head, [&](const virtq::descriptor& d, bool writable) {
      if (writable) {
        chain.writable += d.len;
        return true;
      }
      const std::size_t want = gather_into.size() - chain.gathered;
      const std::size_t n = d.len < want ? d.len : want;
      if (n > 0 && !memory_.read(d.addr, gather_into.subspan(chain.gathered, n))) return false;
      chain.gathered += n;
      chain.readable += d.len;
      return true;
    });
    if (!walked) return fail(walked.error());
    ++next_avail_;
    return std::optional<descriptor_chain>{chain};
  }

  /// Writes `bytes` into the chain's writable buffers, in order; returns how many fit. The
  /// chain is walked and checked again: the driver may have changed it since pop().
  [[nodiscard]] result<std::uint32_t> scatter(const descriptor_chain& chain, std::span<const std::byte> bytes) noexcept {
    if (broken_) return *broken_;
    std::size_t done = 0;
    const auto walked = walk(chain.head, [&](const virtq::descriptor& d, bool writable) {
      if (!writable) return true;
      const std::size_t want = bytes.size() - done;
      const std::size_t n = d.len < want ? d.len : want;
      if (n > 0 && !memory_.write(d.addr, bytes.subspan(done, n))) return false;
      done += n;
      return true;
    });
    if (!walked) return fail(walked.error());
    return static_cast<std::uint32_t>(done);
  }

  /// Publishes the chain as used with `written` bytes (the used length: what the device
  /// wrote, never more than the chain's writable bytes). Returns whether the driver asked to
  /// be notified.
  [[nodiscard]] result<bool> push(const descriptor_chain& chain, std::uint32_t written) noexcept {
    if (broken_) return *broken_;
    if (written > chain.writable) return errc::invalid_argument;
    std::byte* element = used_ + 4 + 8 * std::size_t{slot(used_idx_)};
    store_le<std::uint32_t>(std::span<std::byte, 8>(element, 8), 0, chain.head);
    store_le<std::uint32_t>(std::span<std::byte, 8>(element, 8), 4, written);
    const std::uint16_t old_idx = used_idx_;
    ++used_idx_;
    store_index(used_ + 2, used_idx_, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // the index is visible before the event field is read
    if (config_.event_idx) {
      const std::uint16_t used_event =
          load_index(avail_ + 4 + 2 * std::size_t{config_.size}, std::memory_order_relaxed);
      return virtq::need_event(used_event, used_idx_, old_idx);
    }
    return (load_index(avail_, std::memory_order_relaxed) & virtq::avail_f_no_interrupt) == 0;
  }

  /// scatter() then push() with the bytes that fit: the used length is what was written.
  [[nodiscard]] result<bool> complete(const descriptor_chain& chain, std::span<const std::byte> bytes) noexcept {
    const auto written = scatter(chain, bytes);
    if (!written) return written.error();
    return push(chain, *written);
  }

  /// Whether the driver has made chains available that the device has not popped.
  [[nodiscard]] bool has_available() const noexcept {
    return !broken_ && load_index(avail_ + 2, std::memory_order_acquire) != next_avail_;
  }

 private:
  [[nodiscard]] static bool aligned(const std::byte* p, std::size_t alignment) noexcept {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
  }
  [[nodiscard]] constexpr std::uint16_t slot(std::uint16_t index) const noexcept {
    return static_cast<std::uint16_t>(index & (config_.size - 1U));
  }

  // Ring indices and event fields are shared with the driver while both run: atomic, and
  // little-endian like every ring field.
  [[nodiscard]] static std::uint16_t load_index(std::byte* p, std::memory_order order) noexcept {
    return le_to_host(std::atomic_ref<std::uint16_t>(*reinterpret_cast<std::uint16_t*>(p)).load(order));
  }
  static void store_index(std::byte* p, std::uint16_t value,
                          std::memory_order order = std::memory_order_relaxed) noexcept {
    std::atomic_ref<std::uint16_t>(*reinterpret_cast<std::uint16_t*>(p)).store(host_to_le(value), order);
  }

  // The queue is broken from now on (DEVICE_NEEDS_RESET): every later call reports `e`.
  errc fail(errc e) noexcept {
    broken_ = e;
    return e;
  }

  // Walks the chain at `head`, calling visit(descriptor, writable) for each buffer; visit
  // returns false when the buffer is not guest memory. Checks every rule of §2.7.5 that keeps
  // the walk finite and inside guest memory.
  template <class Visit>
  [[nodiscard]] result<void> walk(std::uint16_t head, Visit&& visit) const noexcept {
    if (head >= config_.size) return errc::bad_descriptor_index;
    std::uint64_t total = 0;
    bool seen_writable = false;
    // A buffer: in order (readable ones first), inside guest memory, 2^32 bytes in all.
    auto buffer = [&](const virtq::descriptor& d) -> result<void> {
      const bool writable = (d.flags & virtq::desc_f_write) != 0;
      if (!writable && seen_writable) return errc::bad_chain_order;
      seen_writable = seen_writable || writable;
      total += d.len;
      if (total > UINT32_MAX) return errc::chain_too_large;
      if (!memory_.contains(d.addr, d.len) || !visit(d, writable)) return errc::bad_guest_address;
      return {};
    };

    std::uint32_t index = head;
    for (std::uint32_t count = 1;; ++count) {
      if (count > config_.size) return errc::descriptor_loop;  // longer than the table: a loop
      const virtq::descriptor d = read_descriptor(desc_ + virtq::descriptor_size * index);
      if ((d.flags & virtq::desc_f_indirect) != 0) {
        // §2.7.5.3: only with the feature, never together with NEXT, so always the last.
        if (!config_.indirect_desc || (d.flags & virtq::desc_f_next) != 0) return errc::bad_indirect_table;
        return walk_indirect(d, buffer);
      }
      if (auto r = buffer(d); !r) return r;
      if ((d.flags & virtq::desc_f_next) == 0) return {};
      index = d.next;
      if (index >= config_.size) return errc::bad_descriptor_index;
    }
  }

  template <class Buffer>
  [[nodiscard]] result<void> walk_indirect(const virtq::descriptor& table, Buffer& buffer) const noexcept {
    if (table.len == 0 || table.len % virtq::descriptor_size != 0) return errc::bad_indirect_table;
    const std::uint32_t entries = table.len / virtq::descriptor_size;
    const std::byte* base = memory_.translate(table.addr, table.len);
    if (base == nullptr) return errc::bad_guest_address;
    std::uint32_t index = 0;
    for (std::uint32_t count = 1;; ++count) {
      if (count > entries) return errc::descriptor_loop;
      const virtq::descriptor d = read_descriptor(base + virtq::descriptor_size * index);
      if ((d.flags & virtq::desc_f_indirect) != 0) return errc::bad_indirect_table;  // no nesting
      if (auto r = buffer(d); !r) return r;
      if ((d.flags & virtq::desc_f_next) == 0) return {};
      index = d.next;
      if (index >= entries) return errc::bad_descriptor_index;
    }
  }

  // One copy of a descriptor the driver may be rewriting: checks then use the copy only.
  [[nodiscard]] static virtq::descriptor read_descriptor(const std::byte* p) noexcept {
    std::array<std::byte, virtq::descriptor_size> copy;
    std::memcpy(copy.data(), p, copy.size());
    return virtq::decode_descriptor(copy);
  }

  guest_memory memory_;
  queue_config config_;
  std::byte* desc_ = nullptr;
  std::byte* avail_ = nullptr;
  std::byte* used_ = nullptr;
  std::uint16_t next_avail_ = 0;
  std::uint16_t used_idx_ = 0;
  std::optional<errc> broken_ = errc::bad_queue_layout;
};

VRTC_END_NAMESPACE
