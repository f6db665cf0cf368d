// Tests for include/vrtc/core/u128.hpp: known values checked at compile time on both paths, and the
// portable path compared with the intrinsic one on edge and pseudo-random operands.
#include <vrtc/core/u128.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "test_support.hpp"

namespace {

constexpr std::uint64_t max64 = UINT64_MAX;

// Known results, written by hand from the definition of 128-bit arithmetic.
template <class U>
constexpr bool known_values() {
  // (2^64 - 1)^2 = 2^128 - 2^65 + 1
  if (U::mul(max64, max64) != U::from_halves(max64 - 1, 1)) return false;
  if (U::mul(0, max64) != U{}) return false;
  if (U::mul(1u << 31, 1u << 31) != U(std::uint64_t{1} << 62)) return false;
  if (U::mul(std::uint64_t{1} << 32, std::uint64_t{1} << 32) != U::from_halves(1, 0)) return false;
  // 0x89705F4136B4A597 * 10^9 = 2^93 - 0.192993792 * 10^9 ... its high word is 2^29 - 1.
  if (U::mul(0x89705F4136B4A597u, 1'000'000'000u).hi() != (std::uint64_t{1} << 29) - 1) return false;
  // carries and borrows across the word boundary
  if (U(max64) + U(1) != U::from_halves(1, 0)) return false;
  if (U::from_halves(1, 0) - U(1) != U(max64)) return false;
  if (U{} - U(1) != U::from_halves(max64, max64)) return false;
  if (U::from_halves(max64, max64) + U(1) != U{}) return false;
  // shifts, including the counts the built-in operators leave undefined
  if ((U(1) << 127u) != U::from_halves(std::uint64_t{1} << 63, 0)) return false;
  if ((U(1) << 128u) != U{}) return false;
  if ((U::from_halves(max64, max64) >> 255u) != U{}) return false;
  if ((U::from_halves(max64, max64) >> 127u) != U(1)) return false;
  if ((U::from_halves(max64, max64) >> 64u) != U(max64)) return false;
  if ((U::from_halves(0x12, 0x3400000000000000u) >> 56u) != U(0x1234)) return false;
  if ((U(0x1234) << 0u) != U(0x1234)) return false;
  // ordering looks at the high word first
  if (!(U::from_halves(1, 0) > U(max64))) return false;
  if (!(U::from_halves(1, 5) < U::from_halves(2, 0))) return false;
  // multiplication by a word keeps the low 128 bits
  if (U::from_halves(1, 1) * 3u != U::from_halves(3, 3)) return false;
  if (U::from_halves(max64, max64) * 2u != U::from_halves(max64, max64 - 1)) return false;
  // division: 2^93 / 10^9
  const auto d = U::divmod(U(1) << 93u, 1'000'000'000u);
  if (d.quotient != U(0x89705F4136B4A597u) || d.remainder != 192'993'792u) return false;
  const auto e = U::divmod(U::from_halves(max64, max64), 1);
  if (e.quotient != U::from_halves(max64, max64) || e.remainder != 0) return false;
  const auto f = U::divmod(U::from_halves(max64, max64), max64);  // (2^128-1)/(2^64-1) = 2^64+1
  if (f.quotient != U::from_halves(1, 1) || f.remainder != 0) return false;
  return true;
}

static_assert(known_values<vrtc::portable_u128>());
static_assert(known_values<vrtc::u128>());

using vrtc_test::splitmix64;

}  // namespace

TEST_CASE("known 128-bit results hold at run time on both paths", "[u128]") {
  REQUIRE(known_values<vrtc::portable_u128>());
  REQUIRE(known_values<vrtc::u128>());
}

#if VRTC_HAS_INT128
namespace {

using P = vrtc::portable_u128;
using I = vrtc::basic_u128<true>;

std::vector<std::uint64_t> edge_words() {
  return {0, 1, 2, 3, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0x100000000u, 0x1'0000'0001u,
          0x7fffffffffffffffu, 0x8000000000000000u, 0x8000000000000001u, max64 - 1, max64};
}

bool same(P p, I i) { return p.hi() == i.hi() && p.lo() == i.lo(); }

// Every operation on (a_hi:a_lo) and (b_hi:b_lo) must give the same bits on both paths.
void check_pair(std::uint64_t a_hi, std::uint64_t a_lo, std::uint64_t b_hi, std::uint64_t b_lo) {
  INFO("a = " << a_hi << ":" << a_lo << ", b = " << b_hi << ":" << b_lo);
  const P pa = P::from_halves(a_hi, a_lo), pb = P::from_halves(b_hi, b_lo);
  const I ia = I::from_halves(a_hi, a_lo), ib = I::from_halves(b_hi, b_lo);
  REQUIRE(same(P::mul(a_lo, b_lo), I::mul(a_lo, b_lo)));
  REQUIRE(same(P::mul(a_hi, b_lo), I::mul(a_hi, b_lo)));
  REQUIRE(same(pa + pb, ia + ib));
  REQUIRE(same(pa - pb, ia - ib));
  REQUIRE(same(pa * b_lo, ia * b_lo));
  REQUIRE(same(pa & pb, ia & ib));
  REQUIRE(same(pa | pb, ia | ib));
  REQUIRE((pa == pb) == (ia == ib));
  REQUIRE((pa < pb) == (ia < ib));
  REQUIRE((pa > pb) == (ia > ib));
  REQUIRE((pa <= pb) == (ia <= ib));
  REQUIRE((pa >= pb) == (ia >= ib));
  REQUIRE((pa < pb) == ((pa <=> pb) < 0));  // the direct operators agree with <=>
  REQUIRE((ia < pb.hi()) == ((ia <=> I(pb.hi())) < 0));
  REQUIRE((pa <=> pb) == (ia <=> ib));
  if (b_lo != 0) {
    const auto pd = P::divmod(pa, b_lo);
    const auto id = I::divmod(ia, b_lo);
    REQUIRE(same(pd.quotient, id.quotient));
    REQUIRE(pd.remainder == id.remainder);
  }
}

}  // namespace

TEST_CASE("portable and intrinsic paths agree on edge operands", "[u128]") {
  const auto words = edge_words();
  for (std::uint64_t a_hi : words)
    for (std::uint64_t a_lo : words)
      for (std::uint64_t b_hi : words)
        for (std::uint64_t b_lo : words) check_pair(a_hi, a_lo, b_hi, b_lo);
}

TEST_CASE("portable and intrinsic paths agree on random operands", "[u128]") {
#ifdef VRTC_TEST_SANITIZED
  constexpr int rounds = 20'000;
#else
  constexpr int rounds = 200'000;
#endif
  splitmix64 rng{1};
  for (int i = 0; i < rounds; ++i) {
    // Mix full-width words with short ones so that carries and small divisors both occur.
    const std::uint64_t a_hi = rng(), a_lo = rng();
    const std::uint64_t b_hi = rng() >> (rng() % 64), b_lo = rng() >> (rng() % 64);
    check_pair(a_hi, a_lo, b_hi, b_lo);
  }
}

TEST_CASE("shifts agree for every count 0..255", "[u128]") {
  auto words = edge_words();
  splitmix64 rng{7};
  for (int i = 0; i < 16; ++i) words.push_back(rng());
  for (std::uint64_t hi : words) {
    for (std::uint64_t lo : words) {
      for (unsigned n = 0; n < 256; ++n) {
        INFO(hi << ":" << lo << " by " << n);
        REQUIRE(same(P::from_halves(hi, lo) << n, I::from_halves(hi, lo) << n));
        REQUIRE(same(P::from_halves(hi, lo) >> n, I::from_halves(hi, lo) >> n));
        if (n >= 128) {
          REQUIRE((P::from_halves(hi, lo) << n) == P{});
          REQUIRE((P::from_halves(hi, lo) >> n) == P{});
        }
      }
    }
  }
}
#endif

TEST_CASE("division reassembles the dividend", "[u128]") {
  // q * d + r == n and r < d, checked on the portable path alone (also where no intrinsic exists).
  splitmix64 rng{3};
  for (int i = 0; i < 20'000; ++i) {
    const auto n = vrtc::portable_u128::from_halves(rng(), rng());
    std::uint64_t d = rng() >> (rng() % 64);
    if (d == 0) d = 1;
    const auto [q, r] = vrtc::portable_u128::divmod(n, d);
    REQUIRE(r < d);
    // q * d cannot exceed n, so the 128-bit product is exact (q's high word times d is checked too).
    REQUIRE(q * d + vrtc::portable_u128(r) == n);
    REQUIRE(vrtc::portable_u128::mul(q.hi(), d).hi() == 0);
  }
}
