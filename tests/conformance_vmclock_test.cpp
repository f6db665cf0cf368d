// The vmclock kit (include/vrtc/conformance/vmclock_kit.hpp) and its runner
// (include/vrtc/conformance/linux/vmclock_runner.hpp): this library's writer and reader
// pass every check, and writers and readers with one deliberate fault each fail exactly the
// checks for that fault.
#include <vrtc/conformance/linux/vmclock_runner.hpp>
#include <vrtc/conformance/vmclock_kit.hpp>

#include <vmclock/writer.hpp>

#include <catch2/catch.hpp>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

std::set<std::string> failed(const report& r) {
  const auto ids = r.failed_ids();
  return {ids.begin(), ids.end()};
}

std::string summary(const report& r) {
  std::string s;
  for (const check_result& c : r.results)
    s += c.id + ": " + to_string(c.outcome) + " — " + c.expected + " / " + c.detail + "\n";
  return s;
}

// --- writers -------------------------------------------------------------------------------

constexpr std::uint64_t ghz = 1'000'000'000;

#ifdef VRTC_TEST_SANITIZED
constexpr unsigned updates = 6;  // every instruction of an instrumented writer is stepped
#else
constexpr unsigned updates = 8;
#endif
const writer_kit_options stepped{.updates = updates};
// Computed once at start-up, not in the traced child: the kit steps through every instruction.
constexpr vrtc::counter_period period_1ghz = *vrtc::best_counter_period(ghz);

/// What a host with a 1 GHz counter publishes at update k: a reference point every 10 s, TAI,
/// TIME_MONOTONIC, maximum error 1 us (and, optionally, 1 ppm period error).
vmclock::page_data host_page(unsigned k, bool period_error = true) {
  vmclock::page_data p;
  p.counter_id = vmclock::counter_id::x86_tsc;
  p.time_type = vmclock::time_type::tai;
  p.clock_status = vmclock::clock_status::synchronized;
  p.tai_offset_sec = -37;
  p.flags = vmclock::flag::tai_offset_valid | vmclock::flag::time_monotonic | vmclock::flag::time_maxerror_valid;
  p.counter_period_frac_sec = period_1ghz.frac_sec;
  p.counter_period_shift = period_1ghz.shift;
  p.counter_value = 10 * ghz * (k + 1);
  p.time_sec = 1'700'000'000 + 10 * std::uint64_t{k};
  p.time_maxerror_nanosec = 1000;
  if (period_error) {
    p.flags |= vmclock::flag::period_maxerror_valid;
    p.counter_period_maxerror_rate_frac_sec = 0x901d7cf73ab;  // 1 ppm at shift 29
  }
  return p;
}

/// This library's writer publishing host_page(k), changed by `tamper` (if any) first.
writer_adapter library_writer(std::function<void(vmclock::page_data&, unsigned)> tamper = {}, bool period_error = true) {
  auto w = std::make_shared<std::optional<vmclock::writer>>();
  const auto page = [tamper, period_error](unsigned k) {
    vmclock::page_data p = host_page(k, period_error);
    if (tamper) tamper(p, k);
    return p;
  };
  return {[w, page](std::span<std::byte> region) {
            auto created = vmclock::writer::create(region, page(0));
            if (created) w->emplace(std::move(*created));
          },
          [w, page](std::span<std::byte>, unsigned k) {
            if (*w) (*w)->publish(page(k));
          }};
}

/// A writer keeping the seqlock protocol with seq_count values of its own choosing: odd(k) while
/// writing update k, then even(k).
writer_adapter manual_writer(std::function<std::uint32_t(unsigned)> even, std::function<void(vmclock::page_data&)> tamper = {}) {
  const auto publish = [even, tamper](std::span<std::byte> region, unsigned k) {
    vmclock::page_data p = host_page(k);
    if (tamper) tamper(p);
    p.seq_count = even(k) - 1;
    store_le<std::uint32_t>(region, vmclock::layout_of<&vmclock::page_data::seq_count>.offset, p.seq_count);
    (void)vmclock::encode(p, region);
    store_le<std::uint32_t>(region, vmclock::layout_of<&vmclock::page_data::seq_count>.offset, even(k));
  };
  return {[publish](std::span<std::byte> region) { publish(region, 0); }, publish};
}

// --- readers -------------------------------------------------------------------------------

struct reader_faults {
  bool no_validation = false;     ///< uses any page: magic, size, status and time_type unchecked
  bool cache_by_seq = false;      ///< returns its last result while seq_count equals the last one (0 at first)
  bool ignore_odd = false;        ///< accepts an odd seq_count
  bool no_second_check = false;   ///< never re-reads seq_count after the fields
  bool unsigned_delta = false;    ///< counter - counter_value as an unsigned number
  bool wrong_tai_sign = false;    ///< takes tai_offset_sec as TAI - UTC
  bool shift_mod_128 = false;     ///< reduces counter_period_shift modulo 128
  bool unbounded = false;         ///< spins on an odd seq_count forever
};

/// A small seqlock reader written independently of the library's, with optional faults.
reader_adapter simple_reader(reader_faults f) {
  auto cache = std::make_shared<std::pair<std::uint32_t, reader_outcome>>();
  return {[f, cache](std::span<const std::byte> page, const counter_callback& counter) {
    reader_outcome out;
    if (f.cache_by_seq && load_le<std::uint32_t>(page, vmclock::layout_of<&vmclock::page_data::seq_count>.offset) == cache->first)
      return cache->second;
    using vmclock::page_data;
    for (unsigned attempt = 0; f.unbounded || attempt < 1000; ++attempt) {
      const std::uint32_t seq = load_le<std::uint32_t>(page, vmclock::layout_of<&page_data::seq_count>.offset);
      if (!f.ignore_odd && (seq & 1u) != 0) continue;
      const std::uint32_t magic = load_le<std::uint32_t>(page, vmclock::layout_of<&page_data::magic>.offset);
      const std::uint32_t size = load_le<std::uint32_t>(page, vmclock::layout_of<&page_data::size>.offset);
      const auto status = load_le<std::uint8_t>(page, vmclock::layout_of<&page_data::clock_status>.offset);
      const auto type = load_le<std::uint8_t>(page, vmclock::layout_of<&page_data::time_type>.offset);
      unsigned shift = load_le<std::uint8_t>(page, vmclock::layout_of<&page_data::counter_period_shift>.offset);
      const std::uint64_t period = load_le<std::uint64_t>(page, vmclock::layout_of<&page_data::counter_period_frac_sec>.offset);
      const std::uint64_t cv = load_le<std::uint64_t>(page, vmclock::layout_of<&page_data::counter_value>.offset);
      const std::uint64_t tsec = load_le<std::uint64_t>(page, vmclock::layout_of<&page_data::time_sec>.offset);
      const std::uint64_t tfrac = load_le<std::uint64_t>(page, vmclock::layout_of<&page_data::time_frac_sec>.offset);
      const std::uint64_t flags = load_le<std::uint64_t>(page, vmclock::layout_of<&page_data::flags>.offset);
      const auto offset = static_cast<std::int16_t>(load_le<std::uint16_t>(page, vmclock::layout_of<&page_data::tai_offset_sec>.offset));
      const std::uint64_t c = counter();
      if (!f.no_second_check && load_le<std::uint32_t>(page, vmclock::layout_of<&page_data::seq_count>.offset) != seq) continue;
      if (!f.no_validation && (magic != vmclock::magic_value || size < vmclock::layout_of<&page_data::time_frac_sec>.end() || status == 4 || type > 2))
        return out;
      if (f.shift_mod_128) shift %= 128;
      if (shift >= 128) return out;
      const u128 base = u128::from_halves(tsec, tfrac);
      u128 t;
      if (f.unsigned_delta || c >= cv) t = base + (u128::mul(c - cv, period) >> shift);
      else t = base - (u128::mul(cv - c, period) >> shift);
      out.ok = true;
      out.sec = t.hi();
      out.nsec = static_cast<std::uint32_t>(frac_to_ns_floor(t.lo()));
      if ((flags & vmclock::flag::tai_offset_valid) != 0) {
        const std::int64_t utc_minus_tai = f.wrong_tai_sign ? -offset : offset;
        if (type == 1) out.utc_sec = out.sec + static_cast<std::uint64_t>(utc_minus_tai);
        if (type == 0) out.tai_sec = out.sec - static_cast<std::uint64_t>(utc_minus_tai);
      }
      *cache = {seq, out};
      return out;
    }
    return out;
  }};
}

}  // namespace

TEST_CASE("vmclock kit: this library's writer passes every check, observed instruction by instruction") {
  const report r = run_writer_kit(library_writer(), stepped);
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.results.size() == 7);
  const auto* odd = r.find("vmclock-writer/seq-odd-during-update");
  REQUIRE(odd != nullptr);
  if (odd->outcome == verdict::not_applicable) WARN("no ptrace here: " << odd->detail);
  CHECK(r.find("vmclock-writer/monotonic")->outcome == verdict::pass);
  CHECK(r.find("vmclock-writer/error-bounds")->outcome == verdict::pass);
}

TEST_CASE("vmclock kit: without stepping, complete updates are still checked") {
  const report r = run_writer_kit(library_writer(), {.updates = 4, .single_step = false});
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.find("vmclock-writer/seq-odd-during-update")->outcome == verdict::not_applicable);
  CHECK(r.passed() == 6);
}

TEST_CASE("vmclock kit: a writer that never makes seq_count odd fails only that check") {
  // Writes the whole structure in place, seq_count (early in it) already at the next even value.
  auto seq = std::make_shared<std::uint32_t>(0);
  const writer_adapter w{[seq](std::span<std::byte> region) {
                           vmclock::page_data p = host_page(0);
                           p.seq_count = *seq += 2;
                           (void)vmclock::encode(p, region);
                         },
                         [seq](std::span<std::byte> region, unsigned k) {
                           vmclock::page_data p = host_page(k);
                           p.seq_count = *seq += 2;
                           (void)vmclock::encode(p, region);
                         }};
  const report r = run_writer_kit(w, stepped);
  INFO(summary(r));
  if (r.find("vmclock-writer/seq-odd-during-update")->outcome == verdict::not_applicable) {
    WARN("no ptrace here: the fault cannot be observed");
    CHECK(r.ok());
  } else {
    CHECK(failed(r) == std::set<std::string>{"vmclock-writer/seq-odd-during-update"});
  }
}

TEST_CASE("vmclock kit: a writer that changes magic fails only the constant-fields check") {
  const report r = run_writer_kit(library_writer([](vmclock::page_data& p, unsigned k) {
    if (k >= 3) p.magic = 0x4b4c4357;
  }), stepped);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-writer/constant-fields"});
}

TEST_CASE("vmclock kit: a writer that changes time_type fails only the constant-fields check") {
  const report r = run_writer_kit(library_writer([](vmclock::page_data& p, unsigned k) {
    if (k == 5) p.time_type = vmclock::time_type::utc;
  }), stepped);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-writer/constant-fields"});
}

TEST_CASE("vmclock kit: a writer stepping back 200 ns under TIME_MONOTONIC fails only the monotonic check") {
  // 200 ns is inside the 1 us maximum error: the bounds hold, monotonicity does not.
  const report r = run_writer_kit(library_writer([](vmclock::page_data& p, unsigned k) {
    if (k >= 4) p.time_frac_sec = 0 - vrtc::ns_to_frac(200), p.time_sec -= 1;
  }), stepped);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-writer/monotonic"});
}

TEST_CASE("vmclock kit: a writer jumping 5 us with a 1 us maximum error fails only the error-bound check") {
  const report r = run_writer_kit(library_writer(
      [](vmclock::page_data& p, unsigned k) {
        if (k >= 4) p.time_frac_sec = vrtc::ns_to_frac(5000);
      },
      false), stepped);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-writer/error-bounds"});
}

TEST_CASE("vmclock kit: a writer that leaves seq_count odd fails the parity check") {
  const report r = run_writer_kit(library_writer(), {.updates = 2});  // control
  CHECK(r.ok());
  auto w = library_writer();
  const auto update = w.update;
  w.update = [update](std::span<std::byte> region, unsigned k) {
    update(region, k);
    if (k == 2) store_le<std::uint32_t>(region, vmclock::layout_of<&vmclock::page_data::seq_count>.offset, load_le<std::uint32_t>(region, 12) + 1);
  };
  const report bad = run_writer_kit(w, {.updates = 2});
  INFO(summary(bad));
  CHECK(failed(bad).count("vmclock-writer/seq-even-after-update") == 1);
}

TEST_CASE("vmclock kit: this library's reader passes every check") {
  const report r = run_reader_kit(library_reader_adapter());
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.not_applicable() == 0);
  CHECK(r.results.size() == 12);
}

TEST_CASE("vmclock kit: an independent reader without faults passes every check") {
  const report r = run_reader_kit(simple_reader({}));
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.not_applicable() == 0);
}

TEST_CASE("vmclock kit: a reader with an unsigned counter delta fails only the counter-behind check") {
  const report r = run_reader_kit(simple_reader({.unsigned_delta = true}));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/counter-behind"});
}

TEST_CASE("vmclock kit: a reader that ignores an odd seq_count fails the odd-sequence checks") {
  const report r = run_reader_kit(simple_reader({.ignore_odd = true}));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/odd-seq-bounded", "vmclock-reader/odd-seq-not-accepted"});
}

TEST_CASE("vmclock kit: a reader without the second seq_count check fails only the torn-read check") {
  const report r = run_reader_kit(simple_reader({.no_second_check = true}));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/torn-read-retried"});
}

TEST_CASE("vmclock kit: a reader with the wrong tai_offset sign fails only that check") {
  const report r = run_reader_kit(simple_reader({.wrong_tai_sign = true}));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/tai-offset-sign"});
}

TEST_CASE("vmclock kit: a reader reducing the shift modulo 128 fails only the shift check") {
  const report r = run_reader_kit(simple_reader({.shift_mod_128 = true}));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/shift-128"});
}

TEST_CASE("vmclock kit: a reader that spins forever on an odd seq_count is stopped by the time bound") {
  const report r = run_reader_kit(simple_reader({.unbounded = true}), {.time_bound = std::chrono::milliseconds(300)});
  INFO(summary(r));
  // The half-written page completes only when the reader reads the counter, which it never does.
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/odd-seq-bounded", "vmclock-reader/odd-seq-not-accepted"});
  CHECK(r.find("vmclock-reader/odd-seq-bounded")->detail.find("did not return") != std::string::npos);
}

TEST_CASE("vmclock kit: a crashing reader fails its checks instead of the run") {
  const reader_adapter crash{[](std::span<const std::byte>, const counter_callback&) -> reader_outcome {
    std::raise(SIGSEGV);
    return {};
  }};
  const report r = run_reader_kit(crash);
  CHECK(r.failed() == r.results.size());
  CHECK(r.find("vmclock-reader/consistent-page")->detail.find("signal") != std::string::npos);
}

TEST_CASE("vmclock kit: a writer publishing version 2 fails only the header check") {
  const report r = run_writer_kit(manual_writer([](unsigned k) { return 2 * (k + 1); },
                                                [](vmclock::page_data& p) { p.version = 2; }),
                                  stepped);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-writer/header"});
}

TEST_CASE("vmclock kit: a writer whose seq_count starts over fails only the seq-increases check") {
  const auto control = run_writer_kit(manual_writer([](unsigned k) { return 2 * (k + 1); }), stepped);
  INFO(summary(control));
  CHECK(control.ok());
  const report r = run_writer_kit(manual_writer([](unsigned k) { return 2 * (k % 3 + 1); }), stepped);
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-writer/seq-increases"});
}

TEST_CASE("vmclock kit: a reader that validates nothing fails the page-validation checks") {
  const report r = run_reader_kit(simple_reader({.no_validation = true}));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/bad-magic", "vmclock-reader/short-size",
                                           "vmclock-reader/unreliable", "vmclock-reader/unsupported-time-type"});
}

TEST_CASE("vmclock kit: a reader caching by seq_count fails only the fresh-page check") {
  const report r = run_reader_kit(simple_reader({.cache_by_seq = true}));
  INFO(summary(r));
  CHECK(failed(r) == std::set<std::string>{"vmclock-reader/fresh-page"});
}

// --- the same checks in process ------------------------------------------------------------

TEST_CASE("vmclock kit in process: this library's writer passes, stores inside an update unobserved") {
  const report r = run_writer_kit_in_process(library_writer(), {.updates = 4});
  INFO(summary(r));
  CHECK(r.ok());
  CHECK(r.results.size() == 7);
  CHECK(r.find("vmclock-writer/seq-odd-during-update")->outcome == verdict::not_applicable);
  CHECK(r.passed() == 6);
}

TEST_CASE("vmclock kit in process: a writer that moves time back fails the monotonic check") {
  const report r = run_writer_kit_in_process(library_writer([](vmclock::page_data& p, unsigned k) {
                                               if (k == 2) p.time_sec -= 5;
                                             }),
                                             {.updates = 3});
  INFO(summary(r));
  CHECK(failed(r).count("vmclock-writer/monotonic") == 1);
}

TEST_CASE("vmclock kit: judge_writer judges a recorded trace without running anything") {
  writer_trace t;
  t.not_stepped_why = "recorded elsewhere";
  std::array<std::byte, vmclock::abi_size> page{};
  vmclock::page_data p = host_page(0);
  p.seq_count = 2;
  REQUIRE(vmclock::encode(p, page));
  t.complete.push_back(page);
  p.seq_count = 3;  // an update left half-done
  REQUIRE(vmclock::encode(p, page));
  t.complete.push_back(page);
  const report r = judge_writer(t, 1);
  INFO(summary(r));
  CHECK(failed(r).count("vmclock-writer/seq-even-after-update") == 1);
  CHECK(r.find("vmclock-writer/seq-odd-during-update")->outcome == verdict::not_applicable);
  // A trace that does not hold every update fails every check.
  CHECK(failed(judge_writer(t, 2)).size() == 7);
}

TEST_CASE("vmclock kit in process: the reader checks give the runner's verdicts") {
  const report good = run_reader_kit_in_process(library_reader_adapter());
  INFO(summary(good));
  CHECK(good.ok());
  CHECK(good.results.size() == reader_checks().size());
  CHECK(good.not_applicable() == 0);
  const report bad = run_reader_kit_in_process(simple_reader({.wrong_tai_sign = true}));
  CHECK(failed(bad) == failed(run_reader_kit(simple_reader({.wrong_tai_sign = true}))));
  CHECK(failed(bad) == std::set<std::string>{"vmclock-reader/tai-offset-sign"});
}
