// vrtc conformance: the framing between the conformance runner and a device in another process.
//
// The runner (vrtc-conformance) writes command records to the device's standard input and
// reads one reply record per command from its standard output. docs/conformance.md specifies
// the format; in short, a record is
//
//   le32 length   number of bytes after this field (1 .. max_record_length)
//   u8   type     a command (0x01..0x08) or its reply (command | 0x80)
//   ...  payload  length - 1 bytes, laid out per type, all integers little-endian
//
// Everything here is constexpr, bounds-checked and allocation-free apart from the frame
// builders; the I/O stays in the tools.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE
namespace conformance {

inline constexpr std::uint32_t framing_version = 1;
/// Upper bound of a record's length field: a 64 KiB buffer plus the largest fixed part.
inline constexpr std::uint32_t max_record_length = 65536 + 16;
/// Largest writable size or alarmq buffer the runner may ask for.
inline constexpr std::uint32_t max_buffer_size = 65536;

enum class record_type : std::uint8_t {
  hello = 0x01,     ///< le32 version
  request = 0x02,   ///< le32 writable_size, u8 fill, device-readable bytes
  reset = 0x03,     ///< (empty)
  negotiate = 0x04, ///< le64 features
  advance = 0x05,   ///< le64 nanoseconds
  step = 0x06,      ///< le16 clock_id, le64 delta (two's complement nanoseconds)
  alarmq = 0x07,    ///< le32 buffer_size, u8 fill
  bye = 0x08,       ///< (empty)
  hello_reply = 0x81,         ///< le32 version, le64 offered_features, le32 hooks
  response = 0x82,            ///< le32 used_length, writable_size bytes of the writable part
  reset_reply = 0x83,         ///< (empty)
  negotiate_reply = 0x84,     ///< (empty)
  advance_reply = 0x85,       ///< (empty)
  step_reply = 0x86,          ///< u8 stepped (0 or 1)
  notification = 0x87,        ///< le32 used_length, buffer_size bytes of the alarmq buffer
  bye_reply = 0x88,           ///< (empty)
};

/// The reply type of a command.
[[nodiscard]] constexpr record_type reply_to(record_type command) noexcept {
  return static_cast<record_type>(static_cast<std::uint8_t>(command) | 0x80u);
}

[[nodiscard]] constexpr bool is_known(record_type t) noexcept {
  const auto v = static_cast<std::uint8_t>(t) & 0x7Fu;
  return v >= 0x01 && v <= 0x08;
}

/// Bits of hello_reply::hooks: which optional hooks the device implements.
inline constexpr std::uint32_t hook_reset = 1u << 0;
inline constexpr std::uint32_t hook_negotiate = 1u << 1;
inline constexpr std::uint32_t hook_advance = 1u << 2;
inline constexpr std::uint32_t hook_step = 1u << 3;
inline constexpr std::uint32_t hook_alarmq = 1u << 4;
inline constexpr std::uint32_t known_hooks = hook_reset | hook_negotiate | hook_advance | hook_step | hook_alarmq;

/// A record found in a byte stream; payload points into the decoded bytes.
struct record {
  record_type type{};
  std::span<const std::byte> payload;
  std::size_t size = 0;  ///< bytes the record occupies in the stream (4 + length)
};

/// Decodes the record at the start of `in`. too_short: more bytes are needed (the first four
/// give the total); bad_size: a length of 0 or above max_record_length; invalid_argument: an
/// unknown type. The payload layout is checked by the parse_* functions.
[[nodiscard]] constexpr result<record> decode_record(std::span<const std::byte> in) noexcept {
  if (in.size() < 4) return errc::too_short;
  const std::uint32_t length = load_le<std::uint32_t>(in, 0);
  if (length == 0 || length > max_record_length) return errc::bad_size;
  if (!fits(in.size(), 4, length)) return errc::too_short;
  const auto type = static_cast<record_type>(std::to_integer<std::uint8_t>(in[4]));
  if (!is_known(type)) return errc::invalid_argument;
  return record{type, in.subspan(5, length - 1), 4 + std::size_t{length}};
}

// --- payloads ----------------------------------------------------------------------------------

struct hello_payload {
  std::uint32_t version = framing_version;
};
struct hello_reply_payload {
  std::uint32_t version = framing_version;
  std::uint64_t offered_features = 0;
  std::uint32_t hooks = 0;
};
/// A requestq element: the device-writable part has writable_size bytes, each equal to fill
/// before the device writes.
struct request_payload {
  std::uint32_t writable_size = 0;
  std::byte fill{0};
  std::span<const std::byte> readable;
};
/// The device's answer: the used length and the whole writable part as the device left it.
struct response_payload {
  std::uint32_t used = 0;
  std::span<const std::byte> writable;
};
struct negotiate_payload {
  std::uint64_t features = 0;
};
struct advance_payload {
  std::uint64_t nanoseconds = 0;
};
struct step_payload {
  std::uint16_t clock_id = 0;
  std::int64_t delta = 0;
};
struct step_reply_payload {
  bool stepped = false;
};
/// One alarmq buffer of buffer_size bytes, each equal to fill.
struct alarmq_payload {
  std::uint32_t buffer_size = 0;
  std::byte fill{0};
};
/// The alarmq buffer after the device used it (used 0: no notification was pending).
struct notification_payload {
  std::uint32_t used = 0;
  std::span<const std::byte> buffer;
};

[[nodiscard]] constexpr result<hello_payload> parse_hello(std::span<const std::byte> p) noexcept {
  if (p.size() != 4) return errc::bad_size;
  return hello_payload{load_le<std::uint32_t>(p, 0)};
}
[[nodiscard]] constexpr result<hello_reply_payload> parse_hello_reply(std::span<const std::byte> p) noexcept {
  if (p.size() != 16) return errc::bad_size;
  return hello_reply_payload{load_le<std::uint32_t>(p, 0), load_le<std::uint64_t>(p, 4), load_le<std::uint32_t>(p, 12)};
}
[[nodiscard]] constexpr result<request_payload> parse_request(std::span<const std::byte> p) noexcept {
  if (p.size() < 5) return errc::bad_size;
  const std::uint32_t writable = load_le<std::uint32_t>(p, 0);
  if (writable > max_buffer_size) return errc::bad_size;
  return request_payload{writable, p[4], p.subspan(5)};
}
/// `writable_size` is that of the request being answered: the reply must carry exactly that.
[[nodiscard]] constexpr result<response_payload> parse_response(std::span<const std::byte> p,
                                                                std::uint32_t writable_size) noexcept {
  if (p.size() != 4 + std::size_t{writable_size}) return errc::bad_size;
  return response_payload{load_le<std::uint32_t>(p, 0), p.subspan(4)};
}
[[nodiscard]] constexpr result<negotiate_payload> parse_negotiate(std::span<const std::byte> p) noexcept {
  if (p.size() != 8) return errc::bad_size;
  return negotiate_payload{load_le<std::uint64_t>(p, 0)};
}
[[nodiscard]] constexpr result<advance_payload> parse_advance(std::span<const std::byte> p) noexcept {
  if (p.size() != 8) return errc::bad_size;
  return advance_payload{load_le<std::uint64_t>(p, 0)};
}
[[nodiscard]] constexpr result<step_payload> parse_step(std::span<const std::byte> p) noexcept {
  if (p.size() != 10) return errc::bad_size;
  return step_payload{load_le<std::uint16_t>(p, 0), load_le_signed<std::int64_t>(p, 2)};
}
[[nodiscard]] constexpr result<step_reply_payload> parse_step_reply(std::span<const std::byte> p) noexcept {
  if (p.size() != 1) return errc::bad_size;
  const auto v = std::to_integer<unsigned>(p[0]);
  if (v > 1) return errc::invalid_argument;
  return step_reply_payload{v == 1};
}
[[nodiscard]] constexpr result<alarmq_payload> parse_alarmq(std::span<const std::byte> p) noexcept {
  if (p.size() != 5) return errc::bad_size;
  const std::uint32_t size = load_le<std::uint32_t>(p, 0);
  if (size > max_buffer_size) return errc::bad_size;
  return alarmq_payload{size, p[4]};
}
[[nodiscard]] constexpr result<notification_payload> parse_notification(std::span<const std::byte> p,
                                                                        std::uint32_t buffer_size) noexcept {
  if (p.size() != 4 + std::size_t{buffer_size}) return errc::bad_size;
  return notification_payload{load_le<std::uint32_t>(p, 0), p.subspan(4)};
}
/// Records without payload (reset, bye and the replies to reset, negotiate, advance, bye).
[[nodiscard]] constexpr result<void> parse_empty(std::span<const std::byte> p) noexcept {
  if (!p.empty()) return errc::bad_size;
  return {};
}

// --- building records ---------------------------------------------------------------------------

/// Appends fields to a record and fills in its length.
class record_builder {
 public:
  explicit record_builder(record_type type) : out_(5) { out_[4] = static_cast<std::byte>(type); }
  template <wire_uint T>
  record_builder& put(T value) {
    const std::size_t at = out_.size();
    out_.resize(at + sizeof(T));
    store_le<T>(out_, at, value);
    return *this;
  }
  record_builder& put(std::span<const std::byte> bytes) {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  record_builder& put(std::byte b) {
    out_.push_back(b);
    return *this;
  }
  [[nodiscard]] std::vector<std::byte> finish() {
    store_le<std::uint32_t>(out_, 0, static_cast<std::uint32_t>(out_.size() - 4));
    return std::move(out_);
  }

 private:
  std::vector<std::byte> out_;
};

/// A record without payload.
[[nodiscard]] inline std::vector<std::byte> make_record(record_type type) { return record_builder(type).finish(); }
[[nodiscard]] inline std::vector<std::byte> make_hello(const hello_payload& h = {}) {
  return record_builder(record_type::hello).put(h.version).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_hello_reply(const hello_reply_payload& h) {
  return record_builder(record_type::hello_reply).put(h.version).put(h.offered_features).put(h.hooks).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_request(std::uint32_t writable_size, std::byte fill,
                                                         std::span<const std::byte> readable) {
  return record_builder(record_type::request).put(writable_size).put(fill).put(readable).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_response(std::uint32_t used, std::span<const std::byte> writable) {
  return record_builder(record_type::response).put(used).put(writable).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_negotiate(std::uint64_t features) {
  return record_builder(record_type::negotiate).put(features).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_advance(std::uint64_t ns) {
  return record_builder(record_type::advance).put(ns).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_step(std::uint16_t clock_id, std::int64_t delta) {
  return record_builder(record_type::step).put(clock_id).put(static_cast<std::uint64_t>(delta)).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_step_reply(bool stepped) {
  return record_builder(record_type::step_reply).put(std::byte{stepped ? std::uint8_t{1} : std::uint8_t{0}}).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_alarmq(std::uint32_t buffer_size, std::byte fill) {
  return record_builder(record_type::alarmq).put(buffer_size).put(fill).finish();
}
[[nodiscard]] inline std::vector<std::byte> make_notification(std::uint32_t used, std::span<const std::byte> buffer) {
  return record_builder(record_type::notification).put(used).put(buffer).finish();
}

}  // namespace conformance
VRTC_END_NAMESPACE
