// Tests for include/vmclock/monitor.hpp: each change of disruption_marker and
// vm_generation_counter is reported exactly once; the disruption flags as they stand.
#include <vmclock/abi.hpp>
#include <vmclock/monitor.hpp>
#include <vmclock/reader.hpp>
#include <vmclock/writer.hpp>

#include <array>
#include <catch2/catch.hpp>

namespace {

namespace vmc = vrtc::vmclock;

constexpr vmc::page_data page(std::uint64_t marker, std::uint64_t generation, std::uint64_t flags) {
  vmc::page_data p;
  p.size = 0x1000;
  p.disruption_marker = marker;
  p.vm_generation_counter = generation;
  p.flags = flags;
  return p;
}

constexpr std::uint64_t gen = vmc::flag::vm_gen_counter_present;

constexpr bool reports_each_change_once() {
  vmc::monitor m;
  const bool baseline_quiet = !m.observe(page(1, 1, gen)).any_change();
  const bool unchanged_quiet = !m.observe(page(1, 1, gen)).any_change();
  const auto migrated = m.observe(page(2, 1, gen));
  const bool after_quiet = !m.observe(page(2, 1, gen)).any_change();
  const auto restored = m.observe(page(3, 2, gen));
  return baseline_quiet && unchanged_quiet && migrated.disrupted && !migrated.restored && after_quiet &&
         restored.disrupted && restored.restored && !m.observe(page(3, 2, gen)).any_change();
}
static_assert(reports_each_change_once());

}  // namespace

TEST_CASE("the first observation sets the baseline", "[vmclock]") {
  vmc::monitor m;
  CHECK_FALSE(m.disruption_marker().has_value());
  const auto e = m.observe(page(5, 9, gen));
  CHECK(e == vmc::disruption_events{});
  CHECK(m.disruption_marker() == 5u);
  CHECK(m.vm_generation_counter() == 9u);
}

TEST_CASE("migration and snapshot restore are reported exactly once", "[vmclock]") {
  STATIC_REQUIRE(reports_each_change_once());
  vmc::monitor m;
  (void)m.observe(page(1, 1, gen));
  auto e = m.observe(page(2, 1, gen));  // live migration: marker only
  CHECK(e.disrupted);
  CHECK_FALSE(e.restored);
  CHECK_FALSE(m.observe(page(2, 1, gen)).any_change());

  e = m.observe(page(3, 2, gen));  // snapshot restore: both
  CHECK(e.disrupted);
  CHECK(e.restored);
  CHECK_FALSE(m.observe(page(3, 2, gen)).any_change());

  e = m.observe(page(3, 3, gen));  // a generation change without a marker change still counts
  CHECK_FALSE(e.disrupted);
  CHECK(e.restored);

  // Any different value is a change, including a marker going backwards.
  CHECK(m.observe(page(1, 3, gen)).disrupted);
}

TEST_CASE("vm_generation_counter counts only when present", "[vmclock]") {
  vmc::monitor m;
  (void)m.observe(page(1, 1, 0));  // flag clear: no generation counter
  CHECK_FALSE(m.vm_generation_counter().has_value());
  auto e = m.observe(page(1, 7, 0));
  CHECK_FALSE(e.restored);
  e = m.observe(page(1, 7, gen));  // appears: a baseline, not a restore
  CHECK_FALSE(e.restored);
  e = m.observe(page(1, 8, gen));
  CHECK(e.restored);

  auto short_page = page(1, 9, gen);
  short_page.size = 104;  // the field lies beyond size
  e = m.observe(short_page);
  CHECK_FALSE(e.restored);
  CHECK_FALSE(m.vm_generation_counter().has_value());
}

TEST_CASE("DISRUPTION_SOON and DISRUPTION_IMMINENT are reported as they stand", "[vmclock]") {
  vmc::monitor m;
  auto e = m.observe(page(1, 1, vmc::flag::disruption_soon));
  CHECK(e.disruption_soon);
  CHECK_FALSE(e.disruption_imminent);
  e = m.observe(page(1, 1, vmc::flag::disruption_soon | vmc::flag::disruption_imminent));
  CHECK(e.disruption_soon);
  CHECK(e.disruption_imminent);
  CHECK_FALSE(e.any_change());
  e = m.observe(page(2, 1, 0));
  CHECK(e.disrupted);
  CHECK_FALSE(e.disruption_soon);
  CHECK_FALSE(e.disruption_imminent);
}

TEST_CASE("fed by a reader over a page a writer updates", "[vmclock]") {
  alignas(8) std::array<std::byte, 4096> region{};
  auto w = vmc::writer::create(region, page(0, 0, gen));
  REQUIRE(w.has_value());
  const auto r = vmc::reader::open(region);
  REQUIRE(r.has_value());
  vmc::monitor m;
  const auto observe = [&] {
    const auto snap = r->read();
    REQUIRE(snap.has_value());
    return m.observe(*snap);
  };
  CHECK_FALSE(observe().any_change());
  w->mark_disruption();
  auto e = observe();
  CHECK(e.disrupted);
  CHECK_FALSE(e.restored);
  w->mark_snapshot_restore();
  e = observe();
  CHECK(e.disrupted);
  CHECK(e.restored);
  CHECK_FALSE(observe().any_change());
  // Two restores between observations are one change seen.
  w->mark_snapshot_restore();
  w->mark_snapshot_restore();
  e = observe();
  CHECK(e.restored);
  CHECK_FALSE(observe().any_change());
  CHECK(m.vm_generation_counter() == 3u);
  CHECK(m.disruption_marker() == 4u);
}
