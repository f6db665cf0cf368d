// vrtc: the leap-second table -- TAI − UTC at any UTC instant since 1972, and the date until
// which the table is known to be complete (its expiry).
//
// IERS announces each leap second about six months ahead, so a table is only trustworthy up to
// the expiry its publisher gives it: past that, a leap second may have happened that the table
// does not know of. Every lookup at or after the expiry is errc::leap_table_expired, never a
// possibly wrong offset.
//
// Sources: builtin_leap_table() (a copy of the published list compiled in, hash-checked at
// compile time) and parse_leap_seconds_list() for the list in the IERS/NTP format that tzdata
// installs as /usr/share/zoneinfo/leap-seconds.list. The parser only takes text; reading the
// file is the host's business (host_tai.hpp).
//
// The list format: comment lines start with '#'; data lines are "<NTP seconds> <TAI−UTC>", an
// optional "# comment" after them, the NTP seconds counting from 1900-01-01 and naming the
// instant from which the offset applies. Three special comment lines: "#$ <NTP seconds>" the
// last update, "#@ <NTP seconds>" the expiry, "#h <5 groups of hex>" the SHA-1 of the data. The
// hash covers, in this order, the digits of the "#$" value, of the "#@" value, and of each data
// line's two numbers, concatenated with all whitespace and comments removed. Hash groups may
// drop leading zeros (some publishers print them with %x), so a group is 1 to 8 hex digits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "vrtc/core/civil.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/leap.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/sha1.hpp"
#include "vrtc/roles/leap_clocks.hpp"

VRTC_BEGIN_NAMESPACE

/// Seconds from 1900-01-01T00:00:00 (the NTP epoch) to 1970-01-01T00:00:00 (the POSIX epoch).
inline constexpr std::uint64_t ntp_to_posix_offset = 2'208'988'800;

/// POSIX seconds of 1972-01-01T00:00:00 UTC, where integer TAI − UTC (and the table) begins.
inline constexpr std::uint64_t leap_table_epoch = 63'072'000;

/// From `start` (POSIX seconds of the midnight that begins a month, UTC) TAI − UTC is
/// `tai_minus_utc` seconds, until the next entry.
struct leap_entry {
  std::uint64_t start = 0;
  std::int32_t tai_minus_utc = 0;
  friend constexpr bool operator==(const leap_entry&, const leap_entry&) = default;
};

class leap_table {
 public:
  /// More than four times the leap seconds of the first fifty years.
  static constexpr std::size_t capacity = 128;

  /// A table from its entries, last update and expiry (POSIX seconds). errc::bad_leap_list
  /// unless: 1..capacity entries, the first at or after 1972-01-01, each at 00:00:00 on the first
  /// of a month, strictly increasing; offsets in 1..1000 s, each one second away from the
  /// previous; the expiry after the last entry and after the update.
  [[nodiscard]] static constexpr result<leap_table> make(std::span<const leap_entry> entries, std::uint64_t updated,
                                                         std::uint64_t expires) noexcept {
    if (entries.empty() || entries.size() > capacity) return errc::bad_leap_list;
    leap_table t;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const leap_entry& e = entries[i];
      if (e.start < leap_table_epoch || e.start > max_instant || e.start % 86400 != 0) return errc::bad_leap_list;
      if (from_unix_seconds(static_cast<std::int64_t>(e.start)).date.day != 1) return errc::bad_leap_list;
      if (e.tai_minus_utc < 1 || e.tai_minus_utc > 1000) return errc::bad_leap_list;
      if (i > 0) {
        const leap_entry& prev = entries[i - 1];
        if (e.start <= prev.start) return errc::bad_leap_list;
        const std::int32_t step = e.tai_minus_utc - prev.tai_minus_utc;
        if (step != 1 && step != -1) return errc::bad_leap_list;
      }
      t.entries_[i] = e;
    }
    if (expires <= entries.back().start || expires > max_instant || updated >= expires) return errc::bad_leap_list;
    t.size_ = entries.size();
    t.updated_ = updated;
    t.expires_ = expires;
    return t;
  }

  [[nodiscard]] constexpr std::span<const leap_entry> entries() const noexcept { return {entries_.data(), size_}; }
  /// POSIX seconds of the list's last update.
  [[nodiscard]] constexpr std::uint64_t updated() const noexcept { return updated_; }
  /// POSIX seconds from which the table may be incomplete.
  [[nodiscard]] constexpr std::uint64_t expires() const noexcept { return expires_; }
  [[nodiscard]] constexpr bool expired_at(std::uint64_t utc_sec) const noexcept { return utc_sec >= expires_; }

  /// TAI − UTC in seconds during the UTC second `utc_sec` (POSIX seconds; during a positive leap
  /// second, which POSIX time cannot name, the offset before it). errc::leap_table_expired at or
  /// after the expiry; errc::invalid_argument before 1972 (no integer offset existed).
  [[nodiscard]] constexpr result<std::int32_t> tai_minus_utc(std::uint64_t utc_sec) const noexcept {
    const auto i = index_at(utc_sec);
    if (!i) return i.error();
    return entries_[*i].tai_minus_utc;
  }

  /// The first leap second after `utc_sec` that the table announces (it ends at the midnight
  /// where the next entry starts), or none if the table has none before its expiry.
  [[nodiscard]] constexpr result<std::optional<leap_second>> next_leap_second(std::uint64_t utc_sec) const noexcept {
    const auto i = index_at(utc_sec);
    if (!i) return i.error();
    if (*i + 1 >= size_) return std::optional<leap_second>{};
    return std::optional<leap_second>{leap_at(*i + 1)};
  }

  /// TAI − UTC now and the next leap second: what the UTC clocks of leap_clocks.hpp need.
  [[nodiscard]] constexpr result<leap_schedule> schedule_at(std::uint64_t utc_sec) const noexcept {
    const auto off = tai_minus_utc(utc_sec);
    if (!off) return off.error();
    const auto next = next_leap_second(utc_sec);
    if (!next) return next.error();
    return leap_schedule{static_cast<std::int16_t>(*off), *next};
  }

  /// vmclock's leap indicator for the UTC second `utc_sec`: PRE_POS / PRE_NEG during the month
  /// that a leap second ends, POST_POS / POST_NEG during the month after it, NONE otherwise.
  [[nodiscard]] constexpr result<leap_indicator> indicator_at(std::uint64_t utc_sec) const noexcept {
    const auto i = index_at(utc_sec);
    if (!i) return i.error();
    const auto month_end = end_of_month(utc_sec);
    const auto month_start = start_of_month(utc_sec);
    if (!month_end || !month_start) return errc::overflow;
    if (*i + 1 < size_ && entries_[*i + 1].start == *month_end)
      return leap_at(*i + 1).sign == leap_sign::positive ? leap_indicator::pre_pos : leap_indicator::pre_neg;
    if (*i > 0 && entries_[*i].start == *month_start)
      return leap_at(*i).sign == leap_sign::positive ? leap_indicator::post_pos : leap_indicator::post_neg;
    return leap_indicator::none;
  }

  friend constexpr bool operator==(const leap_table& a, const leap_table& b) noexcept {
    if (a.size_ != b.size_ || a.updated_ != b.updated_ || a.expires_ != b.expires_) return false;
    for (std::size_t i = 0; i < a.size_; ++i)
      if (!(a.entries_[i] == b.entries_[i])) return false;
    return true;
  }

 private:
  /// Far enough below INT64_MAX for the calendar functions, and below 2^64 - 2 days for
  /// leap_second's own limit.
  static constexpr std::uint64_t max_instant = static_cast<std::uint64_t>(INT64_MAX) / 2;

  constexpr leap_table() noexcept = default;

  [[nodiscard]] constexpr result<std::size_t> index_at(std::uint64_t utc_sec) const noexcept {
    if (utc_sec >= expires_) return errc::leap_table_expired;
    if (utc_sec < entries_[0].start) return errc::invalid_argument;
    std::size_t lo = 0, hi = size_;  // the last entry with start <= utc_sec lies in [lo, hi)
    while (hi - lo > 1) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (entries_[mid].start <= utc_sec) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  [[nodiscard]] constexpr leap_second leap_at(std::size_t i) const noexcept {
    return {entries_[i].start,
            entries_[i].tai_minus_utc > entries_[i - 1].tai_minus_utc ? leap_sign::positive : leap_sign::negative};
  }

  std::array<leap_entry, capacity> entries_{};
  std::size_t size_ = 0;
  std::uint64_t updated_ = 0;
  std::uint64_t expires_ = 0;
};

namespace detail {

[[nodiscard]] constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

[[nodiscard]] constexpr std::string_view trim_front(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

/// The leading run of decimal digits of `s` (after blanks), removed from `s`.
[[nodiscard]] constexpr std::string_view take_digits(std::string_view& s) noexcept {
  s = trim_front(s);
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  const std::string_view digits = s.substr(0, n);
  s.remove_prefix(n);
  return digits;
}

/// A decimal number of 1..18 digits (so it cannot overflow).
[[nodiscard]] constexpr std::optional<std::uint64_t> decimal(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : digits) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

/// The single number on a "#$" or "#@" line (after its two-character tag), nothing else.
[[nodiscard]] constexpr std::optional<std::string_view> sole_number(std::string_view rest) noexcept {
  const std::string_view digits = take_digits(rest);
  if (digits.empty() || !trim_front(rest).empty()) return std::nullopt;
  return digits;
}

[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// The "#h" line's five groups of 1..8 hex digits, as a digest.
[[nodiscard]] constexpr std::optional<sha1_digest> hash_line(std::string_view rest) noexcept {
  sha1_digest d{};
  for (std::size_t g = 0; g < 5; ++g) {
    rest = trim_front(rest);
    std::size_t n = 0;
    std::uint32_t word = 0;
    while (n < rest.size() && hex_value(rest[n]) >= 0) {
      if (n == 8) return std::nullopt;
      word = word << 4 | static_cast<std::uint32_t>(hex_value(rest[n]));
      ++n;
    }
    if (n == 0) return std::nullopt;
    rest.remove_prefix(n);
    for (std::size_t b = 0; b < 4; ++b) d[4 * g + b] = static_cast<std::uint8_t>(word >> (24 - 8 * b));
  }
  if (!trim_front(rest).empty()) return std::nullopt;
  return d;
}

/// Calls f(line) for each line of `text` ('\n'-separated; a final line needs no '\n').
template <class F>
constexpr void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    f(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

}  // namespace detail

/// The table a leap-seconds.list (IERS/NTP format, above) describes. errc::bad_leap_list for
/// text that is not such a list: a line that is neither a comment nor "<number> <number>
/// [# comment]", a missing or repeated "#$", "#@" or "#h" line, numbers out of range, or
/// entries that leap_table::make refuses (unsorted, not at the start of a month, offsets that
/// jump, an expiry not after the last entry); errc::bad_leap_hash when the data does not match
/// the "#h" hash (a corrupted or truncated list).
[[nodiscard]] constexpr result<leap_table> parse_leap_seconds_list(std::string_view text) noexcept {
  using namespace detail;
  // Pass 1: the special lines, which the hash covers before the data wherever they stand.
  std::optional<std::string_view> updated_digits, expires_digits;
  std::optional<sha1_digest> stated_hash;
  bool bad = false;
  for_each_line(text, [&](std::string_view line) {
    if (line.size() < 2 || line[0] != '#') return;
    const std::string_view rest = line.substr(2);
    if (line[1] == '$' || line[1] == '@') {
      auto& slot = line[1] == '$' ? updated_digits : expires_digits;
      const auto n = sole_number(rest);
      if (slot || !n) bad = true;
      else slot = n;
    } else if (line[1] == 'h') {
      const auto h = hash_line(rest);
      if (stated_hash || !h) bad = true;
      else stated_hash = h;
    }
  });
  if (bad || !updated_digits || !expires_digits || !stated_hash) return errc::bad_leap_list;
  const auto updated_ntp = decimal(*updated_digits);
  const auto expires_ntp = decimal(*expires_digits);
  if (!updated_ntp || !expires_ntp || *updated_ntp < ntp_to_posix_offset || *expires_ntp < ntp_to_posix_offset)
    return errc::bad_leap_list;

  // Pass 2: the data lines, hashed as they are read.
  sha1 hash;
  hash.update(*updated_digits);
  hash.update(*expires_digits);
  std::array<leap_entry, leap_table::capacity> entries{};
  std::size_t count = 0;
  for_each_line(text, [&](std::string_view line) {
    if (bad || (!line.empty() && line[0] == '#') || trim_front(line).empty()) return;
    std::string_view rest = line;
    const std::string_view when_digits = take_digits(rest);
    if (rest.empty() || !is_blank(rest.front())) {
      bad = true;
      return;
    }
    const std::string_view offset_digits = take_digits(rest);
    rest = trim_front(rest);
    const auto when = decimal(when_digits);
    const auto offset = decimal(offset_digits);
    if (!when || !offset || *when < ntp_to_posix_offset || *offset > 1000 || (!rest.empty() && rest[0] != '#') ||
        count == entries.size()) {
      bad = true;
      return;
    }
    hash.update(when_digits);
    hash.update(offset_digits);
    entries[count++] = {*when - ntp_to_posix_offset, static_cast<std::int32_t>(*offset)};
  });
  if (bad) return errc::bad_leap_list;
  if (hash.digest() != *stated_hash) return errc::bad_leap_hash;
  return leap_table::make(std::span<const leap_entry>(entries.data(), count), *updated_ntp - ntp_to_posix_offset,
                          *expires_ntp - ntp_to_posix_offset);
}

/// The same, and errc::leap_table_expired if the list has expired at `now_utc_sec`.
[[nodiscard]] constexpr result<leap_table> parse_leap_seconds_list(std::string_view text,
                                                                   std::uint64_t now_utc_sec) noexcept {
  auto t = parse_leap_seconds_list(text);
  if (t && t->expired_at(now_utc_sec)) return errc::leap_table_expired;
  return t;
}

namespace detail {

// The published list (IERS leap-seconds.list, updated 2026-07-06,
// expiring 2027-06-28), its data lines and hash as published.
inline constexpr std::string_view builtin_leap_seconds_list = R"(#$	3992312697
#@	4023129600
2272060800	10	# 1 Jan 1972
2287785600	11	# 1 Jul 1972
2303683200	12	# 1 Jan 1973
2335219200	13	# 1 Jan 1974
2366755200	14	# 1 Jan 1975
2398291200	15	# 1 Jan 1976
2429913600	16	# 1 Jan 1977
2461449600	17	# 1 Jan 1978
2492985600	18	# 1 Jan 1979
2524521600	19	# 1 Jan 1980
2571782400	20	# 1 Jul 1981
2603318400	21	# 1 Jul 1982
2634854400	22	# 1 Jul 1983
2698012800	23	# 1 Jul 1985
2776982400	24	# 1 Jan 1988
2840140800	25	# 1 Jan 1990
2871676800	26	# 1 Jan 1991
2918937600	27	# 1 Jul 1992
2950473600	28	# 1 Jul 1993
2982009600	29	# 1 Jul 1994
3029443200	30	# 1 Jan 1996
3076704000	31	# 1 Jul 1997
3124137600	32	# 1 Jan 1999
3345062400	33	# 1 Jan 2006
3439756800	34	# 1 Jan 2009
3550089600	35	# 1 Jul 2012
3644697600	36	# 1 Jul 2015
3692217600	37	# 1 Jan 2017
#h	a9bad145 84c31c70 758402aa b37bfd54 5923836a
)";

/// Not constexpr: reaching it while the compiler evaluates the built-in table stops the build.
inline void builtin_leap_list_does_not_parse() noexcept {}

[[nodiscard]] constexpr leap_table parse_builtin_leap_list() noexcept {
  const auto t = parse_leap_seconds_list(builtin_leap_seconds_list);
  if (!t) builtin_leap_list_does_not_parse();
  return *t;
}

// Parsed (and its hash checked) by the compiler: a copy that does not match its hash does not build.
inline constexpr leap_table builtin_leap_table_value = parse_builtin_leap_list();

}  // namespace detail

/// The built-in copy of the published list. It expires like any list: a host past its expiry
/// needs a newer list (tzdata's /usr/share/zoneinfo/leap-seconds.list, see host_tai.hpp).
[[nodiscard]] constexpr const leap_table& builtin_leap_table() noexcept { return detail::builtin_leap_table_value; }

VRTC_END_NAMESPACE
