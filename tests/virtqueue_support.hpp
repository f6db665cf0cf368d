// Guest memory for split-virtqueue tests: one aligned arena mapped as one region, with a
// queue laid out at fixed guest-physical addresses.
#pragma once

#include <vrtc/roles/virtqueue.hpp>
#include <vrtc/roles/virtqueue_driver.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace vrtc_test {

struct guest_arena {
  static constexpr std::uint64_t base = 0x4000'0000;  // guest-physical address of byte 0
  static constexpr std::size_t bytes = 1 << 20;
  // Queue parts at fixed offsets, then buffers from data_offset on.
  static constexpr std::uint64_t desc = base + 0x0000;
  static constexpr std::uint64_t avail = base + 0x8'0000;
  static constexpr std::uint64_t used = base + 0x9'0000;
  static constexpr std::uint64_t data = base + 0xC'0000;

  struct alignas(4096) storage {
    std::array<std::byte, bytes> b{};
  };
  std::unique_ptr<storage> mem = std::make_unique<storage>();
  std::array<vrtc::memory_region, 1> regions{{{base, bytes, mem->b.data()}}};
  vrtc::guest_memory memory{regions};

  [[nodiscard]] vrtc::queue_config config(std::uint16_t size, bool indirect = false, bool event_idx = false) const {
    return {.size = size, .desc_addr = desc, .avail_addr = avail, .used_addr = used,
            .indirect_desc = indirect, .event_idx = event_idx};
  }
  [[nodiscard]] std::byte* at(std::uint64_t guest_addr) const { return mem->b.data() + (guest_addr - base); }
};

}  // namespace vrtc_test
