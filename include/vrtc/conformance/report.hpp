// vrtc conformance: the outcome of a set of checks against an implementation under test.
//
// One check_result per check, named after the spec requirement it tests
// ("5.23.6.2/unknown-msg-type-eopnotsupp": section number, slash, short id). A report is the
// ordered list of results plus counts. Printing (text, JSON, JUnit XML) belongs to the tools;
// the functions here only give the pieces every printer needs (hex of bytes, JSON escaping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

enum class verdict : std::uint8_t {
  pass,            ///< the implementation behaved as the requirement demands
  fail,            ///< it did not; the result's fields say what was sent, seen and expected
  not_applicable,  ///< the check could not run (feature absent, hook missing); detail says why
};

[[nodiscard]] constexpr const char* to_string(verdict v) noexcept {
  switch (v) {
    case verdict::pass: return "pass";
    case verdict::fail: return "fail";
    case verdict::not_applicable: return "not applicable";
  }
  return "unknown";
}

/// One check's outcome. `request` and `response` are lowercase hex with a space between bytes
/// (empty when the check sent nothing or nothing came back); `expected` says what a conforming
/// implementation would have done; `detail` is free text (the reason for not_applicable, or
/// what was observed).
struct check_result {
  std::string id;       ///< "<section>/<short-id>", unique within a suite
  std::string section;  ///< spec section number, e.g. "5.23.6.2"
  std::string title;    ///< one-line description of the requirement
  verdict outcome = verdict::pass;
  std::string request;
  std::string response;
  std::string expected;
  std::string detail;
};

/// The results of one run, in the order the checks ran.
struct report {
  std::vector<check_result> results;

  [[nodiscard]] std::size_t count(verdict v) const noexcept {
    std::size_t n = 0;
    for (const auto& r : results) n += r.outcome == v ? 1u : 0u;
    return n;
  }
  [[nodiscard]] std::size_t passed() const noexcept { return count(verdict::pass); }
  [[nodiscard]] std::size_t failed() const noexcept { return count(verdict::fail); }
  [[nodiscard]] std::size_t not_applicable() const noexcept { return count(verdict::not_applicable); }

  /// True when no applicable check failed (the runner's exit status 0).
  [[nodiscard]] bool ok() const noexcept { return failed() == 0; }

  /// The ids of the failed checks, in run order.
  [[nodiscard]] std::vector<std::string> failed_ids() const {
    std::vector<std::string> ids;
    for (const auto& r : results)
      if (r.outcome == verdict::fail) ids.push_back(r.id);
    return ids;
  }

  /// The result with this id, or nullptr.
  [[nodiscard]] const check_result* find(std::string_view id) const noexcept {
    for (const auto& r : results)
      if (r.id == id) return &r;
    return nullptr;
  }
};

/// "00 10 00 00" for bytes {0x00, 0x10, 0x00, 0x00}.
[[nodiscard]] inline std::string to_hex(std::span<const std::byte> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) s.push_back(' ');
    const auto b = std::to_integer<unsigned>(bytes[i]);
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 0xFu]);
  }
  return s;
}

/// `text` as the inside of a JSON string: quote, backslash and control characters escaped.
/// Bytes >= 0x80 are passed through (the reports are ASCII; UTF-8 stays UTF-8).
[[nodiscard]] inline std::string json_escape(std::string_view text) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': s += "\\\""; break;
      case '\\': s += "\\\\"; break;
      case '\n': s += "\\n"; break;
      case '\r': s += "\\r"; break;
      case '\t': s += "\\t"; break;
      default:
        if (u < 0x20) {
          s += "\\u00";
          s.push_back(digits[u >> 4]);
          s.push_back(digits[u & 0xFu]);
        } else {
          s.push_back(c);
        }
    }
  }
  return s;
}

}  // namespace conformance
VRTC_END_NAMESPACE
