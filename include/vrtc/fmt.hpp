// vrtc: fmt formatters for the virtio-rtc protocol enums, messages and errc (target vrtc::fmt).
//
//   fmt::format("{}", vrtc::status::enodev)              -> "ENODEV"
//   fmt::format("{:>12}", vrtc::clock_type::tai)         -> "         TAI"
//   fmt::format("{}", vrtc::read_response{.clock_reading = 5})
//                                                        -> "READ resp {status: OK, clock_reading: 5}"
//
// Enums print the spec's name; a value without one prints as e.g. "unknown(0x07)" or
// "implementation-specific(0xf3)", so every wire value is printable. Enum formatters accept
// the string format specification (width, fill, alignment). Messages print their type,
// direction and every field; flags in hex, since they are bit sets; an error response prints
// only its status, because its other fields are undefined.
//
// Written for fmt 9 (explicit formatter specialisations with a const format()).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <variant>

#include "vrtc/core/result.hpp"
#include "vrtc/format/any_message.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE
namespace detail {

/// The name of an enum value, or "<what>(0x..)" for a value the spec does not name.
template <class E>
std::string_view enum_name(E value, fmt::memory_buffer& scratch) {
  const std::string_view name = to_string(value);
  if (name != "unknown" && name != "implementation-specific") return name;
  const auto raw = static_cast<std::underlying_type_t<E>>(value);
  fmt::format_to(std::back_inserter(scratch), "{}(0x{:0{}x})", name, raw, 2 * sizeof(raw));
  return {scratch.data(), scratch.size()};
}

template <class OutputIt, class M>
OutputIt format_message(const M& m, OutputIt out) {
  const char* dir = M::kind == message_kind::request ? " req" : M::kind == message_kind::response ? " resp" : "";
  out = fmt::format_to(out, "{}{} {{", to_string(M::msg_type), dir);
  bool first = true;
  bool header_only = false;
  if constexpr (M::kind == message_kind::response) header_only = m.status != status::ok;
  for_each_field(m, [&](const char* name, const auto& value) {
    using T = std::remove_cvref_t<decltype(value)>;
    if (header_only && std::string_view(name) != "status") return;
    out = fmt::format_to(out, "{}{}: ", first ? "" : ", ", name);
    first = false;
    if constexpr (std::is_enum_v<T>) {
      fmt::memory_buffer scratch;
      out = fmt::format_to(out, "{}", enum_name(value, scratch));
    } else if (std::string_view(name) == "flags") {
      out = fmt::format_to(out, "{:#04x}", value);
    } else {
      out = fmt::format_to(out, "{}", value);
    }
  });
  return fmt::format_to(out, "}}");
}

}  // namespace detail
VRTC_END_NAMESPACE

/// The protocol enums (and errc) format as their names, with the string format specification.
#define VRTC_DETAIL_ENUM_FORMATTER(E)                                          \
  template <>                                                                  \
  struct fmt::formatter<E> : fmt::formatter<fmt::string_view> {                \
    template <class FormatContext>                                             \
    auto format(E value, FormatContext& ctx) const -> decltype(ctx.out()) {    \
      fmt::memory_buffer scratch;                                              \
      const std::string_view name = vrtc::detail::enum_name(value, scratch);   \
      return fmt::formatter<fmt::string_view>::format({name.data(), name.size()}, ctx); \
    }                                                                          \
  };

VRTC_DETAIL_ENUM_FORMATTER(vrtc::msg_type)
VRTC_DETAIL_ENUM_FORMATTER(vrtc::status)
VRTC_DETAIL_ENUM_FORMATTER(vrtc::clock_type)
VRTC_DETAIL_ENUM_FORMATTER(vrtc::smearing)
VRTC_DETAIL_ENUM_FORMATTER(vrtc::hw_counter)
#undef VRTC_DETAIL_ENUM_FORMATTER

/// errc formats as its to_string() text.
template <>
struct fmt::formatter<vrtc::errc> : fmt::formatter<fmt::string_view> {
  template <class FormatContext>
  auto format(vrtc::errc e, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<fmt::string_view>::format(vrtc::to_string(e), ctx);
  }
};

/// Every message type: "NAME dir {field: value, ...}". Takes no format specification.
template <class M>
struct fmt::formatter<M, char, std::enable_if_t<vrtc::message<M>>> {
  constexpr auto parse(fmt::format_parse_context& ctx) -> decltype(ctx.begin()) {
    const auto it = ctx.begin();
    if (it != ctx.end() && *it != '}') ctx.on_error("a virtio-rtc message takes no format specification");
    return it;
  }
  template <class FormatContext>
  auto format(const M& m, FormatContext& ctx) const -> decltype(ctx.out()) {
    return vrtc::detail::format_message(m, ctx.out());
  }
};

/// any_request and any_response: whichever message they hold.
template <>
struct fmt::formatter<vrtc::any_request> : fmt::formatter<vrtc::read_request> {
  template <class FormatContext>
  auto format(const vrtc::any_request& v, FormatContext& ctx) const -> decltype(ctx.out()) {
    return std::visit([&](const auto& m) { return vrtc::detail::format_message(m, ctx.out()); }, v);
  }
};
template <>
struct fmt::formatter<vrtc::any_response> : fmt::formatter<vrtc::read_request> {
  template <class FormatContext>
  auto format(const vrtc::any_response& v, FormatContext& ctx) const -> decltype(ctx.out()) {
    return std::visit([&](const auto& m) { return vrtc::detail::format_message(m, ctx.out()); }, v);
  }
};
