// vrtc: a message of any type — std::variant of the requests and of the responses, decoders
// that dispatch on msg_type into them, and the list of every message type for generic code.
// Apart from messages.hpp so that a codec user who knows the message type does not pay for
// <variant> and <tuple>.
#pragma once

#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <variant>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE

// --- the variants and the list -----------------------------------------------------------------

using any_request = std::variant<read_request, read_cross_request, cfg_request, clock_cap_request,
                                 cross_cap_request, read_alarm_request, set_alarm_request,
                                 set_alarm_enabled_request>;
using any_response = std::variant<read_response, read_cross_response, cfg_response, clock_cap_response,
                                  cross_cap_response, read_alarm_response, set_alarm_response,
                                  set_alarm_enabled_response>;

/// Every message type, requests and responses in the spec's order and then NOTIF_ALARM: for
/// generic code that must cover them all (tests, fuzzers, tools), e.g. with std::apply.
using all_messages =
    std::tuple<read_request, read_response, read_cross_request, read_cross_response, cfg_request, cfg_response,
               clock_cap_request, clock_cap_response, cross_cap_request, cross_cap_response, read_alarm_request,
               read_alarm_response, set_alarm_request, set_alarm_response, set_alarm_enabled_request,
               set_alarm_enabled_response, notif_alarm>;

// --- decoding and encoding any message ---------------------------------------------------------
//
// decode_request and decode_response are templates only so that a translation unit that does
// not call them does not instantiate every message's decoder and the variants' constructors
// (a tenth of a second of the umbrella's compile time). `Bytes` is not deduced: callers
// write decode_request(bytes) as for a plain function, and &decode_request<> names it.

/// Decodes any request, dispatching on its msg_type. A msg_type that is not a request
/// (including NOTIF_ALARM, which belongs on alarmq) gives unknown_msg_type: a device answers it
/// with S_EOPNOTSUPP, and too_short with S_EINVAL (5.23.6.2).
template <class Bytes = std::span<const std::byte>>
[[nodiscard]] constexpr result<any_request> decode_request(std::type_identity_t<Bytes> in) noexcept {
  const auto t = peek_msg_type(in);
  if (!t) return t.error();
  return visit_request(
      *t,
      [&]<class M>(std::type_identity<M>) -> result<any_request> {
        auto m = decode<M>(in);
        if (!m) return m.error();
        return any_request{*m};
      },
      []() -> result<any_request> { return errc::unknown_msg_type; });
}

/// Decodes the response to a request of type `request_type` (responses carry no msg_type).
/// A request_type that names no request gives unknown_msg_type.
template <class Bytes = std::span<const std::byte>>
[[nodiscard]] constexpr result<any_response> decode_response(msg_type request_type,
                                                             std::type_identity_t<Bytes> in) noexcept {
  return visit_request(
      request_type,
      [&]<class Req>(std::type_identity<Req>) -> result<any_response> {
        auto m = decode<typename Req::response_type>(in);
        if (!m) return m.error();
        return any_response{*m};
      },
      []() -> result<any_response> { return errc::unknown_msg_type; });
}

/// msg_type of whichever message v holds.
template <class... M>
[[nodiscard]] constexpr msg_type msg_type_of(const std::variant<M...>& v) noexcept {
  return std::visit([](const auto& m) { return std::remove_cvref_t<decltype(m)>::msg_type; }, v);
}

/// Encodes whichever message v holds into out (see encode(const M&, std::span<std::byte>)).
template <class... M>
[[nodiscard]] constexpr result<std::size_t> encode(const std::variant<M...>& v,
                                                  std::span<std::byte> out) noexcept {
  return std::visit([&](const auto& m) { return encode(m, out); }, v);
}

VRTC_END_NAMESPACE
