// Tests for include/vrtc/core/time.hpp: hand-computed cases, properties over many inputs, and both
// 128-bit paths. Golden vectors from the reference script are checked in time_vectors_test.cpp.
#include <vrtc/core/chrono.hpp>
#include <vrtc/core/time.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>

#include "test_support.hpp"

using vrtc::counter_period;
using vrtc::errc;
using vrtc::fixed_time;

namespace {

constexpr std::uint64_t max64 = UINT64_MAX;
constexpr counter_period ghz{0x89705F4136B4A597u, 29};  // 1 GHz, one tick = 1 ns (slightly less)

using vrtc_test::splitmix64;

}  // namespace

TEST_CASE("strong types do not convert implicitly", "[time]") {
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::uint64_t, vrtc::whole_seconds>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::uint64_t, vrtc::second_fraction>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::uint64_t, vrtc::nanosecond_count>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::uint64_t, vrtc::counter_ticks>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<vrtc::whole_seconds, vrtc::nanosecond_count>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<vrtc::second_fraction, vrtc::nanosecond_count>);
  STATIC_REQUIRE(std::is_trivially_copyable_v<fixed_time>);
  STATIC_REQUIRE(std::is_trivially_copyable_v<vrtc::whole_seconds>);
  STATIC_REQUIRE(vrtc::make_fixed_time(vrtc::whole_seconds(5), vrtc::second_fraction(7)) == fixed_time{5, 7});
  STATIC_REQUIRE(vrtc::seconds_of(fixed_time{5, 7}) == vrtc::whole_seconds(5));
  STATIC_REQUIRE(vrtc::fraction_of(fixed_time{5, 7}) == vrtc::second_fraction(7));
  STATIC_REQUIRE(fixed_time{1, 0} > fixed_time{0, max64});
}

TEST_CASE("fraction to nanoseconds truncates and rounds as documented", "[time]") {
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(0) == 0);
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(std::uint64_t{1} << 63) == 500'000'000);
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(std::uint64_t{1} << 62) == 250'000'000);
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(max64) == 999'999'999);
  // 2^64 / 10^9 = 18446744073.7...: 18446744073 units are just under 1 ns, 18446744074 just over.
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(18'446'744'073u) == 0);
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(18'446'744'074u) == 1);
  STATIC_REQUIRE(vrtc::frac_to_ns_round(18'446'744'073u) == 1);
  STATIC_REQUIRE(vrtc::frac_to_ns_round(9'223'372'036u) == 0);  // 0.4999999999 ns
  STATIC_REQUIRE(vrtc::frac_to_ns_round(9'223'372'037u) == 1);  // 0.5000000000 ns (just above)
  // Within half a nanosecond of the next second, rounding gives 10^9.
  STATIC_REQUIRE(vrtc::frac_to_ns_round(max64) == 1'000'000'000);
  // The threshold is 2^64 - 2^63 / 10^9 = 2^64 - 9223372036.85...
  STATIC_REQUIRE(vrtc::frac_to_ns_round(max64 - 9'223'372'035u) == 1'000'000'000);
  STATIC_REQUIRE(vrtc::frac_to_ns_round(max64 - 9'223'372'036u) == 999'999'999);
}

TEST_CASE("nanoseconds to fraction is the smallest fraction of that many nanoseconds", "[time]") {
  STATIC_REQUIRE(vrtc::ns_to_frac(0) == 0);
  STATIC_REQUIRE(vrtc::ns_to_frac(1) == 18'446'744'074u);
  STATIC_REQUIRE(vrtc::ns_to_frac(500'000'000) == std::uint64_t{1} << 63);
  STATIC_REQUIRE(vrtc::ns_to_frac(999'999'999) == max64 - 18'446'744'073u + 1);
  STATIC_REQUIRE(vrtc::to_fraction(vrtc::nanosecond_count(1'000'000'000)) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::to_fraction(vrtc::nanosecond_count(1)).value() == vrtc::second_fraction(18'446'744'074u));
  // Round trip over a dense prefix, the end of the range, and a stride through the rest.
  auto check = [](std::uint64_t ns) {
    const std::uint64_t f = vrtc::ns_to_frac(ns);
    REQUIRE(vrtc::frac_to_ns_floor(f) == ns);
    REQUIRE(vrtc::frac_to_ns_round(f) == ns);
    if (f != 0) REQUIRE(vrtc::frac_to_ns_floor(f - 1) == ns - 1);  // smallest such fraction
  };
  for (std::uint64_t ns = 0; ns < 100'000; ++ns) check(ns);
  for (std::uint64_t ns = 999'900'000; ns < 1'000'000'000; ++ns) check(ns);
  for (std::uint64_t ns = 0; ns < 1'000'000'000; ns += 9'973) check(ns);
  // And from the fraction side: ns_to_frac(floor(f)) <= f < ns_to_frac(floor(f) + 1).
  splitmix64 rng{11};
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t f = rng();
    const std::uint64_t ns = vrtc::frac_to_ns_floor(f);
    REQUIRE(vrtc::ns_to_frac(ns) <= f);
    if (ns + 1 < 1'000'000'000) REQUIRE(f < vrtc::ns_to_frac(ns + 1));
  }
}

TEST_CASE("counter to time: the 1 GHz page, forwards and backwards", "[time]") {
  constexpr fixed_time ref{1'700'000'000, 0};
  STATIC_REQUIRE(vrtc::counter_to_time(ref, 1000, 1000, ghz).value() == ref);
  // 10^9 ticks at slightly under 1 ns each: 0x89705F4136B4A597 = (2^93 - 192993792) / 10^9, so
  // 10^9 ticks are 2^64 - 192993792 / 2^29 units of 2^-64 s, truncated to 2^64 - 1.
  constexpr auto one_s = vrtc::counter_to_time(ref, 0, 1'000'000'000, ghz).value();
  STATIC_REQUIRE(one_s == fixed_time{ref.sec, max64});
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(one_s.frac) == 999'999'999);
  // One tick before the reference is an earlier time, not 2^64 ticks later.
  constexpr auto before = vrtc::counter_to_time(ref, 1000, 999, ghz).value();
  STATIC_REQUIRE(before.sec == ref.sec - 1);
  STATIC_REQUIRE(before.frac == 0 - ((0x89705F4136B4A597u >> 29) + 1));  // -ceil(frac_sec / 2^29)
  STATIC_REQUIRE(before.frac == 0xfffffffbb47d05f6u);
  // Truncated twice (to 2^-64 s toward -infinity, then to ns): 999999998, although the exact
  // instant is 999999999.00000000002 ns into the second.
  STATIC_REQUIRE(vrtc::frac_to_ns_floor(before.frac) == 999'999'998);
  // The reference counter may be anywhere, including across the wrap of the counter.
  STATIC_REQUIRE(vrtc::counter_to_time(ref, max64, 0, ghz) == vrtc::counter_to_time(ref, 0, 1, ghz));
  STATIC_REQUIRE(vrtc::counter_to_time(ref, 0, max64, ghz) == vrtc::counter_to_time(ref, 1, 0, ghz));
}

TEST_CASE("counter to time: fraction carries into the seconds", "[time]") {
  // shift 0, frac_sec 2^63: every tick is half a second.
  constexpr counter_period half{std::uint64_t{1} << 63, 0};
  STATIC_REQUIRE(vrtc::counter_to_time({10, std::uint64_t{1} << 63}, 0, 1, half).value() == fixed_time{11, 0});
  STATIC_REQUIRE(vrtc::counter_to_time({10, 0}, 0, 3, half).value() == fixed_time{11, std::uint64_t{1} << 63});
  STATIC_REQUIRE(vrtc::counter_to_time({10, 0}, 3, 0, half).value() == fixed_time{8, std::uint64_t{1} << 63});
  STATIC_REQUIRE(vrtc::counter_to_time({10, 1}, 1, 0, half).value() == fixed_time{9, (std::uint64_t{1} << 63) + 1});
}

TEST_CASE("counter to time: overflow is an error at both ends", "[time]") {
  constexpr counter_period one_unit{1, 0};  // 2^-64 s per tick
  STATIC_REQUIRE(vrtc::counter_to_time({max64, max64}, 0, 0, one_unit).value() == fixed_time{max64, max64});
  STATIC_REQUIRE(vrtc::counter_to_time({max64, max64}, 0, 1, one_unit) == errc::overflow);
  STATIC_REQUIRE(vrtc::counter_to_time({0, 0}, 1, 0, one_unit) == errc::overflow);
  STATIC_REQUIRE(vrtc::counter_to_time({0, 1}, 1, 0, one_unit).value() == fixed_time{0, 0});
  // The largest forward step: 2^63 - 1 ticks of (2^64 - 1) / 2^64 s.
  constexpr counter_period max_period{max64, 0};
  STATIC_REQUIRE(vrtc::counter_to_time({0, 0}, 0, INT64_MAX, max_period).value() ==
                 fixed_time{INT64_MAX - 1, 0 - std::uint64_t{INT64_MAX}});
  // That step is 2^63 - 1.5 s (rounded down): from 2^63 + 1 it ends at 2^64 - 0.5 s, from
  // 2^63 + 2 it would end at 2^64 + 0.5 s.
  STATIC_REQUIRE(vrtc::counter_to_time({(std::uint64_t{1} << 63) + 1, 0}, 0, INT64_MAX, max_period).value() ==
                 fixed_time{max64, 0 - std::uint64_t{INT64_MAX}});
  STATIC_REQUIRE(vrtc::counter_to_time({(std::uint64_t{1} << 63) + 2, 0}, 0, INT64_MAX, max_period) == errc::overflow);
  // The largest backward step: -2^63 ticks.
  STATIC_REQUIRE(vrtc::counter_to_time({std::uint64_t{1} << 63, 0}, std::uint64_t{1} << 63, 0, max_period).value() ==
                 fixed_time{0, std::uint64_t{1} << 63});
  STATIC_REQUIRE(vrtc::counter_to_time({(std::uint64_t{1} << 63) - 2, 0}, std::uint64_t{1} << 63, 0, max_period) ==
                 errc::overflow);
}

TEST_CASE("counter to time: every shift 0..255 is defined", "[time]") {
  constexpr std::uint64_t base = std::uint64_t{1} << 40;
  constexpr fixed_time ref{base, 0};
  for (unsigned s = 0; s < 256; ++s) {
    const auto shift = static_cast<std::uint8_t>(s);
    INFO("shift " << s);
    const auto forward = vrtc::counter_to_time(ref, 0, 1'000'000, {max64, shift});
    const auto backward = vrtc::counter_to_time(ref, 1'000'000, 0, {max64, shift});
    const auto zero_period = vrtc::counter_to_time(ref, 0, 1'000'000, {0, shift});
    REQUIRE(zero_period.value() == ref);
    if (s >= 128) {
      REQUIRE(forward == errc::invalid_shift);
      REQUIRE(backward == errc::invalid_shift);
      continue;
    }
    // 10^6 * (2^64 - 1) / 2^(64 + s) seconds forward; truncated toward -infinity both ways.
    const vrtc::portable_u128 product = vrtc::portable_u128::mul(1'000'000, max64);
    const vrtc::portable_u128 step = product >> s;
    REQUIRE(forward.value() == fixed_time{base + step.hi(), step.lo()});
    const bool exact = (step << s) == product;
    const vrtc::portable_u128 back = vrtc::portable_u128::from_halves(base, 0) - step - vrtc::portable_u128(exact ? 0 : 1);
    REQUIRE(backward.value() == fixed_time{back.hi(), back.lo()});
    // Symmetry: going back from the forward result never overshoots the reference.
    REQUIRE(vrtc::counter_to_time(forward.value(), 1'000'000, 0, {max64, shift}).value() <= ref);
  }
}

TEST_CASE("counter to time: both 128-bit paths agree", "[time]") {
#if VRTC_HAS_INT128
  splitmix64 rng{5};
  for (int i = 0; i < 200'000; ++i) {
    const fixed_time ref{rng() >> (rng() % 64), rng()};
    const std::uint64_t c0 = rng();
    const std::uint64_t c = (i % 2 == 0) ? c0 + (rng() >> (rng() % 64)) : c0 - (rng() >> (rng() % 64));
    const counter_period p{rng() >> (rng() % 64), static_cast<std::uint8_t>(rng() % 160)};
    const auto fast = vrtc::basic_counter_to_time<vrtc::basic_u128<true>>(ref, c0, c, p);
    const auto slow = vrtc::basic_counter_to_time<vrtc::portable_u128>(ref, c0, c, p);
    REQUIRE(fast == slow);
    const auto fast_ns = vrtc::basic_ticks_to_nanoseconds<vrtc::basic_u128<true>>(c, p.frac_sec, p.shift);
    const auto slow_ns = vrtc::basic_ticks_to_nanoseconds<vrtc::portable_u128>(c, p.frac_sec, p.shift);
    REQUIRE(fast_ns == slow_ns);
    // The saturating form is the checked one with both errors as UINT64_MAX.
    const std::uint64_t saturated = vrtc::ticks_to_nanoseconds_saturating(c, p.frac_sec, p.shift);
    REQUIRE(saturated == fast_ns.value_or(UINT64_MAX));
    REQUIRE(vrtc::basic_ticks_to_nanoseconds_saturating<vrtc::portable_u128>(c, p.frac_sec, p.shift) == saturated);
  }
#else
  SUCCEED("only the portable path exists on this compiler");
#endif
}

TEST_CASE("counter to time: the common-case route equals the exact one", "[time]") {
  // basic_counter_to_time takes a shorter route for a forward delta and a shift below 64; both
  // implementations, over inputs chosen to cross that boundary (both delta signs, shifts 0..159,
  // seconds near 2^64 so that the carry out of the fraction and the overflow check are reached).
  splitmix64 rng{11};
  int common = 0;
  int overflowed = 0;
  for (int i = 0; i < 200'000; ++i) {
    const std::uint64_t sec = (i % 4 == 0) ? max64 - (rng() >> (rng() % 64)) : rng() >> (rng() % 64);
    const fixed_time ref{sec, rng()};
    const std::uint64_t c0 = rng();
    const std::uint64_t c = (i % 3 == 0) ? c0 - (rng() >> (rng() % 64)) : c0 + (rng() >> (rng() % 64));
    const counter_period p{rng() >> (rng() % 64), static_cast<std::uint8_t>(i % 5 == 0 ? rng() % 160 : rng() % 64)};
    const auto routed = vrtc::basic_counter_to_time<vrtc::u128>(ref, c0, c, p);
    REQUIRE(routed == vrtc::detail::counter_to_time_exact<vrtc::u128>(ref, c0, c, p));
    REQUIRE(vrtc::basic_counter_to_time<vrtc::portable_u128>(ref, c0, c, p) ==
            vrtc::detail::counter_to_time_exact<vrtc::portable_u128>(ref, c0, c, p));
    if (((c - c0) >> 63) == 0 && p.shift < 64) {
      ++common;
      if (!routed) ++overflowed;
    }
  }
  // The inputs reach both outcomes of the short route.
  REQUIRE(common > 50'000);
  REQUIRE(overflowed > 1'000);
  REQUIRE(common - overflowed > 1'000);
}

TEST_CASE("ticks to nanoseconds: error-bound growth", "[time]") {
  // 1 ppm of a 1 GHz period: 0x89705F4136B4A597 / 10^6 = 9903520314283.04 -> 0x901d7cf73ab.
  constexpr std::uint64_t one_ppm = 0x901d7cf73abu;
  STATIC_REQUIRE(0x89705F4136B4A597u / 1'000'000u == one_ppm);
  // After 10^9 ticks (about a second) a 1 ppm rate has grown by just under 1000 ns.
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(1'000'000'000, one_ppm, 29).value() == 999);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(1'000'000'000'000, one_ppm, 29).value() == 999'999);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(0, one_ppm, 29).value() == 0);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(max64, 0, 255).value() == 0);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(1, 1, 200) == errc::invalid_shift);
  // The whole period of 10^9 ticks is 999999999 ns (the period is truncated below 1 ns).
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(1'000'000'000, ghz.frac_sec, 29).value() == 999'999'999);
  // Overflow: (2^64 - 1) ticks of almost a second each.
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(max64, max64, 0) == errc::overflow);
  // The largest representable: 18446744073 s + 709551615 ns = 2^64 - 1 ns.
  constexpr std::uint64_t limit_units_hi = 18'446'744'073u;
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds(limit_units_hi, max64, 0).value() ==
                 limit_units_hi * 1'000'000'000u - 1);  // (2^64-1)/2^64 s per tick, floored
  STATIC_REQUIRE(vrtc::to_nanoseconds(vrtc::counter_ticks(1'000'000'000), ghz).value() ==
                 vrtc::nanosecond_count(999'999'999));
  // The saturating form: the value where it fits, UINT64_MAX for both errors.
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds_saturating(1'000'000'000, one_ppm, 29) == 999);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds_saturating(limit_units_hi, max64, 0) ==
                 limit_units_hi * 1'000'000'000u - 1);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds_saturating(max64, max64, 0) == UINT64_MAX);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds_saturating(1, 1, 200) == UINT64_MAX);
  STATIC_REQUIRE(vrtc::ticks_to_nanoseconds_saturating(max64, 0, 255) == 0);
}

TEST_CASE("calibration picks the most precise period", "[time]") {
  STATIC_REQUIRE(vrtc::best_counter_period(1'000'000'000).value() == counter_period{0x89705F4136B4A597u, 29});
  STATIC_REQUIRE(vrtc::best_counter_period(0) == errc::invalid_argument);
  STATIC_REQUIRE(vrtc::best_counter_period(1) == errc::invalid_argument);
  // Powers of two are exact: 2^k Hz -> 2^63 / 2^(64 + k - 1).
  STATIC_REQUIRE(vrtc::best_counter_period(2).value() == counter_period{std::uint64_t{1} << 63, 0});
  STATIC_REQUIRE(vrtc::best_counter_period(std::uint64_t{1} << 30).value() == counter_period{std::uint64_t{1} << 63, 29});
  STATIC_REQUIRE(vrtc::best_counter_period(std::uint64_t{1} << 63).value() == counter_period{std::uint64_t{1} << 63, 62});
  STATIC_REQUIRE(vrtc::best_counter_period(3).value() == counter_period{0xAAAAAAAAAAAAAAABu, 1});  // 2^65/3 rounded up
  STATIC_REQUIRE(vrtc::best_counter_period(max64).value().shift == 63);
  // 2.6 GHz: shift 31.
  STATIC_REQUIRE(vrtc::best_counter_period(2'600'000'000).value().shift == 31);
  // Properties over many frequencies: 2^63 <= frac_sec, and the period is within half a unit.
  splitmix64 rng{17};
  for (int i = 0; i < 20'000; ++i) {
    const std::uint64_t hz = (rng() >> (rng() % 63)) | 2;
    const counter_period p = vrtc::best_counter_period(hz).value();
    INFO("hz " << hz);
    REQUIRE(p.frac_sec >= std::uint64_t{1} << 63);
    REQUIRE(p.shift < 64);
    // |frac_sec * hz - 2^(64+shift)| <= hz / 2
    const auto exact = vrtc::portable_u128(1) << (64u + p.shift);
    const auto scaled = vrtc::portable_u128::mul(p.frac_sec, hz);
    const auto diff = scaled > exact ? scaled - exact : exact - scaled;
    REQUIRE(diff <= vrtc::portable_u128(hz / 2));
  }
}

TEST_CASE("TAI and UTC differ by tai_offset_sec = UTC - TAI", "[time]") {
  // 2017 onwards: TAI is 37 s ahead of UTC, so the page's tai_offset_sec is -37.
  constexpr std::int16_t offset = -37;
  STATIC_REQUIRE(vrtc::utc_from_tai(std::uint64_t{1'700'000'037}, offset).value() == 1'700'000'000);
  STATIC_REQUIRE(vrtc::tai_from_utc(std::uint64_t{1'700'000'000}, offset).value() == 1'700'000'037);
  STATIC_REQUIRE(vrtc::utc_from_tai(fixed_time{1'700'000'037, 5}, offset).value() == fixed_time{1'700'000'000, 5});
  STATIC_REQUIRE(vrtc::tai_from_utc(fixed_time{1'700'000'000, 5}, offset).value() == fixed_time{1'700'000'037, 5});
  STATIC_REQUIRE(vrtc::utc_from_tai(std::uint64_t{36}, offset) == errc::overflow);
  STATIC_REQUIRE(vrtc::utc_from_tai(std::uint64_t{37}, offset).value() == 0);
  STATIC_REQUIRE(vrtc::tai_from_utc(max64 - 36, offset) == errc::overflow);
  STATIC_REQUIRE(vrtc::tai_from_utc(max64 - 37, offset).value() == max64);
  // A positive offset (a writer with the opposite convention) is still applied as written.
  STATIC_REQUIRE(vrtc::utc_from_tai(std::uint64_t{100}, 37).value() == 137);
  STATIC_REQUIRE(vrtc::tai_from_utc(std::uint64_t{100}, 37).value() == 63);
  STATIC_REQUIRE(vrtc::utc_from_tai(max64, 1) == errc::overflow);
  STATIC_REQUIRE(vrtc::tai_from_utc(std::uint64_t{0}, 1) == errc::overflow);
  STATIC_REQUIRE(vrtc::utc_from_tai(std::uint64_t{40'000}, INT16_MIN).value() == 40'000 - 32'768);
  STATIC_REQUIRE(vrtc::tai_from_utc(std::uint64_t{0}, INT16_MIN).value() == 32'768);
}

TEST_CASE("a TAI offset is applied exactly for every int32 value", "[time]") {
  // A leap second crossed since the page was written moves the offset past the int16 range.
  constexpr std::uint64_t two_31 = std::uint64_t{1} << 31;
  CHECK(vrtc::utc_from_tai(std::uint64_t{0}, INT32_MIN) == errc::overflow);
  CHECK(vrtc::utc_from_tai(two_31 - 1, INT32_MIN) == errc::overflow);
  CHECK(vrtc::utc_from_tai(two_31, INT32_MIN) == vrtc::result<std::uint64_t>(0));
  CHECK(vrtc::tai_from_utc(std::uint64_t{0}, INT32_MIN) == vrtc::result<std::uint64_t>(two_31));
  CHECK(vrtc::tai_from_utc(max64 - two_31 + 1, INT32_MIN) == errc::overflow);
  CHECK(vrtc::utc_from_tai(max64 - (two_31 - 1), INT32_MAX) == vrtc::result<std::uint64_t>(max64));
  CHECK(vrtc::utc_from_tai(max64 - (two_31 - 2), INT32_MAX) == errc::overflow);
  CHECK(vrtc::tai_from_utc(two_31 - 1, INT32_MAX) == vrtc::result<std::uint64_t>(0));
  CHECK(vrtc::tai_from_utc(two_31 - 2, INT32_MAX) == errc::overflow);
  CHECK(vrtc::utc_from_tai(fixed_time{two_31 + 7, 9}, INT32_MIN) == vrtc::result<fixed_time>(fixed_time{7, 9}));
  CHECK(vrtc::utc_from_tai(std::uint64_t{32'768}, std::int32_t{INT16_MIN} - 1) == errc::overflow);
  CHECK(vrtc::utc_from_tai(std::uint64_t{32'769}, std::int32_t{INT16_MIN} - 1) == vrtc::result<std::uint64_t>(0));
}

TEST_CASE("instants in seconds and nanoseconds", "[time]") {
  using vrtc::seconds_and_nanoseconds;
  constexpr std::uint64_t half = std::uint64_t{1} << 63;
  STATIC_REQUIRE(vrtc::truncate_to_nanoseconds({7, half}) == seconds_and_nanoseconds{7, 500'000'000});
  STATIC_REQUIRE(vrtc::truncate_to_nanoseconds({7, max64}) == seconds_and_nanoseconds{7, 999'999'999});
  STATIC_REQUIRE(vrtc::round_to_nanoseconds({7, max64}).value() == seconds_and_nanoseconds{8, 0});
  STATIC_REQUIRE(vrtc::round_to_nanoseconds({7, 18'446'744'073u}).value() == seconds_and_nanoseconds{7, 1});
  STATIC_REQUIRE(vrtc::round_to_nanoseconds({max64, max64}) == errc::overflow);
  STATIC_REQUIRE(vrtc::round_to_nanoseconds({max64, 0}).value() == seconds_and_nanoseconds{max64, 0});
  STATIC_REQUIRE(vrtc::to_fixed_time(seconds_and_nanoseconds{7, 500'000'000}).value() == fixed_time{7, half});
  STATIC_REQUIRE(vrtc::to_fixed_time(seconds_and_nanoseconds{7, 1'000'000'000}) == errc::invalid_argument);
  // u64 nanoseconds since the epoch end in 2554: 2^64 - 1 ns = 18446744073 s + 709551615 ns.
  constexpr std::uint64_t last = 18'446'744'073;
  STATIC_REQUIRE(vrtc::to_nanoseconds_floor({last, vrtc::ns_to_frac(709'551'615)}).value().count == max64);
  STATIC_REQUIRE(vrtc::to_nanoseconds_floor({last, vrtc::ns_to_frac(709'551'616)}) == errc::overflow);
  STATIC_REQUIRE(vrtc::to_nanoseconds_floor({1'700'000'000, half}).value().count == 1'700'000'000'500'000'000);
  STATIC_REQUIRE(vrtc::to_fixed_time(vrtc::nanosecond_count(1'700'000'000'500'000'000)) == fixed_time{1'700'000'000, half});
  STATIC_REQUIRE(vrtc::to_fixed_time(vrtc::nanosecond_count(max64)) == fixed_time{last, vrtc::ns_to_frac(709'551'615)});
}

TEST_CASE("chrono adapters give a value or an error at the ends of both ranges", "[time]") {
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  constexpr std::uint64_t int64_max = static_cast<std::uint64_t>(INT64_MAX);
  // 2^63 - 1 ns is 9223372036 s + 854775807 ns; one nanosecond more does not fit.
  CHECK(vrtc::to_sys_time(vrtc::utc_instant(vrtc::to_fixed_time(vrtc::nanosecond_count(int64_max)))).value().time_since_epoch() ==
        nanoseconds(INT64_MAX));
  CHECK(vrtc::to_sys_time(vrtc::utc_instant(vrtc::to_fixed_time(vrtc::nanosecond_count(int64_max + 1)))) == errc::overflow);
  CHECK(vrtc::to_sys_time(vrtc::utc_instant(fixed_time{max64, max64})) == errc::overflow);
  CHECK(vrtc::to_sys_time_round(vrtc::utc_instant(fixed_time{max64, max64})) == errc::overflow);
  CHECK(vrtc::to_utc_instant(vrtc::sys_nanoseconds(nanoseconds(INT64_MIN))) == errc::overflow);
  CHECK(vrtc::to_utc_instant(vrtc::sys_nanoseconds(nanoseconds(INT64_MAX))).value().time ==
        vrtc::to_fixed_time(vrtc::nanosecond_count(int64_max)));
  CHECK(vrtc::to_duration(vrtc::whole_seconds(max64)) == errc::overflow);
  CHECK(vrtc::to_duration(vrtc::whole_seconds(int64_max)).value() == seconds(INT64_MAX));
  CHECK(vrtc::to_duration(vrtc::nanosecond_count(int64_max + 1)) == errc::overflow);
  CHECK(vrtc::to_whole_seconds(seconds(INT64_MIN)) == errc::overflow);
  CHECK(vrtc::to_whole_seconds(seconds(INT64_MAX)).value().count == int64_max);
  CHECK(vrtc::to_nanosecond_count(nanoseconds(INT64_MIN)) == errc::overflow);
  CHECK(vrtc::to_second_fraction(nanoseconds(INT64_MIN)) == errc::invalid_argument);
  CHECK(vrtc::to_second_fraction(nanoseconds(INT64_MAX)) == errc::invalid_argument);
  CHECK(vrtc::to_duration_floor(vrtc::second_fraction(max64)) == nanoseconds(999'999'999));
}

TEST_CASE("reference time: explicit, ordered, saturating", "[time]") {
  using vrtc::nanosecond_count;
  using vrtc::reference_time;
  STATIC_REQUIRE(reference_time{} == reference_time::min());
  STATIC_REQUIRE(reference_time(5).ns() == 5);
  STATIC_REQUIRE(reference_time(5).since_origin() == nanosecond_count(5));
  STATIC_REQUIRE(reference_time(5) < reference_time(6));
  STATIC_REQUIRE(reference_time(5) + nanosecond_count(7) == reference_time(12));
  STATIC_REQUIRE(reference_time(12) - nanosecond_count(7) == reference_time(5));
  STATIC_REQUIRE(reference_time(12) - reference_time(5) == nanosecond_count(7));
  // Saturation: "never" stays never, the origin is the earliest instant, and an instant is
  // not after a later one.
  STATIC_REQUIRE(reference_time::max() + nanosecond_count(1) == reference_time::max());
  STATIC_REQUIRE(reference_time(UINT64_MAX - 3) + nanosecond_count(UINT64_MAX) == reference_time::max());
  STATIC_REQUIRE(reference_time(3) - nanosecond_count(4) == reference_time::min());
  STATIC_REQUIRE(reference_time(5) - reference_time(12) == nanosecond_count(0));
  reference_time t(10);
  t += nanosecond_count(5);
  CHECK(t == reference_time(15));
  t -= nanosecond_count(20);
  CHECK(t == reference_time::min());
  // Neither a bare integer nor a duration converts to an instant.
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::uint64_t, reference_time>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<nanosecond_count, reference_time>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<reference_time, std::uint64_t>);
}
