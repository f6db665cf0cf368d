// Opening the files a tool is given, never blocking on them: every path goes through the
// library's open_checked() (vrtc/linux/file.hpp), so a FIFO or a socket is a clear error and
// exit status 2, never a hang. Not part of the library.
#pragma once

#include <vrtc/linux/file.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "cli.hpp"

namespace vrtc_tools {

using vrtc::vmclock::file_kinds;

/// An open file descriptor, closed on scope exit.
class open_file {
 public:
  /// Opens `path` with open_checked(), or fails the tool with "cannot open PATH: ...".
  open_file(const std::string& path, int flags, file_kinds accepted, mode_t mode = 0644) {
    const auto f = vrtc::vmclock::open_checked(path, flags, accepted, mode);
    if (!f) {
      std::string why =
          f.error().wrong_kind ? vrtc::vmclock::wrong_kind_reason(f.error(), accepted) : std::strerror(f.error().sys_errno);
      fail("cannot open " + path + ": " + why);
    }
    fd_ = f->fd;
  }
  open_file(const open_file&) = delete;
  open_file& operator=(const open_file&) = delete;
  ~open_file() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

/// All of `fd`'s bytes; false on a read error (errno says which).
inline bool read_all(int fd, std::string& out) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

/// Writes all of `data` to `fd`; false on a write error.
inline bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace vrtc_tools
