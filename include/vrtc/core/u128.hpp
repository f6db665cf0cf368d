// vrtc: unsigned 128-bit integer for exact fixed-point time arithmetic, constexpr.
//
// Two implementations with one interface: basic_u128<true> wraps the compiler's
// unsigned __int128 (only defined when VRTC_HAS_INT128), basic_u128<false> is a portable pair of
// uint64_t words. `u128` names the fast one; both are always tested against each other.
//
// Arithmetic is modulo 2^128, like the built-in unsigned types; callers that must not wrap
// check for it (a + b < a). Unlike the built-in shifts, << and >> are defined for every count:
// a count of 128 or more gives 0.
#pragma once

#include <compare>
#include <cstdint>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

template <bool Intrinsic>
class basic_u128;

/// Quotient and remainder of a 128-by-64-bit division.
template <class U128>
struct u128_divmod_result {
  U128 quotient;
  std::uint64_t remainder;
};

/// Portable implementation: two 64-bit words, schoolbook multiplication and long division.
template <>
class basic_u128<false> {
 public:
  constexpr basic_u128() noexcept = default;
  constexpr basic_u128(std::uint64_t v) noexcept : lo_(v) {}  // NOLINT: widening, like the built-ins

  [[nodiscard]] static constexpr basic_u128 from_halves(std::uint64_t hi, std::uint64_t lo) noexcept {
    basic_u128 r;
    r.hi_ = hi;
    r.lo_ = lo;
    return r;
  }

  /// The full 128-bit product of two 64-bit values (never wraps).
  [[nodiscard]] static constexpr basic_u128 mul(std::uint64_t a, std::uint64_t b) noexcept {
    constexpr std::uint64_t mask32 = 0xffff'ffffu;
    const std::uint64_t a_lo = a & mask32, a_hi = a >> 32;
    const std::uint64_t b_lo = b & mask32, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo;
    const std::uint64_t hi_lo = a_hi * b_lo;
    const std::uint64_t lo_hi = a_lo * b_hi;
    const std::uint64_t hi_hi = a_hi * b_hi;
    // Sum of the three terms that meet in bits 32..95; each is < 2^64 and the sum < 3 * 2^64,
    // so split the cross terms to keep every partial sum in 64 bits.
    const std::uint64_t middle = (lo_lo >> 32) + (hi_lo & mask32) + (lo_hi & mask32);
    return from_halves(hi_hi + (hi_lo >> 32) + (lo_hi >> 32) + (middle >> 32), (middle << 32) | (lo_lo & mask32));
  }

  [[nodiscard]] constexpr std::uint64_t hi() const noexcept { return hi_; }
  [[nodiscard]] constexpr std::uint64_t lo() const noexcept { return lo_; }

  friend constexpr basic_u128 operator+(basic_u128 a, basic_u128 b) noexcept {
    const std::uint64_t lo = a.lo_ + b.lo_;
    return from_halves(a.hi_ + b.hi_ + (lo < a.lo_ ? 1u : 0u), lo);
  }
  friend constexpr basic_u128 operator-(basic_u128 a, basic_u128 b) noexcept {
    return from_halves(a.hi_ - b.hi_ - (a.lo_ < b.lo_ ? 1u : 0u), a.lo_ - b.lo_);
  }
  /// Low 128 bits of a * b.
  friend constexpr basic_u128 operator*(basic_u128 a, std::uint64_t b) noexcept {
    basic_u128 r = mul(a.lo_, b);
    r.hi_ += a.hi_ * b;
    return r;
  }
  friend constexpr basic_u128 operator<<(basic_u128 a, unsigned n) noexcept {
    if (n >= 128) return {};
    if (n >= 64) return from_halves(a.lo_ << (n - 64), 0);
    if (n == 0) return a;
    return from_halves((a.hi_ << n) | (a.lo_ >> (64 - n)), a.lo_ << n);
  }
  friend constexpr basic_u128 operator>>(basic_u128 a, unsigned n) noexcept {
    if (n >= 128) return {};
    if (n >= 64) return basic_u128(a.hi_ >> (n - 64));
    if (n == 0) return a;
    return from_halves(a.hi_ >> n, (a.lo_ >> n) | (a.hi_ << (64 - n)));
  }
  friend constexpr basic_u128 operator&(basic_u128 a, basic_u128 b) noexcept {
    return from_halves(a.hi_ & b.hi_, a.lo_ & b.lo_);
  }
  friend constexpr basic_u128 operator|(basic_u128 a, basic_u128 b) noexcept {
    return from_halves(a.hi_ | b.hi_, a.lo_ | b.lo_);
  }

  /// n / d and n % d. Precondition: d != 0.
  [[nodiscard]] static constexpr u128_divmod_result<basic_u128> divmod(basic_u128 n, std::uint64_t d) noexcept {
    const std::uint64_t q_hi = n.hi_ / d;
    std::uint64_t r = n.hi_ % d;
    std::uint64_t q_lo = 0;
    // Long division of (r, lo) by d one bit at a time; r < d throughout, so 2r + 1 may need a
    // 65th bit, which `carry` holds (and then the subtraction is certainly due).
    for (int bit = 63; bit >= 0; --bit) {
      const bool carry = (r >> 63) != 0;
      r = (r << 1) | ((n.lo_ >> bit) & 1u);
      if (carry || r >= d) {
        r -= d;
        q_lo |= std::uint64_t{1} << bit;
      }
    }
    return {from_halves(q_hi, q_lo), r};
  }

  friend constexpr bool operator==(basic_u128, basic_u128) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(basic_u128 a, basic_u128 b) noexcept {
    if (a.hi_ != b.hi_) return a.hi_ <=> b.hi_;
    return a.lo_ <=> b.lo_;
  }

 private:
  std::uint64_t hi_ = 0;
  std::uint64_t lo_ = 0;
};

#if VRTC_HAS_INT128
/// Intrinsic implementation: the compiler's unsigned __int128 (one MUL instruction on x86-64).
template <>
class basic_u128<true> {
  __extension__ typedef unsigned __int128 native;

 public:
  constexpr basic_u128() noexcept = default;
  constexpr basic_u128(std::uint64_t v) noexcept : v_(v) {}  // NOLINT: widening, like the built-ins

  [[nodiscard]] static constexpr basic_u128 from_halves(std::uint64_t hi, std::uint64_t lo) noexcept {
    return from_native((native{hi} << 64) | lo);
  }
  [[nodiscard]] static constexpr basic_u128 mul(std::uint64_t a, std::uint64_t b) noexcept {
    return from_native(native{a} * b);
  }

  [[nodiscard]] constexpr std::uint64_t hi() const noexcept { return static_cast<std::uint64_t>(v_ >> 64); }
  [[nodiscard]] constexpr std::uint64_t lo() const noexcept { return static_cast<std::uint64_t>(v_); }

  friend constexpr basic_u128 operator+(basic_u128 a, basic_u128 b) noexcept { return from_native(a.v_ + b.v_); }
  friend constexpr basic_u128 operator-(basic_u128 a, basic_u128 b) noexcept { return from_native(a.v_ - b.v_); }
  friend constexpr basic_u128 operator*(basic_u128 a, std::uint64_t b) noexcept { return from_native(a.v_ * b); }
  friend constexpr basic_u128 operator<<(basic_u128 a, unsigned n) noexcept {
    return n >= 128 ? basic_u128{} : from_native(a.v_ << n);
  }
  friend constexpr basic_u128 operator>>(basic_u128 a, unsigned n) noexcept {
    return n >= 128 ? basic_u128{} : from_native(a.v_ >> n);
  }
  friend constexpr basic_u128 operator&(basic_u128 a, basic_u128 b) noexcept { return from_native(a.v_ & b.v_); }
  friend constexpr basic_u128 operator|(basic_u128 a, basic_u128 b) noexcept { return from_native(a.v_ | b.v_); }

  /// n / d and n % d. Precondition: d != 0.
  [[nodiscard]] static constexpr u128_divmod_result<basic_u128> divmod(basic_u128 n, std::uint64_t d) noexcept {
    return {from_native(n.v_ / d), static_cast<std::uint64_t>(n.v_ % d)};
  }

  friend constexpr bool operator==(basic_u128 a, basic_u128 b) noexcept { return a.v_ == b.v_; }
  // The relational operators directly, not rewritten through <=>: GCC does not fold
  // `(a <=> b) < 0` back into one 128-bit comparison.
  friend constexpr bool operator<(basic_u128 a, basic_u128 b) noexcept { return a.v_ < b.v_; }
  friend constexpr bool operator>(basic_u128 a, basic_u128 b) noexcept { return a.v_ > b.v_; }
  friend constexpr bool operator<=(basic_u128 a, basic_u128 b) noexcept { return a.v_ <= b.v_; }
  friend constexpr bool operator>=(basic_u128 a, basic_u128 b) noexcept { return a.v_ >= b.v_; }
  friend constexpr std::strong_ordering operator<=>(basic_u128 a, basic_u128 b) noexcept {
    return a.v_ == b.v_ ? std::strong_ordering::equal
                        : (a.v_ < b.v_ ? std::strong_ordering::less : std::strong_ordering::greater);
  }

 private:
  static constexpr basic_u128 from_native(native v) noexcept {
    basic_u128 r;
    r.v_ = v;
    return r;
  }
  native v_ = 0;
};
#endif

/// The portable implementation, always available (tests and fuzzers compare against it).
using portable_u128 = basic_u128<false>;

/// The fastest implementation this compiler offers.
using u128 = basic_u128<VRTC_HAS_INT128 != 0>;

VRTC_END_NAMESPACE
