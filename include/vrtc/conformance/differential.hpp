// vrtc conformance: differential testing of two devices on the same inputs.
//
// compare_request() hands one requestq element to two devices (see device_under_test) and
// reports the first difference in used length or writable bytes; clock readings and counter
// values can be excluded, since two devices' clocks legitimately differ. run_differential()
// interprets fuzzer bytes as a script of requests, time steps, clock steps, alarmq buffers and
// resets, and stops at the first difference: call it from a fuzz target with this library's
// reference_device as one side and the device under test as the other.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vrtc/conformance/device_suite.hpp"
#include "vrtc/conformance/report.hpp"
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

struct differential_options {
  /// Ignore clock_reading (READ, READ_CROSS) and counter_cycles (READ_CROSS) of OK responses.
  bool ignore_readings = true;
};

/// The first point where two devices disagree.
struct difference {
  std::string what;      ///< e.g. "used length 8 vs 16"
  std::string input;     ///< the request (hex), or a description of the alarmq buffer
  std::string a_output;  ///< device a's writable bytes (hex)
  std::string b_output;  ///< device b's writable bytes (hex)
};

namespace detail {

/// Bytes of an OK response that hold readings: [8, 16) for READ, [8, 24) for READ_CROSS.
[[nodiscard]] constexpr std::size_t reading_end(std::span<const std::byte> request,
                                                std::span<const std::byte> response) noexcept {
  if (request.size() < 2 || response.empty() || response[0] != std::byte{0}) return 0;
  switch (static_cast<msg_type>(load_le<std::uint16_t>(request, 0))) {
    case msg_type::read: return 16;
    case msg_type::read_cross: return 24;
    default: return 0;
  }
}

[[nodiscard]] inline std::optional<difference> compare_buffers(std::size_t used_a, std::span<const std::byte> a,
                                                               std::size_t used_b, std::span<const std::byte> b,
                                                               std::size_t masked_end, std::string input) {
  if (used_a != used_b)
    return difference{"used length " + std::to_string(used_a) + " vs " + std::to_string(used_b), std::move(input),
                      to_hex(a), to_hex(b)};
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i >= 8 && i < masked_end) continue;
    if (a[i] != b[i])
      return difference{"byte " + std::to_string(i) + " differs", std::move(input), to_hex(a), to_hex(b)};
  }
  return std::nullopt;
}

}  // namespace detail

/// One requestq element for both devices (each gets a writable part of `writable` bytes,
/// filled with 0xa5). Returns the difference, if any.
[[nodiscard]] inline std::optional<difference> compare_request(const device_under_test& a, const device_under_test& b,
                                                               std::span<const std::byte> readable,
                                                               std::size_t writable,
                                                               const differential_options& options = {}) {
  std::vector<std::byte> wa(writable, detail::marker);
  std::vector<std::byte> wb(writable, detail::marker);
  const std::size_t ua = a.handle(readable, wa);
  const std::size_t ub = b.handle(readable, wb);
  const std::size_t masked =
      options.ignore_readings ? std::min(detail::reading_end(readable, wa), detail::reading_end(readable, wb)) : 0;
  return detail::compare_buffers(ua, wa, ub, wb, masked, to_hex(readable));
}

/// One alarmq buffer of `size` bytes for both devices (which need the alarmq hook).
[[nodiscard]] inline std::optional<difference> compare_notification(const device_under_test& a,
                                                                    const device_under_test& b, std::size_t size) {
  std::vector<std::byte> na(size, detail::marker);
  std::vector<std::byte> nb(size, detail::marker);
  const std::size_t ua = a.alarmq(na);
  const std::size_t ub = b.alarmq(nb);
  return detail::compare_buffers(ua, na, ub, nb, 0, "alarmq buffer of " + std::to_string(size) + " bytes");
}

/// Interprets `script` as commands for both devices and returns the first difference. Each
/// command starts with a byte whose value modulo 6 selects it:
///   0 raw request:   u8 writable size (mod 49), u8 n (mod 41), n readable bytes
///   1 shaped request: u8 type index (mod 9: the eight requests and one unknown type), u8 clock
///                    id (mod 6), u8 writable delta, 16 bytes for the remaining fields; the
///                    request has its spec size and zero reserved bytes unless the delta's
///                    high bit asks for a disturbed copy
///   2 advance:       le32, times 1000 ns, of time for both (skipped without advance hooks)
///   3 step:          u8 clock id (mod 6), le32 signed, times 10^6 ns (skipped without step)
///   4 alarmq:        u8 buffer size (mod 25) (skipped without alarmq hooks)
///   5 reset:         u8 features mask, then negotiate offered & mask (skipped without hooks)
/// A script that ends in the middle of a command ends there.
[[nodiscard]] inline std::optional<difference> run_differential(const device_under_test& a,
                                                                const device_under_test& b,
                                                                std::span<const std::uint8_t> script,
                                                                const differential_options& options = {}) {
  std::size_t at = 0;
  auto take = [&](std::size_t n) -> std::optional<std::span<const std::uint8_t>> {
    if (script.size() - at < n) return std::nullopt;
    const auto s = script.subspan(at, n);
    at += n;
    return s;
  };
  auto u32 = [](std::span<const std::uint8_t> s) {
    return std::uint32_t{s[0]} | std::uint32_t{s[1]} << 8 | std::uint32_t{s[2]} << 16 | std::uint32_t{s[3]} << 24;
  };
  while (at < script.size()) {
    const std::uint8_t op = script[at++] % 6;
    if (op == 0) {
      const auto head = take(2);
      if (!head) break;
      const auto body = take((*head)[1] % 41u);
      if (!body) break;
      std::vector<std::byte> req(body->size());
      std::transform(body->begin(), body->end(), req.begin(), [](std::uint8_t v) { return std::byte{v}; });
      if (auto d = compare_request(a, b, req, (*head)[0] % 49u, options)) return d;
    } else if (op == 1) {
      const auto s = take(19);
      if (!s) break;
      static constexpr std::array<std::uint16_t, 9> types{0x0001, 0x0002, 0x1000, 0x1001, 0x1002,
                                                          0x1003, 0x1004, 0x1005, 0x2000};
      const std::uint16_t type = types[(*s)[0] % types.size()];
      const auto clock = static_cast<std::uint16_t>((*s)[1] % 6u);
      std::size_t size = max_request_size;
      std::size_t writable = max_response_size;
      switch (static_cast<msg_type>(type)) {
        case msg_type::cfg: size = 8; writable = 16; break;
        case msg_type::read: case msg_type::clock_cap: case msg_type::cross_cap: size = 16; writable = 16; break;
        case msg_type::read_cross: case msg_type::read_alarm: size = 16; writable = 24; break;
        case msg_type::set_alarm: size = 24; writable = 8; break;
        case msg_type::set_alarm_enabled: size = 16; writable = 8; break;
        default: break;
      }
      std::vector<std::byte> req(size, std::byte{0});
      store_le<std::uint16_t>(req, 0, type);
      const auto field = s->subspan(3);
      if (type == static_cast<std::uint16_t>(msg_type::set_alarm)) {
        for (std::size_t i = 0; i < 8; ++i) req[8 + i] = std::byte{field[i]};
        store_le<std::uint16_t>(req, 16, clock);
        req[18] = std::byte{static_cast<std::uint8_t>(field[8] & 1u)};
      } else if (size >= 16) {
        store_le<std::uint16_t>(req, 8, clock);
        req[10] = std::byte{field[0]};  // hw_counter or flags
        if (type != static_cast<std::uint16_t>(msg_type::read_cross) && type != static_cast<std::uint16_t>(msg_type::cross_cap))
          req[10] = std::byte{static_cast<std::uint8_t>(field[0] & 1u)};
      }
      const std::uint8_t delta = (*s)[2];
      if ((delta & 0x80u) != 0) {  // disturb: a reserved byte, a shorter request, a smaller buffer
        const std::size_t pos = field[9] % size;
        if ((delta & 0x01u) != 0) req[pos] ^= std::byte{field[10]};
        if ((delta & 0x02u) != 0) req.resize(field[11] % (size + 1));
        if ((delta & 0x04u) != 0) writable = field[12] % (writable + 1);
        if ((delta & 0x08u) != 0) writable += field[13] % 16u;
      }
      if (auto d = compare_request(a, b, req, writable, options)) return d;
    } else if (op == 2) {
      const auto s = take(4);
      if (!s) break;
      if (a.advance && b.advance) {
        a.advance(std::uint64_t{u32(*s)} * 1000);
        b.advance(std::uint64_t{u32(*s)} * 1000);
      }
    } else if (op == 3) {
      const auto s = take(5);
      if (!s) break;
      if (a.step && b.step) {
        const auto clock = static_cast<std::uint16_t>((*s)[0] % 6u);
        const std::int64_t delta = std::int64_t{static_cast<std::int32_t>(u32(s->subspan(1)))} * 1'000'000;
        const bool sa = a.step(clock, delta);
        const bool sb = b.step(clock, delta);
        if (sa != sb)
          return difference{std::string("step ") + (sa ? "succeeded on a only" : "succeeded on b only"),
                            "clock " + std::to_string(clock) + ", delta " + std::to_string(delta) + " ns", {}, {}};
      }
    } else if (op == 4) {
      const auto s = take(1);
      if (!s) break;
      if (a.alarmq && b.alarmq)
        if (auto d = compare_notification(a, b, (*s)[0] % 25u)) return d;
    } else {
      const auto s = take(1);
      if (!s) break;
      if (a.reset && b.reset && a.negotiate && b.negotiate) {
        a.reset();
        b.reset();
        a.negotiate(a.offered_features & (*s)[0]);
        b.negotiate(b.offered_features & (*s)[0]);
      }
    }
  }
  return std::nullopt;
}

}  // namespace conformance
VRTC_END_NAMESPACE
