// Tests for include/vrtc/core/sha1.hpp and include/vrtc/roles/leap_table.hpp: SHA-1 against FIPS 180
// examples, the built-in table against the published history of TAI − UTC (IERS Bulletin C),
// and the leap-seconds.list parser on the published list and on corrupted copies of it.
#include <vrtc/core/civil.hpp>
#include <vrtc/core/sha1.hpp>
#include <vrtc/roles/leap_table.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string hex(const vrtc::sha1_digest& d) {
  std::string s;
  char b[3];
  for (const auto byte : d) {
    std::snprintf(b, sizeof b, "%02x", byte);
    s += b;
  }
  return s;
}

std::uint64_t posix(std::int64_t y, unsigned m, unsigned d) {
  return static_cast<std::uint64_t>(vrtc::days_from_civil({y, m, d}) * 86400);
}

/// TAI − UTC from each date on, as IERS Bulletin C and the leap-seconds.list publish it.
struct published_step {
  std::int64_t year;
  unsigned month;
  int tai_minus_utc;
};
const std::vector<published_step> history = {
    {1972, 1, 10}, {1972, 7, 11}, {1973, 1, 12}, {1974, 1, 13}, {1975, 1, 14}, {1976, 1, 15}, {1977, 1, 16},
    {1978, 1, 17}, {1979, 1, 18}, {1980, 1, 19}, {1981, 7, 20}, {1982, 7, 21}, {1983, 7, 22}, {1985, 7, 23},
    {1988, 1, 24}, {1990, 1, 25}, {1991, 1, 26}, {1992, 7, 27}, {1993, 7, 28}, {1994, 7, 29}, {1996, 1, 30},
    {1997, 7, 31}, {1999, 1, 32}, {2006, 1, 33}, {2009, 1, 34}, {2012, 7, 35}, {2015, 7, 36}, {2017, 1, 37},
};

// The list as tzdata 2025b published it (expires 28 June 2026), comments shortened.
const std::string list_2025b = R"(#	The following line shows the last update of this file in NTP timestamp:
#
#$	3960835200
#
#	File expires on 28 June 2026
#@	3991593600
#
#NTP Time      DTAI    Day Month Year
#
2272060800      10      # 1 Jan 1972
2287785600      11      # 1 Jul 1972
2303683200      12      # 1 Jan 1973
2335219200      13      # 1 Jan 1974
2366755200      14      # 1 Jan 1975
2398291200      15      # 1 Jan 1976
2429913600      16      # 1 Jan 1977
2461449600      17      # 1 Jan 1978
2492985600      18      # 1 Jan 1979
2524521600      19      # 1 Jan 1980
2571782400      20      # 1 Jul 1981
2603318400      21      # 1 Jul 1982
2634854400      22      # 1 Jul 1983
2698012800      23      # 1 Jul 1985
2776982400      24      # 1 Jan 1988
2840140800      25      # 1 Jan 1990
2871676800      26      # 1 Jan 1991
2918937600      27      # 1 Jul 1992
2950473600      28      # 1 Jul 1993
2982009600      29      # 1 Jul 1994
3029443200      30      # 1 Jan 1996
3076704000      31      # 1 Jul 1997
3124137600      32      # 1 Jan 1999
3345062400      33      # 1 Jan 2006
3439756800      34      # 1 Jan 2009
3550089600      35      # 1 Jul 2012
3644697600      36      # 1 Jul 2015
3692217600      37      # 1 Jan 2017
#
#	A hash code has been generated to be able to verify the integrity
#	of this file.
#
#h	49db2447 571e5e1b 2f002a53 9c8da8e4 39b8e49e
)";

std::string replace(std::string s, std::string_view from, std::string_view to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

/// `text` with its "#h" line replaced by the hash of its data, computed the way the list's
/// publisher does it (#$ digits, #@ digits, then each data line's numbers, no whitespace).
std::string resign(const std::string& text, bool drop_leading_zeros = false) {
  std::string updated, expires, data, out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto digits_of = [](const std::string& s) {
      std::string d;
      for (const char c : s.substr(0, s.find('#', 1)))
        if (c != ' ' && c != '\t') d += c;
      return d;
    };
    if (line.rfind("#$", 0) == 0) updated = digits_of(line.substr(2));
    else if (line.rfind("#@", 0) == 0) expires = digits_of(line.substr(2));
    else if (!line.empty() && line[0] != '#') data += digits_of(line);
    if (line.rfind("#h", 0) != 0) out += line + "\n";
  }
  const std::string h = hex(vrtc::sha1_of(updated + expires + data));
  out += "#h";
  for (std::size_t g = 0; g < 5; ++g) {
    std::string group = h.substr(8 * g, 8);
    while (drop_leading_zeros && group.size() > 1 && group[0] == '0') group.erase(0, 1);
    out += "\t" + group;
  }
  return out + "\n";
}

}  // namespace

TEST_CASE("SHA-1 gives the FIPS 180 example digests") {
  CHECK(hex(vrtc::sha1_of("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex(vrtc::sha1_of("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(hex(vrtc::sha1_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  // One million 'a', fed in uneven pieces: the block boundary must not matter.
  vrtc::sha1 h;
  const std::string piece(999, 'a');
  for (int i = 0; i < 1001; ++i) h.update(piece);
  h.update(std::string(1, 'a'));
  CHECK(hex(h.digest()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // 55 and 56 bytes: the length still fits the last block, or needs one more.
  CHECK(hex(vrtc::sha1_of(std::string(55, 'a'))) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  CHECK(hex(vrtc::sha1_of(std::string(56, 'a'))) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
}

TEST_CASE("SHA-1 is computed at compile time") {
  constexpr auto d = vrtc::sha1_of("abc");
  static_assert(d[0] == 0xa9 && d[1] == 0x99 && d[19] == 0x9d);
  CHECK(d[2] == 0x3e);
}

TEST_CASE("The built-in table gives the published TAI - UTC at every step") {
  const auto& t = vrtc::builtin_leap_table();
  REQUIRE(t.entries().size() == history.size());
  CHECK(posix(1972, 1, 1) == 63'072'000u);
  CHECK(posix(2017, 1, 1) == 1'483'228'800u);
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& h = history[i];
    const std::uint64_t start = posix(h.year, h.month, 1);
    INFO(h.year << "-" << h.month << "-01");
    CHECK(t.tai_minus_utc(start) == vrtc::result<std::int32_t>(h.tai_minus_utc));
    CHECK(t.tai_minus_utc(start + 86400 * 30) == vrtc::result<std::int32_t>(h.tai_minus_utc));
    if (i > 0) {
      CHECK(t.tai_minus_utc(start - 1) == vrtc::result<std::int32_t>(h.tai_minus_utc - 1));
      const auto next = t.next_leap_second(start - 1);
      REQUIRE(next.has_value());
      REQUIRE(next->has_value());
      CHECK(**next == vrtc::leap_second{start, vrtc::leap_sign::positive});
    }
  }
  CHECK(t.tai_minus_utc(posix(2026, 12, 6)) == vrtc::result<std::int32_t>(37));
  const auto none = t.next_leap_second(posix(2017, 1, 1));
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("The built-in table expires when its published list does, and says so") {
  const auto& t = vrtc::builtin_leap_table();
  // The newest published list: "File expires on 28 June 2027", updated 2026-07-06.
  CHECK(t.expires() == posix(2027, 6, 28));
  CHECK(t.updated() == 3'992'312'697u - 2'208'988'800u);
  CHECK(t.tai_minus_utc(posix(2027, 6, 28) - 1) == vrtc::result<std::int32_t>(37));
  CHECK(t.tai_minus_utc(posix(2027, 6, 28)).error() == vrtc::errc::leap_table_expired);
  CHECK(t.next_leap_second(posix(2030, 1, 1)).error() == vrtc::errc::leap_table_expired);
  CHECK(t.indicator_at(posix(2030, 1, 1)).error() == vrtc::errc::leap_table_expired);
  CHECK(t.schedule_at(posix(2030, 1, 1)).error() == vrtc::errc::leap_table_expired);
  // Before 1972 TAI − UTC was not a whole number of seconds: no answer.
  CHECK(t.tai_minus_utc(posix(1971, 12, 31)).error() == vrtc::errc::invalid_argument);
}

TEST_CASE("The leap indicator announces a leap second in its month and reports it the month after") {
  const auto& t = vrtc::builtin_leap_table();
  using li = vrtc::leap_indicator;
  CHECK(t.indicator_at(posix(2016, 12, 1)) == vrtc::result<li>(li::pre_pos));
  CHECK(t.indicator_at(posix(2017, 1, 1) - 1) == vrtc::result<li>(li::pre_pos));
  CHECK(t.indicator_at(posix(2017, 1, 1)) == vrtc::result<li>(li::post_pos));
  CHECK(t.indicator_at(posix(2017, 2, 1) - 1) == vrtc::result<li>(li::post_pos));
  CHECK(t.indicator_at(posix(2017, 2, 1)) == vrtc::result<li>(li::none));
  CHECK(t.indicator_at(posix(2016, 12, 1) - 1) == vrtc::result<li>(li::none));
  CHECK(t.indicator_at(posix(2026, 12, 6)) == vrtc::result<li>(li::none));
  // The first entry (1972-01-01) is where the table begins, not a leap second.
  CHECK(t.indicator_at(posix(1972, 1, 15)) == vrtc::result<li>(li::none));
  CHECK(t.indicator_at(posix(1972, 6, 15)) == vrtc::result<li>(li::pre_pos));

  // A negative leap second (none so far) is announced as one.
  const vrtc::leap_entry entries[] = {{posix(2017, 1, 1), 37}, {posix(2030, 7, 1), 36}};
  const auto neg = vrtc::leap_table::make(entries, posix(2029, 1, 1), posix(2031, 1, 1));
  REQUIRE(neg.has_value());
  CHECK(neg->indicator_at(posix(2030, 6, 30)) == vrtc::result<li>(li::pre_neg));
  CHECK(neg->indicator_at(posix(2030, 7, 2)) == vrtc::result<li>(li::post_neg));
  const auto s = neg->schedule_at(posix(2030, 6, 30));
  REQUIRE(s.has_value());
  CHECK(s->tai_minus_utc == 37);
  CHECK(s->next == vrtc::leap_second{posix(2030, 7, 1), vrtc::leap_sign::negative});
}

TEST_CASE("The published list parses to the published history with its hash verified") {
  const auto t = vrtc::parse_leap_seconds_list(list_2025b);
  REQUIRE(t.has_value());
  REQUIRE(t->entries().size() == history.size());
  for (std::size_t i = 0; i < history.size(); ++i) {
    CHECK(t->entries()[i].start == posix(history[i].year, history[i].month, 1));
    CHECK(t->entries()[i].tai_minus_utc == history[i].tai_minus_utc);
  }
  CHECK(t->expires() == posix(2026, 6, 28));  // "File expires on 28 June 2026"
  CHECK(t->updated() == 3'960'835'200u - 2'208'988'800u);
  // Current in 2025, expired after 2026-06-28.
  CHECK(vrtc::parse_leap_seconds_list(list_2025b, posix(2025, 12, 1)).has_value());
  CHECK(vrtc::parse_leap_seconds_list(list_2025b, posix(2026, 6, 28)).error() == vrtc::errc::leap_table_expired);
  CHECK(vrtc::parse_leap_seconds_list(list_2025b, posix(2026, 12, 6)).error() == vrtc::errc::leap_table_expired);
  // CRLF line ends and a missing final newline change nothing.
  std::string crlf;
  for (const char c : list_2025b) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  CHECK(vrtc::parse_leap_seconds_list(crlf) == t);
  CHECK(vrtc::parse_leap_seconds_list(list_2025b.substr(0, list_2025b.size() - 1)) == t);
  CHECK(vrtc::parse_leap_seconds_list(resign(list_2025b)) == t);
  // Hash groups printed without their leading zeros (as some publishers do) are the same hash:
  // find an update time whose hash has a group with a leading zero.
  int found = 0;
  for (int k = 1; k < 200 && found == 0; ++k) {
    const std::string text = replace(list_2025b, "#$	3960835200", "#$	" + std::to_string(3'960'835'200 + k));
    const std::string padded = resign(text), stripped = resign(text, true);
    if (padded == stripped) continue;
    found = k;
    const auto a = vrtc::parse_leap_seconds_list(padded);
    REQUIRE(a.has_value());
    CHECK(vrtc::parse_leap_seconds_list(stripped) == a);
  }
  CHECK(found != 0);
}

TEST_CASE("The system's leap-seconds.list parses and agrees with the published history") {
  std::ifstream in("/usr/share/zoneinfo/leap-seconds.list");
  if (!in) {
    WARN("no /usr/share/zoneinfo/leap-seconds.list (tzdata) on this machine");
    return;
  }
  std::stringstream s;
  s << in.rdbuf();
  const auto t = vrtc::parse_leap_seconds_list(s.str());
  REQUIRE(t.has_value());
  REQUIRE(t->entries().size() >= history.size());
  for (std::size_t i = 0; i < history.size(); ++i) {
    CHECK(t->entries()[i].start == posix(history[i].year, history[i].month, 1));
    CHECK(t->entries()[i].tai_minus_utc == history[i].tai_minus_utc);
  }
  CHECK(t->expires() > t->entries().back().start);
}

TEST_CASE("A corrupted or truncated list is refused with a named error") {
  using vrtc::errc;
  auto parse_error = [](const std::string& text) { return vrtc::parse_leap_seconds_list(text).error(); };
  // Bad hash.
  CHECK(parse_error(replace(list_2025b, "#h	49db2447", "#h	49db2448")) == errc::bad_leap_hash);
  CHECK(parse_error(replace(list_2025b, "39b8e49e", "39b8e49e 00000000")) == errc::bad_leap_list);
  CHECK(parse_error(replace(list_2025b, "39b8e49e", "")) == errc::bad_leap_list);
  CHECK(parse_error(replace(list_2025b, "49db2447", "149db2447")) == errc::bad_leap_list);
  CHECK(parse_error(replace(list_2025b, "#h	49db2447 571e5e1b 2f002a53 9c8da8e4 39b8e49e\n", "")) ==
        errc::bad_leap_list);
  // Changed data or dates, hash left alone.
  CHECK(parse_error(replace(list_2025b, "3692217600      37", "3692217600      38")) == errc::bad_leap_hash);
  CHECK(parse_error(replace(list_2025b, "#@	3991593600", "#@	4023129600")) == errc::bad_leap_hash);
  CHECK(parse_error(replace(list_2025b, "#$	3960835200", "#$	3960835201")) == errc::bad_leap_hash);
  // Bad expiry, even with a matching hash.
  CHECK(parse_error(resign(replace(list_2025b, "#@	3991593600", "#@	3692217600"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "#@	3991593600", "#@	3991593600 1"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "#@	3991593600", "#@	x"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "#@	3991593600", "#@	3991593600\n#@	3991593600"))) ==
        errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "#@	3991593600", "#@	99999999999999999999"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "#@	3991593600", "#	3991593600"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "#$	3960835200", "#$	3991593600"))) == errc::bad_leap_list);
  // Unsorted, a repeated entry, an offset that jumps, an entry not at the start of a month.
  const std::string swapped = replace(replace(list_2025b, "3644697600      36", "SWAP"), "3692217600      37",
                                      "3644697600      36");
  const std::string unsorted = replace(swapped, "SWAP", "3692217600      37");
  CHECK(parse_error(unsorted) == errc::bad_leap_hash);
  CHECK(parse_error(resign(unsorted)) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "3644697600      37"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "3692217600      38"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "3692304000      37"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "2272060800      10", "2272060800      0"))) == errc::bad_leap_list);
  // Lines that are neither comments nor data.
  CHECK(parse_error(resign(replace(list_2025b, "#NTP Time", "NTP Time"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "3692217600"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "3692217600      37 1"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "3692217600      -37"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "3692217600x     37"))) == errc::bad_leap_list);
  CHECK(parse_error(resign(replace(list_2025b, "3692217600      37", "100      37"))) == errc::bad_leap_list);
  // Truncated: anywhere before the hash line, or a data line lost.
  for (const std::size_t cut : {std::size_t{0}, std::size_t{1}, list_2025b.size() / 4, list_2025b.size() / 2,
                                list_2025b.find("#h") + 2, list_2025b.find("#h") + 30}) {
    INFO("cut at " << cut);
    CHECK(parse_error(list_2025b.substr(0, cut)) == errc::bad_leap_list);
  }
  CHECK(parse_error(replace(list_2025b, "3692217600      37      # 1 Jan 2017\n", "")) == errc::bad_leap_hash);
  // The same list without its last entry, signed as such, is a valid (shorter) list.
  CHECK(vrtc::parse_leap_seconds_list(resign(replace(list_2025b, "3692217600      37      # 1 Jan 2017\n", "")))
            .has_value());
}

TEST_CASE("leap_table::make refuses tables that cannot be right") {
  using vrtc::errc;
  const std::uint64_t y2017 = posix(2017, 1, 1);
  CHECK(vrtc::leap_table::make({}, 0, y2017).error() == errc::bad_leap_list);
  const vrtc::leap_entry one[] = {{y2017, 37}};
  CHECK(vrtc::leap_table::make(one, y2017, y2017).error() == errc::bad_leap_list);        // expires at the entry
  CHECK(vrtc::leap_table::make(one, y2017 + 10, y2017 + 5).error() == errc::bad_leap_list);  // updated after expiry
  CHECK(vrtc::leap_table::make(one, 0, y2017 + 1).has_value());
  const vrtc::leap_entry early[] = {{posix(1971, 1, 1), 9}};
  CHECK(vrtc::leap_table::make(early, 0, y2017).error() == errc::bad_leap_list);
  std::vector<vrtc::leap_entry> many;
  for (std::size_t i = 0; i <= vrtc::leap_table::capacity; ++i)
    many.push_back({posix(1972 + static_cast<std::int64_t>(i), 1, 1), static_cast<std::int32_t>(10 + (i % 2))});
  CHECK(vrtc::leap_table::make(many, 0, posix(2200, 1, 1)).error() == errc::bad_leap_list);
  many.pop_back();
  CHECK(vrtc::leap_table::make(many, 0, posix(2200, 1, 1)).has_value());
}
