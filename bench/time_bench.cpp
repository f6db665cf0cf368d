// Cost of the checked, signed, exact counter -> time conversion against its baseline, in one
// binary so the ratios come from one run:
//   BM_linux_formula_baseline     the unchecked unsigned-delta formula of the Linux driver
//                                 (one 64x64 multiply, shift, add), on unsigned __int128
//   BM_counter_to_time            vrtc::counter_to_time (intrinsic u128)
//   BM_counter_to_time_portable   the same on the portable two-word u128
//   BM_counter_to_time_backwards  counters before the reference (the rounded-up negative path)
//   BM_frac_to_ns_floor           the nanoseconds of a fraction
#include <vrtc/core/time.hpp>
#include <vrtc/core/u128.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>

namespace {

constexpr vrtc::fixed_time reference{1'700'000'000, 0x123456789abcdefu};
constexpr vrtc::counter_period ghz{0x89705F4136B4A597u, 29};
constexpr std::uint64_t reference_counter = 1'000'000'000'000;

#if VRTC_HAS_INT128
void BM_linux_formula_baseline(benchmark::State& state) {
  __extension__ typedef unsigned __int128 u128_native;
  std::uint64_t counter = reference_counter;
  for (auto _ : state) {
    benchmark::DoNotOptimize(counter);
    const std::uint64_t delta = counter - reference_counter;
    u128_native t = (u128_native{delta} * ghz.frac_sec) >> ghz.shift;
    t += reference.frac;
    vrtc::fixed_time r{reference.sec + static_cast<std::uint64_t>(t >> 64), static_cast<std::uint64_t>(t)};
    benchmark::DoNotOptimize(r);
    counter += 977;
  }
}
BENCHMARK(BM_linux_formula_baseline);
#endif

template <class U>
void counter_to_time_loop(benchmark::State& state, std::uint64_t start, std::uint64_t step) {
  std::uint64_t counter = start;
  for (auto _ : state) {
    benchmark::DoNotOptimize(counter);
    auto r = vrtc::basic_counter_to_time<U>(reference, reference_counter, counter, ghz);
    benchmark::DoNotOptimize(r);
    counter += step;
  }
}

void BM_counter_to_time(benchmark::State& state) { counter_to_time_loop<vrtc::u128>(state, reference_counter, 977); }
BENCHMARK(BM_counter_to_time);

void BM_counter_to_time_portable(benchmark::State& state) {
  counter_to_time_loop<vrtc::portable_u128>(state, reference_counter, 977);
}
BENCHMARK(BM_counter_to_time_portable);

void BM_counter_to_time_backwards(benchmark::State& state) {
  counter_to_time_loop<vrtc::u128>(state, reference_counter - 1, 0 - std::uint64_t{977});
}
BENCHMARK(BM_counter_to_time_backwards);

void BM_frac_to_ns_floor(benchmark::State& state) {
  std::uint64_t frac = 0x0123456789abcdefu;
  for (auto _ : state) {
    benchmark::DoNotOptimize(frac);
    std::uint64_t ns = vrtc::frac_to_ns_floor(frac);
    benchmark::DoNotOptimize(ns);
    frac += 0x9E3779B97F4A7C15u;
  }
}
BENCHMARK(BM_frac_to_ns_floor);

}  // namespace
