// Tests for include/vmclock/reader.hpp: header validation, the seqlock retry paths (driven
// deterministically through the counter source, which runs inside the read window), the
// policies, the time and error-bound arithmetic, and a read-only memfd mapping.
#include <vrtc/core/chrono.hpp>
#include <vmclock/abi.hpp>
#include <vmclock/reader.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

namespace {

namespace vmc = vrtc::vmclock;
using vrtc::errc;

/// Every value of a sample at once (the tests compare whole readings).
constexpr vrtc::result<vmc::clock_reading> reading_of(const vrtc::result<vmc::clock_sample>& s) {
  if (!s) return s.error();
  return s->reading();
}

/// The reading a consistent page gives at `counter` (clock_sample::at, every value computed).
constexpr vrtc::result<vmc::clock_reading> reading_at(const vmc::page_data& p, std::uint64_t counter) {
  return reading_of(vmc::clock_sample::at(p, counter));
}

/// A page-sized, suitably aligned buffer holding an encoded structure.
struct region {
  alignas(4096) std::array<std::byte, 4096> bytes{};
  explicit region(const vmc::page_data& p) { set(p); }
  void set(const vmc::page_data& p) { REQUIRE(vmc::encode(p, bytes).has_value()); }
  void set_seq(std::uint32_t seq) { vrtc::store_le<std::uint32_t>(bytes, vmc::layout_of<&vmc::page_data::seq_count>.offset, seq); }
  std::span<const std::byte> span(std::size_t n = 4096) const { return std::span<const std::byte>(bytes).first(n); }
};

/// A TAI page: 2024-01-01T00:00:00.5 TAI at counter 1000, one tick = 0.25 s exactly
/// (frac_sec 2^62, shift 0), so expected times can be worked out by hand.
constexpr vmc::page_data quarter_second_page() {
  vmc::page_data p;
  p.size = 0x1000;
  p.counter_id = vmc::counter_id::x86_tsc;
  p.time_type = vmc::time_type::tai;
  p.seq_count = 2;
  p.disruption_marker = 7;
  p.flags = vmc::flag::tai_offset_valid;
  p.clock_status = vmc::clock_status::synchronized;
  p.tai_offset_sec = -37;
  p.counter_period_shift = 0;
  p.counter_value = 1000;
  p.counter_period_frac_sec = std::uint64_t{1} << 62;
  p.time_sec = 1704067200;
  p.time_frac_sec = std::uint64_t{1} << 63;
  return p;
}

constexpr std::uint64_t half = std::uint64_t{1} << 63;
constexpr std::uint64_t three_quarters = half | (std::uint64_t{1} << 62);

// The conversion is constexpr: check a hand-worked value at compile time.
static_assert(reading_at(quarter_second_page(), 1006)->time == vrtc::fixed_time{1704067202, 0});
static_assert(reading_at(quarter_second_page(), 997)->time == vrtc::fixed_time{1704067199, three_quarters});

vmc::read_limits attempts(std::uint32_t n) {
  vmc::read_limits l;
  l.max_attempts = n;
  l.timeout = vrtc::to_nanosecond_count(std::chrono::hours(1)).value();
  return l;
}

}  // namespace

TEST_CASE("open validates the region and the header", "[vmclock]") {
  const auto good = quarter_second_page();
  region r(good);
  CHECK(vmc::reader::open(r.span()).has_value());
  CHECK(vmc::reader::open(r.span(112)).has_value());  // a file holding just the structure
  CHECK(vmc::reader::open(r.span(31)) == errc::too_short);
  CHECK(vmc::reader::open(r.span().subspan(8, 200)) == errc::bad_magic);  // aligned, wrong bytes
  CHECK(vmc::reader::open(r.span().subspan(1, 200)) == errc::invalid_argument);  // misaligned

  auto p = good;
  p.magic = 0x4b4c4357;
  r.set(p);
  CHECK(vmc::reader::open(r.span()) == errc::bad_magic);
  p = good;
  p.version = 0;
  r.set(p);
  CHECK(vmc::reader::open(r.span()) == errc::bad_version);
  p = good;
  p.size = 16;
  r.set(p);
  CHECK(vmc::reader::open(r.span()) == errc::bad_size);
  p = good;
  p.size = 112;
  r.set(p);
  CHECK(vmc::reader::open(r.span(104)) == errc::bad_size);  // size promises more than is mapped
  p.size = 104;
  r.set(p);
  CHECK(vmc::reader::open(r.span(104)).has_value());
}

TEST_CASE("a stable page is read in one attempt and copied out", "[vmclock]") {
  region r(quarter_second_page());
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  const auto snap = rd->read(attempts(1));
  REQUIRE(snap.has_value());
  CHECK(*snap == quarter_second_page());

  // The copy does not change with the memory.
  auto later = quarter_second_page();
  later.time_sec += 100;
  r.set(later);
  CHECK(snap->time_sec == 1704067200);
  CHECK(rd->read()->time_sec == 1704067300);
}

TEST_CASE("an odd sequence is retried until the attempt limit", "[vmclock]") {
  auto p = quarter_second_page();
  p.seq_count = 5;  // an update in progress that never finishes
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  int calls = 0;
  const auto result = rd->at([&] { return ++calls, std::uint64_t{1000}; }, attempts(5));
  CHECK(result == errc::retry_limit);
  CHECK(calls == 5);
  CHECK(rd->read(attempts(1)) == errc::retry_limit);
}

TEST_CASE("the deadline ends the retries", "[vmclock]") {
  auto p = quarter_second_page();
  p.seq_count = 1;
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  vmc::read_limits no_time;
  no_time.max_attempts = UINT32_MAX;
  no_time.timeout = vrtc::nanosecond_count(0);
  CHECK(rd->read(no_time) == errc::timed_out);

  // The default clock (the wall clock) and a steady one both end an endless update.
  for (const vmc::deadline_clock clock : {vmc::deadline_clock{nullptr}, &vrtc::steady_clock_ns}) {
    vmc::read_limits short_time;
    short_time.max_attempts = UINT32_MAX;
    short_time.timeout = vrtc::to_nanosecond_count(std::chrono::milliseconds(5)).value();
    short_time.clock = clock;
    const auto start = std::chrono::steady_clock::now();
    CHECK(rd->read(short_time) == errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(5));
  }
}

namespace {
/// A deadline clock that advances 1 ms each time it is read.
std::uint64_t fake_clock_ns = 0;
std::uint64_t fake_clock_reads = 0;
std::uint64_t fake_clock() noexcept {
  ++fake_clock_reads;
  return fake_clock_ns += 1'000'000;
}
}  // namespace

TEST_CASE("the deadline is measured on the caller's clock", "[vmclock]") {
  auto p = quarter_second_page();
  p.seq_count = 1;  // an update that never ends
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  vmc::read_limits limits;
  limits.max_attempts = UINT32_MAX;
  limits.timeout = vrtc::nanosecond_count(10'000'000);
  limits.clock = &fake_clock;
  int calls = 0;
  fake_clock_reads = 0;
  CHECK(rd->at([&] { return ++calls, std::uint64_t{1000}; }, limits) == errc::timed_out);
  // The clock is first read after the first failed attempt (the deadline is 10 ms after that
  // reading), then once before each further attempt: ten more attempts, the eleventh reading
  // is at the deadline.
  CHECK(fake_clock_reads == 11);
  CHECK(calls == 11);
  // A deadline past the clock's range saturates instead of wrapping to an early timeout.
  fake_clock_ns = UINT64_MAX - 2'500'000;
  fake_clock_reads = 0;
  limits.max_attempts = 100;
  CHECK(rd->read(limits) == errc::retry_limit);
  CHECK(fake_clock_reads == 99);
}

TEST_CASE("a sequence that changes inside the window is retried", "[vmclock]") {
  region r(quarter_second_page());
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  // The counter source runs between the two sequence loads: let it play a writer that
  // completes an update during each of the first three attempts.
  int calls = 0;
  const auto result = rd->at(
      [&] {
        ++calls;
        if (calls <= 3) {
          auto next = quarter_second_page();
          next.seq_count = static_cast<std::uint32_t>(2 + 2 * calls);
          next.time_sec = 1704067200 + static_cast<std::uint64_t>(calls) * 10;
          r.set(next);
        }
        return std::uint64_t{1000};
      },
      attempts(10));
  REQUIRE(result.has_value());
  CHECK(calls == 4);
  CHECK(result->time().sec == 1704067230);  // the values of the last, stable version

  // Three changes and only three attempts: the limit is reached.
  r.set(quarter_second_page());
  calls = 0;
  CHECK(rd->at(
            [&] {
              ++calls;
              auto next = quarter_second_page();
              next.seq_count = static_cast<std::uint32_t>(2 + 2 * calls);
              r.set(next);
              return std::uint64_t{1000};
            },
            attempts(3)) == errc::retry_limit);
}

TEST_CASE("an update in progress when the read starts is waited out", "[vmclock]") {
  auto p = quarter_second_page();
  p.seq_count = 5;
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  int calls = 0;
  const auto result = rd->at(
      [&] {
        if (++calls == 2) {  // the writer finishes: even sequence, new values
          auto next = quarter_second_page();
          next.seq_count = 6;
          next.disruption_marker = 8;
          r.set(next);
        }
        return std::uint64_t{1000};
      },
      attempts(10));
  REQUIRE(result.has_value());
  CHECK(calls == 3);
  CHECK(result->disruption_marker() == 8);
}

TEST_CASE("a header broken after open is reported", "[vmclock]") {
  region r(quarter_second_page());
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  auto p = quarter_second_page();
  p.magic = 0;
  r.set(p);
  CHECK(rd->read() == errc::bad_magic);
  p = quarter_second_page();
  p.version = 0;  // a device wiping the page
  r.set(p);
  CHECK(reading_of(rd->at(1000)) == errc::bad_version);
  p = quarter_second_page();
  p.size = 8192;  // larger than the region is fine: the structure is 112 bytes
  r.set(p);
  CHECK(rd->read().has_value());
}

TEST_CASE("time at a counter value, with a signed delta", "[vmclock]") {
  region r(quarter_second_page());
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());

  const auto at = [&](std::uint64_t counter) {
    const auto t = reading_of(rd->at(counter));
    REQUIRE(t.has_value());
    return *t;
  };
  CHECK(at(1000).time == vrtc::fixed_time{1704067200, half});
  CHECK(at(1000).nanoseconds == 500'000'000);
  CHECK(at(1001).time == vrtc::fixed_time{1704067200, three_quarters});
  CHECK(at(1002).time == vrtc::fixed_time{1704067201, 0});
  CHECK(at(1002).nanoseconds == 0);
  // A counter behind counter_value is an earlier time, not one 2^64 ticks later.
  CHECK(at(999).time == vrtc::fixed_time{1704067200, std::uint64_t{1} << 62});
  CHECK(at(998).time == vrtc::fixed_time{1704067200, 0});
  CHECK(at(997).time == vrtc::fixed_time{1704067199, three_quarters});
  CHECK(at(997).nanoseconds == 750'000'000);
  CHECK(at(997).counter == 997);
}

TEST_CASE("time at a counter value, worked with big integers", "[vmclock]") {
  // Expected values computed with Python integers: floor((t * 2^64 + delta * frac_sec >>
  // shift)) split into seconds, 2^-64 fraction and floor nanoseconds.
  auto p = quarter_second_page();
  p.counter_value = 0;
  p.counter_period_frac_sec = 0x1a6e39b3e0;  // 2.6 GHz, shift 4
  p.counter_period_shift = 4;
  auto t = reading_at(p, 2'600'000'000);
  REQUIRE(t.has_value());
  CHECK(t->time == vrtc::fixed_time{1704067201, 0x7fffffff8242cc00});
  CHECK(t->nanoseconds == 499999999);
  t = reading_at(p, 26'000'000'000);
  REQUIRE(t.has_value());
  CHECK(t->time == vrtc::fixed_time{1704067210, 0x7ffffffb169bf800});
  CHECK(t->nanoseconds == 499999998);

  p.time_sec = 1700000000;
  p.time_frac_sec = 0;
  p.counter_value = 1'000'000'000'000;
  p.counter_period_frac_sec = 0x89705F4136B4A597;  // 1 GHz, shift 29
  p.counter_period_shift = 29;
  t = reading_at(p, 1'000'000'000'000 + 86'400'000'000'000);
  REQUIRE(t.has_value());
  CHECK(t->time == vrtc::fixed_time{1700086399, 0xffffffffffff86ad});
  CHECK(t->nanoseconds == 999999999);
  t = reading_at(p, 1'000'000'000'000 - 1);
  REQUIRE(t.has_value());
  CHECK(t->time == vrtc::fixed_time{1699999999, 0xfffffffbb47d05f6});
  CHECK(t->nanoseconds == 999999998);
}

TEST_CASE("overflow and impossible shifts are errors, never wrapped times", "[vmclock]") {
  auto p = quarter_second_page();
  p.time_sec = UINT64_MAX;
  CHECK(reading_at(p, 1000).has_value());
  CHECK(reading_at(p, 1002) == errc::overflow);
  p.time_sec = 0;
  p.time_frac_sec = 0;
  CHECK(reading_at(p, 999) == errc::overflow);
  p = quarter_second_page();
  p.counter_period_shift = 128;
  CHECK(reading_at(p, 1000) == errc::invalid_shift);
  p.counter_period_shift = 127;
  CHECK(reading_at(p, 1000).has_value());
}

TEST_CASE("UNRELIABLE, time types 3 and 4 and a short size are rejected, other statuses reported", "[vmclock]") {
  auto p = quarter_second_page();
  CHECK(reading_at(p, 1000).has_value());

  p.clock_status = vmc::clock_status::unreliable;
  CHECK(reading_at(p, 1000) == errc::unreliable);
  for (const auto status : {vmc::clock_status::unknown, vmc::clock_status::initializing,
                            vmc::clock_status::freerunning}) {
    p.clock_status = status;
    const auto t = reading_at(p, 1000);
    REQUIRE(t.has_value());
    CHECK(t->clock_status == status);  // reported, not rejected
  }

  p = quarter_second_page();
  for (const int type : {3, 4, 5, 0xff}) {
    p.time_type = static_cast<vmc::time_type>(type);
    CHECK(reading_at(p, 1000) == errc::unsupported_time_type);
  }

  p = quarter_second_page();
  p.size = 0x57;  // time_frac_sec ends at 0x58
  CHECK(reading_at(p, 1000) == errc::field_absent);
  p.size = 0x58;
  CHECK(reading_at(p, 1000).has_value());

  // A caller-supplied counter is accepted whatever counter it is named for.
  p = quarter_second_page();
  p.counter_id = vmc::counter_id::arm_vcnt;
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  CHECK(reading_of(rd->at(1000)).has_value());
}

TEST_CASE("now() checks the counter id against this CPU", "[vmclock]") {
  auto p = quarter_second_page();
  p.counter_id = vmc::counter_id::invalid;
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  if constexpr (!vrtc::hardware_counter_available) {
    CHECK(rd->now() == errc::no_counter);
    return;
  }
  CHECK(rd->now() == errc::no_time);
  const auto own = static_cast<vmc::counter_id>(*vrtc::hardware_counter_id());
  const auto other = own == vmc::counter_id::x86_tsc ? vmc::counter_id::arm_vcnt : vmc::counter_id::x86_tsc;
  p.counter_id = other;
  r.set(p);
  CHECK(rd->now() == errc::counter_mismatch);

  // This CPU's counter: the reading uses a counter value taken during the call.
  p.counter_id = own;
  p.counter_value = vrtc::read_hardware_counter();
  p.counter_period_frac_sec = 0;  // a frozen clock: every counter value gives the reference time
  r.set(p);
  const std::uint64_t before = vrtc::read_hardware_counter();
  const auto t = rd->now();
  const std::uint64_t after = vrtc::read_hardware_counter();
  REQUIRE(t.has_value());
  CHECK(t->counter() >= before);
  CHECK(t->counter() <= after);
  CHECK(t->time() == vrtc::fixed_time{1704067200, half});
  CHECK(t->reading() == *reading_at(p, t->counter()));
  const auto again = rd->now();
  REQUIRE(again.has_value());
  CHECK(again->reading().time == vrtc::fixed_time{1704067200, half});
}

// A time scale is part of the type: a UTC instant is not a TAI instant, and neither is made
// from a bare fixed_time by accident.
static_assert(std::is_same_v<decltype(std::declval<vmc::clock_sample>().utc()), vrtc::result<vrtc::utc_instant>>);
static_assert(std::is_same_v<decltype(std::declval<vmc::clock_sample>().tai()), vrtc::result<vrtc::tai_instant>>);
static_assert(!std::is_convertible_v<vrtc::utc_instant, vrtc::tai_instant>);
static_assert(!std::is_convertible_v<vrtc::tai_instant, vrtc::utc_instant>);
static_assert(!std::is_convertible_v<vrtc::fixed_time, vrtc::utc_instant>);

TEST_CASE("utc() and tai() give instants of their scale, or say why not", "[vmclock]") {
  auto p = quarter_second_page();  // TAI 1704067200.5 at counter 1000, UTC - TAI = -37 s, valid
  // Two ticks later: 1704067201.0 TAI.
  auto s = vmc::clock_sample::at(p, 1002);
  REQUIRE(s.has_value());
  CHECK(s->tai() == vrtc::tai_instant(vrtc::fixed_time{1704067201, 0}));
  CHECK(s->utc() == vrtc::utc_instant(vrtc::fixed_time{1704067164, 0}));

  p.flags &= ~vmc::flag::tai_offset_valid;  // the offset is not published: no UTC from TAI
  s = vmc::clock_sample::at(p, 1002);
  REQUIRE(s.has_value());
  CHECK(s->tai() == vrtc::tai_instant(vrtc::fixed_time{1704067201, 0}));
  CHECK(s->utc() == errc::field_absent);

  p = quarter_second_page();
  p.time_type = vmc::time_type::utc;
  s = vmc::clock_sample::at(p, 1000);
  REQUIRE(s.has_value());
  CHECK(s->utc() == vrtc::utc_instant(vrtc::fixed_time{1704067200, half}));
  CHECK(s->tai() == vrtc::tai_instant(vrtc::fixed_time{1704067237, half}));
  p.flags = 0;
  s = vmc::clock_sample::at(p, 1000);
  REQUIRE(s.has_value());
  CHECK(s->tai() == errc::field_absent);

  p = quarter_second_page();
  p.time_type = vmc::time_type::monotonic;  // no wall-clock scale at all
  s = vmc::clock_sample::at(p, 1000);
  REQUIRE(s.has_value());
  CHECK(s->utc() == errc::unsupported_time_type);
  CHECK(s->tai() == errc::unsupported_time_type);

  p = quarter_second_page();
  p.time_sec = 10;  // UTC would be before 1970 + 0: an error, never a wrapped instant
  s = vmc::clock_sample::at(p, 1000);
  REQUIRE(s.has_value());
  CHECK(s->utc() == errc::overflow);
}

TEST_CASE("UTC and TAI are derived only with a valid offset", "[vmclock]") {
  auto p = quarter_second_page();  // TAI, offset -37 (UTC - TAI), valid
  auto t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->tai_sec == 1704067200u);
  CHECK(t->utc_sec == 1704067163u);

  p.flags &= ~vmc::flag::tai_offset_valid;
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->tai_sec == 1704067200u);
  CHECK_FALSE(t->utc_sec.has_value());

  p = quarter_second_page();
  p.time_type = vmc::time_type::utc;
  p.time_sec = 1704067163;
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->utc_sec == 1704067163u);
  CHECK(t->tai_sec == 1704067200u);
  p.flags = 0;
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->utc_sec == 1704067163u);
  CHECK_FALSE(t->tai_sec.has_value());

  p = quarter_second_page();
  p.time_type = vmc::time_type::monotonic;
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK_FALSE(t->utc_sec.has_value());
  CHECK_FALSE(t->tai_sec.has_value());
  CHECK(t->time.sec == 1704067200);

  // A derived value that would leave [0, 2^64) is absent rather than wrapped.
  p = quarter_second_page();
  p.time_sec = 10;
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->tai_sec == 10u);
  CHECK_FALSE(t->utc_sec.has_value());
  // A positive offset (as some writers publish by mistake) is applied as written.
  p = quarter_second_page();
  p.tai_offset_sec = 37;
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->utc_sec == 1704067237u);
}

TEST_CASE("error bounds follow the flags and grow with |delta|", "[vmclock]") {
  auto p = quarter_second_page();
  p.time_esterror_nanosec = 1'000;
  p.time_maxerror_nanosec = 50'000;
  // 2^44 / 2^64 s = 2^-20 s of error per tick: 1024 ticks -> 2^-10 s = 976562.5 ns.
  p.counter_period_esterror_rate_frac_sec = std::uint64_t{1} << 43;
  p.counter_period_maxerror_rate_frac_sec = std::uint64_t{1} << 44;

  auto t = reading_at(p, 1000 + 1024);
  REQUIRE(t.has_value());
  CHECK_FALSE(t->est_error_ns.has_value());
  CHECK_FALSE(t->max_error_ns.has_value());

  p.flags |= vmc::flag::time_maxerror_valid | vmc::flag::time_esterror_valid;
  t = reading_at(p, 1000 + 1024);
  REQUIRE(t.has_value());
  CHECK(t->est_error_ns == 1'000u);  // no growth without the period flags
  CHECK(t->max_error_ns == 50'000u);

  p.flags |= vmc::flag::period_maxerror_valid | vmc::flag::period_esterror_valid;
  t = reading_at(p, 1000 + 1024);
  REQUIRE(t.has_value());
  CHECK(t->est_error_ns == 1'000u + 488'281u);
  CHECK(t->max_error_ns == 50'000u + 976'562u);
  t = reading_at(p, std::uint64_t{1000} - 1024);  // the bound grows with |delta| in both directions
  REQUIRE(t.has_value());
  CHECK(t->max_error_ns == 50'000u + 976'562u);
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->max_error_ns == 50'000u);

  // The period flag alone gives no bound: the whole bound needs the time flag.
  p.flags = vmc::flag::period_maxerror_valid | vmc::flag::period_esterror_valid;
  t = reading_at(p, 1000 + 1024);
  REQUIRE(t.has_value());
  CHECK_FALSE(t->est_error_ns.has_value());
  CHECK_FALSE(t->max_error_ns.has_value());

  // A field the size does not cover gives no bound even with its flag.
  p.flags = vmc::flag::time_maxerror_valid | vmc::flag::time_esterror_valid;
  p.size = 0x60;  // covers time_esterror_nanosec, not time_maxerror_nanosec
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->est_error_ns == 1'000u);
  CHECK_FALSE(t->max_error_ns.has_value());

  // Saturation instead of a wrapped bound.
  p = quarter_second_page();
  p.flags |= vmc::flag::time_maxerror_valid | vmc::flag::period_maxerror_valid;
  p.time_maxerror_nanosec = UINT64_MAX - 5;
  p.counter_period_maxerror_rate_frac_sec = std::uint64_t{1} << 44;
  t = reading_at(p, 1000 + 1024);
  REQUIRE(t.has_value());
  CHECK(t->max_error_ns == UINT64_MAX);
  p.time_maxerror_nanosec = 0;
  p.counter_period_maxerror_rate_frac_sec = UINT64_MAX;  // growth itself beyond 2^64 ns
  p.counter_period_frac_sec = 1;
  t = reading_at(p, 1000 + (std::uint64_t{1} << 62));
  REQUIRE(t.has_value());
  CHECK(t->max_error_ns == UINT64_MAX);
}

TEST_CASE("vm_generation_counter needs both size and flag", "[vmclock]") {
  auto p = quarter_second_page();
  p.vm_generation_counter = 42;
  p.flags |= vmc::flag::vm_gen_counter_present;
  auto t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK(t->vm_generation_counter == 42u);
  CHECK(t->disruption_marker == 7);

  p.size = 104;
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  const auto snap = rd->read();
  REQUIRE(snap.has_value());
  CHECK(snap->vm_generation_counter == 0);  // not read: beyond size
  t = reading_of(rd->at(1000));
  REQUIRE(t.has_value());
  CHECK_FALSE(t->vm_generation_counter.has_value());

  p.size = 112;
  p.flags &= ~vmc::flag::vm_gen_counter_present;
  t = reading_at(p, 1000);
  REQUIRE(t.has_value());
  CHECK_FALSE(t->vm_generation_counter.has_value());
}

TEST_CASE("a read-only shared mapping of a memfd", "[vmclock]") {
  const int fd = memfd_create("vmclock-reader-test", 0);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, 4096) == 0);
  std::array<std::byte, vmc::abi_size> bytes{};
  auto p = quarter_second_page();
  p.flags |= vmc::flag::vm_gen_counter_present;
  p.vm_generation_counter = 3;
  REQUIRE(vmc::encode(p, bytes).has_value());
  REQUIRE(pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  void* const map = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  REQUIRE(map != MAP_FAILED);
  {
    const auto rd = vmc::reader::open(std::span<const std::byte>(static_cast<const std::byte*>(map), 4096));
    REQUIRE(rd.has_value());
    const auto snap = rd->read();
    REQUIRE(snap.has_value());
    CHECK(*snap == p);
    const auto t = reading_of(rd->at(1002));
    REQUIRE(t.has_value());
    CHECK(t->time == vrtc::fixed_time{1704067201, 0});
    CHECK(t->vm_generation_counter == 3u);

    // A change written through the file shows in the next read.
    p.seq_count = 4;
    p.disruption_marker = 8;
    REQUIRE(vmc::encode(p, bytes).has_value());
    REQUIRE(pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
    CHECK(rd->read()->disruption_marker == 8);
  }
  munmap(map, 4096);
  close(fd);
}

TEST_CASE("a reading reused across calls carries nothing over", "[vmclock]") {
  auto p = quarter_second_page();
  p.flags |= vmc::flag::vm_gen_counter_present | vmc::flag::time_maxerror_valid | vmc::flag::time_esterror_valid;
  p.vm_generation_counter = 5;
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  vmc::clock_reading out = rd->at(1002)->reading();
  CHECK(out.vm_generation_counter == 5u);
  CHECK(out.utc_sec.has_value());
  CHECK(out.max_error_ns.has_value());
  CHECK(out == *reading_at(p, 1002));

  p.flags = 0;
  p.time_type = vmc::time_type::monotonic;
  r.set(p);
  REQUIRE(rd->at([] { return std::uint64_t{1002}; }).has_value());
  out = rd->at([] { return std::uint64_t{1002}; })->reading();
  CHECK_FALSE(out.vm_generation_counter.has_value());
  CHECK_FALSE(out.utc_sec.has_value());
  CHECK_FALSE(out.tai_sec.has_value());
  CHECK_FALSE(out.max_error_ns.has_value());
  CHECK_FALSE(out.est_error_ns.has_value());
  CHECK(out == *reading_at(p, 1002));

  p.clock_status = vmc::clock_status::unreliable;
  r.set(p);
  CHECK(rd->at([] { return std::uint64_t{1002}; }) == errc::unreliable);
  CHECK(vmc::clock_sample::at(p, 1002) == errc::unreliable);
}

namespace {

/// Every accessor of `s` against the reading clock_sample::at() gives for `p` at s.counter().
void check_sample_matches(const vmc::clock_sample& s, const vmc::page_data& p) {
  const auto want = reading_at(p, s.counter());
  REQUIRE(want.has_value());
  CHECK(s.reading() == *want);
  CHECK(s.time() == want->time);
  CHECK(s.nanoseconds() == want->nanoseconds);
  CHECK(s.time_type() == want->time_type);
  // utc() and tai() are the time itself or the time moved by whole seconds: the fraction stays.
  const auto utc = s.utc();
  const auto tai = s.tai();
  CHECK((utc ? std::optional<std::uint64_t>(utc->time.sec) : std::nullopt) == want->utc_sec);
  CHECK((tai ? std::optional<std::uint64_t>(tai->time.sec) : std::nullopt) == want->tai_sec);
  if (utc) CHECK(utc->time.frac == s.time().frac);
  if (tai) CHECK(tai->time.frac == s.time().frac);
  CHECK(s.clock_status() == want->clock_status);
  CHECK(s.leap_indicator() == want->leap_indicator);
  CHECK(s.est_error_ns() == want->est_error_ns);
  CHECK(s.max_error_ns() == want->max_error_ns);
  CHECK(s.disruption_marker() == want->disruption_marker);
  CHECK(s.vm_generation_counter() == want->vm_generation_counter);
  CHECK(s.flags() == want->flags);
}

}  // namespace

TEST_CASE("a sample computes on demand what a reading holds", "[vmclock]") {
  auto p = quarter_second_page();
  p.flags |= vmc::flag::time_maxerror_valid | vmc::flag::time_esterror_valid | vmc::flag::period_maxerror_valid |
             vmc::flag::period_esterror_valid | vmc::flag::vm_gen_counter_present;
  p.leap_indicator = vmc::leap_indicator::pre_pos;
  p.time_esterror_nanosec = 1'000;
  p.time_maxerror_nanosec = 50'000;
  p.counter_period_esterror_rate_frac_sec = std::uint64_t{1} << 43;
  p.counter_period_maxerror_rate_frac_sec = std::uint64_t{1} << 44;
  p.vm_generation_counter = 9;
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  // Forward, zero and backward deltas, on TAI, UTC and MONOTONIC pages, with and without the
  // offset and the error flags, with and without the generation counter (size 104).
  for (const auto type : {vmc::time_type::tai, vmc::time_type::utc, vmc::time_type::monotonic}) {
    for (const std::uint64_t flags : {p.flags, std::uint64_t{0}, vmc::flag::time_maxerror_valid}) {
      for (const std::uint32_t size : {std::uint32_t{0x1000}, std::uint32_t{104}}) {
        auto q = p;
        q.time_type = type;
        q.flags = flags;
        q.size = size;
        r.set(q);
        if (size == 104) q.vm_generation_counter = 0;  // what decode() gives for an absent field
        for (const std::uint64_t counter : {std::uint64_t{1000}, std::uint64_t{2024}, std::uint64_t{990}}) {
          const auto s = rd->at([counter] { return counter; });
          REQUIRE(s.has_value());
          CHECK(s->counter() == counter);
          check_sample_matches(*s, q);
          const auto direct = vmc::clock_sample::at(q, counter);
          REQUIRE(direct.has_value());
          CHECK(direct->reading() == s->reading());
        }
      }
    }
  }
  // Errors are the reading's errors.
  auto q = p;
  q.clock_status = vmc::clock_status::unreliable;
  r.set(q);
  CHECK(rd->at([] { return std::uint64_t{1000}; }) == errc::unreliable);
  CHECK(vmc::clock_sample::at(q, 1000) == errc::unreliable);
  q = p;
  q.time_sec = UINT64_MAX;
  r.set(q);
  CHECK(rd->at([] { return std::uint64_t{1004}; }) == errc::overflow);
}

TEST_CASE("a region shorter than the structure is never read past its end", "[vmclock]") {
  // A heap block of exactly 104 bytes: AddressSanitizer reports any load beyond it.
  auto p = quarter_second_page();
  p.size = 104;
  p.flags |= vmc::flag::time_maxerror_valid | vmc::flag::vm_gen_counter_present;
  p.time_maxerror_nanosec = 7;
  std::array<std::byte, vmc::abi_size> bytes{};
  REQUIRE(vmc::encode(p, bytes).has_value());
  const auto block = std::make_unique<std::uint64_t[]>(13);
  std::memcpy(block.get(), bytes.data(), 104);
  const std::span<const std::byte> region(reinterpret_cast<const std::byte*>(block.get()), 104);
  const auto rd = vmc::reader::open(region);
  REQUIRE(rd.has_value());
  const auto s = rd->at([] { return std::uint64_t{1002}; });
  REQUIRE(s.has_value());
  p.vm_generation_counter = 0;
  check_sample_matches(*s, p);
  CHECK(s->max_error_ns() == 7u);
  CHECK_FALSE(s->vm_generation_counter().has_value());
  CHECK(reading_of(rd->at(1002))->time == vrtc::fixed_time{1704067201, 0});
  if constexpr (vrtc::hardware_counter_available) {  // the page names the x86 TSC
    const auto n = rd->now();
    if (*vrtc::hardware_counter_id() == vrtc::counter_id_x86_tsc) CHECK(n.has_value());
    else CHECK(n == errc::counter_mismatch);
  }

  // A size that promises more than the region holds is reported, not followed.
  p.size = 112;
  REQUIRE(vmc::encode(p, bytes).has_value());
  std::memcpy(block.get(), bytes.data(), 104);
  CHECK(rd->at([] { return std::uint64_t{1002}; }) == errc::bad_size);
  CHECK(rd->read() == errc::bad_size);

  // The retry bound holds on this path too.
  p.size = 104;
  p.seq_count = 3;
  REQUIRE(vmc::encode(p, bytes).has_value());
  std::memcpy(block.get(), bytes.data(), 104);
  int calls = 0;
  CHECK(rd->at([&] { return ++calls, std::uint64_t{1002}; }, attempts(4)) == errc::retry_limit);
  CHECK(calls == 4);
}

TEST_CASE("a header broken after open is reported by samples", "[vmclock]") {
  region r(quarter_second_page());
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  const auto sample = [&] { return rd->at([] { return std::uint64_t{1000}; }); };
  auto p = quarter_second_page();
  p.magic = 0;
  r.set(p);
  CHECK(sample() == errc::bad_magic);
  p = quarter_second_page();
  p.version = 2;
  r.set(p);
  CHECK(sample() == errc::bad_version);
  p = quarter_second_page();
  p.size = 31;
  r.set(p);
  CHECK(sample() == errc::bad_size);
  p.size = 0x58 - 1;  // a valid header whose size stops short of time_frac_sec
  r.set(p);
  CHECK(sample() == errc::field_absent);
  p.size = 8192;
  r.set(p);
  CHECK(sample().has_value());
}

namespace {

/// What QEMU's device publishes (and Firecracker's, apart from its flags): a header, a
/// disruption marker, clock_status UNKNOWN, counter_id INVALID and every time field zero.
constexpr vmc::page_data disruption_only_page() {
  vmc::page_data p;
  p.size = 0x1000;
  p.counter_id = vmc::counter_id::invalid;
  p.time_type = vmc::time_type::utc;
  p.seq_count = 2;
  p.disruption_marker = 1;
  p.clock_status = vmc::clock_status::unknown;
  return p;
}

/// Every reader entry point at `counter` (and now(), at whatever counter it reads), as a list
/// of results: each must be `want`.
void check_every_entry_point(const vmc::page_data& p, std::span<const std::byte> bytes, std::uint64_t counter,
                             errc want) {
  CHECK(reading_at(p, counter) == want);
  CHECK(vmc::clock_sample::at(p, counter) == want);
  const auto rd = vmc::reader::open(bytes);
  REQUIRE(rd.has_value());
  CHECK(reading_of(rd->at(counter)) == want);
  CHECK(rd->at([counter] { return counter; }) == want);
  CHECK(rd->at([counter] { return counter; }) == want);
  if constexpr (vrtc::hardware_counter_available) {
    CHECK(rd->now() == want);
  }
}

}  // namespace

TEST_CASE("a page without a counter relation gives no time, from every entry point", "[vmclock]") {
  const auto p = disruption_only_page();
  region r(p);
  auto short_page = p;  // a region shorter than the structure is read field by field
  short_page.size = 104;
  region short_region(short_page);
  for (const std::uint64_t counter : {std::uint64_t{0}, std::uint64_t{123'456'789}, UINT64_MAX}) {
    check_every_entry_point(p, r.span(), counter, errc::no_time);
    check_every_entry_point(short_page, short_region.span(104), counter, errc::no_time);
  }
  // Whatever else the page says: with time fields, any status, any time type.
  auto q = quarter_second_page();
  q.counter_id = vmc::counter_id::invalid;
  for (const auto status : {vmc::clock_status::unknown, vmc::clock_status::initializing,
                            vmc::clock_status::synchronized, vmc::clock_status::freerunning}) {
    q.clock_status = status;
    r.set(q);
    check_every_entry_point(q, r.span(), 1000, errc::no_time);
  }
  // A size that stops short of the time fields is still reported as such.
  q.size = 0x57;
  r.set(q);
  CHECK(reading_at(q, 1000) == errc::field_absent);
}

TEST_CASE("UNKNOWN and INITIALIZING with a counter relation give the time and say so", "[vmclock]") {
  for (const auto status : {vmc::clock_status::unknown, vmc::clock_status::initializing}) {
    auto p = quarter_second_page();
    p.clock_status = status;
    region r(p);
    const auto rd = vmc::reader::open(r.span());
    REQUIRE(rd.has_value());
    const auto t = reading_of(rd->at(1004));
    REQUIRE(t.has_value());
    CHECK(t->time == vrtc::fixed_time{1704067201, half});
    CHECK(t->clock_status == status);
    const auto s = rd->at([] { return std::uint64_t{1004}; });
    REQUIRE(s.has_value());
    CHECK(s->clock_status() == status);
    CHECK(s->reading() == *t);
    if constexpr (vrtc::hardware_counter_available) {
      p.counter_id = static_cast<vmc::counter_id>(*vrtc::hardware_counter_id());
      r.set(p);
      const auto n = rd->now();
      REQUIRE(n.has_value());
      CHECK(n->clock_status() == status);
      CHECK(n->reading() == *reading_at(p, n->counter()));
    }
  }
}

namespace {

// 2017-01-01T00:00:00Z: a positive leap second (2016-12-31T23:59:60) ends there; TAI - UTC
// is 36 s before it and 37 s after. 2030-07-01 stands for a negative one (37 s, then 36 s).
constexpr std::uint64_t new_year_2017 = 1'483'228'800;
constexpr std::uint64_t july_2030 = 1'909'094'400;

/// A page 10 s before `leap_end` (UTC), one tick = 0.25 s, with the given scale and indicator.
constexpr vmc::page_data before_leap_page(vmc::time_type type, vmc::leap_indicator li, std::uint64_t leap_end,
                                          std::int16_t tai_minus_utc) {
  auto p = quarter_second_page();
  p.time_type = type;
  p.leap_indicator = li;
  p.tai_offset_sec = static_cast<std::int16_t>(-tai_minus_utc);
  p.time_frac_sec = 0;
  p.time_sec = type == vmc::time_type::utc ? leap_end - 10 : leap_end - 10 + static_cast<std::uint64_t>(tai_minus_utc);
  return p;
}

/// The counter at which `seconds` have passed since the page's reference.
constexpr std::uint64_t after(std::uint64_t seconds) { return 1000 + 4 * seconds; }

/// The reading at `counter`, after checking that every entry point gives it.
vmc::clock_reading checked_reading_at(const vmc::page_data& p, std::uint64_t counter) {
  const auto want = reading_at(p, counter);
  REQUIRE(want.has_value());
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  CHECK(reading_of(rd->at(counter)) == want);
  const auto s = rd->at([counter] { return counter; });
  REQUIRE(s.has_value());
  check_sample_matches(*s, p);
  return *want;
}

}  // namespace

TEST_CASE("UTC extrapolated across an announced positive leap second includes it", "[vmclock]") {
  for (const auto type : {vmc::time_type::tai, vmc::time_type::utc}) {
    CAPTURE(type);
    const auto p = before_leap_page(type, vmc::leap_indicator::pre_pos, new_year_2017, 36);
    // 23:59:59: still before.
    auto t = checked_reading_at(p, after(9));
    CHECK(t.utc_sec == new_year_2017 - 1);
    CHECK(t.tai_sec == new_year_2017 - 1 + 36);
    CHECK(t.leap_indicator == vmc::leap_indicator::pre_pos);
    // 23:59:60, half-way through: a stepping clock repeats 23:59:59 and says POS.
    t = checked_reading_at(p, after(10) + 2);
    CHECK(t.utc_sec == new_year_2017 - 1);
    CHECK(t.tai_sec == new_year_2017 + 36);
    CHECK(t.leap_indicator == vmc::leap_indicator::pos);
    CHECK(t.nanoseconds == 500'000'000);
    // 00:00:00 and an hour later: TAI - UTC is 37 s now.
    for (const std::uint64_t past : {std::uint64_t{0}, std::uint64_t{3600}}) {
      t = checked_reading_at(p, after(11 + past));
      CHECK(t.utc_sec == new_year_2017 + past);
      CHECK(t.tai_sec == new_year_2017 + past + 37);
      CHECK(t.leap_indicator == vmc::leap_indicator::post_pos);
    }
    // On a UTC page the time itself is UTC and steps with it.
    if (type == vmc::time_type::utc) CHECK(t.time.sec == new_year_2017 + 3600);
    // Before the page's instant nothing changes.
    t = checked_reading_at(p, std::uint64_t{1000} - 4 * 86400);  // a day before, counter wrapped
    CHECK(t.utc_sec == new_year_2017 - 10 - 86400);
    CHECK(t.leap_indicator == vmc::leap_indicator::pre_pos);
  }
}

TEST_CASE("UTC extrapolated across an announced negative leap second skips 23:59:59", "[vmclock]") {
  for (const auto type : {vmc::time_type::tai, vmc::time_type::utc}) {
    CAPTURE(type);
    const auto p = before_leap_page(type, vmc::leap_indicator::pre_neg, july_2030, 37);
    auto t = checked_reading_at(p, after(8));  // 23:59:58
    CHECK(t.utc_sec == july_2030 - 2);
    CHECK(t.tai_sec == july_2030 - 2 + 37);
    CHECK(t.leap_indicator == vmc::leap_indicator::pre_neg);
    t = checked_reading_at(p, after(9));  // one second later it is 00:00:00: 23:59:59 does not exist
    CHECK(t.utc_sec == july_2030);
    CHECK(t.tai_sec == july_2030 + 36);
    CHECK(t.leap_indicator == vmc::leap_indicator::post_neg);
    t = checked_reading_at(p, after(9 + 86400));
    CHECK(t.utc_sec == july_2030 + 86400);
    CHECK(t.tai_sec == july_2030 + 86400 + 36);
    if (type == vmc::time_type::utc) CHECK(t.time.sec == july_2030 + 86400);
  }
}

TEST_CASE("UTC extrapolated back across a leap second that has passed excludes it", "[vmclock]") {
  // A page 10 s after the 2016 leap second (TAI - UTC = 37 s), read at earlier counters.
  for (const auto type : {vmc::time_type::tai, vmc::time_type::utc}) {
    CAPTURE(type);
    auto p = before_leap_page(type, vmc::leap_indicator::post_pos, new_year_2017 + 20, 37);
    auto t = checked_reading_at(p, 1000 - 4 * 10);  // 00:00:00
    CHECK(t.utc_sec == new_year_2017);
    CHECK(t.leap_indicator == vmc::leap_indicator::post_pos);
    t = checked_reading_at(p, 1000 - 4 * 11);  // 23:59:60
    CHECK(t.utc_sec == new_year_2017 - 1);
    CHECK(t.tai_sec == new_year_2017 + 36);
    CHECK(t.leap_indicator == vmc::leap_indicator::pos);
    t = checked_reading_at(p, 1000 - 4 * 12);  // 23:59:59, TAI - UTC = 36 s
    CHECK(t.utc_sec == new_year_2017 - 1);
    CHECK(t.tai_sec == new_year_2017 - 1 + 36);
    CHECK(t.leap_indicator == vmc::leap_indicator::pre_pos);
  }
}

TEST_CASE("a UTC page stepped past 2^64 s by a leap second is an overflow", "[vmclock]") {
  // 18446744073708835200 is the midnight that starts November 584554051223, the last month
  // below 2^64; a negative leap second ending October puts UTC one second ahead after it.
  constexpr std::uint64_t midnight = 18'446'744'073'708'835'200u;
  const auto p = before_leap_page(vmc::time_type::utc, vmc::leap_indicator::pre_neg, midnight, 37);
  const std::uint64_t to_top = UINT64_MAX - (midnight - 10);  // seconds from the page to 2^64 - 1
  auto t = checked_reading_at(p, after(to_top - 1));
  CHECK(t.time.sec == UINT64_MAX);
  CHECK(t.leap_indicator == vmc::leap_indicator::post_neg);
  CHECK(reading_at(p, after(to_top)) == errc::overflow);
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  CHECK(reading_of(rd->at(after(to_top))) == errc::overflow);
}

TEST_CASE("a leap indicator that contradicts the page's instant is reported as published", "[vmclock]") {
  // POS at 23:59:50 (not the last second of the month), PRE_NEG at the 23:59:59 it removes.
  auto p = before_leap_page(vmc::time_type::utc, vmc::leap_indicator::pos, new_year_2017, 36);
  for (const std::uint64_t seconds : {std::uint64_t{0}, std::uint64_t{9}, std::uint64_t{10}, std::uint64_t{20}}) {
    const auto t = checked_reading_at(p, after(seconds));
    CHECK(t.utc_sec == new_year_2017 - 10 + seconds);
    CHECK(t.leap_indicator == vmc::leap_indicator::pos);
  }
  p = before_leap_page(vmc::time_type::utc, vmc::leap_indicator::pre_neg, july_2030 + 9, 37);  // at july_2030 - 1
  for (const std::uint64_t seconds : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{5}}) {
    const auto t = checked_reading_at(p, after(seconds));
    CHECK(t.utc_sec == july_2030 - 1 + seconds);
    CHECK(t.leap_indicator == vmc::leap_indicator::pre_neg);
  }
}

TEST_CASE("the fast path applies an announced leap second like every other entry point", "[vmclock]") {
  if constexpr (!vrtc::hardware_counter_available) return;
  // The page's instant is 10 s before the 2016 leap second, and its counter_value 2^20 ticks
  // of 2^-10 s (1024 s) behind the counter now, so every now() reads past the leap second.
  auto p = before_leap_page(vmc::time_type::tai, vmc::leap_indicator::pre_pos, new_year_2017, 36);
  p.counter_id = static_cast<vmc::counter_id>(*vrtc::hardware_counter_id());
  p.counter_period_frac_sec = std::uint64_t{1} << 54;
  p.counter_value = vrtc::read_hardware_counter() - (std::uint64_t{1} << 20);
  region r(p);
  const auto rd = vmc::reader::open(r.span());
  REQUIRE(rd.has_value());
  const auto n = rd->now();
  REQUIRE(n.has_value());
  REQUIRE(n->tai().has_value());
  CHECK(n->tai()->time.sec >= new_year_2017 + 1014 + 36);
  REQUIRE(n->utc().has_value());
  CHECK(n->utc()->time.sec == n->tai()->time.sec - 37);
  CHECK(n->leap_indicator() == vmc::leap_indicator::post_pos);
  check_sample_matches(*n, p);
  const auto again = rd->now();
  REQUIRE(again.has_value());
  const vmc::clock_reading into = again->reading();
  CHECK(into.utc_sec == *into.tai_sec - 37);
  CHECK(into.leap_indicator == vmc::leap_indicator::post_pos);
}
