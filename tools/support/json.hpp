// Minimal JSON for the command-line tools: a one-line object writer, and a parser for flat
// objects whose values are strings, exact integers, booleans or null. Not part of the library.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace vrtc_tools {

/// Escapes a string for use inside JSON quotes.
inline std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(static_cast<unsigned char>(c) >> 4) & 0xf];
          out += hex[static_cast<unsigned char>(c) & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out;
}

/// Builds `{"a": 1, "b": "x"}` in insertion order; integers are printed exactly.
class json_object {
 public:
  json_object& add(std::string_view key, std::uint64_t v) { return raw(key, std::to_string(v)); }
  json_object& add(std::string_view key, std::int64_t v) { return raw(key, std::to_string(v)); }
  json_object& add(std::string_view key, unsigned v) { return add(key, std::uint64_t{v}); }
  json_object& add(std::string_view key, int v) { return add(key, std::int64_t{v}); }
  json_object& add(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  json_object& add(std::string_view key, std::string_view v) { return raw(key, '"' + json_escape(v) + '"'); }
  json_object& add(std::string_view key, const char* v) { return add(key, std::string_view(v)); }
  json_object& add_null(std::string_view key) { return raw(key, "null"); }
  /// Adds an already-serialised JSON value (a nested object, say).
  json_object& raw(std::string_view key, std::string_view json) {
    body_ += body_.empty() ? "" : ", ";
    body_ += '"' + json_escape(key) + "\": ";
    body_ += json;
    return *this;
  }
  [[nodiscard]] std::string str() const { return '{' + body_ + '}'; }

 private:
  std::string body_;
};

/// An integer exactly as written: sign and magnitude (covers the whole u64 and i64 ranges).
struct json_integer {
  bool negative = false;
  std::uint64_t magnitude = 0;
};
struct json_null {};
using json_value = std::variant<json_null, bool, json_integer, std::string>;

struct json_parse_result {
  std::map<std::string, json_value, std::less<>> members;
  std::string error;  ///< empty on success
};

namespace detail {

class flat_parser {
 public:
  explicit flat_parser(std::string_view text) : s_(text) {}

  json_parse_result parse() {
    json_parse_result r;
    skip_ws();
    if (!eat('{')) return fail(r, "expected '{'");
    skip_ws();
    if (!eat('}')) {
      for (;;) {
        skip_ws();
        std::string key;
        if (!string_value(key)) return fail(r, error_.empty() ? "expected a string key" : error_);
        skip_ws();
        if (!eat(':')) return fail(r, "expected ':' after key \"" + key + "\"");
        skip_ws();
        json_value v;
        if (!value(v)) return fail(r, error_.empty() ? "bad value for key \"" + key + "\"" : error_);
        if (!r.members.emplace(key, std::move(v)).second) return fail(r, "duplicate key \"" + key + "\"");
        skip_ws();
        if (eat(',')) continue;
        if (eat('}')) break;
        return fail(r, "expected ',' or '}'");
      }
    }
    skip_ws();
    if (pos_ != s_.size()) return fail(r, "trailing characters after the object");
    return r;
  }

 private:
  static json_parse_result& fail(json_parse_result& r, std::string why) {
    r.members.clear();
    r.error = std::move(why);
    return r;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool string_value(std::string& out) {
    if (!eat('"')) return false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        default: return error("unsupported escape in string");
      }
    }
    return error("unterminated string");
  }
  bool value(json_value& out) {
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '"') {
      std::string str;
      if (!string_value(str)) return false;
      out = std::move(str);
      return true;
    }
    if (literal("true")) return out = true, true;
    if (literal("false")) return out = false, true;
    if (literal("null")) return out = json_null{}, true;
    json_integer n;
    n.negative = eat('-');
    if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') return error("expected a value");
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9')
      return error("leading zero in number");
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(s_[pos_++] - '0');
      if (n.magnitude > (UINT64_MAX - digit) / 10) return error("integer out of range");
      n.magnitude = n.magnitude * 10 + digit;
    }
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'))
      return error("only integers are accepted");
    out = n;
    return true;
  }
  bool error(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace detail

/// Parses one flat JSON object. On failure, `error` says why and `members` is empty.
inline json_parse_result parse_flat_json_object(std::string_view text) { return detail::flat_parser(text).parse(); }

/// The unsigned integer value of `key` if present and within [0, max].
inline std::optional<std::uint64_t> json_uint(const json_parse_result& obj, std::string_view key,
                                              std::uint64_t max = UINT64_MAX) {
  const auto it = obj.members.find(key);
  if (it == obj.members.end()) return std::nullopt;
  const auto* n = std::get_if<json_integer>(&it->second);
  if (n == nullptr || (n->negative && n->magnitude != 0) || n->magnitude > max) return std::nullopt;
  return n->magnitude;
}

}  // namespace vrtc_tools
