// vmclock: inspect a vmclock page — the device (/dev/vmclock0) or any file holding one.
//
//   vmclock dump [--json] [PATH]                    every field of the structure
//   vmclock time --page PATH --counter N [--json]   what the page says at counter value N
//   vmclock now [--json] [PATH]                     the same with this CPU's counter, now
//
// Any failure exits with status 2 and prints one line {"error": "..."}; success exits 0.
#include <vmclock/abi.hpp>
#include <vmclock/reader.hpp>
#include <vrtc/civil.hpp>
#include <vrtc/counter.hpp>
#include <vrtc/result.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/json.hpp"

namespace {

namespace vmc = vrtc::vmclock;
using vrtc_tools::json_object;

constexpr const char* usage_text =
    "usage: vmclock dump [--json] [PATH]\n"
    "       vmclock time --page PATH --counter N [--json]\n"
    "       vmclock now [--json] [PATH]\n"
    "\n"
    "PATH is a vmclock device (default: the first /dev/vmclock*) or any file holding the\n"
    "structure. dump prints every field present per the page's size (JSON keys are the field\n"
    "names of the Linux uapi header). time and now print the time the page gives at a counter\n"
    "value: time_sec, time_nsec and time_frac_sec in the page's time scale, utc_sec/tai_sec\n"
    "when derivable, est_error_ns/max_error_ns (null when not valid), clock_status and\n"
    "disruption_marker. N is decimal or 0x-prefixed hexadecimal.\n"
    "\n"
    "Exit status: 0 on success, 2 on any failure, with {\"error\": \"...\"} as the output.\n";

constexpr std::size_t page_bytes = 4096;

/// A failure: its text becomes the one-line JSON error.
struct failure {
  std::string why;
};

[[noreturn]] void fail(const std::string& why) { throw failure{why}; }

std::string errc_text(vrtc::errc e) { return vrtc::to_string(e); }

std::string default_device() {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("vmclock", 0) == 0) found.push_back(entry.path().string());
  }
  if (found.empty()) fail("no /dev/vmclock* device; give a PATH");
  std::sort(found.begin(), found.end());
  return found.front();
}

/// An open file descriptor, closed on scope exit.
struct file {
  int fd = -1;
  explicit file(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd < 0) fail("cannot open " + path + ": " + std::strerror(errno));
  }
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file() { ::close(fd); }
};

/// The first page of PATH, read with pread (the device copies it out under its seqlock).
std::vector<std::byte> read_page(const std::string& path) {
  const file f(path);
  std::vector<std::byte> bytes(page_bytes);
  std::size_t have = 0;
  while (have < bytes.size()) {
    const ssize_t n = ::pread(f.fd, bytes.data() + have, bytes.size() - have, static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  bytes.resize(have);
  return bytes;
}

/// A read-only shared mapping of PATH's first page (the live device page for now()).
class mapping {
 public:
  explicit mapping(const std::string& path) {
    const file f(path);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) fail("cannot stat " + path + ": " + std::strerror(errno));
    // A device has no size; a file maps as far as it goes (at most a page).
    length_ = S_ISREG(st.st_mode) ? std::min<std::size_t>(static_cast<std::size_t>(st.st_size), page_bytes)
                                  : page_bytes;
    if (length_ == 0) fail(path + ": " + errc_text(vrtc::errc::too_short));
    void* const p = ::mmap(nullptr, page_bytes, PROT_READ, MAP_SHARED, f.fd, 0);
    if (p == MAP_FAILED) fail("cannot map " + path + ": " + std::strerror(errno));
    base_ = p;
  }
  mapping(const mapping&) = delete;
  mapping& operator=(const mapping&) = delete;
  ~mapping() { ::munmap(base_, page_bytes); }
  [[nodiscard]] std::span<const std::byte> bytes() const {
    return {static_cast<const std::byte*>(base_), length_};
  }

 private:
  void* base_ = nullptr;
  std::size_t length_ = 0;
};

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

void dump(const std::string& path, bool json) {
  const std::vector<std::byte> bytes = read_page(path);
  const auto page = vmc::decode(bytes);
  if (!page) fail(path + ": " + errc_text(page.error()));
  const vmc::page_data& p = *page;
  namespace f = vmc::fields;
  record r(json);
  r.add("magic", p.magic, "VCLK");
  r.add("size", p.size);
  r.add("version", p.version);
  r.add("counter_id", static_cast<std::uint64_t>(p.counter_id), enum_note(p.counter_id));
  r.add("time_type", static_cast<std::uint64_t>(p.time_type), enum_note(p.time_type));
  r.add("seq_count", p.seq_count);
  r.add("disruption_marker", p.disruption_marker);
  r.add("flags", p.flags, flag_names(p.flags));
  if (p.present(f::clock_status))
    r.add("clock_status", static_cast<std::uint64_t>(p.clock_status), enum_note(p.clock_status));
  if (p.present(f::leap_second_smearing_hint))
    r.add("leap_second_smearing_hint", static_cast<std::uint64_t>(p.leap_second_smearing_hint),
          enum_note(p.leap_second_smearing_hint));
  if (p.present(f::tai_offset_sec)) r.add_signed("tai_offset_sec", p.tai_offset_sec);
  if (p.present(f::leap_indicator))
    r.add("leap_indicator", static_cast<std::uint64_t>(p.leap_indicator), enum_note(p.leap_indicator));
  if (p.present(f::counter_period_shift)) r.add("counter_period_shift", p.counter_period_shift);
  const auto u64 = [&](vmc::field_layout field, std::string_view key, std::uint64_t v, bool show_hex) {
    if (p.present(field)) r.add(key, v, show_hex ? hex(v) : std::string());
  };
  u64(f::counter_value, "counter_value", p.counter_value, false);
  u64(f::counter_period_frac_sec, "counter_period_frac_sec", p.counter_period_frac_sec, true);
  u64(f::counter_period_esterror_rate_frac_sec, "counter_period_esterror_rate_frac_sec",
      p.counter_period_esterror_rate_frac_sec, true);
  u64(f::counter_period_maxerror_rate_frac_sec, "counter_period_maxerror_rate_frac_sec",
      p.counter_period_maxerror_rate_frac_sec, true);
  u64(f::time_sec, "time_sec", p.time_sec, false);
  u64(f::time_frac_sec, "time_frac_sec", p.time_frac_sec, true);
  u64(f::time_esterror_nanosec, "time_esterror_nanosec", p.time_esterror_nanosec, false);
  u64(f::time_maxerror_nanosec, "time_maxerror_nanosec", p.time_maxerror_nanosec, false);
  u64(f::vm_generation_counter, "vm_generation_counter", p.vm_generation_counter, false);
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
  std::vector<std::byte> bytes = read_page(path);
  // The reader needs an aligned region; a std::vector's storage comes from operator new.
  const auto reader = vmc::reader::open(bytes);
  if (!reader) fail(path + ": " + errc_text(reader.error()));
  const auto t = reader->time_at(counter);
  if (!t) fail(path + ": " + errc_text(t.error()));
  print_reading(*t, json);
}

void now(const std::string& path, bool json) {
  const mapping m(path);
  const auto reader = vmc::reader::open(m.bytes());
  if (!reader) fail(path + ": " + errc_text(reader.error()));
  const auto t = reader->now();
  if (!t) fail(path + ": " + errc_text(t.error()));
  print_reading(*t, json);
}

int run(const std::vector<std::string_view>& args) {
  if (args.empty()) fail("missing command; see vmclock --help");
  const std::string_view command = args[0];
  if (command == "--help" || command == "-h") {
    std::fputs(usage_text, stdout);
    return 0;
  }
  bool json = false;
  std::optional<std::string> page;
  std::optional<std::uint64_t> counter;
  std::optional<std::string> path;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--json") {
      json = true;
    } else if (command == "time" && (a == "--page" || a == "--counter")) {
      if (i + 1 >= args.size()) fail(std::string(a) + " needs a value");
      const std::string_view v = args[++i];
      if (a == "--page") page = std::string(v);
      else counter = parse_u64(v);
    } else if (command != "time" && !path && !a.starts_with("--")) {
      path = std::string(a);
    } else {
      fail("unexpected argument: " + std::string(a));
    }
  }
  if (command == "dump") {
    dump(path ? *path : default_device(), json);
  } else if (command == "now") {
    now(path ? *path : default_device(), json);
  } else if (command == "time") {
    if (!page || !counter) fail("time needs --page PATH and --counter N");
    time_at(*page, *counter, json);
  } else {
    fail("unknown command: " + std::string(command));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string_view>(argv + 1, argv + argc));
  } catch (const failure& f) {
    std::printf("%s\n", json_object().add("error", f.why).str().c_str());
    return 2;
  } catch (const std::exception& e) {
    std::printf("%s\n", json_object().add("error", e.what()).str().c_str());
    return 2;
  }
}
