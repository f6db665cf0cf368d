// Tests for include/vrtc/core/bytes.hpp (result<T, E>: result_test.cpp).
#include <vrtc/core/bytes.hpp>

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

namespace {

using vrtc::load_le;
using vrtc::store_le;

constexpr std::array<std::byte, 8> seq{std::byte{0x01}, std::byte{0x02}, std::byte{0x03}, std::byte{0x04},
                                       std::byte{0x05}, std::byte{0x06}, std::byte{0x07}, std::byte{0x08}};

constexpr bool loads_are_little_endian() {
  return load_le<std::uint8_t>(seq, 7) == 0x08 && load_le<std::uint16_t>(seq, 0) == 0x0201 &&
         load_le<std::uint32_t>(seq, 1) == 0x05040302 && load_le<std::uint64_t>(seq, 0) == 0x0807060504030201;
}

constexpr bool stores_round_trip() {
  std::array<std::byte, 16> b{};
  store_le<std::uint64_t>(b, 3, 0xfedcba9876543210);
  store_le<std::uint16_t>(b, 12, 0xbeef);
  return b[3] == std::byte{0x10} && b[10] == std::byte{0xfe} && b[11] == std::byte{0} &&
         b[12] == std::byte{0xef} && b[13] == std::byte{0xbe} &&
         load_le<std::uint64_t>(b, 3) == 0xfedcba9876543210;
}

constexpr bool signed_round_trip() {
  std::array<std::byte, 2> b{};
  vrtc::store_le_signed<std::int16_t>(b, 0, -37);
  return b[0] == std::byte{0xdb} && b[1] == std::byte{0xff} && vrtc::load_le_signed<std::int16_t>(b, 0) == -37;
}

constexpr bool fits_never_overflows() {
  constexpr auto max = std::numeric_limits<std::size_t>::max();
  return vrtc::fits(16, 8, 8) && !vrtc::fits(16, 8, 9) && !vrtc::fits(16, 17, 0) && vrtc::fits(16, 16, 0) &&
         !vrtc::fits(16, max, 2) && !vrtc::fits(16, 2, max) && !vrtc::fits(max - 1, max - 2, 2);
}

}  // namespace

TEST_CASE("little-endian loads and stores, at compile time and at run time", "[bytes]") {
  STATIC_REQUIRE(loads_are_little_endian());
  STATIC_REQUIRE(stores_round_trip());
  STATIC_REQUIRE(signed_round_trip());
  REQUIRE(loads_are_little_endian());
  REQUIRE(stores_round_trip());
  REQUIRE(signed_round_trip());
}

TEST_CASE("runtime loads agree with memcpy on a little-endian host", "[bytes]") {
  if constexpr (std::endian::native == std::endian::little) {
    std::uint64_t v = 0;
    std::memcpy(&v, seq.data(), sizeof v);
    REQUIRE(load_le<std::uint64_t>(seq, 0) == v);
  }
  REQUIRE(vrtc::byteswap<std::uint32_t>(0x11223344) == 0x44332211);
  REQUIRE(vrtc::byteswap<std::uint16_t>(0x1122) == 0x2211);
}

TEST_CASE("bounds checks cannot overflow", "[bytes]") {
  STATIC_REQUIRE(fits_never_overflows());
  REQUIRE(fits_never_overflows());
  REQUIRE(vrtc::all_zero(std::array<std::byte, 4>{}, 0, 4));
  REQUIRE_FALSE(vrtc::all_zero(seq, 0, 1));
}
