// Tests for include/vmclock/fmt.hpp (fmt used header-only: test binaries do not link fmt).
#define FMT_HEADER_ONLY
#include <fmt/format.h>
#include <vmclock/fmt.hpp>

#include <catch2/catch.hpp>
#include <string>

namespace {

namespace vmc = vrtc::vmclock;

}  // namespace

TEST_CASE("enums print their spec names, undefined values their number", "[vmclock]") {
  CHECK(fmt::format("{}", vmc::clock_status::synchronized) == "SYNCHRONIZED");
  CHECK(fmt::format("{}", vmc::clock_status::unreliable) == "UNRELIABLE");
  CHECK(fmt::format("{}", vmc::time_type::tai) == "TAI");
  CHECK(fmt::format("{}", vmc::time_type::invalid_smeared) == "INVALID_SMEARED");
  CHECK(fmt::format("{}", vmc::counter_id::x86_tsc) == "X86_TSC");
  CHECK(fmt::format("{}", vmc::smearing_hint::utc_sls) == "UTC_SLS");
  CHECK(fmt::format("{}", vmc::leap_indicator::post_pos) == "POST_POS");
  CHECK(fmt::format("{}", static_cast<vmc::clock_status>(7)) == "(7)");
  CHECK(fmt::format("{}", static_cast<vmc::counter_id>(0xfe)) == "(254)");
  CHECK(fmt::format("[{:>14}]", vmc::clock_status::freerunning) == "[   FREERUNNING]");  // width applies
}

TEST_CASE("a page prints every field on one line", "[vmclock]") {
  vmc::page_data p;
  p.counter_id = vmc::counter_id::x86_tsc;
  p.time_type = vmc::time_type::tai;
  p.seq_count = 2;
  p.disruption_marker = 1;
  p.flags = vmc::flag::tai_offset_valid | vmc::flag::vm_gen_counter_present;
  p.clock_status = vmc::clock_status::synchronized;
  p.tai_offset_sec = -37;
  p.counter_period_shift = 4;
  p.counter_period_frac_sec = 0x1a6e39b3e0;
  p.time_sec = 1704067200;
  p.time_frac_sec = 0x8000000000000000;
  p.vm_generation_counter = 3;
  CHECK(fmt::format("{}", p) ==
        "magic=0x4b4c4356 size=4096 version=1 counter_id=X86_TSC time_type=TAI seq_count=2 disruption_marker=1 "
        "flags=0x101 clock_status=SYNCHRONIZED leap_second_smearing_hint=STRICT tai_offset_sec=-37 "
        "leap_indicator=NONE counter_period_shift=4 counter_value=0 counter_period_frac_sec=0x1a6e39b3e0 "
        "counter_period_esterror_rate_frac_sec=0x0 counter_period_maxerror_rate_frac_sec=0x0 "
        "time_sec=1704067200 time_frac_sec=0x8000000000000000 time_esterror_nanosec=0 time_maxerror_nanosec=0 "
        "vm_generation_counter=3");
  p.size = 104;  // vm_generation_counter beyond size: not printed
  CHECK(fmt::format("{}", p).find("vm_generation_counter") == std::string::npos);
}

TEST_CASE("a reading prints the time, the scales and the bounds", "[vmclock]") {
  vmc::page_data p;
  p.counter_id = vmc::counter_id::x86_tsc;  // a page with a counter relation
  p.time_type = vmc::time_type::tai;
  p.flags = vmc::flag::tai_offset_valid | vmc::flag::time_maxerror_valid;
  p.clock_status = vmc::clock_status::synchronized;
  p.tai_offset_sec = -37;
  p.counter_value = 100;
  p.counter_period_frac_sec = std::uint64_t{1} << 62;  // 0.25 s per tick
  p.time_sec = 1704067200;
  p.time_maxerror_nanosec = 500;
  const auto s = vmc::clock_sample::at(p, 102);
  REQUIRE(s.has_value());
  const vmc::clock_reading r = s->reading();
  CHECK(fmt::format("{}", r) ==
        "1704067200.500000000 TAI SYNCHRONIZED utc_sec=1704067163 tai_sec=1704067200 est_error=none "
        "max_error=500ns leap=NONE counter=102 disruption_marker=0");
  // A sample prints as its reading.
  CHECK(fmt::format("{}", *s) == fmt::format("{}", r));
}
