// Tests for include/vrtc/fmt.hpp. The test binaries do not link fmt, so fmt is used in its
// header-only mode here.
#define FMT_HEADER_ONLY
#include <fmt/format.h>

#include <vrtc/fmt.hpp>

#include <catch2/catch.hpp>
#include <string>

using namespace vrtc;

TEST_CASE("protocol enums format as the spec's names") {
  CHECK(fmt::format("{}", msg_type::read_cross) == "READ_CROSS");
  CHECK(fmt::format("{}", msg_type::notif_alarm) == "NOTIF_ALARM");
  CHECK(fmt::format("{}", status::ok) == "OK");
  CHECK(fmt::format("{}", status::eopnotsupp) == "EOPNOTSUPP");
  CHECK(fmt::format("{}", clock_type::utc_maybe_smeared) == "UTC_MAYBE_SMEARED");
  CHECK(fmt::format("{}", smearing::noon_linear) == "NOON_LINEAR");
  CHECK(fmt::format("{}", hw_counter::arm_vct) == "ARM_VCT");
  CHECK(fmt::format("{}", hw_counter::invalid) == "INVALID");
}

TEST_CASE("values without a name still format, with their number") {
  CHECK(fmt::format("{}", static_cast<msg_type>(0x0003)) == "unknown(0x0003)");
  CHECK(fmt::format("{}", static_cast<status>(1)) == "unknown(0x01)");
  CHECK(fmt::format("{}", static_cast<clock_type>(0xf3)) == "implementation-specific(0xf3)");
  CHECK(fmt::format("{}", static_cast<clock_type>(0x05)) == "unknown(0x05)");
  CHECK(fmt::format("{}", static_cast<smearing>(0xff)) == "implementation-specific(0xff)");
  CHECK(fmt::format("{}", static_cast<hw_counter>(0xf0)) == "implementation-specific(0xf0)");
}

TEST_CASE("enums honour width, fill and alignment") {
  CHECK(fmt::format("{:>6}", clock_type::tai) == "   TAI");
  CHECK(fmt::format("{:*<8}", status::eio) == "EIO*****");
  CHECK(fmt::format("[{:^7}]", hw_counter::x86_tsc) == "[X86_TSC]");
}

TEST_CASE("errc formats as its description") {
  CHECK(fmt::format("{}", errc::too_short) == "input too short");
  CHECK(fmt::format("{}", errc::unknown_msg_type) == "unknown msg_type");
}

TEST_CASE("messages format with their type, direction and fields") {
  CHECK(fmt::format("{}", cfg_request{}) == "CFG req {}");
  CHECK(fmt::format("{}", read_request{.clock_id = 7}) == "READ req {clock_id: 7}");
  CHECK(fmt::format("{}", read_response{.clock_reading = 18446744073709551615u}) ==
        "READ resp {status: OK, clock_reading: 18446744073709551615}");
  CHECK(fmt::format("{}", read_cross_request{.clock_id = 1, .hw_counter = hw_counter::x86_tsc}) ==
        "READ_CROSS req {clock_id: 1, hw_counter: X86_TSC}");
  CHECK(fmt::format("{}", clock_cap_response{.type = clock_type::utc_smeared,
                                             .leap_second_smearing = smearing::utc_sls,
                                             .flags = 0x81}) ==
        "CLOCK_CAP resp {status: OK, type: UTC_SMEARED, leap_second_smearing: UTC_SLS, flags: 0x81}");
  CHECK(fmt::format("{}", set_alarm_request{.alarm_time = 1800000000000000000u, .clock_id = 2, .flags = 1}) ==
        "SET_ALARM req {alarm_time: 1800000000000000000, clock_id: 2, flags: 0x01}");
  CHECK(fmt::format("{}", notif_alarm{.clock_id = 3}) == "NOTIF_ALARM {clock_id: 3}");
}

TEST_CASE("an error response formats as its status alone") {
  CHECK(fmt::format("{}", read_alarm_response{.status = status::enodev, .alarm_time = 5, .flags = 1}) ==
        "READ_ALARM resp {status: ENODEV}");
  CHECK(fmt::format("{}", set_alarm_response{.status = static_cast<status>(9)}) ==
        "SET_ALARM resp {status: unknown(0x09)}");
}

TEST_CASE("any_request and any_response format the message they hold") {
  const any_request req = set_alarm_enabled_request{.clock_id = 4, .flags = 0};
  CHECK(fmt::format("{}", req) == "SET_ALARM_ENABLED req {clock_id: 4, flags: 0x00}");
  const any_response resp = cfg_response{.num_clocks = 2};
  CHECK(fmt::format("{}", resp) == "CFG resp {status: OK, num_clocks: 2}");
}
