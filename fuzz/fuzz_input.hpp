// Helpers shared by the fuzz targets: reading typed values out of the fuzzer's bytes, and
// stopping on a violated invariant (__builtin_trap, which NDEBUG cannot remove).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vrtc_fuzz {

/// The little-endian 64-bit word at `offset`; bytes past the end of the input read as zero.
inline std::uint64_t word(const std::uint8_t* data, std::size_t size, std::size_t offset) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    if (offset + i < size) v |= std::uint64_t{data[offset + i]} << (8 * i);
  }
  return v;
}

inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace vrtc_fuzz
