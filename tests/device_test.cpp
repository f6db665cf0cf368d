// Tests for include/vrtc/roles/device.hpp: the device requirements of virtio 1.4 §5.23 (request
// handling, capabilities, reads, cross-timestamps, alarms and notifications). Requests are
// written as hex bytes from the spec's layouts, independently of messages.hpp.
#include <vrtc/linux/host_clocks.hpp>
#include <vrtc/roles/device.hpp>
#include <vrtc/roles/leap_clocks.hpp>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

namespace {

using namespace vrtc;
using rt = reference_time;

std::vector<std::byte> hex(std::string_view s) {
  std::vector<std::byte> out;
  int nibble = -1;
  for (char c : s) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (v < 0) continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<std::byte>(nibble * 16 + v));
      nibble = -1;
    }
  }
  return out;
}

std::uint64_t le64(const std::vector<std::byte>& b, std::size_t off) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(b[off + i])} << (8 * i);
  return v;
}
unsigned u8(const std::vector<std::byte>& b, std::size_t off) { return std::to_integer<unsigned>(b[off]); }

constexpr std::byte fill{0xAA};

// Request vectors (layouts of §5.23.6.4, §5.23.6.5, §5.23.6.6.2).
const auto cfg_req = hex("00 10 00 00 00 00 00 00");
std::vector<std::byte> read_req(unsigned id) {
  auto b = hex("01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  b[8] = static_cast<std::byte>(id & 0xff);
  b[9] = static_cast<std::byte>(id >> 8);
  return b;
}
std::vector<std::byte> read_cross_req(unsigned id, unsigned counter) {
  auto b = hex("02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  b[8] = static_cast<std::byte>(id);
  b[10] = static_cast<std::byte>(counter);
  return b;
}
std::vector<std::byte> clock_cap_req(unsigned id) {
  auto b = hex("01 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  b[8] = static_cast<std::byte>(id);
  return b;
}
std::vector<std::byte> cross_cap_req(unsigned id, unsigned counter) {
  auto b = hex("02 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  b[8] = static_cast<std::byte>(id);
  b[10] = static_cast<std::byte>(counter);
  return b;
}
std::vector<std::byte> read_alarm_req(unsigned id) {
  auto b = hex("03 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  b[8] = static_cast<std::byte>(id);
  return b;
}
std::vector<std::byte> set_alarm_req(unsigned id, std::uint64_t t, unsigned flags) {
  auto b = hex("04 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  for (std::size_t i = 0; i < 8; ++i) b[8 + i] = static_cast<std::byte>((t >> (8 * i)) & 0xff);
  b[16] = static_cast<std::byte>(id);
  b[18] = static_cast<std::byte>(flags);
  return b;
}
std::vector<std::byte> set_alarm_enabled_req(unsigned id, unsigned flags) {
  auto b = hex("05 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  b[8] = static_cast<std::byte>(id);
  b[10] = static_cast<std::byte>(flags);
  return b;
}

struct response {
  std::size_t used;
  std::vector<std::byte> bytes;
  [[nodiscard]] unsigned status() const { return u8(bytes, 0); }
};

/// A backend that always fails (a broken host clock).
struct broken_clock {
  clock_capabilities capabilities() const { return {clock_type::tai, smearing::unspecified, true}; }
  result<std::uint64_t> read(reference_time) { return errc::transport_error; }
  // It never shows a reading, so no alarm event can come from it.
  reference_time instant_of(std::uint64_t, reference_time) const { return never_instant; }
  reference_time instant_below(std::uint64_t, reference_time) const { return never_instant; }
};

/// A backend whose reported capabilities change after construction (must not leak out).
struct fickle_clock {
  clock_capabilities caps{clock_type::utc_smeared, smearing::noon_linear, true};
  bool cross = true;
  clock_capabilities capabilities() const { return caps; }
  result<std::uint64_t> read(reference_time now) { return now.ns(); }
  bool supports_cross(hw_counter h) const { return cross && h == hw_counter::arm_vct; }
  result<cross_timestamp> read_cross(reference_time now, hw_counter) { return cross_timestamp{now.ns(), now.ns()}; }
  reference_time instant_of(std::uint64_t r, reference_time now) const { return r > now.ns() ? reference_time(r) : now; }
  reference_time instant_below(std::uint64_t r, reference_time now) const { return now.ns() < r ? now : never_instant; }
};

// Three clocks: 0 UTC_SMEARED/NOON_LINEAR with alarm, 1 TAI (cross with TSC), 2 MONOTONIC.
struct bench {
  virtual_counter tsc{hw_counter::x86_tsc, 2'000'000'000, 1000};
  simulated_clock utc{{clock_type::utc_smeared, smearing::noon_linear, true}, 1'700'000'000'000'000'000, nullptr};
  simulated_clock tai{{clock_type::tai, smearing::unspecified, false}, 1'700'000'037'000'000'000, &tsc};
  simulated_clock mono{{clock_type::monotonic, smearing::unspecified, true}, 0, nullptr};
  std::array<guest_counter, 1> counters{guest_counter{hw_counter::x86_tsc, counter_transform::identity()}};
  std::array<clock_ref, 3> refs{clock_ref(utc), clock_ref(tai), clock_ref(mono)};
  device dev;
  reference_time now{};

  explicit bench(device_config cfg = {}, bool negotiate_alarm = true) : dev(refs, with_counters(cfg)) {
    dev.set_negotiated_features(negotiate_alarm ? feature_alarm_mask : 0);
    dev.set_driver_ok();
  }
  device_config with_counters(device_config cfg) {
    if (cfg.guest_counters.empty()) cfg.guest_counters.assign(counters.begin(), counters.end());
    return cfg;
  }
  response send(const std::vector<std::byte>& req, std::size_t writable = 24) {
    response r{0, std::vector<std::byte>(writable, fill)};
    r.used = dev.handle(req, r.bytes, rt(now));
    return r;
  }
  std::vector<std::uint16_t> drain_notifications() {
    std::vector<std::uint16_t> ids;
    std::array<std::byte, 16> buf{};
    while (dev.write_notification(buf) == 16) {
      CHECK(u8(std::vector<std::byte>(buf.begin(), buf.end()), 0) == 0x00);
      CHECK(std::to_integer<unsigned>(buf[1]) == 0x20);
      ids.push_back(static_cast<std::uint16_t>(std::to_integer<unsigned>(buf[8]) | std::to_integer<unsigned>(buf[9]) << 8));
      for (std::size_t i : {2u, 3u, 4u, 5u, 6u, 7u, 10u, 11u, 12u, 13u, 14u, 15u}) CHECK(buf[i] == std::byte{0});
    }
    return ids;
  }
};

void check_error(const response& r, unsigned st) {
  CHECK(r.used == 8);
  CHECK(r.status() == st);
  for (std::size_t i = 1; i < 8; ++i) CHECK(r.bytes[i] == std::byte{0});
  for (std::size_t i = 8; i < r.bytes.size(); ++i) CHECK(r.bytes[i] == fill);  // nothing beyond the header
}

constexpr unsigned s_OK = 0, s_EOPNOTSUPP = 2, s_ENODEV = 3, s_EINVAL = 4, s_EIO = 5;

}  // namespace

TEST_CASE("5.23.6.2 OK status on success with the full response size") {
  bench b;
  b.now = rt(5'000'000'000);
  const auto r = b.send(read_req(1));
  CHECK(r.used == 16);
  CHECK(r.status() == s_OK);
  CHECK(le64(r.bytes, 8) == 1'700'000'042'000'000'000);
}

TEST_CASE("5.23.6.2 unknown msg_type gets EOPNOTSUPP") {
  bench b;
  check_error(b.send(hex("03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")), s_EOPNOTSUPP);
  check_error(b.send(hex("06 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00")), s_EOPNOTSUPP);
  check_error(b.send(hex("ff ff 00 00 00 00 00 00")), s_EOPNOTSUPP);
  // NOTIF_ALARM belongs on alarmq: on requestq it is no request.
  check_error(b.send(hex("00 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00")), s_EOPNOTSUPP);
}

TEST_CASE("5.23.6.2 unknown hw_counter gets EOPNOTSUPP") {
  bench b;
  check_error(b.send(read_cross_req(1, 0x02)), s_EOPNOTSUPP);
  check_error(b.send(read_cross_req(1, 0xEF)), s_EOPNOTSUPP);
  check_error(b.send(read_cross_req(1, 0xF3)), s_EOPNOTSUPP);  // not configured as a guest counter
  check_error(b.send(cross_cap_req(1, 0x02)), s_EOPNOTSUPP);
  check_error(b.send(cross_cap_req(1, 0xF3)), s_EOPNOTSUPP);
}

TEST_CASE("5.23.6.2 an implementation-specific hw_counter becomes known by configuration") {
  virtual_counter vc{static_cast<hw_counter>(0xF3), 1'000'000'000, 0};
  simulated_clock c{{clock_type::tai, smearing::unspecified, false}, 100, &vc};
  std::array<clock_ref, 1> refs{clock_ref(c)};
  std::array<guest_counter, 1> counters{guest_counter{static_cast<hw_counter>(0xF3), {}}};
  device dev(refs, {.guest_counters = {counters.begin(), counters.end()}});
  std::array<std::byte, 24> out{};
  const auto req = read_cross_req(0, 0xF3);
  CHECK(dev.handle(req, out, rt(50)) == 24);
  CHECK(out[0] == std::byte{0});
  CHECK(le64(std::vector<std::byte>(out.begin(), out.end()), 16) == 50);
  // A configured counter the clock cannot cross-timestamp: known, so CROSS_CAP is s_OK with 0.
  const auto cap = cross_cap_req(0, 0xF3);
  std::array<std::byte, 16> cap_out{};
  CHECK(dev.handle(cap, cap_out, rt(0)) == 16);
  CHECK(cap_out[8] == std::byte{1});
}

TEST_CASE("the device keeps its configuration as given") {
  simulated_clock c{{clock_type::tai, smearing::unspecified, true}, 0};
  std::array<clock_ref, 1> refs{clock_ref(c)};
  const std::vector<guest_counter> counters{{hw_counter::x86_tsc, counter_transform::x86_tsc(3, 1, 7)},
                                            {static_cast<hw_counter>(0xF3), {}}};
  const device dev(refs, {.retention = alarm_retention::clear, .strict_requests = false, .guest_counters = counters});
  CHECK(dev.config().retention == alarm_retention::clear);
  CHECK_FALSE(dev.config().strict_requests);
  REQUIRE(dev.config().guest_counters.size() == 2);
  CHECK(dev.config().guest_counters[0].id == hw_counter::x86_tsc);
  CHECK(dev.config().guest_counters[0].transform == counter_transform::x86_tsc(3, 1, 7));
  CHECK(dev.config().guest_counters[1].id == static_cast<hw_counter>(0xF3));
  // A moved device still has them.
  auto made = device::create(refs, {.guest_counters = counters});
  REQUIRE(made.has_value());
  const device moved = std::move(*made);
  CHECK(moved.config().guest_counters.size() == 2);
}

TEST_CASE("5.23.6.2 hw_counter INVALID gets EINVAL") {
  bench b;
  check_error(b.send(read_cross_req(1, 0xFF)), s_EINVAL);
  check_error(b.send(cross_cap_req(1, 0xFF)), s_EINVAL);
}

TEST_CASE("5.23.6.2 clock_id at or above num_clocks gets ENODEV") {
  bench b;
  check_error(b.send(read_req(3)), s_ENODEV);
  check_error(b.send(read_req(0xFFFF)), s_ENODEV);
  check_error(b.send(read_cross_req(3, 1)), s_ENODEV);
  check_error(b.send(clock_cap_req(3)), s_ENODEV);
  check_error(b.send(cross_cap_req(200, 1)), s_ENODEV);
  check_error(b.send(read_alarm_req(3)), s_ENODEV);
  check_error(b.send(set_alarm_req(3, 0, 0)), s_ENODEV);
  check_error(b.send(set_alarm_enabled_req(3, 0)), s_ENODEV);
}

TEST_CASE("5.23.6.2 a request that does not fit the readable buffer gets EINVAL") {
  bench b;
  for (const auto& full : {read_req(0), read_cross_req(1, 1), clock_cap_req(0), cross_cap_req(0, 1),
                           read_alarm_req(0), set_alarm_req(0, 1, 0), set_alarm_enabled_req(0, 0)}) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      check_error(b.send(cut), s_EINVAL);
    }
  }
  for (std::size_t n = 0; n < 8; ++n) check_error(b.send(std::vector<std::byte>(cfg_req.begin(), cfg_req.begin() + static_cast<std::ptrdiff_t>(n))), s_EINVAL);
}

TEST_CASE("5.23.6.2 a response that does not fit the writable buffer gets EINVAL") {
  bench b;
  struct item {
    std::vector<std::byte> req;
    std::size_t response_size;
  };
  for (const auto& [req, size] : {item{read_req(0), 16}, item{read_cross_req(1, 1), 24}, item{cfg_req, 16},
                                   item{clock_cap_req(0), 16}, item{cross_cap_req(0, 1), 16},
                                   item{read_alarm_req(0), 24}}) {
    for (std::size_t w = 8; w < size; ++w) check_error(b.send(req, w), s_EINVAL);
    CHECK(b.send(req, size).used == size);
  }
  // SET_ALARM and SET_ALARM_ENABLED responses are 8 bytes: they always fit once status fits.
  CHECK(b.send(set_alarm_req(0, UINT64_MAX, 0), 8).used == 8);
}

TEST_CASE("5.23.6.2 no status is written when not even 8 bytes fit") {
  bench b;
  for (std::size_t w = 0; w < 8; ++w) {
    for (const auto& req : {read_req(0), read_req(9), hex("ff ff"), hex("")}) {
      const auto r = b.send(req, w);
      CHECK(r.used == 0);
      for (std::byte x : r.bytes) CHECK(x == fill);
    }
  }
}

TEST_CASE("5.23.6.2 bigger buffers: extra readable and writable space is ignored") {
  bench b;
  b.now = rt(7);
  auto req = read_req(2);
  req.resize(64, std::byte{0x5A});  // extra readable bytes, even non-zero ones, are not the request
  const auto r = b.send(req, 100);
  CHECK(r.used == 16);
  CHECK(r.status() == s_OK);
  CHECK(le64(r.bytes, 8) == 7);
  for (std::size_t i = 16; i < 100; ++i) CHECK(r.bytes[i] == fill);
}

TEST_CASE("5.23.6.2 reserved fields of responses are zero") {
  bench b;
  b.now = rt(3);
  auto cfg = b.send(cfg_req);
  CHECK(cfg.used == 16);
  CHECK(u8(cfg.bytes, 8) == 3);
  for (std::size_t i : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 9u, 10u, 11u, 12u, 13u, 14u, 15u}) CHECK(cfg.bytes[i] == std::byte{0});
  auto cap = b.send(clock_cap_req(0));
  for (std::size_t i = 11; i < 16; ++i) CHECK(cap.bytes[i] == std::byte{0});
  auto cross = b.send(cross_cap_req(1, 1));
  for (std::size_t i = 9; i < 16; ++i) CHECK(cross.bytes[i] == std::byte{0});
  auto alarm = b.send(read_alarm_req(0));
  CHECK(alarm.used == 24);
  for (std::size_t i = 17; i < 24; ++i) CHECK(alarm.bytes[i] == std::byte{0});
  auto set = b.send(set_alarm_req(0, 1, 0));
  CHECK(set.used == 8);
  for (std::size_t i = 1; i < 8; ++i) CHECK(set.bytes[i] == std::byte{0});
}

TEST_CASE("5.23.6.2 EIO when the device fails for a reason not caused by the driver") {
  broken_clock broken;
  std::array<clock_ref, 1> refs{clock_ref(broken)};
  device dev(refs);
  dev.set_negotiated_features(feature_alarm_mask);
  std::array<std::byte, 24> out{};
  CHECK(dev.handle(read_req(0), out, rt(0)) == 8);
  CHECK(out[0] == std::byte{s_EIO});
  CHECK(dev.handle(set_alarm_req(0, 5, 1), out, rt(0)) == 8);
  CHECK(out[0] == std::byte{s_EIO});
  // Requests that need no reading still succeed.
  CHECK(dev.handle(read_alarm_req(0), out, rt(0)) == 24);
  CHECK(out[0] == std::byte{s_OK});
}

TEST_CASE("5.23.6.2 flags only as negotiated: no ALARM_CAP without VIRTIO_RTC_F_ALARM") {
  bench without({}, false);
  CHECK(without.dev.offered_features() == feature_alarm_mask);
  CHECK(without.dev.negotiated_features() == 0);
  const auto cap = without.send(clock_cap_req(0));
  CHECK(cap.status() == s_OK);
  CHECK(u8(cap.bytes, 10) == 0);
  bench with;
  CHECK(u8(with.send(clock_cap_req(0)).bytes, 10) == 1);
  CHECK(u8(with.send(clock_cap_req(1)).bytes, 10) == 0);  // TAI clock has no alarm
}

TEST_CASE("5.23.6.2 identical CFG CLOCK_CAP and CROSS_CAP answers while live and across resets") {
  fickle_clock fickle;
  std::array<clock_ref, 1> refs{clock_ref(fickle)};
  std::array<guest_counter, 1> counters{guest_counter{hw_counter::arm_vct, {}}};
  device dev(refs, {.guest_counters = {counters.begin(), counters.end()}});
  auto ask = [&](const std::vector<std::byte>& req) {
    std::vector<std::byte> out(24, fill);
    out.resize(dev.handle(req, out, rt(0)));
    return out;
  };
  dev.set_negotiated_features(feature_alarm_mask);
  dev.set_driver_ok();
  const auto cfg = ask(cfg_req), cap = ask(clock_cap_req(0)), cross = ask(cross_cap_req(0, 0));
  CHECK(u8(cap, 8) == 3);
  CHECK(u8(cap, 9) == 1);
  CHECK(u8(cross, 8) == 1);
  fickle.caps = {clock_type::tai, smearing::unspecified, false};  // the backend changes its mind
  fickle.cross = false;
  CHECK(ask(cfg_req) == cfg);
  CHECK(ask(clock_cap_req(0)) == cap);
  CHECK(ask(cross_cap_req(0, 0)) == cross);
  dev.reset(rt(10));
  dev.set_negotiated_features(feature_alarm_mask);
  dev.set_driver_ok();
  CHECK(ask(cfg_req) == cfg);
  CHECK(ask(clock_cap_req(0)) == cap);
  CHECK(ask(cross_cap_req(0, 0)) == cross);
}

TEST_CASE("5.23.6.2 non-zero reserved bytes and undefined flag bits get EINVAL") {
  bench b;
  auto req = read_req(0);
  req[3] = std::byte{1};  // req_head reserved
  check_error(b.send(req), s_EINVAL);
  req = read_req(0);
  req[15] = std::byte{0x80};  // body reserved
  check_error(b.send(req), s_EINVAL);
  check_error(b.send(set_alarm_req(0, 5, 0x03)), s_EINVAL);
  check_error(b.send(set_alarm_enabled_req(0, 0x80)), s_EINVAL);
  // A lenient device ignores both.
  bench lenient({.strict_requests = false});
  req = read_req(0);
  req[3] = std::byte{1};
  CHECK(lenient.send(req).status() == s_OK);
  CHECK(lenient.send(set_alarm_enabled_req(0, 0x80)).status() == s_OK);
}

TEST_CASE("5.23.6.2 precedence: length before hw_counter before clock_id before invalid values") {
  bench b;
  // Unknown counter and bad clock: s_EOPNOTSUPP (the counter is checked first).
  check_error(b.send(read_cross_req(9, 0x02)), s_EOPNOTSUPP);
  // Bad clock and non-zero reserved byte: s_ENODEV.
  auto req = read_req(9);
  req[12] = std::byte{1};
  check_error(b.send(req), s_ENODEV);
  // Short writable buffer and bad clock: s_EINVAL.
  check_error(b.send(read_req(9), 12), s_EINVAL);
  // Alarm request without F_ALARM and a short request: s_ENODEV.
  bench without({}, false);
  check_error(without.send(hex("03 10 00 00 00 00 00 00")), s_ENODEV);
  // INVALID counter and bad clock: s_ENODEV.
  check_error(b.send(cross_cap_req(9, 0xFF)), s_ENODEV);
}

TEST_CASE("5.23.5 a device with zero clocks") {
  device dev(std::span<const clock_ref>{});
  CHECK(dev.offered_features() == 0);
  std::array<std::byte, 16> out{};
  CHECK(dev.handle(cfg_req, out, rt(0)) == 16);
  CHECK(out[0] == std::byte{0});
  CHECK(out[8] == std::byte{0});
  CHECK(dev.handle(read_req(0), out, rt(0)) == 8);
  CHECK(out[0] == std::byte{s_ENODEV});
}

TEST_CASE("5.23.3.1 VIRTIO_RTC_F_ALARM is offered iff a clock has an alarm") {
  bench b;
  CHECK(b.dev.offered_features() == feature_alarm_mask);
  simulated_clock tai{{clock_type::tai, smearing::unspecified, false}, 0, nullptr};
  std::array<clock_ref, 1> refs{clock_ref(tai)};
  device plain(refs);
  CHECK(plain.offered_features() == 0);
  plain.set_negotiated_features(feature_alarm_mask);  // not offered: not negotiated
  CHECK(plain.negotiated_features() == 0);
  bench no_offer({.offer_alarm = false});
  CHECK(no_offer.dev.offered_features() == 0);
  CHECK(u8(no_offer.send(clock_cap_req(0)).bytes, 10) == 0);
}

TEST_CASE("5.23.6.4.2 only capabilities CLOCK_CAP may report are accepted when the device is built") {
  // §5.23.6.3.1-2: clock types 0-4 and 0xF0-0xFF; a smearing variant other than UNSPECIFIED
  // only for UTC_SMEARED (3), which may report 0, 1, 2 or 0xF0-0xFF.
  auto type_ok = [](unsigned t) { return t <= 4 || t >= 0xF0; };
  auto variant_ok = [](unsigned t, unsigned v) { return v == 0 || (t == 3 && (v <= 2 || v >= 0xF0)); };
  for (unsigned t = 0; t < 256; ++t) {
    for (unsigned v = 0; v < 256; ++v) {
      simulated_clock c{{static_cast<clock_type>(t), static_cast<smearing>(v), false}, 0, nullptr};
      const std::array<clock_ref, 1> refs{clock_ref(c)};
      const bool valid = type_ok(t) && variant_ok(t, v);
      auto made = device::create(refs);
      if (made.has_value() != valid) {
        CAPTURE(t, v);
        CHECK(made.has_value() == valid);
        continue;
      }
      if (!valid) {
        CHECK(made.error() == errc::invalid_argument);
        continue;
      }
      std::array<std::byte, 16> out{};
      if (made->handle(clock_cap_req(0), out, rt(0)) != 16 || out[8] != std::byte(t) || out[9] != std::byte(v)) {
        CAPTURE(t, v);
        FAIL("CLOCK_CAP does not report the backend's valid capabilities");
      }
    }
  }
}

TEST_CASE("5.23.6.4.2 a device built in place from invalid capabilities serves nothing and says why") {
  simulated_clock smeared{{clock_type::utc_smeared, static_cast<smearing>(5), true}, 0, nullptr};
  simulated_clock tai{{clock_type::tai, smearing::unspecified, true}, 0, nullptr};
  const std::array<clock_ref, 2> refs{clock_ref(tai), clock_ref(smeared)};
  device dev(refs);
  CHECK(dev.build_status() == errc::invalid_argument);
  CHECK(dev.num_clocks() == 0);
  CHECK(dev.offered_features() == 0);
  std::array<std::byte, 16> out{};
  CHECK(dev.handle(clock_cap_req(0), out, rt(0)) == 8);
  CHECK(out[0] == std::byte{s_ENODEV});
  CHECK(dev.handle(read_req(1), out, rt(0)) == 8);  // nothing of the invalid clock leaks out
  // An unassigned clock type and a variant for a type that must report UNSPECIFIED.
  simulated_clock seven{{static_cast<clock_type>(7), smearing::unspecified, false}, 0, nullptr};
  simulated_clock liar{{clock_type::utc_maybe_smeared, smearing::noon_linear, false}, 0, nullptr};
  CHECK(device::create(std::array<clock_ref, 1>{clock_ref(seven)}).error() == errc::invalid_argument);
  CHECK(device::create(std::array<clock_ref, 1>{clock_ref(liar)}).error() == errc::invalid_argument);
  CHECK(device(std::array<clock_ref, 1>{clock_ref(tai)}).build_status().has_value());
}

namespace {
/// An alarm clock that bounds nothing about its course.
struct unbounded_clock {
  clock_capabilities capabilities() const { return {clock_type::tai, smearing::unspecified, true}; }
  result<std::uint64_t> read(reference_time now) { return now.ns(); }
};
}  // namespace

TEST_CASE("5.23.6.6.1 a clock with an alarm must bound its deadlines") {
  unbounded_clock c;
  const std::array<clock_ref, 1> refs{clock_ref(c)};
  CHECK(device::create(refs).error() == errc::invalid_argument);
  // Without the alarm offered, its course does not matter.
  CHECK(device::create(refs, {.offer_alarm = false}).has_value());
}

TEST_CASE("5.23.6.4.2 CROSS_CAP is set iff READ_CROSS succeeds") {
  bench b;
  for (unsigned id = 0; id < 3; ++id) {
    for (unsigned counter : {0u, 1u}) {
      const auto cap = b.send(cross_cap_req(id, counter));
      REQUIRE(cap.status() == s_OK);
      const auto read = b.send(read_cross_req(id, counter));
      CHECK((u8(cap.bytes, 8) == 1) == (read.status() == s_OK));
    }
  }
  CHECK(u8(b.send(cross_cap_req(1, 1)).bytes, 8) == 1);
}

TEST_CASE("5.23.6.5.2 READ_CROSS without a way to determine the counter gets a non-OK status") {
  bench b;
  check_error(b.send(read_cross_req(0, 1)), s_EOPNOTSUPP);  // clock 0 has no counter
  check_error(b.send(read_cross_req(1, 0)), s_EOPNOTSUPP);  // ARM_VCT is not a guest counter here
}

TEST_CASE("5.23.6.5.2 READ_CROSS counter_cycles as the driver reads it: x86 TSC offset and scaling") {
  // Device TSC: 2 GHz, 1000 at instant 0. Guest TSC: 1.5 x host (48 fraction bits) + 5000.
  bench b({.guest_counters = {}});
  std::array<guest_counter, 1> counters{guest_counter{hw_counter::x86_tsc,
                                                      counter_transform::x86_tsc(std::uint64_t{3} << 47, 48, 5000)}};
  std::array<clock_ref, 1> refs{clock_ref(b.tai)};
  device dev(refs, {.guest_counters = {counters.begin(), counters.end()}});
  std::array<std::byte, 24> out{};
  CHECK(dev.handle(read_cross_req(0, 1), out, rt(5'000'000'000)) == 24);
  const std::vector<std::byte> v(out.begin(), out.end());
  CHECK(le64(v, 8) == 1'700'000'042'000'000'000);
  // host = 1000 + 10^10 = 10'000'001'000; guest = host * 1.5 + 5000.
  CHECK(le64(v, 16) == 15'000'001'500 + 5000);
}

TEST_CASE("5.23.6.5.2 READ_CROSS counter_cycles as the driver reads it: Arm CNTVOFF") {
  virtual_counter cnt{hw_counter::arm_vct, 25'000'000, 1'000'000};
  simulated_clock c{{clock_type::tai, smearing::unspecified, false}, 0, &cnt};
  std::array<clock_ref, 1> refs{clock_ref(c)};
  std::array<guest_counter, 1> counters{guest_counter{hw_counter::arm_vct, counter_transform::arm_cntvoff(400'000)}};
  device dev(refs, {.guest_counters = {counters.begin(), counters.end()}});
  std::array<std::byte, 24> out{};
  CHECK(dev.handle(read_cross_req(0, 0), out, rt(2'000'000'000)) == 24);
  // CNTPCT = 10^6 + 2 s * 25 MHz = 51'000'000; CNTVCT = CNTPCT - 400'000.
  CHECK(le64(std::vector<std::byte>(out.begin(), out.end()), 16) == 50'600'000);
}

TEST_CASE("5.23.6.5.2 later READ_CROSS requests give later counter values") {
  bench b;
  std::uint64_t last = 0;
  for (std::uint64_t t = 0; t < 10; ++t) {
    b.now = rt(t * 333);
    const auto r = b.send(read_cross_req(1, 1));
    REQUIRE(r.status() == s_OK);
    CHECK(le64(r.bytes, 16) >= last);
    last = le64(r.bytes, 16);
  }
}

TEST_CASE("5.23.6.5.2 MONOTONIC readings never decrease") {
  bench b;
  CHECK_FALSE(b.mono.step(rt(10), -5).has_value());  // a monotonic clock refuses to step back
  std::uint64_t last = 0;
  for (std::uint64_t t : {0u, 1u, 1u, 50u, 50u, 1000u}) {
    b.now = rt(t);
    const auto r = b.send(read_req(2));
    CHECK(le64(r.bytes, 8) >= last);
    last = le64(r.bytes, 8);
  }
}

TEST_CASE("5.23.6.6.1 ALARM_CAP iff the clock supports the alarm messages") {
  bench b;
  CHECK(u8(b.send(clock_cap_req(0)).bytes, 10) == 1);
  CHECK(u8(b.send(clock_cap_req(1)).bytes, 10) == 0);
  CHECK(u8(b.send(clock_cap_req(2)).bytes, 10) == 1);
  CHECK(b.send(read_alarm_req(0)).status() == s_OK);
  CHECK(b.send(read_alarm_req(2)).status() == s_OK);
}

TEST_CASE("5.23.6.6.2.2 alarm requests without VIRTIO_RTC_F_ALARM get ENODEV") {
  bench b({}, false);
  check_error(b.send(read_alarm_req(0)), s_ENODEV);
  check_error(b.send(set_alarm_req(0, 1, 1)), s_ENODEV);
  check_error(b.send(set_alarm_enabled_req(0, 1)), s_ENODEV);
}

TEST_CASE("5.23.6.6.2.2 alarm requests for a clock without an alarm get ENODEV") {
  bench b;
  check_error(b.send(read_alarm_req(1)), s_ENODEV);
  check_error(b.send(set_alarm_req(1, 1, 1)), s_ENODEV);
  check_error(b.send(set_alarm_enabled_req(1, 0)), s_ENODEV);
}

TEST_CASE("5.23.6.6.2.2 READ_ALARM SET_ALARM and SET_ALARM_ENABLED semantics") {
  bench b;
  auto ra = b.send(read_alarm_req(0));
  CHECK(le64(ra.bytes, 8) == 0);  // initially time 0, disabled
  CHECK(u8(ra.bytes, 16) == 0);
  CHECK(b.send(set_alarm_req(0, 1'800'000'000'000'000'000, 1)).status() == s_OK);
  ra = b.send(read_alarm_req(0));
  CHECK(le64(ra.bytes, 8) == 1'800'000'000'000'000'000);
  CHECK(u8(ra.bytes, 16) == 1);
  CHECK(b.send(set_alarm_enabled_req(0, 0)).status() == s_OK);
  ra = b.send(read_alarm_req(0));
  CHECK(le64(ra.bytes, 8) == 1'800'000'000'000'000'000);  // time retained
  CHECK(u8(ra.bytes, 16) == 0);
  // Any alarm_time is accepted: 0, the past, the maximum.
  for (std::uint64_t t : {std::uint64_t{0}, std::uint64_t{5}, UINT64_MAX})
    CHECK(b.send(set_alarm_req(0, t, 0)).status() == s_OK);
}

TEST_CASE("5.23.6.6.1 an expiration gives exactly one NOTIF_ALARM once a buffer is available") {
  bench b;
  const std::uint64_t start = 1'700'000'000'000'000'000;
  CHECK(b.send(set_alarm_req(0, start + 1'000'000'000, 1)).status() == s_OK);
  CHECK(b.dev.next_deadline(rt(0)) == std::optional<reference_time>{rt(1'000'000'000)});
  CHECK(b.dev.advance(rt(999'999'999)) == 0);
  CHECK_FALSE(b.dev.notification_pending());
  CHECK(b.dev.advance(rt(1'000'000'000)) == 1);
  CHECK(b.dev.notification_pending());
  std::array<std::byte, 15> small{};
  CHECK(b.dev.write_notification(small) == 0);  // too small: nothing written, still pending
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{0});
  CHECK(b.dev.advance(rt(2'000'000'000)) == 0);
  CHECK(b.drain_notifications().empty());
  CHECK_FALSE(b.dev.next_deadline(rt(2'000'000'000)).has_value());
}

TEST_CASE("5.23.6.6.1 SET_ALARM with a past time and enabled expires at once") {
  bench b;
  b.now = rt(100);
  CHECK(b.send(set_alarm_req(2, 50, 1)).status() == s_OK);
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{2});
  // Enabling a past alarm expires as well.
  CHECK(b.send(set_alarm_req(2, 60, 0)).status() == s_OK);
  CHECK(b.drain_notifications().empty());
  CHECK(b.send(set_alarm_enabled_req(2, 1)).status() == s_OK);
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{2});
}

TEST_CASE("5.23.6.6.1 disabling drops pending expirations before the OK is written") {
  bench b;
  b.now = rt(100);
  CHECK(b.send(set_alarm_req(2, 50, 1)).status() == s_OK);
  CHECK(b.dev.notification_pending());
  CHECK(b.send(set_alarm_enabled_req(2, 0)).status() == s_OK);
  CHECK_FALSE(b.dev.notification_pending());
  CHECK(b.send(set_alarm_req(2, 50, 1)).status() == s_OK);
  CHECK(b.send(set_alarm_req(2, 50, 0)).status() == s_OK);
  CHECK(b.drain_notifications().empty());
}

TEST_CASE("5.23.6.6.1 notifications wait until the device is live") {
  bench b;
  b.now = rt(100);
  CHECK(b.send(set_alarm_req(2, 1000, 1)).status() == s_OK);
  b.dev.reset(rt(200));
  CHECK(b.dev.advance(rt(2000)) == 1);  // the alarm still expires while the device is not live
  CHECK_FALSE(b.dev.notification_pending());
  b.dev.set_negotiated_features(feature_alarm_mask);
  b.dev.set_driver_ok();
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{2});
}

TEST_CASE("5.23.6.6.1 a device reset with a retained enabled past alarm expires") {
  bench b;
  b.now = rt(100);
  CHECK(b.send(set_alarm_req(2, 1000, 1)).status() == s_OK);
  CHECK(b.dev.advance(rt(1000)) == 1);
  CHECK(b.drain_notifications().size() == 1);
  b.dev.reset(rt(3000));
  b.dev.set_negotiated_features(feature_alarm_mask);
  b.dev.set_driver_ok();
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{2});
  b.now = rt(3000);
  const auto ra = b.send(read_alarm_req(2));
  CHECK(le64(ra.bytes, 8) == 1000);
  CHECK(u8(ra.bytes, 16) == 1);
}

TEST_CASE("5.23.6.6.1 without retention a reset clears the alarm") {
  bench b({.retention = alarm_retention::clear});
  b.now = rt(100);
  CHECK(b.send(set_alarm_req(2, 1000, 1)).status() == s_OK);
  CHECK(b.dev.advance(rt(1000)) == 1);
  b.dev.reset(rt(3000));
  b.dev.set_negotiated_features(feature_alarm_mask);
  b.dev.set_driver_ok();
  CHECK(b.drain_notifications().empty());
  const auto ra = b.send(read_alarm_req(2));
  CHECK(le64(ra.bytes, 8) == 0);
  CHECK(u8(ra.bytes, 16) == 0);
}

TEST_CASE("5.23.6.6 a clock step back before the alarm time makes the pending notification obsolete") {
  bench b;
  const std::uint64_t start = 1'700'000'000'000'000'000;
  CHECK(b.send(set_alarm_req(0, start + 1000, 1)).status() == s_OK);
  CHECK(b.dev.advance(rt(2000)) == 1);
  CHECK(b.utc.step(rt(2000), -1500).has_value());
  CHECK(b.dev.advance(rt(2000)) == 0);
  CHECK(b.drain_notifications().empty());
  // Progressing past the alarm time again is a new expiration.
  CHECK(b.dev.next_deadline(rt(2000)) == std::optional<reference_time>{rt(2500)});
  CHECK(b.dev.advance(rt(2500)) == 1);
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{0});
}

TEST_CASE("5.23.6.6.1 notifications of several clocks come in expiration order") {
  bench b;
  const std::uint64_t start = 1'700'000'000'000'000'000;
  CHECK(b.send(set_alarm_req(2, 300, 1)).status() == s_OK);
  CHECK(b.send(set_alarm_req(0, start + 100, 1)).status() == s_OK);
  CHECK(b.dev.next_deadline(rt(0)) == std::optional<reference_time>{rt(100)});
  CHECK(b.dev.advance(rt(100)) == 1);
  CHECK(b.dev.advance(rt(300)) == 1);
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{0, 2});
  // The order is that of the events, not of the clock ids.
  CHECK(b.send(set_alarm_req(0, start + 900, 1)).status() == s_OK);
  CHECK(b.send(set_alarm_req(2, 700, 1)).status() == s_OK);
  CHECK(b.dev.advance(rt(700)) == 1);
  CHECK(b.dev.advance(rt(900)) == 1);
  CHECK(b.drain_notifications() == std::vector<std::uint16_t>{2, 0});
}

TEST_CASE("5.23.6.6.3.2 no NOTIF_ALARM for a clock without an alarm") {
  bench b;
  b.now = rt(10);
  CHECK(b.send(set_alarm_req(1, 0, 1)).status() == s_ENODEV);
  CHECK(b.dev.advance(rt(1'000'000)) == 0);
  CHECK(b.drain_notifications().empty());
  CHECK(b.dev.alarm(1) == nullptr);
}

TEST_CASE("5.23.6.5.2 no reading before the alarm time after its notification") {
  bench b;
  const std::uint64_t start = 1'700'000'000'000'000'000;
  CHECK(b.send(set_alarm_req(0, start + 5000, 1)).status() == s_OK);
  const auto at = b.dev.next_deadline(rt(0));
  REQUIRE(at.has_value());
  CHECK(b.dev.advance(rt(*at)) == 1);
  CHECK(b.drain_notifications().size() == 1);
  b.now = *at;
  CHECK(le64(b.send(read_req(0)).bytes, 8) >= start + 5000);
}

// --- host loops: sleeping until next_deadline() against polling --------------------------------

namespace {

constexpr std::uint64_t sec = 1'000'000'000;
constexpr std::uint64_t leap_end = 1'483'228'800;  // 2017-01-01 00:00:00 UTC

enum class backend_kind { tai, stepping, smeared_sls, smeared_noon };

/// One alarm clock on a device, its TAI starting 5 s before the leap second (TAI-UTC 36 s),
/// and slews of that TAI at given reference instants (changes from outside the backend).
struct loop_scenario {
  backend_kind kind = backend_kind::stepping;
  leap_sign sign = leap_sign::positive;
  std::int64_t rate_ppb = 0;  ///< TAI's rate from reference instant 0
  std::int64_t alarm_offset_ns = 0;  ///< the alarm time, relative to 00:00:00 after the leap (TAI: its TAI)
  std::vector<std::pair<std::uint64_t, std::int64_t>> slews;  ///< (instant, rate_ppb), ascending
  std::uint64_t end = 12 * sec;  ///< last reference instant looked at
};

struct rig {
  simulated_clock tai;
  stepping_utc_clock<simulated_clock> stepping;
  smeared_utc_clock<simulated_clock> smeared;
  std::array<clock_ref, 1> refs;
  device dev;
  std::size_t next_slew = 0;
  const loop_scenario& sc;

  static clock_ref pick(rig& r, const loop_scenario& sc) {
    if (sc.kind == backend_kind::tai) return clock_ref(r.tai);
    if (sc.kind == backend_kind::stepping) return clock_ref(r.stepping);
    return clock_ref(r.smeared);
  }
  explicit rig(const loop_scenario& s)
      : tai({clock_type::tai, smearing::unspecified, s.kind == backend_kind::tai}, (leap_end - 5 + 36) * sec),
        stepping(tai, leap_schedule{36, leap_second{leap_end, s.sign}}, true),
        smeared(tai, leap_schedule{36, leap_second{leap_end, s.sign}},
                s.kind == backend_kind::smeared_noon ? smear_method::noon_linear : smear_method::utc_sls, true),
        refs{pick(*this, s)},
        dev(refs),
        sc(s) {
    REQUIRE(dev.build_status().has_value());
    REQUIRE(tai.slew(rt(0), s.rate_ppb).has_value());
    dev.set_negotiated_features(feature_alarm_mask);
    dev.set_driver_ok();
    const std::uint64_t base = (leap_end + (s.kind == backend_kind::tai ? 36 : 0)) * sec;
    const std::uint64_t alarm = base + static_cast<std::uint64_t>(s.alarm_offset_ns);
    std::array<std::byte, 24> out{};
    REQUIRE(dev.handle(set_alarm_req(0, alarm, 1), out, rt(0)) == 8);
    REQUIRE(out[0] == std::byte{0});
  }
  /// Applies the slews due by `t`; returns whether any was.
  bool apply_slews(std::uint64_t t) {
    bool any = false;
    for (; next_slew < sc.slews.size() && sc.slews[next_slew].first <= t; ++next_slew, any = true)
      REQUIRE(tai.slew(rt(sc.slews[next_slew].first), sc.slews[next_slew].second).has_value());
    return any;
  }
  /// advance(t), then the host hands out every notification at once; returns how many.
  std::size_t step(std::uint64_t t) {
    dev.advance(rt(t));
    std::size_t n = 0;
    std::array<std::byte, 16> buf{};
    while (dev.write_notification(buf) == 16) ++n;
    return n;
  }
};

/// Reference instants of the notifications a loop polling every `period` ns hands out.
std::vector<std::uint64_t> polling_loop(const loop_scenario& sc, std::uint64_t period) {
  rig r(sc);
  std::vector<std::uint64_t> out;
  for (std::uint64_t t = 0; t <= sc.end; t += period) {
    r.apply_slews(t);
    for (std::size_t n = r.step(t); n > 0; --n) out.push_back(t);
  }
  return out;
}

/// The same for a loop that sleeps until next_deadline() (or the next change from outside,
/// after which it calls advance()). `wakeups` counts its advance() calls.
std::vector<std::uint64_t> deadline_loop(const loop_scenario& sc, std::size_t* wakeups = nullptr) {
  rig r(sc);
  std::vector<std::uint64_t> out;
  std::uint64_t t = 0;
  std::size_t calls = 0;
  for (;;) {
    for (std::size_t n = r.step(t); n > 0; --n) out.push_back(t);
    ++calls;
    REQUIRE(calls < 100'000);  // a deadline loop that makes no progress
    const auto d = r.dev.next_deadline(rt(t));
    if (d) REQUIRE(d->ns() >= t);
    std::uint64_t next = d ? d->ns() : UINT64_MAX;
    if (r.next_slew < sc.slews.size() && sc.slews[r.next_slew].first < next) next = sc.slews[r.next_slew].first;
    if (next > sc.end) break;
    t = next;
    r.apply_slews(t);
  }
  if (wakeups != nullptr) *wakeups = calls;
  return out;
}

/// The two loops hand out the same notifications, and the sleeping one never later than the
/// polling one nor before the polling period that saw it began.
std::size_t check_same_expirations(const loop_scenario& sc, std::uint64_t period) {
  const auto polled = polling_loop(sc, period);
  const auto slept = deadline_loop(sc);
  REQUIRE(slept.size() == polled.size());
  for (std::size_t i = 0; i < slept.size(); ++i) {
    CHECK(slept[i] <= polled[i]);
    CHECK(slept[i] + period > polled[i]);
  }
  return slept.size();
}

}  // namespace

TEST_CASE("5.23.6.6 a positive leap second: 23:59:59.5 expires twice for a sleeping and a polling host loop") {
  loop_scenario sc;
  sc.alarm_offset_ns = -static_cast<std::int64_t>(sec / 2);  // 23:59:59.5
  const auto slept = deadline_loop(sc);
  // Reached at 23:59:59.5, stepped back before it at 23:59:60 (an expiration not yet notified
  // would be obsolete), reached again: a second expiration (§5.23.6.6).
  CHECK(slept == std::vector<std::uint64_t>{4 * sec + sec / 2, 5 * sec + sec / 2});
  CHECK(polling_loop(sc, 10'000'000) == slept);
  check_same_expirations(sc, 10'000'000);
}

TEST_CASE("5.23.6.6 a negative leap second steps past 23:59:59.5: the deadline is the step") {
  loop_scenario sc;
  sc.sign = leap_sign::negative;
  sc.alarm_offset_ns = -static_cast<std::int64_t>(sec / 2);
  // 23:59:59 is skipped: at TAI 23:59:59 + 36 s (4 s after the start) the clock reads 00:00:00.
  CHECK(deadline_loop(sc) == std::vector<std::uint64_t>{4 * sec});
  check_same_expirations(sc, 10'000'000);
}

TEST_CASE("5.23.6.6 a TAI source slewed 1 percent fast: deadlines are not late") {
  loop_scenario sc;
  sc.rate_ppb = 10'000'000;
  sc.alarm_offset_ns = 3 * static_cast<std::int64_t>(sec);  // 00:00:03 UTC
  for (const backend_kind k : {backend_kind::stepping, backend_kind::smeared_sls, backend_kind::tai}) {
    sc.kind = k;
    rig r(sc);
    const auto d = r.dev.next_deadline(rt(0));
    REQUIRE(d.has_value());
    const std::uint64_t alarm = (leap_end + 3 + (k == backend_kind::tai ? 36 : 0)) * sec;
    CHECK(*r.refs[0].read(*d) >= alarm);  // the deadline is the first instant at the alarm time
    CHECK(*r.refs[0].read(*d - nanosecond_count(1)) < alarm);
    check_same_expirations(sc, 10'000'000);
  }
}

TEST_CASE("5.23.6.6 property: a sleeping host loop sees what a finely polling one sees") {
  std::mt19937_64 rng(20261206);
  const std::uint64_t period = 1'000'000;  // 1 ms
  std::array<int, 3> by_count{};  // scenarios with 0, 1 and 2 expirations
  for (int round = 0; round < 120; ++round) {
    loop_scenario sc;
    sc.kind = static_cast<backend_kind>(rng() % 4);
    sc.sign = rng() % 2 == 0 ? leap_sign::positive : leap_sign::negative;
    const std::int64_t rates[] = {0, 0, 10'000'000, -10'000'000, 1'000'000, 500'000'000, -400'000'000, 77};
    sc.rate_ppb = rates[rng() % 8];
    // Alarms within 3 s of the leap second, on a 1 ms grid plus an odd offset. A dip below
    // the alarm time shorter than the polling period is invisible to polling, so keep alarms
    // just after the repeated 23:59:59 out.
    sc.alarm_offset_ns = (static_cast<std::int64_t>(rng() % 6001) - 3000) * 1'000'000 + 123;
    if (sc.kind == backend_kind::stepping && sc.alarm_offset_ns > -static_cast<std::int64_t>(sec) &&
        sc.alarm_offset_ns < -static_cast<std::int64_t>(sec) + 20'000'000)
      sc.alarm_offset_ns -= 30'000'000;
    if (rng() % 2 == 0) sc.slews.emplace_back((1 + rng() % 9) * sec + rng() % sec, rates[rng() % 8]);
    CAPTURE(round, static_cast<int>(sc.kind), static_cast<int>(sc.sign), sc.rate_ppb, sc.alarm_offset_ns);
    ++by_count[std::min<std::size_t>(check_same_expirations(sc, period), 2)];
  }
  // The rounds cover alarms never reached, reached once, and reached again after a step back.
  CHECK(by_count[0] > 0);
  CHECK(by_count[1] > 0);
  CHECK(by_count[2] > 0);
}

TEST_CASE("5.23.6.6.1 host clocks with alarms bound their deadlines") {
  auto mono = host_clock::monotonic(true);
  auto real = host_clock::realtime(true);
  const std::array<clock_ref, 2> refs{clock_ref(mono), clock_ref(real)};
  auto made = device::create(refs);
  REQUIRE(made.has_value());
  device& dev = *made;
  dev.set_negotiated_features(feature_alarm_mask);
  const std::uint64_t ahead = 50'000'000;  // 50 ms
  for (std::uint16_t id : {std::uint16_t{0}, std::uint16_t{1}}) {
    const reference_time now(*mono.read(reference_time{}));  // the reference: CLOCK_MONOTONIC
    const std::uint64_t alarm = *refs[id].read(now) + ahead;
    std::array<std::byte, 8> out{};
    REQUIRE(dev.handle(set_alarm_req(id, alarm, 1), out, now) == 8);
    const auto d = dev.next_deadline(now);
    REQUIRE(d.has_value());
    CHECK(*d > now);
    CHECK(*d <= now + nanosecond_count(ahead));  // both run at CLOCK_MONOTONIC's rate: never later than this
    REQUIRE(dev.handle(set_alarm_enabled_req(id, 0), out, now) == 8);
  }
}
