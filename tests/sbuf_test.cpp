// Tests for include/vrtc/format/sbuf.hpp. Header bytes are written by hand from the ACRN layout
// (magic 0x5aa57aa71aa13aa3 at 0, ele_num 8, ele_size 12, head 16, tail 20, flags 24,
// overrun_cnt 32, size 36; 64-byte header). A 4096-byte page of 32-byte elements holds
// (4096 - 64) / 32 = 126 slots, size 4032, so 125 elements fit.
#include <vrtc/format/sbuf.hpp>
#include <vrtc/format/vm_event.hpp>

#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>

using vrtc::sbuf_consumer;
using vrtc::sbuf_producer;
namespace off = vrtc::sbuf_offset;

namespace {

struct page {
  alignas(64) std::array<std::byte, 4096> bytes{};
  std::span<std::byte> span() { return bytes; }
  void put32(std::size_t at, std::uint32_t v) { vrtc::store_le<std::uint32_t>(bytes, at, v); }
  std::uint32_t get32(std::size_t at) const { return vrtc::load_le<std::uint32_t>(bytes, at); }
};

std::array<std::byte, 32> element(std::uint32_t n) {
  std::array<std::byte, 32> e{};
  for (std::size_t i = 0; i < e.size(); ++i) e[i] = static_cast<std::byte>((n * 31 + i) & 0xff);
  vrtc::store_le<std::uint32_t>(e, 0, n);
  return e;
}

}  // namespace

TEST_CASE("init writes ACRN's header for a 4 KiB page of 32-byte elements", "[sbuf]") {
  page p;
  p.bytes.fill(std::byte{0xee});
  const auto g = vrtc::sbuf_init(p.span(), 32);
  REQUIRE(g.has_value());
  REQUIRE(g->ele_num == 126);
  REQUIRE(g->size == 4032);
  REQUIRE(g->capacity() == 125);
  const std::array<unsigned, 64> expected{
      0xa3, 0x3a, 0xa1, 0x1a, 0xa7, 0x7a, 0xa5, 0x5a,  // magic
      126,  0,    0,    0,                             // ele_num
      32,   0,    0,    0,                             // ele_size
      0,    0,    0,    0,    0,    0,    0,    0,     // head, tail
      0,    0,    0,    0,    0,    0,    0,    0,     // flags, reserved
      0,    0,    0,    0,                             // overrun_cnt
      0xc0, 0x0f, 0,    0,                             // size 4032
  };
  for (std::size_t i = 0; i < 64; ++i) REQUIRE(std::to_integer<unsigned>(p.bytes[i]) == expected[i]);
  REQUIRE(vrtc::sbuf_init(p.span(), 0) == vrtc::errc::invalid_argument);
  REQUIRE(vrtc::sbuf_init(p.span().first(64 + 63), 32) == vrtc::errc::buffer_too_small);
  REQUIRE(vrtc::sbuf_init(p.span().first(63), 32) == vrtc::errc::buffer_too_small);
}

TEST_CASE("elements come out in order and the ring fills at ele_num - 1", "[sbuf]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.span(), 32).has_value());
  auto prod = sbuf_producer::attach(p.span(), 32).value();
  auto cons = sbuf_consumer::attach(p.span(), 32).value();
  std::array<std::byte, 32> out{};
  REQUIRE(cons.pop(out) == vrtc::errc::ring_empty);
  for (std::uint32_t i = 0; i < 125; ++i) REQUIRE(prod.push(element(i)).has_value());
  REQUIRE(cons.available().value() == 125);
  REQUIRE(prod.push(element(999)) == vrtc::errc::ring_full);
  REQUIRE(prod.push(element(999)) == vrtc::errc::ring_full);
  REQUIRE(prod.dropped() == 2);
  REQUIRE(cons.overrun_count() == 0);  // OVERRUN_CNT_EN not set
  REQUIRE(p.get32(off::tail) == 125 * 32);  // one slot short of wrapping to head 0
  for (std::uint32_t i = 0; i < 125; ++i) {
    REQUIRE(cons.pop(out).has_value());
    REQUIRE(out == element(i));
  }
  REQUIRE(cons.pop(out) == vrtc::errc::ring_empty);
  REQUIRE(p.get32(off::head) == 125 * 32);
}

TEST_CASE("offsets wrap at a size that is not a power of two", "[sbuf]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.span(), 32).has_value());
  auto prod = sbuf_producer::attach(p.span(), 32).value();
  auto cons = sbuf_consumer::attach(p.span(), 32).value();
  std::array<std::byte, 32> out{};
  std::uint32_t next_in = 0;
  std::uint32_t next_out = 0;
  // Keep between 0 and 7 elements in flight for many trips round the 126 slots.
  for (int round = 0; round < 2000; ++round) {
    const int pushes = round % 7;
    for (int i = 0; i < pushes; ++i) REQUIRE(prod.push(element(next_in++)).has_value());
    while (cons.pop(out).has_value()) REQUIRE(out == element(next_out++));
    REQUIRE(p.get32(off::head) == p.get32(off::tail));
    REQUIRE(p.get32(off::head) == (next_out % 126) * 32);
  }
  REQUIRE(next_in == next_out);
  REQUIRE(next_in > 10 * 126);
}

TEST_CASE("with OVERRUN_CNT_EN the producer counts drops in the header", "[sbuf]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.span().first(64 + 3 * 16), 16, vrtc::sbuf_flag::overrun_count).has_value());
  auto prod = sbuf_producer::attach(p.span(), 16).value();
  auto cons = sbuf_consumer::attach(p.span(), 16).value();
  const std::array<std::byte, 16> e{};
  REQUIRE(prod.push(e).has_value());
  REQUIRE(prod.push(e).has_value());
  for (int i = 0; i < 5; ++i) REQUIRE(prod.push(e) == vrtc::errc::ring_full);
  REQUIRE(cons.overrun_count() == 5);
  REQUIRE(p.get32(off::overrun_cnt) == 5);
  // The 32-bit header counter wraps; the local count does not.
  p.put32(off::overrun_cnt, 0xffffffff);
  REQUIRE(prod.push(e) == vrtc::errc::ring_full);
  REQUIRE(cons.overrun_count() == 0);
  REQUIRE(prod.dropped() == 6);
}

TEST_CASE("corrupt geometry is refused at attach", "[sbuf]") {
  const auto attach_err = [](page& p, std::uint32_t ele_size = 32) {
    const auto a = sbuf_producer::attach(p.span(), ele_size);
    const auto b = sbuf_consumer::attach(p.span(), ele_size);
    REQUIRE(a.has_value() == b.has_value());
    return a.has_value() ? vrtc::errc{} : a.error();
  };
  page p;
  REQUIRE(vrtc::sbuf_init(p.span(), 32).has_value());
  REQUIRE(attach_err(p) == vrtc::errc{});
  REQUIRE(attach_err(p, 16) == vrtc::errc::corrupt_header);  // element size we do not expect
  REQUIRE(attach_err(p, 0) == vrtc::errc::invalid_argument);

  SECTION("bad magic") {
    p.bytes[7] = std::byte{0};
    REQUIRE(attach_err(p) == vrtc::errc::corrupt_header);
  }
  SECTION("size disagrees with ele_num * ele_size") {
    p.put32(off::size, 4000);
    REQUIRE(attach_err(p) == vrtc::errc::corrupt_header);
  }
  SECTION("ele_num * ele_size overflows 32 bits") {
    p.put32(off::ele_num, 0x08000001);  // * 32 = 2^32 + 32: truncates to 32
    p.put32(off::size, 32);
    REQUIRE(attach_err(p) == vrtc::errc::corrupt_header);
  }
  SECTION("element area beyond the memory") {
    p.put32(off::ele_num, 127);
    p.put32(off::size, 127 * 32);
    REQUIRE(attach_err(p) == vrtc::errc::corrupt_header);
  }
  SECTION("zero elements") {
    p.put32(off::ele_num, 0);
    p.put32(off::size, 0);
    REQUIRE(attach_err(p) == vrtc::errc::corrupt_header);
  }
  SECTION("misaligned memory") {
    REQUIRE(sbuf_producer::attach(p.span().subspan(4), 32) == vrtc::errc::invalid_argument);
    REQUIRE(sbuf_consumer::attach(p.span().subspan(4), 32) == vrtc::errc::invalid_argument);
  }
  SECTION("memory shorter than a header") {
    REQUIRE(vrtc::sbuf_validate(p.span().first(63), 32) == vrtc::errc::invalid_argument);
  }
}

TEST_CASE("corrupt head or tail written after attach is detected on every operation", "[sbuf]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.span(), 32).has_value());
  auto prod = sbuf_producer::attach(p.span(), 32).value();
  auto cons = sbuf_consumer::attach(p.span(), 32).value();
  std::array<std::byte, 32> out{};
  REQUIRE(prod.push(element(1)).has_value());

  for (const std::size_t field : {off::head, off::tail}) {
    for (const std::uint32_t bad : {4032U, 4064U, 33U, 0xffffffe0U, 0xffffffffU}) {
      const std::uint32_t saved = p.get32(field);
      p.put32(field, bad);
      REQUIRE(prod.push(element(2)) == vrtc::errc::corrupt_header);
      REQUIRE(cons.pop(out) == vrtc::errc::corrupt_header);
      REQUIRE(cons.available() == vrtc::errc::corrupt_header);
      p.put32(field, saved);
    }
  }
  // Changing ele_size or size after attach has no effect: geometry is cached.
  p.put32(off::ele_size, 0x7fffffff);
  p.put32(off::size, 0xffffffff);
  REQUIRE(cons.pop(out).has_value());
  REQUIRE(out == element(1));
}

TEST_CASE("wrong element and output sizes are argument errors", "[sbuf]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.span(), 32).has_value());
  auto prod = sbuf_producer::attach(p.span(), 32).value();
  auto cons = sbuf_consumer::attach(p.span(), 32).value();
  std::array<std::byte, 33> big{};
  std::array<std::byte, 31> small{};
  REQUIRE(prod.push(big) == vrtc::errc::invalid_argument);
  REQUIRE(prod.push(small) == vrtc::errc::invalid_argument);
  REQUIRE(prod.push(element(5)).has_value());
  REQUIRE(cons.pop(small) == vrtc::errc::buffer_too_small);
  REQUIRE(cons.pop(big).has_value());  // a larger buffer receives the first 32 bytes
}

TEST_CASE("validate is usable in constant expressions", "[sbuf]") {
  constexpr auto check = [] {
    std::array<std::byte, 64 + 4 * 8> mem{};
    if (!vrtc::sbuf_init(mem, 8)) return false;
    const auto g = vrtc::sbuf_validate(mem, 8);
    return g.has_value() && g->ele_num == 4 && g->size == 32;
  };
  STATIC_REQUIRE(check());
}

TEST_CASE("RTC change events travel through a vm_event page, 125 at a time", "[sbuf]") {
  page p;
  REQUIRE(vrtc::sbuf_init(p.span(), vrtc::vm_event_size, vrtc::sbuf_flag::overrun_count).has_value());
  auto prod = sbuf_producer::attach(p.span(), vrtc::vm_event_size).value();
  auto cons = sbuf_consumer::attach(p.span(), vrtc::vm_event_size).value();
  for (std::int64_t i = 0; i < 130; ++i)
    (void)prod.push(vrtc::encode_vm_event(vrtc::make_rtc_change_event({946684800 + i, -i})));
  REQUIRE(prod.dropped() == 5);
  REQUIRE(cons.overrun_count() == 5);
  std::array<std::byte, vrtc::vm_event_size> out{};
  for (std::int64_t i = 0; i < 125; ++i) {
    REQUIRE(cons.pop(out).has_value());
    const auto e = vrtc::decode_vm_event(out);
    REQUIRE(e.has_value());
    REQUIRE(vrtc::rtc_change_data_of(*e).value() == vrtc::rtc_change_data{946684800 + i, -i});
  }
  REQUIRE(cons.pop(out) == vrtc::errc::ring_empty);
}
