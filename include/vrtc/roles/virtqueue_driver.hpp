// vrtc: the driver side of a split virtqueue (virtio 1.4 §2.7), for test frontends and kits.
//
// It lays out a queue in guest memory, adds descriptor chains (direct or through an indirect
// table), publishes them on the available ring and collects used elements: what a guest
// driver does, so that a device implementation can be driven through real rings. The same
// ordering rules as the device side apply, mirrored: the available index is stored with
// release after the ring entry and descriptors, the used index is loaded with acquire.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/roles/virtqueue.hpp"

VRTC_BEGIN_NAMESPACE

/// A buffer in guest memory, as the driver adds it to a chain.
struct guest_buffer {
  std::uint64_t addr = 0;
  std::uint32_t len = 0;
};

/// One element of the used ring.
struct used_element {
  std::uint32_t id = 0;   ///< the head of the chain the device used
  std::uint32_t len = 0;  ///< the bytes the device says it wrote
  friend constexpr bool operator==(const used_element&, const used_element&) = default;
};

class split_queue_driver {
 public:
  /// Lays the queue out at the addresses of `config` (zeroed) with every descriptor free.
  [[nodiscard]] static result<split_queue_driver> make(const guest_memory& memory, const queue_config& config) {
    // The device's own checks of a layout are the ones that matter.
    if (auto device_view = split_queue::make(memory, config); !device_view) return device_view.error();
    split_queue_driver q;
    q.memory_ = memory;
    q.config_ = config;
    q.desc_ = memory.translate(config.desc_addr, virtq::descriptor_table_bytes(config.size));
    q.avail_ = memory.translate(config.avail_addr, virtq::avail_ring_bytes(config.size));
    q.used_ = memory.translate(config.used_addr, virtq::used_ring_bytes(config.size));
    std::memset(q.desc_, 0, virtq::descriptor_table_bytes(config.size));
    std::memset(q.avail_, 0, virtq::avail_ring_bytes(config.size));
    std::memset(q.used_, 0, virtq::used_ring_bytes(config.size));
    q.free_.reserve(config.size);
    for (std::uint32_t i = config.size; i-- > 0;) q.free_.push_back(static_cast<std::uint16_t>(i));
    return q;
  }

  [[nodiscard]] const queue_config& config() const noexcept { return config_; }
  [[nodiscard]] std::size_t free_descriptors() const noexcept { return free_.size(); }
  [[nodiscard]] std::uint16_t avail_index() const noexcept { return avail_idx_; }

  /// Chains `readable` then `writable` buffers through the descriptor table and makes the
  /// chain available. Returns its head. buffer_too_small when the table has too few free
  /// descriptors; invalid_argument for an empty chain.
  [[nodiscard]] result<std::uint16_t> add(std::span<const guest_buffer> readable,
                                          std::span<const guest_buffer> writable) {
    const std::size_t n = readable.size() + writable.size();
    if (n == 0) return errc::invalid_argument;
    if (n > free_.size()) return errc::buffer_too_small;
    std::uint16_t next = 0;
    // Written back to front so that each descriptor knows its successor.
    for (std::size_t i = n; i-- > 0;) {
      const bool w = i >= readable.size();
      const guest_buffer& b = w ? writable[i - readable.size()] : readable[i];
      const std::uint16_t index = take_free();
      const auto flags = static_cast<std::uint16_t>((w ? virtq::desc_f_write : 0) | (i + 1 < n ? virtq::desc_f_next : 0));
      write_descriptor(desc_, index, {b.addr, b.len, flags, next});
      next = index;
    }
    chain_length_[next] = static_cast<std::uint16_t>(n);
    publish(next);
    return next;
  }

  /// The same chain through an indirect table written at `table_addr` (16 bytes a buffer):
  /// one descriptor of the queue's table refers to it.
  [[nodiscard]] result<std::uint16_t> add_indirect(std::uint64_t table_addr, std::span<const guest_buffer> readable,
                                                   std::span<const guest_buffer> writable) {
    const std::size_t n = readable.size() + writable.size();
    if (n == 0 || n > virtq::max_queue_size) return errc::invalid_argument;
    if (free_.empty()) return errc::buffer_too_small;
    std::byte* table = memory_.translate(table_addr, n * virtq::descriptor_size);
    if (table == nullptr) return errc::bad_guest_address;
    for (std::size_t i = 0; i < n; ++i) {
      const bool w = i >= readable.size();
      const guest_buffer& b = w ? writable[i - readable.size()] : readable[i];
      const auto flags = static_cast<std::uint16_t>((w ? virtq::desc_f_write : 0) | (i + 1 < n ? virtq::desc_f_next : 0));
      write_descriptor(table, i, {b.addr, b.len, flags, static_cast<std::uint16_t>(i + 1)});
    }
    const std::uint16_t head = take_free();
    write_descriptor(desc_, head, {table_addr, static_cast<std::uint32_t>(n * virtq::descriptor_size),
                                   virtq::desc_f_indirect, 0});
    chain_length_[head] = 1;
    publish(head);
    return head;
  }

  /// Makes an already written descriptor `head` available as it is (for hostile chains).
  void publish_raw(std::uint16_t head) { publish(head); }

  /// The next used element, if the device has published one; its chain's descriptors are
  /// free again.
  [[nodiscard]] std::optional<used_element> take_used() {
    const std::uint16_t used_idx = load16(used_ + 2, std::memory_order_acquire);
    if (used_idx == last_used_) return std::nullopt;
    const std::byte* e = used_ + 4 + 8 * std::size_t{slot(last_used_)};
    used_element u{load_le<std::uint32_t>(std::span<const std::byte, 8>(e, 8), 0),
                   load_le<std::uint32_t>(std::span<const std::byte, 8>(e, 8), 4)};
    ++last_used_;
    if (config_.event_idx) store16(avail_ + 4 + 2 * std::size_t{config_.size}, last_used_);  // used_event
    release_chain(u.id);
    return u;
  }

  /// Whether the device wants a kick for what was made available since the last call.
  [[nodiscard]] bool kick_needed() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const std::uint16_t old = kicked_at_;
    kicked_at_ = avail_idx_;
    if (config_.event_idx) {
      const std::uint16_t avail_event = load16(used_ + 4 + 8 * std::size_t{config_.size}, std::memory_order_relaxed);
      return virtq::need_event(avail_event, avail_idx_, old);
    }
    return (load16(used_, std::memory_order_relaxed) & virtq::used_f_no_notify) == 0;
  }

  /// Writes descriptor `index` of the queue's table as it is (for hostile chains).
  void write_raw_descriptor(std::uint16_t index, const virtq::descriptor& d) noexcept {
    write_descriptor(desc_, index % config_.size, d);
  }
  /// Stores the available index as it is (for hostile drivers).
  void set_raw_avail_index(std::uint16_t idx) noexcept {
    avail_idx_ = idx;
    store16(avail_ + 2, idx, std::memory_order_release);
  }

 private:
  [[nodiscard]] std::uint16_t slot(std::uint16_t index) const noexcept {
    return static_cast<std::uint16_t>(index & (config_.size - 1U));
  }
  [[nodiscard]] static std::uint16_t load16(std::byte* p, std::memory_order order) noexcept {
    return le_to_host(std::atomic_ref<std::uint16_t>(*reinterpret_cast<std::uint16_t*>(p)).load(order));
  }
  static void store16(std::byte* p, std::uint16_t v, std::memory_order order = std::memory_order_relaxed) noexcept {
    std::atomic_ref<std::uint16_t>(*reinterpret_cast<std::uint16_t*>(p)).store(host_to_le(v), order);
  }
  static void write_descriptor(std::byte* table, std::size_t index, const virtq::descriptor& d) noexcept {
    virtq::encode_descriptor(d, std::span<std::byte, virtq::descriptor_size>(table + virtq::descriptor_size * index,
                                                                             virtq::descriptor_size));
  }

  std::uint16_t take_free() {
    const std::uint16_t i = free_.back();
    free_.pop_back();
    return i;
  }

  void publish(std::uint16_t head) {
    store16(avail_ + 4 + 2 * std::size_t{slot(avail_idx_)}, head);
    ++avail_idx_;
    store16(avail_ + 2, avail_idx_, std::memory_order_release);
  }

  // Frees the descriptors of the chain at `head` (as this driver wrote it).
  void release_chain(std::uint32_t head) {
    if (head >= config_.size) return;
    std::uint16_t index = static_cast<std::uint16_t>(head);
    for (std::uint16_t left = chain_length_[index]; left > 0; --left) {
      free_.push_back(index);
      std::array<std::byte, virtq::descriptor_size> copy;
      std::memcpy(copy.data(), desc_ + virtq::descriptor_size * index, copy.size());
      index = static_cast<std::uint16_t>(virtq::decode_descriptor(copy).next % config_.size);
    }
    chain_length_[static_cast<std::uint16_t>(head)] = 0;
  }

  guest_memory memory_;
  queue_config config_;
  std::byte* desc_ = nullptr;
  std::byte* avail_ = nullptr;
  std::byte* used_ = nullptr;
  std::vector<std::uint16_t> free_;
  std::vector<std::uint16_t> chain_length_ = std::vector<std::uint16_t>(virtq::max_queue_size);
  std::uint16_t avail_idx_ = 0;
  std::uint16_t kicked_at_ = 0;
  std::uint16_t last_used_ = 0;
};

VRTC_END_NAMESPACE
