// vmclock: inspect a vmclock page — the device (/dev/vmclock0) or any file holding one.
//
//   vmclock dump [--json] [PATH]                    every field of the structure
//   vmclock time --page PATH --counter N [--json]   what the page says at counter value N
//   vmclock now [--json] [PATH]                     the same with this CPU's counter, now
//   vmclock probe [--json] [--root DIR]             what this machine has: device, driver, kernel
//   vmclock watch [PATH] [--interval-ms N] [--count N] [--timeout-ms N] [--json]
//                                                   one line per change of the markers and status
//
// Any failure exits with status 2 and prints one line {"error": "..."}; success exits 0.
// PATH is opened as the library opens a device (vmclock/linux/device_page.hpp): a page published by
// vmclock-host is read through the same checks as /dev/vmclock0. No path is opened with a
// blocking open() (vrtc/linux/file.hpp): a FIFO is an error, never a hang.
#include <vrtc/core/civil.hpp>
#include <vrtc/core/counter.hpp>
#include <vrtc/core/result.hpp>
#include <vmclock/abi.hpp>
#include <vmclock/linux/device_page.hpp>
#include <vmclock/linux/discovery.hpp>
#include <vmclock/reader.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "support/cli.hpp"
#include "support/files.hpp"

namespace {

namespace vmc = vrtc::vmclock;
using vrtc_tools::fail;
using vrtc_tools::failure;
using vrtc_tools::json_object;

constexpr const char* usage_text =
    "usage: vmclock dump [--json] [PATH]\n"
    "       vmclock time --page PATH --counter N [--json]\n"
    "       vmclock now [--json] [PATH]\n"
    "       vmclock probe [--json] [--root DIR]\n"
    "       vmclock watch [PATH] [--interval-ms N] [--count N] [--timeout-ms N] [--json]\n"
    "\n"
    "PATH is a vmclock device (default: the first /dev/vmclock*) or any file holding the\n"
    "structure. dump prints every field present per the page's size (JSON keys are the field\n"
    "names of the Linux uapi header). time and now print the time the page gives at a counter\n"
    "value: time_sec, time_nsec and time_frac_sec in the page's time scale, utc_sec/tai_sec\n"
    "when derivable, est_error_ns/max_error_ns (null when not valid), clock_status and\n"
    "disruption_marker. N is decimal or 0x-prefixed hexadecimal.\n"
    "\n"
    "probe reports what this machine has: /dev/vmclock* nodes, ACPI (AMZNC10C / VMCLOCK) and\n"
    "devicetree (amazon,vmclock) devices, their memory ranges, the bound driver,\n"
    "CONFIG_PTP_1588_CLOCK_VMCLOCK and PTP clocks named vmclockN; it exits 0 whenever it ran.\n"
    "--root DIR looks below DIR instead of / (for testing against a copy or a fake tree).\n"
    "watch prints one line per change of disruption_marker, vm_generation_counter,\n"
    "clock_status or flags (the first line is the state at start), waiting with poll() on a\n"
    "device with notifications and re-reading every --interval-ms (default 100) otherwise;\n"
    "it stops after --count lines or --timeout-ms milliseconds (exit 0), or runs until killed.\n"
    "\n"
    "Exit status: 0 on success, 2 on any failure, with {\"error\": \"...\"} as the output.\n";

constexpr std::size_t page_bytes = 4096;

std::string errc_text(vrtc::errc e) { return vrtc::to_string(e); }

std::string default_device() {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("vmclock", 0) == 0) found.push_back(entry.path().string());
  }
  if (found.empty()) fail("no /dev/vmclock* device (`vmclock probe` says why); give a PATH");
  std::sort(found.begin(), found.end());
  return found.front();
}

/// The first page of PATH, read with pread (the device copies it out under its seqlock; a file
/// is never mapped, so one that shrinks gives fewer bytes rather than SIGBUS).
std::vector<std::byte> read_page(const std::string& path) {
  const vrtc_tools::open_file f(path, O_RDONLY, vrtc_tools::file_kinds::regular_or_device);
  std::vector<std::byte> bytes(page_bytes);
  std::size_t have = 0;
  while (have < bytes.size()) {
    const ssize_t n = ::pread(f.fd(), bytes.data() + have, bytes.size() - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  bytes.resize(have);
  return bytes;
}

std::uint64_t parse_u64(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) fail("bad counter value");
  std::uint64_t v = 0;
  for (const char c : text) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
    else fail("bad counter value");
    const auto b = static_cast<std::uint64_t>(base);
    if (v > (UINT64_MAX - digit) / b) fail("counter value out of range");
    v = v * b + digit;
  }
  return v;
}

/// One output record: JSON members, or "key: value" lines.
class record {
 public:
  explicit record(bool json) : json_(json) {}
  void add(std::string_view key, std::uint64_t v, std::string_view note = {}) {
    json_obj_.add(key, v);
    line(key, std::to_string(v), note);
  }
  void add_signed(std::string_view key, std::int64_t v) {
    json_obj_.add(key, v);
    line(key, std::to_string(v), {});
  }
  void add_text(std::string_view key, std::string_view v) {
    json_obj_.add(key, v);
    line(key, std::string(v), {});
  }
  void add_optional(std::string_view key, const std::optional<std::uint64_t>& v) {
    if (v) {
      add(key, *v);
    } else {
      json_obj_.add_null(key);
      line(key, "null", {});
    }
  }
  void print() const {
    if (json_) std::printf("%s\n", json_obj_.str().c_str());
    else std::fputs(text_.c_str(), stdout);
  }

 private:
  void line(std::string_view key, const std::string& value, std::string_view note) {
    text_ += std::string(key) + ": " + value;
    if (!note.empty()) text_ += " (" + std::string(note) + ")";
    text_ += '\n';
  }
  bool json_;
  json_object json_obj_;
  std::string text_;
};

template <class E>
std::string enum_note(E v) {
  const char* n = vmc::name(v);
  return n != nullptr ? n : "undefined";
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string flag_names(std::uint64_t flags) {
  static constexpr std::array<const char*, 10> names = {
      "TAI_OFFSET_VALID",       "DISRUPTION_SOON",        "DISRUPTION_IMMINENT", "PERIOD_ESTERROR_VALID",
      "PERIOD_MAXERROR_VALID",  "TIME_ESTERROR_VALID",    "TIME_MAXERROR_VALID", "TIME_MONOTONIC",
      "VM_GEN_COUNTER_PRESENT", "NOTIFICATION_PRESENT"};
  std::string out = hex(flags);
  for (std::size_t bit = 0; bit < names.size(); ++bit)
    if ((flags >> bit) & 1u) out += std::string(out.find(' ') == std::string::npos ? " " : "|") + names[bit];
  return out;
}

/// read_page() until two reads in a row agree and seq_count is even: a page file that a writer
/// (vmclock-host) updates through its mapping has no seqlock on the pread path, so one read may
/// catch an update half done. A page that stays odd is returned as read, after a bounded wait.
std::vector<std::byte> read_settled_page(const std::string& path) {
  std::vector<std::byte> bytes = read_page(path);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::vector<std::byte> again = read_page(path);
    const bool even = again.size() < vmc::layout_of<&vmc::page_data::seq_count>.end() ||
                      (vrtc::load_le<std::uint32_t>(again, vmc::layout_of<&vmc::page_data::seq_count>.offset) & 1u) == 0;
    if (again == bytes && even) break;
    bytes = std::move(again);
  }
  return bytes;
}

/// The magic's four bytes as text, in memory order ("VCLK").
std::string magic_text(std::uint32_t magic) {
  std::string out;
  for (int shift = 0; shift < 32; shift += 8) {
    const auto c = static_cast<char>((magic >> shift) & 0xffu);
    out += c >= 0x20 && c < 0x7f ? c : '.';
  }
  return out;
}

/// Every field the page's size covers, in the order and display of vmclock::page_fields, each
/// with a note: the enumerators' and flags' names, the magic as text, hex for hex fields.
void dump(const std::string& path, bool json) {
  const std::vector<std::byte> bytes = read_settled_page(path);
  const auto page = vmc::decode(bytes);
  if (!page) fail(path + ": " + errc_text(page.error()));
  const vmc::page_data& p = *page;
  record r(json);
  vmc::page_fields::for_each([&](auto f) {
    using field = decltype(f);
    if (!p.present(field::layout)) return;
    const auto v = p.*field::member;
    using value_type = std::remove_cv_t<decltype(v)>;
    if constexpr (std::is_enum_v<value_type>) {
      r.add(field::name, static_cast<std::uint64_t>(v), enum_note(v));
    } else if constexpr (std::is_signed_v<value_type>) {
      r.add_signed(field::name, v);
    } else if constexpr (field::layout.offset == vmc::layout_of<&vmc::page_data::magic>.offset) {
      r.add(field::name, v, magic_text(v));
    } else if constexpr (field::layout.offset == vmc::layout_of<&vmc::page_data::flags>.offset) {
      r.add(field::name, v, flag_names(v));
    } else {
      r.add(field::name, v, field::display == vmc::field_display::hex ? hex(v) : std::string());
    }
  });
  r.print();
}

void print_reading(const vmc::clock_reading& t, bool json) {
  record r(json);
  r.add("counter", t.counter);
  r.add("time_sec", t.time.sec);
  r.add("time_nsec", t.nanoseconds);
  r.add("time_frac_sec", t.time.frac);
  r.add_text("time_type", enum_note(t.time_type));
  if (t.utc_sec) r.add("utc_sec", *t.utc_sec);
  if (t.tai_sec) r.add("tai_sec", *t.tai_sec);
  r.add_optional("est_error_ns", t.est_error_ns);
  r.add_optional("max_error_ns", t.max_error_ns);
  r.add_text("clock_status", enum_note(t.clock_status));
  r.add_text("leap_indicator", enum_note(t.leap_indicator));
  r.add("disruption_marker", t.disruption_marker);
  if (t.vm_generation_counter) r.add("vm_generation_counter", *t.vm_generation_counter);
  if (!json && t.utc_sec && *t.utc_sec <= static_cast<std::uint64_t>(INT64_MAX)) {
    const vrtc::civil_time c = vrtc::from_unix_seconds(static_cast<std::int64_t>(*t.utc_sec));
    char iso[64];
    std::snprintf(iso, sizeof iso, "%04lld-%02u-%02uT%02u:%02u:%02u.%09lluZ", static_cast<long long>(c.date.year),
                  c.date.month, c.date.day, c.hour, c.minute, c.second, static_cast<unsigned long long>(t.nanoseconds));
    r.add_text("utc", iso);
  }
  r.print();
}

void time_at(const std::string& path, std::uint64_t counter, bool json) {
  std::vector<std::byte> bytes = read_settled_page(path);
  // The reader needs an aligned region; a std::vector's storage comes from operator new.
  const auto reader = vmc::reader::open(bytes);
  if (!reader) fail(path + ": " + errc_text(reader.error()));
  const auto t = reader->at(counter);
  if (!t) fail(path + ": " + errc_text(t.error()));
  print_reading(t->reading(), json);
}

/// Opens PATH the way the library opens a device; failures name the path and the fix.
vmc::device_page open_page(const std::string& path) {
  auto page = vmc::device_page::open(path);
  if (!page) fail(page.error().what());
  return std::move(page).value();
}

void now(const std::string& path, bool json) {
  vmc::device_page page = open_page(path);
  const auto t = page.now();
  if (!t) fail(t.error().what());
  print_reading(t->reading(), json);
}

// --- probe -----------------------------------------------------------------------------------

/// /proc/config.gz decompressed by gzip(1) in a child process (the library has no gzip decoder).
/// The file is opened here, as every path is (never blocking, a regular file only), and handed
/// to gzip as its standard input: gzip opening a FIFO itself would hang.
std::optional<std::string> gunzip(const std::string& path) {
  const auto in = vmc::open_checked(path, O_RDONLY, vmc::file_kinds::regular);
  if (!in) return std::nullopt;
  int out[2];
  if (::pipe(out) != 0) {
    ::close(in->fd);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in->fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  const char* argv[] = {"gzip", "-dc", nullptr};
  pid_t child = 0;
  const int spawned = posix_spawnp(&child, "gzip", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in->fd);
  ::close(out[1]);
  std::string text;
  if (spawned == 0) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (text.size() < (64u << 20)) text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(out[0]);
  if (spawned != 0) return std::nullopt;
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return text;
}

std::string octal_mode(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
  return buf;
}

/// What opening a device node gives: the header and the time, or the error with its fix.
std::string try_node(const std::string& path, json_object& j) {
  auto page = vmc::device_page::open(path);
  if (!page) {
    j.add("open", page.error().what());
    return page.error().what();
  }
  std::string text = page->is_mapped()  ? "opened, mapped read-only"
                     : page->is_device() ? "opened, mapping refused (" + std::string(std::strerror(page->map_errno())) +
                                               "), read with pread"
                                         : "opened, a regular file: read with pread, never mapped";
  j.add("mapped", page->is_mapped());
  const bool poll = page->notifications() == vmc::notification_mode::poll;
  j.add("notifications", poll ? "poll" : "interval");
  if (!poll) j.add("interval_reason", vmc::to_string(page->why_interval()));
  text += poll ? ", notifications by poll()"
               : std::string(", no notifications: ") + vmc::to_string(page->why_interval()) + " (polling at an interval)";
  if (const auto p = page->read()) {
    j.add("clock_status", enum_note(p->clock_status));
    j.add("counter_id", enum_note(p->counter_id));
    j.add("disruption_marker", p->disruption_marker);
    text += ", clock_status " + enum_note(p->clock_status) + ", counter_id " + enum_note(p->counter_id);
    if (const auto t = page->now()) {
      j.add("time", "available");
      text += ", time available";
    } else {
      j.add("time", t.error().message);
      text += ", no time: " + t.error().message;
    }
  } else {
    j.add("read", p.error().what());
    text += ", " + p.error().what();
  }
  return text;
}

void probe(const std::optional<std::string>& root, bool json) {
  vmc::discovery_options options;
  if (root) options.root = *root;
  options.decompress = gunzip;
  const vmc::system_report r = vmc::discover(options);

  std::string text = "looked at:\n";
  vrtc_tools::json checks_json = vrtc_tools::json::array();
  for (const auto& c : r.checks) {
    text += "  " + c.what + ": " + c.found + "\n";
    checks_json.push_back(json_object().add("path", c.what).add("found", c.found).value());
  }
  text += "devices:\n";
  vrtc_tools::json devices_json = vrtc_tools::json::array();
  if (r.devices.empty()) text += "  none\n";
  for (const auto& d : r.devices) {
    json_object j;
    j.add("name", d.name).add("firmware", d.firmware).add("identity", d.identity);
    text += "  " + d.firmware + " " + d.name + ": " + d.identity;
    if (!d.firmware_path.empty()) {
      text += ", " + d.firmware_path;
      j.add("firmware_path", d.firmware_path);
    }
    if (d.acpi_status) {
      text += ", _STA " + std::to_string(*d.acpi_status);
      j.add("acpi_status", std::uint64_t{*d.acpi_status});
    }
    if (d.range) {
      text += ", " + vmc::to_string(*d.range) + " (" + d.range_source + ")";
      j.add("range", vmc::to_string(*d.range)).add("range_source", d.range_source);
    } else {
      text += ", memory range unknown";
      j.add_null("range");
    }
    text += d.sysfs_path.empty() ? ", no platform device" : ", " + d.sysfs_path;
    if (d.sysfs_path.empty()) j.add_null("platform_device");
    else j.add("platform_device", d.sysfs_path);
    text += d.driver ? ", driver " + *d.driver + " bound\n" : ", no driver bound\n";
    if (d.driver) j.add("driver", *d.driver);
    else j.add_null("driver");
    if (!d.node_note.empty()) {
      text.insert(text.size() - 1, ", " + d.node_note);
      j.add("node_note", d.node_note);
    }
    devices_json.push_back(j.value());
  }
  text += "device nodes:\n";
  vrtc_tools::json nodes_json = vrtc_tools::json::array();
  if (r.nodes.empty()) text += "  none\n";
  for (const auto& n : r.nodes) {
    json_object j;
    j.add("path", n.path).add("char_device", n.char_device).add("mode", octal_mode(n.mode));
    j.add("uid", std::uint64_t{n.uid}).add("gid", std::uint64_t{n.gid}).add("readable", n.readable);
    text += "  " + n.path + ": " + (n.char_device ? "character device" : "not a character device") + ", mode " +
            octal_mode(n.mode) + ", uid " + std::to_string(n.uid) + ", " +
            (n.readable ? "readable" : "not readable by this user") + "; " + try_node(n.path, j) + "\n";
    nodes_json.push_back(j.value());
  }
  vrtc_tools::json ptp_json = vrtc_tools::json::array();
  for (const auto& p : r.ptp_clocks)
    ptp_json.push_back(json_object().add("device", p.device).add("clock_name", p.clock_name).value());
  text += std::string("kernel: ") + std::string(vmc::kernel_option_name) + " " + vmc::to_string(r.config.state) +
          (r.config.source.empty() ? " (" + r.config.note + ")" : " (" + r.config.source + ")") +
          "; driver " + (r.driver_registered ? "registered" : "not registered") + "\n";
  const std::string sum = vmc::summary(r);
  text += "summary: " + sum + "\n";
  if (!json) {
    std::fputs(text.c_str(), stdout);
    return;
  }
  json_object out;
  out.set("checks", std::move(checks_json));
  out.set("devices", std::move(devices_json));
  out.set("nodes", std::move(nodes_json));
  out.set("ptp_clocks", std::move(ptp_json));
  out.add("kernel_config", vmc::to_string(r.config.state));
  if (r.config.source.empty()) out.add_null("kernel_config_source");
  else out.add("kernel_config_source", r.config.source);
  out.add("driver_registered", r.driver_registered);
  out.add("module_loaded", r.module_loaded);
  out.add("summary", sum);
  std::printf("%s\n", out.str().c_str());
}

// --- watch -----------------------------------------------------------------------------------

/// CLOCK_REALTIME as 2026-01-02T03:04:05.123456789Z.
std::string timestamp() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const vrtc::civil_time c = vrtc::from_unix_seconds(static_cast<std::int64_t>(ts.tv_sec));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%09ldZ", static_cast<long long>(c.date.year),
                c.date.month, c.date.day, c.hour, c.minute, c.second, static_cast<long>(ts.tv_nsec));
  return buf;
}

struct watch_options {
  std::chrono::milliseconds interval{100};
  std::optional<std::uint64_t> count;
  std::optional<std::chrono::milliseconds> timeout;
};

void watch(const std::string& path, const watch_options& o, bool json) {
  vmc::device_page page = open_page(path);
  const bool poll = page.notifications() == vmc::notification_mode::poll;
  if (!json) {
    // Why not poll(), when it is not the obvious reason (a file, or a page without the flag).
    const vmc::interval_reason why = page.why_interval();
    const bool unexpected = why == vmc::interval_reason::poll_hangup || why == vmc::interval_reason::poll_never_blocks;
    std::printf("# watching %s: %s\n", path.c_str(),
                poll ? "notifications by poll()"
                     : ("re-reading every " + std::to_string(o.interval.count()) + " ms" +
                        (unexpected ? std::string(" (") + vmc::to_string(why) + ")" : std::string()))
                           .c_str());
  }
  std::fflush(stdout);
  using clock = std::chrono::steady_clock;
  const bool bounded = o.timeout.has_value();
  const clock::time_point end = clock::now() + o.timeout.value_or(std::chrono::milliseconds(0));
  std::optional<vmc::page_data> last;
  std::uint64_t lines = 0;
  for (;;) {
    const auto p = page.read();
    if (!p) fail(p.error().what());
    std::vector<std::string> changed;
    if (last) {
      if (p->disruption_marker != last->disruption_marker) changed.emplace_back("disruption_marker");
      if (p->vm_generation_counter != last->vm_generation_counter) changed.emplace_back("vm_generation_counter");
      if (p->clock_status != last->clock_status) changed.emplace_back("clock_status");
      if (p->flags != last->flags) changed.emplace_back("flags");
    }
    if (!last || !changed.empty()) {
      std::string what;
      for (const auto& c : changed) what += (what.empty() ? "" : ",") + c;
      const std::string gen = p->has_vm_generation_counter() ? std::to_string(p->vm_generation_counter) : "absent";
      if (json) {
        json_object j;
        j.add("time", timestamp()).add("disruption_marker", p->disruption_marker);
        if (p->has_vm_generation_counter()) j.add("vm_generation_counter", p->vm_generation_counter);
        else j.add_null("vm_generation_counter");
        j.add("clock_status", enum_note(p->clock_status)).add("flags", p->flags);
        j.add("changed", last ? what : std::string("initial"));
        std::printf("%s\n", j.str().c_str());
      } else {
        std::printf("%s disruption_marker=%llu vm_generation_counter=%s clock_status=%s flags=%s (%s)\n",
                    timestamp().c_str(), static_cast<unsigned long long>(p->disruption_marker), gen.c_str(),
                    enum_note(p->clock_status).c_str(), flag_names(p->flags).c_str(),
                    last ? ("changed: " + what).c_str() : "initial");
      }
      std::fflush(stdout);
      if (o.count && ++lines >= *o.count) return;
    }
    last = *p;
    std::chrono::milliseconds wait(-1);
    if (bounded) {
      const auto now = clock::now();
      if (now >= end) return;
      wait = std::chrono::duration_cast<std::chrono::milliseconds>(end - now) + std::chrono::milliseconds(1);
    }
    const auto updated = page.wait_for_update(p->seq_count, wait, o.interval);
    if (!updated) fail(updated.error().what());
  }
}

/// A watch option's value: whole milliseconds or lines, at most a day's worth.
std::uint64_t watch_number(const char* option, const std::string& v) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size() || n > 86'400'000)
    fail("bad value for " + std::string(option) + ": " + v);
  return n;
}

int run(int argc, char** argv) {
  CLI::App app(usage_text, "vmclock");
  vrtc_tools::setup(app);
  bool json = false;
  std::string path, page, counter, root, interval_ms, count, timeout_ms;
  const auto add_json = [&](CLI::App* cmd) { cmd->add_flag("--json", json, "One line of JSON instead of text"); };
  const auto add_path = [&](CLI::App* cmd) {
    return cmd->add_option("PATH", path, "A vmclock device or a file holding the structure (default: the first /dev/vmclock*)")
        ->type_name("");
  };

  CLI::App* const dump_cmd = app.add_subcommand("dump",
      "usage: vmclock dump [--json] [PATH]\n\nEvery field present per the page's size (JSON keys are the field\n"
      "names of the Linux uapi header).\n");
  add_json(dump_cmd);
  const CLI::Option* dump_path = add_path(dump_cmd);
  CLI::App* const time_cmd = app.add_subcommand("time",
      "usage: vmclock time --page PATH --counter N [--json]\n\nThe time the page gives at counter value N "
      "(decimal or 0x-prefixed hexadecimal).\n");
  time_cmd->add_option("--page", page, "The vmclock page: a device or a file")->type_name("PATH");
  const CLI::Option* counter_opt = time_cmd->add_option("--counter", counter, "The counter value, decimal or 0x-hexadecimal")->type_name("N");
  add_json(time_cmd);
  CLI::App* const now_cmd = app.add_subcommand("now",
      "usage: vmclock now [--json] [PATH]\n\nThe time the page gives at this CPU's counter, now.\n");
  add_json(now_cmd);
  const CLI::Option* now_path = add_path(now_cmd);
  CLI::App* const probe_cmd = app.add_subcommand("probe",
      "usage: vmclock probe [--json] [--root DIR]\n\nWhat this machine has: device, driver, kernel; exits 0 whenever "
      "it ran.\n");
  add_json(probe_cmd);
  const CLI::Option* root_opt = probe_cmd->add_option("--root", root, "Look below DIR instead of / (a copy or a fake tree)")->type_name("DIR");
  CLI::App* const watch_cmd = app.add_subcommand("watch",
      "usage: vmclock watch [PATH] [--interval-ms N] [--count N] [--timeout-ms N] [--json]\n\nOne line per change of "
      "disruption_marker, vm_generation_counter, clock_status or flags\n(the first line is the state at start).\n");
  const CLI::Option* watch_path = add_path(watch_cmd);
  const CLI::Option* interval_opt =
      watch_cmd->add_option("--interval-ms", interval_ms, "Re-read interval without notifications (default 100)")->type_name("N");
  const CLI::Option* count_opt = watch_cmd->add_option("--count", count, "Stop after N lines")->type_name("N");
  const CLI::Option* timeout_opt = watch_cmd->add_option("--timeout-ms", timeout_ms, "Stop after N milliseconds")->type_name("N");
  add_json(watch_cmd);
  // A word that is no command stays with the top level, to be named in the error.
  app.allow_extras();

  if (const auto done = vrtc_tools::parse(app, argc, argv)) return *done;
  if (!app.remaining().empty()) fail("unknown command: " + app.remaining().front());
  const auto device_or = [](const CLI::Option* o, const std::string& p) { return o->count() > 0 ? p : default_device(); };
  if (dump_cmd->parsed()) {
    dump(device_or(dump_path, path), json);
  } else if (now_cmd->parsed()) {
    now(device_or(now_path, path), json);
  } else if (probe_cmd->parsed()) {
    probe(root_opt->count() > 0 ? std::optional<std::string>(root) : std::nullopt, json);
  } else if (watch_cmd->parsed()) {
    watch_options watching;
    if (interval_opt->count() > 0) {
      const std::uint64_t n = watch_number("--interval-ms", interval_ms);
      if (n == 0) fail("--interval-ms must be at least 1");
      watching.interval = std::chrono::milliseconds(n);
    }
    if (count_opt->count() > 0) {
      const std::uint64_t n = watch_number("--count", count);
      if (n == 0) fail("--count must be at least 1");
      watching.count = n;
    }
    if (timeout_opt->count() > 0) watching.timeout = std::chrono::milliseconds(watch_number("--timeout-ms", timeout_ms));
    watch(device_or(watch_path, path), watching, json);
  } else if (time_cmd->parsed()) {
    if (page.empty() || counter_opt->count() == 0) fail("time needs --page PATH and --counter N");
    time_at(page, parse_u64(counter), json);
  } else {
    fail("missing command; see vmclock --help");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return vrtc_tools::report_failures([&] { return run(argc, argv); });
}
