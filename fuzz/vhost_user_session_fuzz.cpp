// Fuzz target: the vhost-user back-end session (vhost_user_backend.hpp) driven by any sequence
// of control messages, kicks and time steps, over guest memory whose contents the input gives.
//
// Guest memory is one 64 KiB memfd; every descriptor a message carries is a fresh duplicate of
// it, so SET_MEM_TABLE and ADD_MEM_REG map it wherever the input says (rings, descriptors and
// buffers are then the input's bytes). Input layout: up to 4096 bytes of memory contents (the
// first two bytes give their length), then operations: a message (descriptor count, length,
// bytes), a kick of either queue, or a step of reference time. The session must never crash;
// a reply comes exactly when the request is a GET or asked for a REPLY_ACK that was negotiated;
// every reply encodes and decodes again as a reply; an error ends the session (end()), after
// which it serves again; and no descriptor outlives the session.
#include <vrtc/format/vhost_user.hpp>
#include <vrtc/linux/vhost_user_backend.hpp>
#include <vrtc/roles/device.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fuzz_input.hpp"

using vrtc_fuzz::require;
namespace vu = vrtc::vhost_user;

namespace {

constexpr std::size_t memory_size = 64 * 1024;

int guest_memfd() {
  static const int fd = [] {
    const int f = ::memfd_create("vrtc-fuzz-guest", MFD_CLOEXEC);
    if (f < 0 || ::ftruncate(f, memory_size) != 0) __builtin_trap();
    return f;
  }();
  return fd;
}

// The lowest free descriptor number: it moves up when a descriptor leaks.
int lowest_free_fd() {
  const int probe = ::dup(0);
  ::close(probe);
  return probe;
}

struct offset_clock {
  vrtc::clock_type type = vrtc::clock_type::utc_smeared;
  bool alarm = false;
  std::uint64_t offset = 0;
  [[nodiscard]] vrtc::clock_capabilities capabilities() const noexcept {
    return {type, vrtc::smearing::unspecified, alarm};
  }
  [[nodiscard]] vrtc::result<std::uint64_t> read(vrtc::reference_time now) const noexcept { return offset + now.ns(); }
  [[nodiscard]] vrtc::reference_time instant_of(std::uint64_t reading, vrtc::reference_time now) const noexcept {
    return reading > offset + now.ns() ? vrtc::reference_time(reading - offset) : now;
  }
  [[nodiscard]] vrtc::reference_time instant_below(std::uint64_t reading, vrtc::reference_time now) const noexcept {
    return offset + now.ns() < reading ? now : vrtc::never_instant;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int memfd = guest_memfd();
  const int free_before = lowest_free_fd();
  std::size_t at = 0;
  auto byte = [&]() -> std::uint8_t { return at < size ? data[at++] : 0; };

  // Guest memory contents.
  const std::size_t fill = (std::size_t{byte()} | std::size_t{byte()} << 8) % 4097;
  std::array<std::uint8_t, 4096> contents{};
  for (std::size_t i = 0; i < fill && at < size; ++i) contents[i] = data[at++];
  if (::pwrite(memfd, contents.data(), contents.size(), 0) != static_cast<ssize_t>(contents.size())) __builtin_trap();

  offset_clock utc{vrtc::clock_type::utc_smeared, true, 1'000'000'000'000};
  offset_clock mono{vrtc::clock_type::monotonic, false, 0};
  const std::array<vrtc::clock_ref, 2> clocks{vrtc::clock_ref(utc), vrtc::clock_ref(mono)};
  vrtc::device device(clocks);
  {
    vu::backend session(device);
    vrtc::reference_time now{};
    std::array<std::byte, vu::max_message_size> wire{};
    while (at < size) {
      const std::uint8_t op = byte();
      if (op % 4 == 1) {
        session.on_kick(op / 4 % 2, now);
        continue;
      }
      if (op % 4 == 2) {
        now += vrtc::nanosecond_count(std::uint64_t{byte()} << (op / 4 % 40));
        session.process(now);
        continue;
      }
      const std::size_t fds_given = op / 4 % 9;
      const std::size_t length = (std::size_t{byte()} | std::size_t{byte() & 1u} << 8);
      std::size_t n = 0;
      while (n < length && n < wire.size() && at < size) wire[n++] = static_cast<std::byte>(data[at++]);
      const auto m = vu::decode(std::span<const std::byte>(wire.data(), n), fds_given);
      if (!m) continue;
      std::array<int, vu::max_fds> fds{};
      for (std::size_t i = 0; i < fds_given; ++i) fds[i] = ::dup(memfd);
      std::optional<vu::message> failure;
      const auto reply = session.handle(*m, std::span<const int>(fds.data(), fds_given), now, &failure);
      // REPLY_ACK as the message leaves it: SET_PROTOCOL_FEATURES that turns it on is acked.
      const bool ack_negotiated = (session.protocol_features() >> vu::protocol_feature::reply_ack & 1) != 0;
      if (!reply) {
        require(!failure || (ack_negotiated && m->needs_reply() && !vu::always_replied(m->req)));
        session.end(now);
        continue;
      }
      const bool expected = vu::always_replied(m->req) || (ack_negotiated && m->needs_reply());
      require(reply->has_value() == expected);
      if (*reply) {
        require((*reply)->is_reply() && (*reply)->req == m->req);
        std::array<std::byte, vu::max_message_size> out{};
        const auto k = vu::encode(**reply, out);
        require(k.has_value());
        const auto back = vu::decode(std::span<const std::byte>(out.data(), *k), 0);
        require(back.has_value() && *back == **reply);
      }
    }
    session.end(now);
  }
  require(lowest_free_fd() == free_before);
  return 0;
}
