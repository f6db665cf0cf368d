// Tests for include/vrtc/linux/host_clocks.hpp: the host's POSIX clocks as virtio-rtc backends
// (virtio 1.4 §5.23.6.3.1 clock types, §5.23.6.5.2 reads and cross-timestamps).
#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/leap_clocks.hpp>
#include <vrtc/roles/leap_table.hpp>

#include <sys/timex.h>
#include <time.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>

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
  const auto r = rt.read(vrtc::reference_time{});
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
      const auto r = c.read(vrtc::reference_time{});
      REQUIRE(r.has_value());
      CHECK(*r >= last);
      last = *r;
    }
  }
  CHECK(vrtc::host_clock::monotonic(true).capabilities().alarm);
}

namespace {

constexpr std::uint64_t s_ns = 1'000'000'000;
/// TAI − UTC since 2017-01-01 (IERS Bulletin C 52); no leap second is announced before 2027-06-28.
constexpr std::uint64_t tai_minus_utc_2017 = 37;

/// adjtimex as on a host where no NTP daemon set the TAI offset (tai == 0).
vrtc::tai_os_interface kernel_offset_unset() {
  vrtc::tai_os_interface os;
  os.adjtimex = [](timex* tx) {
    *tx = timex{};
    return TIME_OK;
  };
  return os;
}

/// adjtimex as on a host whose NTP daemon set the TAI offset to 37 s.
vrtc::tai_os_interface kernel_offset_37() {
  vrtc::tai_os_interface os;
  os.adjtimex = [](timex* tx) {
    *tx = timex{};
    tx->tai = 37;
    return TIME_OK;
  };
  return os;
}

/// The kernel's own TAI offset on this machine, read without the library.
long machine_kernel_tai_offset() {
  timex tx{};
  return ::adjtimex(&tx) < 0 ? 0 : tx.tai;
}

/// The true TAI on this machine, bracketing a call: CLOCK_TAI if the kernel's offset is set,
/// else CLOCK_REALTIME + 37 s.
std::uint64_t true_tai_now() {
  return machine_kernel_tai_offset() != 0 ? posix_now(CLOCK_TAI) : posix_now(CLOCK_REALTIME) + tai_minus_utc_2017 * s_ns;
}

}  // namespace

TEST_CASE("5.23.6.3.1 TAI with the kernel's offset unset is CLOCK_REALTIME plus TAI - UTC from the table") {
  const auto tai = vrtc::host_clock::tai(false, kernel_offset_unset());
  REQUIRE(tai.has_value());
  CHECK(tai->capabilities().type == vrtc::clock_type::tai);
  CHECK(tai->tai_origin() == vrtc::tai_source::leap_table);
  const std::uint64_t before = posix_now(CLOCK_REALTIME);
  const auto r = tai->read(vrtc::reference_time{});
  const std::uint64_t after = posix_now(CLOCK_REALTIME);
  REQUIRE(r.has_value());
  CHECK(*r >= before + tai_minus_utc_2017 * s_ns);
  CHECK(*r <= after + tai_minus_utc_2017 * s_ns);
}

TEST_CASE("5.23.6.3.1 TAI with the kernel's offset set is CLOCK_TAI") {
  const auto tai = vrtc::host_clock::tai(true, kernel_offset_37());
  REQUIRE(tai.has_value());
  CHECK(tai->tai_origin() == vrtc::tai_source::kernel);
  CHECK(tai->capabilities().alarm);
  const std::uint64_t before = posix_now(CLOCK_TAI);
  const auto r = tai->read(vrtc::reference_time{});
  const std::uint64_t after = posix_now(CLOCK_TAI);
  REQUIRE(r.has_value());
  CHECK(*r >= before);
  CHECK(*r <= after);
  CHECK_FALSE(vrtc::host_clock::realtime().tai_origin().has_value());
}

TEST_CASE("5.23.6.3.1 no TAI clock when the kernel's offset is unset and every table has expired") {
  // The host's clock says 2028, after both the built-in table and tzdata's list expire.
  auto os = kernel_offset_unset();
  os.clock_gettime = [](clockid_t, timespec* ts) {
    *ts = timespec{1'830'297'600, 0};  // 2028-01-01T00:00:00Z
    return 0;
  };
  const auto tai = vrtc::host_clock::tai(false, os);
  REQUIRE_FALSE(tai.has_value());
  CHECK(tai.error() == vrtc::errc::leap_table_expired);
  // A clock made while the table was current stops reading once it expires.
  const auto table = vrtc::load_host_leap_table(1'798'761'600);  // 2027-01-01
  REQUIRE(table.table.has_value());
  const auto chosen = vrtc::host_tai::choose(std::nullopt, table, os);
  REQUIRE(chosen.has_value());
  CHECK(vrtc::host_clock::tai(*chosen).read(vrtc::reference_time{}).error() == vrtc::errc::leap_table_expired);
}

TEST_CASE("5.23.6.3.1 the device's TAI clock on this machine reads UTC + 37 s") {
  const auto tai = vrtc::host_clock::tai();
  REQUIRE(tai.has_value());
  CHECK(tai->tai_origin() ==
        (machine_kernel_tai_offset() != 0 ? vrtc::tai_source::kernel : vrtc::tai_source::leap_table));
  auto clock = *tai;
  std::array<vrtc::clock_ref, 1> refs{vrtc::clock_ref(clock)};
  vrtc::device dev(refs, {});
  std::array<std::byte, 16> req{};
  req[0] = std::byte{0x01};  // READ, clock 0
  std::array<std::byte, 16> resp{};
  const std::uint64_t before = true_tai_now();
  REQUIRE(dev.handle(req, resp, vrtc::reference_time{}) == 16);
  const std::uint64_t after = true_tai_now();
  CHECK(resp[0] == std::byte{0});
  const std::uint64_t reading = vrtc::load_le<std::uint64_t>(resp, 8);
  CHECK(reading >= before);
  CHECK(reading <= after);
  // And it is UTC + 37 s as CLOCK_REALTIME has it, within the read delay.
  const std::uint64_t utc = posix_now(CLOCK_REALTIME);
  CHECK(reading <= utc + tai_minus_utc_2017 * s_ns);
  CHECK(reading + 10'000'000 >= utc + tai_minus_utc_2017 * s_ns);
}

TEST_CASE("5.23.6.3.1 a smeared UTC derived from the host's TAI is UTC when the kernel's offset is unset") {
  auto tai = vrtc::host_clock::tai(false, kernel_offset_unset());
  REQUIRE(tai.has_value());
  const auto schedule = vrtc::builtin_leap_table().schedule_at(posix_now(CLOCK_REALTIME) / s_ns);
  REQUIRE(schedule.has_value());
  vrtc::smeared_utc_clock utc(*tai, *schedule, vrtc::smear_method::utc_sls);
  const std::uint64_t before = posix_now(CLOCK_REALTIME);
  const auto r = utc.read(vrtc::reference_time{});
  const std::uint64_t after = posix_now(CLOCK_REALTIME);
  REQUIRE(r.has_value());
  CHECK(*r >= before);
  CHECK(*r <= after);
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
  vrtc::device dev(refs, {.guest_counters = {counters.begin(), counters.end()}});
  std::array<std::byte, 16> req{};
  req[0] = std::byte{0x02};
  req[10] = static_cast<std::byte>(*id);
  std::array<std::byte, 24> resp{};
  const std::uint64_t c0 = vrtc::read_hardware_counter();
  REQUIRE(dev.handle(req, resp, vrtc::reference_time{}) == 24);
  const std::uint64_t c1 = vrtc::read_hardware_counter();
  CHECK(resp[0] == std::byte{0});
  const std::uint64_t cycles = vrtc::load_le<std::uint64_t>(resp, 16);
  CHECK(cycles >= c0);
  CHECK(cycles <= c1);
}
