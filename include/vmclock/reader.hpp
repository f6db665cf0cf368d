// vmclock: the guest side — a seqlock reader over read-only memory, and what a page says the
// time is at a given counter value (with error bounds and the library's policies).
//
// The region can be a mapped device page (/dev/vmclock0 mapped PROT_READ), a file mapping or
// any buffer. docs/vmclock.md explains the protocol; in short, one read attempt is
//
//   s = seq_count & ~1;  acquire fence;  relaxed loads of the fields (+ the counter);
//   acquire fence;  accept iff seq_count == s
//
// Masking the low bit makes an update in progress (odd seq_count) fail the final comparison,
// so there is one retry path. Attempts are bounded by a count and a deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "../vrtc/config.hpp"
#include "../vrtc/counter.hpp"
#include "../vrtc/result.hpp"
#include "../vrtc/time.hpp"
#include "abi.hpp"
#include "page_access.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

/// How long a reader keeps retrying while the writer is updating. An attempt is always made;
/// after each failed one the reader gives up with errc::retry_limit once `max_attempts`
/// attempts were made, or with errc::timed_out once `timeout` has passed since the first
/// failure (the clock is only consulted on that slow path). The defaults follow the Linux
/// driver (100 ms) and AWS-LC (1024 attempts).
struct read_limits {
  std::uint32_t max_attempts = 1024;
  std::chrono::nanoseconds timeout = std::chrono::milliseconds(100);
};

/// A source of counter values, called inside the seqlock window: any callable returning the
/// counter (the hardware counter, a test's fake, or a value the caller read itself).
template <class F>
concept counter_source = std::invocable<F&> && std::convertible_to<std::invoke_result_t<F&>, std::uint64_t>;

/// What the page says at one counter value. Produced by time_from_page() and the reader; the
/// scalar members have no default values so that producing a reading does not first zero-fill
/// it (value-initialize, `clock_reading{}`, for a zeroed one).
struct clock_reading {
  std::uint64_t counter;       ///< the counter value the time belongs to
  fixed_time time;             ///< in the page's time scale (time_type)
  std::uint64_t nanoseconds;   ///< floor(time.frac * 10^9 / 2^64), as Linux truncates
  vmclock::time_type time_type;
  std::optional<std::uint64_t> utc_sec;  ///< whole UTC seconds, when derivable (see time_from_page)
  std::optional<std::uint64_t> tai_sec;  ///< whole TAI seconds, when derivable
  vmclock::clock_status clock_status;
  vmclock::leap_indicator leap_indicator;
  std::optional<std::uint64_t> est_error_ns;  ///< estimated error at this counter value
  std::optional<std::uint64_t> max_error_ns;  ///< maximum error at this counter value
  std::uint64_t disruption_marker;
  std::optional<std::uint64_t> vm_generation_counter;  ///< present per size and flag bit 8
  std::uint64_t flags;

  friend constexpr bool operator==(const clock_reading&, const clock_reading&) = default;
};

namespace detail {

/// page_data's members without default initializers, for the seqlock window of the time
/// readers: the window assigns every member, and zero-filling a 120-byte structure on every
/// call (a `rep stos` on x86-64) measurably slowed now() down.
struct window_fields {
  std::uint32_t magic;
  std::uint32_t size;
  std::uint16_t version;
  vmclock::counter_id counter_id;
  vmclock::time_type time_type;
  std::uint32_t seq_count;
  std::uint64_t disruption_marker;
  std::uint64_t flags;
  vmclock::clock_status clock_status;
  smearing_hint leap_second_smearing_hint;
  std::int16_t tai_offset_sec;
  vmclock::leap_indicator leap_indicator;
  std::uint8_t counter_period_shift;
  std::uint64_t counter_value;
  std::uint64_t counter_period_frac_sec;
  std::uint64_t counter_period_esterror_rate_frac_sec;
  std::uint64_t counter_period_maxerror_rate_frac_sec;
  std::uint64_t time_sec;
  std::uint64_t time_frac_sec;
  std::uint64_t time_esterror_nanosec;
  std::uint64_t time_maxerror_nanosec;
  std::uint64_t vm_generation_counter;

  [[nodiscard]] constexpr bool present(field_layout f) const noexcept { return is_present(size, f); }
  [[nodiscard]] constexpr bool has_flag(std::uint64_t bit) const noexcept { return (flags & bit) != 0; }
  [[nodiscard]] constexpr bool has_vm_generation_counter() const noexcept {
    return present(fields::vm_generation_counter) && has_flag(flag::vm_gen_counter_present);
  }
};

[[nodiscard]] constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/// time_*error_nanosec + |delta| * rate / 2^(64+shift) in ns. Absent unless the time flag is set
/// and the field present; the growth term counts only with the period flag. Saturates at
/// UINT64_MAX ns rather than failing the whole reading: a bound that large says "unbounded".
template <class Page>
[[nodiscard]] constexpr std::optional<std::uint64_t> error_bound(const Page& p, field_layout time_field,
                                                                std::uint64_t time_flag, std::uint64_t time_ns,
                                                                std::uint64_t period_flag, std::uint64_t rate,
                                                                std::uint64_t abs_delta) noexcept {
  if (!p.has_flag(time_flag) || !p.present(time_field)) return std::nullopt;
  if (!p.has_flag(period_flag)) return time_ns;
  const result<std::uint64_t> growth = ticks_to_nanoseconds(abs_delta, rate, p.counter_period_shift);
  return saturating_add(time_ns, growth ? *growth : UINT64_MAX);
}

}  // namespace detail

namespace detail {
template <class Page>
constexpr result<void> reading_from(const Page& p, std::uint64_t counter, clock_reading& r) noexcept {
  if (!p.present(fields::time_frac_sec)) return errc::field_absent;
  if (p.clock_status == clock_status::unreliable) return errc::unreliable;
  if (p.time_type != time_type::utc && p.time_type != time_type::tai && p.time_type != time_type::monotonic)
    return errc::unsupported_time_type;
  const result<fixed_time> t = counter_to_time(fixed_time{p.time_sec, p.time_frac_sec}, p.counter_value, counter,
                                               counter_period{p.counter_period_frac_sec, p.counter_period_shift});
  if (!t) return t.error();

  // Member by member: a 16-byte copy of *t would wait for the two 8-byte stores that made it.
  const std::uint64_t sec = t->sec;
  const std::uint64_t frac = t->frac;
  r.counter = counter;
  r.time.sec = sec;
  r.time.frac = frac;
  r.nanoseconds = frac_to_ns_floor(frac);
  r.time_type = p.time_type;
  r.clock_status = p.clock_status;
  r.leap_indicator = p.leap_indicator;
  r.disruption_marker = p.disruption_marker;
  r.flags = p.flags;
  r.vm_generation_counter.reset();
  if (p.has_vm_generation_counter()) r.vm_generation_counter = p.vm_generation_counter;

  r.utc_sec.reset();
  r.tai_sec.reset();
  const bool offset_valid = p.has_flag(flag::tai_offset_valid);
  if (p.time_type == time_type::utc) {
    r.utc_sec = sec;
    if (offset_valid) {
      if (const auto tai = tai_from_utc(sec, p.tai_offset_sec)) r.tai_sec = *tai;
    }
  } else if (p.time_type == time_type::tai) {
    r.tai_sec = sec;
    if (offset_valid) {
      if (const auto utc = utc_from_tai(sec, p.tai_offset_sec)) r.utc_sec = *utc;
    }
  }

  const std::uint64_t forward = counter - p.counter_value;  // the signed delta, as its magnitude
  const std::uint64_t abs_delta = (forward >> 63) != 0 ? 0 - forward : forward;
  r.est_error_ns = detail::error_bound(p, fields::time_esterror_nanosec, flag::time_esterror_valid,
                                       p.time_esterror_nanosec, flag::period_esterror_valid,
                                       p.counter_period_esterror_rate_frac_sec, abs_delta);
  r.max_error_ns = detail::error_bound(p, fields::time_maxerror_nanosec, flag::time_maxerror_valid,
                                       p.time_maxerror_nanosec, flag::period_maxerror_valid,
                                       p.counter_period_maxerror_rate_frac_sec, abs_delta);
  return {};
}
}  // namespace detail

/// The time a consistent page says it is at `counter`, written into `r` (every member is set,
/// so a reading can be reused from call to call), with the policies applied:
///  - errc::field_absent when `size` does not cover time_frac_sec (the conversion's last field);
///  - errc::unreliable when clock_status is UNRELIABLE;
///  - errc::unsupported_time_type for time types 3 and 4 (and any value the ABI does not define);
///  - errc::invalid_shift / errc::overflow from the exact conversion (never a wrapped time).
/// The counter delta is signed: a counter slightly behind counter_value gives an earlier time.
/// UTC and TAI seconds are derived through tai_offset_sec (UTC - TAI) only when
/// TAI_OFFSET_VALID is set, and are absent for MONOTONIC or when the result would leave
/// [0, 2^64). counter_id is not checked here: the caller supplied the counter value.
/// On error `r` is unspecified.
constexpr result<void> time_from_page(const page_data& p, std::uint64_t counter, clock_reading& r) noexcept {
  return detail::reading_from(p, counter, r);
}

/// time_from_page() returning the reading by value.
[[nodiscard]] constexpr result<clock_reading> time_from_page(const page_data& p, std::uint64_t counter) noexcept {
  clock_reading r;
  if (const result<void> ok = time_from_page(p, counter, r); !ok) return ok.error();
  return r;
}

/// A seqlock reader over a region of memory holding a vmclock structure. Holds only a view:
/// the region must outlive the reader. Every read copies a consistent snapshot out by value.
class reader {
 public:
  /// Checks that the region is usable: at least min_size bytes, base address aligned for the
  /// fields (errc::invalid_argument otherwise), and a valid header (magic, version, size
  /// covered by the region). The header is checked again on every read.
  [[nodiscard]] static result<reader> open(std::span<const std::byte> region) noexcept {
    if (region.size() < min_size) return errc::too_short;
    if (reinterpret_cast<std::uintptr_t>(region.data()) % region_alignment != 0) return errc::invalid_argument;
    reader r(region);
    const auto header = validate_header(detail::load_relaxed<std::uint32_t>(r.base(), fields::magic),
                                        detail::load_relaxed<std::uint16_t>(r.base(), fields::version),
                                        detail::load_relaxed<std::uint32_t>(r.base(), fields::size), region.size());
    if (!header) return header.error();
    return r;
  }

  /// A consistent copy of every field (fields beyond `size` are zero); seq_count is the even
  /// value the copy belongs to.
  [[nodiscard]] result<page_data> read(const read_limits& limits = {}) const noexcept {
    page_data page;
    std::uint64_t unused = 0;
    if (const result<void> ok = read_window([] { return std::uint64_t{0}; }, limits, page, unused); !ok)
      return ok.error();
    return page;
  }

  /// The time at a counter value taken by `source` inside the seqlock window, written into
  /// `out` (see time_from_page). counter_id is not checked: the caller vouches for the counter.
  template <counter_source Source>
  result<void> read_time(Source&& source, clock_reading& out, const read_limits& limits = {}) const noexcept {
    detail::window_fields page;
    std::uint64_t counter = 0;
    if (const result<void> ok = read_window(source, limits, page, counter); !ok) return ok;
    return detail::reading_from(page, counter, out);
  }
  template <counter_source Source>
  [[nodiscard]] result<clock_reading> read_time(Source&& source, const read_limits& limits = {}) const noexcept {
    clock_reading r;
    if (const result<void> ok = read_time(source, r, limits); !ok) return ok.error();
    return r;
  }

  /// The time the page says at a counter value the caller already has.
  [[nodiscard]] result<clock_reading> time_at(std::uint64_t counter, const read_limits& limits = {}) const noexcept {
    return read_time([counter] { return counter; }, limits);
  }

  /// The time now: the CPU's counter is read inside the seqlock window, and the reading written
  /// into `out` -- the form for hot loops, which reuse one reading instead of copying one out
  /// per call. errc::no_counter on a platform without a counter; errc::counter_mismatch when
  /// the page's counter_id is not the counter this CPU reads (including INVALID, i.e. the
  /// device publishes no time).
  result<void> now(clock_reading& out, const read_limits& limits = {}) const noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
    detail::window_fields page;
    std::uint64_t counter = 0;
    if (const result<void> ok = read_window([] { return read_hardware_counter(); }, limits, page, counter); !ok)
      return ok;
    if (static_cast<std::uint8_t>(page.counter_id) != *hardware_counter_id()) return errc::counter_mismatch;
    return detail::reading_from(page, counter, out);
#else
    (void)out;
    (void)limits;
    return errc::no_counter;
#endif
  }

  /// now() returning the reading by value.
  [[nodiscard]] result<clock_reading> now(const read_limits& limits = {}) const noexcept {
    // Filled in place in the returned object: copying a reading just written member by member
    // would stall on store forwarding and cost about a third of the call.
    clock_reading r;
    if (const result<void> ok = now(r, limits); !ok) return ok.error();
    return r;
  }

  /// The region this reader reads.
  [[nodiscard]] std::span<const std::byte> region() const noexcept { return region_; }

 private:
  explicit reader(std::span<const std::byte> region) noexcept : region_(region) {}
  [[nodiscard]] const std::byte* base() const noexcept { return region_.data(); }

  /// One seqlock read: fields and the counter from the same version of the page, written into
  /// the caller's objects (no copy of the page on the way out).
  template <class Source, class Page>
  [[nodiscard]] result<void> read_window(Source&& source, const read_limits& limits, Page& page,
                                         std::uint64_t& counter) const noexcept {
    std::uint32_t attempts = 0;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    for (;;) {
      ++attempts;
      counter = 0;
      const std::uint32_t seq = detail::load_relaxed<std::uint32_t>(base(), fields::seq_count) & ~std::uint32_t{1};
      // Pairs with the writer's release store of the even seq_count: everything it wrote before
      // that store is visible to the loads below.
      std::atomic_thread_fence(std::memory_order_acquire);
      page.magic = detail::load_relaxed<std::uint32_t>(base(), fields::magic);
      page.size = detail::load_relaxed<std::uint32_t>(base(), fields::size);
      page.version = detail::load_relaxed<std::uint16_t>(base(), fields::version);
      const result<std::size_t> known = validate_header(page.magic, page.version, page.size, region_.size());
      if (known) {
        detail::load_protected_fields(base(), *known, page);
        counter = static_cast<std::uint64_t>(source());
      }
      // Keeps the loads above from being satisfied after the re-read of seq_count below. An
      // acquire *load* of seq_count would not do that (it orders later accesses, not earlier
      // ones); the fence pairs with the writer's release fence after its odd store, so a field
      // value written after that store implies this re-read sees the odd (or a later) value.
      std::atomic_thread_fence(std::memory_order_acquire);
      // The counter is not a memory access, so no fence orders it: the re-read's address is made
      // to depend on the counter value instead, which keeps the read of the counter inside the
      // window (see counter.hpp).
      const std::size_t reread = fields::seq_count.offset + counter_dependency(counter);
      if (detail::load_relaxed<std::uint32_t>(base(), reread) == seq) {
        if (!known) return known.error();
        page.seq_count = seq;
        return {};
      }
      if (attempts >= limits.max_attempts) return errc::retry_limit;
      const auto now = std::chrono::steady_clock::now();
      if (!deadline) deadline = now + limits.timeout;
      if (now >= *deadline) return errc::timed_out;
    }
  }

  std::span<const std::byte> region_;
};

}  // namespace vmclock
VRTC_END_NAMESPACE
