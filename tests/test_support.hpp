// Helpers shared by the time-math tests: a seeded pseudo-random generator and Catch2 printing
// of fixed_time.
#pragma once

#include <vrtc/core/time.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

namespace vrtc_test {

/// SplitMix64: a fast, seeded generator, so that "random" test inputs repeat exactly.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t operator()() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
  }
};

}  // namespace vrtc_test

namespace Catch {
template <>
struct StringMaker<vrtc::fixed_time> {
  static std::string convert(const vrtc::fixed_time& t) {
    // Appending to a named string: g++ 12 -O3 misreports "literal" + std::string as -Wrestrict.
    std::string text = "{";
    text.append(std::to_string(t.sec)).append(", ").append(std::to_string(t.frac)).append("}");
    return text;
  }
};
}  // namespace Catch
