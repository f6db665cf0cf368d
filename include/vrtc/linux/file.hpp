// Opening a path without blocking on it. POSIX-only, not part of the umbrella header.
//
// open() blocks on a FIFO until the other end opens it (and on some character devices until
// they are ready), and that happens before anything can look at what the path is. So every
// path the vmclock layer and the tools open goes through open_checked(): open with O_NONBLOCK,
// fstat the descriptor, refuse a kind of file the caller did not ask for, and only then clear
// O_NONBLOCK (and truncate, when asked to). A FIFO, socket or directory is an error naming what
// was found, never a hang. docs/linux.md has the details.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

/// The kinds of file a caller accepts (a bit set).
enum class file_kinds : std::uint8_t {
  regular = 1,           ///< a regular file
  character_device = 2,  ///< a character device node (/dev/vmclock0, /dev/null)
  regular_or_device = 3,
};

[[nodiscard]] constexpr bool accepts(file_kinds accepted, file_kinds k) noexcept {
  return (static_cast<unsigned>(accepted) & static_cast<unsigned>(k)) != 0;
}

/// "a FIFO (named pipe)", "a directory", ...: what a file type (st_mode & S_IFMT) is, for a
/// message.
[[nodiscard]] inline std::string describe_file_type(mode_t type) {
  switch (type & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO (named pipe)";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    default: return "a file of unknown type";
  }
}

/// A descriptor open_checked() accepted; the caller closes it.
struct opened_file {
  int fd = -1;
  struct stat st {};  ///< the descriptor's fstat
};

/// Why open_checked() refused a path: the errno of the call that failed (sys_errno), or a file
/// of a kind not accepted (wrong_kind, with its type in `type`).
struct open_error {
  const char* failed_call = "open";  ///< "open", "stat", "fcntl" or "truncate"
  int sys_errno = 0;
  bool wrong_kind = false;
  mode_t type = 0;  ///< st_mode & S_IFMT of what was found (when known)
};

/// Opens `path` with `flags` (O_RDONLY, O_WRONLY or O_RDWR, optionally O_CREAT and O_TRUNC)
/// without ever blocking: O_NONBLOCK and O_CLOEXEC are added, the descriptor is checked with
/// fstat, and it is kept only if it is one of the `accepted` kinds; then O_NONBLOCK is cleared
/// again (unless the caller asked for it) and O_TRUNC is applied (only now, so a file of the
/// wrong kind is never truncated). A FIFO opened for writing that has no reader makes open()
/// fail with ENXIO: that is reported as the FIFO it is (wrong_kind), found with stat().
///
/// `open_fn(path, flags)` and `fstat_fn(fd, st)` are the system calls, replaceable for tests
/// (vmclock::os_interface). `mode` is the permission bits for O_CREAT.
template <class OpenFn, class FstatFn>
[[nodiscard]] result<opened_file, open_error> open_checked(const std::string& path, int flags, file_kinds accepted,
                                                          OpenFn&& open_fn, FstatFn&& fstat_fn) {
  open_error out;
  const bool truncate = (flags & O_TRUNC) != 0;
  const bool keep_nonblock = (flags & O_NONBLOCK) != 0;
  const int fd = open_fn(path.c_str(), (flags & ~O_TRUNC) | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    out.sys_errno = errno;
    out.failed_call = "open";
    struct stat st {};
    if ((out.sys_errno == ENXIO || out.sys_errno == ENODEV) && ::stat(path.c_str(), &st) == 0 &&
        (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
      out.wrong_kind = true;
      out.type = st.st_mode & S_IFMT;
    }
    return out;
  }
  const auto fail = [&](const char* call, int err) {
    ::close(fd);
    out.sys_errno = err;
    out.failed_call = call;
    return out;
  };
  opened_file file;
  if (fstat_fn(fd, &file.st) != 0) return fail("stat", errno);
  out.type = file.st.st_mode & S_IFMT;
  const bool kind_ok = (S_ISREG(file.st.st_mode) && accepts(accepted, file_kinds::regular)) ||
                       (S_ISCHR(file.st.st_mode) && accepts(accepted, file_kinds::character_device));
  if (!kind_ok) {
    ::close(fd);
    out.wrong_kind = true;
    out.failed_call = "open";
    return out;
  }
  if (!keep_nonblock) {
    const int fl = ::fcntl(fd, F_GETFL);
    if (fl < 0 || ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) return fail("fcntl", errno);
  }
  if (truncate && S_ISREG(file.st.st_mode)) {
    if (::ftruncate(fd, 0) != 0) return fail("truncate", errno);
    file.st.st_size = 0;
  }
  file.fd = fd;
  return file;
}

/// open_checked() with the real system calls; `mode` applies when O_CREAT creates the file.
[[nodiscard]] inline result<opened_file, open_error> open_checked(const std::string& path, int flags,
                                                                 file_kinds accepted, mode_t mode = 0644) {
  return open_checked(
      path, flags, accepted, [mode](const char* p, int f) { return ::open(p, f, mode); },
      [](int fd, struct stat* st) { return ::fstat(fd, st); });
}

/// "is a FIFO (named pipe), not a regular file" / "... neither a character device nor a regular
/// file": the reason an open_error with wrong_kind was refused.
[[nodiscard]] inline std::string wrong_kind_reason(const open_error& f, file_kinds accepted) {
  std::string wanted;
  switch (accepted) {
    case file_kinds::regular: wanted = "not a regular file"; break;
    case file_kinds::character_device: wanted = "not a character device"; break;
    case file_kinds::regular_or_device: wanted = "neither a device node nor a regular file"; break;
  }
  return "is " + describe_file_type(f.type) + ", " + wanted;
}

/// One line for a failed open_checked(): "open failed: No such file or directory", or the
/// wrong-kind reason.
[[nodiscard]] inline std::string describe_failure(const open_error& f, file_kinds accepted) {
  if (f.wrong_kind) return wrong_kind_reason(f, accepted);
  return std::string(f.failed_call) + " failed: " + std::strerror(f.sys_errno);
}

}  // namespace vmclock
VRTC_END_NAMESPACE
