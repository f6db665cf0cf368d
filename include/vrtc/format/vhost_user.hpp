// vrtc: the vhost-user message codec (QEMU docs/interop/vhost-user.rst), portable and sans-I/O.
//
// A vhost-user message is a 12-byte header (request, flags, payload size; all u32 in the
// host's byte order, which the protocol defines as little-endian on every platform vrtc runs
// on) followed by `size` payload bytes; some messages carry file descriptors in the socket's
// ancillary data. This header decodes bytes plus the number of descriptors that came with
// them into a plain value, and encodes such values back: requests (what a front-end sends)
// and replies (what a back-end sends). The descriptors themselves are the caller's business:
// fd_range() says how many a message carries.
//
// Decoding is strict: every request has one payload layout and size, a memory table holds at
// most 8 regions, and the descriptor count must be the one the message calls for. Anything
// else is a named error, so a session can end cleanly instead of guessing. Padding fields and
// undefined flag bits are kept as they are, so that whatever decodes re-encodes byte for byte.
//
// No call allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "vrtc/core/bytes.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE

namespace vhost_user {

// --- header ------------------------------------------------------------------------------------

inline constexpr std::size_t header_size = 12;
inline constexpr std::uint32_t version = 0x1;            ///< the only protocol version
inline constexpr std::uint32_t flag_version_mask = 0x3;  ///< bits 0-1 hold the version
inline constexpr std::uint32_t flag_reply = 0x4;         ///< the message answers a request
inline constexpr std::uint32_t flag_need_reply = 0x8;    ///< REPLY_ACK: the sender waits for an ack

/// Regions of a SET_MEM_TABLE message (and descriptors of any message) at most.
inline constexpr std::size_t max_regions = 8;
inline constexpr std::size_t max_fds = 8;
/// Bytes of device configuration space a GET_CONFIG / SET_CONFIG message carries at most.
inline constexpr std::size_t max_config_size = 256;

inline constexpr std::size_t region_size = 32;
inline constexpr std::size_t vring_address_size = 40;
inline constexpr std::size_t single_region_size = 8 + region_size;
inline constexpr std::size_t memory_table_header_size = 8;
inline constexpr std::size_t config_header_size = 12;
/// The largest payload of any message this codec knows (a GET_CONFIG of 256 bytes).
inline constexpr std::size_t max_payload_size = config_header_size + max_config_size;
inline constexpr std::size_t max_message_size = header_size + max_payload_size;

/// Requests a front-end sends (the numbers of vhost-user.rst's front-end message types).
enum class request : std::uint32_t {
  get_features = 1,
  set_features = 2,
  set_owner = 3,
  reset_owner = 4,
  set_mem_table = 5,
  set_log_base = 6,
  set_log_fd = 7,
  set_vring_num = 8,
  set_vring_addr = 9,
  set_vring_base = 10,
  get_vring_base = 11,
  set_vring_kick = 12,
  set_vring_call = 13,
  set_vring_err = 14,
  get_protocol_features = 15,
  set_protocol_features = 16,
  get_queue_num = 17,
  set_vring_enable = 18,
  send_rarp = 19,
  net_set_mtu = 20,
  set_backend_req_fd = 21,
  iotlb_msg = 22,
  set_vring_endian = 23,
  get_config = 24,
  set_config = 25,
  create_crypto_session = 26,
  close_crypto_session = 27,
  postcopy_advise = 28,
  postcopy_listen = 29,
  postcopy_end = 30,
  get_inflight_fd = 31,
  set_inflight_fd = 32,
  gpu_set_socket = 33,
  reset_device = 34,
  vring_kick = 35,
  get_max_mem_slots = 36,
  add_mem_reg = 37,
  rem_mem_reg = 38,
  set_status = 39,
  get_status = 40,
};

/// A short name for logs ("SET_MEM_TABLE"), or nullptr for a number this header does not name.
[[nodiscard]] constexpr const char* to_string(request r) noexcept {
  switch (r) {
    case request::get_features: return "GET_FEATURES";
    case request::set_features: return "SET_FEATURES";
    case request::set_owner: return "SET_OWNER";
    case request::reset_owner: return "RESET_OWNER";
    case request::set_mem_table: return "SET_MEM_TABLE";
    case request::set_log_base: return "SET_LOG_BASE";
    case request::set_log_fd: return "SET_LOG_FD";
    case request::set_vring_num: return "SET_VRING_NUM";
    case request::set_vring_addr: return "SET_VRING_ADDR";
    case request::set_vring_base: return "SET_VRING_BASE";
    case request::get_vring_base: return "GET_VRING_BASE";
    case request::set_vring_kick: return "SET_VRING_KICK";
    case request::set_vring_call: return "SET_VRING_CALL";
    case request::set_vring_err: return "SET_VRING_ERR";
    case request::get_protocol_features: return "GET_PROTOCOL_FEATURES";
    case request::set_protocol_features: return "SET_PROTOCOL_FEATURES";
    case request::get_queue_num: return "GET_QUEUE_NUM";
    case request::set_vring_enable: return "SET_VRING_ENABLE";
    case request::send_rarp: return "SEND_RARP";
    case request::net_set_mtu: return "NET_SET_MTU";
    case request::set_backend_req_fd: return "SET_BACKEND_REQ_FD";
    case request::iotlb_msg: return "IOTLB_MSG";
    case request::set_vring_endian: return "SET_VRING_ENDIAN";
    case request::get_config: return "GET_CONFIG";
    case request::set_config: return "SET_CONFIG";
    case request::create_crypto_session: return "CREATE_CRYPTO_SESSION";
    case request::close_crypto_session: return "CLOSE_CRYPTO_SESSION";
    case request::postcopy_advise: return "POSTCOPY_ADVISE";
    case request::postcopy_listen: return "POSTCOPY_LISTEN";
    case request::postcopy_end: return "POSTCOPY_END";
    case request::get_inflight_fd: return "GET_INFLIGHT_FD";
    case request::set_inflight_fd: return "SET_INFLIGHT_FD";
    case request::gpu_set_socket: return "GPU_SET_SOCKET";
    case request::reset_device: return "RESET_DEVICE";
    case request::vring_kick: return "VRING_KICK";
    case request::get_max_mem_slots: return "GET_MAX_MEM_SLOTS";
    case request::add_mem_reg: return "ADD_MEM_REG";
    case request::rem_mem_reg: return "REM_MEM_REG";
    case request::set_status: return "SET_STATUS";
    case request::get_status: return "GET_STATUS";
  }
  return nullptr;
}

// --- feature bits ------------------------------------------------------------------------------

/// Virtio feature bit 30 in GET_FEATURES / SET_FEATURES: the back-end speaks the protocol
/// feature messages; once negotiated, rings start disabled until SET_VRING_ENABLE.
inline constexpr unsigned f_protocol_features = 30;

/// Protocol feature bits (GET_PROTOCOL_FEATURES / SET_PROTOCOL_FEATURES).
namespace protocol_feature {
inline constexpr unsigned mq = 0;
inline constexpr unsigned log_shmfd = 1;
inline constexpr unsigned rarp = 2;
inline constexpr unsigned reply_ack = 3;
inline constexpr unsigned mtu = 4;
inline constexpr unsigned backend_req = 5;
inline constexpr unsigned cross_endian = 6;
inline constexpr unsigned crypto_session = 7;
inline constexpr unsigned pagefault = 8;
inline constexpr unsigned config = 9;
inline constexpr unsigned backend_send_fd = 10;
inline constexpr unsigned host_notifier = 11;
inline constexpr unsigned inflight_shmfd = 12;
inline constexpr unsigned reset_device = 13;
inline constexpr unsigned inband_notifications = 14;
inline constexpr unsigned configure_mem_slots = 15;
inline constexpr unsigned status = 16;
inline constexpr unsigned xen_mmap = 17;
inline constexpr unsigned shared_object = 18;
inline constexpr unsigned device_state = 19;
}  // namespace protocol_feature

// --- payloads ----------------------------------------------------------------------------------

/// SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE: a queue index and a number.
struct vring_state {
  std::uint32_t index = 0;
  std::uint32_t num = 0;
  friend constexpr bool operator==(const vring_state&, const vring_state&) = default;
};

/// SET_VRING_ADDR: the ring's parts as front-end user addresses. On the wire the order is
/// descriptor table, used ring, available ring, log.
struct vring_address {
  std::uint32_t index = 0;
  std::uint32_t flags = 0;  ///< bit 0: log the used ring at `log`
  std::uint64_t desc = 0;
  std::uint64_t used = 0;
  std::uint64_t avail = 0;
  std::uint64_t log = 0;
  friend constexpr bool operator==(const vring_address&, const vring_address&) = default;
};

/// One memory region: guest-physical address, size, the front-end's user address of its first
/// byte, and where it starts in the descriptor that is mapped.
struct region {
  std::uint64_t guest_address = 0;
  std::uint64_t size = 0;
  std::uint64_t user_address = 0;
  std::uint64_t mmap_offset = 0;
  friend constexpr bool operator==(const region&, const region&) = default;
};

/// SET_MEM_TABLE: `count` regions (at most 8), one descriptor each, in order.
struct memory_table {
  std::uint32_t count = 0;
  std::uint32_t padding = 0;
  std::array<region, max_regions> regions{};
  [[nodiscard]] constexpr std::span<const region> view() const noexcept { return {regions.data(), count}; }
  friend constexpr bool operator==(const memory_table& a, const memory_table& b) noexcept {
    if (a.count != b.count || a.padding != b.padding) return false;
    for (std::uint32_t i = 0; i < a.count && i < max_regions; ++i)
      if (!(a.regions[i] == b.regions[i])) return false;
    return true;
  }
};

/// ADD_MEM_REG (one descriptor) and REM_MEM_REG (none, or one an older front-end sends and
/// the back-end closes unused).
struct single_region {
  std::uint64_t padding = 0;
  region value;
  friend constexpr bool operator==(const single_region&, const single_region&) = default;
};

/// SET_VRING_KICK / CALL / ERR: a u64 whose bits 0-7 are the queue index; bit 8 set means no
/// descriptor comes with it (the ring is polled, or the notification is off).
struct vring_file {
  static constexpr std::uint64_t index_mask = 0xff;
  static constexpr std::uint64_t no_fd_mask = 0x100;
  std::uint64_t value = 0;
  [[nodiscard]] constexpr std::uint32_t index() const noexcept { return static_cast<std::uint32_t>(value & index_mask); }
  [[nodiscard]] constexpr bool no_fd() const noexcept { return (value & no_fd_mask) != 0; }
  friend constexpr bool operator==(const vring_file&, const vring_file&) = default;
};

/// GET_CONFIG / SET_CONFIG: `size` bytes of device configuration space at `offset`.
struct config_space {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;  ///< at most 256
  std::uint32_t flags = 0;
  std::array<std::byte, max_config_size> data{};
  friend constexpr bool operator==(const config_space& a, const config_space& b) noexcept {
    if (a.offset != b.offset || a.size != b.size || a.flags != b.flags) return false;
    for (std::size_t i = 0; i < a.size && i < max_config_size; ++i)
      if (a.data[i] != b.data[i]) return false;
    return true;
  }
};

/// Which payload a message has; the index of the matching alternative of `payload`.
enum class payload_kind : unsigned char { none, u64, vring_state, vring_address, memory_table, single_region, vring_file, config };

using payload = std::variant<std::monostate, std::uint64_t, vring_state, vring_address, memory_table, single_region,
                             vring_file, config_space>;

[[nodiscard]] constexpr payload_kind kind_of(const payload& p) noexcept { return static_cast<payload_kind>(p.index()); }

/// The payload of request `r` as a front-end sends it; nullopt for a request this codec does
/// not handle (logging, postcopy, crypto, net, GPU, inflight and in-band kicks).
[[nodiscard]] constexpr std::optional<payload_kind> request_payload(request r) noexcept {
  switch (r) {
    case request::get_features:
    case request::set_owner:
    case request::reset_owner:
    case request::get_protocol_features:
    case request::get_queue_num:
    case request::reset_device:
    case request::get_max_mem_slots:
    case request::get_status: return payload_kind::none;
    case request::set_features:
    case request::set_protocol_features:
    case request::set_status: return payload_kind::u64;
    case request::set_mem_table: return payload_kind::memory_table;
    case request::set_vring_num:
    case request::set_vring_base:
    case request::get_vring_base:
    case request::set_vring_enable: return payload_kind::vring_state;
    case request::set_vring_addr: return payload_kind::vring_address;
    case request::set_vring_kick:
    case request::set_vring_call:
    case request::set_vring_err: return payload_kind::vring_file;
    case request::get_config:
    case request::set_config: return payload_kind::config;
    case request::add_mem_reg:
    case request::rem_mem_reg: return payload_kind::single_region;
    default: return std::nullopt;
  }
}

/// Whether request `r` is always answered (a GET); the others are answered only when
/// REPLY_ACK was negotiated and the request has NEED_REPLY.
[[nodiscard]] constexpr bool always_replied(request r) noexcept {
  switch (r) {
    case request::get_features:
    case request::get_protocol_features:
    case request::get_vring_base:
    case request::get_queue_num:
    case request::get_config:
    case request::get_max_mem_slots:
    case request::get_status: return true;
    default: return false;
  }
}

/// The payload of the reply to `r`: the value a GET asks for, else the REPLY_ACK u64 (0 for
/// success); nullopt for a request this codec does not handle.
[[nodiscard]] constexpr std::optional<payload_kind> reply_payload(request r) noexcept {
  if (!request_payload(r)) return std::nullopt;
  if (r == request::get_vring_base) return payload_kind::vring_state;
  if (r == request::get_config) return payload_kind::config;
  return payload_kind::u64;
}

/// A decoded message: a request or, with flag_reply, a reply.
struct message {
  request req = request::get_features;
  std::uint32_t flags = version;  ///< kept as received: version, REPLY, NEED_REPLY, other bits
  payload body;

  [[nodiscard]] constexpr bool is_reply() const noexcept { return (flags & flag_reply) != 0; }
  [[nodiscard]] constexpr bool needs_reply() const noexcept { return (flags & flag_need_reply) != 0; }
  friend constexpr bool operator==(const message&, const message&) = default;
};

/// How many descriptors message `m` carries: [min, max] (REM_MEM_REG accepts 0 or 1).
struct fd_count {
  std::size_t min = 0;
  std::size_t max = 0;
};

[[nodiscard]] constexpr fd_count fd_range(const message& m) noexcept {
  if (m.is_reply()) return {};
  switch (m.req) {
    case request::set_mem_table:
      if (const auto* t = std::get_if<memory_table>(&m.body)) return {t->count, t->count};
      return {};
    case request::set_vring_kick:
    case request::set_vring_call:
    case request::set_vring_err:
      if (const auto* f = std::get_if<vring_file>(&m.body)) return f->no_fd() ? fd_count{} : fd_count{1, 1};
      return {};
    case request::add_mem_reg: return {1, 1};
    case request::rem_mem_reg: return {0, 1};
    default: return {};
  }
}

/// The descriptors a sender attaches to `m` (REM_MEM_REG: none, as the protocol recommends).
[[nodiscard]] constexpr std::size_t fds_to_send(const message& m) noexcept { return fd_range(m).min; }

/// A decoded header.
struct header {
  std::uint32_t request = 0;
  std::uint32_t flags = 0;
  std::uint32_t size = 0;
};

/// The header at the start of `bytes`: too_short below 12 bytes, vhost_bad_version unless
/// the version bits are 1, vhost_bad_payload_size for a size above max_payload_size (no
/// message this codec knows is that long, so a reader never needs to buffer more).
[[nodiscard]] constexpr result<header> decode_header(std::span<const std::byte> bytes) noexcept {
  if (bytes.size() < header_size) return errc::too_short;
  const header h{load_le<std::uint32_t>(bytes, 0), load_le<std::uint32_t>(bytes, 4), load_le<std::uint32_t>(bytes, 8)};
  if ((h.flags & flag_version_mask) != version) return errc::vhost_bad_version;
  if (h.size > max_payload_size) return errc::vhost_bad_payload_size;
  return h;
}

namespace detail {

[[nodiscard]] constexpr region load_region(std::span<const std::byte> p, std::size_t at) noexcept {
  return {load_le<std::uint64_t>(p, at), load_le<std::uint64_t>(p, at + 8), load_le<std::uint64_t>(p, at + 16),
          load_le<std::uint64_t>(p, at + 24)};
}
constexpr void store_region(std::span<std::byte> p, std::size_t at, const region& r) noexcept {
  store_le<std::uint64_t>(p, at, r.guest_address);
  store_le<std::uint64_t>(p, at + 8, r.size);
  store_le<std::uint64_t>(p, at + 16, r.user_address);
  store_le<std::uint64_t>(p, at + 24, r.mmap_offset);
}

// The payload size that `body` encodes to; nullopt when it cannot be encoded.
[[nodiscard]] constexpr std::optional<std::size_t> payload_size(const payload& body) noexcept {
  switch (kind_of(body)) {
    case payload_kind::none: return 0;
    case payload_kind::u64:
    case payload_kind::vring_state:
    case payload_kind::vring_file: return 8;
    case payload_kind::vring_address: return vring_address_size;
    case payload_kind::single_region: return single_region_size;
    case payload_kind::memory_table: {
      const auto& t = std::get<memory_table>(body);
      if (t.count > max_regions) return std::nullopt;
      return memory_table_header_size + region_size * t.count;
    }
    case payload_kind::config: {
      const auto& c = std::get<config_space>(body);
      if (c.size > max_config_size) return std::nullopt;
      return config_header_size + c.size;
    }
  }
  return std::nullopt;
}

}  // namespace detail

/// Decodes one whole message, `bytes` being its header and payload exactly, with `fds` the
/// number of descriptors that came with it. Errors, in the order checked:
///   too_short               fewer than 12 bytes, or fewer than 12 + size;
///   vhost_bad_version       the version bits are not 1;
///   vhost_bad_payload_size  size above max_payload_size, or bytes beyond 12 + size;
///   vhost_unknown_request   a request number this codec does not handle;
///   vhost_too_many_regions  a memory table of more than 8 regions;
///   vhost_bad_payload_size  a size other than the request's (or reply's) payload needs;
///   vhost_bad_fd_count      more or fewer descriptors than the message carries.
[[nodiscard]] constexpr result<message> decode(std::span<const std::byte> bytes, std::size_t fds) noexcept {
  const auto h = decode_header(bytes);
  if (!h) return h.error();
  if (bytes.size() < header_size + h->size) return errc::too_short;
  if (bytes.size() > header_size + h->size) return errc::vhost_bad_payload_size;
  message m;
  m.req = static_cast<request>(h->request);
  m.flags = h->flags;
  const auto kind = m.is_reply() ? reply_payload(m.req) : request_payload(m.req);
  if (!kind) return errc::vhost_unknown_request;
  const std::span<const std::byte> p = bytes.subspan(header_size);
  const std::size_t size = h->size;
  switch (*kind) {
    case payload_kind::none:
      if (size != 0) return errc::vhost_bad_payload_size;
      m.body = std::monostate{};
      break;
    case payload_kind::u64:
      if (size != 8) return errc::vhost_bad_payload_size;
      m.body = load_le<std::uint64_t>(p, 0);
      break;
    case payload_kind::vring_state:
      if (size != 8) return errc::vhost_bad_payload_size;
      m.body = vring_state{load_le<std::uint32_t>(p, 0), load_le<std::uint32_t>(p, 4)};
      break;
    case payload_kind::vring_file:
      if (size != 8) return errc::vhost_bad_payload_size;
      m.body = vring_file{load_le<std::uint64_t>(p, 0)};
      break;
    case payload_kind::vring_address:
      if (size != vring_address_size) return errc::vhost_bad_payload_size;
      m.body = vring_address{load_le<std::uint32_t>(p, 0),  load_le<std::uint32_t>(p, 4),  load_le<std::uint64_t>(p, 8),
                             load_le<std::uint64_t>(p, 16), load_le<std::uint64_t>(p, 24), load_le<std::uint64_t>(p, 32)};
      break;
    case payload_kind::single_region:
      if (size != single_region_size) return errc::vhost_bad_payload_size;
      m.body = single_region{load_le<std::uint64_t>(p, 0), detail::load_region(p, 8)};
      break;
    case payload_kind::memory_table: {
      if (size < memory_table_header_size) return errc::vhost_bad_payload_size;
      memory_table t;
      t.count = load_le<std::uint32_t>(p, 0);
      t.padding = load_le<std::uint32_t>(p, 4);
      if (t.count > max_regions) return errc::vhost_too_many_regions;
      if (size != memory_table_header_size + region_size * t.count) return errc::vhost_bad_payload_size;
      for (std::uint32_t i = 0; i < t.count; ++i) t.regions[i] = detail::load_region(p, memory_table_header_size + region_size * i);
      m.body = t;
      break;
    }
    case payload_kind::config: {
      if (size < config_header_size) return errc::vhost_bad_payload_size;
      config_space c;
      c.offset = load_le<std::uint32_t>(p, 0);
      c.size = load_le<std::uint32_t>(p, 4);
      c.flags = load_le<std::uint32_t>(p, 8);
      if (c.size > max_config_size || size != config_header_size + c.size) return errc::vhost_bad_payload_size;
      for (std::size_t i = 0; i < c.size; ++i) c.data[i] = p[config_header_size + i];
      m.body = c;
      break;
    }
  }
  const fd_count expected = fd_range(m);
  if (fds < expected.min || fds > expected.max) return errc::vhost_bad_fd_count;
  return m;
}

/// The bytes `m` encodes to, or nullopt when it cannot be encoded (see encode()).
[[nodiscard]] constexpr std::optional<std::size_t> encoded_size(const message& m) noexcept {
  const auto size = detail::payload_size(m.body);
  if (!size) return std::nullopt;
  return header_size + *size;
}

/// Encodes `m` (request or reply, per its flags) into `out`; returns the bytes written.
/// vhost_unknown_request for a request this codec does not handle; invalid_argument when the
/// payload is not the kind the request (or reply) carries or the version bits are not 1;
/// vhost_too_many_regions for a table of more than 8 regions; vhost_bad_payload_size for a
/// config of more than 256 bytes; buffer_too_small when `out` cannot hold it (nothing written).
[[nodiscard]] constexpr result<std::size_t> encode(const message& m, std::span<std::byte> out) noexcept {
  const auto kind = m.is_reply() ? reply_payload(m.req) : request_payload(m.req);
  if (!kind) return errc::vhost_unknown_request;
  if (*kind != kind_of(m.body) || (m.flags & flag_version_mask) != version) return errc::invalid_argument;
  if (const auto* t = std::get_if<memory_table>(&m.body); t && t->count > max_regions) return errc::vhost_too_many_regions;
  const auto size = detail::payload_size(m.body);
  if (!size) return errc::vhost_bad_payload_size;
  if (out.size() < header_size + *size) return errc::buffer_too_small;
  store_le<std::uint32_t>(out, 0, static_cast<std::uint32_t>(m.req));
  store_le<std::uint32_t>(out, 4, m.flags);
  store_le<std::uint32_t>(out, 8, static_cast<std::uint32_t>(*size));
  const std::span<std::byte> p = out.subspan(header_size);
  switch (kind_of(m.body)) {
    case payload_kind::none: break;
    case payload_kind::u64: store_le<std::uint64_t>(p, 0, std::get<std::uint64_t>(m.body)); break;
    case payload_kind::vring_state: {
      const auto& s = std::get<vring_state>(m.body);
      store_le<std::uint32_t>(p, 0, s.index);
      store_le<std::uint32_t>(p, 4, s.num);
      break;
    }
    case payload_kind::vring_file: store_le<std::uint64_t>(p, 0, std::get<vring_file>(m.body).value); break;
    case payload_kind::vring_address: {
      const auto& a = std::get<vring_address>(m.body);
      store_le<std::uint32_t>(p, 0, a.index);
      store_le<std::uint32_t>(p, 4, a.flags);
      store_le<std::uint64_t>(p, 8, a.desc);
      store_le<std::uint64_t>(p, 16, a.used);
      store_le<std::uint64_t>(p, 24, a.avail);
      store_le<std::uint64_t>(p, 32, a.log);
      break;
    }
    case payload_kind::single_region: {
      const auto& r = std::get<single_region>(m.body);
      store_le<std::uint64_t>(p, 0, r.padding);
      detail::store_region(p, 8, r.value);
      break;
    }
    case payload_kind::memory_table: {
      const auto& t = std::get<memory_table>(m.body);
      store_le<std::uint32_t>(p, 0, t.count);
      store_le<std::uint32_t>(p, 4, t.padding);
      for (std::uint32_t i = 0; i < t.count && i < max_regions; ++i)
        detail::store_region(p, memory_table_header_size + region_size * i, t.regions[i]);
      break;
    }
    case payload_kind::config: {
      const auto& c = std::get<config_space>(m.body);
      store_le<std::uint32_t>(p, 0, c.offset);
      store_le<std::uint32_t>(p, 4, c.size);
      store_le<std::uint32_t>(p, 8, c.flags);
      for (std::size_t i = 0; i < c.size && i < max_config_size; ++i) p[config_header_size + i] = c.data[i];
      break;
    }
  }
  return header_size + *size;
}

// --- builders ----------------------------------------------------------------------------------

/// A front-end request; `need_reply` asks for a REPLY_ACK (only once it is negotiated).
[[nodiscard]] constexpr message make_request(request r, payload body = {}, bool need_reply = false) noexcept {
  return {r, version | (need_reply ? flag_need_reply : 0U), body};
}

/// A back-end reply to `r` carrying `body`.
[[nodiscard]] constexpr message make_reply(request r, payload body) noexcept { return {r, version | flag_reply, body}; }

/// The REPLY_ACK answer to `r`: u64 0 for success, 1 for failure.
[[nodiscard]] constexpr message make_ack(request r, bool ok) noexcept {
  return make_reply(r, payload{std::uint64_t{ok ? 0U : 1U}});
}

}  // namespace vhost_user

VRTC_END_NAMESPACE
