// Tests for include/vrtc/roles/clocks.hpp and include/vrtc/roles/leap_clocks.hpp: simulated clocks, guest
// counter transforms, and UTC clocks that step or smear at a leap second (virtio 1.4
// §5.23.6.3.1, §5.23.6.3.2, §5.23.6.4.2, §5.23.6.5). Expected smeared readings were computed
// with exact rational arithmetic (Python fractions) from the spec's definitions.
#include <vrtc/roles/clocks.hpp>
#include <vrtc/roles/leap_clocks.hpp>

#include <catch2/catch.hpp>
#include <cstdint>

namespace {

using namespace vrtc;
using rt = reference_time;

constexpr std::uint64_t s = 1'000'000'000;
constexpr std::uint64_t E = 1'483'228'800;  // 2017-01-01 00:00:00 UTC, after a positive leap second

// TAI clock whose UTC (TAI-UTC = 36) reads E - 2000 s at reference instant 0.
simulated_clock make_tai() { return simulated_clock({clock_type::tai, smearing::unspecified, false}, (E - 2000 + 36) * s); }
constexpr leap_schedule schedule{36, leap_second{E, leap_sign::positive}};

constexpr bool transform_examples() {
  // x86: ratio 1.5 with 48 fraction bits, offset 5000.
  const auto x86 = counter_transform::x86_tsc(std::uint64_t{3} << 47, 48, 5000);
  // Arm: CNTVOFF 400: the guest counter runs 400 behind.
  const auto arm = counter_transform::arm_cntvoff(400);
  return counter_transform::identity().apply(12345) == 12345 && x86.apply(1000) == 6500 && arm.apply(1000) == 600 &&
         arm.apply(100) == UINT64_MAX - 299;  // wraps like the hardware counter
}
static_assert(transform_examples());

}  // namespace

TEST_CASE("5.23.6.5 guest counter transforms: identity x86 TSC scaling and Arm CNTVOFF") {
  REQUIRE(transform_examples());
  // AMD-style 32 fraction bits, ratio 2.0, offset 0.
  CHECK(counter_transform::x86_tsc(std::uint64_t{2} << 32, 32, 0).apply(0x1234'5678'9abc) == 0x2468'acf1'3578);
  // A full 64-bit product does not overflow before the shift.
  CHECK(counter_transform::x86_tsc(std::uint64_t{1} << 48, 48, 0).apply(UINT64_MAX) == UINT64_MAX);
}

TEST_CASE("5.23.6.5 virtual counter ticks at its frequency") {
  constexpr virtual_counter c{hw_counter::x86_tsc, 3'000'000'000, 10};
  static_assert(c.at(rt(0)) == 10);
  static_assert(c.at(rt(s)) == 3'000'000'010);
  static_assert(c.at(rt(1)) == 13);
  CHECK(c.at(rt(UINT64_MAX)) == 7);  // 3 * (2^64 - 1) + 10, modulo 2^64: a 128-bit product, no overflow
}

TEST_CASE("5.23.6.5 simulated clock: steps and slews") {
  simulated_clock c({clock_type::tai, smearing::unspecified, false}, 1000);
  CHECK(c.reading_at(rt(0)) == 1000);
  CHECK(c.reading_at(rt(500)) == 1500);
  CHECK(c.step(rt(500), -700).has_value());
  CHECK(c.reading_at(rt(500)) == 800);
  CHECK(c.reading_at(rt(600)) == 900);
  CHECK(c.slew(rt(600), 500'000'000).has_value());  // 1.5x
  CHECK(c.reading_at(rt(800)) == 1200);
  CHECK(c.instant_of(1200, rt(600)) == rt(800));
  CHECK(c.instant_of(1201, rt(600)) == rt(801));
  CHECK(c.instant_of(100, rt(600)) == rt(600));
  CHECK(c.set(rt(800), 5).has_value());
  CHECK(c.reading_at(rt(800)) == 5);
  CHECK(c.slew(rt(800), -1'000'000'000) == errc::invalid_argument);
  CHECK(c.slew(rt(800), 1'000'000'000) == errc::invalid_argument);
}

TEST_CASE("5.23.6.5.2 simulated MONOTONIC clock refuses to go backwards") {
  simulated_clock m({clock_type::monotonic, smearing::unspecified, false}, 0);
  CHECK(m.step(rt(10), -1) == errc::invalid_argument);
  CHECK(m.set(rt(10), 5) == errc::invalid_argument);
  CHECK(m.step(rt(10), 100).has_value());
  CHECK(m.reading_at(rt(10)) == 110);
}

TEST_CASE("5.23.6.5 simulated clock saturates instead of wrapping") {
  simulated_clock c({clock_type::tai, smearing::unspecified, false}, UINT64_MAX - 10);
  CHECK(c.reading_at(rt(100)) == UINT64_MAX);
  CHECK(c.step(rt(0), INT64_MAX).has_value());
  CHECK(c.reading_at(rt(0)) == UINT64_MAX);
  CHECK(c.step(rt(0), INT64_MIN).has_value());
  CHECK(c.reading_at(rt(0)) == UINT64_MAX - (std::uint64_t{1} << 63));
}

TEST_CASE("5.23.6.4.2 UTC clock steps back 1 s at the start of a positive leap second") {
  auto tai = make_tai();
  stepping_utc_clock utc(tai, schedule);
  CHECK(utc.capabilities().type == clock_type::utc);
  CHECK(utc.read(rt(0)) == (E - 2000) * s);
  CHECK(utc.read(rt(2000 * s - 1)) == E * s - 1);
  CHECK(utc.read(rt(2000 * s)) == (E - 1) * s);  // 23:59:60 shows as 23:59:59 again
  CHECK(utc.read(rt(2001 * s)) == E * s);
  CHECK(utc.read(rt(2001 * s + 5)) == E * s + 5);
}

TEST_CASE("5.23.6.4.2 UTC clock steps forward 1 s at a negative leap second") {
  auto tai = make_tai();
  stepping_utc_clock utc(tai, leap_schedule{36, leap_second{E, leap_sign::negative}});
  CHECK(utc.read(rt(1999 * s - 1)) == (E - 1) * s - 1);  // 23:59:58.999999999
  CHECK(utc.read(rt(1999 * s)) == E * s);                // 23:59:59 is skipped
}

TEST_CASE("5.23.6.4.2 UTC_SLS smearing: linear over the last 1000 s of the day") {
  auto tai = make_tai();
  smeared_utc_clock utc(tai, schedule, smear_method::utc_sls);
  CHECK(utc.capabilities() == clock_capabilities{clock_type::utc_smeared, smearing::utc_sls, false});
  CHECK(utc.read(rt(1000 * s)) == (E - 1000) * s);           // window start: no deviation yet
  CHECK(utc.read(rt(1500 * s + 500'000'000)) == (E - 500) * s);  // 500.5 SI s -> 500 smeared s
  CHECK(utc.read(rt(2000 * s)) == 1'483'228'799'000'999'000);   // start of the leap second
  CHECK(utc.read(rt(2001 * s)) == E * s);                      // end of the leap second: agrees again
  CHECK(utc.read(rt(2100 * s)) == (E + 99) * s);
  // Never steps: readings increase across the whole window.
  std::uint64_t last = 0;
  for (std::uint64_t t = 990 * s; t <= 2010 * s; t += 7 * s / 10) {
    const auto r = utc.read(rt(t));
    REQUIRE(r.has_value());
    CHECK(*r > last);
    last = *r;
  }
}

TEST_CASE("5.23.6.4.2 NOON_LINEAR smearing: from noon to noon") {
  auto tai = make_tai();
  smeared_utc_clock utc(tai, schedule, smear_method::noon_linear);
  CHECK(utc.capabilities().leap_second_smearing == smearing::noon_linear);
  CHECK(utc.read(rt(2000 * s)) == 1'483'228'799'500'005'786);
  // Noon after the leap second (43200 POSIX s after midnight, 43201 SI s after 23:59:60).
  CHECK(utc.read(rt((2001 + 43200) * s)) == (E + 43200) * s);
}

TEST_CASE("5.23.6.4.2 smeared readings are the exact smeared time truncated to nanoseconds") {
  // Expected values from exact rational arithmetic (Python fractions) on the spec's
  // definition: in the window, smeared = start + (TAI - TAI at start) * L / (L + sign).
  struct vector {
    smear_method method;
    leap_sign sign;
    std::uint64_t tai_ns;
    std::uint64_t reading;
  };
  const vector vectors[] = {
      {smear_method::utc_sls, leap_sign::positive, 1'483'228'835'999'999'999, 1'483'228'799'000'999'000},
      {smear_method::utc_sls, leap_sign::positive, 1'483'228'836'000'000'000, 1'483'228'799'000'999'000},
      {smear_method::utc_sls, leap_sign::positive, 1'483'228'836'000'000'999, 1'483'228'799'000'999'999},
      {smear_method::utc_sls, leap_sign::positive, 1'483'228'836'999'999'999, 1'483'228'799'999'999'999},
      {smear_method::utc_sls, leap_sign::positive, 1'483'227'959'580'245'789, 1'483'227'923'456'789'000},
      {smear_method::noon_linear, leap_sign::positive, 1'483'270'970'320'988'721, 1'483'270'933'333'334'400},
      {smear_method::noon_linear, leap_sign::positive, 1'483'228'836'999'999'999, 1'483'228'800'499'994'212},
      {smear_method::utc_sls, leap_sign::negative, 1'483'227'836'000'004'995, 1'483'227'800'000'005'000},
  };
  for (const vector& v : vectors) {
    CAPTURE(v.tai_ns);
    simulated_clock tai({clock_type::tai, smearing::unspecified, false}, v.tai_ns);
    smeared_utc_clock utc(tai, leap_schedule{36, leap_second{E, v.sign}}, v.method);
    CHECK(utc.read(rt(0)) == v.reading);
  }
  // Every whole-nanosecond smeared instant: UTC-SLS runs 1000 smeared ns per 1001 TAI ns.
  constexpr std::uint64_t tai_start = (E - 1000 + 36) * s;
  for (std::uint64_t k = 1; k < 1000 * s / 1000; k += 999'983) {
    simulated_clock tai({clock_type::tai, smearing::unspecified, false}, tai_start + 1001 * k);
    smeared_utc_clock utc(tai, schedule, smear_method::utc_sls);
    CHECK(utc.read(rt(0)) == (E - 1000) * s + 1000 * k);
  }
}

TEST_CASE("5.23.6.4.2 smeared clock deadlines are exact") {
  auto tai = make_tai();
  smeared_utc_clock utc(tai, schedule, smear_method::utc_sls);
  static_assert(deadline_backend<smeared_utc_clock<simulated_clock>>);
  for (std::uint64_t target : {(E - 1500) * s, (E - 500) * s + 123, E * s - 1, E * s, (E + 10) * s}) {
    const reference_time at = utc.instant_of(target, rt(0));
    REQUIRE(utc.read(at).has_value());
    CHECK(*utc.read(at) >= target);
    CHECK(*utc.read(at - nanosecond_count(1)) < target);
  }
}

TEST_CASE("5.23.6.4.2 UTC from TAI and back") {
  const auto tai_at = [](std::uint64_t ns) { return tai_instant(to_fixed_time(nanosecond_count(ns))); };
  const auto u = to_utc(tai_at((E + 36) * s + 5), schedule);  // inside 23:59:60
  REQUIRE(u.has_value());
  CHECK(u->in_leap_second);
  CHECK(u->posix.sec == E - 1);
  CHECK(to_tai(*u, schedule) == tai_at((E + 36) * s + 5));
  const auto after = to_utc(tai_at((E + 37) * s), schedule);
  REQUIRE(after.has_value());
  CHECK_FALSE(after->in_leap_second);
  CHECK(after->posix.sec == E);
  CHECK(to_tai(*after, schedule) == tai_at((E + 37) * s));
  CHECK(to_utc(tai_at(5), schedule) == errc::overflow);  // before the UTC epoch
  // A TAI instant is taken to the nanosecond, truncated.
  const auto inside = to_utc(tai_instant(fixed_time{E + 36, ns_to_frac(5) + 1}), schedule);
  REQUIRE(inside.has_value());
  CHECK(*inside == *u);
  // Past 2^64 - 1 ns there is no nanosecond count to work with.
  CHECK(to_utc(tai_instant(fixed_time{UINT64_MAX, 0}), schedule) == errc::overflow);
}

TEST_CASE("5.23.6.2 clock_ref erases the backend type") {
  auto tai = make_tai();
  smeared_utc_clock utc(tai, schedule, smear_method::utc_sls);
  const clock_ref a(tai), b(utc);
  CHECK(a.capabilities().type == clock_type::tai);
  CHECK(b.capabilities().type == clock_type::utc_smeared);
  CHECK(a.read(rt(0)) == (E - 2000 + 36) * s);
  CHECK_FALSE(b.supports_cross(hw_counter::x86_tsc));
  CHECK(b.read_cross(rt(0), hw_counter::x86_tsc) == errc::not_supported);
  // Exact deadline through the reference.
  CHECK(b.has_deadlines());
  CHECK(b.instant_of((E - 1000) * s, rt(0)) == rt(1000 * s));
}

namespace {
/// A backend without deadline bounds.
struct opaque_clock {
  simulated_clock* inner;
  clock_capabilities capabilities() const { return inner->capabilities(); }
  result<std::uint64_t> read(reference_time now) { return inner->read(now); }
};
}  // namespace

TEST_CASE("5.23.6.6.1 a backend that bounds nothing gets no deadline later than now") {
  simulated_clock c({clock_type::tai, smearing::unspecified, true}, 0);
  opaque_clock opaque{&c};
  const clock_ref ref(opaque);
  static_assert(!deadline_backend<opaque_clock>);
  CHECK_FALSE(ref.has_deadlines());
  CHECK(ref.instant_of(1000 * s, rt(5)) == rt(5));
  CHECK(ref.instant_below(0, rt(5)) == rt(5));
}

TEST_CASE("5.23.6.4.2 stepping UTC deadlines follow the leap second's step") {
  const std::uint64_t alarm = (E - 1) * s + s / 2;  // 23:59:59.5
  SECTION("positive: 23:59:59.5 is reached twice, and the step back lies between") {
    auto tai = make_tai();
    stepping_utc_clock utc(tai, schedule);
    static_assert(deadline_backend<stepping_utc_clock<simulated_clock>>);
    CHECK(utc.instant_of(alarm, rt(0)) == rt(1999 * s + s / 2));
    CHECK(utc.instant_below(alarm, rt(0)) == rt(0));
    CHECK(utc.instant_below(alarm, rt(1999 * s + s / 2)) == rt(2000 * s));   // the step back
    CHECK(utc.instant_of(alarm, rt(2000 * s)) == rt(2000 * s + s / 2));      // reached again
    CHECK(utc.instant_below(alarm, rt(2000 * s + s / 2)) == never_instant);
    CHECK(utc.instant_below((E - 1) * s, rt(1999 * s + s / 2)) == never_instant);  // the step lands on it
  }
  SECTION("negative: 23:59:59.5 never shows, the step forward passes it") {
    auto tai = make_tai();
    stepping_utc_clock utc(tai, leap_schedule{36, leap_second{E, leap_sign::negative}});
    CHECK(utc.instant_of(alarm, rt(0)) == rt(1999 * s));
    CHECK(utc.read(rt(1999 * s)) == E * s);
    CHECK(utc.read(rt(1999 * s - 1)) == (E - 1) * s - 1);
    CHECK(utc.instant_below(alarm, rt(1999 * s)) == never_instant);
  }
  SECTION("a slewed TAI: still exact") {
    auto tai = make_tai();
    REQUIRE(tai.slew(rt(0), 10'000'000).has_value());  // +1 %
    for (const leap_sign sign : {leap_sign::positive, leap_sign::negative}) {
      stepping_utc_clock utc(tai, leap_schedule{36, leap_second{E, sign}});
      for (const std::uint64_t target : {alarm, (E - 100) * s, (E + 3) * s + 7}) {
        const reference_time at = utc.instant_of(target, rt(0));
        CHECK(*utc.read(at) >= target);
        CHECK(*utc.read(at - nanosecond_count(1)) < target);
      }
    }
  }
}

TEST_CASE("leap schedules far from the present are an overflow for every offset and never undefined") {
  // Leap seconds at the last valid day before 2^63 s and the first after it, with the most
  // negative and most positive TAI - UTC: the TAI instant of the step is out of range.
  constexpr std::uint64_t below = 106'751'991'167'300ULL * 86'400, above = below + 86'400;
  for (const std::uint64_t day : {below, above, UINT64_MAX / 86'400 * 86'400 - 2 * 86'400})
    for (const std::int16_t offset : {std::int16_t{-32768}, std::int16_t{-1}, std::int16_t{37}, std::int16_t{32767}})
      for (const auto sign : {vrtc::leap_sign::positive, vrtc::leap_sign::negative}) {
        INFO("end of day " << day << ", TAI - UTC " << offset);
        const vrtc::leap_schedule far{offset, vrtc::leap_second{day, sign}};
        CHECK(vrtc::to_utc(vrtc::tai_instant{}, far) == vrtc::errc::overflow);
        CHECK(vrtc::to_tai(vrtc::utc_time{{day, 0}, false}, far).error() == vrtc::errc::overflow);
      }
}
