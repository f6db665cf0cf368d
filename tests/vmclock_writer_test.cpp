// Tests for include/vmclock/writer.hpp: the seqlock update as seen in memory, the disruption
// helpers, and calibration.
#include <vmclock/abi.hpp>
#include <vmclock/reader.hpp>
#include <vmclock/writer.hpp>

#include <array>
#include <catch2/catch.hpp>

namespace {

namespace vmc = vrtc::vmclock;
using vrtc::errc;

struct region {
  alignas(8) std::array<std::byte, 4096> bytes{};
  std::uint32_t seq() const { return vrtc::load_le<std::uint32_t>(bytes, vmc::layout_of<&vmc::page_data::seq_count>.offset); }
};

vmc::page_data sample() {
  vmc::page_data p;
  p.counter_id = vmc::counter_id::x86_tsc;
  p.time_type = vmc::time_type::tai;
  p.flags = vmc::flag::tai_offset_valid | vmc::flag::vm_gen_counter_present | vmc::flag::notification_present;
  p.clock_status = vmc::clock_status::synchronized;
  p.tai_offset_sec = -37;
  p.counter_value = 123456789;
  REQUIRE(vmc::set_counter_frequency(p, 1'000'000'000).has_value());
  p.time_sec = 1700000000;
  p.time_frac_sec = 42;
  return p;
}

}  // namespace

TEST_CASE("create publishes a consistent page with an even sequence", "[vmclock]") {
  region r;
  auto w = vmc::writer::create(r.bytes, sample());
  REQUIRE(w.has_value());
  CHECK(r.seq() == 2);  // 0 -> 1 (updating) -> 2
  const auto decoded = vmc::decode(r.bytes);
  REQUIRE(decoded.has_value());
  auto expected = sample();
  expected.seq_count = 2;
  CHECK(*decoded == expected);
  CHECK(w->published() == expected);
}

TEST_CASE("each update adds 2 and completes an interrupted one", "[vmclock]") {
  region r;
  vrtc::store_le<std::uint32_t>(r.bytes, vmc::layout_of<&vmc::page_data::seq_count>.offset, 41);  // left odd by a crash
  auto w = vmc::writer::create(r.bytes, sample());
  REQUIRE(w.has_value());
  CHECK(r.seq() == 42);
  auto p = sample();
  p.time_sec += 1;
  w->publish(p);
  CHECK(r.seq() == 44);
  CHECK(vmc::decode(r.bytes)->time_sec == 1700000001);

  // Wrap-around stays even.
  vrtc::store_le<std::uint32_t>(r.bytes, vmc::layout_of<&vmc::page_data::seq_count>.offset, 0xfffffffe);
  auto w2 = vmc::writer::create(r.bytes, sample());
  REQUIRE(w2.has_value());
  CHECK(r.seq() == 0);
  w2->publish(sample());
  CHECK(r.seq() == 2);
}

TEST_CASE("the region must hold the structure and be aligned", "[vmclock]") {
  alignas(8) std::array<std::byte, 4096> bytes{};
  CHECK(vmc::writer::create(std::span<std::byte>(bytes).first(111), sample()) == errc::buffer_too_small);
  CHECK(vmc::writer::create(std::span<std::byte>(bytes).subspan(4, 200), sample()) == errc::invalid_argument);
  CHECK(vmc::writer::create(std::span<std::byte>(bytes).first(112), sample()).has_value());
}

TEST_CASE("migration bumps the marker, snapshot restore also the generation", "[vmclock]") {
  region r;
  auto w = vmc::writer::create(r.bytes, sample());
  REQUIRE(w.has_value());
  w->mark_disruption();
  auto p = vmc::decode(r.bytes);
  REQUIRE(p.has_value());
  CHECK(p->disruption_marker == 1);
  CHECK(p->vm_generation_counter == 0);
  CHECK(p->seq_count == 4);
  CHECK(p->time_sec == 1700000000);  // the rest is republished unchanged

  w->mark_snapshot_restore();
  w->mark_snapshot_restore();
  p = vmc::decode(r.bytes);
  REQUIRE(p.has_value());
  CHECK(p->disruption_marker == 3);
  CHECK(p->vm_generation_counter == 2);
  CHECK(p->seq_count == 8);
  CHECK(w->published() == *p);
}

TEST_CASE("calibration picks the most precise period", "[vmclock]") {
  vmc::page_data p;
  REQUIRE(vmc::set_counter_frequency(p, 1'000'000'000).has_value());
  CHECK(p.counter_period_shift == 29);
  CHECK(p.counter_period_frac_sec == 0x89705F4136B4A597);
  REQUIRE(vmc::set_counter_frequency(p, 2'600'000'000).has_value());
  CHECK(p.counter_period_shift == 31);
  CHECK(p.counter_period_frac_sec >> 63 == 1);  // 64 significant bits
  CHECK(vmc::set_counter_frequency(p, 1) == errc::invalid_argument);
  CHECK(vmc::set_counter_frequency(p, 0) == errc::invalid_argument);

  // A calibrated 1 GHz page turns 10^9 ticks into one second (less a truncation below 1 ns).
  p = sample();
  p.time_frac_sec = 0;
  const auto t = vmc::clock_sample::at(p, p.counter_value + 1'000'000'000);
  REQUIRE(t.has_value());
  CHECK(t->time().sec == 1700000000);
  CHECK(t->nanoseconds() == 999'999'999);
  const auto t2 = vmc::clock_sample::at(p, p.counter_value + 1'000'000'001);
  REQUIRE(t2.has_value());
  CHECK(t2->time().sec == 1700000001);
}

TEST_CASE("a reader sees every published version whole", "[vmclock]") {
  region r;
  auto w = vmc::writer::create(r.bytes, sample());
  REQUIRE(w.has_value());
  const auto rd = vmc::reader::open(r.bytes);
  REQUIRE(rd.has_value());
  for (std::uint64_t i = 1; i <= 100; ++i) {
    auto p = sample();
    p.time_sec = 1700000000 + i;
    p.time_frac_sec = i;
    w->publish(p);
    const auto snap = rd->read();
    REQUIRE(snap.has_value());
    CHECK(snap->time_sec == 1700000000 + i);
    CHECK(snap->seq_count == 2 + 2 * i);
  }
}
