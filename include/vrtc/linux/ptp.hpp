// vrtc on Linux: the guest's PTP hardware clocks (PHCs). Finds the clocks in /sys/class/ptp,
// recognizes the paravirtual ones by the names their drivers give them (virtio_rtc,
// ptp_vmclock, ptp_kvm), and reads a PHC against the system clock of the same time scale with
// the PTP ioctls. Every path is below a configurable root and every system call goes through
// ptp::system_calls, so tests run it on a fake tree with fake ioctls. POSIX/Linux only, not
// part of the umbrella header. docs/ptp.md has the details.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <linux/ptp_clock.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vrtc/core/config.hpp"
#include "vrtc/linux/file.hpp"
#include "vrtc/linux/host_tai.hpp"
#include "vrtc/linux/posix.hpp"

VRTC_BEGIN_NAMESPACE
namespace ptp {

// --- names -----------------------------------------------------------------------------------

/// The two numbers of a virtio-rtc PTP clock's name, "Virtio PTP type T/variant V": the clock
/// type and its leap second smearing variant (§5.23.6.3.1, .2), as the device reported them.
struct virtio_rtc_name {
  std::uint8_t type = 0;
  std::uint8_t variant = 0;
  friend constexpr bool operator==(const virtio_rtc_name&, const virtio_rtc_name&) = default;
};

namespace detail {
/// A decimal u8 as printf's %hhu writes it: 1 to 3 digits, no sign, no leading zero, <= 255.
[[nodiscard]] constexpr std::optional<std::uint8_t> parse_u8(std::string_view s) noexcept {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}
}  // namespace detail

/// Parses exactly the name the Linux virtio_rtc driver gives a clock; anything else (an extra
/// space, a missing part, a number above 255 or with a leading zero, trailing text) is not one.
[[nodiscard]] constexpr std::optional<virtio_rtc_name> parse_virtio_rtc_name(std::string_view name) noexcept {
  constexpr std::string_view head = "Virtio PTP type ";
  constexpr std::string_view middle = "/variant ";
  if (name.substr(0, head.size()) != head) return std::nullopt;
  name.remove_prefix(head.size());
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto type = detail::parse_u8(name.substr(0, slash));
  name.remove_prefix(slash);
  if (name.substr(0, middle.size()) != middle) return std::nullopt;
  const auto variant = detail::parse_u8(name.substr(middle.size()));
  if (!type || !variant) return std::nullopt;
  return virtio_rtc_name{*type, *variant};
}

/// "UTC", "TAI", "MONOTONIC", "UTC_SMEARED", "UTC_MAYBE_SMEARED", or nullptr for a type the
/// specification does not define.
[[nodiscard]] constexpr const char* virtio_type_name(std::uint8_t type) noexcept {
  switch (type) {
    case 0: return "UTC";
    case 1: return "TAI";
    case 2: return "MONOTONIC";
    case 3: return "UTC_SMEARED";
    case 4: return "UTC_MAYBE_SMEARED";
    default: return nullptr;
  }
}

/// "UNSPECIFIED", "NOON_LINEAR", "UTC_SLS", or nullptr for an undefined variant.
[[nodiscard]] constexpr const char* virtio_variant_name(std::uint8_t variant) noexcept {
  switch (variant) {
    case 0: return "UNSPECIFIED";
    case 1: return "NOON_LINEAR";
    case 2: return "UTC_SLS";
    default: return nullptr;
  }
}

/// "vmclock" followed by one or more digits: the PTP clock of ptp_vmclock.
[[nodiscard]] constexpr bool is_vmclock_name(std::string_view name) noexcept {
  constexpr std::string_view prefix = "vmclock";
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return false;
  for (const char c : name.substr(prefix.size()))
    if (c < '0' || c > '9') return false;
  return true;
}

/// The name ptp_kvm gives its clock.
inline constexpr std::string_view kvm_clock_name = "KVM virtual PTP";

/// Which driver a PHC belongs to, as far as its name tells.
enum class clock_source : std::uint8_t { virtio_rtc, vmclock, kvm, other };

[[nodiscard]] constexpr const char* to_string(clock_source s) noexcept {
  switch (s) {
    case clock_source::virtio_rtc: return "virtio_rtc";
    case clock_source::vmclock: return "vmclock";
    case clock_source::kvm: return "ptp_kvm";
    case clock_source::other: return "other";
  }
  return "other";
}

/// The time scale a PHC keeps, which decides the system clock it is compared with.
enum class time_scale : std::uint8_t { utc, tai, monotonic, utc_smeared, utc_maybe_smeared, unknown };

[[nodiscard]] constexpr const char* to_string(time_scale s) noexcept {
  switch (s) {
    case time_scale::utc: return "UTC";
    case time_scale::tai: return "TAI";
    case time_scale::monotonic: return "MONOTONIC";
    case time_scale::utc_smeared: return "UTC_SMEARED";
    case time_scale::utc_maybe_smeared: return "UTC_MAYBE_SMEARED";
    case time_scale::unknown: return "unknown";
  }
  return "unknown";
}

/// A smeared scale: one a system clock that steps at leap seconds must not follow.
[[nodiscard]] constexpr bool is_smeared(time_scale s) noexcept {
  return s == time_scale::utc_smeared || s == time_scale::utc_maybe_smeared;
}

/// A kernel release's major and minor numbers ("7.3.4+deb13-cloud-amd64" -> 7, 3).
struct kernel_version {
  unsigned major = 0;
  unsigned minor = 0;
  friend constexpr auto operator<=>(const kernel_version&, const kernel_version&) = default;
};

[[nodiscard]] constexpr std::optional<kernel_version> parse_kernel_release(std::string_view release) noexcept {
  kernel_version v;
  std::size_t i = 0;
  const auto number = [&](unsigned& out) {
    const std::size_t start = i;
    while (i < release.size() && release[i] >= '0' && release[i] <= '9' && i - start < 6)
      out = out * 10 + static_cast<unsigned>(release[i++] - '0');
    return i > start;
  };
  if (!number(v.major) || i >= release.size() || release[i] != '.') return std::nullopt;
  ++i;
  if (!number(v.minor)) return std::nullopt;
  return v;
}

/// What a PHC's name says about it.
struct clock_identity {
  clock_source source = clock_source::other;
  time_scale scale = time_scale::unknown;
  std::optional<virtio_rtc_name> virtio;  ///< for virtio_rtc clocks
  std::string description;                ///< one line for people
};

/// The first Linux release whose ptp_vmclock reports TAI; earlier drivers report UTC.
inline constexpr kernel_version vmclock_tai_since{7, 0};

/// Identifies a PHC by its clock_name. ptp_vmclock's time scale depends on the driver: TAI
/// since Linux 7.0, UTC before; with the kernel unknown, the current driver is assumed.
[[nodiscard]] inline clock_identity identify(std::string_view clock_name, std::optional<kernel_version> kernel) {
  clock_identity id;
  if (const auto v = parse_virtio_rtc_name(clock_name)) {
    id.source = clock_source::virtio_rtc;
    id.virtio = *v;
    switch (v->type) {
      case 0: id.scale = time_scale::utc; break;
      case 1: id.scale = time_scale::tai; break;
      case 2: id.scale = time_scale::monotonic; break;
      case 3: id.scale = time_scale::utc_smeared; break;
      case 4: id.scale = time_scale::utc_maybe_smeared; break;
      default: id.scale = time_scale::unknown; break;
    }
    const char* t = virtio_type_name(v->type);
    const char* s = virtio_variant_name(v->variant);
    id.description = std::string("virtio-rtc clock, type ") + (t ? t : "unknown (" + std::to_string(v->type) + ")") +
                     ", smearing " + (s ? s : "unknown (" + std::to_string(v->variant) + ")");
    return id;
  }
  if (is_vmclock_name(clock_name)) {
    id.source = clock_source::vmclock;
    id.scale = (!kernel || *kernel >= vmclock_tai_since) ? time_scale::tai : time_scale::utc;
    id.description = std::string("vmclock (ptp_vmclock), ") + to_string(id.scale) +
                     (kernel ? " (by the kernel's version)" : " (kernel version unknown: the current driver's TAI)");
    return id;
  }
  if (clock_name == kvm_clock_name) {
    id.source = clock_source::kvm;
    id.scale = time_scale::utc;
    id.description = "ptp_kvm (the host's CLOCK_REALTIME), UTC";
    return id;
  }
  id.description = "not a paravirtual clock vrtc knows";
  return id;
}

/// `text` with every byte that is not printable ASCII written as \xNN, and cut to `limit`
/// bytes (marked with "..."): safe to print whatever a sysfs attribute held.
[[nodiscard]] inline std::string printable(std::string_view text, std::size_t limit = 64) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == limit) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// --- the seam ----------------------------------------------------------------------------------

/// The system calls this layer makes, replaceable for tests. Each returns 0 or an errno.
struct system_calls {
  /// ioctl(fd, request, arg).
  std::function<int(int fd, unsigned long request, void* arg)> ioctl;
  /// clock_gettime(clock, out).
  std::function<int(clockid_t clock, timespec& out)> gettime;
  /// The kernel's TAI - UTC in seconds (adjtimex's `tai`), or an errno.
  std::function<int(int& tai_offset)> tai_offset;

  static system_calls real() {
    system_calls s;
    s.ioctl = [](int fd, unsigned long request, void* arg) {
      return posix::retry_eintr([&] { return ::ioctl(fd, request, arg); }) == 0 ? 0 : errno;
    };
    s.gettime = [](clockid_t clock, timespec& out) { return ::clock_gettime(clock, &out) == 0 ? 0 : errno; };
    s.tai_offset = [](int& tai) {
      timex tx{};  // modes 0: read only, allowed to anyone
      if (::adjtimex(&tx) < 0) return errno;
      tai = tx.tai;
      return 0;
    };
    return s;
  }
};

/// Where to look and how to call the system.
struct environment {
  std::string root = "/";  ///< /sys, /dev and /proc are looked for below it
  system_calls calls = system_calls::real();
};

[[nodiscard]] inline std::string below(const std::string& root, std::string_view path) {
  std::string r = root;
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r + std::string(path);
}

// --- discovery ---------------------------------------------------------------------------------

/// A PHC as /sys/class/ptp shows it.
struct phc_info {
  std::string name;  ///< "ptp0"
  unsigned index = 0;
  std::optional<std::string> clock_name;  ///< nothing when the attribute could not be read
  std::string clock_name_problem;         ///< why not, or that it was cut short
  std::string device_path;                ///< "/dev/ptp0" (on the system, not below the root)
  bool node_present = false;              ///< the node exists below the root
  std::optional<dev_t> device_number;     ///< from the "dev" attribute ("249:0")
  clock_identity identity;
};

/// All PHCs, in index order, and anything that kept the list from being complete.
struct phc_list {
  std::vector<phc_info> clocks;
  std::optional<kernel_version> kernel;
  std::string problem;  ///< e.g. no /sys/class/ptp
};

namespace detail {

/// The attribute's first line; a file that is not a regular file (a FIFO in a fake tree) or
/// cannot be opened gives an errno-style reason instead. At most `limit` bytes are read.
struct attribute {
  std::optional<std::string> text;
  std::string problem;
};

[[nodiscard]] inline attribute read_attribute(const std::string& path, std::size_t limit = 4096) {
  attribute a;
  const auto f = vmclock::open_checked(path, O_RDONLY, vmclock::file_kinds::regular);
  if (!f) {
    a.problem = vmclock::describe_failure(f.error(), vmclock::file_kinds::regular);
    return a;
  }
  posix::limited_read got = posix::read_to_limit(f->fd, limit);
  ::close(f->fd);
  if (!got.ok()) {
    a.problem = std::string("read failed: ") + std::strerror(got.sys_errno);
    return a;
  }
  std::string text = std::move(got.text);
  const bool cut = got.cut;
  const auto end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  else if (cut) a.problem = "longer than " + std::to_string(limit) + " bytes; cut short";
  a.text = std::move(text);
  return a;
}

/// N of "ptpN" (digits only, no leading zero except "ptp0", at most 9 digits).
[[nodiscard]] constexpr std::optional<unsigned> ptp_index(std::string_view name) noexcept {
  constexpr std::string_view prefix = "ptp";
  if (name.size() <= prefix.size() || name.size() > prefix.size() + 9 || name.substr(0, 3) != prefix)
    return std::nullopt;
  const std::string_view digits = name.substr(prefix.size());
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  unsigned v = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

/// "249:0" -> a dev_t.
[[nodiscard]] inline std::optional<dev_t> parse_dev(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= s.size() || colon > 10 || s.size() - colon > 11)
    return std::nullopt;
  unsigned long major_n = 0, minor_n = 0;
  for (const char c : s.substr(0, colon)) {
    if (c < '0' || c > '9') return std::nullopt;
    major_n = major_n * 10 + static_cast<unsigned long>(c - '0');
  }
  for (const char c : s.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    minor_n = minor_n * 10 + static_cast<unsigned long>(c - '0');
  }
  if (major_n > 0xfffff || minor_n > 0xfffff) return std::nullopt;
  return makedev(static_cast<unsigned>(major_n), static_cast<unsigned>(minor_n));
}

}  // namespace detail

/// The running kernel's version, from /proc/sys/kernel/osrelease below the root.
[[nodiscard]] inline std::optional<kernel_version> kernel_of(const environment& env) {
  const auto a = detail::read_attribute(below(env.root, "/proc/sys/kernel/osrelease"), 256);
  if (!a.text) return std::nullopt;
  return parse_kernel_release(*a.text);
}

/// Every /sys/class/ptp/ptpN below the root; other entries are ignored. Never fails: what
/// cannot be read is said in the result.
[[nodiscard]] inline phc_list list_clocks(const environment& env) {
  phc_list out;
  out.kernel = kernel_of(env);
  const std::string dir = below(env.root, "/sys/class/ptp");
  DIR* const d = ::opendir(dir.c_str());
  if (d == nullptr) {
    out.problem = dir + ": " + std::strerror(errno) + " (no PTP clock support in this kernel, or none registered)";
    return out;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    const auto index = detail::ptp_index(n);
    if (!index) continue;
    phc_info p;
    p.name = std::string(n);
    p.index = *index;
    const std::string base = dir + "/" + p.name;
    auto name = detail::read_attribute(base + "/clock_name");
    p.clock_name = std::move(name.text);
    p.clock_name_problem = std::move(name.problem);
    if (const auto dev = detail::read_attribute(base + "/dev", 64); dev.text) p.device_number = detail::parse_dev(*dev.text);
    p.device_path = "/dev/" + p.name;
    struct stat st {};
    p.node_present = ::lstat(below(env.root, p.device_path).c_str(), &st) == 0;
    if (p.clock_name) p.identity = identify(*p.clock_name, out.kernel);
    else p.identity.description = "clock_name unreadable: " + p.clock_name_problem;
    out.clocks.push_back(std::move(p));
  }
  ::closedir(d);
  std::sort(out.clocks.begin(), out.clocks.end(), [](const phc_info& a, const phc_info& b) { return a.index < b.index; });
  return out;
}

/// The clock a user named: "ptpN", a path to its device node (or a symbolic link to it, as
/// udev makes), or its exact clock_name. On failure `problem` says why.
struct resolved_clock {
  std::optional<phc_info> clock;
  std::string path;  ///< the device node to open (as given, when a path was given)
  std::string problem;
};

[[nodiscard]] inline resolved_clock resolve(const environment& env, const phc_list& list, const std::string& spec) {
  resolved_clock r;
  const auto by_name = [&](std::string_view ptp_name) -> const phc_info* {
    for (const auto& c : list.clocks)
      if (c.name == ptp_name) return &c;
    return nullptr;
  };
  if (spec.empty()) {
    r.problem = "an empty clock name";
    return r;
  }
  if (spec[0] == '/') {
    const std::string on_disk = below(env.root, spec);
    struct stat st {};
    if (::stat(on_disk.c_str(), &st) != 0) {
      r.problem = spec + ": " + std::strerror(errno);
      return r;
    }
    r.path = on_disk;
    const phc_info* found = nullptr;
    if (S_ISCHR(st.st_mode)) {
      for (const auto& c : list.clocks)
        if (c.device_number && *c.device_number == st.st_rdev) found = &c;
    }
    if (found == nullptr) {
      // A fake tree has no device numbers: the name the path leads to, ptpN, decides.
      char target[4096];
      std::string last = spec.substr(spec.rfind('/') + 1);
      const ssize_t n = ::readlink(on_disk.c_str(), target, sizeof target - 1);
      if (n > 0) {
        const std::string t(target, static_cast<std::size_t>(n));
        last = t.substr(t.rfind('/') == std::string::npos ? 0 : t.rfind('/') + 1);
      }
      if (detail::ptp_index(last)) found = by_name(last);
    }
    if (found == nullptr) {
      r.problem = spec + " is not the device node of any PTP clock in /sys/class/ptp";
      return r;
    }
    r.clock = *found;
    return r;
  }
  if (detail::ptp_index(spec)) {
    if (const phc_info* c = by_name(spec)) {
      r.clock = *c;
      r.path = below(env.root, c->device_path);
      return r;
    }
    r.problem = "no PTP clock " + spec;
    return r;
  }
  std::vector<const phc_info*> matches;
  for (const auto& c : list.clocks)
    if (c.clock_name && *c.clock_name == spec) matches.push_back(&c);
  if (matches.size() == 1) {
    r.clock = *matches[0];
    r.path = below(env.root, matches[0]->device_path);
    return r;
  }
  if (matches.empty()) {
    r.problem = "no PTP clock named \"" + printable(spec) + "\" (give /dev/ptpN, ptpN or a clock_name that `list` shows)";
    return r;
  }
  r.problem = "more than one PTP clock is named \"" + printable(spec) + "\":";
  for (const auto* c : matches) r.problem += " " + c->name;
  r.problem += "; give /dev/ptpN";
  return r;
}

// --- reading -----------------------------------------------------------------------------------

/// How a PHC was read, best first.
enum class read_method : std::uint8_t {
  precise,   ///< PTP_SYS_OFFSET_PRECISE2: a cross-timestamp of the device and the system
  extended,  ///< PTP_SYS_OFFSET_EXTENDED2: the device read between two system readings
  gettime,   ///< clock_gettime on the PHC's dynamic clock id, between two system readings
};

[[nodiscard]] constexpr const char* to_string(read_method m) noexcept {
  switch (m) {
    case read_method::precise: return "PTP_SYS_OFFSET_PRECISE2";
    case read_method::extended: return "PTP_SYS_OFFSET_EXTENDED2";
    case read_method::gettime: return "clock_gettime";
  }
  return "?";
}

/// One reading: the PHC's time and CLOCK_REALTIME just before and after it (equal for a
/// cross-timestamp), in nanoseconds since 1970 (exact int64: readings beyond 2262 are refused).
struct sample {
  std::int64_t system_before = 0;
  std::int64_t phc = 0;
  std::int64_t system_after = 0;
};

/// The dynamic POSIX clock id of an open PHC (the kernel's FD_TO_CLOCKID).
[[nodiscard]] constexpr clockid_t fd_to_clockid(int fd) noexcept {
  return static_cast<clockid_t>((~static_cast<unsigned>(fd) << 3) | 3u);
}

namespace detail {
[[nodiscard]] inline std::optional<std::int64_t> to_ns(std::int64_t sec, std::int64_t nsec) noexcept {
  if (nsec < 0 || nsec >= 1'000'000'000) return std::nullopt;
  std::int64_t out = 0;
  if (__builtin_mul_overflow(sec, std::int64_t{1'000'000'000}, &out) || __builtin_add_overflow(out, nsec, &out))
    return std::nullopt;
  return out;
}
[[nodiscard]] inline std::optional<std::int64_t> to_ns(const ptp_clock_time& t) noexcept {
  return to_ns(t.sec, static_cast<std::int64_t>(t.nsec));
}
[[nodiscard]] inline std::optional<std::int64_t> to_ns(const timespec& t) noexcept {
  return to_ns(static_cast<std::int64_t>(t.tv_sec), static_cast<std::int64_t>(t.tv_nsec));
}
/// An errno that says "this kernel or driver does not offer that ioctl".
[[nodiscard]] constexpr bool not_offered(int e) noexcept { return e == EOPNOTSUPP || e == ENOTTY || e == ENODEV; }
}  // namespace detail

/// The result of read_samples().
struct readings {
  read_method method = read_method::gettime;
  std::vector<sample> samples;
  std::vector<std::string> not_offered;  ///< methods tried first and why they were not used
  int error = 0;                         ///< errno of the failure, when it failed
  std::string problem;                   ///< what failed
  [[nodiscard]] bool ok() const noexcept { return problem.empty(); }
};

/// Takes `count` samples of the PHC open as `fd`, with `only` if given, else with the best
/// method the driver offers (a method it answers with EOPNOTSUPP, ENOTTY or ENODEV is passed
/// over; any other error is a failure).
[[nodiscard]] inline readings read_samples(const system_calls& sys, int fd, unsigned count,
                                           std::optional<read_method> only = std::nullopt) {
  readings r;
  const auto fails = [&](int e, std::string what) {
    r.error = e;
    r.problem = std::move(what) + (e != 0 ? std::string(": ") + std::strerror(e) : std::string());
    r.samples.clear();
    return r;
  };
  const auto try_method = [&](read_method m) { return !only || *only == m; };

  if (try_method(read_method::precise)) {
    r.method = read_method::precise;
    for (unsigned i = 0; i < count; ++i) {
      ptp_sys_offset_precise x{};
      const int e = sys.ioctl(fd, PTP_SYS_OFFSET_PRECISE2, &x);
      if (e != 0) {
        if (i == 0 && !only && detail::not_offered(e)) {
          r.not_offered.push_back(std::string(to_string(read_method::precise)) + ": " + std::strerror(e));
          break;
        }
        return fails(e, to_string(read_method::precise));
      }
      const auto device = detail::to_ns(x.device);
      const auto system = detail::to_ns(x.sys_realtime);
      if (!device || !system) return fails(0, "PTP_SYS_OFFSET_PRECISE2 gave a time that is not a valid timestamp");
      r.samples.push_back({*system, *device, *system});
    }
    if (!r.samples.empty()) return r;
  }
  if (try_method(read_method::extended)) {
    r.method = read_method::extended;
    unsigned left = count;
    while (left > 0) {
      ptp_sys_offset_extended x{};  // clockid (where the kernel has it) 0: CLOCK_REALTIME
      x.n_samples = std::min<unsigned>(left, PTP_MAX_SAMPLES);
      const int e = sys.ioctl(fd, PTP_SYS_OFFSET_EXTENDED2, &x);
      if (e != 0) {
        if (r.samples.empty() && !only && detail::not_offered(e)) {
          r.not_offered.push_back(std::string(to_string(read_method::extended)) + ": " + std::strerror(e));
          break;
        }
        return fails(e, to_string(read_method::extended));
      }
      for (unsigned i = 0; i < x.n_samples && i < PTP_MAX_SAMPLES; ++i) {
        const auto a = detail::to_ns(x.ts[i][0]);
        const auto p = detail::to_ns(x.ts[i][1]);
        const auto b = detail::to_ns(x.ts[i][2]);
        if (!a || !p || !b) return fails(0, "PTP_SYS_OFFSET_EXTENDED2 gave a time that is not a valid timestamp");
        if (*b < *a) return fails(0, "PTP_SYS_OFFSET_EXTENDED2 gave a system time that went backwards");
        r.samples.push_back({*a, *p, *b});
      }
      left -= x.n_samples;
    }
    if (!r.samples.empty()) return r;
  }
  r.method = read_method::gettime;
  const clockid_t phc = fd_to_clockid(fd);
  for (unsigned i = 0; i < count; ++i) {
    timespec a{}, p{}, b{};
    int e = sys.gettime(CLOCK_REALTIME, a);
    if (e == 0) {
      e = sys.gettime(phc, p);
      if (e != 0) return fails(e, "clock_gettime on the PHC");
      e = sys.gettime(CLOCK_REALTIME, b);
    }
    if (e != 0) return fails(e, "clock_gettime(CLOCK_REALTIME)");
    const auto an = detail::to_ns(a), pn = detail::to_ns(p), bn = detail::to_ns(b);
    if (!an || !pn || !bn) return fails(0, "clock_gettime gave a time that is not a valid timestamp");
    if (*bn < *an) return fails(0, "CLOCK_REALTIME went backwards during a sample");
    r.samples.push_back({*an, *pn, *bn});
  }
  return r;
}

/// How to get from CLOCK_REALTIME to the system's TAI: add `seconds`, taken from `source`.
struct tai_shift {
  std::int32_t seconds = 0;
  tai_source source = tai_source::kernel;
};

/// The system's TAI at UTC second `utc_sec`, as host_tai chooses it: the kernel's TAI offset
/// when it is set (non-zero), else TAI - UTC from `table` (the host's leap-second table);
/// nullopt when the offset is unset and no table covers `utc_sec`.
[[nodiscard]] inline std::optional<tai_shift> system_tai_shift(int kernel_offset, const std::optional<leap_table>& table,
                                                                std::uint64_t utc_sec) noexcept {
  if (kernel_offset != 0) return tai_shift{kernel_offset, tai_source::kernel};
  if (!table) return std::nullopt;
  const auto off = table->tai_minus_utc(utc_sec);
  if (!off) return std::nullopt;
  return tai_shift{*off, tai_source::leap_table};
}

/// The system clock a PHC of a time scale is compared with.
enum class system_clock : std::uint8_t { realtime, tai, none };

[[nodiscard]] constexpr system_clock system_clock_for(time_scale s) noexcept {
  switch (s) {
    case time_scale::tai: return system_clock::tai;
    case time_scale::utc:
    case time_scale::utc_smeared:
    case time_scale::utc_maybe_smeared: return system_clock::realtime;
    case time_scale::monotonic:
    case time_scale::unknown: return system_clock::none;
  }
  return system_clock::none;
}

[[nodiscard]] constexpr const char* to_string(system_clock c) noexcept {
  switch (c) {
    case system_clock::realtime: return "CLOCK_REALTIME";
    case system_clock::tai: return "CLOCK_TAI";
    case system_clock::none: return "none";
  }
  return "none";
}

/// The offset of a PHC to a system clock, from the sample with the narrowest bracket.
struct offset_estimate {
  sample best;                       ///< as read (system times are CLOCK_REALTIME)
  std::int64_t system_ns = 0;        ///< the system clock at the PHC reading (bracket middle)
  std::int64_t offset_ns = 0;        ///< PHC - system clock
  std::int64_t delay_ns = 0;         ///< the bracket's width (0 for a cross-timestamp)
  std::int64_t error_bound_ns = 0;   ///< |true offset - offset_ns| <= this (half the bracket)
  std::int64_t min_offset_ns = 0;    ///< over all samples
  std::int64_t max_offset_ns = 0;
};

/// The estimate from `samples` against CLOCK_REALTIME shifted by `shift_s` seconds (the kernel's
/// TAI offset for CLOCK_TAI, 0 for CLOCK_REALTIME). Nothing when there are no samples or a
/// value does not fit in int64.
[[nodiscard]] inline std::optional<offset_estimate> estimate_offset(const std::vector<sample>& samples,
                                                                    std::int64_t shift_s) {
  if (samples.empty()) return std::nullopt;
  std::int64_t shift = 0;
  if (__builtin_mul_overflow(shift_s, std::int64_t{1'000'000'000}, &shift)) return std::nullopt;
  std::optional<offset_estimate> out;
  std::int64_t min_off = INT64_MAX, max_off = INT64_MIN;
  for (const auto& s : samples) {
    std::int64_t width = 0, mid = 0, sys = 0, off = 0;
    if (__builtin_sub_overflow(s.system_after, s.system_before, &width) || width < 0) return std::nullopt;
    mid = s.system_before + width / 2;  // no overflow: between the two
    if (__builtin_add_overflow(mid, shift, &sys) || __builtin_sub_overflow(s.phc, sys, &off)) return std::nullopt;
    min_off = std::min(min_off, off);
    max_off = std::max(max_off, off);
    if (!out || width < out->delay_ns) {
      offset_estimate e;
      e.best = s;
      e.system_ns = sys;
      e.offset_ns = off;
      e.delay_ns = width;
      e.error_bound_ns = width - width / 2;  // the middle rounds down: the far side is the larger
      out = e;
    }
  }
  out->min_offset_ns = min_off;
  out->max_offset_ns = max_off;
  return out;
}

// --- configuration lines -----------------------------------------------------------------------

/// A udev rule line for each clock name vrtc recognizes, giving it a stable /dev name.
struct udev_rule {
  std::string match;    ///< the ATTR{clock_name} pattern
  std::string symlink;  ///< the name below /dev
  std::string comment;
};

[[nodiscard]] inline std::vector<udev_rule> udev_rules() {
  std::vector<udev_rule> rules;
  const auto virtio = [&](unsigned t, unsigned v, const char* link, const char* what) {
    rules.push_back({"Virtio PTP type " + std::to_string(t) + "/variant " + std::to_string(v), link, what});
  };
  virtio(0, 0, "ptp_vrtc_utc", "virtio-rtc UTC (steps at leap seconds)");
  virtio(1, 0, "ptp_vrtc_tai", "virtio-rtc TAI");
  virtio(2, 0, "ptp_vrtc_monotonic", "virtio-rtc MONOTONIC (no time of day)");
  virtio(3, 0, "ptp_vrtc_utc_smeared", "virtio-rtc UTC_SMEARED, variant unspecified");
  virtio(3, 1, "ptp_vrtc_utc_smeared_noon_linear", "virtio-rtc UTC_SMEARED, NOON_LINEAR");
  virtio(3, 2, "ptp_vrtc_utc_smeared_utc_sls", "virtio-rtc UTC_SMEARED, UTC_SLS");
  virtio(4, 0, "ptp_vrtc_utc_maybe_smeared", "virtio-rtc UTC_MAYBE_SMEARED");
  rules.push_back({"vmclock0", "ptp_vmclock", "ptp_vmclock (TAI since Linux 7.0, UTC before)"});
  rules.push_back({std::string(kvm_clock_name), "ptp_kvm", "ptp_kvm (the host's CLOCK_REALTIME)"});
  return rules;
}

}  // namespace ptp
VRTC_END_NAMESPACE
