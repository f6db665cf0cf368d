// JSON for the command-line tools, on nlohmann-json: values in insertion order, integers kept
// as exact 64-bit integers (never doubles), and one-line output with ", " and ": " between
// members. Not part of the library.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vrtc_tools {

using json = nlohmann::ordered_json;

namespace detail {

inline void append_line(std::string& out, const json& j) {
  if (j.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : j.items()) {
      out += first ? "" : ", ";
      first = false;
      append_line(out, json(key));
      out += ": ";
      append_line(out, value);
    }
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& value : j) {
      out += first ? "" : ", ";
      first = false;
      append_line(out, value);
    }
    out += ']';
  } else {
    // Bytes that are not UTF-8 (a path, say) become U+FFFD instead of an exception.
    out += j.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace detail

/// `j` on one line: {"a": 1, "b": [true, "x"]}; integers exactly as stored.
[[nodiscard]] inline std::string to_line(const json& j) {
  std::string out;
  detail::append_line(out, j);
  return out;
}

/// A parse error in words, without nlohmann's "[json.exception.parse_error.N] " tag.
[[nodiscard]] inline std::string parse_error_text(const json::parse_error& e) {
  const std::string what = e.what();
  const auto tag_end = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos ? what.substr(tag_end + 2) : what;
}

/// Builds a one-line object in insertion order. add() takes integers as integers, so a value
/// above 2^53 prints exactly.
class json_object {
 public:
  json_object& add(std::string_view key, std::uint64_t v) { return set(key, json(v)); }
  json_object& add(std::string_view key, std::int64_t v) { return set(key, json(v)); }
  json_object& add(std::string_view key, unsigned v) { return add(key, std::uint64_t{v}); }
  json_object& add(std::string_view key, int v) { return add(key, std::int64_t{v}); }
  json_object& add(std::string_view key, bool v) { return set(key, json(v)); }
  json_object& add(std::string_view key, std::string_view v) { return set(key, json(std::string(v))); }
  json_object& add(std::string_view key, const char* v) { return add(key, std::string_view(v)); }
  json_object& add(std::string_view key, const json_object& v) { return set(key, v.value()); }
  json_object& add_null(std::string_view key) { return set(key, json(nullptr)); }
  /// Adds any JSON value (an array, say).
  json_object& set(std::string_view key, json v) {
    j_[std::string(key)] = std::move(v);
    return *this;
  }
  [[nodiscard]] const json& value() const noexcept { return j_; }
  [[nodiscard]] std::string str() const { return to_line(j_); }

 private:
  json j_ = json::object();
};

/// The unsigned integer value of `key` in `obj` if present, an integer, and within [0, max].
[[nodiscard]] inline std::optional<std::uint64_t> json_uint(const json& obj, std::string_view key,
                                                            std::uint64_t max = UINT64_MAX) {
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v <= max) return v;
  } else if (it->is_number_integer() && it->get<std::int64_t>() == 0) {
    return 0;
  }
  return std::nullopt;
}

}  // namespace vrtc_tools
