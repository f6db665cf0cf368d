// Fuzz target: every public function of the time math (civil.hpp, leap.hpp, time.hpp,
// smear.hpp, chrono.hpp) on raw 64-bit values, across the whole input range rather than only
// plausible dates. Run with UBSan's -fno-sanitize-recover, a signed overflow anywhere traps;
// the target itself checks that each function keeps its promise: the documented error, or a
// value consistent with a second, simpler computation or with the function's inverse.
//
// Input: up to eight little-endian 64-bit words (missing bytes read as zero); each call takes
// the words it needs, so one input drives every function.
#include <vrtc/core/chrono.hpp>
#include <vrtc/core/civil.hpp>
#include <vrtc/core/leap.hpp>
#include <vrtc/core/smear.hpp>
#include <vrtc/core/time.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"

namespace {

using vrtc::errc;
using vrtc_fuzz::require;

/// The calendar by counting: the day of the month and month of `days` (>= 0) after 1970-01-01,
/// walking whole 400-year cycles and then years and months one at a time (no formula shared
/// with civil.hpp).
vrtc::civil_date count_days(std::uint64_t days) {
  constexpr std::uint64_t cycle = 146097;
  std::int64_t year = 1970 + static_cast<std::int64_t>(days / cycle) * 400;
  std::uint64_t rest = days % cycle;
  const auto leap = [](std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  for (;;) {
    const std::uint64_t length = leap(year) ? 366 : 365;
    if (rest < length) break;
    rest -= length;
    ++year;
  }
  unsigned month = 1;
  for (;;) {
    constexpr unsigned lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const unsigned length = month == 2 && leap(year) ? 29 : lengths[month - 1];
    if (rest < length) break;
    rest -= length;
    ++month;
  }
  return {year, month, static_cast<unsigned>(rest + 1)};
}

void civil_math(std::uint64_t a, std::uint64_t b) {
  const auto sa = static_cast<std::int64_t>(a);
  // Any year and month: defined, and 0 exactly outside 1..12.
  const unsigned month = static_cast<unsigned>(b & 0xff);
  const unsigned dim = vrtc::days_in_month(sa, month);
  require((dim == 0) == (month < 1 || month > 12));
  (void)vrtc::is_leap_year(sa);

  // Any int64 day count gives a real date; the next day follows it.
  const vrtc::civil_date d = vrtc::civil_from_days(sa);
  require(d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= vrtc::days_in_month(d.year, d.month));
  if (sa >= 0) require(d == count_days(a));
  if (sa < INT64_MAX) {
    const vrtc::civil_date next = vrtc::civil_from_days(sa + 1);
    const bool month_end = d.day == vrtc::days_in_month(d.year, d.month);
    if (!month_end) require(next.year == d.year && next.month == d.month && next.day == d.day + 1);
    else require(next.day == 1 && (d.month == 12 ? next.month == 1 && next.year == d.year + 1
                                                 : next.month == d.month + 1 && next.year == d.year));
  }
  if (vrtc::is_valid(d)) require(vrtc::days_from_civil(d) == sa);

  // Any int64 and uint64 second count has a calendar time; the two agree where both apply.
  const vrtc::civil_time t = vrtc::from_unix_seconds(sa);
  require(t.hour < 24 && t.minute < 60 && t.second < 60);
  const vrtc::civil_time u = vrtc::from_unix_seconds_unsigned(a);
  require(u.hour < 24 && u.minute < 60 && u.second < 60);
  require(u.date == count_days(a / 86400));
  if (sa >= 0) require(t == u);
  // Back to seconds: exactly where the date is valid, invalid_date otherwise.
  const auto back = vrtc::to_unix_seconds(t);
  if (vrtc::is_valid(t)) require(back.has_value() && *back == sa);
  else require(back == errc::invalid_date);

  // Raw fields: to_unix_seconds checks them all.
  const vrtc::civil_time raw{{static_cast<std::int64_t>(b), static_cast<unsigned>(a >> 32),
                              static_cast<unsigned>(a & 0xff)},
                             static_cast<unsigned>((a >> 8) & 0xff), static_cast<unsigned>((a >> 16) & 0xff),
                             static_cast<unsigned>((a >> 24) & 0xff)};
  const auto raw_seconds = vrtc::to_unix_seconds(raw);
  if (!vrtc::is_valid(raw)) {
    require(raw_seconds == errc::invalid_date);
  } else {
    require(raw_seconds.has_value() && vrtc::from_unix_seconds(*raw_seconds) == raw);
  }
}

void leap_math(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  const auto raw_indicator = static_cast<std::uint8_t>(c);
  const auto indicator = vrtc::to_leap_indicator(raw_indicator);
  require(indicator.has_value() == (raw_indicator <= 5));
  const auto i = static_cast<vrtc::leap_indicator>(raw_indicator % 8);  // also undefined values
  (void)vrtc::leap_second_due_this_month(i);
  (void)vrtc::in_leap_second(i);
  (void)vrtc::leap_second_just_passed(i);

  // Month boundaries of any second: the start is day 1 at 00:00 of the same month, the end the
  // start of the next, or overflow when that is 2^64 s or later.
  const vrtc::civil_date here = count_days(a / 86400);
  const auto start = vrtc::start_of_month(a);
  require(start.has_value() && *start <= a && *start % 86400 == 0);
  const vrtc::civil_date first = count_days(*start / 86400);
  require(first.year == here.year && first.month == here.month && first.day == 1);
  const std::uint64_t length = std::uint64_t{vrtc::days_in_month(here.year, here.month)} * 86400;
  const auto end = vrtc::end_of_month(a);
  if (*start > UINT64_MAX - length) {
    require(end == errc::overflow);
  } else {
    require(end.has_value() && *end == *start + length && *end > a);
  }

  // The leap second an indicator names, or the documented error.
  const auto l = vrtc::announced_leap_second(a, i);
  if (raw_indicator % 8 == 0 || raw_indicator % 8 > 5) {
    require(l == errc::invalid_argument);
  } else {
    const bool next = raw_indicator % 8 <= 3;
    const auto boundary = next ? end : start;
    const bool placeable = boundary.has_value() && *boundary > 0 && *boundary <= UINT64_MAX - 2 * 86400;
    if (!placeable) {
      require(l == errc::overflow);
    } else {
      require(l.has_value() && vrtc::is_valid(*l) && l->end_of_day == *boundary);
      require((l->sign == vrtc::leap_sign::negative) == (raw_indicator % 8 == 2 || raw_indicator % 8 == 5));
    }
  }
  (void)vrtc::is_valid(vrtc::leap_second{b, static_cast<vrtc::leap_sign>(static_cast<std::int8_t>(c >> 8))});

  // The indicator carried to another instant: a correction of at most one second that moves
  // the naive second onto the side of the leap second its indicator says.
  const auto x = vrtc::extrapolate_leap(a, i, b);
  if (raw_indicator % 8 > 5) {
    require(x == errc::invalid_argument);
  } else if (raw_indicator % 8 == 0) {
    require(x.has_value() && x->correction == 0 && x->indicator == vrtc::leap_indicator::none);
  } else if (!l) {
    require(x == errc::overflow || (x.has_value() && x->correction == 0 && x->indicator == i));
  } else {
    require(x.has_value() && x->correction >= -1 && x->correction <= 1);
    const std::uint64_t m = l->end_of_day;
    const bool positive = l->sign == vrtc::leap_sign::positive;
    const bool before_frame = raw_indicator % 8 <= 2;  // PRE_POS, PRE_NEG
    const vrtc::leap_indicator pre = positive ? vrtc::leap_indicator::pre_pos : vrtc::leap_indicator::pre_neg;
    const vrtc::leap_indicator post = positive ? vrtc::leap_indicator::post_pos : vrtc::leap_indicator::post_neg;
    // Where the naive count puts the leap second: a second counted before it by a clock that
    // does not know about it, or after it by one that does. An indicator that contradicts its
    // own instant changes nothing.
    const bool contradicts = (raw_indicator % 8 == 3 && a != m - 1) || (raw_indicator % 8 == 2 && a == m - 1);
    if (contradicts) {
      require(*x == vrtc::leap_extrapolation{0, i});
    } else if (positive && before_frame) {
      require(b < m ? *x == vrtc::leap_extrapolation{0, pre}
                    : *x == vrtc::leap_extrapolation{-1, b == m ? vrtc::leap_indicator::pos : post});
    } else if (positive) {
      require(b >= m ? *x == vrtc::leap_extrapolation{0, post}
                     : *x == vrtc::leap_extrapolation{b == m - 1 ? std::int8_t{0} : std::int8_t{1},
                                                      b == m - 1 ? vrtc::leap_indicator::pos : pre});
    } else if (before_frame) {
      require(b < m - 1 ? *x == vrtc::leap_extrapolation{0, pre} : *x == vrtc::leap_extrapolation{1, post});
    } else {
      require(b >= m ? *x == vrtc::leap_extrapolation{0, post} : *x == vrtc::leap_extrapolation{-1, pre});
    }
  }

  // Calendar time of any UTC instant, 23:59:60 only in the last second of a month.
  const vrtc::utc_time plain = vrtc::make_utc_time({a, b}, vrtc::leap_indicator::none);
  const auto civil = vrtc::to_civil(plain);
  require(civil.has_value() && civil->date == here && civil->second < 60);
  const auto flagged = vrtc::to_civil(vrtc::utc_time{{a, b}, true});
  const bool last_second = civil->hour == 23 && civil->minute == 59 && civil->second == 59 &&
                           civil->date.day == vrtc::days_in_month(here.year, here.month);
  if (end.has_value()) require(last_second == (*end == a + 1));
  if (last_second) {
    require(flagged.has_value() && flagged->second == 60 && flagged->date == here);
  } else {
    require(flagged == errc::invalid_argument);
  }
}

void time_math(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  const vrtc::fixed_time t{a, b};
  require(vrtc::frac_to_ns_floor(b) < vrtc::nanoseconds_per_second);
  const std::uint64_t rounded = vrtc::frac_to_ns_round(b);
  require(rounded <= vrtc::nanoseconds_per_second && rounded >= vrtc::frac_to_ns_floor(b));
  const std::uint64_t frac = vrtc::ns_to_frac(c);
  require(vrtc::frac_to_ns_floor(frac) == c % vrtc::nanoseconds_per_second);
  const auto to_frac = vrtc::to_fraction(vrtc::nanosecond_count(c));
  require(c >= vrtc::nanoseconds_per_second ? to_frac == errc::invalid_argument
                                            : to_frac.has_value() && to_frac->count == frac);
  require(vrtc::to_nanoseconds_floor(vrtc::second_fraction(b)).count == vrtc::frac_to_ns_floor(b));
  require(vrtc::to_nanoseconds_round(vrtc::second_fraction(b)).count == rounded);

  const auto trunc = vrtc::truncate_to_nanoseconds(t);
  require(trunc.sec == a && trunc.nsec == vrtc::frac_to_ns_floor(b));
  const auto near = vrtc::round_to_nanoseconds(t);
  if (rounded == vrtc::nanoseconds_per_second && a == UINT64_MAX) require(near == errc::overflow);
  else require(near.has_value());
  const auto nsec = static_cast<std::uint32_t>(d);
  const auto back = vrtc::to_fixed_time(vrtc::seconds_and_nanoseconds{a, nsec});
  if (nsec >= vrtc::nanoseconds_per_second) {
    require(back == errc::invalid_argument);
  } else {
    require(back.has_value() && vrtc::truncate_to_nanoseconds(*back) == vrtc::seconds_and_nanoseconds{a, nsec});
  }
  const auto total = vrtc::to_nanoseconds_floor(t);
  // a * 10^9 + ns < 2^64 exactly when a < 18446744073, or a == 18446744073 and ns <= 709551615.
  const bool fits = a < 18'446'744'073 || (a == 18'446'744'073 && trunc.nsec <= 709'551'615);
  require(total.has_value() == fits);
  if (fits) require(total->count == a * vrtc::nanoseconds_per_second + trunc.nsec);
  const vrtc::fixed_time from_ns = vrtc::to_fixed_time(vrtc::nanosecond_count(c));
  require(vrtc::to_nanoseconds_floor(from_ns).value().count == c);

  // counter -> time and ticks -> nanoseconds with any period and shift.
  const auto shift = static_cast<std::uint8_t>(d >> 32);
  const vrtc::counter_period period{c, shift};
  const auto ct = vrtc::counter_to_time(t, c, d, period);
  if (!vrtc::is_valid(period)) require(ct == errc::invalid_shift);
  else require(ct.has_value() || ct == errc::overflow);
  if (ct.has_value() && d - c < (std::uint64_t{1} << 63)) require(*ct >= t);  // forward never goes back
  const auto ticks = vrtc::ticks_to_nanoseconds(a, c, shift);
  const std::uint64_t saturated = vrtc::ticks_to_nanoseconds_saturating(a, c, shift);
  if (!vrtc::is_valid_period(c, shift)) require(ticks == errc::invalid_shift && saturated == UINT64_MAX);
  else require(ticks.has_value() ? saturated == *ticks : ticks == errc::overflow && saturated == UINT64_MAX);
  const auto as_count = vrtc::to_nanoseconds(vrtc::counter_ticks(a), period);
  require(as_count.has_value() == ticks.has_value());
  const auto best = vrtc::best_counter_period(a);
  if (a < 2) {
    require(best == errc::invalid_argument);
  } else {
    require(best.has_value() && best->shift < 64 && (best->frac_sec >> 63) == 1);
    require(a > (std::uint64_t{1} << best->shift) && (best->shift == 63 || a <= (std::uint64_t{2} << best->shift)));
  }

  // TAI <-> UTC with any int32 offset: inverse of each other, overflow exactly outside [0, 2^64).
  const auto offset = static_cast<std::int32_t>(static_cast<std::uint32_t>(d));
  const auto utc = vrtc::utc_from_tai(a, offset);
  const bool negative = offset < 0;
  const std::uint64_t magnitude = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(std::int64_t{offset})
                                           : static_cast<std::uint64_t>(offset);
  const bool utc_fits = negative ? a >= magnitude : a <= UINT64_MAX - magnitude;
  require(utc.has_value() == utc_fits);
  if (utc) require(vrtc::tai_from_utc(*utc, offset).value() == a);
  const auto tai = vrtc::tai_from_utc(a, offset);
  require(tai.has_value() == (negative ? a <= UINT64_MAX - magnitude : a >= magnitude));
  if (tai) require(vrtc::utc_from_tai(*tai, offset).value() == a);
  const auto utc_t = vrtc::utc_from_tai(t, offset);
  require(utc_t.has_value() == utc.has_value());
  if (utc_t) require(utc_t->sec == *utc && utc_t->frac == b);
  const auto tai_t = vrtc::tai_from_utc(t, offset);
  require(tai_t.has_value() == tai.has_value());
}

void smear_math(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  // Raw leap seconds and raw enum values, including undefined methods and signs.
  const vrtc::leap_second leap{a, static_cast<vrtc::leap_sign>(static_cast<std::int8_t>(d))};
  const auto method = static_cast<vrtc::smear_method>(static_cast<std::uint8_t>(d >> 8));
  const bool known_method = method == vrtc::smear_method::noon_linear || method == vrtc::smear_method::utc_sls;
  const auto w = vrtc::window_of(leap, method);
  if (!w) require(w == errc::invalid_argument);
  require(w.has_value() == (vrtc::is_valid(leap) && known_method));
  const vrtc::utc_time t{{b, c}, ((d >> 16) & 1) != 0};
  const auto s = vrtc::smear(t, leap, method);
  require(s.has_value() || s == errc::invalid_argument);
  if (!w) require(s == errc::invalid_argument);
  const auto u = vrtc::unsmear(vrtc::fixed_time{b, c}, leap, method);
  require(w.has_value() ? u.has_value() : u == errc::invalid_argument);
}

void chrono_math(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  const vrtc::fixed_time t{a, b};
  const auto floor = vrtc::to_sys_time(vrtc::utc_instant(t));
  const auto ns = vrtc::to_nanoseconds_floor(t);
  const bool fits = ns.has_value() && ns->count <= static_cast<std::uint64_t>(INT64_MAX);
  require(floor.has_value() == fits);
  if (floor) require(static_cast<std::uint64_t>(floor->time_since_epoch().count()) == ns->count);
  const auto nearest = vrtc::to_sys_time_round(vrtc::utc_instant(t));
  require(nearest.has_value() || nearest == errc::overflow);
  if (nearest && floor) require(*nearest >= *floor && *nearest - *floor <= nanoseconds(1));

  const auto sc = static_cast<std::int64_t>(c);
  const auto back = vrtc::to_utc_instant(vrtc::sys_nanoseconds(nanoseconds(sc)));
  require(back.has_value() == (sc >= 0));
  if (back) require(vrtc::to_sys_time(*back).value().time_since_epoch().count() == sc);
  const auto whole = vrtc::to_duration(vrtc::whole_seconds(c));
  require(whole.has_value() == (sc >= 0));
  if (whole) require(whole->count() == sc);
  const auto count = vrtc::to_duration(vrtc::nanosecond_count(c));
  require(count.has_value() == (sc >= 0));
  require(vrtc::to_duration_floor(vrtc::second_fraction(b)).count() ==
          static_cast<std::int64_t>(vrtc::frac_to_ns_floor(b)));
  const auto ws = vrtc::to_whole_seconds(seconds(sc));
  require(ws.has_value() == (sc >= 0));
  if (ws) require(ws->count == c);
  const auto nc = vrtc::to_nanosecond_count(nanoseconds(sc));
  require(nc.has_value() == (sc >= 0));
  const auto sf = vrtc::to_second_fraction(nanoseconds(sc));
  require(sf.has_value() == (sc >= 0 && sc < 1'000'000'000));
  if (sf) require(vrtc::frac_to_ns_floor(sf->count) == c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint64_t w[8];
  for (std::size_t i = 0; i < 8; ++i) w[i] = vrtc_fuzz::word(data, size, 8 * i);
  civil_math(w[0], w[1]);
  leap_math(w[0], w[1], w[2]);
  leap_math(w[3], w[4], w[5]);
  time_math(w[0], w[1], w[2], w[3]);
  smear_math(w[4], w[5], w[6], w[7]);
  chrono_math(w[0], w[1], w[6]);
  return 0;
}
