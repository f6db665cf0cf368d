// Fuzz target: the vhost-user message codec (vhost_user.hpp) on any bytes.
//
// The first input byte is the number of file descriptors that "came with" the message (0 to
// 15), the rest is the message. Decoding either fails with one of the codec's named errors or
// gives a message that re-encodes to exactly the same bytes, decodes again to an equal value,
// carries a descriptor count inside its fd_range, and whose header decodes alone to the same
// request, flags and size.
#include <vrtc/format/vhost_user.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_input.hpp"

using vrtc_fuzz::require;
namespace vu = vrtc::vhost_user;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t fds = data[0] & 0x0F;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  const auto m = vu::decode(bytes, fds);
  if (!m) {
    using vrtc::errc;
    const errc e = m.error();
    require(e == errc::too_short || e == errc::vhost_bad_version || e == errc::vhost_bad_payload_size ||
            e == errc::vhost_unknown_request || e == errc::vhost_too_many_regions || e == errc::vhost_bad_fd_count);
    // Failing on a short input is the only error a longer input could cure.
    if (e != errc::too_short) require(bytes.size() >= vu::header_size);
    return 0;
  }
  const vu::fd_count range = vu::fd_range(*m);
  require(range.min <= fds && fds <= range.max);

  std::array<std::byte, vu::max_message_size> out{};
  const auto n = vu::encode(*m, out);
  require(n.has_value());
  require(*n == bytes.size());
  require(vu::encoded_size(*m) == *n);
  require(std::memcmp(out.data(), bytes.data(), *n) == 0);

  const auto again = vu::decode(std::span<const std::byte>(out.data(), *n), fds);
  require(again.has_value() && *again == *m);

  const auto h = vu::decode_header(bytes);
  require(h.has_value() && h->request == static_cast<std::uint32_t>(m->req) && h->flags == m->flags &&
          h->size + vu::header_size == bytes.size());

  // A buffer one byte short is refused without a write.
  std::array<std::byte, vu::max_message_size> small{};
  const auto refused = vu::encode(*m, std::span<std::byte>(small.data(), *n - 1));
  require(refused == vrtc::errc::buffer_too_small);
  for (const std::byte b : small) require(b == std::byte{0});
  return 0;
}
