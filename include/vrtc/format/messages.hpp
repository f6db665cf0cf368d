// vrtc: virtio-rtc messages as plain values, with constexpr encode and decode (5.23.6).
//
// Each of the 8 requests, the 8 responses and NOTIF_ALARM is a small aggregate in host byte
// order, with the spec's field names. Wire bytes exist only inside encode/decode, which read and
// write every field little-endian at its explicit offset (no struct overlays), driven by one
// layout table per message (wire_fields<M>, expanded to wire_layout<M> with the reserved runs),
// from which docs/wire-format.md is checked. Encoding puts each 64-bit word together from its
// fields and stores it once, so it costs about what a memcpy of the message does.
//
// The spec's duties, and how this API carries them:
//  * Bytes beyond a message are ignored (5.23.6.2): decode reads only M::size bytes.
//  * Reserved bytes are never interpreted: decode skips them, encode writes zeros. Whether a
//    request's reserved bytes are zero is *reported* by has_nonzero_reserved() (and
//    request_has_nonzero_reserved() for a raw request), so a device can choose its policy.
//  * Flags are kept as the raw byte, so that decode -> encode reproduces the wire exactly and a
//    device can see undefined bits (undefined_flag_bits()). Accessors such as alarm_enabled()
//    test only the defined bit; unknown bits are never given a meaning.
//  * A response whose status is not OK needs only its 8-byte header (5.23.6.1: its other
//    fields are undefined). decode() accepts such a response from 8 bytes and returns it with
//    every other field zero; encode() into a span writes just the header and returns 8, the
//    used length a device should report for it. encode() into a std::array always fills
//    M::size bytes (header, then zeros).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/field_table.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/format/protocol.hpp"

VRTC_BEGIN_NAMESPACE

/// Which way a message travels.
enum class message_kind : std::uint8_t {
  request,       ///< driver -> device on requestq; starts with req_head (msg_type)
  response,      ///< device -> driver on requestq; starts with resp_head (status)
  notification,  ///< device -> driver on alarmq; starts with notif_head (msg_type)
};

struct read_request;
struct read_response;
struct read_cross_request;
struct read_cross_response;
struct cfg_request;
struct cfg_response;
struct clock_cap_request;
struct clock_cap_response;
struct cross_cap_request;
struct cross_cap_response;
struct read_alarm_request;
struct read_alarm_response;
struct set_alarm_request;
struct set_alarm_response;
struct set_alarm_enabled_request;
struct set_alarm_enabled_response;
struct notif_alarm;

// Every message type has:
//   static constexpr vrtc::msg_type msg_type   the request's type (for a response: its request's)
//   static constexpr message_kind kind
//   static constexpr std::size_t size          wire size from the spec's table (5.23.6.3 ff.)
//   response_type / request_type               the matching message of a request / response
// Responses also have `status` (default OK). Field order is wire order.

// --- READ (0x0001) -----------------------------------------------------------------------------

struct read_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::read;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 16;
  using response_type = read_response;
  std::uint16_t clock_id = 0;
  friend constexpr bool operator==(const read_request&, const read_request&) = default;
};

struct read_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::read;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 16;
  using request_type = read_request;
  vrtc::status status = vrtc::status::ok;
  std::uint64_t clock_reading = 0;  ///< nanoseconds; may exceed INT64_MAX on the wire
  friend constexpr bool operator==(const read_response&, const read_response&) = default;
};

// --- READ_CROSS (0x0002) -----------------------------------------------------------------------

struct read_cross_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::read_cross;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 16;
  using response_type = read_cross_response;
  std::uint16_t clock_id = 0;
  vrtc::hw_counter hw_counter = vrtc::hw_counter::arm_vct;
  friend constexpr bool operator==(const read_cross_request&, const read_cross_request&) = default;
};

struct read_cross_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::read_cross;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 24;
  using request_type = read_cross_request;
  vrtc::status status = vrtc::status::ok;
  std::uint64_t clock_reading = 0;   ///< nanoseconds
  std::uint64_t counter_cycles = 0;  ///< the counter value at the instant of clock_reading
  friend constexpr bool operator==(const read_cross_response&, const read_cross_response&) = default;
};

// --- CFG (0x1000) ------------------------------------------------------------------------------

struct cfg_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::cfg;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 8;
  using response_type = cfg_response;
  friend constexpr bool operator==(const cfg_request&, const cfg_request&) = default;
};

struct cfg_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::cfg;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 16;
  using request_type = cfg_request;
  vrtc::status status = vrtc::status::ok;
  std::uint16_t num_clocks = 0;  ///< valid clock ids are 0 .. num_clocks - 1
  friend constexpr bool operator==(const cfg_response&, const cfg_response&) = default;
};

// --- CLOCK_CAP (0x1001) ------------------------------------------------------------------------

struct clock_cap_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::clock_cap;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 16;
  using response_type = clock_cap_response;
  std::uint16_t clock_id = 0;
  friend constexpr bool operator==(const clock_cap_request&, const clock_cap_request&) = default;
};

struct clock_cap_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::clock_cap;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 16;
  static constexpr std::uint8_t defined_flags = flag_alarm_cap;
  using request_type = clock_cap_request;
  vrtc::status status = vrtc::status::ok;
  clock_type type = clock_type::utc;
  smearing leap_second_smearing = smearing::unspecified;
  std::uint8_t flags = 0;  ///< raw byte; see alarm_cap()
  /// VIRTIO_RTC_FLAG_ALARM_CAP; meaningful only if VIRTIO_RTC_F_ALARM was negotiated.
  [[nodiscard]] constexpr bool alarm_cap() const noexcept { return (flags & flag_alarm_cap) != 0; }
  friend constexpr bool operator==(const clock_cap_response&, const clock_cap_response&) = default;
};

// --- CROSS_CAP (0x1002) ------------------------------------------------------------------------

struct cross_cap_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::cross_cap;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 16;
  using response_type = cross_cap_response;
  std::uint16_t clock_id = 0;
  vrtc::hw_counter hw_counter = vrtc::hw_counter::arm_vct;
  friend constexpr bool operator==(const cross_cap_request&, const cross_cap_request&) = default;
};

struct cross_cap_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::cross_cap;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 16;
  static constexpr std::uint8_t defined_flags = flag_cross_cap;
  using request_type = cross_cap_request;
  vrtc::status status = vrtc::status::ok;
  std::uint8_t flags = 0;  ///< raw byte; see cross_cap()
  /// VIRTIO_RTC_FLAG_CROSS_CAP: READ_CROSS with this clock and counter is supported.
  [[nodiscard]] constexpr bool cross_cap() const noexcept { return (flags & flag_cross_cap) != 0; }
  friend constexpr bool operator==(const cross_cap_response&, const cross_cap_response&) = default;
};

// --- READ_ALARM (0x1003) -----------------------------------------------------------------------

struct read_alarm_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::read_alarm;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 16;
  using response_type = read_alarm_response;
  std::uint16_t clock_id = 0;
  friend constexpr bool operator==(const read_alarm_request&, const read_alarm_request&) = default;
};

struct read_alarm_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::read_alarm;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 24;
  static constexpr std::uint8_t defined_flags = flag_alarm_enabled;
  using request_type = read_alarm_request;
  vrtc::status status = vrtc::status::ok;
  std::uint64_t alarm_time = 0;  ///< nanoseconds
  std::uint8_t flags = 0;        ///< raw byte; see alarm_enabled()
  [[nodiscard]] constexpr bool alarm_enabled() const noexcept { return (flags & flag_alarm_enabled) != 0; }
  friend constexpr bool operator==(const read_alarm_response&, const read_alarm_response&) = default;
};

// --- SET_ALARM (0x1004) ------------------------------------------------------------------------

/// Note the wire order: alarm_time comes before clock_id, unlike in every other request.
struct set_alarm_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::set_alarm;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 24;
  static constexpr std::uint8_t defined_flags = flag_alarm_enabled;
  using response_type = set_alarm_response;
  std::uint64_t alarm_time = 0;  ///< nanoseconds
  std::uint16_t clock_id = 0;
  std::uint8_t flags = 0;  ///< raw byte; see alarm_enabled()
  [[nodiscard]] constexpr bool alarm_enabled() const noexcept { return (flags & flag_alarm_enabled) != 0; }
  friend constexpr bool operator==(const set_alarm_request&, const set_alarm_request&) = default;
};

struct set_alarm_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::set_alarm;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 8;
  using request_type = set_alarm_request;
  vrtc::status status = vrtc::status::ok;
  friend constexpr bool operator==(const set_alarm_response&, const set_alarm_response&) = default;
};

// --- SET_ALARM_ENABLED (0x1005) ----------------------------------------------------------------

struct set_alarm_enabled_request {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::set_alarm_enabled;
  static constexpr message_kind kind = message_kind::request;
  static constexpr std::size_t size = 16;
  static constexpr std::uint8_t defined_flags = flag_alarm_enabled;
  using response_type = set_alarm_enabled_response;
  std::uint16_t clock_id = 0;
  std::uint8_t flags = 0;  ///< raw byte; see alarm_enabled()
  [[nodiscard]] constexpr bool alarm_enabled() const noexcept { return (flags & flag_alarm_enabled) != 0; }
  friend constexpr bool operator==(const set_alarm_enabled_request&, const set_alarm_enabled_request&) = default;
};

struct set_alarm_enabled_response {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::set_alarm_enabled;
  static constexpr message_kind kind = message_kind::response;
  static constexpr std::size_t size = 8;
  using request_type = set_alarm_enabled_request;
  vrtc::status status = vrtc::status::ok;
  friend constexpr bool operator==(const set_alarm_enabled_response&, const set_alarm_enabled_response&) = default;
};

// --- NOTIF_ALARM (0x2000, alarmq) --------------------------------------------------------------

/// An alarm of clock_id expired. It may repeat and may be obsolete on arrival (5.23.6.6.3):
/// read the clock before acting on it.
struct notif_alarm {
  static constexpr vrtc::msg_type msg_type = vrtc::msg_type::notif_alarm;
  static constexpr message_kind kind = message_kind::notification;
  static constexpr std::size_t size = 16;
  std::uint16_t clock_id = 0;
  friend constexpr bool operator==(const notif_alarm&, const notif_alarm&) = default;
};

// --- wire layout -------------------------------------------------------------------------------

namespace detail {

/// Field F of m, shifted to its place in the little-endian 64-bit word that holds it (fields
/// are naturally aligned, so none straddles two words).
template <class F>
constexpr std::uint64_t in_word(const typename F::class_type& m) noexcept {
  return std::uint64_t{F::get(m)} << (8 * (F::offset % 8));
}

}  // namespace detail

/// The body fields of message M after its 8-byte header, in wire order. For a response the
/// status byte at offset 0 is listed too, since it is a member of the value.
template <class M>
struct wire_fields;

#define VRTC_DETAIL_FIELD(M, name, offset) field<#name, &M::name, offset>
template <> struct wire_fields<read_request> {
  using type = field_list<VRTC_DETAIL_FIELD(read_request, clock_id, 8)>;
};
template <> struct wire_fields<read_response> {
  using type = field_list<VRTC_DETAIL_FIELD(read_response, status, 0),
                                  VRTC_DETAIL_FIELD(read_response, clock_reading, 8)>;
};
template <> struct wire_fields<read_cross_request> {
  using type = field_list<VRTC_DETAIL_FIELD(read_cross_request, clock_id, 8),
                                  VRTC_DETAIL_FIELD(read_cross_request, hw_counter, 10)>;
};
template <> struct wire_fields<read_cross_response> {
  using type = field_list<VRTC_DETAIL_FIELD(read_cross_response, status, 0),
                                  VRTC_DETAIL_FIELD(read_cross_response, clock_reading, 8),
                                  VRTC_DETAIL_FIELD(read_cross_response, counter_cycles, 16)>;
};
template <> struct wire_fields<cfg_request> {
  using type = field_list<>;
};
template <> struct wire_fields<cfg_response> {
  using type = field_list<VRTC_DETAIL_FIELD(cfg_response, status, 0),
                                  VRTC_DETAIL_FIELD(cfg_response, num_clocks, 8)>;
};
template <> struct wire_fields<clock_cap_request> {
  using type = field_list<VRTC_DETAIL_FIELD(clock_cap_request, clock_id, 8)>;
};
template <> struct wire_fields<clock_cap_response> {
  using type = field_list<VRTC_DETAIL_FIELD(clock_cap_response, status, 0),
                                  VRTC_DETAIL_FIELD(clock_cap_response, type, 8),
                                  VRTC_DETAIL_FIELD(clock_cap_response, leap_second_smearing, 9),
                                  VRTC_DETAIL_FIELD(clock_cap_response, flags, 10)>;
};
template <> struct wire_fields<cross_cap_request> {
  using type = field_list<VRTC_DETAIL_FIELD(cross_cap_request, clock_id, 8),
                                  VRTC_DETAIL_FIELD(cross_cap_request, hw_counter, 10)>;
};
template <> struct wire_fields<cross_cap_response> {
  using type = field_list<VRTC_DETAIL_FIELD(cross_cap_response, status, 0),
                                  VRTC_DETAIL_FIELD(cross_cap_response, flags, 8)>;
};
template <> struct wire_fields<read_alarm_request> {
  using type = field_list<VRTC_DETAIL_FIELD(read_alarm_request, clock_id, 8)>;
};
template <> struct wire_fields<read_alarm_response> {
  using type = field_list<VRTC_DETAIL_FIELD(read_alarm_response, status, 0),
                                  VRTC_DETAIL_FIELD(read_alarm_response, alarm_time, 8),
                                  VRTC_DETAIL_FIELD(read_alarm_response, flags, 16)>;
};
template <> struct wire_fields<set_alarm_request> {
  using type = field_list<VRTC_DETAIL_FIELD(set_alarm_request, alarm_time, 8),
                                  VRTC_DETAIL_FIELD(set_alarm_request, clock_id, 16),
                                  VRTC_DETAIL_FIELD(set_alarm_request, flags, 18)>;
};
template <> struct wire_fields<set_alarm_response> {
  using type = field_list<VRTC_DETAIL_FIELD(set_alarm_response, status, 0)>;
};
template <> struct wire_fields<set_alarm_enabled_request> {
  using type = field_list<VRTC_DETAIL_FIELD(set_alarm_enabled_request, clock_id, 8),
                                  VRTC_DETAIL_FIELD(set_alarm_enabled_request, flags, 10)>;
};
template <> struct wire_fields<set_alarm_enabled_response> {
  using type = field_list<VRTC_DETAIL_FIELD(set_alarm_enabled_response, status, 0)>;
};
template <> struct wire_fields<notif_alarm> {
  using type = field_list<VRTC_DETAIL_FIELD(notif_alarm, clock_id, 8)>;
};
#undef VRTC_DETAIL_FIELD

/// A virtio-rtc message type: one of the 17 above.
template <class M>
concept message = requires {
  { M::msg_type } -> std::convertible_to<vrtc::msg_type>;
  { M::kind } -> std::convertible_to<message_kind>;
  { M::size } -> std::convertible_to<std::size_t>;
  typename wire_fields<M>::type;
} && std::is_trivially_copyable_v<M>;

template <class M>
concept request_message = message<M> && M::kind == message_kind::request;
template <class M>
concept response_message = message<M> && M::kind == message_kind::response;

/// One row of a message's wire layout: a field, a header field or a run of reserved bytes.
struct wire_row {
  const char* name;  ///< spec field name, "msg_type", "status" or "reserved"
  std::size_t offset;
  std::size_t size;
  [[nodiscard]] constexpr bool is_reserved() const noexcept {
    const char* r = "reserved";
    std::size_t i = 0;
    for (; name[i] != '\0' && r[i] != '\0'; ++i)
      if (name[i] != r[i]) return false;
    return name[i] == r[i];
  }
};

/// A message's complete layout: rows in offset order, covering [0, M::size) exactly.
struct wire_table {
  std::array<wire_row, 12> rows{};
  std::size_t count = 0;
  [[nodiscard]] constexpr std::span<const wire_row> view() const noexcept { return {rows.data(), count}; }
};

namespace detail {

template <class M, class... F>
constexpr wire_table make_wire_table(field_list<F...>) noexcept {
  wire_table t;
  std::size_t next = 0;
  auto add = [&](const char* name, std::size_t offset, std::size_t size) {
    if (offset > next) t.rows[t.count++] = {"reserved", next, offset - next};
    t.rows[t.count++] = {name, offset, size};
    next = offset + size;
  };
  if constexpr (M::kind != message_kind::response) add("msg_type", 0, 2);
  (add(F::name, F::offset, F::width), ...);
  if (next < M::size) t.rows[t.count++] = {"reserved", next, M::size - next};
  return t;
}

/// Checks a layout at compile time: rows ascend without overlap or gap and end at M::size.
template <class M>
constexpr bool layout_is_consistent(const wire_table& t) noexcept {
  std::size_t next = 0;
  for (std::size_t i = 0; i < t.count; ++i) {
    if (t.rows[i].offset != next || t.rows[i].size == 0) return false;
    next += t.rows[i].size;
  }
  return next == M::size;
}

}  // namespace detail

/// The layout of M, derived from wire_fields<M>; reserved rows fill every gap.
template <message M>
inline constexpr wire_table wire_layout = detail::make_wire_table<M>(typename wire_fields<M>::type{});

// Every size is the spec's (struct virtio_rtc_* sizes), and every layout tiles its message.
namespace detail {
template <class M, std::size_t Spec>
constexpr bool size_matches_spec() noexcept {
  static_assert(M::size == Spec, "wire size differs from the spec's table");
  static_assert(layout_is_consistent<M>(wire_layout<M>), "wire layout does not tile the message");
  return true;
}
static_assert(size_matches_spec<read_request, 16>() && size_matches_spec<read_response, 16>());
static_assert(size_matches_spec<read_cross_request, 16>() && size_matches_spec<read_cross_response, 24>());
static_assert(size_matches_spec<cfg_request, 8>() && size_matches_spec<cfg_response, 16>());
static_assert(size_matches_spec<clock_cap_request, 16>() && size_matches_spec<clock_cap_response, 16>());
static_assert(size_matches_spec<cross_cap_request, 16>() && size_matches_spec<cross_cap_response, 16>());
static_assert(size_matches_spec<read_alarm_request, 16>() && size_matches_spec<read_alarm_response, 24>());
static_assert(size_matches_spec<set_alarm_request, 24>() && size_matches_spec<set_alarm_response, 8>());
static_assert(size_matches_spec<set_alarm_enabled_request, 16>() &&
              size_matches_spec<set_alarm_enabled_response, 8>());
static_assert(size_matches_spec<notif_alarm, 16>());
}  // namespace detail

// --- field access ------------------------------------------------------------------------------

/// Calls f(name, member) for every field of m in wire order (a response's status first). The
/// member is passed by reference, so f can read or assign it.
template <class M, class F>
  requires message<std::remove_const_t<M>>
constexpr void for_each_field(M& m, F&& f) {
  [&]<class... Fs>(field_list<Fs...>) {
    (f(Fs::name, m.*Fs::member), ...);
  }(typename wire_fields<std::remove_const_t<M>>::type{});
}

/// The flag bits of m that the spec does not define (non-zero only from a nonconforming peer).
template <message M>
  requires requires { M::defined_flags; }
[[nodiscard]] constexpr std::uint8_t undefined_flag_bits(const M& m) noexcept {
  return static_cast<std::uint8_t>(m.flags & ~M::defined_flags);
}

// --- encode ------------------------------------------------------------------------------------

/// Bytes that encode(m, out) writes: M::size, or just the header for an error response.
template <message M>
[[nodiscard]] constexpr std::size_t encoded_size(const M& m) noexcept {
  if constexpr (M::kind == message_kind::response) {
    if (m.status != status::ok) return header_size;
  }
  return M::size;
}

namespace detail {

template <class M, class... F>
constexpr void load_fields([[maybe_unused]] M& m, [[maybe_unused]] std::span<const std::byte> in,
                           field_list<F...>) noexcept {
  (F::load(m, in), ...);
}

/// Word `W` of m's encoding: every field in it, at its offset, and zeros (reserved) elsewhere.
template <std::size_t W, class M, class... F>
constexpr std::uint64_t compose_word(const M& m, field_list<F...>) noexcept {
  std::uint64_t word = 0;
  ((word |= F::offset / 8 == W ? detail::in_word<F>(m) : 0), ...);
  if constexpr (W == 0 && M::kind != message_kind::response) word |= static_cast<std::uint16_t>(M::msg_type);
  return word;
}

/// Writes m into out[0, n) where n = encoded_size(m) <= out.size(); reserved bytes become 0.
/// Every size is a multiple of 8, so the message is written as whole 64-bit words, each put
/// together from its fields in registers.
template <class M>
constexpr void encode_unchecked(const M& m, std::span<std::byte> out, [[maybe_unused]] std::size_t n) noexcept {
  static_assert(M::size % 8 == 0);
  if constexpr (M::kind == message_kind::response) {
    if (n == header_size) {  // header-only (an error response, or a header-only message)
      store_le<std::uint64_t>(out, 0, static_cast<std::uint8_t>(m.status));
      return;
    }
  }
  [&]<std::size_t... W>(std::index_sequence<W...>) {
    (store_le<std::uint64_t>(out, 8 * W, compose_word<W>(m, typename wire_fields<M>::type{})), ...);
  }(std::make_index_sequence<M::size / 8>{});
}

}  // namespace detail

/// The wire bytes of m. Always M::size bytes; an error response is its header followed by zeros.
template <message M>
[[nodiscard]] constexpr std::array<std::byte, M::size> encode(const M& m) noexcept {
  std::array<std::byte, M::size> out{};
  detail::encode_unchecked(m, out, encoded_size(m));
  return out;
}

/// Writes m at the start of out and returns the number of bytes written, encoded_size(m) (the
/// used length for a response). Bytes of out beyond that are left untouched.
template <message M>
[[nodiscard]] constexpr result<std::size_t> encode(const M& m, std::span<std::byte> out) noexcept {
  const std::size_t n = encoded_size(m);
  if (out.size() < n) return errc::buffer_too_small;
  detail::encode_unchecked(m, out, n);
  return n;
}

// --- decode ------------------------------------------------------------------------------------

/// The msg_type of a request or notification (any value, known or not).
[[nodiscard]] constexpr result<msg_type> peek_msg_type(std::span<const std::byte> in) noexcept {
  if (in.size() < 2) return errc::too_short;
  return static_cast<msg_type>(load_le<std::uint16_t>(in, 0));
}

/// Decodes a message of type M from the start of in; bytes beyond it are ignored, reserved
/// bytes are not looked at. Errors, in the order checked:
///  * requests and NOTIF_ALARM: too_short (no msg_type), unknown_msg_type (not a value the
///    spec defines), wrong_msg_type (another message's type), too_short (shorter than M::size);
///  * responses: too_short (shorter than the 8-byte header), then, only if status is OK,
///    too_short (shorter than M::size). A non-OK status decodes to {status, all else zero}.
template <message M>
[[nodiscard]] constexpr result<M> decode(std::span<const std::byte> in) noexcept {
  M m{};
  if constexpr (M::kind == message_kind::response) {
    if (in.size() < header_size) return errc::too_short;
    m.status = static_cast<status>(load_le<std::uint8_t>(in, 0));
    if (m.status != status::ok) return m;
  } else {
    const auto t = peek_msg_type(in);
    if (!t) return t.error();
    if (*t != M::msg_type) return is_known(*t) ? errc::wrong_msg_type : errc::unknown_msg_type;
  }
  if (in.size() < M::size) return errc::too_short;
  detail::load_fields(m, in, typename wire_fields<M>::type{});
  return m;
}

// --- reserved bytes ----------------------------------------------------------------------------

namespace detail {

template <class M>
constexpr std::array<std::uint64_t, M::size / 8> make_reserved_masks() noexcept {
  static_assert(M::size % 8 == 0);
  std::array<std::uint64_t, M::size / 8> masks{};
  for (const wire_row& row : wire_layout<M>.view()) {
    if (!row.is_reserved()) continue;
    for (std::size_t i = row.offset; i < row.offset + row.size; ++i)
      masks[i / 8] |= std::uint64_t{0xff} << (8 * (i % 8));
  }
  return masks;
}

}  // namespace detail

/// For each little-endian 64-bit word of M, the bits that belong to reserved bytes (derived
/// from wire_layout<M> at compile time): `load_le<std::uint64_t>(in, 8 * w) &
/// reserved_masks<M>[w]` is non-zero exactly when word w has a non-zero reserved byte.
template <message M>
inline constexpr std::array<std::uint64_t, M::size / 8> reserved_masks = detail::make_reserved_masks<M>();

/// True when a reserved byte of a message M at the start of in is non-zero. Only the bytes
/// present are examined (a short input is judged by what it has). For an error response only
/// the header counts, since its other bytes are undefined. A few word loads and masks, cheap
/// enough for every request a device handles.
///
/// Drivers must not interpret reserved bytes of responses (5.23.6.1); this is for devices that
/// want a policy on requests (a driver must zero them, 5.23.6.1) and for conformance checks.
template <message M>
[[nodiscard]] constexpr bool has_nonzero_reserved(std::span<const std::byte> in) noexcept {
  std::size_t end = in.size() < M::size ? in.size() : M::size;
  if constexpr (M::kind == message_kind::response) {
    if (!in.empty() && in[0] != std::byte{0} && end > header_size) end = header_size;
  }
  for (std::size_t w = 0; 8 * w < end; ++w) {
    std::uint64_t word = 0;
    if (end - 8 * w >= 8) {
      word = load_le<std::uint64_t>(in, 8 * w);
    } else {  // the last, partial word of a short input
      for (std::size_t i = 8 * w; i < end; ++i)
        word |= std::uint64_t{std::to_integer<std::uint8_t>(in[i])} << (8 * (i % 8));
    }
    if ((word & reserved_masks<M>[w]) != 0) return true;
  }
  return false;
}

// --- dispatch on msg_type ---------------------------------------------------------------------

/// Calls on_request(std::type_identity<M>{}) with the request type M whose msg_type is t, or
/// on_other() when t names no request (an undefined value, or NOTIF_ALARM, which belongs on
/// alarmq). Both must return the same type. The one place that maps a msg_type to its request:
/// decoders, devices and checkers dispatch through it.
template <class OnRequest, class OnOther>
constexpr decltype(auto) visit_request(msg_type t, OnRequest&& on_request, OnOther&& on_other) {
  switch (t) {
    case msg_type::read: return on_request(std::type_identity<read_request>{});
    case msg_type::read_cross: return on_request(std::type_identity<read_cross_request>{});
    case msg_type::cfg: return on_request(std::type_identity<cfg_request>{});
    case msg_type::clock_cap: return on_request(std::type_identity<clock_cap_request>{});
    case msg_type::cross_cap: return on_request(std::type_identity<cross_cap_request>{});
    case msg_type::read_alarm: return on_request(std::type_identity<read_alarm_request>{});
    case msg_type::set_alarm: return on_request(std::type_identity<set_alarm_request>{});
    case msg_type::set_alarm_enabled: return on_request(std::type_identity<set_alarm_enabled_request>{});
    case msg_type::notif_alarm: break;
  }
  return on_other();
}

/// Wire size of the request of type t; 0 when t names no request.
[[nodiscard]] constexpr std::size_t request_size(msg_type t) noexcept {
  return visit_request(
      t, []<class M>(std::type_identity<M>) { return M::size; }, [] { return std::size_t{0}; });
}

/// Wire size of the full (OK) response to a request of type t; 0 when t names no request.
[[nodiscard]] constexpr std::size_t response_size(msg_type t) noexcept {
  return visit_request(
      t, []<class M>(std::type_identity<M>) { return M::response_type::size; }, [] { return std::size_t{0}; });
}

/// True when a reserved byte of the request in `in` is non-zero (dispatching on its msg_type;
/// false when the msg_type is missing or names no request).
[[nodiscard]] constexpr bool request_has_nonzero_reserved(std::span<const std::byte> in) noexcept {
  const auto t = peek_msg_type(in);
  if (!t) return false;
  return visit_request(
      *t, [&]<class M>(std::type_identity<M>) { return has_nonzero_reserved<M>(in); }, [] { return false; });
}

VRTC_END_NAMESPACE
