// The time math in constant evaluation: each check is a constexpr function that is asserted at
// compile time (where the compiler rejects any undefined behaviour, e.g. an oversized shift or
// a signed overflow) and run again at run time so sanitizers and coverage see it too.
#include <vrtc/core/leap.hpp>
#include <vrtc/core/smear.hpp>
#include <vrtc/core/time.hpp>
#include <vrtc/core/u128.hpp>

#include <catch2/catch.hpp>
#include <cstdint>

namespace {

constexpr std::uint64_t max64 = UINT64_MAX;
constexpr std::uint64_t edges[] = {0, 1, 2, 0x7fffffffffffffffu, 0x8000000000000000u, max64 - 1, max64};
constexpr std::uint8_t shifts[] = {0, 1, 29, 63, 64, 65, 127, 128, 129, 200, 255};

// counter_to_time on both paths, for every combination of edge values: the same answer, and
// the answer sits on the side of the reference that the signed delta says.
template <class A, class B>
constexpr bool counter_to_time_agrees() {
  for (std::uint64_t sec : {std::uint64_t{0}, std::uint64_t{1'700'000'000}, max64}) {
    for (std::uint64_t counter : edges) {
      for (std::uint64_t frac_sec : edges) {
        for (std::uint8_t shift : shifts) {
          const vrtc::fixed_time ref{sec, 0x8000000000000000u};
          const vrtc::counter_period p{frac_sec, shift};
          const auto a = vrtc::basic_counter_to_time<A>(ref, 0x8000000000000000u, counter, p);
          const auto b = vrtc::basic_counter_to_time<B>(ref, 0x8000000000000000u, counter, p);
          if (!(a == b)) return false;
          if (a && counter >= 0x8000000000000000u && *a < ref) return false;
          if (a && counter < 0x8000000000000000u && ref < *a) return false;
          if (!a && shift >= 128 && frac_sec != 0 && a.error() != vrtc::errc::invalid_shift) return false;
        }
      }
    }
  }
  return true;
}

constexpr bool ticks_to_nanoseconds_agrees() {
  for (std::uint64_t ticks : edges)
    for (std::uint64_t rate : edges)
      for (std::uint8_t shift : shifts)
        if (!(vrtc::basic_ticks_to_nanoseconds<vrtc::portable_u128>(ticks, rate, shift) ==
              vrtc::ticks_to_nanoseconds(ticks, rate, shift)))
          return false;
  return true;
}

constexpr bool nanosecond_round_trips() {
  for (std::uint64_t ns = 0; ns < 2000; ++ns) {
    if (vrtc::frac_to_ns_floor(vrtc::ns_to_frac(ns)) != ns) return false;
    const std::uint64_t top = 999'999'999 - ns;
    if (vrtc::frac_to_ns_floor(vrtc::ns_to_frac(top)) != top) return false;
    if (vrtc::frac_to_ns_round(vrtc::ns_to_frac(top)) != top) return false;
  }
  return true;
}

constexpr bool smear_round_trips() {
  constexpr vrtc::leap_second leaps[] = {{1'483'228'800, vrtc::leap_sign::positive},
                                         {1'483'228'800, vrtc::leap_sign::negative}};
  for (const auto& leap : leaps) {
    for (auto m : {vrtc::smear_method::noon_linear, vrtc::smear_method::utc_sls}) {
      for (std::uint64_t k = 0; k < 40; ++k) {
        // 40 smeared readings spread over the last 1000 s before midnight and a bit after.
        const vrtc::fixed_time s{leap.end_of_day - 1001 + k * 26, k * 0x0123456789abcdefu};
        const auto t = vrtc::unsmear(s, leap, m);
        if (!t) return false;
        const auto again = vrtc::smear(*t, leap, m);
        if (!again || *again < s) return false;
        if (leap.sign == vrtc::leap_sign::positive && !(*again == s)) return false;
      }
    }
  }
  return true;
}

static_assert(counter_to_time_agrees<vrtc::portable_u128, vrtc::u128>());
static_assert(ticks_to_nanoseconds_agrees());
static_assert(nanosecond_round_trips());
static_assert(smear_round_trips());
static_assert(vrtc::best_counter_period(1'000'000'000).value() == vrtc::counter_period{0x89705F4136B4A597u, 29});

}  // namespace

TEST_CASE("constant-evaluated checks also hold at run time", "[time][constexpr]") {
  REQUIRE(counter_to_time_agrees<vrtc::portable_u128, vrtc::u128>());
  REQUIRE(ticks_to_nanoseconds_agrees());
  REQUIRE(nanosecond_round_trips());
  REQUIRE(smear_round_trips());
}
