// Tests for include/vrtc/core/counter.hpp: the counter id of this CPU, the ordered read, and the
// zero that carries a dependency on the counter value.
#include <vrtc/core/counter.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <thread>

TEST_CASE("the counter id names this CPU's counter", "[counter]") {
  STATIC_REQUIRE(vrtc::counter_id_arm_vcnt == 0);
  STATIC_REQUIRE(vrtc::counter_id_x86_tsc == 1);
#if defined(__x86_64__)
  STATIC_REQUIRE(vrtc::hardware_counter_available);
  STATIC_REQUIRE(vrtc::hardware_counter_id() == vrtc::result<std::uint8_t>(std::uint8_t{1}));
#elif defined(__aarch64__)
  STATIC_REQUIRE(vrtc::hardware_counter_available);
  STATIC_REQUIRE(vrtc::hardware_counter_id() == vrtc::result<std::uint8_t>(std::uint8_t{0}));
#else
  STATIC_REQUIRE(!vrtc::hardware_counter_available);
  CHECK(vrtc::hardware_counter_id() == vrtc::errc::no_counter);
  CHECK(vrtc::hardware_counter() == vrtc::errc::no_counter);
#endif
}

TEST_CASE("the ordered counter read advances", "[counter]") {
  if constexpr (!vrtc::hardware_counter_available) return;
  const auto first = vrtc::hardware_counter();
  REQUIRE(first.has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto second = vrtc::hardware_counter();
  REQUIRE(second.has_value());
  CHECK(*second > *first);
}

TEST_CASE("counter_dependency is zero whatever the counter", "[counter]") {
  for (const std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0x8000000000000000},
                                ~std::uint64_t{0}, std::uint64_t{0x123456789abcdef}})
    CHECK(vrtc::counter_dependency(v) == 0);
}
