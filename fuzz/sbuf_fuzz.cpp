// Fuzz target: sbuf rings with arbitrary headers and arbitrary operation sequences,
// including a peer that scribbles over the header between operations. The memory is an
// exactly sized heap block, so any access outside it is caught by AddressSanitizer.
// Invariants, checked with __builtin_trap():
//  1. A header that attaches has size == ele_num * ele_size and fits the memory.
//  2. Every operation returns success or one of its documented errors.
//  3. While the header is only touched through the API (a ring made by sbuf_init), push, pop
//     and available() behave exactly like a bounded FIFO of ele_num - 1 elements, pop returns
//     the bytes pushed, and drops are counted (also in overrun_cnt when enabled).
//
// Input: byte 0 memory size (8 * (8 + b) bytes), byte 1 element size (1 + b % 48), byte 2
// mode (bit 0 sbuf_init, else a raw header from the next 64 bytes; bit 1 OVERRUN_CNT_EN;
// bit 2 force the magic; bit 3 force ele_size and a consistent size), then operations:
// op % 4 = 0 push, 1 pop, 2 peer writes 4 bytes [off, b0..b3] to the header, 3 available.
#include <vrtc/format/sbuf.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <span>

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::uint32_t max_ele_size = 48;
using element_bytes = std::array<std::byte, max_ele_size>;

// The first ele_size bytes of element number `seq` (the rest stay zero).
element_bytes element(std::uint32_t ele_size, std::uint32_t seq) {
  element_bytes e{};
  for (std::uint32_t i = 0; i < ele_size; ++i) e[i] = static_cast<std::byte>((seq * 131U + i * 7U) & 0xffU);
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t n = 8 * (8 + std::size_t{data[0]});
  const std::uint32_t ele_size = 1 + data[1] % max_ele_size;
  const std::uint8_t mode = data[2];
  std::size_t pos = 3;

  const auto storage = std::make_unique<std::uint64_t[]>(n / 8);
  const std::span<std::byte> memory(reinterpret_cast<std::byte*>(storage.get()), n);

  bool model_valid = false;
  if ((mode & 1U) != 0) {
    const std::uint32_t flags = (mode & 2U) != 0 ? vrtc::sbuf_flag::overrun_count : 0;
    const auto g = vrtc::sbuf_init(memory, ele_size, flags);
    if (!g) {
      check(g.error() == vrtc::errc::buffer_too_small);
      return 0;
    }
    check(64 + std::size_t{g->size} <= n && g->ele_num >= 2);
    model_valid = true;
  } else {
    for (std::size_t i = 0; i < 64 && pos < size; ++i) memory[i] = static_cast<std::byte>(data[pos++]);
    if ((mode & 4U) != 0) vrtc::store_le<std::uint64_t>(memory, vrtc::sbuf_offset::magic, vrtc::sbuf_magic);
    if ((mode & 8U) != 0) {
      vrtc::store_le<std::uint32_t>(memory, vrtc::sbuf_offset::ele_size, ele_size);
      const std::uint32_t num = vrtc::load_le<std::uint32_t>(memory, vrtc::sbuf_offset::ele_num) % 64U;
      vrtc::store_le<std::uint32_t>(memory, vrtc::sbuf_offset::ele_num, num);
      vrtc::store_le<std::uint32_t>(memory, vrtc::sbuf_offset::size, num * ele_size);
    }
  }

  auto prod = vrtc::sbuf_producer::attach(memory, ele_size);
  auto cons = vrtc::sbuf_consumer::attach(memory, ele_size);
  check(prod.has_value() == cons.has_value());
  if (!prod) {
    check(prod.error() == vrtc::errc::corrupt_header);
    return 0;
  }
  const vrtc::sbuf_geometry g = prod->geometry();
  check(std::uint64_t{g.ele_num} * g.ele_size == g.size && 64 + std::size_t{g.size} <= n);

  std::deque<std::uint32_t> fifo;
  std::uint32_t next_seq = 0;
  std::uint64_t drops = 0;
  element_bytes out{};
  while (pos < size) {
    const std::uint8_t op = data[pos++];
    switch (op % 4) {
      case 0: {
        const element_bytes e = element(ele_size, next_seq);
        const auto r = prod->push(std::span(e).first(ele_size));
        check(r.has_value() || r == vrtc::errc::ring_full || r == vrtc::errc::corrupt_header);
        if (model_valid) {
          const bool room = fifo.size() < g.capacity();
          check(r.has_value() == room);
          if (room) fifo.push_back(next_seq);
          else ++drops;
          check(prod->dropped() == drops);
          if ((g.flags & vrtc::sbuf_flag::overrun_count) != 0) check(cons->overrun_count() == static_cast<std::uint32_t>(drops));
          else check(cons->overrun_count() == 0);
        }
        ++next_seq;
        break;
      }
      case 1: {
        const auto r = cons->pop(std::span(out).first(ele_size));
        check(r.has_value() || r == vrtc::errc::ring_empty || r == vrtc::errc::corrupt_header);
        if (model_valid) {
          check(r.has_value() == !fifo.empty());
          if (r) {
            check(out == element(ele_size, fifo.front()));
            fifo.pop_front();
          }
        }
        break;
      }
      case 2: {
        if (pos + 5 > size) return 0;
        const std::size_t off = data[pos] % 61U;  // any offset inside the header, aligned or not
        for (std::size_t i = 0; i < 4; ++i) memory[off + i] = static_cast<std::byte>(data[pos + 1 + i]);
        pos += 5;
        model_valid = false;
        break;
      }
      default: {
        const auto r = cons->available();
        check(r.has_value() || r == vrtc::errc::corrupt_header);
        if (r) check(*r < g.ele_num);
        if (model_valid) check(r.has_value() && *r == fifo.size());
        break;
      }
    }
  }
  return 0;
}
