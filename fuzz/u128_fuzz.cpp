// Differential fuzz target for the 128-bit arithmetic: the portable two-word implementation
// must give the same bits as unsigned __int128 for every operation, and counter_to_time /
// ticks_to_nanoseconds must agree on both paths. Algebraic identities are checked too, so the
// target still finds bugs on a compiler without __int128.
//
// Input: up to 41 bytes, little-endian, missing bytes read as zero:
//   [0, 16)  a (hi word, lo word)     -> also reference.sec, reference.frac
//   [16, 32) b (hi word, lo word)     -> also reference_counter, counter
//   [32, 40) c                        -> also counter_period.frac_sec and the divisor
//   [40]     shift count (0..255)     -> also counter_period.shift
#include <vrtc/core/time.hpp>
#include <vrtc/core/u128.hpp>

#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"

namespace {

using vrtc_fuzz::require;
using vrtc_fuzz::word;

template <class U>
struct operands {
  U a, b;
  std::uint64_t c;
  unsigned shift;
};

// Results of every operation on one implementation, as plain words for comparison.
struct outcome {
  std::uint64_t words[26];
  bool flags[4];
};

template <class U>
outcome run(const operands<U>& in) {
  outcome o{};
  std::size_t n = 0;
  auto put = [&](U v) {
    o.words[n++] = v.hi();
    o.words[n++] = v.lo();
  };
  put(U::mul(in.a.lo(), in.b.lo()));
  put(U::mul(in.a.hi(), in.c));
  put(in.a + in.b);
  put(in.a - in.b);
  put(in.a * in.c);
  put(in.a << in.shift);
  put(in.a >> in.shift);
  put(in.b << (in.shift & 127u));
  put(in.b >> (in.shift & 127u));
  put(in.a & in.b);
  put(in.a | in.b);
  const auto d = U::divmod(in.a, in.c == 0 ? 1 : in.c);
  put(d.quotient);
  o.words[n++] = d.remainder;
  o.words[n++] = static_cast<std::uint64_t>((in.a <=> in.b) < 0 ? 0 : (in.a <=> in.b) == 0 ? 1 : 2);
  o.flags[0] = in.a == in.b;
  o.flags[1] = in.a < in.b;
  o.flags[2] = in.a >= in.b;
  o.flags[3] = in.a != in.b;

  // Identities that hold on any correct implementation.
  require((in.a + in.b) - in.b == in.a);
  require((in.a - in.b) + in.b == in.a);
  require((in.a < in.b) == (in.b > in.a));
  const std::uint64_t divisor = in.c == 0 ? 1 : in.c;
  require(d.remainder < divisor);
  require(d.quotient * divisor + U(d.remainder) == in.a);
  const U all_ones = U::from_halves(UINT64_MAX, UINT64_MAX);
  if (in.shift < 128) require(((in.a >> in.shift) << in.shift) == (in.a & (all_ones << in.shift)));
  else require((in.a << in.shift) == U{} && (in.a >> in.shift) == U{});
  const U product = U::mul(in.a.lo(), in.b.lo());
  if (in.b.lo() != 0) {
    const auto back = U::divmod(product, in.b.lo());
    require(back.quotient == U(in.a.lo()) && back.remainder == 0);
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint64_t a_hi = word(data, size, 0), a_lo = word(data, size, 8);
  const std::uint64_t b_hi = word(data, size, 16), b_lo = word(data, size, 24);
  const std::uint64_t c = word(data, size, 32);
  const unsigned shift = size > 40 ? data[40] : 0u;

  using P = vrtc::portable_u128;
  const outcome portable = run(operands<P>{P::from_halves(a_hi, a_lo), P::from_halves(b_hi, b_lo), c, shift});

  const vrtc::fixed_time reference{a_hi, a_lo};
  const vrtc::counter_period period{c, static_cast<std::uint8_t>(shift)};
  const auto slow = vrtc::basic_counter_to_time<P>(reference, b_hi, b_lo, period);
  const auto slow_ns = vrtc::basic_ticks_to_nanoseconds<P>(b_lo, c, period.shift);

  // Properties of the conversion itself: the direction of the delta decides the side of the
  // reference, and one more tick never goes back in time (unless the delta changes sign).
  if (slow) {
    const bool backwards = ((b_lo - b_hi) >> 63) != 0;
    require(backwards ? *slow <= reference : reference <= *slow);
    if (b_lo - b_hi != (std::uint64_t{1} << 63) - 1) {
      const auto next = vrtc::basic_counter_to_time<P>(reference, b_hi, b_lo + 1, period);
      if (next) require(*slow <= *next);
    }
  } else {
    require(slow.error() == vrtc::errc::overflow || slow.error() == vrtc::errc::invalid_shift);
  }
  require(vrtc::ns_to_frac(vrtc::frac_to_ns_floor(a_lo)) <= a_lo);

#if VRTC_HAS_INT128
  using I = vrtc::basic_u128<true>;
  const outcome intrinsic = run(operands<I>{I::from_halves(a_hi, a_lo), I::from_halves(b_hi, b_lo), c, shift});
  for (std::size_t i = 0; i < sizeof portable.words / sizeof portable.words[0]; ++i)
    require(portable.words[i] == intrinsic.words[i]);
  for (std::size_t i = 0; i < 4; ++i) require(portable.flags[i] == intrinsic.flags[i]);
  require(vrtc::basic_counter_to_time<I>(reference, b_hi, b_lo, period) == slow);
  require(vrtc::basic_ticks_to_nanoseconds<I>(b_lo, c, period.shift) == slow_ns);
#else
  (void)portable;
  (void)slow_ns;
#endif
  return 0;
}
