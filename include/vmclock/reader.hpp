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
//
// Only loads and the counter read happen inside the window. Everything computed from them --
// the checks, the exact conversion, the derived values -- works on the copies once the
// sequence check has passed, when they are known to be one consistent version of the page.
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

#include "vrtc/core/config.hpp"
#include "vrtc/core/counter.hpp"
#include "vrtc/core/leap.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vmclock/abi.hpp"
#include "vmclock/page_access.hpp"

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

/// What the page says at one counter value, every value computed. Produced by
/// time_from_page(), read_time(), time_at() and clock_sample::reading(); the scalar members
/// have no default values so that producing a reading does not first zero-fill it
/// (value-initialize, `clock_reading{}`, for a zeroed one).
struct clock_reading {
  std::uint64_t counter;       ///< the counter value the time belongs to
  fixed_time time;             ///< in the page's time scale (time_type)
  std::uint64_t nanoseconds;   ///< floor(time.frac * 10^9 / 2^64), as Linux truncates
  vmclock::time_type time_type;
  std::optional<std::uint64_t> utc_sec;  ///< whole UTC seconds, when derivable (see time_from_page)
  std::optional<std::uint64_t> tai_sec;  ///< whole TAI seconds, when derivable
  vmclock::clock_status clock_status;
  vmclock::leap_indicator leap_indicator;  ///< at this counter value (see time_from_page)
  std::optional<std::uint64_t> est_error_ns;  ///< estimated error at this counter value
  std::optional<std::uint64_t> max_error_ns;  ///< maximum error at this counter value
  std::uint64_t disruption_marker;
  std::optional<std::uint64_t> vm_generation_counter;  ///< present per size and flag bit 8
  std::uint64_t flags;

  friend constexpr bool operator==(const clock_reading&, const clock_reading&) = default;
};

namespace detail {

/// The page fields a time and the values derived from it need, copied from one version of the
/// page, in host order. Fields that `size` does not cover may hold anything: every use is
/// guarded by present(). No default member initializers, so that a read does not first
/// zero-fill what it is about to assign in full.
struct time_fields {
  std::uint64_t flags;
  std::uint64_t disruption_marker;
  std::uint64_t counter_value;
  std::uint64_t counter_period_frac_sec;
  std::uint64_t counter_period_esterror_rate_frac_sec;
  std::uint64_t counter_period_maxerror_rate_frac_sec;
  std::uint64_t time_sec;
  std::uint64_t time_frac_sec;
  std::uint64_t time_esterror_nanosec;
  std::uint64_t time_maxerror_nanosec;
  std::uint64_t vm_generation_counter;
  std::uint32_t size;
  /// The page's int16, widened so that a leap second crossed since counter_value can adjust it.
  std::int32_t tai_offset_sec;
  vmclock::time_type time_type;
  vmclock::clock_status clock_status;
  vmclock::leap_indicator leap_indicator;
  std::uint8_t counter_period_shift;
  vmclock::counter_id counter_id;

  [[nodiscard]] static constexpr time_fields of(const page_data& p) noexcept {
    return {p.flags,
            p.disruption_marker,
            p.counter_value,
            p.counter_period_frac_sec,
            p.counter_period_esterror_rate_frac_sec,
            p.counter_period_maxerror_rate_frac_sec,
            p.time_sec,
            p.time_frac_sec,
            p.time_esterror_nanosec,
            p.time_maxerror_nanosec,
            p.vm_generation_counter,
            p.size,
            p.tai_offset_sec,
            p.time_type,
            p.clock_status,
            p.leap_indicator,
            p.counter_period_shift,
            p.counter_id};
  }

  [[nodiscard]] constexpr bool present(field_layout f) const noexcept { return is_present(size, f); }
  [[nodiscard]] constexpr bool has_flag(std::uint64_t bit) const noexcept { return (flags & bit) != 0; }
};

/// Everything one attempt of a time read copies: the fields, the header, and the counter.
/// `magic` and `version` are kept apart on purpose: next to each other, GCC 12 merges their
/// two comparisons into one wide load of both, which then waits for the two narrow stores that
/// wrote them (a store-forwarding stall on the fast path).
struct time_window {
  time_fields page;
  std::uint32_t magic;
  std::uint64_t counter;
  std::uint16_t version;
};

[[nodiscard]] constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/// time_*error_nanosec + |delta| * rate / 2^(64+shift) in ns. Absent unless the time flag is set
/// and the field present; the growth term counts only with the period flag. Saturates at
/// UINT64_MAX ns rather than failing the whole reading: a bound that large says "unbounded".
[[nodiscard]] constexpr std::optional<std::uint64_t> error_bound(const time_fields& p, field_layout time_field,
                                                                std::uint64_t time_flag, std::uint64_t time_ns,
                                                                std::uint64_t period_flag, std::uint64_t rate,
                                                                std::uint64_t abs_delta) noexcept {
  if (!p.has_flag(time_flag) || !p.present(time_field)) return std::nullopt;
  if (!p.has_flag(period_flag)) return time_ns;
  return saturating_add(time_ns, ticks_to_nanoseconds_saturating(abs_delta, rate, p.counter_period_shift));
}

}  // namespace detail

class reader;

/// What the page says at one counter value, as reader::now() returns it: the counter value, the
/// exact time, and a copy of the page fields that everything else is derived from, all from one
/// consistent version of the page. The derived values (nanoseconds, UTC and TAI seconds, the
/// error bounds) are computed when asked for, from that copy, so a caller that wants only the
/// time does not pay for the rest. Each accessor returns what the clock_reading member of the
/// same name holds; reading() computes them all at once.
class clock_sample {
 public:
  /// The sample a consistent page gives at `counter`, with the policies of time_from_page().
  [[nodiscard]] static constexpr result<clock_sample> at(const page_data& p, std::uint64_t counter) noexcept {
    return make(detail::time_fields::of(p), counter);
  }

  /// The counter value the time belongs to.
  [[nodiscard]] constexpr std::uint64_t counter() const noexcept { return counter_; }
  /// The time in the page's time scale (time_type), exact in units of 2^-64 s.
  [[nodiscard]] constexpr fixed_time time() const noexcept { return time_; }
  /// floor(time().frac * 10^9 / 2^64), as Linux truncates.
  [[nodiscard]] constexpr std::uint64_t nanoseconds() const noexcept { return frac_to_ns_floor(time_.frac); }
  [[nodiscard]] constexpr vmclock::time_type time_type() const noexcept { return page_.time_type; }
  [[nodiscard]] constexpr vmclock::clock_status clock_status() const noexcept { return page_.clock_status; }
  [[nodiscard]] constexpr vmclock::leap_indicator leap_indicator() const noexcept { return page_.leap_indicator; }
  [[nodiscard]] constexpr std::uint64_t flags() const noexcept { return page_.flags; }
  [[nodiscard]] constexpr std::uint64_t disruption_marker() const noexcept { return page_.disruption_marker; }
  /// Present per size and flag bit 8 (VM_GEN_COUNTER_PRESENT).
  [[nodiscard]] constexpr std::optional<std::uint64_t> vm_generation_counter() const noexcept {
    if (!page_.present(fields::vm_generation_counter) || !page_.has_flag(flag::vm_gen_counter_present))
      return std::nullopt;
    return page_.vm_generation_counter;
  }

  /// Whole UTC seconds: the time itself on a UTC page; on a TAI page only with
  /// TAI_OFFSET_VALID (utc = tai + tai_offset_sec) and a result inside [0, 2^64).
  [[nodiscard]] constexpr std::optional<std::uint64_t> utc_sec() const noexcept {
    if (page_.time_type == vmclock::time_type::utc) return time_.sec;
    if (page_.time_type == vmclock::time_type::tai && page_.has_flag(flag::tai_offset_valid)) {
      if (const auto utc = utc_from_tai(time_.sec, page_.tai_offset_sec)) return *utc;
    }
    return std::nullopt;
  }
  /// Whole TAI seconds, by the same rule the other way round.
  [[nodiscard]] constexpr std::optional<std::uint64_t> tai_sec() const noexcept {
    if (page_.time_type == vmclock::time_type::tai) return time_.sec;
    if (page_.time_type == vmclock::time_type::utc && page_.has_flag(flag::tai_offset_valid)) {
      if (const auto tai = tai_from_utc(time_.sec, page_.tai_offset_sec)) return *tai;
    }
    return std::nullopt;
  }

  /// The estimated error at this counter value (docs/vmclock.md has the rule).
  [[nodiscard]] constexpr std::optional<std::uint64_t> est_error_ns() const noexcept {
    return detail::error_bound(page_, fields::time_esterror_nanosec, flag::time_esterror_valid,
                               page_.time_esterror_nanosec, flag::period_esterror_valid,
                               page_.counter_period_esterror_rate_frac_sec, abs_delta());
  }
  /// The maximum error at this counter value.
  [[nodiscard]] constexpr std::optional<std::uint64_t> max_error_ns() const noexcept {
    return detail::error_bound(page_, fields::time_maxerror_nanosec, flag::time_maxerror_valid,
                               page_.time_maxerror_nanosec, flag::period_maxerror_valid,
                               page_.counter_period_maxerror_rate_frac_sec, abs_delta());
  }

  /// Every value at once.
  [[nodiscard]] constexpr clock_reading reading() const noexcept {
    clock_reading r;
    fill(r);
    return r;
  }
  /// reading() into an existing object (every member is set).
  constexpr void fill(clock_reading& r) const noexcept {
    r.counter = counter_;
    r.time = time_;
    r.nanoseconds = nanoseconds();
    r.time_type = page_.time_type;
    r.utc_sec = utc_sec();
    r.tai_sec = tai_sec();
    r.clock_status = page_.clock_status;
    r.leap_indicator = page_.leap_indicator;
    r.est_error_ns = est_error_ns();
    r.max_error_ns = max_error_ns();
    r.disruption_marker = page_.disruption_marker;
    r.vm_generation_counter = vm_generation_counter();
    r.flags = page_.flags;
  }
  /// Implicit, so that code written for a clock_reading takes a sample as it is.
  constexpr operator clock_reading() const noexcept { return reading(); }  // NOLINT: by design

 private:
  friend class reader;

  constexpr clock_sample(std::uint64_t counter, fixed_time time, const detail::time_fields& page) noexcept
      : counter_(counter), time_(time), page_(page) {}

  /// The policies, then the exact conversion (see time_from_page).
  [[nodiscard, gnu::always_inline]] static constexpr result<clock_sample> make(const detail::time_fields& p,
                                                           std::uint64_t counter) noexcept {
    if (!p.present(fields::time_frac_sec)) return errc::field_absent;
    if (p.counter_id == vmclock::counter_id::invalid) return errc::no_time;
    if (p.clock_status == vmclock::clock_status::unreliable) return errc::unreliable;
    if (p.time_type != vmclock::time_type::utc && p.time_type != vmclock::time_type::tai &&
        p.time_type != vmclock::time_type::monotonic)
      return errc::unsupported_time_type;
    const result<fixed_time> t = counter_to_time(fixed_time{p.time_sec, p.time_frac_sec}, p.counter_value, counter,
                                                 counter_period{p.counter_period_frac_sec, p.counter_period_shift});
    if (!t) return t.error();
    if (p.leap_indicator != vmclock::leap_indicator::none) [[unlikely]] {
      const leap_crossing c = cross_leap(p.time_type, p.flags, p.time_sec, p.tai_offset_sec, p.leap_indicator, *t);
      if (c.overflow) return errc::overflow;
      clock_sample s(counter, c.time, p);
      s.page_.tai_offset_sec += c.correction;
      s.page_.leap_indicator = c.indicator;
      return s;
    }
    return clock_sample(counter, *t, p);
  }

  /// What a leap second between the page's instant and the reading changes.
  struct leap_crossing {
    fixed_time time;                  ///< the reading's time, stepped on a UTC page
    std::int32_t correction;          ///< added to tai_offset_sec (UTC - TAI)
    vmclock::leap_indicator indicator;  ///< the indicator at the reading's instant
    bool overflow;                    ///< the stepped time of a UTC page leaves [0, 2^64)
  };

  /// The indicator is valid for the page's own instant (time_sec), and the time `t` may lie on
  /// the other side of the leap second it names. UTC then differs by that second from a linear
  /// run-on of the page, so the sample's copy is corrected once and every derived value
  /// follows: on a UTC page the time itself steps as a UTC clock does; on either page
  /// tai_offset_sec (UTC - TAI) moves by the leap second, which keeps TAI linear; the indicator
  /// becomes the one valid at `t`. A leap second that cannot be placed (extrapolate_leap), or
  /// a page without UTC, is left as published. Scalars in, a small value out, out of line: the
  /// common path keeps its copy of the page in registers and pays one compare.
  [[nodiscard, gnu::noinline, gnu::cold]] static constexpr leap_crossing cross_leap(
      vmclock::time_type type, std::uint64_t flags, std::uint64_t time_sec, std::int32_t tai_offset_sec,
      vmclock::leap_indicator indicator, fixed_time t) noexcept {
    const leap_crossing unchanged{t, 0, indicator, false};
    const bool utc_page = type == vmclock::time_type::utc;
    if (!utc_page && !(type == vmclock::time_type::tai && (flags & flag::tai_offset_valid) != 0)) return unchanged;
    const result<std::uint64_t> reference =
        utc_page ? result<std::uint64_t>(time_sec) : utc_from_tai(time_sec, tai_offset_sec);
    const result<std::uint64_t> naive = utc_page ? result<std::uint64_t>(t.sec) : utc_from_tai(t.sec, tai_offset_sec);
    if (!reference || !naive) return unchanged;
    const result<leap_extrapolation> x =
        extrapolate_leap(*reference, static_cast<vrtc::leap_indicator>(indicator), *naive);
    if (!x) return unchanged;
    if (utc_page) {
      if ((x->correction < 0 && t.sec == 0) || (x->correction > 0 && t.sec == UINT64_MAX))
        return {t, 0, indicator, true};
      t.sec = x->correction < 0 ? t.sec - 1 : x->correction > 0 ? t.sec + 1 : t.sec;
    }
    return {t, x->correction, static_cast<vmclock::leap_indicator>(x->indicator), false};
  }

  /// |counter - counter_value| with the delta taken as signed.
  [[nodiscard]] constexpr std::uint64_t abs_delta() const noexcept {
    const std::uint64_t forward = counter_ - page_.counter_value;
    return (forward >> 63) != 0 ? 0 - forward : forward;
  }

  std::uint64_t counter_;
  fixed_time time_;
  detail::time_fields page_;
};

/// The time a consistent page says it is at `counter`, written into `r` (every member is set,
/// so a reading can be reused from call to call), with the policies applied:
///  - errc::field_absent when `size` does not cover time_frac_sec (the conversion's last field);
///  - errc::no_time when counter_id is INVALID: the page publishes no counter relation;
///  - errc::unreliable when clock_status is UNRELIABLE (UNKNOWN and INITIALIZING are reported);
///  - errc::unsupported_time_type for time types 3 and 4 (and any value the ABI does not define);
///  - errc::invalid_shift / errc::overflow from the exact conversion (never a wrapped time).
/// The counter delta is signed: a counter slightly behind counter_value gives an earlier time.
/// UTC and TAI seconds are derived through tai_offset_sec (UTC - TAI) only when
/// TAI_OFFSET_VALID is set, and are absent for MONOTONIC or when the result would leave
/// [0, 2^64). A reading on the other side of the leap second the page's leap_indicator names
/// has that leap second applied (docs/vmclock.md): UTC steps, TAI stays linear, and
/// leap_indicator is the one valid at `counter`. Apart from INVALID, counter_id is not checked
/// here: the caller supplied the counter value. On error `r` is unspecified.
constexpr result<void> time_from_page(const page_data& p, std::uint64_t counter, clock_reading& r) noexcept {
  const result<clock_sample> s = clock_sample::at(p, counter);
  if (!s) return s.error();
  s->fill(r);
  return {};
}

/// time_from_page() returning the reading by value.
[[nodiscard]] constexpr result<clock_reading> time_from_page(const page_data& p, std::uint64_t counter) noexcept {
  const result<clock_sample> s = clock_sample::at(p, counter);
  if (!s) return s.error();
  return s->reading();
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

  /// The sample at a counter value taken by `source` inside the seqlock window (the policies
  /// of time_from_page). Which counter counter_id names is not checked: the caller vouches for
  /// the counter.
  template <counter_source Source>
  [[nodiscard]] result<clock_sample> read_sample(Source&& source, const read_limits& limits = {}) const noexcept {
    return sample(source, limits, false);
  }

  /// read_sample() with every value computed, written into `out` (see time_from_page).
  template <counter_source Source>
  result<void> read_time(Source&& source, clock_reading& out, const read_limits& limits = {}) const noexcept {
    const result<clock_sample> s = read_sample(source, limits);
    if (!s) return s.error();
    s->fill(out);
    return {};
  }
  template <counter_source Source>
  [[nodiscard]] result<clock_reading> read_time(Source&& source, const read_limits& limits = {}) const noexcept {
    const result<clock_sample> s = read_sample(source, limits);
    if (!s) return s.error();
    return s->reading();
  }

  /// The time the page says at a counter value the caller already has.
  [[nodiscard]] result<clock_reading> time_at(std::uint64_t counter, const read_limits& limits = {}) const noexcept {
    return read_time([counter] { return counter; }, limits);
  }

  /// The time now: the CPU's counter is read inside the seqlock window. The sample carries the
  /// time; the derived values are computed when asked for (see clock_sample).
  /// errc::no_counter on a platform without a counter; errc::no_time when the page's counter_id
  /// is INVALID (as from every entry point); errc::counter_mismatch when it names another
  /// counter than the one this CPU reads.
  [[nodiscard, gnu::always_inline]] result<clock_sample> now(const read_limits& limits = {}) const noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
    const auto hardware = [] { return read_hardware_counter(); };
    return sample(hardware, limits, true);
#else
    (void)limits;
    return errc::no_counter;
#endif
  }

  /// now() with every value computed, written into `out` (every member is set).
  result<void> now(clock_reading& out, const read_limits& limits = {}) const noexcept {
    const result<clock_sample> s = now(limits);
    if (!s) return s.error();
    s->fill(out);
    return {};
  }

  /// The region this reader reads.
  [[nodiscard]] std::span<const std::byte> region() const noexcept { return region_; }

 private:
  explicit reader(std::span<const std::byte> region) noexcept
      : region_(region), whole_structure_(region.size() >= abi_size) {}
  [[nodiscard]] const std::byte* base() const noexcept { return region_.data(); }

  /// One attempt of a time read: the fields a sample needs and the counter, between the two
  /// loads of the sequence. Returns whether the sequence was unchanged (and even). With
  /// `Whole`, the region holds all 112 bytes and every field is loaded; otherwise fields past
  /// the region's end are not touched (and read as zero; the header check rejects a `size`
  /// that reaches them).
  template <bool Whole, class Source>
  [[nodiscard, gnu::always_inline]] bool time_attempt(Source& source, detail::time_window& w) const noexcept {
    const std::byte* const b = base();
    detail::time_fields& p = w.page;
    const auto u8 = [&](field_layout f) -> std::uint8_t {
      return Whole || f.end() <= region_.size() ? detail::load_relaxed<std::uint8_t>(b, f) : std::uint8_t{0};
    };
    const auto u64 = [&](field_layout f) -> std::uint64_t {
      return Whole || f.end() <= region_.size() ? detail::load_relaxed<std::uint64_t>(b, f) : std::uint64_t{0};
    };
    const std::uint32_t seq = detail::load_relaxed<std::uint32_t>(b, fields::seq_count) & ~std::uint32_t{1};
    // Pairs with the writer's release store of the even seq_count: everything it wrote before
    // that store is visible to the loads below.
    std::atomic_thread_fence(std::memory_order_acquire);
    w.magic = detail::load_relaxed<std::uint32_t>(b, fields::magic);
    w.version = detail::load_relaxed<std::uint16_t>(b, fields::version);
    p.size = detail::load_relaxed<std::uint32_t>(b, fields::size);
    p.counter_id = static_cast<vmclock::counter_id>(detail::load_relaxed<std::uint8_t>(b, fields::counter_id));
    p.time_type = static_cast<vmclock::time_type>(detail::load_relaxed<std::uint8_t>(b, fields::time_type));
    p.disruption_marker = detail::load_relaxed<std::uint64_t>(b, fields::disruption_marker);
    p.flags = detail::load_relaxed<std::uint64_t>(b, fields::flags);
    p.clock_status = static_cast<vmclock::clock_status>(u8(fields::clock_status));
    p.tai_offset_sec = Whole || fields::tai_offset_sec.end() <= region_.size()
                           ? static_cast<std::int16_t>(detail::load_relaxed<std::uint16_t>(b, fields::tai_offset_sec))
                           : std::int16_t{0};
    p.leap_indicator = static_cast<vmclock::leap_indicator>(u8(fields::leap_indicator));
    p.counter_period_shift = u8(fields::counter_period_shift);
    p.counter_value = u64(fields::counter_value);
    p.counter_period_frac_sec = u64(fields::counter_period_frac_sec);
    p.counter_period_esterror_rate_frac_sec = u64(fields::counter_period_esterror_rate_frac_sec);
    p.counter_period_maxerror_rate_frac_sec = u64(fields::counter_period_maxerror_rate_frac_sec);
    p.time_sec = u64(fields::time_sec);
    p.time_frac_sec = u64(fields::time_frac_sec);
    p.time_esterror_nanosec = u64(fields::time_esterror_nanosec);
    p.time_maxerror_nanosec = u64(fields::time_maxerror_nanosec);
    p.vm_generation_counter = u64(fields::vm_generation_counter);
    w.counter = static_cast<std::uint64_t>(source());
    // Keeps the loads above from being satisfied after the re-read of seq_count below (the
    // reasoning is spelled out in read_window).
    std::atomic_thread_fence(std::memory_order_acquire);
    // The counter is not a memory access: the re-read's address depends on the counter value
    // instead, which keeps the counter read inside the window (see counter.hpp).
    return detail::load_relaxed<std::uint32_t>(b, fields::seq_count.offset + counter_dependency(w.counter)) == seq;
  }

  /// A time read: the first attempt and the conversion inline; anything else (a retry, a
  /// region shorter than the structure) out of line, so the common case is one straight path.
  template <class Source>
  [[nodiscard, gnu::always_inline]] result<clock_sample> sample(Source& source, const read_limits& limits,
                                                                bool check_counter_id) const noexcept {
    detail::time_window w;
    if (whole_structure_ && time_attempt<true>(source, w)) [[likely]] return sample_from<true>(w, check_counter_id);
    return sample_slowly(source, limits, check_counter_id, whole_structure_ ? 1u : 0u);
  }

  /// The rest of a time read after `attempts` failed attempts.
  template <class Source>
  [[nodiscard, gnu::noinline, gnu::cold]] result<clock_sample> sample_slowly(Source& source, const read_limits& limits,
                                                                            bool check_counter_id,
                                                                            std::uint32_t attempts) const noexcept {
    detail::time_window w;
    const auto attempt = [&] {
      ++attempts;
      return whole_structure_ ? time_attempt<true>(source, w) : time_attempt<false>(source, w);
    };
    if (attempts == 0 && attempt()) return sample_from<false>(w, check_counter_id);
    std::optional<std::chrono::steady_clock::time_point> deadline;
    for (;;) {
      if (attempts >= limits.max_attempts) return errc::retry_limit;
      const auto now = std::chrono::steady_clock::now();
      if (!deadline) deadline = now + limits.timeout;
      if (now >= *deadline) return errc::timed_out;
      if (attempt()) return sample_from<false>(w, check_counter_id);
    }
  }

  /// The header check, the counter id and the conversion, on a window that passed the sequence
  /// check. The header is compared field by field here and handed to validate_header() only to
  /// name the error, which keeps a result<size_t> off the fast path.
  template <bool Whole>
  [[nodiscard, gnu::always_inline]] result<clock_sample> sample_from(const detail::time_window& w,
                                                                     bool check_counter_id) const noexcept {
    const std::size_t known = w.page.size < abi_size ? std::size_t{w.page.size} : abi_size;
    const bool bad_header = (w.magic != magic_value) | (w.version != version_value) | (w.page.size < min_size) |
                            (!Whole && known > region_.size());
    if (bad_header) [[unlikely]]
      return validate_header(w.magic, w.version, w.page.size, region_.size()).error();
    constexpr result<std::uint8_t> own_id = hardware_counter_id();
    if (check_counter_id && (!own_id || static_cast<std::uint8_t>(w.page.counter_id) != *own_id)) [[unlikely]] {
      // A page without a counter relation gets the same answer from every entry point.
      if (w.page.counter_id == vmclock::counter_id::invalid) return clock_sample::make(w.page, w.counter).error();
      return errc::counter_mismatch;
    }
    return clock_sample::make(w.page, w.counter);
  }

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
  bool whole_structure_;  ///< the region holds all abi_size bytes: no field needs a bounds check
};

}  // namespace vmclock
VRTC_END_NAMESPACE
