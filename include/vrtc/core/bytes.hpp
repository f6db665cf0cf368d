// vrtc: constexpr little-endian loads and stores at explicit offsets.
//
// Wire bytes are never overlaid with structs: every field is read and written here, at its
// offset: one byte at a time in constant evaluation, and at run time as a memcpy of the whole
// field (one unaligned machine access; a shift-or fold would also be merged into one load,
// but GCC 12 turns neighbouring folded stores into long 128-bit shift chains).
#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <utility>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

/// Unsigned fixed-width integers that appear on the wire.
template <class T>
concept wire_uint = std::same_as<T, std::uint8_t> || std::same_as<T, std::uint16_t> ||
                    std::same_as<T, std::uint32_t> || std::same_as<T, std::uint64_t>;

namespace detail {

template <wire_uint T, std::size_t... I>
[[nodiscard]] constexpr T load_le_fold(const std::byte* p, std::index_sequence<I...>) noexcept {
  return static_cast<T>(((static_cast<T>(std::to_integer<T>(p[I])) << (8 * I)) | ...));
}

template <wire_uint T, std::size_t... I>
constexpr void store_le_fold(std::byte* p, T v, std::index_sequence<I...>) noexcept {
  ((p[I] = static_cast<std::byte>(static_cast<std::uint8_t>(v >> (8 * I)))), ...);
}

}  // namespace detail

/// Byte-order reversal (std::byteswap is C++23).
template <wire_uint T>
[[nodiscard]] constexpr T byteswap(T v) noexcept {
  if constexpr (sizeof(T) == 1) return v;
  else if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(v));
  else if constexpr (sizeof(T) == 4) return __builtin_bswap32(v);
  else return __builtin_bswap64(v);
}

/// Little-endian value <-> host value (identity on little-endian hosts).
template <wire_uint T>
[[nodiscard]] constexpr T le_to_host(T v) noexcept {
  if constexpr (std::endian::native == std::endian::little) return v;
  else return byteswap(v);
}
template <wire_uint T>
[[nodiscard]] constexpr T host_to_le(T v) noexcept {
  return le_to_host(v);
}

/// Reads a little-endian T at `offset`. Precondition: offset + sizeof(T) <= bytes.size()
/// (callers check lengths once per message, not per field).
template <wire_uint T>
[[nodiscard]] constexpr T load_le(std::span<const std::byte> bytes, std::size_t offset) noexcept {
  if (std::is_constant_evaluated())
    return detail::load_le_fold<T>(bytes.data() + offset, std::make_index_sequence<sizeof(T)>{});
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return le_to_host(v);
}

/// Writes `value` little-endian at `offset`. Precondition: offset + sizeof(T) <= bytes.size().
template <wire_uint T>
constexpr void store_le(std::span<std::byte> bytes, std::size_t offset, T value) noexcept {
  if (std::is_constant_evaluated()) {
    detail::store_le_fold<T>(bytes.data() + offset, value, std::make_index_sequence<sizeof(T)>{});
    return;
  }
  const T le = host_to_le(value);
  std::memcpy(bytes.data() + offset, &le, sizeof le);
}

/// Signed little-endian two's-complement load (e.g. vmclock's tai_offset_sec).
template <std::signed_integral S>
[[nodiscard]] constexpr S load_le_signed(std::span<const std::byte> bytes, std::size_t offset) noexcept {
  using U = std::make_unsigned_t<S>;
  return std::bit_cast<S>(load_le<U>(bytes, offset));
}

/// Signed little-endian two's-complement store.
template <std::signed_integral S>
constexpr void store_le_signed(std::span<std::byte> bytes, std::size_t offset, S value) noexcept {
  using U = std::make_unsigned_t<S>;
  store_le<U>(bytes, offset, std::bit_cast<U>(value));
}

/// True when `size` bytes starting at `offset` lie inside a buffer of `buffer_size` bytes;
/// written so that no operand can overflow.
[[nodiscard]] constexpr bool fits(std::size_t buffer_size, std::size_t offset, std::size_t size) noexcept {
  return offset <= buffer_size && size <= buffer_size - offset;
}

/// True when every byte of bytes[offset, offset + size) is zero. Precondition: fits().
[[nodiscard]] constexpr bool all_zero(std::span<const std::byte> bytes, std::size_t offset,
                                      std::size_t size) noexcept {
  for (std::size_t i = 0; i < size; ++i)
    if (bytes[offset + i] != std::byte{0}) return false;
  return true;
}

VRTC_END_NAMESPACE
