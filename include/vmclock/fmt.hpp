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

/// Every field on one line, with the Linux header's field names.
template <>
struct fmt::formatter<vrtc::vmclock::page_data> {
  constexpr auto parse(format_parse_context& ctx) -> decltype(ctx.begin()) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const vrtc::vmclock::page_data& p, FormatContext& ctx) const -> decltype(ctx.out()) {
    auto out = fmt::format_to(ctx.out(), "magic={:#x} size={} version={} counter_id={} time_type={} seq_count={} ",
                              p.magic, p.size, p.version, p.counter_id, p.time_type, p.seq_count);
    out = fmt::format_to(out, "disruption_marker={} flags={:#x} clock_status={} leap_second_smearing_hint={} ",
                         p.disruption_marker, p.flags, p.clock_status, p.leap_second_smearing_hint);
    out = fmt::format_to(out, "tai_offset_sec={} leap_indicator={} counter_period_shift={} counter_value={} ",
                         p.tai_offset_sec, p.leap_indicator, unsigned{p.counter_period_shift}, p.counter_value);
    out = fmt::format_to(out,
                         "counter_period_frac_sec={:#x} counter_period_esterror_rate_frac_sec={:#x} "
                         "counter_period_maxerror_rate_frac_sec={:#x} ",
                         p.counter_period_frac_sec, p.counter_period_esterror_rate_frac_sec,
                         p.counter_period_maxerror_rate_frac_sec);
    out = fmt::format_to(out, "time_sec={} time_frac_sec={:#x} time_esterror_nanosec={} time_maxerror_nanosec={}",
                         p.time_sec, p.time_frac_sec, p.time_esterror_nanosec, p.time_maxerror_nanosec);
    if (p.has_vm_generation_counter()) out = fmt::format_to(out, " vm_generation_counter={}", p.vm_generation_counter);
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
