// vrtc: where this host's TAI comes from (platform edge; Linux).
//
// Linux keeps CLOCK_TAI = CLOCK_REALTIME + the kernel's TAI offset, and that offset is 0 until
// an NTP or PTP daemon sets it (adjtimex, field `tai`). On a host where nothing set it,
// CLOCK_TAI is UTC and 37 s wrong. So:
//   * the kernel's offset is set (non-zero): TAI is CLOCK_TAI (tai_source::kernel);
//   * it is 0: TAI is CLOCK_REALTIME plus TAI − UTC from a leap-second table
//     (tai_source::leap_table): the system's list (tzdata's
//     /usr/share/zoneinfo/leap-seconds.list) or the built-in copy, whichever is current and
//     expires later;
//   * it is 0 and no table is current (both expired, or the system list is corrupt and the
//     built-in one expired): there is no TAI, errc::leap_table_expired.
// A table that expires while in use makes every later reading errc::leap_table_expired.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "vrtc/core/civil.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/roles/leap_table.hpp"

VRTC_BEGIN_NAMESPACE

/// Where a TAI reading comes from.
enum class tai_source : std::uint8_t {
  kernel,      ///< CLOCK_TAI: the kernel's TAI offset is set
  leap_table,  ///< CLOCK_REALTIME plus TAI − UTC from a leap-second table
};

[[nodiscard]] constexpr const char* to_string(tai_source s) noexcept {
  return s == tai_source::kernel ? "kernel" : "leap_table";
}

/// Where a leap-second table comes from.
enum class leap_table_origin : std::uint8_t {
  system_list,  ///< the list file (system_leap_seconds_list unless another path was given)
  builtin,      ///< builtin_leap_table()
};

/// tzdata's copy of the IERS list on Debian, Ubuntu, Fedora and most other distributions.
inline constexpr const char* system_leap_seconds_list = "/usr/share/zoneinfo/leap-seconds.list";

/// The system calls host TAI rests on; tests replace them (e.g. adjtimex reporting tai == 0).
struct tai_os_interface {
  int (*adjtimex)(timex* tx) = [](timex* tx) { return ::adjtimex(tx); };
  int (*clock_gettime)(clockid_t id, timespec* ts) = [](clockid_t id, timespec* ts) { return ::clock_gettime(id, ts); };
};

namespace detail {

/// `clock` in nanoseconds since its epoch; errc::not_supported if it cannot be read.
[[nodiscard]] inline result<std::uint64_t> clock_ns(const tai_os_interface& os, clockid_t clock) noexcept {
  timespec ts{};
  if (os.clock_gettime(clock, &ts) != 0 || ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000 ||
      static_cast<std::uint64_t>(ts.tv_sec) > UINT64_MAX / 1'000'000'000u - 1)
    return errc::not_supported;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace detail

/// The kernel's TAI − UTC in seconds (adjtimex's `tai`); nullopt when it was never set (0) or
/// adjtimex fails.
[[nodiscard]] inline std::optional<std::int32_t> kernel_tai_offset(const tai_os_interface& os = {}) noexcept {
  timex tx{};
  tx.modes = 0;  // read only
  if (os.adjtimex(&tx) < 0 || tx.tai == 0) return std::nullopt;
  return static_cast<std::int32_t>(tx.tai);
}

/// A whole small text file (at most 1 MiB, far more than any leap-second list).
/// errc::not_found, permission_denied, io_error; bad_leap_list if larger.
[[nodiscard]] inline result<std::string> read_leap_seconds_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return errc::not_found;
    if (errno == EACCES || errno == EPERM) return errc::permission_denied;
    return errc::io_error;
  }
  constexpr std::size_t limit = std::size_t{1} << 20;
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return errc::io_error;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > limit) {
      ::close(fd);
      return errc::bad_leap_list;
    }
  }
  ::close(fd);
  return text;
}

/// The leap-second table a host uses at `now_utc_sec`, and what became of the system list.
struct host_leap_table {
  /// The current table that expires last (the system list on a tie); nullopt if none is current.
  std::optional<leap_table> table;
  leap_table_origin origin = leap_table_origin::builtin;
  /// Why the system list is not usable: a read or parse error, leap_table_expired; errc{}
  /// when it is current (even if the built-in copy was chosen for expiring later).
  errc system_list_error{};
  /// What was tried, for messages.
  const char* system_list_path = system_leap_seconds_list;
  std::uint64_t builtin_expires = builtin_leap_table().expires();
};

/// The host's table: the list at `path` and the built-in copy, whichever is current at
/// `now_utc_sec` and expires later.
[[nodiscard]] inline host_leap_table load_host_leap_table(std::uint64_t now_utc_sec,
                                                          const char* path = system_leap_seconds_list) {
  host_leap_table h;
  h.system_list_path = path;
  const auto text = read_leap_seconds_file(path);
  std::optional<leap_table> system;
  if (!text) {
    h.system_list_error = text.error();
  } else if (auto t = parse_leap_seconds_list(*text, now_utc_sec); !t) {
    h.system_list_error = t.error();
  } else {
    system = *t;
  }
  const leap_table& builtin = builtin_leap_table();
  const bool builtin_current = !builtin.expired_at(now_utc_sec);
  if (system && (!builtin_current || system->expires() >= builtin.expires())) {
    h.table = system;
    h.origin = leap_table_origin::system_list;
  } else if (builtin_current) {
    h.table = builtin;
    h.origin = leap_table_origin::builtin;
  }
  return h;
}

/// "YYYY-MM-DD" of a UTC instant, for messages.
[[nodiscard]] inline std::string utc_date(std::uint64_t utc_sec) {
  const civil_date d = from_unix_seconds(static_cast<std::int64_t>(utc_sec & static_cast<std::uint64_t>(INT64_MAX))).date;
  char s[32];
  std::snprintf(s, sizeof s, "%04lld-%02u-%02u", static_cast<long long>(d.year), static_cast<unsigned>(d.month),
                static_cast<unsigned>(d.day));
  return s;
}

/// One line on where the table comes from, or why there is none.
[[nodiscard]] inline std::string describe(const host_leap_table& h) {
  std::string s;
  if (h.table) {
    s = (h.origin == leap_table_origin::system_list ? std::string(h.system_list_path) : std::string("built-in table")) +
        ", expires " + utc_date(h.table->expires());
  } else {
    s = "no current leap-second table (built-in table expired " + utc_date(h.builtin_expires) + ")";
  }
  if (h.system_list_error != errc{} && !(h.table && h.origin == leap_table_origin::system_list))
    s += std::string("; ") + h.system_list_path + ": " + to_string(h.system_list_error);
  return s;
}

/// This host's TAI: which source, and readings from it.
class host_tai {
 public:
  /// TAI given the kernel's offset (nullopt: not set) and the host's table: CLOCK_TAI if the
  /// offset is set; else CLOCK_REALTIME plus the table; errc::leap_table_expired if neither.
  [[nodiscard]] static result<host_tai> choose(std::optional<std::int32_t> kernel_offset, const host_leap_table& leaps,
                                               const tai_os_interface& os = {}) noexcept {
    if (kernel_offset) return host_tai(tai_source::kernel, kernel_offset, leaps.table, os);
    if (!leaps.table) return errc::leap_table_expired;
    return host_tai(tai_source::leap_table, std::nullopt, leaps.table, os);
  }

  /// Everything from the host: adjtimex, the current UTC, the list at `leap_list`.
  [[nodiscard]] static result<host_tai> detect(const tai_os_interface& os = {},
                                               const char* leap_list = system_leap_seconds_list) {
    const auto utc = detail::clock_ns(os, CLOCK_REALTIME);
    if (!utc) return utc.error();
    return choose(kernel_tai_offset(os), load_host_leap_table(*utc / 1'000'000'000u, leap_list), os);
  }

  [[nodiscard]] tai_source source() const noexcept { return source_; }
  /// The kernel's TAI − UTC when the source is the kernel.
  [[nodiscard]] std::optional<std::int32_t> kernel_offset() const noexcept { return kernel_offset_; }
  /// The table in use (always for tai_source::leap_table; for the kernel source, when one is
  /// current, for leap indicators and schedules).
  [[nodiscard]] const std::optional<leap_table>& table() const noexcept { return table_; }

  /// A reading: TAI nanoseconds since 1970-01-01T00:00:00 TAI, TAI − UTC at that instant, and
  /// the source it came from.
  struct reading {
    std::uint64_t tai_ns = 0;
    std::int32_t tai_minus_utc = 0;
    tai_source source = tai_source::kernel;
  };

  /// TAI now. errc::not_supported if the clock cannot be read; errc::leap_table_expired once
  /// the table (tai_source::leap_table) has expired.
  [[nodiscard]] result<reading> read() const noexcept {
    if (source_ == tai_source::kernel) {
      const auto t = detail::clock_ns(os_, CLOCK_TAI);
      if (!t) return t.error();
      return reading{*t, *kernel_offset_, source_};
    }
    const auto utc = detail::clock_ns(os_, CLOCK_REALTIME);
    if (!utc) return utc.error();
    const auto off = table_->tai_minus_utc(*utc / 1'000'000'000u);
    if (!off) return off.error();
    const std::uint64_t add = static_cast<std::uint64_t>(*off) * 1'000'000'000u;  // leap_table::make keeps it in 1..1000
    if (*utc > UINT64_MAX - add) return errc::overflow;
    return reading{*utc + add, *off, source_};
  }

  /// TAI nanoseconds now (read() without the details).
  [[nodiscard]] result<std::uint64_t> now_ns() const noexcept {
    const auto r = read();
    if (!r) return r.error();
    return r->tai_ns;
  }

 private:
  host_tai(tai_source s, std::optional<std::int32_t> kernel_offset, const std::optional<leap_table>& table,
           const tai_os_interface& os) noexcept
      : source_(s), kernel_offset_(kernel_offset), table_(table), os_(os) {}

  tai_source source_;
  std::optional<std::int32_t> kernel_offset_;
  std::optional<leap_table> table_;
  tai_os_interface os_;
};

/// One line on where this host's TAI comes from.
[[nodiscard]] inline std::string describe(const host_tai& t, const host_leap_table& leaps) {
  if (t.source() == tai_source::kernel)
    return "CLOCK_TAI (kernel TAI offset " + std::to_string(*t.kernel_offset()) + " s)";
  return "CLOCK_REALTIME + leap-second table (kernel TAI offset not set; " + describe(leaps) + ")";
}

VRTC_END_NAMESPACE
