// Tests for include/vrtc/roles/driver.hpp against scripted (and malformed) device responses: the
// driver requirements of virtio 1.4 §5.23.6.1, §5.23.6.4.1, §5.23.6.5.1 and §5.23.6.6.
#include <vrtc/roles/driver.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

using namespace vrtc;

std::vector<std::byte> bytes(std::initializer_list<unsigned> v) {
  std::vector<std::byte> out;
  for (unsigned x : v) out.push_back(static_cast<std::byte>(x));
  return out;
}

/// A transport whose device is a function of the request bytes.
struct scripted_transport {
  struct answer {
    std::vector<std::byte> bytes;  ///< written at the start of the writable buffer (truncated)
    std::size_t used = 0;          ///< the used length the "device" reports
    errc error{};                  ///< a transport failure instead of an answer, if set
  };
  std::function<answer(const std::vector<std::byte>&)> device;
  std::vector<std::vector<std::byte>> requests;
  std::vector<std::size_t> writable_sizes;

  result<std::size_t> transfer(std::span<const std::byte> request, std::span<std::byte> response) {
    requests.emplace_back(request.begin(), request.end());
    writable_sizes.push_back(response.size());
    const answer a = device(requests.back());
    if (a.error != errc{}) return a.error;
    for (std::size_t i = 0; i < a.bytes.size() && i < response.size(); ++i) response[i] = a.bytes[i];
    return a.used;
  }
};

/// A scripted device that answers every request with the same bytes and used length.
scripted_transport constant(std::vector<std::byte> b, std::size_t used) {
  scripted_transport t;
  t.device = [b, used](const std::vector<std::byte>&) -> scripted_transport::answer {
    return scripted_transport::answer{b, used};
  };
  return t;
}

std::vector<std::byte> read_ok(std::uint64_t v) {
  std::vector<std::byte> b(16, std::byte{0});
  for (std::size_t i = 0; i < 8; ++i) b[8 + i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
  return b;
}

}  // namespace

TEST_CASE("5.23.6.1 an error response needs its 8-byte header") {
  auto t = constant(bytes({3, 0, 0, 0, 0, 0, 0, 0}), 7);
  driver d(t);
  CHECK(d.read(0) == errc::bad_response);
  auto t8 = constant(bytes({3, 0, 0, 0, 0, 0, 0, 0}), 8);
  driver d8(t8);
  CHECK(d8.read(0) == errc::device_enodev);
  auto t0 = constant({}, 0);
  driver d0(t0);
  CHECK(d0.read(0) == errc::bad_response);
}

TEST_CASE("5.23.6.1 an error response with a longer used length is accepted") {
  auto t = constant(bytes({4, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad}), 16);
  driver d(t);
  CHECK(d.read(0) == errc::device_einval);
}

TEST_CASE("5.23.6.1 an OK response needs its full size") {
  auto t = constant(read_ok(42), 15);
  driver d(t);
  CHECK(d.read(0) == errc::bad_response);
  auto full = constant(read_ok(42), 16);
  driver df(full);
  CHECK(df.read(0) == std::uint64_t{42});
  // An OK header alone is not a READ response.
  auto header = constant(bytes({0, 0, 0, 0, 0, 0, 0, 0}), 8);
  driver dh(header);
  CHECK(dh.read(0) == errc::bad_response);
}

TEST_CASE("5.23.6.1 a used length beyond the writable buffer is a bad response") {
  auto t = constant(read_ok(42), 17);
  driver d(t);
  CHECK(d.read(0) == errc::bad_response);
}

TEST_CASE("5.23.6.1 the driver allocates exactly the response size") {
  auto t = constant(read_ok(1), 16);
  driver d(t);
  CHECK(d.read(0).has_value());
  CHECK(t.writable_sizes.back() == 16);
  t.device = [](const std::vector<std::byte>&) -> scripted_transport::answer {
    return scripted_transport::answer{std::vector<std::byte>(24, std::byte{0}), 24};
  };
  CHECK(d.read_cross(0, hw_counter::x86_tsc).has_value());
  CHECK(t.writable_sizes.back() == 24);
}

TEST_CASE("5.23.6.1 status values map to errors and unknown ones to EIO") {
  const std::pair<unsigned, errc> cases[] = {{2, errc::device_eopnotsupp}, {3, errc::device_enodev},
                                             {4, errc::device_einval},     {5, errc::device_eio},
                                             {1, errc::device_eio},        {6, errc::device_eio},
                                             {0x80, errc::device_eio},     {0xff, errc::device_eio}};
  for (const auto& [st, e] : cases) {
    auto t = constant(bytes({st, 0, 0, 0, 0, 0, 0, 0}), 8);
    driver d(t);
    CHECK(d.read(0) == e);
  }
}

TEST_CASE("5.23.6.1 non-OK responses: other fields are not interpreted") {
  auto b = read_ok(99);
  b[0] = std::byte{5};
  auto t = constant(b, 16);
  driver d(t);
  CHECK(d.read(0) == errc::device_eio);
}

TEST_CASE("5.23.6.1 reserved bytes of responses are not interpreted") {
  auto b = read_ok(7);
  for (std::size_t i = 1; i < 8; ++i) b[i] = std::byte{0xee};
  auto t = constant(b, 16);
  driver d(t);
  CHECK(d.read(0) == std::uint64_t{7});
  // CFG with junk in every reserved byte.
  auto cfg = bytes({0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 9, 9, 9, 9, 9, 9});
  auto tc = constant(cfg, 16);
  driver dc(tc);
  CHECK(dc.probe().has_value());
  CHECK(dc.clocks().empty());
}

TEST_CASE("5.23.6.1 only negotiated and defined flag bits are interpreted") {
  scripted_transport t;
  unsigned cap_flags = 0xFE;
  t.device = [&](const std::vector<std::byte>& req) -> scripted_transport::answer {
    const unsigned type = std::to_integer<unsigned>(req[0]) | std::to_integer<unsigned>(req[1]) << 8;
    if (type == 0x1000) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}), 16};
    if (type == 0x1001)
      return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 3, 1, cap_flags, 0, 0, 0, 0, 0}), 16};
    return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0, 0, 0, 0, 0, 0, 0}), 16};
  };
  driver with(t, {.features = feature_alarm_mask});
  REQUIRE(with.probe().has_value());
  CHECK_FALSE(with.clocks()[0].alarm);  // only bit 0 means ALARM_CAP
  CHECK_FALSE(with.cross_supported(0, hw_counter::x86_tsc));  // CROSS_CAP flags 0xFE: bit 0 clear
  cap_flags = 0xFF;
  REQUIRE(with.probe().has_value());
  CHECK(with.clocks()[0].alarm);
  driver without(t, {.features = 0});
  REQUIRE(without.probe().has_value());
  CHECK_FALSE(without.clocks()[0].alarm);  // ALARM_CAP without F_ALARM is not interpreted
}

TEST_CASE("5.23.6.1 readings above INT64_MAX are representable") {
  auto t = constant(read_ok(UINT64_MAX), 16);
  driver d(t);
  CHECK(d.read(0) == UINT64_MAX);
  auto t2 = constant(read_ok(std::uint64_t{1} << 63), 16);
  driver d2(t2);
  CHECK(d2.read(0) == std::uint64_t{1} << 63);
}

TEST_CASE("5.23.6.1 requests have zero reserved bytes and only negotiated flags") {
  auto t = constant(bytes({0, 0, 0, 0, 0, 0, 0, 0}), 8);
  driver d(t, {.features = feature_alarm_mask});
  CHECK(d.set_alarm(0, 1'800'000'000'000'000'000, true).has_value());
  // SET_ALARM clock 0, t = 1.8e18, enabled: the spec layout (alarm_time before clock_id).
  CHECK(t.requests.back() == bytes({0x04, 0x10, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0xb4, 0x93, 0x76, 0xe2, 0xfa, 0x18,
                                    0x00, 0x00, 0x01, 0, 0, 0, 0, 0}));
  CHECK(d.set_alarm_enabled(0, false).has_value());
  CHECK(t.requests.back() == bytes({0x05, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  // Without F_ALARM no alarm request (and so no ALARM_ENABLED flag) is ever sent.
  driver plain(t);
  const auto before = t.requests.size();
  CHECK(plain.set_alarm(0, 5, true) == errc::not_supported);
  CHECK(plain.set_alarm_enabled(0, true) == errc::not_supported);
  CHECK(plain.read_alarm(0) == errc::not_supported);
  CHECK(t.requests.size() == before);
}

TEST_CASE("5.23.6.5.1 READ_CROSS hw_counter is a defined id or 0xF0 to 0xFE") {
  auto t = constant(std::vector<std::byte>(24, std::byte{0}), 24);
  driver d(t);
  CHECK(d.read_cross(0, hw_counter::invalid) == errc::invalid_argument);
  CHECK(d.read_cross(0, static_cast<hw_counter>(2)) == errc::invalid_argument);
  CHECK(d.read_cross(0, static_cast<hw_counter>(0xEF)) == errc::invalid_argument);
  CHECK(t.requests.empty());
  CHECK(d.read_cross(0, static_cast<hw_counter>(0xF0)).has_value());
  CHECK(d.read_cross(0, hw_counter::arm_vct).has_value());
  CHECK(t.requests.back() == bytes({0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST_CASE("5.23.6.4 transport errors propagate") {
  scripted_transport t;
  t.device = [](const std::vector<std::byte>&) {
    return scripted_transport::answer{{}, 0, errc::transport_error};
  };
  driver d(t);
  CHECK(d.read(0) == errc::transport_error);
  CHECK(d.probe() == errc::transport_error);
}

TEST_CASE("5.23.6.4 probe: a failing CLOCK_CAP fails the probe and CROSS_CAP EOPNOTSUPP is tolerated") {
  scripted_transport t;
  unsigned clock_cap_status = 0;
  unsigned cross_cap_status = 2;
  t.device = [&](const std::vector<std::byte>& req) -> scripted_transport::answer {
    const unsigned type = std::to_integer<unsigned>(req[0]) | std::to_integer<unsigned>(req[1]) << 8;
    if (type == 0x1000) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}), 16};
    if (type == 0x1001)
      return scripted_transport::answer{bytes({clock_cap_status, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}), 16};
    return scripted_transport::answer{bytes({cross_cap_status, 0, 0, 0, 0, 0, 0, 0}), 8};
  };
  driver d(t);
  REQUIRE(d.probe().has_value());
  CHECK(d.clocks().size() == 2);
  CHECK_FALSE(d.cross_supported(0, hw_counter::arm_vct));
  cross_cap_status = 5;
  CHECK(d.probe() == errc::device_eio);
  CHECK(d.clocks().empty());
  cross_cap_status = 0;  // OK but only 8 bytes: malformed
  CHECK(d.probe() == errc::bad_response);
  cross_cap_status = 2;
  clock_cap_status = 3;
  CHECK(d.probe() == errc::device_enodev);
}

TEST_CASE("5.23.6.4 every failed probe leaves the driver unprobed with no clocks") {
  scripted_transport t;
  unsigned failing = 0;  // the msg_type that fails (0: none)
  t.device = [&](const std::vector<std::byte>& req) -> scripted_transport::answer {
    const unsigned type = std::to_integer<unsigned>(req[0]) | std::to_integer<unsigned>(req[1]) << 8;
    if (type == failing) return scripted_transport::answer{bytes({5, 0, 0, 0, 0, 0, 0, 0}), 8};
    if (type == 0x1000) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}), 16};
    if (type == 0x1001) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}), 16};
    return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), 16};
  };
  for (const unsigned step : {0x1000u, 0x1001u, 0x1002u}) {  // CFG, CLOCK_CAP, CROSS_CAP
    CAPTURE(step);
    driver d(t);
    failing = 0;
    REQUIRE(d.probe().has_value());
    REQUIRE(d.probed());
    REQUIRE(d.clocks().size() == 2);
    failing = step;
    CHECK(d.probe() == errc::device_eio);
    CHECK_FALSE(d.probed());
    CHECK(d.clocks().empty());
    CHECK(d.clock(0) == nullptr);
    failing = 0;  // and a later probe that succeeds is whole again
    REQUIRE(d.probe().has_value());
    CHECK(d.probed());
    CHECK(d.clocks().size() == 2);
  }
}

TEST_CASE("5.23.6.3.1 PTP clock names as Linux forms them") {
  CHECK(std::string(make_ptp_name(clock_type::utc, smearing::unspecified).c_str()) == "Virtio PTP type 0/variant 0");
  CHECK(std::string(make_ptp_name(clock_type::utc_smeared, smearing::noon_linear).c_str()) ==
        "Virtio PTP type 3/variant 1");
  const auto longest = make_ptp_name(static_cast<clock_type>(255), static_cast<smearing>(255));
  CHECK(std::string(longest.c_str()) == "Virtio PTP type 255/variant 255");
  CHECK(std::strlen(longest.c_str()) == 31);
  static_assert(make_ptp_name(clock_type::tai, smearing::unspecified).text[16] == '1');
}

TEST_CASE("5.23.6.3.1 clock classification: UTC-like and RTC backing") {
  clock_info c;
  for (unsigned v = 0; v < 256; ++v) {
    c.type = static_cast<clock_type>(v);
    CHECK(c.utc_like() == (v == 0 || v == 3 || v == 4));
    CHECK(c.may_back_rtc() == (v == 3));
  }
}

TEST_CASE("5.23.6.6.3 notifications: short, foreign and bad ones are rejected") {
  scripted_transport t;
  t.device = [&](const std::vector<std::byte>& req) -> scripted_transport::answer {
    const unsigned type = std::to_integer<unsigned>(req[0]) | std::to_integer<unsigned>(req[1]) << 8;
    if (type == 0x1000) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}), 16};
    if (type == 0x1001) {
      const unsigned flags = req[8] == std::byte{0} ? 1 : 0;  // clock 0 has an alarm, clock 1 none
      return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 3, 1, flags, 0, 0, 0, 0, 0}), 16};
    }
    if (type == 0x1002) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), 16};
    if (type == 0x0001) return scripted_transport::answer{read_ok(2000), 16};
    if (type == 0x1003)
      return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 0xd0, 0x07, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}), 24};
    return scripted_transport::answer{{}, 0, errc::transport_error};
  };
  driver d(t, {.features = feature_alarm_mask});
  REQUIRE(d.probe().has_value());
  const auto good = bytes({0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(d.handle_notification(std::span(good).first(7)) == errc::bad_response);
  CHECK(d.handle_notification(std::span(good).first(15)) == errc::bad_response);
  auto foreign = good;
  foreign[1] = std::byte{0x21};
  CHECK(d.handle_notification(foreign) == errc::unknown_msg_type);
  auto no_alarm = good;
  no_alarm[8] = std::byte{1};
  CHECK(d.handle_notification(no_alarm) == errc::bad_response);
  auto bad_clock = good;
  bad_clock[8] = std::byte{9};
  CHECK(d.handle_notification(bad_clock) == errc::bad_response);
  // Reserved bytes set: still a valid notification; the clock is re-read.
  auto junk = good;
  junk[5] = std::byte{0x77};
  junk[15] = std::byte{0x77};
  const auto before = t.requests.size();
  int calls = 0;
  const auto e = d.handle_notification(junk, [&](const alarm_event& ev) {
    ++calls;
    CHECK(ev.clock_id == 0);
  });
  REQUIRE(e.has_value());
  CHECK(calls == 1);
  CHECK(e->clock_reading == 2000);
  CHECK(e->alarm.alarm_time == 2000);
  CHECK(e->alarm.enabled);
  CHECK(e->reached());
  CHECK(t.requests.size() == before + 2);  // READ and READ_ALARM
  CHECK(t.requests[before][0] == std::byte{0x01});
}

TEST_CASE("5.23.6.5 extended read: offset against the midpoint and half-bracket uncertainty") {
  auto t = constant(read_ok(1'000'500), 16);
  driver d(t);
  std::uint64_t sys = 1'000'000;
  const auto x = d.read_extended(0, [&] {
    const std::uint64_t v = sys;
    sys += 400;
    return v;
  });
  REQUIRE(x.has_value());
  CHECK(x->system_before == 1'000'000);
  CHECK(x->system_after == 1'000'400);
  CHECK(x->system_midpoint() == 1'000'200);
  CHECK(x->uncertainty() == 200);
  CHECK(x->offset() == std::int64_t{300});
  extended_reading far{UINT64_MAX, 0, 0};
  CHECK(far.offset() == errc::overflow);
  extended_reading behind{0, 500, 700};
  CHECK(behind.offset() == std::int64_t{-600});
}

TEST_CASE("5.23.6.5 precise read: system time interpolated at counter_cycles") {
  // Device answer: reading 5'000'000'000 at counter 1'300.
  std::vector<std::byte> b(24, std::byte{0});
  const std::uint64_t reading = 5'000'000'000, cycles = 1'300;
  for (std::size_t i = 0; i < 8; ++i) {
    b[8 + i] = static_cast<std::byte>((reading >> (8 * i)) & 0xff);
    b[16 + i] = static_cast<std::byte>((cycles >> (8 * i)) & 0xff);
  }
  auto t = constant(b, 24);
  driver d(t);
  int n = 0;
  auto snap = [&] {
    return n++ == 0 ? system_snapshot{1'000, 10'000} : system_snapshot{2'000, 12'000};
  };
  const auto p = d.read_precise(0, hw_counter::x86_tsc, snap);
  REQUIRE(p.has_value());
  CHECK(p->system_ns == 10'600);  // 30 % of the way from 10'000 to 12'000
  CHECK(p->clock_reading == reading);
  // counter_cycles outside the bracket: the device does not use the guest's counter.
  n = 0;
  auto late = [&] { return n++ == 0 ? system_snapshot{1'400, 10'000} : system_snapshot{2'000, 12'000}; };
  CHECK(d.read_precise(0, hw_counter::x86_tsc, late) == errc::bad_response);
}

TEST_CASE("5.23.6.6 boot-time-safe alarm needs an RTC clock with an alarm") {
  auto t = constant(bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), 16);
  driver d(t, {.features = feature_alarm_mask});
  REQUIRE(d.probe().has_value());  // zero clocks
  CHECK(d.clocks().empty());
  CHECK(d.rtc_clock() == nullptr);
  CHECK(d.set_boottime_safe_alarm(5) == errc::not_supported);
  CHECK(d.clear_alarms().has_value());
}

TEST_CASE("5.23.6.4.1 CROSS_CAP hw_counter is a defined id or 0xF0 to 0xFE") {
  scripted_transport t;
  t.device = [](const std::vector<std::byte>& req) {
    const unsigned type = std::to_integer<unsigned>(req[0]) | std::to_integer<unsigned>(req[1]) << 8;
    if (type == 0x1000) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}), 16};
    if (type == 0x1001) return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}), 16};
    return scripted_transport::answer{bytes({0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}), 16};
  };
  driver d(t, {.features = 0, .probe_counters = {hw_counter::invalid, static_cast<hw_counter>(0xF7)}});
  REQUIRE(d.probe().has_value());
  for (const auto& r : t.requests) {
    if (r[0] != std::byte{0x02} || r[1] != std::byte{0x10}) continue;
    CHECK(r[10] == std::byte{0xF7});  // INVALID was never sent
  }
  CHECK(t.requests.size() == 3);  // CFG, CLOCK_CAP, one CROSS_CAP
  CHECK_FALSE(d.cross_supported(0, hw_counter::invalid));
  CHECK(d.cross_supported(0, static_cast<hw_counter>(0xF7)));
}
