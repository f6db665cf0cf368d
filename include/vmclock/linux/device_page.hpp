// vmclock on Linux: opening /dev/vmclockN (or a page file) and waiting for updates. POSIX-only,
// so it is not part of the umbrella header; the portable core (abi, reader, writer, monitor)
// does not depend on it. Finding the device is discovery.hpp.
//
// Opening never blocks (vrtc/linux/file.hpp: O_NONBLOCK, then the file type is checked). A device
// node is mapped one page read-only, as the driver demands (it refuses writable mappings with
// EROFS, and any length but one page or any offset with EINVAL), with a fallback to pread() when
// the mapping is refused: the driver copies the page out under its seqlock. A regular file is
// never mapped: a mapped file that another process truncates raises SIGBUS on the next access,
// which no check beforehand can rule out, so a file is copied with pread() and a file that
// shrinks is an error. Every failure is an access_error naming the path and the likely fix.
// docs/linux.md has the details.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "vrtc/core/config.hpp"
#include "vrtc/core/error_code.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/linux/file.hpp"
#include "vmclock/abi.hpp"
#include "vmclock/reader.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

// --- errors ----------------------------------------------------------------------------------

/// A failure of the operating-system layer: the library's error code, the errno behind it (0
/// when none), the path involved, and a sentence saying what went wrong and what to do about it.
/// The page functions return result<T, access_error> (result<void, access_error> for a success
/// without a value): the same result as everywhere else, with this richer error.
struct access_error {
  errc code = errc::io_error;
  int sys_errno = 0;
  std::string path;
  std::string message;

  /// "PATH: message".
  [[nodiscard]] std::string what() const { return path.empty() ? message : path + ": " + message; }
};

/// The code of an access_error as a std::error_code (category "vrtc"); the path and the message
/// stay in the access_error.
[[nodiscard]] inline std::error_code make_error_code(const access_error& e) noexcept {
  return ::vrtc::make_error_code(e.code);
}

namespace detail {

/// Whether a path names a device node under /dev (the advice differs from a page file's).
[[nodiscard]] inline bool looks_like_device(std::string_view path) noexcept {
  return path.find("/dev/vmclock") != std::string_view::npos;
}

/// The access_error for a failed system call `what` ("open", "map", "read") on `path`.
[[nodiscard]] inline access_error system_error(std::string_view what, const std::string& path, int err) {
  access_error e;
  e.sys_errno = err;
  e.path = path;
  const std::string reason = std::string(what) + " failed: " + std::strerror(err);
  const bool device = looks_like_device(path);
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      e.code = errc::not_found;
      e.message = reason + (device ? "; either no vmclock driver is bound to a device, or the driver is bound but "
                                     "made no node (it makes one only when the page is at least one kernel page): "
                                     "run `vmclock probe` to see which"
                                   : "; check the path, or start `vmclock-host --page PATH` to publish a page there");
      break;
    case EACCES:
    case EPERM:
      e.code = errc::permission_denied;
      e.message = reason + (device ? "; /dev/vmclock* is readable by root only by default: run as root or install "
                                     "a udev rule that grants read access (docs/linux.md)"
                                   : "; the file is not readable by this user: adjust its mode or owner");
      break;
    case EROFS:
      e.code = errc::map_refused;
      e.message = reason + "; the device only allows read-only mappings: map it PROT_READ, MAP_SHARED";
      break;
    case ETIMEDOUT:
      e.code = errc::timed_out;
      e.message = reason + "; the device's seqlock did not settle within 100 ms (the hypervisor left seq_count odd "
                           "or updates without pause): retry later";
      break;
    default:
      e.code = errc::io_error;
      e.message = reason;
  }
  return e;
}

/// The access_error for a page whose header a reader refuses.
[[nodiscard]] inline access_error page_error(errc code, const std::string& path, std::size_t available,
                                             std::uint32_t magic) {
  access_error e;
  e.code = code;
  e.path = path;
  switch (code) {
    case errc::too_short:
      e.message = "short page: " + std::to_string(available) +
                  " bytes, a vmclock structure needs at least 32 (112 for every field); is the writer running?";
      break;
    case errc::bad_magic: {
      char hex[16];
      std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(magic));
      e.message = std::string("not a vmclock page: magic 0x") + hex +
                  " instead of 0x4b4c4356 (\"VCLK\"); is this a vmclock device or a page written by vmclock-host?";
      break;
    }
    case errc::bad_version:
      e.message = "unsupported vmclock version (only 1 is defined; 0 means the writer is wiping the page)";
      break;
    case errc::bad_size:
      e.message = "the page's size field is below 32 or beyond the " + std::to_string(available) +
                  " bytes available: a truncated file or a corrupt page";
      break;
    default:
      e.message = to_string(code);
  }
  return e;
}

}  // namespace detail

// --- opening a page --------------------------------------------------------------------------

/// The system calls the page layer makes, replaceable so that tests can produce every failure
/// (EACCES as root, a refused mapping, a timed-out read) without a real device.
struct os_interface {
  int (*open)(const char* path, int flags) = [](const char* p, int f) { return ::open(p, f); };
  int (*fstat)(int fd, struct stat* st) = [](int fd, struct stat* st) { return ::fstat(fd, st); };
  void* (*mmap)(void* addr, std::size_t length, int prot, int flags, int fd, off_t offset) =
      [](void* a, std::size_t l, int p, int f, int fd, off_t o) { return ::mmap(a, l, p, f, fd, o); };
  ssize_t (*pread)(int fd, void* buf, std::size_t count, off_t offset) =
      [](int fd, void* b, std::size_t c, off_t o) { return ::pread(fd, b, c, o); };
  int (*poll)(struct pollfd* fds, nfds_t n, int timeout_ms) = [](struct pollfd* f, nfds_t n, int t) {
    return ::poll(f, n, t);
  };
};

/// How a page tells its readers that it changed.
enum class notification_mode : std::uint8_t {
  poll,      ///< poll() on the device node (NOTIFICATION_PRESENT, and the driver supports it)
  interval,  ///< re-reading seq_count at an interval
};

/// Why a page is re-read at an interval instead of waited for with poll().
enum class interval_reason : std::uint8_t {
  none,               ///< it is not: notifications are by poll()
  regular_file,       ///< a file always polls readable; only a device node can notify
  not_offered,        ///< the page does not set NOTIFICATION_PRESENT
  poll_hangup,        ///< poll() answered POLLHUP: the driver has no notification support
  poll_never_blocks,  ///< poll() reported ready again and again while seq_count stayed the same
};

/// A phrase for a person: "poll() never blocks on this device (...)".
[[nodiscard]] constexpr const char* to_string(interval_reason r) noexcept {
  switch (r) {
    case interval_reason::none: return "notifications by poll()";
    case interval_reason::regular_file: return "a regular file cannot notify";
    case interval_reason::not_offered: return "the page does not set NOTIFICATION_PRESENT";
    case interval_reason::poll_hangup: return "the driver answers poll() with POLLHUP (no notification support)";
    case interval_reason::poll_never_blocks:
      return "poll() never blocks on this device although the page sets NOTIFICATION_PRESENT (a driver without a "
             "poll operation: Linux before 7.0)";
  }
  return "unknown";
}

/// How many wake-ups from poll() in a row may find seq_count unchanged before poll() counts as
/// one that never blocks. A driver with notifications reports POLLIN only while seq_count differs
/// from what this file last read, so after the acknowledging read the next poll() waits.
inline constexpr int idle_wakeups_limit = 3;

/// An open vmclock page: /dev/vmclockN mapped read-only (or copied with pread when the mapping
/// is refused), or a regular file such as one published by vmclock-host, always copied with
/// pread (a file that shrinks is then an error, not SIGBUS), behind the same API and checks.
/// Move-only; unmaps and closes on destruction.
class device_page {
 public:
  /// Opens `path`, maps its first page PROT_READ/MAP_SHARED (one page, offset 0, as the driver
  /// requires), falls back to pread() if the mapping is refused, and validates the header
  /// before any reader sees it.
  [[nodiscard]] static result<device_page, access_error> open(const std::string& path, const os_interface& os = {}) {
    device_page p(path, os);
    // Never a blocking open(): a FIFO would hang here before its type could be checked.
    const auto f = open_checked(path, O_RDONLY, file_kinds::regular_or_device, os.open, os.fstat);
    if (!f) {
      const open_error& why = f.error();
      if (!why.wrong_kind) return detail::system_error(why.failed_call, path, why.sys_errno);
      access_error e;
      e.code = errc::invalid_argument;
      e.path = path;
      e.message = wrong_kind_reason(why, file_kinds::regular_or_device) +
                  ": give a vmclock device (/dev/vmclockN) or a page file";
      return e;
    }
    p.fd_ = f->fd;
    p.char_device_ = S_ISCHR(f->st.st_mode);
    const long page_size = ::sysconf(_SC_PAGESIZE);
    p.map_length_ = page_size > 0 ? static_cast<std::size_t>(page_size) : 4096;
    // A device has no size; a file is used as far as it goes, up to one page.
    p.length_ = p.map_length_;
    if (!p.char_device_) {
      const auto size = static_cast<std::size_t>(f->st.st_size < 0 ? 0 : f->st.st_size);
      p.length_ = std::min(size, p.map_length_);
      if (p.length_ < min_size) return detail::page_error(errc::too_short, path, p.length_, 0);
    }
    p.capacity_ = p.length_;
    p.opened_length_ = p.length_;
    // Only a device node is mapped: the driver's page cannot shrink. A mapped regular file that
    // is truncated raises SIGBUS on the next access, so a file is always copied with pread().
    void* const m = p.char_device_ ? os.mmap(nullptr, p.map_length_, PROT_READ, MAP_SHARED, p.fd_, 0) : MAP_FAILED;
    if (m != MAP_FAILED && m != nullptr) {
      p.map_ = static_cast<std::byte*>(m);
    } else {
      if (p.char_device_) p.map_errno_ = errno;
      p.copy_.reset(new std::byte[p.map_length_]);
      if (const auto ok = p.refresh(); !ok) return ok.error();
    }
    if (const auto r = reader::open(p.region()); !r) return p.header_error(r.error());
    if (const auto ok = p.choose_notifications(); !ok) return ok.error();
    return p;
  }

  device_page(device_page&& o) noexcept { swap(o); }
  device_page& operator=(device_page&& o) noexcept {
    device_page tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  device_page(const device_page&) = delete;
  device_page& operator=(const device_page&) = delete;
  ~device_page() {
    if (map_ != nullptr) ::munmap(map_, map_length_);
    if (fd_ >= 0) ::close(fd_);
  }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Whether the page is mapped (false: copied with pread on every read).
  [[nodiscard]] bool is_mapped() const noexcept { return map_ != nullptr; }
  /// The errno with which the mapping was refused (0 when mapped).
  [[nodiscard]] int map_errno() const noexcept { return map_errno_; }
  [[nodiscard]] bool is_device() const noexcept { return char_device_; }
  [[nodiscard]] notification_mode notifications() const noexcept { return mode_; }
  /// Why notifications() is interval (none when it is poll).
  [[nodiscard]] interval_reason why_interval() const noexcept { return why_interval_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }

  /// The bytes the reader reads: the mapping, or the last copy.
  [[nodiscard]] std::span<const std::byte> region() const noexcept {
    return {map_ != nullptr ? map_ : copy_.get(), length_};
  }

  /// A reader over the mapping, for hot loops (only when is_mapped(): a copy is only refreshed
  /// by read(), now() and at()). The page must outlive it.
  [[nodiscard]] result<vmclock::reader> mapped_reader() const noexcept {
    if (map_ == nullptr) return errc::map_refused;
    return reader::open(region());
  }

  /// A consistent copy of every field.
  [[nodiscard]] result<page_data, access_error> read(const read_limits& limits = default_read_limits) {
    if (map_ == nullptr)
      if (const auto ok = refresh(); !ok) return ok.error();
    const auto r = reader::open(region());
    if (!r) return header_error(r.error());
    const auto page = r->read(limits);
    if (!page) return read_error(page.error());
    return *page;
  }

  /// The time now, from this CPU's counter: the sample reader::now() gives (lazy; every value
  /// at once with sample.reading()).
  [[nodiscard]] result<clock_sample, access_error> now(const read_limits& limits = default_read_limits) {
    return sample([&](const reader& r) { return r.now(limits); });
  }

  /// The time the page says at a counter value the caller already has (see reader::at).
  [[nodiscard]] result<clock_sample, access_error> at(std::uint64_t counter,
                                                      const read_limits& limits = default_read_limits) {
    return sample([&](const reader& r) { return r.at(counter, limits); });
  }

  /// Waits until seq_count differs from `seen_seq` (the seq_count of the caller's last read):
  /// with poll() on the device when notifications() is poll, otherwise by re-reading every
  /// `interval`. Returns true on a change, false when `timeout` passed first (a negative
  /// timeout waits forever). A poll() that keeps reporting ready without a change (a driver
  /// without a poll operation) switches the page to interval mode for good.
  [[nodiscard]] result<bool, access_error> wait_for_update(std::uint32_t seen_seq, std::chrono::milliseconds timeout,
                                                          std::chrono::milliseconds interval = std::chrono::milliseconds(100)) {
    using clock = std::chrono::steady_clock;
    const bool forever = timeout.count() < 0;
    const auto deadline = clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
    if (interval.count() <= 0) interval = std::chrono::milliseconds(1);
    bool woke = false;
    for (;;) {
      const auto page = read();
      if (!page) return page.error();
      if (page->seq_count != seen_seq) {
        if (woke) idle_wakeups_ = 0;
        return true;
      }
      if (woke && ++idle_wakeups_ >= idle_wakeups_limit) fall_back(interval_reason::poll_never_blocks);
      woke = false;
      const auto now = clock::now();
      if (!forever && now >= deadline) return false;
      const auto left = forever ? std::chrono::milliseconds::max()
                                : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                                      std::chrono::milliseconds(1);
      if (mode_ == notification_mode::poll) {
        pollfd fd{fd_, POLLIN, 0};
        const auto wait = forever ? -1 : static_cast<int>(std::min<std::int64_t>(left.count(), INT32_MAX));
        const int n = os_.poll(&fd, 1, wait);
        if (n < 0 && errno != EINTR) return detail::system_error("poll", path_, errno);
        if (n > 0 && (fd.revents & POLLHUP) != 0) {
          fall_back(interval_reason::poll_hangup);  // notifications withdrawn
        } else if (n > 0) {
          woke = true;
          if (const auto ok = acknowledge(); !ok) return ok.error();
        }
      } else {
        std::this_thread::sleep_for(std::min(interval, left));
      }
    }
  }

 private:
  device_page(std::string path, const os_interface& os) : path_(std::move(path)), os_(os) {}

  void fall_back(interval_reason why) noexcept {
    mode_ = notification_mode::interval;
    why_interval_ = why;
  }

  /// Poll mode only for a device node whose page sets NOTIFICATION_PRESENT and whose poll()
  /// really waits: after the acknowledging read, poll() with no timeout must report nothing
  /// (POLLHUP: no notification support; ready again and again with seq_count unchanged: no poll
  /// operation at all, so poll() would never block and a waiting loop would spin).
  result<void, access_error> choose_notifications() {
    if (!char_device_) {
      fall_back(interval_reason::regular_file);
      return {};
    }
    auto page = read();
    if (!page) return {page.error()};
    if (!page->has_flag(flag::notification_present)) {
      fall_back(interval_reason::not_offered);
      return {};
    }
    std::uint32_t seq = page->seq_count;
    int idle = 0;
    for (;;) {
      // A fresh open counts as "not yet read": acknowledge so that poll() waits for a change.
      if (const auto ok = acknowledge(); !ok) return ok;
      pollfd fd{fd_, POLLIN, 0};
      const int n = os_.poll(&fd, 1, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (n > 0 && (fd.revents & POLLHUP) != 0)) {
        fall_back(interval_reason::poll_hangup);
        return {};
      }
      if (n == 0) break;
      page = read();
      if (!page) return {page.error()};
      if (page->seq_count != seq) {
        seq = page->seq_count;  // a real update meanwhile: that wake-up proves nothing
        idle = 0;
      } else if (++idle >= idle_wakeups_limit) {
        fall_back(interval_reason::poll_never_blocks);
        return {};
      }
    }
    mode_ = notification_mode::poll;
    why_interval_ = interval_reason::none;
    return {};
  }

  void swap(device_page& o) noexcept {
    std::swap(path_, o.path_);
    std::swap(os_, o.os_);
    std::swap(fd_, o.fd_);
    std::swap(map_, o.map_);
    std::swap(copy_, o.copy_);
    std::swap(check_, o.check_);
    std::swap(map_length_, o.map_length_);
    std::swap(length_, o.length_);
    std::swap(capacity_, o.capacity_);
    std::swap(map_errno_, o.map_errno_);
    std::swap(char_device_, o.char_device_);
    std::swap(mode_, o.mode_);
    std::swap(why_interval_, o.why_interval_);
    std::swap(idle_wakeups_, o.idle_wakeups_);
    std::swap(opened_length_, o.opened_length_);
  }

  /// pread() of the page into the copy. The driver copies the page under its seqlock; a regular
  /// file that a writer updates through a mapping has no such lock on this path, so its copy is
  /// taken again until two in a row agree with an even seq_count: a copy that mixed two versions
  /// carries the older seq_count, which the next copy cannot repeat. A file that never settles
  /// within 100 copies is errc::retry_limit, never a copy that may mix versions.
  result<void, access_error> refresh() {
    const auto first = copy_into(copy_.get());
    if (!first) return first.error();
    std::size_t have = *first;
    if (!char_device_) {
      if (!check_) check_.reset(new std::byte[capacity_]);
      bool settled = false;
      for (int attempt = 0; attempt < 100 && !settled; ++attempt) {
        const auto again = copy_into(check_.get());
        if (!again) return again.error();
        const bool same = *again == have && std::memcmp(check_.get(), copy_.get(), have) == 0;
        settled = same && (have < layout_of<&page_data::seq_count>.end() ||
                           (std::to_integer<unsigned>(copy_[layout_of<&page_data::seq_count>.offset]) & 1u) == 0);
        std::swap(copy_, check_);
        have = *again;
      }
      if (!settled) {
        access_error e;
        e.code = errc::retry_limit;
        e.path = path_;
        e.message = "the page file changed during each of 100 copies (or stayed mid-update): is the writer stuck?";
        return {e};
      }
    }
    if (have < min_size) {
      access_error e = detail::page_error(errc::too_short, path_, have, 0);
      if (!char_device_ && have < opened_length_)
        e.message = "the page file shrank to " + std::to_string(have) + " bytes (it had " +
                    std::to_string(opened_length_) + " when opened): truncated or replaced by its writer";
      return {e};
    }
    length_ = have;
    return {};
  }

  /// One pread() of up to capacity_ bytes into `to`: the number of bytes.
  result<std::size_t, access_error> copy_into(std::byte* to) {
    std::size_t have = 0;
    while (have < capacity_) {
      const ssize_t n = os_.pread(fd_, to + have, capacity_ - have, static_cast<off_t>(have));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return detail::system_error("read", path_, errno);
      if (n == 0) break;
      have += static_cast<std::size_t>(n);
    }
    return have;
  }

  /// A read() tells the driver which seq_count this file has seen; poll() then waits for another.
  result<void, access_error> acknowledge() {
    std::byte b[16];
    for (;;) {
      const ssize_t n = os_.pread(fd_, b, sizeof b, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return {detail::system_error("read", path_, errno)};
      return {};
    }
  }

  /// `take(reader)` on the current page (copied afresh when it is not mapped).
  template <class Take>
  [[nodiscard]] result<clock_sample, access_error> sample(Take&& take) {
    if (map_ == nullptr)
      if (const auto ok = refresh(); !ok) return ok.error();
    const auto r = reader::open(region());
    if (!r) return header_error(r.error());
    const result<clock_sample> s = take(*r);
    if (!s) return read_error(s.error());
    return *s;
  }

  [[nodiscard]] access_error header_error(errc code) const {
    const std::span<const std::byte> r = region();
    const std::uint32_t magic = r.size() >= 4 ? load_le<std::uint32_t>(r, 0) : 0;
    return detail::page_error(code, path_, r.size(), magic);
  }

  [[nodiscard]] access_error read_error(errc code) const {
    switch (code) {
      case errc::bad_magic:
      case errc::bad_version:
      case errc::bad_size:
      case errc::too_short:
        return header_error(code);
      default: break;
    }
    access_error e;
    e.code = code;
    e.path = path_;
    e.message = to_string(code);
    if (code == errc::retry_limit || code == errc::timed_out)
      e.message += ": the writer keeps seq_count odd or updates without pause";
    return e;
  }

  std::string path_;
  os_interface os_;
  int fd_ = -1;
  std::byte* map_ = nullptr;
  std::unique_ptr<std::byte[]> copy_;
  std::unique_ptr<std::byte[]> check_;  ///< the second copy of a regular file (see refresh)
  std::size_t map_length_ = 0;
  std::size_t length_ = 0;    ///< bytes the reader sees: the mapping's, or the last copy's
  std::size_t capacity_ = 0;  ///< bytes a copy asks for: the file's size or one page
  int map_errno_ = 0;
  bool char_device_ = false;
  notification_mode mode_ = notification_mode::interval;
  interval_reason why_interval_ = interval_reason::not_offered;
  int idle_wakeups_ = 0;       ///< poll() wake-ups in a row that found seq_count unchanged
  std::size_t opened_length_ = 0;  ///< a regular file's bytes (up to a page) when opened
};

}  // namespace vmclock
VRTC_END_NAMESPACE
