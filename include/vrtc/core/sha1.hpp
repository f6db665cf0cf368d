// vrtc: SHA-1 (FIPS 180-4), small and constexpr, for the integrity hash of the leap-second list
// (leap_table.hpp). Not for security: the list's hash guards against truncation and corruption.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

/// The 160-bit digest, most significant byte first (as it is printed).
using sha1_digest = std::array<std::uint8_t, 20>;

/// Incremental SHA-1: update() any number of times, then digest() once.
class sha1 {
 public:
  constexpr sha1() noexcept = default;

  constexpr void update(std::string_view bytes) noexcept {
    for (const char c : bytes) add(static_cast<std::uint8_t>(c));
  }

  /// The digest of everything added; the object is spent afterwards.
  [[nodiscard]] constexpr sha1_digest digest() noexcept {
    const std::uint64_t bits = length_ * 8;  // the length is counted before the padding
    add(0x80);
    while (used_ != 56) add(0x00);
    for (int i = 7; i >= 0; --i) add(static_cast<std::uint8_t>(bits >> (8 * i)));
    sha1_digest out{};
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<std::uint8_t>(h_[i] >> (24 - 8 * b));
    return out;
  }

 private:
  constexpr void add(std::uint8_t byte) noexcept {
    block_[used_++] = byte;
    ++length_;
    if (used_ == 64) {
      compress();
      used_ = 0;
    }
  }

  constexpr void compress() noexcept {
    std::array<std::uint32_t, 80> w{};
    for (std::size_t t = 0; t < 16; ++t)
      w[t] = std::uint32_t{block_[4 * t]} << 24 | std::uint32_t{block_[4 * t + 1]} << 16 |
             std::uint32_t{block_[4 * t + 2]} << 8 | std::uint32_t{block_[4 * t + 3]};
    for (std::size_t t = 16; t < 80; ++t) w[t] = std::rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
    for (std::size_t t = 0; t < 80; ++t) {
      std::uint32_t f = 0;
      std::uint32_t k = 0;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const std::uint32_t temp = std::rotl(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = std::rotl(b, 30);
      b = a;
      a = temp;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
  }

  std::array<std::uint32_t, 5> h_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  std::array<std::uint8_t, 64> block_{};
  std::size_t used_ = 0;
  std::uint64_t length_ = 0;
};

/// SHA-1 of `bytes` in one call.
[[nodiscard]] constexpr sha1_digest sha1_of(std::string_view bytes) noexcept {
  sha1 h;
  h.update(bytes);
  return h.digest();
}

VRTC_END_NAMESPACE
