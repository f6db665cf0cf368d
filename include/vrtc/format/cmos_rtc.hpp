// vrtc: an MC146818-compatible CMOS RTC register model, sufficient to tell when a guest sets
// the time.
//
// The model keeps the register file a guest sees through ports 0x70/0x71 and a whole-second
// clock behind it. Time is an argument (reference_time: the caller's monotonic clock);
// nothing here reads a clock, sleeps or starts a timer.
//
// Clock rules (documented in docs/rtc-change.md):
//  * The clock runs while register B's SET bit is clear and register A's divider field is
//    the normal 32.768 kHz time base (bits 6-4 = 010). Otherwise it is halted: the time
//    registers hold whatever was last rendered or written, and nothing ticks.
//  * The registers advance at update instants one second apart, fixed by the divider chain.
//    Only the divider resets that phase: while register A's divider field is 11x the chain
//    is held in reset, and the first update comes 500 ms after it leaves reset. Time-register
//    writes and SET do not touch the divider, so they never move the phase; SET only skips
//    the updates that fall while it is set. An update due at the same instant as a write
//    happens before the write.
//  * A write to a time register while running replaces that field of the current time; the
//    clock continues from the decoded result at the next update instant. A write of the byte
//    the register already shows changes nothing. If the result is not a valid date
//    ("31 February" mid-update), the clock is broken: it stops until a write makes the
//    registers valid again.
//  * Changing the data-mode or 12/24-hour bit re-renders the registers in the new format; it
//    never changes the time.
//  * Divider values other than 010 and 11x (other oscillator frequencies, test modes) also
//    halt the clock, but the model keeps the previous phase for when 010 returns.
//  * Register C and D writes are ignored; UIP (register A bit 7) and seconds bit 7 are
//    read-only. Alarm bytes, day of week and NVRAM are stored and otherwise ignored.
//  * Ticking keeps the century byte consistent with the year (as virtual RTCs do), so the
//    year 2099 rolls over to 2100.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "vrtc/core/civil.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"

VRTC_BEGIN_NAMESPACE

/// CMOS register indices (MC146818 plus the PC century byte).
namespace cmos_reg {
inline constexpr std::uint8_t seconds = 0x00;
inline constexpr std::uint8_t seconds_alarm = 0x01;
inline constexpr std::uint8_t minutes = 0x02;
inline constexpr std::uint8_t minutes_alarm = 0x03;
inline constexpr std::uint8_t hours = 0x04;
inline constexpr std::uint8_t hours_alarm = 0x05;
inline constexpr std::uint8_t day_of_week = 0x06;
inline constexpr std::uint8_t day_of_month = 0x07;
inline constexpr std::uint8_t month = 0x08;
inline constexpr std::uint8_t year = 0x09;
inline constexpr std::uint8_t a = 0x0a;
inline constexpr std::uint8_t b = 0x0b;
inline constexpr std::uint8_t c = 0x0c;
inline constexpr std::uint8_t d = 0x0d;
inline constexpr std::uint8_t century = 0x32;  // PC convention (ACPI FADT century index)
}  // namespace cmos_reg

/// Register A bits.
namespace cmos_reg_a {
inline constexpr std::uint8_t uip = 0x80;           ///< update in progress (read-only)
inline constexpr std::uint8_t divider_mask = 0x70;  ///< time-base divider field
inline constexpr std::uint8_t divider_normal = 0x20;  ///< 32.768 kHz, clock running
/// Divider field values 110 and 111 hold the divider chain in reset.
inline constexpr std::uint8_t divider_reset = 0x60;
/// The first update after the divider leaves reset comes this long after.
inline constexpr nanosecond_count first_update_after_reset{500'000'000};
}  // namespace cmos_reg_a

/// Register B bits.
namespace cmos_reg_b {
inline constexpr std::uint8_t set = 0x80;     ///< SET: updates halted while the guest writes
inline constexpr std::uint8_t binary = 0x04;  ///< DM: 1 = binary, 0 = BCD
inline constexpr std::uint8_t hour24 = 0x02;  ///< 1 = 24-hour, 0 = 12-hour (hour bit 7 = PM)
}  // namespace cmos_reg_b

/// The registers that hold the time: seconds, minutes, hours, day of month, month, year and
/// century. Alarm registers and day of week are not among them: writing them never sets the
/// time (and Linux never writes day of week).
[[nodiscard]] constexpr bool is_time_register(std::uint8_t index) noexcept {
  switch (index) {
    case cmos_reg::seconds:
    case cmos_reg::minutes:
    case cmos_reg::hours:
    case cmos_reg::day_of_month:
    case cmos_reg::month:
    case cmos_reg::year:
    case cmos_reg::century: return true;
    default: return false;
  }
}

/// The seven time bytes exactly as stored, in register B's format.
struct cmos_time_bytes {
  std::uint8_t second = 0;
  std::uint8_t minute = 0;
  std::uint8_t hour = 0;
  std::uint8_t day = 1;
  std::uint8_t month = 1;
  std::uint8_t year = 0;
  std::uint8_t century = 20;
  friend constexpr bool operator==(const cmos_time_bytes&, const cmos_time_bytes&) = default;
};

/// Two BCD digits -> 0..99, or invalid_date when a nibble is above 9.
[[nodiscard]] constexpr result<unsigned> from_bcd(std::uint8_t v) noexcept {
  const unsigned hi = v >> 4U;
  const unsigned lo = v & 0x0fU;
  if (hi > 9 || lo > 9) return errc::invalid_date;
  return hi * 10 + lo;
}

/// 0..99 -> two BCD digits (values above 99 are reduced modulo 100).
[[nodiscard]] constexpr std::uint8_t to_bcd(unsigned v) noexcept {
  v %= 100;
  return static_cast<std::uint8_t>(((v / 10) << 4U) | (v % 10));
}

namespace detail {

[[nodiscard]] constexpr result<unsigned> decode_cmos_field(std::uint8_t v, bool binary) noexcept {
  if (binary) return unsigned{v};
  return from_bcd(v);
}

[[nodiscard]] constexpr std::uint8_t encode_cmos_field(unsigned v, bool binary) noexcept {
  return binary ? static_cast<std::uint8_t>(v % 100) : to_bcd(v);
}

}  // namespace detail

/// Decodes the time bytes in the format `reg_b` selects (BCD or binary, 12- or 24-hour) into
/// a calendar time, or invalid_date (bad BCD digit, field out of range, day past the end of
/// the month, 12-hour hour of 0 or above 12). Year = century * 100 + year. Day of week is
/// not consulted: guests leave it unset or wrong.
[[nodiscard]] constexpr result<civil_time> decode_cmos_time(const cmos_time_bytes& t, std::uint8_t reg_b) noexcept {
  const bool binary = (reg_b & cmos_reg_b::binary) != 0;
  const auto sec = detail::decode_cmos_field(t.second, binary);
  const auto min = detail::decode_cmos_field(t.minute, binary);
  const auto mday = detail::decode_cmos_field(t.day, binary);
  const auto mon = detail::decode_cmos_field(t.month, binary);
  const auto yy = detail::decode_cmos_field(t.year, binary);
  const auto cc = detail::decode_cmos_field(t.century, binary);
  if (!sec || !min || !mday || !mon || !yy || !cc) return errc::invalid_date;
  if (*yy > 99 || *cc > 99) return errc::invalid_date;

  unsigned hour = 0;
  if ((reg_b & cmos_reg_b::hour24) != 0) {
    const auto h = detail::decode_cmos_field(t.hour, binary);
    if (!h) return errc::invalid_date;
    hour = *h;
  } else {
    // 12-hour mode: 1..12 in the low seven bits, bit 7 = PM; 12 AM is midnight, 12 PM noon.
    const auto h = detail::decode_cmos_field(static_cast<std::uint8_t>(t.hour & 0x7fU), binary);
    if (!h || *h < 1 || *h > 12) return errc::invalid_date;
    hour = *h % 12 + ((t.hour & 0x80U) != 0 ? 12 : 0);
  }

  const civil_time ct{{std::int64_t{*cc} * 100 + *yy, *mon, *mday}, hour, *min, *sec};
  if (!is_valid(ct)) return errc::invalid_date;
  return ct;
}

/// Renders a calendar time in the format `reg_b` selects. Only years 0..9999 are
/// representable; other years are reduced modulo 10000.
[[nodiscard]] constexpr cmos_time_bytes encode_cmos_time(const civil_time& t, std::uint8_t reg_b) noexcept {
  const bool binary = (reg_b & cmos_reg_b::binary) != 0;
  std::int64_t y = t.date.year % 10000;
  if (y < 0) y += 10000;
  const auto year = static_cast<unsigned>(y);
  cmos_time_bytes out;
  out.second = detail::encode_cmos_field(t.second, binary);
  out.minute = detail::encode_cmos_field(t.minute, binary);
  if ((reg_b & cmos_reg_b::hour24) != 0) {
    out.hour = detail::encode_cmos_field(t.hour, binary);
  } else {
    const unsigned h12 = t.hour % 12 == 0 ? 12 : t.hour % 12;
    out.hour = static_cast<std::uint8_t>(detail::encode_cmos_field(h12, binary) | (t.hour >= 12 ? 0x80U : 0U));
  }
  out.day = detail::encode_cmos_field(t.date.day, binary);
  out.month = detail::encode_cmos_field(t.date.month, binary);
  out.year = detail::encode_cmos_field(year % 100, binary);
  out.century = detail::encode_cmos_field(year / 100, binary);
  return out;
}

/// A whole-second clock as the MC146818 counts: reads `seconds` until the update at
/// `next_update` (reference time), one more from that instant, and one more at every full
/// second after it. cmos_rtc sets `next_update` to the first update after the instant it
/// sets the clock, so two of its clocks compare equal exactly when they read the same from
/// then on.
struct rtc_clock {
  std::int64_t seconds = 0;
  reference_time next_update{};

  /// The reading at `now`; the result saturates instead of overflowing.
  [[nodiscard]] constexpr std::int64_t reading(reference_time now) const noexcept {
    if (now < next_update) return seconds;
    const auto ticks = static_cast<std::int64_t>((now - next_update).count / 1'000'000'000U) + 1;
    if (seconds > std::numeric_limits<std::int64_t>::max() - ticks) return std::numeric_limits<std::int64_t>::max();
    return seconds + ticks;
  }

  friend constexpr bool operator==(const rtc_clock&, const rtc_clock&) = default;
};

/// The CMOS RTC register file with its clock. A value type: copy it to snapshot it.
class cmos_rtc {
 public:
  static constexpr std::size_t register_count = 128;

  /// Register A at power-on in the model: divider normal, 1024 Hz periodic rate.
  static constexpr std::uint8_t default_reg_a = 0x26;
  /// Register B at power-on in the model: 24-hour, BCD, SET clear.
  static constexpr std::uint8_t default_reg_b = cmos_reg_b::hour24;

  /// A running RTC that shows `unix_seconds` at the instant `now`, in the format `reg_b`
  /// selects (SET must be clear), with its next update one second later (so updates fall
  /// at now + 1 s, now + 2 s, ...). invalid_date for a year outside 0..9999 (the registers
  /// cannot hold it), invalid_argument when reg_b has SET.
  [[nodiscard]] static constexpr result<cmos_rtc> running(reference_time now, std::int64_t unix_seconds,
                                                          std::uint8_t reg_b = default_reg_b) noexcept {
    if ((reg_b & cmos_reg_b::set) != 0) return errc::invalid_argument;
    const civil_time t = from_unix_seconds(unix_seconds);
    if (t.date.year < 0 || t.date.year > 9999) return errc::invalid_date;
    cmos_rtc rtc;
    rtc.regs_[cmos_reg::a] = default_reg_a;
    rtc.regs_[cmos_reg::b] = reg_b;
    rtc.regs_[cmos_reg::d] = 0x80;  // VRT: time and RAM valid
    rtc.phase_ns_ = now.ns() % ns_per_s;
    rtc.clock_ = rtc_clock{unix_seconds, rtc.next_update_after(now)};
    rtc.render(now);
    return rtc;
  }

  /// The guest writes `value` to register `index` at `now`. invalid_argument for an index
  /// outside the register file (the caller strips the NMI bit of port 0x70 first).
  constexpr result<void> write(reference_time now, std::uint8_t index, std::uint8_t value) noexcept {
    if (index >= register_count) return errc::invalid_argument;
    render(now);  // the registers show the current time before any of them changes
    const bool was_halted = halted();
    const bool was_in_reset = divider_in_reset();
    const std::uint8_t shown = regs_[index];

    switch (index) {
      case cmos_reg::a: regs_[index] = static_cast<std::uint8_t>(value & ~cmos_reg_a::uip); break;
      case cmos_reg::b: write_reg_b(value); break;
      case cmos_reg::c:
      case cmos_reg::d: return {};  // read-only status registers
      case cmos_reg::seconds: regs_[index] = static_cast<std::uint8_t>(value & 0x7fU); break;
      default: regs_[index] = value; break;
    }

    if (was_in_reset && !divider_in_reset()) {
      // The divider chain leaves reset: its first update is half a second away, and every
      // later one a whole second after that.
      constexpr std::uint64_t delay = cmos_reg_a::first_update_after_reset.count;
      phase_ns_ = (now.ns() % ns_per_s + delay) % ns_per_s;
    }

    if (was_halted != halted()) {
      // Halting freezes the registers as rendered above; restarting decodes them once.
      if (halted()) clock_.reset();
      else restart_from_registers(now);
    } else if (!halted() && is_time_register(index)) {
      if (!clock_ || regs_[index] != shown) restart_from_registers(now);
    }
    return {};
  }

  /// What the guest reads from register `index` at `now` (0xff outside the register file).
  [[nodiscard]] constexpr std::uint8_t read(reference_time now, std::uint8_t index) const noexcept {
    if (index >= register_count) return 0xff;
    cmos_rtc copy = *this;
    copy.render(now);
    return copy.regs_[index];
  }

  /// True while SET is set or the divider is not in normal mode: the clock does not tick.
  [[nodiscard]] constexpr bool halted() const noexcept {
    return (regs_[cmos_reg::b] & cmos_reg_b::set) != 0 ||
           (regs_[cmos_reg::a] & cmos_reg_a::divider_mask) != cmos_reg_a::divider_normal;
  }

  /// True while register A holds the divider chain in reset (divider field 11x).
  [[nodiscard]] constexpr bool divider_in_reset() const noexcept {
    return (regs_[cmos_reg::a] & cmos_reg_a::divider_reset) == cmos_reg_a::divider_reset;
  }

  /// The running clock, or nullopt while halted or broken (registers not a valid date).
  [[nodiscard]] constexpr std::optional<rtc_clock> clock() const noexcept {
    // The payload is read only when engaged: copying the optional whole, g++ -O3 reports the
    // disengaged payload as maybe-uninitialized.
    if (!clock_) return std::nullopt;
    return *clock_;
  }

  /// The time the registers show at `now` in POSIX seconds: the running clock's reading, or
  /// while halted the frozen registers decoded. invalid_date when they are not a valid date.
  [[nodiscard]] constexpr result<std::int64_t> time_at(reference_time now) const noexcept {
    if (clock_) return clock_->reading(now);
    const auto t = decode_cmos_time(time_bytes(), regs_[cmos_reg::b]);
    if (!t) return t.error();
    return to_unix_seconds(*t);
  }

  /// The stored time bytes (as of the last write or render; see read() for the live view).
  [[nodiscard]] constexpr cmos_time_bytes time_bytes() const noexcept {
    return {regs_[cmos_reg::seconds], regs_[cmos_reg::minutes], regs_[cmos_reg::hours],
            regs_[cmos_reg::day_of_month], regs_[cmos_reg::month], regs_[cmos_reg::year],
            regs_[cmos_reg::century]};
  }

 private:
  static constexpr std::uint64_t ns_per_s = 1'000'000'000;

  constexpr cmos_rtc() noexcept = default;

  // The first update instant after `now` (updates are one second apart, in the phase the
  // divider chain set when it last left reset). Saturates at the largest instant.
  [[nodiscard]] constexpr reference_time next_update_after(reference_time now) const noexcept {
    // How far `now` is past the last update instant at or before it, in [0, 1 s).
    const std::uint64_t past = (now.ns() % ns_per_s + ns_per_s - phase_ns_) % ns_per_s;
    return now + nanosecond_count(ns_per_s - past);
  }

  // Brings the time registers up to the running clock's reading at `now`.
  constexpr void render(reference_time now) noexcept {
    if (!clock_) return;
    set_time_bytes(encode_cmos_time(from_unix_seconds(clock_->reading(now)), regs_[cmos_reg::b]));
  }

  constexpr void set_time_bytes(const cmos_time_bytes& t) noexcept {
    regs_[cmos_reg::seconds] = t.second;
    regs_[cmos_reg::minutes] = t.minute;
    regs_[cmos_reg::hours] = t.hour;
    regs_[cmos_reg::day_of_month] = t.day;
    regs_[cmos_reg::month] = t.month;
    regs_[cmos_reg::year] = t.year;
    regs_[cmos_reg::century] = t.century;
  }

  constexpr void write_reg_b(std::uint8_t value) noexcept {
    constexpr std::uint8_t format_bits = cmos_reg_b::binary | cmos_reg_b::hour24;
    const std::uint8_t old = regs_[cmos_reg::b];
    if (((old ^ value) & format_bits) != 0) {
      // A format change re-renders the time in the new format; it is not a time change.
      // Registers that do not decode (a broken or half-written time) are left alone.
      if (const auto t = decode_cmos_time(time_bytes(), old)) set_time_bytes(encode_cmos_time(*t, value));
    }
    regs_[cmos_reg::b] = value;
  }

  constexpr void restart_from_registers(reference_time now) noexcept {
    const auto t = decode_cmos_time(time_bytes(), regs_[cmos_reg::b]);
    if (!t) {
      clock_.reset();  // broken until the registers are valid again
      return;
    }
    // The divider kept its phase through the write or the halt: counting resumes at the
    // next update instant.
    clock_ = rtc_clock{to_unix_seconds(*t).value(), next_update_after(now)};
  }

  std::array<std::uint8_t, register_count> regs_{};
  std::optional<rtc_clock> clock_;
  std::uint64_t phase_ns_ = 0;  // update instants are the instants congruent to this mod 1 s
};

VRTC_END_NAMESPACE
