// Fuzz target: any page bytes and any counter value through the vmclock reader.
//
// Input: 8 bytes of counter value (little-endian), then the region (at most one page). The
// reader must never misbehave, and whatever it answers must agree with an independent
// reference computed here with 32-bit-limb arithmetic (no 128-bit type, no library math):
// the time, the nanoseconds, the error bounds, UTC/TAI (with a leap second the page announces
// applied on the far side of it), and which error it reports (no_time for counter_id INVALID).
#include <vmclock/abi.hpp>
#include <vmclock/reader.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

namespace {

namespace vmc = vrtc::vmclock;
using vrtc::errc;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

/// An unsigned integer of 8 x 32-bit limbs (256 bits), least significant first.
struct wide {
  std::array<std::uint32_t, 8> limb{};

  static wide of(std::uint64_t v) {
    wide w;
    w.limb[0] = static_cast<std::uint32_t>(v);
    w.limb[1] = static_cast<std::uint32_t>(v >> 32);
    return w;
  }
  static wide product(std::uint64_t a, std::uint64_t b) {  // schoolbook, 32-bit digits
    const std::uint32_t x[2] = {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32)};
    const std::uint32_t y[2] = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32)};
    wide w;
    for (int i = 0; i < 2; ++i) {
      std::uint64_t carry = 0;
      for (int j = 0; j < 2; ++j) {
        const std::uint64_t t = std::uint64_t{x[i]} * y[j] + w.limb[static_cast<std::size_t>(i + j)] + carry;
        w.limb[static_cast<std::size_t>(i + j)] = static_cast<std::uint32_t>(t);
        carry = t >> 32;
      }
      w.limb[static_cast<std::size_t>(i + 2)] = static_cast<std::uint32_t>(carry);
    }
    return w;
  }
  bool bit(unsigned n) const { return n < 256 && ((limb[n / 32] >> (n % 32)) & 1u) != 0; }
  wide shifted_right(unsigned n) const {
    wide w;
    for (unsigned i = 0; i < 256; ++i)
      if (bit(i + n) && i + n < 256) w.limb[i / 32] |= std::uint32_t{1} << (i % 32);
    return w;
  }
  bool any_bit_below(unsigned n) const {
    for (unsigned i = 0; i < n && i < 256; ++i)
      if (bit(i)) return true;
    return false;
  }
  bool any_bit_from(unsigned n) const {
    for (unsigned i = n; i < 256; ++i)
      if (bit(i)) return true;
    return false;
  }
  std::uint64_t word(unsigned index) const {  // bits 64*index .. 64*index+63
    return std::uint64_t{limb[2 * index]} | (std::uint64_t{limb[2 * index + 1]} << 32);
  }
  friend wide operator+(const wide& a, const wide& b) {
    wide w;
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      const std::uint64_t t = std::uint64_t{a.limb[i]} + b.limb[i] + carry;
      w.limb[i] = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    return w;
  }
  friend bool operator<(const wide& a, const wide& b) {
    for (std::size_t i = 8; i-- > 0;)
      if (a.limb[i] != b.limb[i]) return a.limb[i] < b.limb[i];
    return false;
  }
  friend wide operator-(const wide& a, const wide& b) {  // precondition: b <= a
    wide w;
    std::int64_t borrow = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      std::int64_t t = std::int64_t{a.limb[i]} - b.limb[i] - borrow;
      borrow = t < 0 ? 1 : 0;
      if (t < 0) t += std::int64_t{1} << 32;
      w.limb[i] = static_cast<std::uint32_t>(t);
    }
    return w;
  }
};

wide halves(std::uint64_t hi, std::uint64_t lo) {
  wide w = wide::of(lo);
  w.limb[2] = static_cast<std::uint32_t>(hi);
  w.limb[3] = static_cast<std::uint32_t>(hi >> 32);
  return w;
}

std::uint64_t ns_floor(std::uint64_t frac) { return wide::product(frac, 1'000'000'000).word(1); }

/// Growth of an error bound: floor(|delta| * rate / 2^shift) in 2^-64 s, then whole ns; empty
/// when it does not fit 64 bits or the shift is unusable (the reader then saturates).
std::optional<std::uint64_t> growth_ns(std::uint64_t magnitude, std::uint64_t rate, unsigned shift) {
  if (shift >= 128 && rate != 0) return std::nullopt;
  const wide elapsed = wide::product(magnitude, rate).shifted_right(shift);
  const wide whole = wide::product(elapsed.word(1), 1'000'000'000) + wide::of(ns_floor(elapsed.word(0)));
  if (whole.any_bit_from(64)) return std::nullopt;
  return whole.word(0);
}

std::optional<std::uint64_t> bound(const vmc::page_data& p, vmc::field_layout field, std::uint64_t time_flag,
                                   std::uint64_t base, std::uint64_t period_flag, std::uint64_t rate,
                                   std::uint64_t magnitude) {
  if ((p.flags & time_flag) == 0 || p.size < field.offset + field.size) return std::nullopt;
  if ((p.flags & period_flag) == 0) return base;
  const auto g = growth_ns(magnitude, rate, p.counter_period_shift);
  if (!g || *g > UINT64_MAX - base) return UINT64_MAX;
  return base + *g;
}

/// The first second of the month containing `sec` and the length of that month in seconds,
/// by counting 400-year cycles, years and months from 1970 (no calendar formula).
std::pair<std::uint64_t, std::uint64_t> month_of(std::uint64_t sec) {
  const std::uint64_t days = sec / 86400;
  std::uint64_t year = 1970 + days / 146097 * 400;
  std::uint64_t rest = days % 146097;
  const auto leap = [](std::uint64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  while (rest >= (leap(year) ? 366u : 365u)) rest -= leap(year++) ? 366u : 365u;
  constexpr std::uint64_t lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (unsigned m = 0;; ++m) {
    const std::uint64_t length = m == 1 && leap(year) ? 29 : lengths[m];
    if (rest < length) return {sec - sec % 86400 - rest * 86400, length * 86400};
    rest -= length;
  }
}

/// The reference answer for a consistent page at `counter`: a reading or the error.
struct expectation {
  std::optional<errc> error;
  vmc::clock_reading reading;
};

expectation reference(const vmc::page_data& p, std::uint64_t counter) {
  expectation e;
  if (p.size < 0x58) return e.error = errc::field_absent, e;
  if (p.counter_id == vmc::counter_id::invalid) return e.error = errc::no_time, e;
  if (p.clock_status == vmc::clock_status::unreliable) return e.error = errc::unreliable, e;
  const auto type = static_cast<unsigned>(p.time_type);
  if (type > 2) return e.error = errc::unsupported_time_type, e;
  const unsigned shift = p.counter_period_shift;
  if (shift >= 128 && p.counter_period_frac_sec != 0) return e.error = errc::invalid_shift, e;

  const std::uint64_t forward = counter - p.counter_value;
  const bool backwards = forward >= (std::uint64_t{1} << 63);
  const std::uint64_t magnitude = backwards ? ~forward + 1 : forward;
  const wide exact = wide::product(magnitude, p.counter_period_frac_sec);  // 2^-(64+shift) s
  wide step = exact.shifted_right(shift);
  if (backwards && exact.any_bit_below(shift)) step = step + wide::of(1);  // toward -infinity
  const wide start = halves(p.time_sec, p.time_frac_sec);
  wide t;
  if (backwards) {
    if (start < step) return e.error = errc::overflow, e;
    t = start - step;
  } else {
    t = start + step;
    if (t.any_bit_from(128)) return e.error = errc::overflow, e;
  }

  vmc::clock_reading& r = e.reading;
  r.counter = counter;
  r.time = vrtc::fixed_time{t.word(1), t.word(0)};
  r.nanoseconds = ns_floor(t.word(0));
  r.time_type = p.time_type;
  r.clock_status = p.clock_status;
  r.leap_indicator = p.leap_indicator;
  r.disruption_marker = p.disruption_marker;
  r.flags = p.flags;
  if (p.size >= 112 && (p.flags & vmc::flag::vm_gen_counter_present) != 0)
    r.vm_generation_counter = p.vm_generation_counter;
  std::int64_t offset = p.tai_offset_sec;  // UTC - TAI
  const auto shifted_of = [](std::uint64_t sec, std::int64_t by) -> std::optional<std::uint64_t> {
    // sec + by, if it stays in [0, 2^64): split to avoid signed overflow.
    const std::int64_t low = static_cast<std::int64_t>(sec & 0xffffffff) + by;
    const std::uint64_t high = sec >> 32;
    if (low < 0) {
      if (high == 0) return std::nullopt;
      return ((high - 1) << 32) + static_cast<std::uint64_t>(low + (std::int64_t{1} << 32));
    }
    if (low >= (std::int64_t{1} << 32)) {
      if (high == 0xffffffff) return std::nullopt;
      return ((high + 1) << 32) + static_cast<std::uint64_t>(low - (std::int64_t{1} << 32));
    }
    return (high << 32) + static_cast<std::uint64_t>(low);
  };
  const bool offset_valid = (p.flags & vmc::flag::tai_offset_valid) != 0;
  // A leap indicator is valid at time_sec; a reading on the other side of its leap second gets
  // UTC corrected by that second (the time too on a UTC page) and the indicator of its instant.
  const auto li = static_cast<unsigned>(p.leap_indicator);
  if (li >= 1 && li <= 5 && (type == 0 || (type == 1 && offset_valid))) {
    const auto ref = type == 0 ? std::optional<std::uint64_t>(p.time_sec) : shifted_of(p.time_sec, offset);
    const auto naive = type == 0 ? std::optional<std::uint64_t>(r.time.sec) : shifted_of(r.time.sec, offset);
    std::optional<std::uint64_t> midnight;
    if (ref) {
      const auto [first, length] = month_of(*ref);
      if (li >= 4) midnight = first;
      else if (first <= UINT64_MAX - length) midnight = first + length;
    }
    // An indicator that contradicts the page's instant (POS outside a month's last second,
    // PRE_NEG in the second it removes) is taken as published.
    const bool contradicts = midnight && ((li == 3 && *ref != *midnight - 1) || (li == 2 && *ref == *midnight - 1));
    if (naive && midnight && *midnight > 0 && *midnight <= UINT64_MAX - 2 * 86400 && !contradicts) {
      const std::uint64_t m = *midnight;
      const std::uint64_t u = *naive;
      int correction = 0;
      unsigned now_li = li;
      switch (li) {
        case 1:  // PRE_POS: 23:59:60 is naive m, everything after it one second behind
          if (u >= m) correction = -1, now_li = u == m ? 3 : 4;
          break;
        case 2:  // PRE_NEG: from naive m - 1 on, one second ahead
          if (u >= m - 1) correction = 1, now_li = 5;
          break;
        case 3:
        case 4:  // POS, POST_POS: naive m - 1 is 23:59:60, before it one second ahead
          now_li = u >= m ? 4 : u == m - 1 ? 3 : 1;
          if (u < m - 1) correction = 1;
          break;
        default:  // POST_NEG: before m one second behind
          if (u < m) correction = -1, now_li = 2;
          else now_li = 5;
          break;
      }
      if (type == 0) {
        const auto moved = shifted_of(r.time.sec, correction);
        if (!moved) return e.error = errc::overflow, e;
        r.time.sec = *moved;
      }
      offset += correction;
      r.leap_indicator = static_cast<vmc::leap_indicator>(now_li);
    }
  }
  const auto shifted = [&](std::int64_t by) { return shifted_of(r.time.sec, by); };
  if (type == 0) {
    r.utc_sec = r.time.sec;
    if (offset_valid) r.tai_sec = shifted(-offset);
  } else if (type == 1) {
    r.tai_sec = r.time.sec;
    if (offset_valid) r.utc_sec = shifted(offset);
  }
  r.est_error_ns = bound(p, vmc::layout_of<&vmc::page_data::time_esterror_nanosec>, vmc::flag::time_esterror_valid,
                         p.time_esterror_nanosec, vmc::flag::period_esterror_valid,
                         p.counter_period_esterror_rate_frac_sec, magnitude);
  r.max_error_ns = bound(p, vmc::layout_of<&vmc::page_data::time_maxerror_nanosec>, vmc::flag::time_maxerror_valid,
                         p.time_maxerror_nanosec, vmc::flag::period_maxerror_valid,
                         p.counter_period_maxerror_rate_frac_sec, magnitude);
  return e;
}

void require_same(const vrtc::result<vmc::clock_sample>& got, const expectation& want) {
  if (want.error) {
    require(!got.has_value() && got.error() == *want.error);
  } else {
    require(got.has_value() && got->reading() == want.reading);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t counter = 0;
  for (int i = 7; i >= 0; --i) counter = (counter << 8) | data[i];
  const std::size_t length = std::min<std::size_t>(size - 8, 4096);
  alignas(4096) static std::array<std::byte, 4096> page;
  page.fill(std::byte{0xa5});
  std::memcpy(page.data(), data + 8, length);
  const std::span<const std::byte> region(page.data(), length);

  vmc::read_limits once;
  once.max_attempts = 1;
  const auto decoded = vmc::decode(region);
  const auto reader = vmc::reader::open(region);
  // open() and decode() agree on which headers are usable (decode says too_short the same way).
  require(reader.has_value() == decoded.has_value());
  if (!reader) {
    require(reader.error() == decoded.error());
    return 0;
  }

  // Nobody writes the page here: an even sequence reads in one attempt and matches decode();
  // an odd one never does.
  const bool odd = (decoded->seq_count & 1u) != 0;
  const auto snap = reader->read(once);
  if (odd) {
    require(snap == errc::retry_limit);
    require(reader->at(counter, once) == errc::retry_limit);
    return 0;
  }
  require(snap.has_value() && *snap == *decoded);

  const expectation want = reference(*decoded, counter);
  require_same(reader->at(counter, once), want);
  require_same(vmc::clock_sample::at(*decoded, counter), want);

  // The sample computes each derived value on demand from its copy of the page: accessor by
  // accessor, the same as the reference.
  const auto sample = reader->at([counter] { return counter; }, once);
  if (want.error) {
    require(!sample.has_value() && sample.error() == *want.error);
  } else {
    require(sample.has_value());
    const vmc::clock_reading& r = want.reading;
    require(sample->counter() == r.counter && sample->time() == r.time && sample->nanoseconds() == r.nanoseconds);
    require(sample->time_type() == r.time_type);
    // utc() and tai(): the reference's whole seconds with the time's fraction, or an error.
    const auto utc = sample->utc();
    const auto tai = sample->tai();
    require(utc.has_value() == r.utc_sec.has_value() && tai.has_value() == r.tai_sec.has_value());
    if (utc) require(utc->time == vrtc::fixed_time{*r.utc_sec, r.time.frac});
    if (tai) require(tai->time == vrtc::fixed_time{*r.tai_sec, r.time.frac});
    require(sample->clock_status() == r.clock_status && sample->leap_indicator() == r.leap_indicator);
    require(sample->est_error_ns() == r.est_error_ns && sample->max_error_ns() == r.max_error_ns);
    require(sample->disruption_marker() == r.disruption_marker && sample->flags() == r.flags);
    require(sample->vm_generation_counter() == r.vm_generation_counter);
    require(sample->reading() == r);
  }

  // now(): the only extra rule is the counter id (errors of the page itself come first or
  // after, but a success means the id matched).
  const auto now = reader->now(once);
  if (now.has_value()) {
    require(vrtc::hardware_counter_available);
    require(static_cast<std::uint8_t>(decoded->counter_id) == *vrtc::hardware_counter_id());
    const expectation at_now = reference(*decoded, now->counter());
    require(!at_now.error && now->reading() == at_now.reading);
  } else if (now.error() == errc::counter_mismatch) {
    require(static_cast<std::uint8_t>(decoded->counter_id) != *vrtc::hardware_counter_id());
    require(decoded->counter_id != vmc::counter_id::invalid);
  }
  // A page without a counter relation gets the answer every other entry point gives.
  if (decoded->counter_id == vmc::counter_id::invalid && vrtc::hardware_counter_available)
    require(!now.has_value() && now.error() == want.error.value());
  return 0;
}
