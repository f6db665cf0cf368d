// Tests for include/vrtc/host_clocks.hpp: the host's POSIX clocks as virtio-rtc backends
// (virtio 1.4 §5.23.6.3.1 clock types, §5.23.6.5.2 reads and cross-timestamps).
#include <vrtc/device.hpp>
#include <vrtc/host_clocks.hpp>

#include <time.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>

namespace {
std::uint64_t posix_now(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

TEST_CASE("5.23.6.3.1 CLOCK_REALTIME is served as UTC_MAYBE_SMEARED") {
  const auto rt = vrtc::host_clock::realtime();
  CHECK(rt.capabilities().type == vrtc::clock_type::utc_maybe_smeared);
  CHECK(rt.capabilities().leap_second_smearing == vrtc::smearing::unspecified);
  const std::uint64_t before = posix_now(CLOCK_REALTIME);
  const auto r = rt.read(0);
  const std::uint64_t after = posix_now(CLOCK_REALTIME);
  REQUIRE(r.has_value());
  CHECK(*r >= before);
  CHECK(*r <= after);
}

TEST_CASE("5.23.6.5.2 CLOCK_MONOTONIC and CLOCK_BOOTTIME serve MONOTONIC and never decrease") {
  for (const auto& c : {vrtc::host_clock::monotonic(true), vrtc::host_clock::boottime()}) {
    CHECK(c.capabilities().type == vrtc::clock_type::monotonic);
    std::uint64_t last = 0;
    for (int i = 0; i < 1000; ++i) {
      const auto r = c.read(0);
      REQUIRE(r.has_value());
      CHECK(*r >= last);
      last = *r;
    }
  }
  CHECK(vrtc::host_clock::monotonic(true).capabilities().alarm);
}

TEST_CASE("5.23.6.3.1 CLOCK_TAI is served as TAI") {
  const auto tai = vrtc::host_clock::tai();
  CHECK(tai.capabilities().type == vrtc::clock_type::tai);
  const auto r = tai.read(0);
  REQUIRE(r.has_value());
  CHECK(*r >= posix_now(CLOCK_REALTIME) - 1'000'000'000);  // TAI is never behind UTC
}

TEST_CASE("5.23.6.5.2 host cross-timestamp through the device") {
  auto mono = vrtc::host_clock::monotonic();
  const auto id = vrtc::hardware_counter_id();
  if (!id) {
    CHECK_FALSE(mono.supports_cross(vrtc::hw_counter::x86_tsc));
    CHECK_FALSE(mono.supports_cross(vrtc::hw_counter::arm_vct));
    return;
  }
  const auto h = static_cast<vrtc::hw_counter>(*id);
  REQUIRE(mono.supports_cross(h));
  std::array<vrtc::clock_ref, 1> refs{vrtc::clock_ref(mono)};
  std::array<vrtc::guest_counter, 1> counters{vrtc::guest_counter{h, {}}};
  vrtc::device dev(refs, {.guest_counters = counters});
  std::array<std::byte, 16> req{};
  req[0] = std::byte{0x02};
  req[10] = static_cast<std::byte>(*id);
  std::array<std::byte, 24> resp{};
  const std::uint64_t c0 = vrtc::read_hardware_counter();
  REQUIRE(dev.handle(req, resp, 0) == 24);
  const std::uint64_t c1 = vrtc::read_hardware_counter();
  CHECK(resp[0] == std::byte{0});
  const std::uint64_t cycles = vrtc::load_le<std::uint64_t>(resp, 16);
  CHECK(cycles >= c0);
  CHECK(cycles <= c1);
}
