// vmclock-demo: a live migration and a snapshot restore, seen by an application.
//
//   vmclock-demo [--host PATH-TO-vmclock-host]
//
// Starts vmclock-host (a software vmclock device) on a page in /dev/shm, and a reader in another
// process that opens the page as it would open /dev/vmclock0 and tracks the time, its error
// bound and the disruption markers. Then it triggers a migration (SIGUSR1 to the host) and a
// restore (SIGUSR2) and shows the reader noticing each within one update period, while every
// reading stays within the advertised maximum error of TAI read in the reader's own
// process. Exits 0 when all of that held, 1 when something did not, 2 when the demo could not run.
#include <vrtc/core/counter.hpp>
#include <vrtc/linux/host_tai.hpp>
#include <vmclock/linux/device_page.hpp>
#include <vmclock/monitor.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace vmc = vrtc::vmclock;
using namespace std::chrono_literals;

constexpr unsigned rate_hz = 20;
constexpr std::int64_t update_period_ns = 1'000'000'000 / rate_hz;
constexpr const char* max_error_ns = "100000";

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// This host's TAI, by the rule vmclock-host publishes it with (vrtc/linux/host_tai.hpp): CLOCK_TAI
/// when the kernel's TAI offset is set, else CLOCK_REALTIME plus the leap-second table. 0 when
/// there is none (the host then refuses to start).
std::uint64_t tai_ns() {
  static const auto tai = vrtc::host_tai::detect();
  if (!tai) return 0;
  return tai->now_ns().value_or(std::uint64_t{0});
}

/// What the two processes share: the demo's triggers, and the reader's findings.
struct shared_state {
  std::atomic<std::int64_t> migration_at{0};  ///< CLOCK_MONOTONIC when SIGUSR1 was sent
  std::atomic<std::int64_t> restore_at{0};    ///< ... SIGUSR2
  std::atomic<bool> stop{false};
  std::atomic<bool> failed_to_open{false};
  std::atomic<std::uint64_t> readings{0};
  std::atomic<std::uint64_t> outside_bound{0};
  std::atomic<std::uint64_t> read_errors{0};
  std::atomic<std::uint64_t> worst_offset_ns{0};
  std::atomic<std::uint64_t> min_bound_ns{UINT64_MAX};
  std::atomic<std::uint64_t> max_bound_ns{0};
  std::atomic<std::int64_t> migration_seen_after{-1};  ///< ns after the trigger; -1 not seen
  std::atomic<std::int64_t> restore_seen_after{-1};
  std::atomic<std::uint64_t> unexpected_events{0};
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free && std::atomic<std::uint64_t>::is_always_lock_free,
              "the state is shared between processes");

void say(const char* who, const std::string& line) {
  std::printf("%-7s %s\n", who, line.c_str());
  std::fflush(stdout);
}

std::string micros(std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1000.0);
  return buf;
}

std::string millis(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

void atomic_max(std::atomic<std::uint64_t>& a, std::uint64_t v) {
  std::uint64_t cur = a.load();
  while (v > cur && !a.compare_exchange_weak(cur, v)) {
  }
}
void atomic_min(std::atomic<std::uint64_t>& a, std::uint64_t v) {
  std::uint64_t cur = a.load();
  while (v < cur && !a.compare_exchange_weak(cur, v)) {
  }
}

/// The application: reads the time every millisecond, checks it against TAI, and reacts to
/// disruptions as a real one would (drop calibration; after a restore also reseed and reconnect).
void reader_process(const std::string& page_path, shared_state& s) {
  auto page = vmc::device_page::open(page_path);
  if (!page) {
    say("reader:", page.error().what());
    s.failed_to_open = true;
    return;
  }
  say("reader:", std::string("opened ") + page_path + (page->is_mapped() ? " (mapped read-only)" : " (pread)"));
  vmc::monitor events;
  std::int64_t next_report = mono_ns();
  while (!s.stop.load()) {
    const std::uint64_t before = tai_ns();
    const auto r = page->now();
    const std::uint64_t after = tai_ns();
    const std::int64_t now = mono_ns();
    if (!r) {
      ++s.read_errors;
      say("reader:", r.error().what());
      std::this_thread::sleep_for(1ms);
      continue;
    }
    ++s.readings;
    const std::uint64_t t = r->time().sec * 1'000'000'000u + r->nanoseconds();
    const std::uint64_t bound = r->max_error_ns().value_or(0);
    const std::uint64_t off = t < before ? before - t : t > after ? t - after : 0;
    if (!r->max_error_ns() || off > bound) {
      ++s.outside_bound;
      say("reader:", "time " + std::to_string(off) + " ns from TAI, beyond the bound of " + micros(bound));
    }
    atomic_max(s.worst_offset_ns, off);
    atomic_min(s.min_bound_ns, bound);
    atomic_max(s.max_bound_ns, bound);

    const auto e = events.observe(r->disruption_marker(), r->vm_generation_counter(), r->flags());
    if (e.restored) {
      const std::int64_t at = s.restore_at.load();
      if (at == 0 || !e.disrupted) ++s.unexpected_events;
      else s.restore_seen_after = now - at;
      say("reader:", "snapshot restore noticed " + millis(at == 0 ? 0 : now - at) +
                         " after the trigger (disruption_marker " + std::to_string(r->disruption_marker()) +
                         ", vm_generation_counter " + std::to_string(r->vm_generation_counter().value_or(0)) +
                         "): dropping calibration, reseeding, reconnecting");
    } else if (e.disrupted) {
      const std::int64_t at = s.migration_at.load();
      if (at == 0 || s.restore_at.load() != 0) ++s.unexpected_events;
      else s.migration_seen_after = now - at;
      say("reader:", "disruption noticed " + millis(at == 0 ? 0 : now - at) + " after the trigger (disruption_marker " +
                         std::to_string(r->disruption_marker()) + "): dropping calibration");
    }
    if (now >= next_report) {
      char line[160];
      std::snprintf(line, sizeof line, "TAI %" PRIu64 ".%09" PRIu64 ", max error %s, %s from TAI, %s",
                    r->time().sec, r->nanoseconds(), micros(bound).c_str(), micros(off).c_str(),
                    vmc::name(r->clock_status()) ? vmc::name(r->clock_status()) : "?");
      say("reader:", line);
      next_report = now + 500'000'000;
    }
    std::this_thread::sleep_for(1ms);
  }
}

#ifndef VRTC_VMCLOCK_HOST
std::string self_dir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<std::size_t>(n));
  return p.substr(0, p.rfind('/'));
}
#endif

/// The build tree's tools/vmclock-host when the build says where it is, else the one beside us.
std::string default_host_path() {
#ifdef VRTC_VMCLOCK_HOST
  return VRTC_VMCLOCK_HOST;
#else
  return self_dir() + "/vmclock-host";
#endif
}

int run(int argc, char** argv) {
  std::string host_path = default_host_path();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--host" && i + 1 < argc) {
      host_path = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::puts("usage: vmclock-demo [--host PATH-TO-vmclock-host]");
      return 0;
    } else {
      std::printf("vmclock-demo: unexpected argument %s\n", a.c_str());
      return 2;
    }
  }
  if (!vrtc::hardware_counter_available) {
    std::puts("vmclock-demo: no hardware counter on this platform");
    return 2;
  }
  const std::string dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  const std::string page_path = dir + "/vmclock-demo-" + std::to_string(::getpid());

  void* const mem = ::mmap(nullptr, sizeof(shared_state), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    std::printf("vmclock-demo: mmap: %s\n", std::strerror(errno));
    return 2;
  }
  auto* const s = new (mem) shared_state;

  say("demo:", "a software vmclock device and a reader in another process, " + std::to_string(rate_hz) +
                   " updates a second (one every " + millis(update_period_ns) + ")");
  const std::string rate = std::to_string(rate_hz);
  std::vector<const char*> host_argv = {host_path.c_str(), "--page", page_path.c_str(), "--rate", rate.c_str(),
                                        "--max-error-ns", max_error_ns, "--seed", "1", nullptr};
  pid_t host = 0;
  if (const int e = posix_spawn(&host, host_path.c_str(), nullptr, nullptr, const_cast<char* const*>(host_argv.data()),
                                environ);
      e != 0) {
    std::printf("vmclock-demo: cannot start %s: %s\n", host_path.c_str(), std::strerror(e));
    return 2;
  }
  const auto stop_host = [&](int sig) {
    ::kill(host, sig);
    int status = 0;
    ::waitpid(host, &status, 0);
    ::unlink(page_path.c_str());
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  };
  // The host publishes its first page within a few tens of milliseconds (calibration).
  bool ready = false;
  for (int i = 0; i < 300 && !ready; ++i) {
    ready = vmc::device_page::open(page_path).has_value();
    if (!ready) std::this_thread::sleep_for(10ms);
  }
  if (!ready) {
    std::printf("vmclock-demo: %s never published %s\n", host_path.c_str(), page_path.c_str());
    stop_host(SIGKILL);
    return 2;
  }

  std::fflush(stdout);
  const pid_t reader = ::fork();
  if (reader < 0) {
    stop_host(SIGTERM);
    return 2;
  }
  if (reader == 0) {
    reader_process(page_path, *s);
    std::fflush(stdout);
    ::_exit(0);
  }

  std::this_thread::sleep_for(700ms);
  say("demo:", "SIGUSR1 to vmclock-host: a live migration");
  s->migration_at = mono_ns();
  ::kill(host, SIGUSR1);
  std::this_thread::sleep_for(700ms);
  say("demo:", "SIGUSR2 to vmclock-host: a snapshot restore");
  s->restore_at = mono_ns();
  ::kill(host, SIGUSR2);
  std::this_thread::sleep_for(700ms);
  s->stop = true;
  int status = 0;
  ::waitpid(reader, &status, 0);
  const bool host_ok = stop_host(SIGTERM);

  const std::int64_t migration = s->migration_seen_after.load();
  const std::int64_t restore = s->restore_seen_after.load();
  const bool ok = !s->failed_to_open && s->readings > 0 && s->outside_bound == 0 && s->read_errors == 0 &&
                  s->unexpected_events == 0 && migration >= 0 && migration <= update_period_ns && restore >= 0 &&
                  restore <= update_period_ns && host_ok;
  char line[512];
  std::snprintf(line, sizeof line,
                "%" PRIu64 " readings, %" PRIu64 " outside the advertised bound of TAI (worst %s from it, "
                "bounds %s to %s); migration noticed %s, restore %s after the trigger (update period %s)",
                s->readings.load(), s->outside_bound.load(), micros(s->worst_offset_ns).c_str(),
                micros(s->min_bound_ns == UINT64_MAX ? 0 : s->min_bound_ns.load()).c_str(),
                micros(s->max_bound_ns).c_str(), migration < 0 ? "never" : millis(migration).c_str(),
                restore < 0 ? "never" : millis(restore).c_str(), millis(update_period_ns).c_str());
  say("result:", line);
  say("result:", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
