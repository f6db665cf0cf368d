// vmclock: fmt (9 or later) formatters for the ABI enums, a page snapshot, a clock reading and a sample.
// Part of the vrtc::fmt target only, so the core never depends on fmt.
//
//   fmt::format("{}", vrtc::vmclock::clock_status::synchronized)  -> "SYNCHRONIZED"
//   fmt::format("{}", reading)  -> "1704067201.499999999 TAI SYNCHRONIZED max_error=50000ns ..."
// Enum values the ABI does not define print as their number in parentheses, e.g. "(7)".
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "vmclock/abi.hpp"
#include "vmclock/reader.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock::detail {

/// The formatter shared by the five ABI enums: the spec name, else the number.
template <class Enum>
struct enum_formatter : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(Enum v, FormatContext& ctx) const -> decltype(ctx.out()) {
    if (const char* n = name(v)) return fmt::formatter<std::string_view>::format(n, ctx);
    const auto text = fmt::format("({})", static_cast<unsigned>(v));
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};

template <class Out>
Out format_optional_ns(Out out, std::string_view key, const std::optional<std::uint64_t>& v) {
  if (v) return fmt::format_to(out, " {}={}ns", key, *v);
  return fmt::format_to(out, " {}=none", key);
}

}  // namespace vmclock::detail
VRTC_END_NAMESPACE

template <>
struct fmt::formatter<vrtc::vmclock::counter_id> : vrtc::vmclock::detail::enum_formatter<vrtc::vmclock::counter_id> {};
template <>
struct fmt::formatter<vrtc::vmclock::time_type> : vrtc::vmclock::detail::enum_formatter<vrtc::vmclock::time_type> {};
template <>
struct fmt::formatter<vrtc::vmclock::clock_status>
    : vrtc::vmclock::detail::enum_formatter<vrtc::vmclock::clock_status> {};
template <>
struct fmt::formatter<vrtc::vmclock::smearing_hint>
    : vrtc::vmclock::detail::enum_formatter<vrtc::vmclock::smearing_hint> {};
template <>
struct fmt::formatter<vrtc::vmclock::leap_indicator>
    : vrtc::vmclock::detail::enum_formatter<vrtc::vmclock::leap_indicator> {};

/// Every field on one line, with the Linux header's field names (vm_generation_counter only
/// when the page has one), in the order and display of vmclock::page_fields.
template <>
struct fmt::formatter<vrtc::vmclock::page_data> {
  constexpr auto parse(format_parse_context& ctx) -> decltype(ctx.begin()) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const vrtc::vmclock::page_data& p, FormatContext& ctx) const -> decltype(ctx.out()) {
    namespace vmc = vrtc::vmclock;
    auto out = ctx.out();
    bool first = true;
    vmc::page_fields::for_each([&](auto f) {
      using field = decltype(f);
      if constexpr (field::layout.offset == vmc::layout_of<&vmc::page_data::vm_generation_counter>.offset)
        if (!p.has_vm_generation_counter()) return;
      const auto& v = p.*field::member;
      const char* sep = first ? "" : " ";
      first = false;
      if constexpr (field::display == vmc::field_display::hex)
        out = fmt::format_to(out, "{}{}={:#x}", sep, field::name, v);
      else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, std::uint8_t>)
        out = fmt::format_to(out, "{}{}={}", sep, field::name, unsigned{v});
      else
        out = fmt::format_to(out, "{}{}={}", sep, field::name, v);
    });
    return out;
  }
};

/// "<sec>.<nanoseconds> <time type> <status>" followed by UTC/TAI, error bounds and markers.
template <>
struct fmt::formatter<vrtc::vmclock::clock_reading> {
  constexpr auto parse(format_parse_context& ctx) -> decltype(ctx.begin()) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const vrtc::vmclock::clock_reading& r, FormatContext& ctx) const -> decltype(ctx.out()) {
    auto out = fmt::format_to(ctx.out(), "{}.{:09} {} {}", r.time.sec, r.nanoseconds, r.time_type, r.clock_status);
    if (r.utc_sec) out = fmt::format_to(out, " utc_sec={}", *r.utc_sec);
    if (r.tai_sec) out = fmt::format_to(out, " tai_sec={}", *r.tai_sec);
    out = vrtc::vmclock::detail::format_optional_ns(out, "est_error", r.est_error_ns);
    out = vrtc::vmclock::detail::format_optional_ns(out, "max_error", r.max_error_ns);
    out = fmt::format_to(out, " leap={} counter={} disruption_marker={}", r.leap_indicator, r.counter,
                         r.disruption_marker);
    if (r.vm_generation_counter) out = fmt::format_to(out, " vm_generation_counter={}", *r.vm_generation_counter);
    return out;
  }
};

/// A sample prints as its reading (every derived value computed).
template <>
struct fmt::formatter<vrtc::vmclock::clock_sample> : fmt::formatter<vrtc::vmclock::clock_reading> {
  template <class FormatContext>
  auto format(const vrtc::vmclock::clock_sample& s, FormatContext& ctx) const -> decltype(ctx.out()) {
    return fmt::formatter<vrtc::vmclock::clock_reading>::format(s.reading(), ctx);
  }
};
