// vrtc-guest-check: the guest side of the real-guest tests (runs as root in a test VM).
//
//   vrtc-guest-check sync PCIDEV                     answer the relay's counter handshake
//   vrtc-guest-check move-bar PCIDEV BAR ADDRESS     place a memory BAR at ADDRESS
//   vrtc-guest-check ptp-clock NAME                  print /dev/ptpN of the PTP clock NAME
//   vrtc-guest-check bracket NODE PTP SAMPLES        the driver's PTP time between two vrtc readings
//   vrtc-guest-check bracket-tool NODE PTP SAMPLES TOOL   the same with `TOOL now --json NODE`
//   vrtc-guest-check verify-time NODE PTP ADDRESS ROUNDS  the driver's PTP time against the
//                                                    host's TAI (shared memory at ADDRESS)
//   vrtc-guest-check read-vs-map NODE SAMPLES        the driver's read() against vrtc's mapped read
//   vrtc-guest-check utc NODE SAMPLES                vrtc's UTC from the page: TAI minus the
//                                                    published TAI - UTC (leap-second table)
//   vrtc-guest-check ptp-tool NODE PTP TOOL          `TOOL list/read --json` (vrtc-ptp) against the
//                                                    PHC's offset to CLOCK_TAI measured here (NODE's
//                                                    seq_count unchanged around each comparison)
//   vrtc-guest-check virtio-clocks CLOCKS TOOL       the virtio_rtc driver's PTP clocks and RTC
//                                                    against the clocks the device serves
//   vrtc-guest-check virtio-phc KIND CLOCKS          print /dev/ptpN of the clock KIND of CLOCKS
//   vrtc-guest-check virtio-rtc-node                 print /dev/rtcN of the virtio_rtc RTC
//   vrtc-guest-check virtio-time TAI REALTIME SMEARED MONOTONIC SAMPLES
//                                                    the PHCs against each other and the guest
//   vrtc-guest-check verify-phc PCIDEV PTP ROUNDS    a TAI PHC against the host's TAI, through the
//                                                    handshake page of the shared memory
//   vrtc-guest-check rtc-alarm RTC SMEARED STEP       one alarm step (future, past, disabled,
//                                                    arm-for-reset, after-reset)
//
// CLOCKS is the device's clock list as given to vrtc-vhost-user, comma-separated, each KIND or
// KIND:alarm (KIND: realtime, tai, monotonic, boottime, smeared-noon-linear, smeared-utc-sls).
//
// PCIDEV is a /sys/bus/pci/devices/... directory. Results are printed as
// `CHECK name: PASS|FAIL|SKIP detail` lines, which the host parses from the serial console;
// the exit status is 1 if any check failed, 2 on a usage or setup error.
#include <vrtc/core/counter.hpp>
#include <vrtc/roles/driver.hpp>
#include <vrtc/roles/leap_table.hpp>
#include <vmclock/abi.hpp>
#include <vmclock/linux/device_page.hpp>
#include <vmclock/reader.hpp>

#include <fcntl.h>
#include <linux/ptp_clock.h>
#include <linux/rtc.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <ctime>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "counter_sync.hpp"

namespace {

namespace vmc = vrtc::vmclock;
using namespace vrtc_guest;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "vrtc-guest-check: %s\n", message.c_str());
  std::fflush(stderr);
  std::exit(2);
}

bool any_failed = false;

void check(const std::string& name, const char* result, const std::string& detail) {
  if (std::strcmp(result, "FAIL") == 0) any_failed = true;
  std::printf("CHECK %s: %s %s\n", name.c_str(), result, detail.c_str());
  std::fflush(stdout);
}

std::uint64_t parse_number(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (s.empty() || errno != 0 || end == nullptr || *end != '\0') die("bad number: " + s);
  return v;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

/// The words of the relay's handshake page (counter_sync.hpp), shared with the host: acquire
/// loads and release stores, and a bounded wait for a word to reach a value.
/// A guest clock reading and the host's TAI just before (h1) and after (h2) it, nanoseconds.
struct verified_reading {
  std::int64_t guest;
  std::int64_t h1;
  std::int64_t h2;
};

/// Verification rounds the host may abandon in one check before it fails.
inline constexpr int max_abandoned_rounds = 3;

struct handshake {
  std::uint64_t* words;
  [[nodiscard]] std::uint64_t load(sync_word w) const {
    return std::atomic_ref<std::uint64_t>(words[w]).load(std::memory_order_acquire);
  }
  void store(sync_word w, std::uint64_t v) const {
    std::atomic_ref<std::uint64_t>(words[w]).store(v, std::memory_order_release);
  }
  /// Whether word `w` reads `n` within 10 s.
  [[nodiscard]] bool wait_for(sync_word w, std::uint64_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (load(w) != n)
      if (std::chrono::steady_clock::now() > deadline) return false;
    return true;
  }
  /// The next verification round the host completes (counter_sync.hpp), with the guest's
  /// clock read by `read` inside it. Rounds are numbered on from `last`; a round the host
  /// abandons is void and another follows, up to max_abandoned_rounds per check (`abandoned`).
  template <class Read>
  [[nodiscard]] vrtc::result<verified_reading, std::string> verify_round(std::uint64_t& last, int& abandoned,
                                                                        Read read) const {
    for (;;) {
      const std::uint64_t n = ++last;
      store(verify_request, n);
      if (!wait_for(verify_ack, n)) return "the host did not answer round " + std::to_string(n);
      const std::int64_t guest = read();
      store(verify_time, static_cast<std::uint64_t>(guest));
      store(verify_done, n);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      std::uint64_t r;
      while ((r = load(verify_result)) != n && r != (n | abandoned_round))
        if (std::chrono::steady_clock::now() > deadline) return "the host did not finish round " + std::to_string(n);
      if (r == n)
        return verified_reading{guest, static_cast<std::int64_t>(load(verify_h1)), static_cast<std::int64_t>(load(verify_h2))};
      if (++abandoned > max_abandoned_rounds) return "the host abandoned " + std::to_string(abandoned) + " rounds";
    }
  }
};

// --- sync --------------------------------------------------------------------------------------

/// Maps the BAR through sysfs (resourceN) and answers handshake rounds until the relay says
/// the page is published for this guest's counter.
int sync(const std::string& pcidev) {
  const std::string path = pcidev + "/resource2";
  const int fd = ::open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path + ": " + std::strerror(errno));
  void* const m = ::mmap(nullptr, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) die("cannot map " + path + ": " + std::strerror(errno));
  auto* const words = reinterpret_cast<std::uint64_t*>(static_cast<std::byte*>(m) + sync_page_offset);
  const handshake hs{words};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::uint64_t answered = 0;
  std::uint64_t rounds = 0;
  for (;;) {
    if (hs.load(magic) == sync_magic) {
      const std::uint64_t s = hs.load(state);
      if (s == anchored) break;
      if (s == failed) {
        check("counter-sync", "FAIL", "the relay rejected the handshake (see its log)");
        return 1;
      }
      const std::uint64_t n = hs.load(request);
      if (n != answered) {
        std::atomic_thread_fence(std::memory_order_seq_cst);
        const std::uint64_t g = vrtc::read_hardware_counter();
        hs.store(guest_counter, g);
        hs.store(reply, n);
        answered = n;
        ++rounds;
        continue;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      check("counter-sync", "FAIL", "no anchored page after 120 s (" + std::to_string(rounds) + " rounds answered)");
      return 1;
    }
  }
  check("counter-sync", "PASS",
        std::to_string(rounds) + " rounds; host counter - guest counter = " + std::to_string(hs.load(offset)) + " +- " +
            std::to_string(hs.load(half_width)) + " ticks");
  ::munmap(m, shared_bytes);
  ::close(fd);
  return 0;
}

// --- move-bar ----------------------------------------------------------------------------------

std::uint32_t config_read32(int fd, off_t at) {
  std::uint32_t v = 0;
  if (::pread(fd, &v, sizeof v, at) != static_cast<ssize_t>(sizeof v)) die("config read failed: " + std::string(std::strerror(errno)));
  return v;  // PCI configuration space is little endian, as is x86
}
void config_write(int fd, off_t at, const void* data, std::size_t n) {
  if (::pwrite(fd, data, n, at) != static_cast<ssize_t>(n)) die("config write failed: " + std::string(std::strerror(errno)));
}

/// Writes a memory BAR's address in configuration space (memory decoding off meanwhile). The
/// kernel's record of the BAR is not updated: nothing in the guest uses the BAR through the PCI
/// device afterwards, the ACPI device describes the new address.
int move_bar(const std::string& pcidev, unsigned bar, std::uint64_t address) {
  if (bar > 5) die("BAR must be 0..5");
  const std::string path = pcidev + "/config";
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path + ": " + std::strerror(errno));
  const off_t reg = static_cast<off_t>(0x10 + 4 * bar);
  const std::uint32_t low = config_read32(fd, reg);
  if ((low & 1u) != 0) die("BAR " + std::to_string(bar) + " is an I/O BAR");
  const bool is64 = ((low >> 1) & 3u) == 2u;
  if (!is64 && address > 0xffffffffu) die("a 32-bit BAR cannot take " + std::to_string(address));
  std::uint64_t old = low & ~0xfULL;
  if (is64) old |= static_cast<std::uint64_t>(config_read32(fd, reg + 4)) << 32;

  std::uint16_t command = 0;
  if (::pread(fd, &command, 2, 4) != 2) die("config read failed");
  const std::uint16_t off = static_cast<std::uint16_t>(command & ~2u);  // memory space decoding
  config_write(fd, 4, &off, 2);
  const std::uint32_t new_low = static_cast<std::uint32_t>(address & 0xfffffff0u) | (low & 0xfu);
  config_write(fd, reg, &new_low, 4);
  if (is64) {
    const auto high = static_cast<std::uint32_t>(address >> 32);
    config_write(fd, reg + 4, &high, 4);
  }
  const std::uint16_t on = static_cast<std::uint16_t>(command | 2u);
  config_write(fd, 4, &on, 2);

  std::uint64_t now = config_read32(fd, reg) & ~0xfULL;
  if (is64) now |= static_cast<std::uint64_t>(config_read32(fd, reg + 4)) << 32;
  ::close(fd);
  char detail[160];
  std::snprintf(detail, sizeof detail, "%s BAR%u moved from 0x%" PRIx64 " to 0x%" PRIx64 " (read back 0x%" PRIx64 ")",
                pcidev.c_str(), bar, old, address, now);
  check("move-bar", now == address ? "PASS" : "FAIL", detail);
  return now == address ? 0 : 1;
}

// --- ptp-clock ---------------------------------------------------------------------------------

int ptp_clock(const std::string& name) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/ptp", ec)) {
    if (read_text(e.path() / "clock_name") == name) {
      std::printf("/dev/%s\n", e.path().filename().c_str());
      return 0;
    }
  }
  return 1;
}

// --- bracket -----------------------------------------------------------------------------------

constexpr std::int64_t ns_per_s = 1'000'000'000;

/// A vmclock reading as TAI nanoseconds (the driver's PTP clock reports TAI).
std::optional<std::int64_t> tai_ns(const vmc::clock_reading& r) {
  std::uint64_t sec = 0;
  if (r.tai_sec) sec = *r.tai_sec;
  else if (r.time_type == vmc::time_type::tai) sec = r.time.sec;
  else return std::nullopt;
  return static_cast<std::int64_t>(sec) * ns_per_s + static_cast<std::int64_t>(r.nanoseconds);
}

std::int64_t ptp_ns(const ptp_clock_time& t) { return t.sec * ns_per_s + t.nsec; }

/// One way of reading the driver's clock: fills `out` with one or more PTP times, or returns
/// an errno.
using ptp_reader = std::function<int(std::vector<std::int64_t>& out)>;

struct stats {
  std::uint64_t bracketed = 0;
  std::uint64_t outside = 0;
  std::uint64_t retried = 0;  ///< the page changed during the sample: not counted
  std::int64_t min_after_before = INT64_MAX;
  std::int64_t min_before_after = INT64_MAX;
  std::int64_t max_width = 0;
  std::int64_t worst = 0;  ///< the largest distance outside a bracket
  std::string first_failure;
};

std::uint32_t seq_of(const vmc::device_page& page) {
  return __atomic_load_n(reinterpret_cast<const std::uint32_t*>(page.region().data() + vmc::layout_of<&vmc::page_data::seq_count>.offset),
                         __ATOMIC_ACQUIRE);
}

/// `samples` samples: vrtc reading, the driver's reading(s), vrtc reading; a sample during
/// which the page's seq_count changed is repeated (the two sides may then have read different
/// versions of the page, which need not agree to the nanosecond).
stats bracket_samples(vmc::device_page& page, std::uint64_t samples,
                      const std::function<std::optional<std::int64_t>()>& vrtc_now, const ptp_reader& read_ptp,
                      int& error) {
  stats s;
  std::vector<std::int64_t> got;
  error = 0;
  while (s.bracketed + s.outside < samples) {
    if (s.retried > samples * 4) break;
    const std::uint32_t seq0 = seq_of(page);
    const auto before = vrtc_now();
    got.clear();
    const int e = read_ptp(got);
    const auto after = vrtc_now();
    const std::uint32_t seq1 = seq_of(page);
    if (e != 0) {
      error = e;
      return s;
    }
    if (!before || !after) {
      error = -1;
      return s;
    }
    if (seq0 != seq1 || (seq0 & 1u) != 0) {
      ++s.retried;
      continue;
    }
    bool inside = true;
    for (const std::int64_t p : got) {
      s.min_after_before = std::min(s.min_after_before, p - *before);
      s.min_before_after = std::min(s.min_before_after, *after - p);
      if (p < *before || p > *after) {
        inside = false;
        const std::int64_t by = p < *before ? *before - p : p - *after;
        s.worst = std::max(s.worst, by);
        if (s.first_failure.empty())
          s.first_failure = "vrtc " + std::to_string(*before) + ", driver " + std::to_string(p) + ", vrtc " +
                            std::to_string(*after) + " (ns TAI)";
      }
    }
    s.max_width = std::max(s.max_width, *after - *before);
    if (inside) ++s.bracketed;
    else ++s.outside;
  }
  return s;
}

void report(const std::string& name, const std::string& what, const stats& s, std::uint64_t samples, int error) {
  if (error > 0 && (error == EOPNOTSUPP || error == ENODEV)) {
    check(name, "SKIP", what + ": the driver does not offer it here (" + std::strerror(error) + ")");
    return;
  }
  if (error > 0) {
    check(name, "FAIL", what + ": " + std::strerror(error));
    return;
  }
  if (error < 0) {
    check(name, "FAIL", what + ": vrtc gave no TAI time for the page");
    return;
  }
  char detail[512];
  std::snprintf(detail, sizeof detail,
                "%s: %" PRIu64 "/%" PRIu64 " samples bracketed (%" PRIu64
                " repeated because the page changed); driver - earlier vrtc >= %" PRId64
                " ns, later vrtc - driver >= %" PRId64 " ns, widest bracket %" PRId64 " ns",
                what.c_str(), s.bracketed, samples, s.retried, s.min_after_before, s.min_before_after, s.max_width);
  std::string d = detail;
  if (s.outside != 0) d += "; " + std::to_string(s.outside) + " outside, worst by " + std::to_string(s.worst) + " ns, first: " + s.first_failure;
  check(name, s.bracketed == samples && s.outside == 0 ? "PASS" : "FAIL", d);
}

int open_ptp(const std::string& ptp) {
  const int fd = ::open(ptp.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) die("cannot open " + ptp + ": " + std::strerror(errno));
  return fd;
}

vmc::device_page open_node(const std::string& node) {
  auto page = vmc::device_page::open(node);
  if (!page) die(page.error().what());
  if (!page->is_mapped()) die(node + ": the driver refused the mapping");
  return std::move(page).value();
}

clockid_t fd_to_clockid(int fd) { return static_cast<clockid_t>((~static_cast<unsigned>(fd) << 3) | 3u); }

/// vrtc's UTC from the page (TAI page: TAI plus tai_offset_sec, which is UTC - TAI) against
/// TAI - UTC from the built-in leap-second table at that instant: a page published with the
/// offset's sign reversed reads 74 s off.
int utc_check(const std::string& node, std::uint64_t samples) {
  vmc::device_page page = open_node(node);
  const auto reader = page.mapped_reader();
  if (!reader) die("no reader over the mapping");
  std::uint64_t right = 0;
  std::string last;
  for (std::uint64_t i = 0; i < samples; ++i) {
    const auto t = reader->now();
    if (!t) {
      last = std::string("no reading: ") + vrtc::to_string(t.error());
      continue;
    }
    const vmc::clock_reading r = t->reading();
    if (!r.tai_sec || !r.utc_sec) {
      last = "the reading has no TAI or no UTC";
      continue;
    }
    const auto published = vrtc::builtin_leap_table().tai_minus_utc(*r.utc_sec);
    const auto diff = static_cast<std::int64_t>(*r.tai_sec) - static_cast<std::int64_t>(*r.utc_sec);
    last = "TAI " + std::to_string(*r.tai_sec) + " s, UTC " + std::to_string(*r.utc_sec) + " s: TAI - UTC " +
           std::to_string(diff) + " s, published " + (published ? std::to_string(*published) + " s" : "unknown");
    if (published && diff == *published) ++right;
  }
  check("page-utc", right == samples ? "PASS" : "FAIL",
        std::to_string(right) + "/" + std::to_string(samples) + " readings with TAI - UTC as published; last: " + last);
  return right == samples ? 0 : 1;
}

int bracket(const std::string& node, const std::string& ptp, std::uint64_t samples, const std::string& tag) {
  vmc::device_page page = open_node(node);
  const int fd = open_ptp(ptp);
  const auto reader = page.mapped_reader();
  if (!reader) die("no reader over the mapping");
  const auto vrtc_now = [&]() -> std::optional<std::int64_t> {
    const auto t = reader->now();
    if (!t) return std::nullopt;
    return tai_ns(t->reading());
  };
  const clockid_t clock = fd_to_clockid(fd);

  const ptp_reader gettime = [&](std::vector<std::int64_t>& out) {
    timespec ts{};
    if (clock_gettime(clock, &ts) != 0) return errno;
    out.push_back(static_cast<std::int64_t>(ts.tv_sec) * ns_per_s + ts.tv_nsec);
    return 0;
  };
  const ptp_reader extended = [&](std::vector<std::int64_t>& out) {
    ptp_sys_offset_extended x{};
    x.n_samples = 5;
    if (ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &x) != 0) return errno;
    for (unsigned i = 0; i < x.n_samples; ++i) out.push_back(ptp_ns(x.ts[i][1]));
    return 0;
  };
  const ptp_reader precise = [&](std::vector<std::int64_t>& out) {
    ptp_sys_offset_precise x{};
    if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &x) != 0) return errno;
    out.push_back(ptp_ns(x.device));
    return 0;
  };
  int error = 0;
  stats s = bracket_samples(page, samples, vrtc_now, gettime, error);
  report("bracket-clock_gettime" + tag, "clock_gettime on " + ptp, s, samples, error);
  s = bracket_samples(page, samples, vrtc_now, extended, error);
  report("bracket-sys_offset_extended" + tag, "PTP_SYS_OFFSET_EXTENDED (5 readings each)", s, samples, error);
  s = bracket_samples(page, samples, vrtc_now, precise, error);
  report("bracket-sys_offset_precise" + tag, "PTP_SYS_OFFSET_PRECISE", s, samples, error);
  ::close(fd);
  return any_failed ? 1 : 0;
}

// --- the project's tools in a child -------------------------------------------------------------

/// Runs `argv` in a child and returns its standard output, or nothing when it did not exit 0.
std::optional<std::string> run_capture(const std::vector<std::string>& argv) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) die("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    std::vector<char*> args;
    for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "vrtc-guest-check: %s exited with %d: %s\n", argv[0].c_str(),
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, out.c_str());
    return std::nullopt;
  }
  return out;
}

/// The value of "key" in one-line JSON text: the raw token (a string without its quotes).
std::optional<std::string> json_token(std::string_view text, std::string_view key) {
  const std::string k = "\"" + std::string(key) + "\": ";
  auto at = text.find(k);
  if (at == std::string_view::npos) return std::nullopt;
  at += k.size();
  if (at < text.size() && text[at] == '"') {
    const auto end = text.find('"', at + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(text.substr(at + 1, end - at - 1));
  }
  const auto end = text.find_first_of(",}", at);
  return std::string(text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
}

std::optional<std::int64_t> json_int(std::string_view text, std::string_view key) {
  const auto t = json_token(text, key);
  if (!t || t->empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(t->c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return std::nullopt;
  return v;
}

/// `tool now --json node` in a child; the TAI time it printed, in nanoseconds.
std::optional<std::int64_t> tool_now(const std::string& tool, const std::string& node) {
  const auto out = run_capture({tool, "now", "--json", node});
  if (!out) return std::nullopt;
  const auto nsec = json_int(*out, "time_nsec");
  auto sec = json_int(*out, "tai_sec");
  if (!sec && out->find("TAI") != std::string::npos) sec = json_int(*out, "time_sec");
  if (!sec || !nsec || *sec < 0 || *nsec < 0) {
    std::fprintf(stderr, "vrtc-guest-check: no TAI time in: %s\n", out->c_str());
    return std::nullopt;
  }
  return *sec * ns_per_s + *nsec;
}

int bracket_tool(const std::string& node, const std::string& ptp, std::uint64_t samples, const std::string& tool) {
  vmc::device_page page = open_node(node);
  const int fd = open_ptp(ptp);
  const clockid_t clock = fd_to_clockid(fd);
  const ptp_reader gettime = [&](std::vector<std::int64_t>& out) {
    timespec ts{};
    if (clock_gettime(clock, &ts) != 0) return errno;
    out.push_back(static_cast<std::int64_t>(ts.tv_sec) * ns_per_s + ts.tv_nsec);
    return 0;
  };
  int error = 0;
  const stats s = bracket_samples(page, samples, [&] { return tool_now(tool, node); }, gettime, error);
  report("bracket-vmclock-now", "`vmclock now --json` before and after clock_gettime on " + ptp, s, samples, error);
  ::close(fd);
  return any_failed ? 1 : 0;
}

// --- verify-time -------------------------------------------------------------------------------

/// The driver's PTP time against the host's TAI, through the handshake page (which the
/// guest reaches through /dev/mem once the BAR has moved): each reading must lie within the
/// host's bracket widened by the page's maximum error.
int verify_against_host(const std::string& node, const std::string& ptp, std::uint64_t address, std::uint64_t rounds) {
  vmc::device_page page = open_node(node);
  const int fd = open_ptp(ptp);
  const clockid_t clock = fd_to_clockid(fd);
  const int mem = ::open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
  if (mem < 0) die(std::string("cannot open /dev/mem: ") + std::strerror(errno));
  void* const m = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mem, static_cast<off_t>(address + sync_page_offset));
  if (m == MAP_FAILED) die(std::string("cannot map the handshake page through /dev/mem: ") + std::strerror(errno));
  auto* const words = static_cast<std::uint64_t*>(m);
  const handshake hs{words};
  if (hs.load(magic) != sync_magic) {
    check("verify-time", "FAIL", "no handshake page at the page address + 4096");
    return 1;
  }
  std::uint64_t good = 0;
  std::int64_t worst_offset = 0;  // guest - host midpoint, the largest in magnitude
  std::int64_t widest = 0;
  std::string first_failure;
  std::uint64_t last_round = hs.load(verify_request);
  int abandoned = 0;
  // The driver read whichever page version was current during the round: the host may
  // publish one in between, so the larger maximum error of the versions before and after.
  const auto page_max_error = [&]() -> std::optional<std::int64_t> {
    const auto reading = page.now();
    if (!reading || !reading->max_error_ns()) return std::nullopt;
    return static_cast<std::int64_t>(*reading->max_error_ns());
  };
  for (std::uint64_t i = 0; i < rounds; ++i) {
    const auto error_before = page_max_error();
    const auto round = hs.verify_round(last_round, abandoned, [&] {
      timespec ts{};
      if (clock_gettime(clock, &ts) != 0) die(std::string("clock_gettime on the PTP clock: ") + std::strerror(errno));
      return static_cast<std::int64_t>(ts.tv_sec) * ns_per_s + ts.tv_nsec;
    });
    if (!round) {
      check("verify-time", "FAIL", round.error());
      return 1;
    }
    const auto [guest, h1, h2] = *round;
    const auto error_after = page_max_error();
    if (!error_before || !error_after) {
      check("verify-time", "FAIL", "the page gives no maximum error");
      return 1;
    }
    const std::int64_t max_error = std::max(*error_before, *error_after);
    const std::int64_t offset = guest - (h1 + (h2 - h1) / 2);
    if (std::llabs(offset) > std::llabs(worst_offset)) worst_offset = offset;
    widest = std::max(widest, h2 - h1);
    if (guest >= h1 - max_error && guest <= h2 + max_error) {
      ++good;
    } else if (first_failure.empty()) {
      first_failure = "; first miss: host " + std::to_string(h1) + ".." + std::to_string(h2) + ", guest " +
                      std::to_string(guest) + " ns TAI, max error " + std::to_string(max_error) + " ns";
    }
  }
  ::munmap(m, 4096);
  ::close(mem);
  ::close(fd);
  char detail[256];
  std::snprintf(detail, sizeof detail,
                "%" PRIu64 "/%" PRIu64 " PTP readings within the host's TAI bracket +- the page's max error; "
                "largest guest - host offset %" PRId64 " ns, widest host bracket %" PRId64 " ns",
                good, rounds, worst_offset, widest);
  check("verify-time", good == rounds ? "PASS" : "FAIL", detail + first_failure);
  return good == rounds ? 0 : 1;
}

// --- read-vs-map -------------------------------------------------------------------------------

/// The driver's read() of the node (a copy it takes under the seqlock) decodes to exactly what
/// vrtc's seqlock reader copies out of the mapping, whenever both saw the same seq_count.
int read_vs_map(const std::string& node, std::uint64_t samples) {
  vmc::device_page page = open_node(node);
  const auto reader = page.mapped_reader();
  if (!reader) die("no reader over the mapping");
  std::vector<std::byte> bytes(4096);
  std::uint64_t equal = 0;
  std::uint64_t differ = 0;
  std::uint64_t repeated = 0;
  std::string first_difference;
  while (equal + differ < samples && repeated <= samples * 4) {
    const auto mapped = reader->read();
    const ssize_t n = ::pread(page.fd(), bytes.data(), bytes.size(), 0);
    if (n < 0) die(node + ": read failed: " + std::strerror(errno));
    const auto copied = vmc::decode(std::span<const std::byte>(bytes.data(), static_cast<std::size_t>(n)));
    if (!mapped || !copied) {
      check("read-vs-map", "FAIL", "a read failed: " + std::string(vrtc::to_string(!mapped ? mapped.error() : copied.error())));
      return 1;
    }
    if (mapped->seq_count != copied->seq_count) {
      ++repeated;  // the page changed in between
      continue;
    }
    if (*mapped == *copied) {
      ++equal;
    } else {
      ++differ;
      if (first_difference.empty()) first_difference = "; first at seq_count " + std::to_string(mapped->seq_count);
    }
  }
  char detail[200];
  std::snprintf(detail, sizeof detail,
                "%" PRIu64 "/%" PRIu64 " read() copies of %s decode to vrtc's mapped read (%" PRIu64
                " repeated because the page changed)",
                equal, samples, node.c_str(), repeated);
  check("read-vs-map", equal == samples ? "PASS" : "FAIL", detail + first_difference);
  return equal == samples ? 0 : 1;
}

// --- ptp-tool ----------------------------------------------------------------------------------

/// The PHC's offset to CLOCK_TAI as this program measures it: CLOCK_TAI, the PHC
/// (clock_gettime on its dynamic id), CLOCK_TAI; the narrowest of `samples` brackets.
struct tai_offset_measure {
  std::int64_t offset = 0;  ///< PHC - CLOCK_TAI
  std::int64_t bound = 0;   ///< half the bracket
};

tai_offset_measure measure_tai_offset(clockid_t phc, int samples) {
  tai_offset_measure best{0, INT64_MAX};
  for (int i = 0; i < samples; ++i) {
    timespec a{}, p{}, b{};
    if (clock_gettime(CLOCK_TAI, &a) != 0 || clock_gettime(phc, &p) != 0 || clock_gettime(CLOCK_TAI, &b) != 0)
      die(std::string("clock_gettime: ") + std::strerror(errno));
    const std::int64_t an = a.tv_sec * ns_per_s + a.tv_nsec, pn = p.tv_sec * ns_per_s + p.tv_nsec,
                       bn = b.tv_sec * ns_per_s + b.tv_nsec;
    const std::int64_t width = bn - an;
    if (width - width / 2 < best.bound) best = {pn - (an + width / 2), width - width / 2};
  }
  return best;
}

int kernel_tai_offset() {
  timex tx{};
  if (::adjtimex(&tx) < 0) die(std::string("adjtimex: ") + std::strerror(errno));
  return tx.tai;
}

void set_kernel_tai_offset(int tai) {
  timex tx{};
  tx.modes = ADJ_TAI;
  tx.constant = tai;
  if (::adjtimex(&tx) < 0) die(std::string("adjtimex(ADJ_TAI): ") + std::strerror(errno));
}

/// vrtc-ptp in the guest: `list --json` must recognize the driver's PHC as vmclock/TAI, and
/// `read --json` (each method) must give an offset to CLOCK_TAI within what this program
/// measures just before and after it, widened by both error bounds; first with the kernel's TAI
/// offset as booted (unset: the tool must say so), then with it set to 37 s.
int ptp_tool(const std::string& node, const std::string& ptp, const std::string& tool) {
  const std::string name = ptp.substr(ptp.rfind('/') + 1);
  const auto listed = run_capture({tool, "list", "--json"});
  if (!listed) {
    check("ptp-tool-list", "FAIL", "vrtc-ptp list --json failed");
    return 1;
  }
  std::printf("%s", listed->c_str());
  const auto at = listed->find("{\"clock\": \"" + name + "\"");
  const std::string entry = at == std::string::npos ? std::string() : listed->substr(at, listed->find('}', at) - at + 1);
  const auto source = json_token(entry, "source"), scale = json_token(entry, "scale"),
             clock_name = json_token(entry, "clock_name");
  const bool recognized = source == "vmclock" && scale == "TAI" && clock_name == "vmclock0";
  check("ptp-tool-list", recognized ? "PASS" : "FAIL",
        name + " listed as " + source.value_or("?") + ", " + scale.value_or("?") + ", clock_name " +
            clock_name.value_or("?"));

  const int fd = open_ptp(ptp);
  const clockid_t phc = fd_to_clockid(fd);
  const int booted_tai = kernel_tai_offset();
  // The host republishes the page (re-anchoring the PHC) while the guest runs: a comparison
  // whose window saw a publication is repeated, as the bracket checks do.
  vmc::device_page page = open_node(node);
  const auto compare = [&](const std::string& check_name, const std::string& method, int tai) {
    tai_offset_measure before, after;
    std::optional<std::string> out;
    int repeated = 0;
    for (;; ++repeated) {
      const std::uint32_t seq0 = seq_of(page);
      before = measure_tai_offset(phc, 20);
      out = run_capture({tool, "read", ptp, "--json", "--samples", "20", "--method", method});
      after = measure_tai_offset(phc, 20);
      const std::uint32_t seq1 = seq_of(page);
      if ((seq0 == seq1 && (seq0 & 1u) == 0) || repeated == 10) break;
    }
    if (!out) {
      if (method == "precise") check(check_name, "SKIP", "vrtc-ptp read --method precise failed (the driver may not offer it)");
      else check(check_name, "FAIL", "vrtc-ptp read --method " + method + " failed");
      return;
    }
    std::printf("%s", out->c_str());
    const auto offset = json_int(*out, "offset_ns"), bound = json_int(*out, "error_bound_ns"),
               reported_tai = json_int(*out, "tai_offset_s"), shift = json_int(*out, "tai_minus_utc_s");
    const auto used = json_token(*out, "method"), system = json_token(*out, "system_clock"),
               set = json_token(*out, "tai_offset_set"), tai_from = json_token(*out, "tai_source");
    if (!offset || !bound || !reported_tai || !shift || system != "CLOCK_TAI") {
      check(check_name, "FAIL", "no offset to TAI in: " + *out);
      return;
    }
    // Measured here against CLOCK_TAI, which is CLOCK_REALTIME + the kernel's offset; the tool
    // takes TAI as CLOCK_REALTIME + its shift (the kernel's offset, or the leap table's when the
    // kernel's is unset).
    const std::int64_t correction = (static_cast<std::int64_t>(tai) - *shift) * 1'000'000'000;
    const std::int64_t lo =
        std::min(before.offset, after.offset) + correction - std::max(before.bound, after.bound) - *bound;
    const std::int64_t hi =
        std::max(before.offset, after.offset) + correction + std::max(before.bound, after.bound) + *bound;
    const bool inside = *offset >= lo && *offset <= hi;
    const bool tai_right = *reported_tai == tai && (set == (tai != 0 ? "true" : "false")) &&
                           tai_from == (tai != 0 ? "kernel" : "leap_table") && (tai == 0 || *shift == tai);
    const bool noted = tai != 0 || out->find("\"note\": \"the kernel's TAI offset is not set, so TAI is CLOCK_REALTIME + ") !=
                                       std::string::npos;
    char detail[512];
    std::snprintf(detail, sizeof detail,
                  "%s: vrtc-ptp offset to TAI %" PRId64 " ns +- %" PRId64 " ns (TAI = CLOCK_REALTIME + %" PRId64
                  " s from %s); to CLOCK_TAI measured here before %" PRId64 " +- %" PRId64 ", after %" PRId64
                  " +- %" PRId64 " ns; kernel TAI offset %d s (tool says %" PRId64 ", set %s)%s; %d repeated because "
                  "the page changed",
                  used.value_or("?").c_str(), *offset, *bound, *shift, tai_from.value_or("?").c_str(), before.offset,
                  before.bound, after.offset, after.bound, tai, *reported_tai, set.value_or("?").c_str(),
                  noted ? "" : "; no note that it is unset", repeated);
    check(check_name, inside && tai_right && noted ? "PASS" : "FAIL", detail);
  };
  compare("ptp-tool-read-auto", "auto", booted_tai);
  compare("ptp-tool-read-precise", "precise", booted_tai);
  compare("ptp-tool-read-extended", "extended", booted_tai);
  compare("ptp-tool-read-gettime", "gettime", booted_tai);
  set_kernel_tai_offset(37);
  compare("ptp-tool-read-tai-set", "auto", 37);
  set_kernel_tai_offset(booted_tai);
  ::close(fd);
  return any_failed ? 1 : 0;
}

// --- virtio-rtc --------------------------------------------------------------------------------

/// One clock the device serves: its kind as vrtc-vhost-user names it, whether it has an alarm,
/// and the virtio-rtc clock type and smearing variant that kind stands for (the spec's numbers
/// for what the daemon's --help promises, not read from the device).
struct served_clock {
  std::string kind;
  bool alarm = false;
  vrtc::clock_type type = vrtc::clock_type::utc;
  vrtc::smearing variant = vrtc::smearing::unspecified;
};

std::vector<served_clock> parse_clocks(const std::string& list) {
  std::vector<served_clock> out;
  std::size_t at = 0;
  while (at <= list.size()) {
    const auto comma = list.find(',', at);
    std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    served_clock c;
    if (const auto colon = item.find(':'); colon != std::string::npos) {
      if (item.substr(colon + 1) != "alarm") die("bad clock: " + item);
      c.alarm = true;
      item.resize(colon);
    }
    c.kind = item;
    using vrtc::clock_type;
    using vrtc::smearing;
    if (item == "realtime") c.type = clock_type::utc_maybe_smeared;
    else if (item == "tai") c.type = clock_type::tai;
    else if (item == "monotonic" || item == "boottime") c.type = clock_type::monotonic;
    else if (item == "smeared-noon-linear") c.type = clock_type::utc_smeared, c.variant = smearing::noon_linear;
    else if (item == "smeared-utc-sls") c.type = clock_type::utc_smeared, c.variant = smearing::utc_sls;
    else die("unknown clock kind: " + item);
    out.push_back(c);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

/// The RTC class devices whose parent is a virtio device: /sys/class/rtc/rtcN names.
std::vector<std::string> virtio_rtcs() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/rtc", ec)) {
    const auto target = std::filesystem::read_symlink(e.path() / "device", ec);
    if (!ec && target.filename().string().rfind("virtio", 0) == 0) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int virtio_clocks(const std::string& list, const std::string& tool) {
  const auto clocks = parse_clocks(list);
  std::vector<std::string> expected, seen;
  for (const auto& c : clocks) expected.push_back(vrtc::make_ptp_name(c.type, c.variant).c_str());
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/ptp", ec))
    seen.push_back(read_text(e.path() / "clock_name"));
  auto sorted_expected = expected, sorted_seen = seen;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  std::sort(sorted_seen.begin(), sorted_seen.end());
  check("virtio-ptp-names", sorted_expected == sorted_seen ? "PASS" : "FAIL",
        "/sys/class/ptp/*/clock_name: [" + join(sorted_seen) + "]; vrtc's names for the served clocks: [" +
            join(sorted_expected) + "]");

  // vrtc-ptp must recognize each of them as the virtio-rtc clock of that type and variant.
  const auto listed = run_capture({tool, "list", "--json"});
  if (!listed) {
    check("virtio-ptp-tool-list", "FAIL", "vrtc-ptp list --json failed");
  } else {
    std::printf("%s", listed->c_str());
    std::size_t recognized = 0;
    std::string problems;
    for (const auto& c : clocks) {
      const std::string name = vrtc::make_ptp_name(c.type, c.variant).c_str();
      const auto at = listed->find("\"clock_name\": \"" + name + "\"");
      if (at == std::string::npos) {
        problems += "; " + name + " not listed";
        continue;
      }
      const auto begin = listed->rfind('{', at);
      const std::string entry = listed->substr(begin, listed->find('}', at) - begin + 1);
      if (json_token(entry, "source") == "virtio_rtc" &&
          json_int(entry, "virtio_type") == static_cast<int>(c.type) &&
          json_int(entry, "virtio_variant") == static_cast<int>(c.variant))
        ++recognized;
      else
        problems += "; " + name + " listed as " + entry;
    }
    check("virtio-ptp-tool-list", recognized == clocks.size() ? "PASS" : "FAIL",
          std::to_string(recognized) + "/" + std::to_string(clocks.size()) +
              " clocks listed by vrtc-ptp as virtio_rtc with their type and variant" + problems);
  }

  // Linux makes an RTC of a clock that never steps at a leap second (UTC_SMEARED), with wake
  // alarms when the clock has an alarm; none of a clock that may step (UTC_MAYBE_SMEARED).
  std::size_t want = 0;
  for (const auto& c : clocks) want += c.type == vrtc::clock_type::utc_smeared && c.alarm ? 1u : 0u;
  const auto rtcs = virtio_rtcs();
  std::string detail = std::to_string(rtcs.size()) + " virtio RTC(s) [" + join(rtcs) + "] for " + std::to_string(want) +
                       " smeared clock(s) with an alarm";
  bool ok = rtcs.size() == want;
  for (const auto& r : rtcs) {
    const bool wake = std::filesystem::exists("/sys/class/rtc/" + r + "/wakealarm");
    detail += "; " + r + " \"" + read_text("/sys/class/rtc/" + r + "/name") + "\"" + (wake ? " with" : " without") + " wakealarm";
    ok = ok && wake;
  }
  check("virtio-rtc-class", ok ? "PASS" : "FAIL", detail);
  return any_failed ? 1 : 0;
}

int virtio_phc(const std::string& kind, const std::string& list) {
  for (const auto& c : parse_clocks(list))
    if (c.kind == kind) return ptp_clock(vrtc::make_ptp_name(c.type, c.variant).c_str());
  return 1;
}

int virtio_rtc_node() {
  const auto rtcs = virtio_rtcs();
  if (rtcs.empty()) return 1;
  std::printf("/dev/%s\n", rtcs.front().c_str());
  return 0;
}

std::int64_t ns_of(const timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * ns_per_s + t.tv_nsec; }

std::int64_t read_clock(clockid_t c) {
  timespec t{};
  if (clock_gettime(c, &t) != 0) die(std::string("clock_gettime: ") + std::strerror(errno));
  return ns_of(t);
}

// TAI - UTC since 2017-01-01 (IERS Bulletin C); no leap second is announced after it as of
// this writing. A change would show here as a 1 s miss, with the numbers to tell why.
constexpr std::int64_t tai_minus_utc_ns = 37 * ns_per_s;

/// The device's clocks against each other (the host's TAI against its realtime, both read
/// through the driver, back to back) and against the guest's own clocks.
int virtio_time(const std::string& tai, const std::string& realtime, const std::string& smeared,
                const std::string& monotonic, std::uint64_t samples) {
  const int tai_fd = open_ptp(tai), rt_fd = open_ptp(realtime), sm_fd = open_ptp(smeared), mono_fd = open_ptp(monotonic);
  const clockid_t tai_c = fd_to_clockid(tai_fd), rt_c = fd_to_clockid(rt_fd), sm_c = fd_to_clockid(sm_fd),
                  mono_c = fd_to_clockid(mono_fd);

  // TAI - 37 s and the smeared clock between two readings of host realtime (no leap second is
  // near, so the smeared clock equals UTC).
  const auto between = [&](clockid_t c, std::int64_t shift, const char* name, const char* what) {
    std::uint64_t good = 0;
    std::int64_t lo = INT64_MAX, hi = INT64_MIN, widest = 0;
    std::string first;
    for (std::uint64_t i = 0; i < samples; ++i) {
      const std::int64_t r1 = read_clock(rt_c), t = read_clock(c) - shift, r2 = read_clock(rt_c);
      widest = std::max(widest, r2 - r1);
      lo = std::min(lo, t - r1);
      hi = std::max(hi, t - r1);
      if (t >= r1 && t <= r2) ++good;
      else if (first.empty())
        first = "; first miss: realtime " + std::to_string(r1) + ", " + what + " " + std::to_string(t) + ", realtime " + std::to_string(r2);
    }
    char d[300];
    std::snprintf(d, sizeof d,
                  "%" PRIu64 "/%" PRIu64 " %s readings between two host-realtime readings (all through the driver); "
                  "%s - earlier realtime %" PRId64 "..%" PRId64 " ns, widest bracket %" PRId64 " ns",
                  good, samples, what, what, lo, hi, widest);
    check(name, good == samples ? "PASS" : "FAIL", d + first);
  };
  between(tai_c, tai_minus_utc_ns, "virtio-tai-vs-host-realtime", "TAI - 37 s");
  between(sm_c, 0, "virtio-smeared-vs-host-realtime", "smeared UTC");

  // PTP_SYS_OFFSET_EXTENDED of the TAI PHC against the guest's CLOCK_REALTIME + 37 s. The
  // guest's clock was set at boot from the CMOS RTC, which counts the host's seconds but turns
  // over up to 1 s after them (QEMU starts it at a whole second), and the kernel adds half a
  // second to the whole seconds it reads: the offset lies in -0.5..1.5 s plus any delay at
  // boot, so -1..2 s. The host-realtime comparison above is the fine check; this one catches a
  // PHC that is not TAI at all (37 s off) or a broken ioctl.
  std::int64_t lo = INT64_MAX, hi = INT64_MIN, narrowest = INT64_MAX;
  int error = 0;
  for (std::uint64_t i = 0; i < samples && error == 0; ++i) {
    ptp_sys_offset_extended x{};
    x.n_samples = 10;
    if (ioctl(tai_fd, PTP_SYS_OFFSET_EXTENDED, &x) != 0) {
      error = errno;
      break;
    }
    for (unsigned k = 0; k < x.n_samples; ++k) {
      const std::int64_t before = ptp_ns(x.ts[k][0]), phc = ptp_ns(x.ts[k][1]), after = ptp_ns(x.ts[k][2]);
      const std::int64_t offset = phc - tai_minus_utc_ns - (before + (after - before) / 2);
      lo = std::min(lo, offset);
      hi = std::max(hi, offset);
      narrowest = std::min(narrowest, after - before);
    }
  }
  if (error != 0) {
    check("virtio-tai-sys-offset-extended", "FAIL", std::string("PTP_SYS_OFFSET_EXTENDED: ") + std::strerror(error));
  } else {
    char d[300];
    std::snprintf(d, sizeof d,
                  "%" PRIu64 "x10 readings: TAI PHC - 37 s - guest CLOCK_REALTIME = %" PRId64 "..%" PRId64
                  " ns (allowed -1..2 s: the guest's clock came from the RTC in whole seconds), spread %" PRId64
                  " ns, narrowest system bracket %" PRId64 " ns",
                  samples, lo, hi, hi - lo, narrowest);
    check("virtio-tai-sys-offset-extended", lo >= -ns_per_s && hi <= 2 * ns_per_s && hi - lo < 200'000'000 ? "PASS" : "FAIL", d);
  }

  // MONOTONIC: counts at the guest's rate (both follow the host under TCG). Each PHC reading is
  // bracketed by two guest readings (a reading waits for the daemon, which may not be scheduled
  // at once), giving the rate as an interval; it must meet 1 +- 0.1 %.
  const std::int64_t g1a = read_clock(CLOCK_MONOTONIC), m1 = read_clock(mono_c), g1b = read_clock(CLOCK_MONOTONIC);
  ::usleep(2'000'000);
  const std::int64_t g2a = read_clock(CLOCK_MONOTONIC), m2 = read_clock(mono_c), g2b = read_clock(CLOCK_MONOTONIC);
  const double rate_lo = static_cast<double>(m2 - m1) / static_cast<double>(g2b - g1a);
  const double rate_hi = static_cast<double>(m2 - m1) / static_cast<double>(g2a - g1b);
  char d[240];
  std::snprintf(d, sizeof d,
                "over %.3f s of guest CLOCK_MONOTONIC the MONOTONIC PHC advanced %.6f s: rate %.6f..%.6f "
                "(readings bracketed within %" PRId64 " and %" PRId64 " us)",
                static_cast<double>(g2a - g1b) / 1e9, static_cast<double>(m2 - m1) / 1e9, rate_lo, rate_hi,
                (g1b - g1a) / 1000, (g2b - g2a) / 1000);
  check("virtio-monotonic-rate", rate_lo <= 1.001 && rate_hi >= 0.999 ? "PASS" : "FAIL", d);
  for (const int fd : {tai_fd, rt_fd, sm_fd, mono_fd}) ::close(fd);
  return any_failed ? 1 : 0;
}

/// A TAI PHC (virtio-rtc: the device reads the host's TAI when the request arrives) against the
/// host's TAI read just before and after, through the relay's verification rounds on the
/// handshake page (the BAR mapped through sysfs). No widening: the device's reading is taken
/// between the two host readings.
int verify_phc(const std::string& pcidev, const std::string& ptp, std::uint64_t rounds) {
  const std::string path = pcidev + "/resource2";
  const int bar = ::open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (bar < 0) die("cannot open " + path + ": " + std::strerror(errno));
  void* const m = ::mmap(nullptr, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, bar, 0);
  if (m == MAP_FAILED) die("cannot map " + path + ": " + std::strerror(errno));
  auto* const words = reinterpret_cast<std::uint64_t*>(static_cast<std::byte*>(m) + sync_page_offset);
  const handshake hs{words};
  const int fd = open_ptp(ptp);
  const clockid_t clock = fd_to_clockid(fd);
  std::uint64_t good = 0;
  std::int64_t lo = INT64_MAX, hi = INT64_MIN, widest = 0, narrowest = INT64_MAX;
  std::string first_failure;
  std::uint64_t last_round = hs.load(verify_request);
  int abandoned = 0;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    const auto round = hs.verify_round(last_round, abandoned, [&] { return read_clock(clock); });
    if (!round) {
      check("virtio-tai-vs-host-tai", "FAIL", round.error());
      return 1;
    }
    const auto [guest, h1, h2] = *round;
    lo = std::min(lo, guest - h1);
    hi = std::max(hi, guest - h1);
    widest = std::max(widest, h2 - h1);
    narrowest = std::min(narrowest, h2 - h1);
    if (guest >= h1 && guest <= h2) ++good;
    else if (first_failure.empty())
      first_failure = "; first miss: host " + std::to_string(h1) + ".." + std::to_string(h2) + ", PHC " + std::to_string(guest) + " ns TAI";
  }
  ::munmap(m, shared_bytes);
  ::close(bar);
  ::close(fd);
  char detail[300];
  std::snprintf(detail, sizeof detail,
                "%" PRIu64 "/%" PRIu64 " TAI PHC readings between two host TAI readings; PHC - earlier host TAI %" PRId64
                "..%" PRId64 " ns; host brackets %" PRId64 "..%" PRId64 " ns wide",
                good, rounds, lo, hi, narrowest, widest);
  check("virtio-tai-vs-host-tai", good == rounds ? "PASS" : "FAIL", detail + first_failure);
  return good == rounds ? 0 : 1;
}

// --- rtc-alarm ---------------------------------------------------------------------------------

std::int64_t rtc_now_s(int fd) {
  rtc_time t{};
  if (ioctl(fd, RTC_RD_TIME, &t) != 0) die(std::string("RTC_RD_TIME: ") + std::strerror(errno));
  std::tm tm{};
  tm.tm_sec = t.tm_sec, tm.tm_min = t.tm_min, tm.tm_hour = t.tm_hour, tm.tm_mday = t.tm_mday, tm.tm_mon = t.tm_mon,
  tm.tm_year = t.tm_year;
  return static_cast<std::int64_t>(timegm(&tm));
}

int set_alarm(int fd, std::int64_t at, bool enabled) {
  const auto tt = static_cast<time_t>(at);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  rtc_wkalrm a{};
  a.enabled = enabled ? 1 : 0;
  a.time.tm_sec = tm.tm_sec, a.time.tm_min = tm.tm_min, a.time.tm_hour = tm.tm_hour, a.time.tm_mday = tm.tm_mday,
  a.time.tm_mon = tm.tm_mon, a.time.tm_year = tm.tm_year;
  return ioctl(fd, RTC_WKALM_SET, &a) == 0 ? 0 : errno;
}

/// Waits up to `ms` for the RTC to report an interrupt; the data read, or nothing.
std::optional<unsigned long> wait_alarm(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, ms);
  if (n <= 0) return std::nullopt;
  unsigned long data = 0;
  if (::read(fd, &data, sizeof data) != static_cast<ssize_t>(sizeof data)) return std::nullopt;
  return data;
}

/// One alarm step on the virtio RTC; times of firing are read from the smeared PHC, the clock
/// the RTC shows.
int rtc_alarm(const std::string& rtc, const std::string& smeared, const std::string& step) {
  const int fd = ::open(rtc.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + rtc + ": " + std::strerror(errno));
  const int ptp_fd = open_ptp(smeared);
  const clockid_t phc = fd_to_clockid(ptp_fd);
  const std::int64_t now = rtc_now_s(fd);
  char d[300];
  if (step == "future") {
    const std::int64_t at = now + 3;
    if (const int e = set_alarm(fd, at, true); e != 0) {
      check("virtio-alarm-fires", "FAIL", std::string("RTC_WKALM_SET: ") + std::strerror(e));
      return 1;
    }
    const auto fired = wait_alarm(fd, 10'000);
    const std::int64_t when = read_clock(phc);
    const auto again = fired ? wait_alarm(fd, 2'000) : std::nullopt;
    const std::int64_t latency = when - at * ns_per_s;
    std::snprintf(d, sizeof d,
                  "alarm set for RTC time %" PRId64 " (RTC read %" PRId64 "): %s, data 0x%lx, %" PRId64
                  " us after the alarm time by the smeared PHC; %s in the 2 s after",
                  at, now, fired ? "read() returned" : "no interrupt in 10 s", fired.value_or(0), latency / 1000,
                  again ? "fired again" : "nothing more");
    const bool ok = fired && (*fired & RTC_AF) != 0 && latency >= 0 && latency < 2 * ns_per_s && !again;
    check("virtio-alarm-fires", ok ? "PASS" : "FAIL", d);
  } else if (step == "past") {
    const std::int64_t t0 = read_clock(CLOCK_MONOTONIC);
    const int e = set_alarm(fd, now - 5, true);
    const auto fired = wait_alarm(fd, 3'000);
    const std::int64_t waited = read_clock(CLOCK_MONOTONIC) - t0;
    std::snprintf(d, sizeof d, "alarm 5 s in the past (RTC_WKALM_SET: %s): %s after %" PRId64 " us, data 0x%lx",
                  e == 0 ? "accepted" : std::strerror(e), fired ? "read() returned" : "no interrupt in 3 s", waited / 1000,
                  fired.value_or(0));
    check("virtio-alarm-past", e == 0 && fired && (*fired & RTC_AF) != 0 && waited < ns_per_s ? "PASS" : "FAIL", d);
  } else if (step == "disabled") {
    const int e1 = set_alarm(fd, now + 3, true);
    const int e2 = set_alarm(fd, now + 3, false);
    const auto fired = wait_alarm(fd, 5'000);
    rtc_wkalrm a{};
    const int e3 = ioctl(fd, RTC_WKALM_RD, &a) == 0 ? 0 : errno;
    std::snprintf(d, sizeof d, "alarm set 3 s ahead, then set again disabled (%s, %s): %s in 5 s; RTC_WKALM_RD enabled=%u",
                  e1 == 0 ? "ok" : std::strerror(e1), e2 == 0 ? "ok" : std::strerror(e2),
                  fired ? "an interrupt" : "no interrupt", static_cast<unsigned>(a.enabled));
    check("virtio-alarm-disabled", e1 == 0 && e2 == 0 && e3 == 0 && !fired && a.enabled == 0 ? "PASS" : "FAIL", d);
  } else if (step == "arm-for-reset") {
    // Far enough ahead for rmmod + insmod under TCG.
    const std::int64_t at = now + 10;
    const int e = set_alarm(fd, at, true);
    std::printf("alarm-for-reset %" PRId64 "\n", at);
    if (e != 0) check("virtio-alarm-after-reset", "FAIL", std::string("RTC_WKALM_SET: ") + std::strerror(e));
  } else if (step.rfind("after-reset=", 0) == 0) {
    const std::int64_t at = static_cast<std::int64_t>(parse_number(step.substr(12)));
    rtc_wkalrm a{};
    const int e = ioctl(fd, RTC_WKALM_RD, &a) == 0 ? 0 : errno;
    std::tm tm{};
    tm.tm_sec = a.time.tm_sec, tm.tm_min = a.time.tm_min, tm.tm_hour = a.time.tm_hour, tm.tm_mday = a.time.tm_mday,
    tm.tm_mon = a.time.tm_mon, tm.tm_year = a.time.tm_year;
    const std::int64_t read_at = static_cast<std::int64_t>(timegm(&tm));
    const auto fired = wait_alarm(fd, 20'000);
    const std::int64_t latency = read_clock(phc) - at * ns_per_s;
    std::snprintf(d, sizeof d,
                  "after rmmod + insmod: RTC_WKALM_RD %s, enabled=%u, time %" PRId64 " (set %" PRId64 "); %s, %" PRId64
                  " us after the alarm time",
                  e == 0 ? "ok" : std::strerror(e), static_cast<unsigned>(a.enabled), read_at, at,
                  fired ? "read() returned" : "no interrupt in 20 s", latency / 1000);
    const bool ok = e == 0 && a.enabled == 1 && read_at == at && fired && latency >= 0 && latency < 2 * ns_per_s;
    check("virtio-alarm-after-reset", ok ? "PASS" : "FAIL", d);
  } else {
    die("unknown alarm step " + step);
  }
  ::close(ptp_fd);
  ::close(fd);
  return any_failed ? 1 : 0;
}

int run(const std::vector<std::string>& a) {
  if (a.size() == 2 && a[0] == "sync") return sync(a[1]);
  if (a.size() == 3 && a[0] == "utc") return utc_check(a[1], parse_number(a[2]));
  if (a.size() == 4 && a[0] == "move-bar")
    return move_bar(a[1], static_cast<unsigned>(parse_number(a[2])), parse_number(a[3]));
  if (a.size() == 2 && a[0] == "ptp-clock") return ptp_clock(a[1]);
  if ((a.size() == 4 || a.size() == 5) && a[0] == "bracket")
    return bracket(a[1], a[2], parse_number(a[3]), a.size() == 5 ? a[4] : "");
  if (a.size() == 3 && a[0] == "read-vs-map") return read_vs_map(a[1], parse_number(a[2]));
  if (a.size() == 5 && a[0] == "verify-time") return verify_against_host(a[1], a[2], parse_number(a[3]), parse_number(a[4]));
  if (a.size() == 4 && a[0] == "ptp-tool") return ptp_tool(a[1], a[2], a[3]);
  if (a.size() == 3 && a[0] == "virtio-clocks") return virtio_clocks(a[1], a[2]);
  if (a.size() == 3 && a[0] == "virtio-phc") return virtio_phc(a[1], a[2]);
  if (a.size() == 1 && a[0] == "virtio-rtc-node") return virtio_rtc_node();
  if (a.size() == 6 && a[0] == "virtio-time") return virtio_time(a[1], a[2], a[3], a[4], parse_number(a[5]));
  if (a.size() == 4 && a[0] == "verify-phc") return verify_phc(a[1], a[2], parse_number(a[3]));
  if (a.size() == 4 && a[0] == "rtc-alarm") return rtc_alarm(a[1], a[2], a[3]);
  if (a.size() == 5 && a[0] == "bracket-tool") return bracket_tool(a[1], a[2], parse_number(a[3]), a[4]);
  die("usage: see the comment at the top of tests/guest/guest_check.cpp");
}

}  // namespace

int main(int argc, char** argv) { return run(std::vector<std::string>(argv + 1, argv + argc)); }
