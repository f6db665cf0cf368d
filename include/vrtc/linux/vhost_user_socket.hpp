// vrtc: vhost-user messages over a Unix stream socket, with file descriptors passed as
// SCM_RIGHTS (platform edge; POSIX sockets, Linux's MSG_CMSG_CLOEXEC when it exists).
//
// A sender passes a message's descriptors with its first byte, in one sendmsg(); a receiver
// reads the 12-byte header (the descriptors arrive with it), then exactly the size the header
// announces, so that it never reads into the next message. Every descriptor received is
// either handed to the caller or closed: none leaks, whatever the peer sends.
#pragma once

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <span>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/format/vhost_user.hpp"
#include "vrtc/linux/posix.hpp"

VRTC_BEGIN_NAMESPACE

namespace vhost_user {

/// What one receive_message() got: the message's bytes (header and payload) and descriptors.
struct received {
  std::size_t bytes = 0;
  std::size_t fds = 0;
};

namespace detail {

inline void close_all(std::span<const int> fds) noexcept {
  for (const int fd : fds)
    if (fd >= 0) ::close(fd);
}

#ifdef MSG_CMSG_CLOEXEC
inline constexpr int recv_flags = MSG_CMSG_CLOEXEC;
#else
inline constexpr int recv_flags = 0;
#endif

// Reads exactly `out.size()` bytes, collecting descriptors into fds[count..]. Descriptors
// beyond `fds` are closed and reported as too many.
[[nodiscard]] inline result<void> read_exact(int sock, std::span<std::byte> out, std::span<int> fds, std::size_t& count,
                                             bool& overflow) noexcept {
  std::size_t done = 0;
  while (done < out.size()) {
    iovec iov{out.data() + done, out.size() - done};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * max_fds)> control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = posix::retry_eintr([&] { return ::recvmsg(sock, &msg, recv_flags); });
    if (n < 0) return errno == ECONNRESET ? errc::vhost_disconnected : errc::io_error;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < k; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (count < fds.size()) fds[count++] = fd;
        else {
          ::close(fd);
          overflow = true;
        }
      }
    }
    if ((msg.msg_flags & MSG_CTRUNC) != 0) overflow = true;  // the kernel dropped some
    if (n == 0) return errc::vhost_disconnected;
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace detail

/// Receives one message into `buffer` (at least max_message_size bytes) and its descriptors
/// into `fds` (at least max_fds). On any error every descriptor received is closed: too_short
/// or vhost_disconnected when the peer closed (cleanly between messages: vhost_disconnected),
/// the header's errors (decode_header), vhost_bad_fd_count for more descriptors than fit,
/// io_error for a failed recvmsg.
[[nodiscard]] inline result<received> receive_message(int sock, std::span<std::byte> buffer, std::span<int> fds) noexcept {
  if (buffer.size() < max_message_size) return errc::buffer_too_small;
  std::size_t count = 0;
  bool overflow = false;
  auto fail = [&](errc e) -> result<received> {
    detail::close_all(fds.first(count));
    return e;
  };
  if (auto r = detail::read_exact(sock, buffer.first(header_size), fds, count, overflow); !r) return fail(r.error());
  const auto h = decode_header(buffer);
  if (!h) return fail(h.error());
  if (auto r = detail::read_exact(sock, buffer.subspan(header_size, h->size), fds, count, overflow); !r)
    return fail(r.error() == errc::vhost_disconnected ? errc::too_short : r.error());
  if (overflow) return fail(errc::vhost_bad_fd_count);
  return received{header_size + h->size, count};
}

/// Sends `bytes` (one encoded message) with `fds` attached to its first byte.
[[nodiscard]] inline result<void> send_message(int sock, std::span<const std::byte> bytes,
                                               std::span<const int> fds = {}) noexcept {
  if (fds.size() > max_fds) return errc::vhost_bad_fd_count;
  std::size_t done = 0;
  while (done < bytes.size()) {
    iovec iov{const_cast<std::byte*>(bytes.data() + done), bytes.size() - done};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * max_fds)> control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (done == 0 && !fds.empty()) {
      msg.msg_control = control.data();
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    const ssize_t n = posix::retry_eintr([&] { return ::sendmsg(sock, &msg, MSG_NOSIGNAL); });
    if (n < 0) return errno == EPIPE || errno == ECONNRESET ? errc::vhost_disconnected : errc::io_error;
    done += static_cast<std::size_t>(n);
  }
  return {};
}

/// Encodes `m` and sends it with `fds`.
[[nodiscard]] inline result<void> send(int sock, const message& m, std::span<const int> fds = {}) noexcept {
  std::array<std::byte, max_message_size> buffer{};
  const auto n = encode(m, buffer);
  if (!n) return n.error();
  return send_message(sock, std::span<const std::byte>(buffer.data(), *n), fds);
}

}  // namespace vhost_user

VRTC_END_NAMESPACE
