// vmclock on Linux: finding the device. Looks for vmclock everywhere Linux shows it (device
// nodes, ACPI and devicetree devices, the bound driver, /proc/iomem, the kernel configuration,
// PTP clocks) below a configurable root, so that tests can point it at a fake tree. POSIX-only,
// not part of the umbrella header. docs/linux.md has the details.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vrtc/core/config.hpp"
#include "vrtc/linux/file.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

namespace detail {

/// The contents of a small text file (sysfs attribute, /proc/iomem, a kernel config), or
/// nothing when it cannot be opened or is not a regular file (a FIFO in a fake tree must not
/// block the probe). At most `limit` bytes.
[[nodiscard]] inline std::optional<std::string> read_text(const std::string& path, std::size_t limit = 1 << 20) {
  const auto f = open_checked(path, O_RDONLY, file_kinds::regular);
  if (!f) return std::nullopt;
  const int fd = f->fd;
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() >= limit) break;
  }
  ::close(fd);
  return text;
}

/// The first line of a file, without the newline (sysfs attributes end in one).
[[nodiscard]] inline std::optional<std::string> read_line(const std::string& path) {
  auto text = read_text(path, 4096);
  if (!text) return std::nullopt;
  const auto end = text->find_first_of("\n");
  if (end != std::string::npos) text->resize(end);
  return text;
}

/// The names in a directory, sorted, without . and ..; nothing when it cannot be listed.
[[nodiscard]] inline std::optional<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* const d = ::opendir(path.c_str());
  if (d == nullptr) return std::nullopt;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

/// The last component of a symbolic link's target ("../../bus/platform/drivers/vmclock" ->
/// "vmclock"), or nothing when `path` is not a link.
[[nodiscard]] inline std::optional<std::string> link_basename(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  std::string target(buf, static_cast<std::size_t>(n));
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  const auto slash = target.rfind('/');
  return slash == std::string::npos ? target : target.substr(slash + 1);
}

[[nodiscard]] inline bool exists(const std::string& path) noexcept {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

/// "vmclock" followed by one or more digits.
[[nodiscard]] inline bool is_vmclock_name(std::string_view name) noexcept {
  constexpr std::string_view prefix = "vmclock";
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return false;
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace detail

// --- discovery -------------------------------------------------------------------------------

/// An inclusive physical address range, as /proc/iomem prints it.
struct memory_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  friend constexpr bool operator==(const memory_range&, const memory_range&) = default;
};

/// "0xde000-0xdefff".
[[nodiscard]] inline std::string to_string(const memory_range& r) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "0x%llx-0x%llx", static_cast<unsigned long long>(r.first),
                static_cast<unsigned long long>(r.last));
  return buf;
}

/// The state of CONFIG_PTP_1588_CLOCK_VMCLOCK in the running kernel's configuration.
enum class config_state : std::uint8_t {
  unknown,   ///< no configuration was readable
  built_in,  ///< =y
  module,    ///< =m (module ptp_vmclock)
  not_set,   ///< "# ... is not set": the kernel knows the option but was built without it
  absent,    ///< the option does not appear: a kernel older than the driver (Linux 6.13)
};

[[nodiscard]] constexpr const char* to_string(config_state s) noexcept {
  switch (s) {
    case config_state::unknown: return "unknown";
    case config_state::built_in: return "y";
    case config_state::module: return "m";
    case config_state::not_set: return "not set";
    case config_state::absent: return "absent";
  }
  return "unknown";
}

/// The kernel option, name of the Linux driver's configuration switch.
inline constexpr std::string_view kernel_option_name = "CONFIG_PTP_1588_CLOCK_VMCLOCK";

/// The state of `option` in the text of a kernel .config.
[[nodiscard]] inline config_state parse_kernel_config(std::string_view config, std::string_view option) {
  std::size_t pos = 0;
  while (pos < config.size()) {
    const std::size_t end = std::min(config.find('\n', pos), config.size());
    const std::string_view line = config.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() > option.size() && line.substr(0, option.size()) == option && line[option.size()] == '=') {
      const std::string_view value = line.substr(option.size() + 1);
      if (value == "y") return config_state::built_in;
      if (value == "m") return config_state::module;
      return config_state::not_set;
    }
    if (line == "# " + std::string(option) + " is not set") return config_state::not_set;
  }
  return config_state::absent;
}

/// The kernel configuration as found: its state, and the file it came from.
struct kernel_config {
  config_state state = config_state::unknown;
  std::string source;  ///< the file read, or empty
  std::string note;    ///< why the state is unknown, when it is
};

/// A /dev/vmclock* node.
struct device_node_info {
  std::string path;
  bool char_device = false;
  std::uint32_t mode = 0;  ///< permission bits
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  bool readable = false;   ///< by this process (access(R_OK))
};

/// A vmclock device as the firmware describes it (ACPI or devicetree) and as the kernel bound
/// it (or not).
struct firmware_device {
  std::string name;           ///< "AMZNC10C:00", or the devicetree node name
  std::string firmware;       ///< "ACPI" or "devicetree"
  std::string identity;       ///< "HID AMZNC10C, CID VMCLOCK" or "compatible amazon,vmclock"
  std::string firmware_path;  ///< ACPI namespace path (\_SB_.VCLK) or devicetree node path
  std::string sysfs_path;     ///< the platform device, when the kernel created one
  std::optional<std::uint32_t> acpi_status;  ///< _STA (15: present, enabled, shown, functioning)
  std::optional<std::string> driver;         ///< the bound driver's name
  std::optional<memory_range> range;         ///< the page's physical address range
  std::string range_source;                  ///< "/proc/iomem" or "devicetree reg"
  /// Why a device bound to the driver has no /dev/vmclockN, when that can be told (empty
  /// otherwise): the driver makes a node only for a page of at least one kernel page.
  std::string node_note;
};

/// A PTP clock registered by the driver.
struct ptp_clock_info {
  std::string device;      ///< "ptp0"
  std::string clock_name;  ///< "vmclock0"
};

/// What the probe looked at and what it found there, in order.
struct probe_check {
  std::string what;
  std::string found;
};

/// Everything the system says about vmclock.
struct system_report {
  std::vector<device_node_info> nodes;
  std::vector<firmware_device> devices;
  std::vector<ptp_clock_info> ptp_clocks;
  kernel_config config;
  bool driver_registered = false;   ///< /sys/bus/platform/drivers/vmclock exists
  bool module_loaded = false;       ///< /sys/module/ptp_vmclock exists
  bool iomem_addresses_hidden = false;  ///< /proc/iomem showed zeros (not root)
  std::vector<probe_check> checks;
};

/// Where discovery looks. Every path is below `root`, so a test can build a fake tree.
struct discovery_options {
  std::string root = "/";
  /// The kernel release for /boot/config-<release>; uname() when empty.
  std::string kernel_release;
  /// The kernel's page size in bytes; sysconf(_SC_PAGESIZE) when 0.
  std::size_t page_size = 0;
  /// Decompresses /proc/config.gz (gzip) into text; without one that file counts as unreadable.
  /// The library has no gzip decoder of its own and does not start processes.
  std::function<std::optional<std::string>(const std::string& gz_path)> decompress;
};

namespace detail {

[[nodiscard]] inline std::string join(const std::string& root, std::string_view rel) {
  std::string r = root;
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r + std::string(rel);
}

/// "acpi:AMZNC10C:VMCLOCK:" -> whether the HID or any CID names vmclock, and a description.
[[nodiscard]] inline std::optional<std::string> acpi_identity(std::string_view modalias) {
  if (modalias.substr(0, 5) != "acpi:") return std::nullopt;
  std::vector<std::string> ids;
  std::size_t pos = 5;
  while (pos < modalias.size()) {
    const std::size_t end = std::min(modalias.find(':', pos), modalias.size());
    if (end > pos) ids.emplace_back(modalias.substr(pos, end - pos));
    pos = end + 1;
  }
  bool match = false;
  std::string text;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    // The driver's ACPI table matches the HID or any CID: AMZNC10C, and VMCLOCK since Linux 7.0.
    match = match || ids[i] == "AMZNC10C" || ids[i] == "VMCLOCK";
    text += (i == 0 ? "HID " : ", CID ") + ids[i];
  }
  if (!match) return std::nullopt;
  return text;
}

/// Whether a NUL-separated devicetree `compatible` list names amazon,vmclock.
[[nodiscard]] inline bool dt_compatible(std::string_view list) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    const std::size_t end = std::min(list.find('\0', pos), list.size());
    if (list.substr(pos, end - pos) == "amazon,vmclock") return true;
    pos = end + 1;
  }
  return false;
}

/// A big-endian 32-bit cell property (#address-cells), or `fallback`.
[[nodiscard]] inline std::uint32_t dt_cells(const std::string& path, std::uint32_t fallback) {
  const auto v = read_text(path, 64);
  if (!v || v->size() != 4) return fallback;
  std::uint32_t x = 0;
  for (const char c : *v) x = (x << 8) | static_cast<unsigned char>(c);
  return x;
}

/// The first (address, size) pair of a devicetree `reg` property.
[[nodiscard]] inline std::optional<memory_range> dt_reg(const std::string& node, const std::string& parent) {
  const std::uint32_t address_cells = dt_cells(parent + "/#address-cells", 2);
  const std::uint32_t size_cells = dt_cells(parent + "/#size-cells", 1);
  const auto reg = read_text(node + "/reg", 256);
  if (!reg || address_cells == 0 || address_cells > 2 || size_cells == 0 || size_cells > 2) return std::nullopt;
  if (reg->size() < 4 * std::size_t{address_cells + size_cells}) return std::nullopt;
  const auto cells = [&](std::size_t first, std::uint32_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 4 * first; i < 4 * (first + n); ++i) v = (v << 8) | static_cast<unsigned char>((*reg)[i]);
    return v;
  };
  const std::uint64_t address = cells(0, address_cells);
  const std::uint64_t size = cells(address_cells, size_cells);
  if (size == 0 || address > UINT64_MAX - (size - 1)) return std::nullopt;
  return memory_range{address, address + size - 1};
}

/// Devicetree nodes compatible with amazon,vmclock below `dir` (depth- and count-bounded:
/// sysfs is a real tree, but a fake one might not be).
inline void find_dt_nodes(const std::string& dir, const std::string& rel, int depth, std::size_t& budget,
                          std::vector<firmware_device>& out) {
  if (depth > 16 || budget == 0) return;
  const auto names = list_dir(dir);
  if (!names) return;
  for (const auto& n : *names) {
    if (budget == 0) return;
    --budget;
    const std::string path = dir + "/" + n;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    const std::string node_rel = rel + "/" + n;
    if (const auto compat = read_text(path + "/compatible", 4096); compat && dt_compatible(*compat)) {
      firmware_device d;
      d.name = n;
      d.firmware = "devicetree";
      d.identity = "compatible amazon,vmclock";
      d.firmware_path = node_rel;
      if (const auto r = dt_reg(path, dir)) {
        d.range = r;
        d.range_source = "devicetree reg";
      }
      out.push_back(std::move(d));
    }
    find_dt_nodes(path, node_rel, depth + 1, budget, out);
  }
}

struct iomem_entry {
  memory_range range;
  std::string name;
};

/// Up to 16 hexadecimal digits at `pos` (advanced past them), or nothing.
[[nodiscard]] inline std::optional<std::uint64_t> parse_hex(std::string_view s, std::size_t& pos) {
  std::uint64_t v = 0;
  const std::size_t start = pos;
  for (; pos < s.size() && pos - start < 17; ++pos) {
    const char c = s[pos];
    unsigned d = 0;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else break;
    v = (v << 4) | d;
  }
  if (pos == start || pos - start > 16) return std::nullopt;
  return v;
}

/// The lines of /proc/iomem: "<indent>first-last : name", addresses in hexadecimal. Lines of any
/// other shape are skipped.
[[nodiscard]] inline std::vector<iomem_entry> parse_iomem(std::string_view text) {
  std::vector<iomem_entry> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::size_t i = line.find_first_not_of(' ');
    if (i == std::string_view::npos) continue;
    const auto first = parse_hex(line, i);
    if (!first || i >= line.size() || line[i] != '-') continue;
    ++i;
    const auto last = parse_hex(line, i);
    if (!last || line.substr(i, 3) != " : ") continue;
    out.push_back({{*first, *last}, std::string(line.substr(i + 3))});
  }
  return out;
}

}  // namespace detail

/// Looks for vmclock everywhere Linux shows it: /dev/vmclock* nodes; ACPI devices whose HID is
/// AMZNC10C or whose CIDs include VMCLOCK; platform devices with such a modalias or an
/// amazon,vmclock devicetree node; the bound driver; the physical range from /proc/iomem (or
/// the devicetree `reg`); CONFIG_PTP_1588_CLOCK_VMCLOCK from /proc/config.gz or
/// /boot/config-<release>; PTP clocks named vmclockN. Never fails: what cannot be read is
/// recorded in `checks`.
[[nodiscard]] inline system_report discover(const discovery_options& options = {}) {
  using detail::join;
  system_report rep;
  const std::string& root = options.root;
  const auto check = [&](std::string what, std::string found) { rep.checks.push_back({std::move(what), std::move(found)}); };

  // Device nodes.
  {
    const std::string dev = join(root, "/dev");
    std::vector<std::string> seen;
    if (const auto names = detail::list_dir(dev)) {
      for (const auto& n : *names) {
        if (!detail::is_vmclock_name(n)) continue;
        device_node_info node;
        node.path = dev + "/" + n;
        struct stat st {};
        if (::stat(node.path.c_str(), &st) == 0) {
          node.char_device = S_ISCHR(st.st_mode);
          node.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
          node.uid = st.st_uid;
          node.gid = st.st_gid;
        }
        node.readable = ::access(node.path.c_str(), R_OK) == 0;
        seen.push_back(n);
        rep.nodes.push_back(std::move(node));
      }
    }
    std::string found = seen.empty() ? "none" : "";
    for (const auto& n : seen) found += (found.empty() ? "" : ", ") + n;
    check(dev + "/vmclock*", found);
  }

  // ACPI devices.
  {
    const std::string dir = join(root, "/sys/bus/acpi/devices");
    const auto names = detail::list_dir(dir);
    std::size_t matched = 0;
    for (const auto& n : names ? *names : std::vector<std::string>{}) {
      const std::string path = dir + "/" + n;
      auto identity = detail::acpi_identity(detail::read_line(path + "/modalias").value_or(""));
      if (!identity && detail::read_line(path + "/hid").value_or("") == "AMZNC10C") identity = "HID AMZNC10C";
      if (!identity) continue;
      ++matched;
      firmware_device d;
      d.name = n;
      d.firmware = "ACPI";
      d.identity = *identity;
      d.firmware_path = detail::read_line(path + "/path").value_or("");
      if (const auto s = detail::read_line(path + "/status")) {
        char* end = nullptr;
        const unsigned long v = std::strtoul(s->c_str(), &end, 10);
        if (end != s->c_str() && v <= UINT32_MAX) d.acpi_status = static_cast<std::uint32_t>(v);
      }
      // The platform device the kernel created for it (same name on x86).
      const std::string platform = detail::link_basename(path + "/physical_node").value_or(n);
      const std::string platform_path = join(root, "/sys/bus/platform/devices/") + platform;
      if (detail::exists(platform_path)) d.sysfs_path = platform_path;
      rep.devices.push_back(std::move(d));
    }
    check(dir, !names ? "not readable" : std::to_string(names->size()) + " devices, " + std::to_string(matched) +
                                             " with HID AMZNC10C or CID VMCLOCK");
  }

  // Devicetree nodes.
  {
    const std::string dir = join(root, "/sys/firmware/devicetree/base");
    const std::size_t before = rep.devices.size();
    std::size_t budget = 100000;
    if (detail::exists(dir)) {
      detail::find_dt_nodes(dir, "", 0, budget, rep.devices);
      check(dir, std::to_string(rep.devices.size() - before) + " nodes compatible with amazon,vmclock");
    } else {
      check(dir, "absent (no devicetree)");
    }
  }

  // Platform devices: match the firmware entries, and catch any the firmware walk missed.
  {
    const std::string dir = join(root, "/sys/bus/platform/devices");
    const auto names = detail::list_dir(dir);
    std::size_t matched = 0;
    for (const auto& n : names ? *names : std::vector<std::string>{}) {
      const std::string path = dir + "/" + n;
      const std::string modalias = detail::read_line(path + "/modalias").value_or("");
      const auto acpi = detail::acpi_identity(modalias);
      const bool of = modalias.substr(0, 3) == "of:" && modalias.find("Camazon,vmclock") != std::string::npos;
      const std::string of_node = detail::link_basename(path + "/of_node").value_or("");
      if (!acpi && !of) continue;
      ++matched;
      auto it = std::find_if(rep.devices.begin(), rep.devices.end(), [&](const firmware_device& d) {
        return d.sysfs_path == path || d.name == n || (of && !of_node.empty() && d.name == of_node);
      });
      if (it == rep.devices.end()) {
        firmware_device d;
        d.name = n;
        d.firmware = acpi ? "ACPI" : "devicetree";
        d.identity = acpi ? *acpi : "compatible amazon,vmclock";
        rep.devices.push_back(std::move(d));
        it = rep.devices.end() - 1;
      }
      it->sysfs_path = path;
      it->driver = detail::link_basename(path + "/driver");
    }
    check(dir, !names ? "not readable" : "matching: " + std::to_string(matched));
  }

  // Physical ranges.
  {
    const std::string path = join(root, "/proc/iomem");
    const auto text = detail::read_text(path);
    if (!text) {
      check(path, "not readable");
    } else {
      const auto entries = detail::parse_iomem(*text);
      rep.iomem_addresses_hidden =
          !entries.empty() && std::all_of(entries.begin(), entries.end(), [](const detail::iomem_entry& e) {
            return e.range.first == 0 && e.range.last == 0;
          });
      std::size_t found = 0;
      for (auto& d : rep.devices) {
        const std::string platform = d.sysfs_path.empty() ? d.name : d.sysfs_path.substr(d.sysfs_path.rfind('/') + 1);
        for (const auto& e : entries) {
          if (e.name != d.name && e.name != platform) continue;
          if (rep.iomem_addresses_hidden) break;
          d.range = e.range;
          d.range_source = "/proc/iomem";
          ++found;
          break;
        }
      }
      check(path, rep.iomem_addresses_hidden ? "addresses hidden (run as root to see them)"
                                             : "vmclock ranges found: " + std::to_string(found));
    }
  }

  // Driver and module.
  {
    const std::string drv = join(root, "/sys/bus/platform/drivers/vmclock");
    rep.driver_registered = detail::exists(drv);
    check(drv, rep.driver_registered ? "present (driver registered)" : "absent (driver not registered)");
    const std::string mod = join(root, "/sys/module/ptp_vmclock");
    rep.module_loaded = detail::exists(mod);
    check(mod, rep.module_loaded ? "present (module loaded)" : "absent");
  }

  // Kernel configuration.
  {
    std::string release = options.kernel_release;
    if (release.empty()) {
      struct utsname u {};
      if (::uname(&u) == 0) release = u.release;
    }
    const std::string gz = join(root, "/proc/config.gz");
    const std::string boot = join(root, "/boot/config-") + release;
    if (detail::exists(gz)) {
      const auto text = options.decompress ? options.decompress(gz) : std::nullopt;
      if (text) {
        rep.config = {parse_kernel_config(*text, kernel_option_name), gz, ""};
        check(gz, std::string(kernel_option_name) + ": " + to_string(rep.config.state));
      } else {
        rep.config.note = gz + " could not be decompressed";
        check(gz, "present, not decompressed");
      }
    } else {
      check(gz, "absent");
    }
    if (rep.config.state == config_state::unknown) {
      if (const auto text = detail::read_text(boot, 8 << 20)) {
        rep.config = {parse_kernel_config(*text, kernel_option_name), boot, ""};
        check(boot, std::string(kernel_option_name) + ": " + to_string(rep.config.state));
      } else {
        check(boot, "not readable");
        if (rep.config.note.empty()) rep.config.note = "no readable kernel configuration";
      }
    }
  }

  // Nodes: the driver makes /dev/vmclockN only when the page's size field is at least the
  // kernel's page size (and the size field may not exceed the region), so a bound device whose
  // region is smaller than a page has no node, whatever else is right.
  {
    std::size_t page = options.page_size;
    if (page == 0) {
      const long sc = ::sysconf(_SC_PAGESIZE);
      page = sc > 0 ? static_cast<std::size_t>(sc) : 4096;
    }
    for (auto& d : rep.devices) {
      if (d.driver != std::optional<std::string>("vmclock")) continue;
      const std::uint64_t bytes = d.range ? d.range->last - d.range->first + 1 : 0;
      if (d.range && bytes != 0 && bytes < page) {
        d.node_note = "no node for it: its region is " + std::to_string(bytes) + " bytes, less than the kernel's " +
                      std::to_string(page) + "-byte page, and the driver makes /dev/vmclockN only for a page of "
                      "at least one kernel page";
      } else if (rep.nodes.empty()) {
        d.node_note = "but no node: the driver makes /dev/vmclockN only when the page's size field is at least "
                      "the kernel's page size (" +
                      std::to_string(page) + " bytes)";
      }
    }
  }

  // PTP clocks.
  {
    const std::string dir = join(root, "/sys/class/ptp");
    const auto names = detail::list_dir(dir);
    for (const auto& n : names ? *names : std::vector<std::string>{}) {
      const auto name = detail::read_line(dir + "/" + n + "/clock_name");
      if (name && detail::is_vmclock_name(*name)) rep.ptp_clocks.push_back({n, *name});
    }
    std::string found;
    for (const auto& p : rep.ptp_clocks) found += (found.empty() ? "" : ", ") + p.device + " (" + p.clock_name + ")";
    check(dir + "/*/clock_name", !names ? "absent" : found.empty() ? "no clock named vmclockN" : found);
  }
  return rep;
}

/// One sentence for a person: what exists and what is missing, e.g. "ACPI device AMZNC10C:00
/// at 0xde000-0xdefff, no driver bound; kernel built without CONFIG_PTP_1588_CLOCK_VMCLOCK; no
/// /dev/vmclock0".
[[nodiscard]] inline std::string summary(const system_report& r) {
  std::vector<std::string> parts;
  if (r.devices.empty()) parts.emplace_back("no vmclock device (no ACPI AMZNC10C/VMCLOCK, no devicetree amazon,vmclock)");
  for (const auto& d : r.devices) {
    std::string s = d.firmware + " device " + d.name;
    if (d.range) s += " at " + to_string(*d.range);
    else if (r.iomem_addresses_hidden) s += " (address hidden from non-root users)";
    s += d.driver ? ", driver " + *d.driver + " bound" : ", no driver bound";
    if (!d.node_note.empty()) s += ", " + d.node_note;
    parts.push_back(std::move(s));
  }
  switch (r.config.state) {
    case config_state::built_in: parts.push_back("kernel built with " + std::string(kernel_option_name) + "=y"); break;
    case config_state::module:
      parts.push_back("kernel built with " + std::string(kernel_option_name) + "=m" +
                      (r.module_loaded ? " (module ptp_vmclock loaded)" : " (module ptp_vmclock not loaded)"));
      break;
    case config_state::not_set: parts.push_back("kernel built without " + std::string(kernel_option_name)); break;
    case config_state::absent:
      parts.push_back("kernel has no " + std::string(kernel_option_name) + " option (older than Linux 6.13)");
      break;
    case config_state::unknown: parts.push_back("kernel configuration not readable"); break;
  }
  if (r.nodes.empty()) {
    parts.emplace_back("no /dev/vmclock0");
  } else {
    for (const auto& n : r.nodes)
      parts.push_back(n.path + (n.readable ? " readable" : " not readable by this user (root-only by default)"));
  }
  for (const auto& p : r.ptp_clocks) parts.push_back("PTP clock " + p.device + " (" + p.clock_name + ")");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace vmclock
VRTC_END_NAMESPACE
