// Fuzz target for the leap-seconds.list parser (leap_table.hpp) and SHA-1 (sha1.hpp).
//
// Input: byte 0 holds flags, the rest is the list's text. With flag bit 0 the target replaces
// any "#h" line by the hash of the text's own data, so that mutated lists get past the hash
// check and reach the table's validation. Checked:
//   - a failure is bad_leap_list or bad_leap_hash, nothing else;
//   - a parsed table is sorted, at month starts, moves by one second per entry, expires after
//     its last entry, answers each entry's offset at its start and the previous one just
//     before it, is current one second before its expiry and expired at it;
//   - SHA-1 fed in two pieces at any split equals SHA-1 in one call.
#include <vrtc/core/civil.hpp>
#include <vrtc/core/sha1.hpp>
#include <vrtc/roles/leap_table.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"

namespace {

using vrtc_fuzz::require;

/// The digits of `s` up to a '#' after its first character, without blanks; empty if anything
/// else is in it.
std::string digits_of(std::string_view s) {
  std::string d;
  const auto hash = s.find('#', 1);
  for (const char c : s.substr(0, hash)) {
    if (c >= '0' && c <= '9') d += c;
    else if (c != ' ' && c != '\t' && c != '\r') return {};
  }
  return d;
}

/// `text` with its "#h" lines replaced by the hash its data has (as the publisher computes it).
std::string resigned(std::string_view text) {
  std::string updated, expires, data, out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.substr(0, 2) == "#$") updated = digits_of(line.substr(2));
    else if (line.substr(0, 2) == "#@") expires = digits_of(line.substr(2));
    else if (!line.empty() && line[0] != '#') data += digits_of(line);
    if (line.substr(0, 2) != "#h") {
      out += line;
      out += '\n';
    }
  }
  const auto h = vrtc::sha1_of(updated + expires + data);
  static constexpr char hex[] = "0123456789abcdef";
  out += "#h";
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (i % 4 == 0) out += ' ';
    out += hex[h[i] >> 4];
    out += hex[h[i] & 15];
  }
  out += '\n';
  return out;
}

void check_table(const vrtc::leap_table& t) {
  const auto e = t.entries();
  require(!e.empty() && e.size() <= vrtc::leap_table::capacity);
  require(t.expires() > e.back().start && t.updated() < t.expires());
  for (std::size_t i = 0; i < e.size(); ++i) {
    require(e[i].start >= vrtc::leap_table_epoch && e[i].start % 86400 == 0);
    require(vrtc::from_unix_seconds(static_cast<std::int64_t>(e[i].start)).date.day == 1);
    require(e[i].tai_minus_utc >= 1 && e[i].tai_minus_utc <= 1000);
    require(t.tai_minus_utc(e[i].start) == vrtc::result<std::int32_t>(e[i].tai_minus_utc));
    if (i == 0) {
      require(t.tai_minus_utc(e[i].start - 1) == vrtc::errc::invalid_argument);
      continue;
    }
    require(e[i].start > e[i - 1].start);
    require(e[i].tai_minus_utc - e[i - 1].tai_minus_utc == 1 || e[i].tai_minus_utc - e[i - 1].tai_minus_utc == -1);
    require(t.tai_minus_utc(e[i].start - 1) == vrtc::result<std::int32_t>(e[i - 1].tai_minus_utc));
    const auto next = t.next_leap_second(e[i].start - 1);
    require(next.has_value() && next->has_value() && (*next)->end_of_day == e[i].start);
    const auto ind = t.indicator_at(e[i].start - 1);
    require(ind.has_value() && vrtc::leap_second_due_this_month(*ind));
    const auto after = t.indicator_at(e[i].start);
    require(after.has_value() && vrtc::leap_second_just_passed(*after));
    require(t.schedule_at(e[i].start - 1).has_value());
  }
  require(t.tai_minus_utc(t.expires() - 1) == vrtc::result<std::int32_t>(e.back().tai_minus_utc));
  require(t.tai_minus_utc(t.expires()) == vrtc::errc::leap_table_expired);
  require(t.indicator_at(t.expires()) == vrtc::errc::leap_table_expired);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned flags = data[0];
  const std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string text = (flags & 1u) != 0 ? resigned(raw) : std::string(raw);

  const auto t = vrtc::parse_leap_seconds_list(text);
  if (!t) {
    require(t.error() == vrtc::errc::bad_leap_list || t.error() == vrtc::errc::bad_leap_hash);
  } else {
    check_table(*t);
    require(vrtc::parse_leap_seconds_list(text, t->expires() - 1) == t);
    require(vrtc::parse_leap_seconds_list(text, t->expires()) == vrtc::errc::leap_table_expired);
  }

  const std::size_t split = size > 1 ? data[1] % (raw.size() + 1) : 0;
  vrtc::sha1 h;
  h.update(raw.substr(0, split));
  h.update(raw.substr(split));
  require(h.digest() == vrtc::sha1_of(raw));
  return 0;
}
