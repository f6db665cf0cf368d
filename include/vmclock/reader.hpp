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
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <ctime>
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

/// A clock for the retry deadline: nanoseconds since any fixed origin, never decreasing.
/// vrtc/core/chrono.hpp has one from std::chrono::steady_clock (steady_clock_ns).
using deadline_clock = std::uint64_t (*)() noexcept;

namespace detail {
/// The default deadline clock: the wall clock of <ctime> (std::timespec_get, TIME_UTC), which
/// every C++17 library has, without the compile cost of <chrono>. A step of the wall clock can
/// only end the retries early or late; `max_attempts` bounds them whatever the clock does.
[[nodiscard]] inline std::uint64_t wall_clock_ns() noexcept {
  std::timespec ts{};
  if (std::timespec_get(&ts, TIME_UTC) != TIME_UTC || ts.tv_sec < 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000U + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace detail

/// How long a reader keeps retrying while the writer is updating. An attempt is always made;
/// after each failed one the reader gives up with errc::retry_limit once `max_attempts`
/// attempts were made, or with errc::timed_out once `timeout` has passed on `clock` since the
/// first failure (the clock is only read on that slow path; a null `clock` is the wall clock).
/// The defaults follow the Linux driver (100 ms) and AWS-LC (1024 attempts).
struct read_limits {
  std::uint32_t max_attempts = 1024;
  nanosecond_count timeout{100'000'000};
  deadline_clock clock = nullptr;
};

/// The limits every read takes unless given others. A default argument that names this
/// object, unlike `= {}`, does not build a temporary at every call.
inline constexpr read_limits default_read_limits{};

/// A source of counter values, called inside the seqlock window: any callable returning the
/// counter (the hardware counter, a test's fake, or a value the caller read itself).
template <class F>
concept counter_source = std::invocable<F&> && std::convertible_to<std::invoke_result_t<F&>, std::uint64_t>;

/// What the page says at one counter value, every value computed: clock_sample::reading().
/// The scalar members have no default values so that producing a reading does not first
/// zero-fill it (value-initialize, `clock_reading{}`, for a zeroed one).
struct clock_reading {
  std::uint64_t counter;       ///< the counter value the time belongs to
  fixed_time time;             ///< in the page's time scale (time_type)
  std::uint64_t nanoseconds;   ///< floor(time.frac * 10^9 / 2^64), as Linux truncates
  vmclock::time_type time_type;
  std::optional<std::uint64_t> utc_sec;  ///< whole seconds of clock_sample::utc(), when it has a value
  std::optional<std::uint64_t> tai_sec;  ///< whole seconds of clock_sample::tai(), when it has a value
  vmclock::clock_status clock_status;
  vmclock::leap_indicator leap_indicator;  ///< at this counter value (see clock_sample::at)
  std::optional<std::uint64_t> est_error_ns;  ///< estimated error at this counter value
  std::optional<std::uint64_t> max_error_ns;  ///< maximum error at this counter value
  std::uint64_t disruption_marker;
  std::optional<std::uint64_t> vm_generation_counter;  ///< present per size and flag bit 8
  std::uint64_t flags;

  friend constexpr bool operator==(const clock_reading&, const clock_reading&) = default;
};

namespace detail {

[[nodiscard]] constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/// time_*error_nanosec + |delta| * rate / 2^(64+shift) in ns. Absent unless the time flag is set
/// and the field present; the growth term counts only with the period flag. Saturates at
/// UINT64_MAX ns rather than failing the whole reading: a bound that large says "unbounded".
[[nodiscard]] constexpr std::optional<std::uint64_t> error_bound(const page_data& p, field_layout time_field,
                                                                std::uint64_t time_flag, std::uint64_t time_ns,
                                                                std::uint64_t period_flag, std::uint64_t rate,
                                                                std::uint64_t abs_delta) noexcept {
  if (!p.has_flag(time_flag) || !p.present(time_field)) return std::nullopt;
  if (!p.has_flag(period_flag)) return time_ns;
  return saturating_add(time_ns, ticks_to_nanoseconds_saturating(abs_delta, rate, p.counter_period_shift));
}

}  // namespace detail

class reader;

/// What the page says at one counter value, as reader::now() and reader::at() return it: the
/// counter value, the exact time and its nanoseconds, and a copy of the page that everything
/// else is derived from, all from one consistent version of the page. The derived values (UTC
/// and TAI, the error bounds) are computed when asked for, from that copy, so a caller that
/// wants only the time does not pay for the rest; reading() computes them all at once.
class clock_sample {
 public:
  /// The sample a consistent page (a decoded file, a copy from reader::read()) gives at
  /// `counter`, with these policies:
  ///  - errc::field_absent when `size` does not cover time_frac_sec (the conversion's last field);
  ///  - errc::no_time when counter_id is INVALID: the page publishes no counter relation;
  ///  - errc::unreliable when clock_status is UNRELIABLE (UNKNOWN and INITIALIZING are reported);
  ///  - errc::unsupported_time_type for time types 3 and 4 (and any value the ABI does not define);
  ///  - errc::invalid_shift / errc::overflow from the exact conversion (never a wrapped time).
  /// The counter delta is signed: a counter slightly behind counter_value gives an earlier time.
  /// A sample on the other side of the leap second the page's leap_indicator names has that
  /// leap second applied (docs/vmclock.md): UTC steps, TAI stays linear, and leap_indicator is
  /// the one valid at `counter`. Apart from INVALID, counter_id is not checked here: the caller
  /// supplied the counter value.
  [[nodiscard]] static constexpr result<clock_sample> at(const page_data& p, std::uint64_t counter) noexcept {
    return make(p, counter);
  }

  /// The counter value the time belongs to.
  [[nodiscard]] constexpr std::uint64_t counter() const noexcept { return counter_; }
  /// The time in the page's time scale (time_type), exact in units of 2^-64 s.
  [[nodiscard]] constexpr fixed_time time() const noexcept { return {sec_, frac_}; }
  /// floor(time().frac * 10^9 / 2^64), as Linux truncates.
  [[nodiscard]] constexpr std::uint64_t nanoseconds() const noexcept { return nanoseconds_; }
  [[nodiscard]] constexpr vmclock::time_type time_type() const noexcept { return page_.time_type; }
  [[nodiscard]] constexpr vmclock::clock_status clock_status() const noexcept { return page_.clock_status; }
  [[nodiscard]] constexpr vmclock::leap_indicator leap_indicator() const noexcept { return page_.leap_indicator; }
  [[nodiscard]] constexpr std::uint64_t flags() const noexcept { return page_.flags; }
  [[nodiscard]] constexpr std::uint64_t disruption_marker() const noexcept { return page_.disruption_marker; }
  /// Present per size and flag bit 8 (VM_GEN_COUNTER_PRESENT).
  [[nodiscard]] constexpr std::optional<std::uint64_t> vm_generation_counter() const noexcept {
    if (!page_.present<&page_data::vm_generation_counter>() || !page_.has_flag(flag::vm_gen_counter_present))
      return std::nullopt;
    return page_.vm_generation_counter;
  }

  /// The time as UTC: the time itself on a UTC page; on a TAI page utc = tai + tai_offset_sec,
  /// which needs TAI_OFFSET_VALID (errc::field_absent without it) and a result inside [0, 2^64)
  /// (errc::overflow). A MONOTONIC page has no UTC: errc::unsupported_time_type.
  [[nodiscard]] constexpr result<utc_instant> utc() const noexcept {
    if (page_.time_type == vmclock::time_type::utc) return utc_instant(time());
    if (page_.time_type != vmclock::time_type::tai) return errc::unsupported_time_type;
    if (!page_.has_flag(flag::tai_offset_valid)) return errc::field_absent;
    return to_utc(tai_instant(time()), tai_offset_sec_);
  }
  /// The time as TAI, by the same rule the other way round.
  [[nodiscard]] constexpr result<tai_instant> tai() const noexcept {
    if (page_.time_type == vmclock::time_type::tai) return tai_instant(time());
    if (page_.time_type != vmclock::time_type::utc) return errc::unsupported_time_type;
    if (!page_.has_flag(flag::tai_offset_valid)) return errc::field_absent;
    return to_tai(utc_instant(time()), tai_offset_sec_);
  }

  /// The estimated error at this counter value (docs/vmclock.md has the rule).
  [[nodiscard]] constexpr std::optional<std::uint64_t> est_error_ns() const noexcept {
    return detail::error_bound(page_, layout_of<&page_data::time_esterror_nanosec>, flag::time_esterror_valid,
                               page_.time_esterror_nanosec, flag::period_esterror_valid,
                               page_.counter_period_esterror_rate_frac_sec, abs_delta());
  }
  /// The maximum error at this counter value.
  [[nodiscard]] constexpr std::optional<std::uint64_t> max_error_ns() const noexcept {
    return detail::error_bound(page_, layout_of<&page_data::time_maxerror_nanosec>, flag::time_maxerror_valid,
                               page_.time_maxerror_nanosec, flag::period_maxerror_valid,
                               page_.counter_period_maxerror_rate_frac_sec, abs_delta());
  }

  /// Every value at once.
  [[nodiscard]] constexpr clock_reading reading() const noexcept {
    clock_reading r;
    r.counter = counter_;
    r.time = time();
    r.nanoseconds = nanoseconds();
    r.time_type = page_.time_type;
    const result<utc_instant> u = utc();
    r.utc_sec = u ? std::optional<std::uint64_t>(u->time.sec) : std::nullopt;
    const result<tai_instant> t = tai();
    r.tai_sec = t ? std::optional<std::uint64_t>(t->time.sec) : std::nullopt;
    r.clock_status = page_.clock_status;
    r.leap_indicator = page_.leap_indicator;
    r.est_error_ns = est_error_ns();
    r.max_error_ns = max_error_ns();
    r.disruption_marker = page_.disruption_marker;
    r.vm_generation_counter = vm_generation_counter();
    r.flags = page_.flags;
    return r;
  }

 private:
  friend class reader;

  [[gnu::always_inline]] constexpr clock_sample(std::uint64_t counter, fixed_time time, const page_data& page) noexcept
      : sec_(time.sec),
        page_(page),
        frac_(time.frac),
        counter_(counter),
        tai_offset_sec_(page.tai_offset_sec),
        nanoseconds_(frac_to_ns_floor(time.frac)) {}

  /// The policies, then the exact conversion (see at()).
  [[nodiscard, gnu::always_inline]] static constexpr result<clock_sample> make(const page_data& p,
                                                                               std::uint64_t counter) noexcept {
    if (!p.present<&page_data::time_frac_sec>()) return errc::field_absent;
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
      s.tai_offset_sec_ += c.correction;
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

  // The two halves of the time are kept apart on purpose: next to each other, GCC 12 writes
  // them with one 16-byte store, and an 8-byte load of either that follows waits for it (a
  // store-forwarding stall on the fast path).
  std::uint64_t sec_;
  page_data page_;  ///< as read; fields `size` does not cover may hold anything (every use checks)
  std::uint64_t frac_;
  std::uint64_t counter_;
  /// The page's int16, widened so that a leap second crossed since counter_value can adjust it.
  std::int32_t tai_offset_sec_;
  /// frac_to_ns_floor(frac_), computed while the fraction is still in a register: asked for
  /// later, it would be a load of the fraction back from the returned sample and a multiply
  /// after it, on the path of every caller that wants a timespec (measured in performance.md).
  /// Not next to sec_: reading() then copied the two with one 16-byte load of two 8-byte
  /// stores, which cannot be forwarded (39 ns instead of 31 ns for now() and reading()).
  std::uint64_t nanoseconds_;
};

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
    page_data header;
    detail::load_fields_relaxed(r.base(), min_size, header);
    if (const auto known = validate_header(header.magic, header.version, header.size, region.size()); !known)
      return known.error();
    return r;
  }

  /// A consistent copy of every field (fields beyond `size` are zero); seq_count is the even
  /// value the copy belongs to.
  [[nodiscard]] result<page_data> read(const read_limits& limits = default_read_limits) const noexcept {
    const auto no_counter = [] { return std::uint64_t{0}; };
    return consistent(no_counter, limits, [this](const window& w, auto) -> result<page_data> {
      page_data p = w.page;
      if (const auto known = validate_header(p.magic, p.version, p.size, region_.size()); !known)
        return known.error();
      detail::clear_absent(p);
      return p;
    });
  }

  /// The time now: the CPU's counter is read inside the seqlock window. The sample carries the
  /// time; the derived values are computed when asked for (see clock_sample).
  /// errc::no_counter on a platform without a counter; errc::no_time when the page's counter_id
  /// is INVALID (as from every entry point); errc::counter_mismatch when it names another
  /// counter than the one this CPU reads.
  [[nodiscard, gnu::always_inline]] result<clock_sample> now(
      const read_limits& limits = default_read_limits) const noexcept {
#if defined(__x86_64__) || defined(__aarch64__)
    const auto hardware = [] { return read_hardware_counter(); };
    return sample<true>(hardware, limits);
#else
    (void)limits;
    return errc::no_counter;
#endif
  }

  /// The time the page says at a counter value the caller already has (the policies of
  /// clock_sample::at). Which counter counter_id names is not checked: the caller vouches for
  /// the counter.
  [[nodiscard]] result<clock_sample> at(std::uint64_t counter,
                                        const read_limits& limits = default_read_limits) const noexcept {
    const auto value = [counter] { return counter; };
    return sample<false>(value, limits);
  }
  /// at() with the counter taken by `source` inside the seqlock window (a counter this library
  /// does not read itself).
  template <counter_source Source>
  [[nodiscard]] result<clock_sample> at(Source&& source,
                                        const read_limits& limits = default_read_limits) const noexcept {
    return sample<false>(source, limits);
  }

  /// The region this reader reads.
  [[nodiscard]] std::span<const std::byte> region() const noexcept { return region_; }

 private:
  static constexpr std::size_t seq_offset = layout_of<&page_data::seq_count>.offset;

  /// Everything one attempt copies: the page and the counter.
  struct window {
    page_data page;
    std::uint64_t counter;
  };

  explicit reader(std::span<const std::byte> region) noexcept
      : region_(region), whole_structure_(region.size() >= abi_size) {}
  [[nodiscard]] const std::byte* base() const noexcept { return region_.data(); }

  /// One attempt: the counter and relaxed loads of every field between an acquire fence pair,
  /// and whether the sequence was unchanged and even. With `Whole` the region holds all 112
  /// bytes and no load is bounds-checked; otherwise fields past the region's end are not
  /// touched (and read as zero; the header check rejects a `size` that reaches them).
  template <bool Whole, class Source>
  [[nodiscard, gnu::always_inline]] bool attempt(Source& source, window& w) const noexcept {
    const std::byte* const b = base();
    // Masking the low bit makes an odd (in-progress) sequence fail the comparison below.
    const std::uint32_t seq = detail::load_relaxed<std::uint32_t>(b, seq_offset) & ~std::uint32_t{1};
    // Pairs with the writer's release store of the even seq_count: everything it wrote before
    // that store is visible to the loads below.
    std::atomic_thread_fence(std::memory_order_acquire);
    // The counter first, then the fields: an ordered counter read waits for every earlier load
    // to complete, so reading it before the field loads makes it wait for the sequence load
    // only, and the field loads run while the counter read is in flight. Both are still
    // between the two fences, which is all the protocol needs.
    w.counter = static_cast<std::uint64_t>(source());
    detail::load_fields_relaxed(b, Whole ? abi_size : region_.size(), w.page);
    // Keeps the loads above from being satisfied after the re-read of seq_count below. An
    // acquire *load* of seq_count would not do that (it orders later accesses, not earlier
    // ones); the fence pairs with the writer's release fence after its odd store, so a field
    // value written after that store implies this re-read sees the odd (or a later) value.
    std::atomic_thread_fence(std::memory_order_acquire);
    w.page.seq_count = seq;
    // The counter is not a memory access, so no fence orders it: the re-read's address is made
    // to depend on the counter value instead, which keeps the read of the counter inside the
    // window (see counter.hpp).
    return detail::load_relaxed<std::uint32_t>(b, seq_offset + counter_dependency(w.counter)) == seq;
  }

  /// `finish(window, whole)` on a consistent window (`whole`: std::true_type when the region is
  /// known to hold the whole structure): the first attempt inline, anything else (a retry,
  /// a region shorter than the structure) in the one out-of-line loop. The inline window never
  /// leaves this function, so the compiler keeps its fields in registers.
  template <class Source, class Finish>
  [[nodiscard, gnu::always_inline]] auto consistent(Source& source, const read_limits& limits, Finish&& finish) const
      noexcept -> std::invoke_result_t<Finish&, const window&, std::false_type> {
    using result_type = std::invoke_result_t<Finish&, const window&, std::false_type>;
    window w;
    if (whole_structure_ && attempt<true>(source, w)) [[likely]] return finish(w, std::true_type{});
    const result<window> slow = retry(source, limits, whole_structure_ ? 1u : 0u);
    if (!slow) return result_type(slow.error());
    return finish(*slow, std::false_type{});
  }

  /// Attempts after `attempts` failed ones, until one succeeds, `max_attempts` were made
  /// (errc::retry_limit) or `timeout` passed on the limits' clock since the first failure
  /// (errc::timed_out). The only place that reads a clock.
  template <class Source>
  [[nodiscard, gnu::noinline, gnu::cold]] result<window> retry(Source& source, const read_limits& limits,
                                                               std::uint32_t attempts) const noexcept {
    window w;
    const deadline_clock clock = limits.clock != nullptr ? limits.clock : &detail::wall_clock_ns;
    std::optional<std::uint64_t> deadline;
    for (;;) {
      if (attempts > 0) {
        if (attempts >= limits.max_attempts) return errc::retry_limit;
        const std::uint64_t now = clock();
        if (!deadline) deadline = detail::saturating_add(now, limits.timeout.count);
        if (now >= *deadline) return errc::timed_out;
      }
      ++attempts;
      if (whole_structure_ ? attempt<true>(source, w) : attempt<false>(source, w)) return w;
    }
  }

  /// A time read: the sample of a consistent window.
  template <bool CheckCounterId, class Source>
  [[nodiscard, gnu::always_inline]] result<clock_sample> sample(Source& source, const read_limits& limits) const noexcept {
    // Inlined by force: out of line, the window goes through memory (docs/performance.md).
    return consistent(source, limits,
                      [this]<bool Whole>(const window& w, std::bool_constant<Whole>) VRTC_LAMBDA_ALWAYS_INLINE {
                        return this->template checked_sample<CheckCounterId, Whole>(w);
                      });
  }

  /// The header check, the counter id and the conversion, on a consistent window. The header is
  /// compared field by field and handed to validate_header() only to name the error, which
  /// keeps a result<size_t> off the fast path.
  template <bool CheckCounterId, bool Whole>
  [[nodiscard, gnu::always_inline]] result<clock_sample> checked_sample(const window& w) const noexcept {
    const page_data& p = w.page;
    const std::size_t known = p.size < abi_size ? std::size_t{p.size} : abi_size;
    const bool bad_header = (p.magic != magic_value) | (p.version != version_value) | (p.size < min_size) |
                            (!Whole && known > region_.size());
    if (bad_header) [[unlikely]]
      return validate_header(p.magic, p.version, p.size, region_.size()).error();
    constexpr result<std::uint8_t> own_id = hardware_counter_id();
    if (CheckCounterId && (!own_id || static_cast<std::uint8_t>(p.counter_id) != *own_id)) [[unlikely]] {
      // A page without a counter relation gets the same answer from every entry point.
      if (p.counter_id == vmclock::counter_id::invalid) return clock_sample::make(p, w.counter).error();
      return errc::counter_mismatch;
    }
    return clock_sample::make(p, w.counter);
  }

  std::span<const std::byte> region_;
  bool whole_structure_;  ///< the region holds all abi_size bytes: no field needs a bounds check
};

}  // namespace vmclock
VRTC_END_NAMESPACE
