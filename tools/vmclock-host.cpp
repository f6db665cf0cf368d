// vmclock-host: a software vmclock device, for testing applications without a hypervisor.
//
//   vmclock-host --page PATH [--rate HZ] [--max-error-ns N] [--seed N] [--leap-seconds LIST]
//
// Publishes a vmclock page in the file PATH (a regular file; a path under /dev/shm keeps it in
// memory) that relates this CPU's counter to this host's TAI, and re-publishes it HZ times a
// second with the seqlock writer until SIGTERM or SIGINT. Readers map the file PROT_READ,
// MAP_SHARED and read it exactly as they read /dev/vmclock0.
//
// TAI is CLOCK_TAI when the kernel's TAI offset is set, otherwise CLOCK_REALTIME plus TAI − UTC
// from the leap-second table (vrtc/linux/host_tai.hpp); the startup line says which. With neither
// (offset unset, every table expired) the tool publishes nothing and fails.
//
//   SIGUSR1  a simulated live migration: the published counter relation is replaced and its
//            period is off by a random amount within +-50 ppm (declared in the period error
//            rate, so the bounds still hold); disruption_marker changes.
//   SIGUSR2  a simulated snapshot restore: the same, and vm_generation_counter changes too.
//
// A counter cannot be stepped from user space: the simulation changes what the page says about
// the counter, which is what a guest sees of a migration. docs/linux.md has the details.
#include <vrtc/core/counter.hpp>
#include <vrtc/core/time.hpp>
#include <vrtc/core/u128.hpp>
#include <vrtc/linux/host_tai.hpp>
#include <vrtc/roles/leap_table.hpp>
#include <vmclock/abi.hpp>
#include <vmclock/writer.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/cli.hpp"
#include "support/files.hpp"

namespace {

namespace vmc = vrtc::vmclock;
using vrtc_tools::fail;
using vrtc_tools::failure;

constexpr const char* usage_text =
    "usage: vmclock-host --page PATH [--rate HZ] [--max-error-ns N] [--seed N] [--leap-seconds LIST]\n"
    "\n"
    "Publishes a vmclock page in the file PATH (created, or taken over, and sized to 4096\n"
    "bytes), calibrated from this CPU's counter against this host's TAI, HZ times a second\n"
    "(default 10, at most 1000) until SIGTERM or SIGINT. TAI is CLOCK_TAI when the kernel's TAI\n"
    "offset is set, else CLOCK_REALTIME plus TAI - UTC from the leap-second table: LIST\n"
    "(default /usr/share/zoneinfo/leap-seconds.list) or the built-in copy, whichever is current\n"
    "and expires later; the table also gives the leap indicator. N is the maximum error of the\n"
    "published time against that TAI in nanoseconds (default 100000). SIGUSR1 simulates a live\n"
    "migration (disruption_marker changes, the period is off by up to +-50 ppm); SIGUSR2 a\n"
    "snapshot restore (vm_generation_counter changes too). --seed makes those frequency errors\n"
    "repeatable. One line is printed per event.\n"
    "\n"
    "Exit status: 0 after SIGTERM/SIGINT, 2 on any failure, with {\"error\": \"...\"} as the output.\n";

constexpr std::size_t page_bytes = 4096;
/// The largest simulated frequency change of a migration.
constexpr double migration_ppm = 50.0;
/// How far the host's TAI may run from a steady counter between two publications: the kernel's
/// limit on an NTP frequency adjustment (500 ppm). Declared in the period's maximum error rate.
constexpr double slew_allowance_ppm = 500.0;
/// A frequency estimate this far from the previous one means the host's TAI was stepped.
constexpr double step_detect_ppm = 1000.0;

std::uint64_t parse_u64(std::string_view option, std::string_view text) {
  if (text.empty() || text.size() > 19) fail("bad value for " + std::string(option) + ": " + std::string(text));
  std::uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') fail("bad value for " + std::string(option) + ": " + std::string(text));
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

/// This host's TAI, chosen once at startup.
std::optional<vrtc::host_tai> host_tai_source;

/// TAI in nanoseconds since 1970-01-01T00:00:00 TAI, and TAI − UTC then. A table that expires
/// while the tool runs ends it: no TAI is better than a possibly wrong one.
vrtc::host_tai::reading tai_now() {
  const auto t = host_tai_source->read();
  if (!t) fail(std::string("cannot read TAI: ") + vrtc::to_string(t.error()));
  return *t;
}

std::uint64_t counter_now() { return vrtc::hardware_counter().value_or(std::uint64_t{0}); }

/// A counter value and the TAI instant it was read at, within +-half_width_ns: the
/// counter read is bracketed by two clock reads, and the narrowest of several brackets wins.
struct sample {
  std::uint64_t counter = 0;
  std::uint64_t tai = 0;
  std::uint64_t half_width_ns = 0;
  std::int32_t tai_minus_utc = 0;  ///< at `tai`
};

sample take_sample() {
  sample best;
  std::uint64_t best_width = UINT64_MAX;
  for (int i = 0; i < 9; ++i) {
    const auto before = tai_now();
    const std::uint64_t counter = counter_now();
    const auto after = tai_now();
    if (after.tai_ns < before.tai_ns || after.tai_minus_utc != before.tai_minus_utc) continue;  // TAI stepped
    const std::uint64_t width = after.tai_ns - before.tai_ns;
    if (width < best_width) {
      best_width = width;
      best = {counter, before.tai_ns + width / 2, (width + 1) / 2, before.tai_minus_utc};
    }
  }
  if (best_width == UINT64_MAX) {
    const auto t = tai_now();
    best = {counter_now(), t.tai_ns, 0, t.tai_minus_utc};
  }
  return best;
}

/// frac * ppb / 10^9, rounded up: an error rate in the period's own unit.
std::uint64_t rate_of(std::uint64_t period_frac, std::uint64_t ppb) {
  const auto [q, r] = vrtc::u128::divmod(vrtc::u128::mul(period_frac, ppb), 1'000'000'000u);
  const std::uint64_t lo = q.lo() + (r != 0 ? 1u : 0u);
  return q.hi() != 0 ? UINT64_MAX : lo;
}

/// The page file, created or taken over, mapped read-write and shared with every reader.
class page_file {
 public:
  explicit page_file(const std::string& path) {
    // Opened without blocking and only if it is a regular file (a FIFO is refused, not waited on).
    const auto f = vrtc::vmclock::open_checked(path, O_RDWR | O_CREAT, vrtc::vmclock::file_kinds::regular, 0644);
    if (!f)
      fail("cannot open " + path + ": " +
           (f.error().wrong_kind ? vrtc::vmclock::wrong_kind_reason(f.error(), vrtc::vmclock::file_kinds::regular)
                                 : std::string(std::strerror(f.error().sys_errno))));
    fd_ = f->fd;
    if (::ftruncate(fd_, static_cast<off_t>(page_bytes)) != 0) fail("cannot size " + path + ": " + std::strerror(errno));
    void* const p = ::mmap(nullptr, page_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) fail("cannot map " + path + ": " + std::strerror(errno));
    base_ = static_cast<std::byte*>(p);
  }
  page_file(const page_file&) = delete;
  page_file& operator=(const page_file&) = delete;
  ~page_file() {
    ::munmap(base_, page_bytes);
    ::close(fd_);
  }
  [[nodiscard]] std::span<std::byte> bytes() const { return {base_, page_bytes}; }

 private:
  int fd_ = -1;
  std::byte* base_ = nullptr;
};

class host {
 public:
  host(std::uint64_t max_error_ns, std::uint64_t seed) : max_error_ns_(max_error_ns), random_(seed) {
    anchor_ = take_sample();
    // A first frequency estimate over 20 ms; the window grows with every publication.
    timespec pause{0, 20'000'000};
    nanosleep(&pause, nullptr);
    const sample s = take_sample();
    hz_ = estimate(s);
  }

  [[nodiscard]] double hz() const { return hz_; }
  [[nodiscard]] double frequency_error_ppm() const { return offset_ppm_; }

  /// The page for "now": a fresh calibration point, the period (off by the simulated error),
  /// and bounds that cover the anchor's uncertainty, the period's and CLOCK_TAI's slew.
  vmc::page_data page(std::uint64_t marker, std::uint64_t generation, vmc::clock_status status) {
    sample s = take_sample();
    const double measured = estimate(s);
    if (s.tai < anchor_.tai || std::fabs(measured / hz_ - 1.0) * 1e6 > step_detect_ppm) {
      // TAI was stepped: start the calibration window again from here.
      anchor_ = s;
      stepped_ = true;
    } else {
      hz_ = measured;
    }
    vmc::page_data p;
    p.size = vmc::page_region_size;
    p.counter_id = static_cast<vmc::counter_id>(*vrtc::hardware_counter_id());
    p.time_type = vmc::time_type::tai;
    p.clock_status = status;
    p.disruption_marker = marker;
    p.vm_generation_counter = generation;
    p.flags = vmc::flag::vm_gen_counter_present | vmc::flag::time_maxerror_valid | vmc::flag::time_esterror_valid |
              vmc::flag::period_maxerror_valid | vmc::flag::period_esterror_valid;
    // tai_offset_sec is UTC - TAI at the published instant, and the leap indicator is the
    // table's for that instant: both from the source of the time itself.
    if (s.tai_minus_utc > -32768 && s.tai_minus_utc < 32768) {
      p.flags |= vmc::flag::tai_offset_valid;
      p.tai_offset_sec = static_cast<std::int16_t>(-s.tai_minus_utc);
      p.leap_indicator = static_cast<vmc::leap_indicator>(leap_indicator_at(s));
    }
    // The published period is off by the simulated error: a counter running at hz_ is described
    // as one running at hz_ / (1 + error).
    const double published_hz = hz_ / (1.0 + offset_ppm_ * 1e-6);
    const auto period = vrtc::best_counter_period(static_cast<std::uint64_t>(std::llround(published_hz)));
    if (!period) fail("counter frequency too low to publish");
    p.counter_period_frac_sec = period->frac_sec;
    p.counter_period_shift = period->shift;
    p.counter_value = s.counter;
    p.time_sec = s.tai / 1'000'000'000u;
    p.time_frac_sec = vrtc::ns_to_frac(s.tai % 1'000'000'000u);
    // The calibration's own uncertainty: both brackets over the window.
    const double span_ns = static_cast<double>(s.tai - anchor_.tai);
    const double calibration_ppm =
        span_ns > 0 ? static_cast<double>(anchor_.half_width_ns + s.half_width_ns) / span_ns * 1e6 : 1000.0;
    const double est_ppm = calibration_ppm + std::fabs(offset_ppm_) + 1.0;
    const double max_ppm = est_ppm + slew_allowance_ppm;
    p.counter_period_esterror_rate_frac_sec = rate_of(p.counter_period_frac_sec, static_cast<std::uint64_t>(std::ceil(est_ppm * 1000)));
    p.counter_period_maxerror_rate_frac_sec = rate_of(p.counter_period_frac_sec, static_cast<std::uint64_t>(std::ceil(max_ppm * 1000)));
    p.time_esterror_nanosec = s.half_width_ns;
    p.time_maxerror_nanosec = std::max(max_error_ns_, s.half_width_ns);
    return p;
  }

  /// A new simulated frequency error, within +-50 ppm.
  double new_frequency_error() {
    std::uniform_real_distribution<double> d(-migration_ppm, migration_ppm);
    offset_ppm_ = std::round(d(random_) * 1000.0) / 1000.0;
    return offset_ppm_;
  }

  /// Whether TAI was stepped since the last call.
  bool take_step() {
    const bool s = stepped_;
    stepped_ = false;
    return s;
  }

 private:
  /// The leap indicator at the sample's UTC second, from the table when one is current (also
  /// when the time comes from the kernel, which announces nothing to user space by itself).
  [[nodiscard]] static vrtc::leap_indicator leap_indicator_at(const sample& s) {
    const auto& table = host_tai_source->table();
    const std::uint64_t tai_sec = s.tai / 1'000'000'000u;
    if (!table || s.tai_minus_utc < 0 || tai_sec < static_cast<std::uint64_t>(s.tai_minus_utc))
      return vrtc::leap_indicator::none;
    return table->indicator_at(tai_sec - static_cast<std::uint64_t>(s.tai_minus_utc)).value_or(vrtc::leap_indicator::none);
  }

  [[nodiscard]] double estimate(const sample& s) const {
    if (s.tai <= anchor_.tai || s.counter <= anchor_.counter) return hz_ > 0 ? hz_ : 1e9;
    return static_cast<double>(s.counter - anchor_.counter) * 1e9 / static_cast<double>(s.tai - anchor_.tai);
  }

  std::uint64_t max_error_ns_;
  std::mt19937_64 random_;
  sample anchor_;
  double hz_ = 0;
  double offset_ppm_ = 0;
  bool stepped_ = false;
};

void say(const std::string& line) {
  std::printf("vmclock-host: %s\n", line.c_str());
  std::fflush(stdout);
}

int run(int argc, char** argv) {
  CLI::App app(usage_text, "vmclock-host");
  vrtc_tools::setup(app);
  std::string page, rate_text, max_error_text, seed_text;
  std::string leap_list = vrtc::system_leap_seconds_list;
  app.add_option("--page", page, "The file to publish the page in (created or taken over)")->type_name("PATH");
  const CLI::Option* rate_opt = app.add_option("--rate", rate_text, "Updates a second, 1 to 1000 (default 10)")->type_name("HZ");
  const CLI::Option* max_error_opt =
      app.add_option("--max-error-ns", max_error_text, "Maximum error against TAI in ns (default 100000)")->type_name("N");
  const CLI::Option* seed_opt = app.add_option("--seed", seed_text, "Seed of the simulated frequency errors")->type_name("N");
  app.add_option("--leap-seconds", leap_list, "The leap-second list (default " + leap_list + ")")->type_name("LIST");
  if (const auto done = vrtc_tools::parse(app, argc, argv)) return *done;
  std::optional<std::string> path;
  if (!page.empty()) path = page;
  const std::uint64_t rate = rate_opt->count() > 0 ? parse_u64("--rate", rate_text) : 10;
  const std::uint64_t max_error_ns = max_error_opt->count() > 0 ? parse_u64("--max-error-ns", max_error_text) : 100'000;
  std::optional<std::uint64_t> seed;
  if (seed_opt->count() > 0) seed = parse_u64("--seed", seed_text);
  if (!path) fail("--page PATH is required");
  if (rate < 1 || rate > 1000) fail("--rate must be between 1 and 1000");
  if (max_error_ns < 1) fail("--max-error-ns must be at least 1");
  if (!vrtc::hardware_counter_available) fail("no hardware counter on this platform");

  // Signals are taken synchronously with sigtimedwait, between publications.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int s : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) fail(std::string("cannot block signals: ") + std::strerror(errno));

  // Where TAI comes from, decided once: the kernel's offset, else the table; neither is fatal.
  timespec now_ts{};
  ::clock_gettime(CLOCK_REALTIME, &now_ts);
  const auto leaps = vrtc::load_host_leap_table(static_cast<std::uint64_t>(now_ts.tv_sec), leap_list.c_str());
  const auto kernel_offset = vrtc::kernel_tai_offset();
  const auto tai = vrtc::host_tai::choose(kernel_offset, leaps);
  if (!tai) fail("no TAI: the kernel's TAI offset is not set and there is " + vrtc::describe(leaps));
  host_tai_source = *tai;

  page_file file(*path);
  host h(max_error_ns, seed ? *seed : std::random_device{}());
  const auto first = h.page(1, 1, vmc::clock_status::synchronized);
  auto writer = vmc::writer::create(file.bytes(), first);
  if (!writer) fail("cannot publish: " + std::string(vrtc::to_string(writer.error())));

  char line[512];
  std::snprintf(line, sizeof line,
                "publishing %s at %" PRIu64 " Hz: counter %s at %.0f Hz, TAI offset %d, max error %" PRIu64
                " ns; TAI from %s",
                path->c_str(), rate, vmc::name(first.counter_id), h.hz(), static_cast<int>(first.tai_offset_sec),
                max_error_ns, vrtc::describe(*tai, leaps).c_str());
  say(line);

  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::nanoseconds(1'000'000'000 / rate);
  auto next = clock::now() + period;
  for (;;) {
    const auto wait = std::max(next - clock::now(), clock::duration::zero());
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    const timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    siginfo_t info{};
    const int sig = sigtimedwait(&signals, &info, &timeout);
    const vmc::page_data& last = writer->published();
    std::uint64_t marker = last.disruption_marker;
    std::uint64_t generation = last.vm_generation_counter;
    if (sig == SIGTERM || sig == SIGINT) {
      // The host no longer steers the page: say so, and leave the bounds to grow with time.
      writer->publish(h.page(marker, generation, vmc::clock_status::freerunning));
      say(std::string("stopped by ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + "; clock_status FREERUNNING");
      return 0;
    }
    if (sig == SIGUSR1 || sig == SIGUSR2) {
      ++marker;
      if (sig == SIGUSR2) ++generation;
      const double ppm = h.new_frequency_error();
      writer->publish(h.page(marker, generation, vmc::clock_status::synchronized));
      std::snprintf(line, sizeof line, "%s: disruption_marker %" PRIu64 ", vm_generation_counter %" PRIu64
                                       ", period off by %+.3f ppm",
                    sig == SIGUSR1 ? "live migration" : "snapshot restore", marker, generation, ppm);
      say(line);
      continue;
    }
    if (sig < 0 && errno != EAGAIN && errno != EINTR) fail(std::string("sigtimedwait: ") + std::strerror(errno));
    if (clock::now() < next) continue;
    auto p = h.page(marker, generation, vmc::clock_status::synchronized);
    if (h.take_step()) {
      p.disruption_marker = ++marker;
      say("TAI was stepped: recalibrating; disruption_marker " + std::to_string(marker));
    }
    writer->publish(p);
    next += period;
    if (next < clock::now()) next = clock::now() + period;  // fell behind (stopped, overloaded)
  }
}

}  // namespace

int main(int argc, char** argv) {
  return vrtc_tools::report_failures([&] { return run(argc, argv); });
}
