// vrtc on POSIX: the two system-call habits every edge header needs, written once: retrying a
// call that a signal interrupted, and reading a descriptor to its end under a size limit.
// POSIX-only, not part of the umbrella header.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE
namespace posix {

/// Calls `call()` until it does not fail with EINTR (a result < 0 with errno EINTR) and returns
/// that result; errno is as the last call left it. For read, recvmsg, sendmsg, poll, ioctl...
template <class Call>
[[nodiscard]] auto retry_eintr(Call&& call) noexcept(noexcept(call())) -> decltype(call()) {
  for (;;) {
    const auto r = call();
    if (!(r < 0 && errno == EINTR)) return r;
  }
}

/// What read_to_limit() read: the text (at most the limit), whether there was more, and the
/// errno of a failed read (0 when the descriptor was read to its end or to the limit).
struct limited_read {
  std::string text;
  bool cut = false;
  int sys_errno = 0;
  [[nodiscard]] bool ok() const noexcept { return sys_errno == 0; }
};

/// Reads `fd` to its end, keeping at most `limit` bytes: a file that goes on beyond it is
/// reported as `cut` rather than read without bound. The descriptor is left open.
[[nodiscard]] inline limited_read read_to_limit(int fd, std::size_t limit) {
  limited_read out;
  char buf[4096];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
    if (n < 0) {
      out.sys_errno = errno;
      return out;
    }
    if (n == 0) return out;
    out.text.append(buf, static_cast<std::size_t>(n));
    if (out.text.size() > limit) {
      out.text.resize(limit);
      out.cut = true;
      return out;
    }
  }
}

}  // namespace posix
VRTC_END_NAMESPACE
