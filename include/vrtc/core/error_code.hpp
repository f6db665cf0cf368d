// vrtc: std::error_code interop for errc: the "vrtc" error category, make_error_code(errc) and
// std::is_error_code_enum<errc>. Its own header because <string> and <system_error> cost more
// to compile than the whole codec; include it where an errc becomes a std::error_code.
#pragma once

#include <string>
#include <system_error>
#include <type_traits>

#include "vrtc/core/config.hpp"
#include "vrtc/core/errc.hpp"

VRTC_BEGIN_NAMESPACE

namespace detail {

/// The std::error_category of errc: name "vrtc", messages from to_string, and the portable
/// std::errc condition where one means the same (so `ec == std::errc::permission_denied` holds).
class errc_category final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "vrtc"; }
  [[nodiscard]] std::string message(int value) const override {
    return to_string(static_cast<errc>(value));
  }
  [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::overflow: return std::make_error_condition(std::errc::value_too_large);
      case errc::invalid_argument: return std::make_error_condition(std::errc::invalid_argument);
      case errc::timed_out: return std::make_error_condition(std::errc::timed_out);
      case errc::not_found: return std::make_error_condition(std::errc::no_such_file_or_directory);
      case errc::permission_denied: return std::make_error_condition(std::errc::permission_denied);
      case errc::io_error: return std::make_error_condition(std::errc::io_error);
      case errc::not_supported: return std::make_error_condition(std::errc::not_supported);
      default: return {value, *this};
    }
  }
};

}  // namespace detail

/// The category of every std::error_code made from an errc (one object per program).
[[nodiscard]] inline const std::error_category& error_category() noexcept {
  static const detail::errc_category category;
  return category;
}

/// An errc as a std::error_code; found by argument-dependent lookup, so `std::error_code ec =
/// errc::too_short;` works too.
[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

VRTC_END_NAMESPACE

namespace std {
template <>
struct is_error_code_enum<vrtc::errc> : true_type {};
}  // namespace std
