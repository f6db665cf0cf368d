// Fuzz target: the device side of a split virtqueue over guest memory the fuzzer writes.
//
// Guest memory is two adjacent regions, each its own heap allocation of exactly its size, so
// AddressSanitizer sees any access outside them. The fuzzer's bytes are the queue's
// configuration, then the contents of both regions: descriptor table, rings, indirect tables
// and buffers alike. For every chain the device pops, an independent reference walk of the
// same memory (visited sets instead of counting, no early exits) predicts whether the chain is
// valid and how many bytes it offers each way; the device must agree, stay broken with the
// same error after a failure, never gather or scatter more than the chain offers, and never
// accept a used length above what it wrote.
#include <vrtc/roles/virtqueue.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <vector>

#include "fuzz_input.hpp"

using vrtc_fuzz::require;

namespace {

constexpr std::uint64_t base = 0x10000;
constexpr std::size_t first_size = 4096, second_size = 512;
constexpr std::uint64_t desc_addr = base, avail_addr = base + 0x400, used_addr = base + 0x600;

struct walk_result {
  bool ok = false;
  std::uint64_t readable = 0, writable = 0;
  bool any_readable = false;  // a readable descriptor, even an empty one
};

// The reference: a chain is valid when every descriptor it reaches is inside its table, no
// descriptor repeats, each buffer lies in guest memory, readable buffers come first, at most
// one indirect table ends the chain (with the feature, without NEXT, not nested, a non-zero
// multiple of 16 bytes, inside one region), and the buffers add up to at most 2^32 - 1.
struct reference {
  const vrtc::guest_memory& memory;
  bool indirect_feature;

  std::optional<vrtc::virtq::descriptor> read(std::uint64_t addr) const {
    std::array<std::byte, 16> raw{};
    if (!memory.read(addr, raw)) return std::nullopt;
    return vrtc::virtq::decode_descriptor(raw);
  }

  walk_result walk(std::uint64_t table, std::uint32_t entries, std::uint32_t index, bool in_indirect) const {
    walk_result r;
    bool seen_writable = false;
    std::set<std::uint32_t> visited;
    while (true) {
      if (index >= entries || !visited.insert(index).second) return {};
      const auto d = read(table + 16ULL * index);
      if (!d) return {};
      if (d->flags & vrtc::virtq::desc_f_indirect) {
        if (in_indirect || !indirect_feature || (d->flags & vrtc::virtq::desc_f_next)) return {};
        if (d->len == 0 || d->len % 16 != 0 || memory.translate(d->addr, d->len) == nullptr) return {};
        const walk_result inner = walk(d->addr, d->len / 16, 0, true);
        if (!inner.ok || (seen_writable && inner.any_readable)) return {};
        r.readable += inner.readable;
        r.writable += inner.writable;
        r.ok = r.readable + r.writable <= UINT32_MAX;
        return r;
      }
      const bool w = (d->flags & vrtc::virtq::desc_f_write) != 0;
      if (!w && seen_writable) return {};
      seen_writable = seen_writable || w;
      r.any_readable = r.any_readable || !w;
      (w ? r.writable : r.readable) += d->len;
      if (r.readable + r.writable > UINT32_MAX || !memory.contains(d->addr, d->len)) return {};
      if (!(d->flags & vrtc::virtq::desc_f_next)) {
        r.ok = true;
        return r;
      }
      index = d->next;
    }
  }
};

std::uint16_t load16(const vrtc::guest_memory& m, std::uint64_t addr) {
  std::array<std::byte, 2> b{};
  require(m.read(addr, b));
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(b[0]) | std::to_integer<unsigned>(b[1]) << 8);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const auto queue_size = static_cast<std::uint16_t>(1U << (data[0] % 6));  // 1 to 32
  const bool indirect = (data[1] & 1) != 0, event_idx = (data[1] & 2) != 0;
  const auto next_avail = static_cast<std::uint16_t>(data[2] | data[3] << 8);
  data += 4;
  size -= 4;

  std::vector<std::byte> first(first_size), second(second_size);
  const std::size_t n1 = size < first_size ? size : first_size;
  std::memcpy(first.data(), data, n1);
  if (size > n1) std::memcpy(second.data(), data + n1, size - n1 < second_size ? size - n1 : second_size);
  const std::array<vrtc::memory_region, 2> regions{{{base + first_size, second_size, second.data()},
                                                    {base, first_size, first.data()}}};
  const vrtc::guest_memory memory(regions);
  const vrtc::queue_config config{queue_size, desc_addr, avail_addr, used_addr, indirect, event_idx};
  auto made = vrtc::split_queue::make(memory, config, next_avail);
  if (!made) return 0;  // std::vector's alignment always suffices for this layout
  vrtc::split_queue& q = *made;
  const reference ref{memory, indirect};

  std::array<std::byte, 64> gathered{};
  std::array<std::byte, 64> response{};
  for (std::size_t i = 0; i < response.size(); ++i) response[i] = static_cast<std::byte>(i);

  for (int round = 0; round < 40; ++round) {
    // What the reference expects of the next pop, from memory as it is now.
    const std::uint16_t avail_idx = load16(memory, avail_addr + 2);
    const auto waiting = static_cast<std::uint16_t>(avail_idx - q.next_avail());
    std::optional<walk_result> expect;
    if (waiting > 0 && waiting <= queue_size) {
      const std::uint16_t head = load16(memory, avail_addr + 4 + 2ULL * (q.next_avail() % queue_size));
      expect = ref.walk(desc_addr, queue_size, head, false);
    }

    const std::size_t want = static_cast<std::size_t>(round * 7) % (gathered.size() + 1);
    const auto popped = q.pop(std::span<std::byte>(gathered.data(), want));
    if (!popped) {
      require(waiting > queue_size || (expect && !expect->ok));
      require(q.broken() == popped.error());
      require(q.pop() == popped.error());
      require(q.push(vrtc::descriptor_chain{}, 0) == popped.error());
      return 0;
    }
    if (!popped->has_value()) {
      require(waiting == 0);
      return 0;
    }
    const vrtc::descriptor_chain& chain = **popped;
    require(waiting > 0 && waiting <= queue_size && expect && expect->ok);
    require(chain.readable == expect->readable && chain.writable == expect->writable);
    require(chain.gathered == (chain.readable < want ? chain.readable : want));

    // Scattering may overwrite the rings and descriptors themselves: the device walks again
    // and checks again, so it may now find the chain broken.
    const std::size_t len = static_cast<std::size_t>(round * 13) % (response.size() + 1);
    const auto written = q.scatter(chain, std::span<const std::byte>(response.data(), len));
    if (!written) {
      require(q.broken() == written.error());
      return 0;
    }
    require(*written <= len);
    if (chain.writable < UINT32_MAX) require(q.push(chain, chain.writable + 1) == vrtc::errc::invalid_argument);
    const auto pushed = q.push(chain, *written);
    require(pushed.has_value());
  }
  return 0;
}
