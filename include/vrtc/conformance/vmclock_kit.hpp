// vrtc conformance: the vmclock kit — checks for a device model's writer and for a third-party
// reader of the vmclock shared page: adapters, options, and the rules that judge what a writer
// did and what a reader answered. Standard library only. The runner that isolates the code
// under test in child processes and single-steps a writer lives in
// vrtc/conformance/linux/vmclock_runner.hpp; run_writer_kit_in_process and
// run_reader_kit_in_process here run the same checks in the calling process (no time bound,
// no crash isolation, no view of the stores inside an update).
//
// Check ids, in run order:
//   vmclock-writer/header                    magic "VCLK", version 1, 32 <= size <= region
//   vmclock-writer/seq-odd-during-update     every store to another field happens while seq_count is odd
//   vmclock-writer/seq-even-after-update     seq_count is even once an update is complete
//   vmclock-writer/seq-increases             each complete update leaves a larger seq_count
//   vmclock-writer/constant-fields           magic, size, version, counter_id, time_type never change
//   vmclock-writer/monotonic                 with TIME_MONOTONIC, an update never moves time back
//   vmclock-writer/error-bounds              a later update stays inside an earlier maximum error
//   vmclock-reader/consistent-page           a plain page gives the exact time
//   vmclock-reader/odd-seq-bounded           seq_count odd forever: an error, in bounded time
//   vmclock-reader/odd-seq-not-accepted      a half-written page (odd seq_count) is never used
//   vmclock-reader/torn-read-retried         an update during the read is detected and retried
//   vmclock-reader/fresh-page                every read reads the page again (no stale copy)
//   vmclock-reader/bad-magic                 wrong magic: an error
//   vmclock-reader/short-size                size below 32 or not covering the time: an error
//   vmclock-reader/unreliable                clock_status UNRELIABLE: an error
//   vmclock-reader/unsupported-time-type     time_type 3, 4 or unknown: an error
//   vmclock-reader/shift-128                 counter_period_shift >= 128: an error, not garbage
//   vmclock-reader/counter-behind            counter < counter_value: the earlier time (signed delta)
//   vmclock-reader/tai-offset-sign           tai_offset_sec is UTC - TAI (-37 in 2017..)
//
// A writer is judged on a writer_trace (judge_writer): every complete structure, and, when the
// runner observed every instruction, the stores made while seq_count was even. A reader is
// judged by the reader checks (reader_checks()): each one lays out a page, calls the reader —
// changing the page from the counter callback, inside the reader's seqlock window, to present
// torn reads — and records its verdict in a check_record.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vrtc/conformance/report.hpp"
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/core/u128.hpp"
#include "vmclock/abi.hpp"
#include "vmclock/reader.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

// --- adapters ----------------------------------------------------------------------------------

/// A vmclock writer under test (a device model's publishing code). `start` publishes the
/// initial structure into `region` (page_region_size bytes, zero-filled, 8-byte aligned
/// shared memory); `update` performs update number `step` (1, 2, ...) with whatever a device
/// would publish next. Both run in a child process.
struct writer_adapter {
  std::function<void(std::span<std::byte> region)> start;
  std::function<void(std::span<std::byte> region, unsigned step)> update;
};

struct writer_kit_options {
  unsigned updates = 8;
  /// Stop single-stepping after this many instructions (the writer then fails the seq check).
  std::uint64_t max_instructions = 50'000'000;
  /// Observe every instruction (Linux ptrace). Off: only complete updates are seen.
  bool single_step = true;
};

/// What a reader says the page says, at the counter value it obtained from the callback.
struct reader_outcome {
  bool ok = false;
  std::uint64_t sec = 0;   ///< whole seconds in the page's time scale
  std::uint32_t nsec = 0;  ///< nanoseconds, truncated
  std::optional<std::uint64_t> utc_sec;  ///< whole UTC seconds, if the reader derives them
  std::optional<std::uint64_t> tai_sec;  ///< whole TAI seconds, if the reader derives them
};

/// Called by the reader where it reads the hardware counter; returns the counter value.
using counter_callback = std::function<std::uint64_t()>;

/// A vmclock reader under test. `read` reads `page` (memory the kit may change while the read
/// is in progress, from within `counter`) and reports the time at the counter value.
struct reader_adapter {
  std::function<reader_outcome(std::span<const std::byte> page, const counter_callback& counter)> read;
};

struct reader_kit_options {
  /// A read that has not returned by then fails (and its child process is killed).
  std::chrono::milliseconds time_bound{2000};
};

// --- the writer kit ----------------------------------------------------------------------------

/// What the kit saw of a writer: the structure after start and after each update, and, when
/// every instruction was observed, the stores made while seq_count was even.
struct writer_trace {
  std::vector<std::array<std::byte, vmclock::abi_size>> complete;  ///< after start, after each update
  bool stepped = false;         ///< every instruction was observed
  std::string not_stepped_why;  ///< when !stepped
  std::vector<std::string> even_stores;  ///< descriptions of field stores while seq_count was even
  std::string failure;          ///< the writer crashed or ran away
};

namespace detail {

inline check_result make_result(std::string id, std::string section, std::string title) {
  check_result r;
  r.id = std::move(id);
  r.section = std::move(section);
  r.title = std::move(title);
  return r;
}

[[nodiscard]] inline std::uint32_t seq_of(std::span<const std::byte> page) {
  return load_le<std::uint32_t>(page, vmclock::layout_of<&vmclock::page_data::seq_count>.offset);
}

/// |a - b| in nanoseconds, rounded down; UINT64_MAX when it does not fit.
[[nodiscard]] inline std::uint64_t distance_ns(fixed_time a, fixed_time b) {
  const u128 x = u128::from_halves(a.sec, a.frac);
  const u128 y = u128::from_halves(b.sec, b.frac);
  const u128 d = x > y ? x - y : y - x;
  if (d.hi() >= UINT64_MAX / nanoseconds_per_second) return UINT64_MAX;
  return d.hi() * nanoseconds_per_second + frac_to_ns_floor(d.lo());
}

inline std::string changed_fields(std::span<const std::byte> before, std::span<const std::byte> after) {
  std::string s;
  // Every row but seq_count, whose stores are what the checks look at.
  for (const auto& [name, f] : vmclock::page_rows)
    if (f.offset != vmclock::layout_of<&vmclock::page_data::seq_count>.offset &&
        std::memcmp(before.data() + f.offset, after.data() + f.offset, f.size) != 0) s += (s.empty() ? "" : ", ") + std::string(name);
  return s;
}

}  // namespace detail

// --- the writer kit ----------------------------------------------------------------------------


/// Judges a writer by its trace, which must hold the structure after start and after each of
/// `updates` updates. The rules, exactly:
///  * header: the first complete structure has magic 0x4b4c4356, version 1, and
///    32 <= size <= page_region_size (the region the kit provided);
///  * seq-odd-during-update: every instruction that changes a byte of the structure other than
///    seq_count executes while seq_count is odd (before and after it);
///  * seq-even-after-update: seq_count is even in every complete structure;
///  * seq-increases: between consecutive complete structures, seq_count grows by 1 .. 2^31 - 1
///    (mod 2^32), unless the structure did not change at all;
///  * constant-fields: bytes 0..11 (magic, size, version, counter_id, time_type) are the same in
///    every complete structure;
///  * monotonic: for consecutive complete structures P, Q that both set TIME_MONOTONIC, have the
///    same disruption_marker and time_type and both give a time: at Q's counter_value C, the
///    time Q gives is not earlier than the time P gives. (C is the newest counter value the
///    device vouches for, so the switch from P to Q happened at or after it.)
///  * error-bounds: for every earlier P and later Q with the same disruption_marker and
///    time_type, where P sets TIME_MAXERROR_VALID: at Q's counter_value C, |time(Q, C) -
///    time(P, C)|, rounded down to whole nanoseconds, is at most P's maximum error at C
///    (time_maxerror_nanosec plus, with PERIOD_MAXERROR_VALID, |C - P.counter_value| times the
///    period's maximum error). That is, a later update never says a past counter reading meant
///    a time outside the bounds advertised earlier.
[[nodiscard]] inline report judge_writer(const writer_trace& t, unsigned updates) {
  using detail::make_result;
  report rep;
  const auto u32 = [](const auto& p, std::size_t off) { return load_le<std::uint32_t>(p, off); };

  auto header = make_result("vmclock-writer/header", "vmclock-writer", "magic VCLK, version 1, 32 <= size <= the region");
  auto odd = make_result("vmclock-writer/seq-odd-during-update", "vmclock-writer",
                         "Every other field is stored while seq_count is odd");
  auto even = make_result("vmclock-writer/seq-even-after-update", "vmclock-writer",
                          "seq_count is even when an update is complete");
  auto increases = make_result("vmclock-writer/seq-increases", "vmclock-writer", "Each update increases seq_count");
  auto constant = make_result("vmclock-writer/constant-fields", "vmclock-writer",
                              "magic, size, version, counter_id and time_type never change");
  auto monotonic = make_result("vmclock-writer/monotonic", "vmclock-writer",
                               "With TIME_MONOTONIC, an update never gives an earlier time");
  auto bounds = make_result("vmclock-writer/error-bounds", "vmclock-writer",
                            "A later update stays inside the maximum error advertised earlier");
  const auto fail = [](check_result& r, std::string expected, std::string detail) {
    if (r.outcome == verdict::fail) return;
    r.outcome = verdict::fail;
    r.expected = std::move(expected);
    r.detail = std::move(detail);
  };

  if (!t.failure.empty() || t.complete.size() != std::size_t{updates} + 1) {
    const std::string why = t.failure.empty() ? "not every update completed" : t.failure;
    for (check_result* r : {&header, &odd, &even, &increases, &constant, &monotonic, &bounds}) fail(*r, "a writer that completes its updates", why);
    rep.results = {header, odd, even, increases, constant, monotonic, bounds};
    return rep;
  }
  const auto& first = t.complete.front();
  {
    const std::uint32_t magic = u32(first, 0);
    const std::uint16_t version = load_le<std::uint16_t>(first, 8);
    const std::uint32_t size = u32(first, 4);
    if (magic != vmclock::magic_value || version != vmclock::version_value || size < vmclock::min_size ||
        size > vmclock::page_region_size)
      fail(header, "magic 0x4b4c4356, version 1, size 32..4096",
           "magic " + std::to_string(magic) + ", version " + std::to_string(version) + ", size " + std::to_string(size));
  }
  if (!t.stepped) {
    odd.outcome = verdict::not_applicable;
    odd.detail = t.not_stepped_why;
  } else if (!t.even_stores.empty()) {
    std::string d;
    for (const auto& s : t.even_stores) d += (d.empty() ? "" : "; ") + s;
    fail(odd, "seq_count odd while any other field changes", d);
  }
  for (std::size_t i = 0; i < t.complete.size(); ++i) {
    const auto& p = t.complete[i];
    const std::uint32_t s = detail::seq_of(p);
    if ((s & 1u) != 0) fail(even, "an even seq_count", "seq_count " + std::to_string(s) + " after update " + std::to_string(i));
    if (i == 0) continue;
    const auto& prev = t.complete[i - 1];
    const std::uint32_t grown = s - detail::seq_of(prev);
    if (prev != p && (grown == 0 || grown >= 0x8000'0000u))
      fail(increases, "a larger seq_count", "update " + std::to_string(i) + ": " + std::to_string(detail::seq_of(prev)) + " -> " + std::to_string(s));
    if (std::memcmp(prev.data(), p.data(), 12) != 0)
      fail(constant, "the first 12 bytes unchanged", "update " + std::to_string(i) + " changed " + detail::changed_fields(prev, p));
  }

  // Time comparisons on the structures that decode and give a time.
  struct state {
    vmclock::page_data page;
    bool usable;
  };
  std::vector<state> pages;
  for (const auto& p : t.complete) {
    const auto d = vmclock::decode(p);
    state s{d ? *d : vmclock::page_data{}, d.has_value()};
    if (s.usable) s.usable = vmclock::clock_sample::at(s.page, s.page.counter_value).has_value();
    pages.push_back(s);
  }
  const auto same_epoch = [](const vmclock::page_data& a, const vmclock::page_data& b) {
    return a.disruption_marker == b.disruption_marker && a.time_type == b.time_type;
  };
  std::size_t monotonic_pairs = 0;
  std::size_t bound_pairs = 0;
  for (std::size_t j = 1; j < pages.size(); ++j) {
    if (!pages[j].usable) continue;
    const vmclock::page_data& q = pages[j].page;
    const auto later = vmclock::clock_sample::at(q, q.counter_value);
    for (std::size_t i = 0; i < j; ++i) {
      if (!pages[i].usable || !same_epoch(pages[i].page, q)) continue;
      const vmclock::page_data& p = pages[i].page;
      const auto earlier = vmclock::clock_sample::at(p, q.counter_value);
      if (!earlier) continue;
      if (i + 1 == j && p.has_flag(vmclock::flag::time_monotonic) && q.has_flag(vmclock::flag::time_monotonic)) {
        ++monotonic_pairs;
        if (later->time() < earlier->time())
          fail(monotonic, "update " + std::to_string(j) + " not earlier than update " + std::to_string(i),
               "at counter " + std::to_string(q.counter_value) + " it is " +
                   std::to_string(detail::distance_ns(later->time(), earlier->time())) + " ns earlier");
      }
      if (earlier->max_error_ns()) {
        ++bound_pairs;
        const std::uint64_t off = detail::distance_ns(later->time(), earlier->time());
        if (off > *earlier->max_error_ns())
          fail(bounds, "update " + std::to_string(j) + " within " + std::to_string(*earlier->max_error_ns()) +
                           " ns of update " + std::to_string(i),
               "at counter " + std::to_string(q.counter_value) + " they differ by " + std::to_string(off) + " ns");
      }
    }
  }
  if (monotonic_pairs == 0 && monotonic.outcome == verdict::pass) {
    monotonic.outcome = verdict::not_applicable;
    monotonic.detail = "no two consecutive updates set TIME_MONOTONIC and give a time";
  }
  if (bound_pairs == 0 && bounds.outcome == verdict::pass) {
    bounds.outcome = verdict::not_applicable;
    bounds.detail = "no update sets TIME_MAXERROR_VALID with a time";
  }
  rep.results = {header, odd, even, increases, constant, monotonic, bounds};
  return rep;
}

/// Records a writer in the calling process: start and each update on `region` (zero-filled
/// first; at least vmclock::abi_size bytes, 8-byte aligned), a snapshot after each. The stores
/// inside an update are not observed, so the trace is not `stepped`.
[[nodiscard]] inline writer_trace record_writer(const writer_adapter& w, unsigned updates, std::span<std::byte> region) {
  writer_trace t;
  t.not_stepped_why = "recorded in process: the stores inside an update are not observed";
  if (region.size() < vmclock::abi_size) {
    t.failure = "a region smaller than the vmclock structure";
    return t;
  }
  std::memset(region.data(), 0, region.size());
  const auto snapshot = [&] {
    std::array<std::byte, vmclock::abi_size> a{};
    std::memcpy(a.data(), region.data(), a.size());
    t.complete.push_back(a);
  };
  w.start(region);
  snapshot();
  for (unsigned k = 1; k <= updates; ++k) {
    w.update(region, k);
    snapshot();
  }
  return t;
}

/// The writer checks in the calling process, on a page-sized region of its own (see
/// record_writer): seq-odd-during-update is not applicable; a writer that crashes or hangs
/// takes the caller with it (the runner in vmclock_runner.hpp isolates it).
[[nodiscard]] inline report run_writer_kit_in_process(const writer_adapter& w, const writer_kit_options& o = {}) {
  std::vector<std::uint64_t> words(vmclock::page_region_size / sizeof(std::uint64_t));  // 8-byte aligned
  const std::span<std::byte> region(reinterpret_cast<std::byte*>(words.data()), vmclock::page_region_size);
  return judge_writer(record_writer(w, o.updates, region), o.updates);
}

// --- the reader kit ----------------------------------------------------------------------------

/// A reader check's verdict, in fixed-size storage so that a runner can keep it in memory
/// shared with a child process. Texts are cut to fit.
struct check_record {
  verdict outcome = verdict::pass;
  char expected[160] = {};
  char detail[352] = {};

  void fail(const std::string& why_expected, const std::string& why) {
    if (outcome == verdict::fail && detail[0] != '\0') return;  // the first failure is reported
    outcome = verdict::fail;
    copy(expected, why_expected);
    copy(detail, why);
  }
  void not_applicable(const std::string& why) {
    outcome = verdict::not_applicable;
    copy(detail, why);
  }
  /// The verdict as a check_result of `r` (whose id, section and title are kept).
  [[nodiscard]] check_result into(check_result r) const {
    r.outcome = outcome;
    r.expected = expected;
    r.detail = detail;
    return r;
  }

 private:
  template <std::size_t N>
  static void copy(char (&out)[N], const std::string& s) noexcept {
    const std::size_t k = s.size() < N - 1 ? s.size() : N - 1;
    std::memcpy(out, s.data(), k);
    out[k] = '\0';
  }
};

namespace detail {

/// The reference page of the reader checks: TAI, a counter of exactly 2^32 Hz (period
/// 2^-32 s: counter_period_frac_sec 2^32, shift 0), so that every expected time is exact.
inline constexpr std::uint64_t kit_time_sec = 1'700'000'000;
inline constexpr std::uint64_t kit_counter_value = std::uint64_t{1} << 40;
/// The counter the checks read at: 1.5 s after counter_value.
inline constexpr std::uint64_t kit_counter = kit_counter_value + 3 * (std::uint64_t{1} << 31);

inline vmclock::page_data kit_page() {
  vmclock::page_data p;
  p.size = vmclock::page_region_size;
  p.counter_id = vmclock::counter_id::x86_tsc;
  p.time_type = vmclock::time_type::tai;
  p.seq_count = 2;
  p.disruption_marker = 1;
  p.flags = vmclock::flag::tai_offset_valid;
  p.clock_status = vmclock::clock_status::synchronized;
  p.tai_offset_sec = -37;
  p.counter_period_shift = 0;
  p.counter_period_frac_sec = std::uint64_t{1} << 32;
  p.counter_value = kit_counter_value;
  p.time_sec = kit_time_sec;
  p.time_frac_sec = 0;
  return p;
}

inline void put(std::span<std::byte> memory, const vmclock::page_data& p) { (void)vmclock::encode(p, memory); }

inline std::string describe(const reader_outcome& r) {
  if (!r.ok) return "an error";
  std::string s = std::to_string(r.sec) + " s + " + std::to_string(r.nsec) + " ns";
  if (r.utc_sec) s += ", UTC " + std::to_string(*r.utc_sec);
  if (r.tai_sec) s += ", TAI " + std::to_string(*r.tai_sec);
  return s;
}

inline counter_callback fixed_counter(std::uint64_t c) {
  return [c] { return c; };
}

inline bool is_time(const reader_outcome& r, std::uint64_t sec, std::uint32_t nsec) {
  return r.ok && r.sec == sec && r.nsec == nsec;
}

/// A check that expects every variant of the reference page that `prepare` makes to be
/// refused; prepare(page, variant) returns false when there are no more variants.
template <class Prepare>
void expect_rejected(const reader_adapter& a, std::span<std::byte> page, check_record& c, Prepare prepare) {
  for (unsigned variant = 0;; ++variant) {
    vmclock::page_data p = kit_page();
    if (!prepare(p, variant)) break;
    put(page, p);
    const reader_outcome r = a.read(page, fixed_counter(kit_counter));
    if (r.ok) c.fail("an error", "variant " + std::to_string(variant) + ": " + describe(r));
  }
}

}  // namespace detail

/// One reader check: its id and title, and `run`, which lays out the page in `page` (zeroed
/// memory of vmclock::page_region_size bytes, 8-byte aligned), calls the reader, and records
/// the verdict (pass unless it says otherwise).
struct reader_check {
  const char* id;
  const char* title;
  void (*run)(const reader_adapter& reader, std::span<std::byte> page, check_record& verdict);
};

/// The reader checks, in run order. Each uses a fresh reference page (TAI, a 2^32 Hz counter,
/// time 1'700'000'000 s at counter 2^40, tai_offset_sec -37).
[[nodiscard]] inline std::span<const reader_check> reader_checks() noexcept {
  using namespace detail;
  using page_t = std::span<std::byte>;
  static constexpr reader_check checks[] = {
      {"vmclock-reader/consistent-page", "A consistent page gives the exact time",
       [](const reader_adapter& a, page_t page, check_record& c) {
         put(page, kit_page());
         const reader_outcome r = a.read(page, fixed_counter(kit_counter));
         if (!is_time(r, kit_time_sec + 1, 500'000'000))
           c.fail(std::to_string(kit_time_sec + 1) + " s + 500000000 ns", describe(r));
       }},
      {"vmclock-reader/odd-seq-bounded", "seq_count odd forever: the read fails within a bound",
       [](const reader_adapter& a, page_t page, check_record& c) {
         vmclock::page_data p = kit_page();
         p.seq_count = 7;
         put(page, p);
         const reader_outcome r = a.read(page, fixed_counter(kit_counter));
         if (r.ok) c.fail("an error", "accepted a page being updated: " + describe(r));
       }},
      {"vmclock-reader/odd-seq-not-accepted",
       "A half-written page (odd seq_count) is not used; the update completes on the second counter read",
       [](const reader_adapter& a, page_t page, check_record& c) {
         vmclock::page_data p = kit_page();
         p.seq_count = 3;
         p.time_sec = kit_time_sec + 1'000'000;  // half-written
         put(page, p);
         unsigned calls = 0;
         const reader_outcome r = a.read(page, [&] {
           if (++calls == 2) {
             vmclock::page_data done = kit_page();
             done.seq_count = 4;
             done.time_sec = kit_time_sec + 100;
             put(page, done);
           }
           return kit_counter;
         });
         if (r.ok && !is_time(r, kit_time_sec + 101, 500'000'000))
           c.fail("an error or " + std::to_string(kit_time_sec + 101) + " s + 500000000 ns", describe(r));
       }},
      {"vmclock-reader/torn-read-retried", "An update during the read (seen at the second seq_count read) is retried",
       [](const reader_adapter& a, page_t page, check_record& c) {
         put(page, kit_page());
         unsigned calls = 0;
         const reader_outcome r = a.read(page, [&] {
           if (++calls == 1) {  // a whole update happens while the reader is inside its window
             vmclock::page_data next = kit_page();
             next.seq_count = 4;
             next.time_sec = kit_time_sec + 100;
             put(page, next);
           }
           return kit_counter;
         });
         if (calls == 0) {
           c.not_applicable("the reader never called the counter callback");
         } else if (r.ok && !is_time(r, kit_time_sec + 101, 500'000'000)) {
           c.fail("an error or " + std::to_string(kit_time_sec + 101) + " s + 500000000 ns (the new page)",
                  describe(r) +
                      (is_time(r, kit_time_sec + 1, 500'000'000) ? " (the old page: the update went unnoticed)" : ""));
         }
       }},
      {"vmclock-reader/fresh-page", "Each read reads the page again (seq_count 0 included)",
       [](const reader_adapter& a, page_t page, check_record& c) {
         vmclock::page_data p = kit_page();
         p.seq_count = 0;  // a device that never updated (Firecracker's initial page)
         put(page, p);
         const reader_outcome r0 = a.read(page, fixed_counter(kit_counter));
         if (!is_time(r0, kit_time_sec + 1, 500'000'000)) c.fail("the page's time at seq_count 0", describe(r0));
         p.seq_count = 2;
         p.time_sec = kit_time_sec + 50;
         put(page, p);
         const reader_outcome r1 = a.read(page, fixed_counter(kit_counter));
         if (!is_time(r1, kit_time_sec + 51, 500'000'000)) c.fail("the updated page's time", describe(r1));
       }},
      {"vmclock-reader/bad-magic", "A wrong magic is an error",
       [](const reader_adapter& a, page_t page, check_record& c) {
         expect_rejected(a, page, c, [](vmclock::page_data& p, unsigned v) {
           if (v >= 2) return false;
           p.magic = v == 0 ? 0 : 0x4b4c4357;
           return true;
         });
       }},
      {"vmclock-reader/short-size", "A size below 32, or not covering the time fields, is an error",
       [](const reader_adapter& a, page_t page, check_record& c) {
         expect_rejected(a, page, c, [](vmclock::page_data& p, unsigned v) {
           static constexpr std::uint32_t sizes[] = {0, 16, 31, 0x50};
           if (v >= std::size(sizes)) return false;
           p.size = sizes[v];
           return true;
         });
       }},
      {"vmclock-reader/unreliable", "clock_status UNRELIABLE is an error",
       [](const reader_adapter& a, page_t page, check_record& c) {
         expect_rejected(a, page, c, [](vmclock::page_data& p, unsigned v) {
           p.clock_status = vmclock::clock_status::unreliable;
           return v == 0;
         });
       }},
      {"vmclock-reader/unsupported-time-type", "time_type 3, 4 or an undefined value is an error",
       [](const reader_adapter& a, page_t page, check_record& c) {
         expect_rejected(a, page, c, [](vmclock::page_data& p, unsigned v) {
           static constexpr std::uint8_t types[] = {3, 4, 5, 0xFF};
           if (v >= std::size(types)) return false;
           p.time_type = static_cast<vmclock::time_type>(types[v]);
           return true;
         });
       }},
      {"vmclock-reader/shift-128", "counter_period_shift of 128 or more is an error",
       [](const reader_adapter& a, page_t page, check_record& c) {
         expect_rejected(a, page, c, [](vmclock::page_data& p, unsigned v) {
           static constexpr std::uint8_t shifts[] = {128, 192, 255};
           if (v >= std::size(shifts)) return false;
           p.counter_period_shift = shifts[v];
           p.counter_period_frac_sec = ~std::uint64_t{0};
           return true;
         });
       }},
      {"vmclock-reader/counter-behind",
       "A counter behind counter_value gives the earlier time (signed delta) or an error",
       [](const reader_adapter& a, page_t page, check_record& c) {
         put(page, kit_page());
         const std::uint64_t behind = kit_counter_value - (std::uint64_t{1} << 31);  // 0.5 s before
         const reader_outcome r = a.read(page, fixed_counter(behind));
         if (r.ok && !is_time(r, kit_time_sec - 1, 500'000'000))
           c.fail("an error or " + std::to_string(kit_time_sec - 1) + " s + 500000000 ns", describe(r));
       }},
      {"vmclock-reader/tai-offset-sign", "tai_offset_sec is UTC - TAI: UTC = TAI + offset, TAI = UTC - offset",
       [](const reader_adapter& a, page_t page, check_record& c) {
         bool reported = false;
         for (const auto type : {vmclock::time_type::tai, vmclock::time_type::utc}) {
           vmclock::page_data p = kit_page();
           p.time_type = type;
           put(page, p);
           const reader_outcome r = a.read(page, fixed_counter(kit_counter));
           if (!r.ok) continue;
           const std::uint64_t sec = kit_time_sec + 1;
           if (type == vmclock::time_type::tai && r.utc_sec) {
             reported = true;
             if (*r.utc_sec != sec - 37)
               c.fail("UTC " + std::to_string(sec - 37) + " from TAI " + std::to_string(sec), describe(r));
           }
           if (type == vmclock::time_type::utc && r.tai_sec) {
             reported = true;
             if (*r.tai_sec != sec + 37)
               c.fail("TAI " + std::to_string(sec + 37) + " from UTC " + std::to_string(sec), describe(r));
           }
         }
         if (!reported && c.outcome == verdict::pass) c.not_applicable("the reader derives neither UTC nor TAI seconds");
       }},
  };
  return checks;
}

/// The check_result a reader check starts from (id, section, title; outcome pass).
[[nodiscard]] inline check_result result_of(const reader_check& check) {
  return detail::make_result(check.id, "vmclock-reader", check.title);
}

/// The reader checks in the calling process, one after the other on a page of its own. A
/// reader that hangs or crashes takes the caller with it: the runner in vmclock_runner.hpp
/// bounds and isolates each check.
[[nodiscard]] inline report run_reader_kit_in_process(const reader_adapter& a) {
  report rep;
  std::vector<std::uint64_t> words(vmclock::page_region_size / sizeof(std::uint64_t));  // 8-byte aligned
  const std::span<std::byte> page(reinterpret_cast<std::byte*>(words.data()), vmclock::page_region_size);
  for (const reader_check& check : reader_checks()) {
    std::memset(page.data(), 0, page.size());
    check_record record;
    check.run(a, page, record);
    rep.results.push_back(record.into(result_of(check)));
  }
  return rep;
}

// --- this library's reader as an adapter -------------------------------------------------------

/// The adapter for vmclock::reader (reader.hpp).
[[nodiscard]] inline reader_adapter library_reader_adapter() {
  return {[](std::span<const std::byte> page, const counter_callback& counter) {
    reader_outcome out;
    const auto rd = vmclock::reader::open(page);
    if (!rd) return out;
    const auto s = rd->at([&] { return counter(); });
    if (!s) return out;
    const vmclock::clock_reading r = s->reading();
    out.ok = true;
    out.sec = r.time.sec;
    out.nsec = static_cast<std::uint32_t>(r.nanoseconds);
    out.utc_sec = r.utc_sec;
    out.tai_sec = r.tai_sec;
    return out;
  }};
}

}  // namespace conformance
VRTC_END_NAMESPACE
