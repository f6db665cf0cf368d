// vmclock-relay: gives a guest the vmclock page that vmclock-host publishes for the host, the
// way a hypervisor does — re-anchored for the guest's counter.
//
//   vmclock-relay --source PAGE --target FILE [--rounds N] [--timeout-s S]
//
// FILE (created, 8192 bytes) is what QEMU maps into the guest (memory-backend-file + ivshmem):
// its first page becomes the guest's vmclock page, its second page carries the counter
// handshake (counter_sync.hpp). The relay answers N handshake rounds (default 2000), takes the
// offset between host and guest counter from them (rounds that miss a common offset by more
// than --max-disagreement ticks, default 20000, mean the guest counter is not the host's minus
// a constant: an error; by less, the host CPUs' counters differ a little), then copies every new version of PAGE into
// FILE with counter_value moved to the guest's counter and the offset's uncertainty added to
// the time error bounds, until SIGTERM/SIGINT. Nothing else of the page is changed: markers,
// status and period reach the guest as vmclock-host wrote them.
//
// Meanwhile it answers the guest's verification rounds (counter_sync.hpp) with the host's TAI.
// --counter-offset N publishes with the offset N instead of the measured one (to see the
// guest's verification fail).
//
// Exit status: 0 after SIGTERM/SIGINT, 2 on any failure (message on stderr).
#include <vrtc/core/counter.hpp>
#include <vrtc/linux/host_tai.hpp>
#include <vmclock/abi.hpp>
#include <vmclock/reader.hpp>
#include <vmclock/writer.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "counter_sync.hpp"

namespace {

namespace vmc = vrtc::vmclock;
using namespace vrtc_guest;

volatile sig_atomic_t stop_requested = 0;
void on_stop(int) { stop_requested = 1; }

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "vmclock-relay: %s\n", message.c_str());
  std::exit(2);
}

[[gnu::format(printf, 1, 2)]] void say(const char* format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  std::printf("vmclock-relay: %s\n", line);
  std::fflush(stdout);
}

std::uint64_t parse_u64(std::string_view option, std::string_view text) {
  if (text.empty() || text.size() > 19) die("bad value for " + std::string(option));
  std::uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') die("bad value for " + std::string(option));
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

/// A shared mapping of a file, `bytes` long.
struct mapping {
  std::byte* base = nullptr;
  std::size_t length = 0;

  static mapping open(const std::string& path, std::size_t bytes, bool create) {
    const int fd = ::open(path.c_str(), create ? O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);
    if (fd < 0) die("cannot open " + path + ": " + std::strerror(errno));
    if (create && ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) die("cannot size " + path + ": " + std::strerror(errno));
    void* const p = ::mmap(nullptr, bytes, create ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) die("cannot map " + path + ": " + std::strerror(errno));
    return {static_cast<std::byte*>(p), bytes};
  }
};

/// The guest-visible handshake words.
class sync_page {
 public:
  explicit sync_page(std::byte* base) : words_(reinterpret_cast<std::uint64_t*>(base + sync_page_offset)) {}
  [[nodiscard]] std::uint64_t load(sync_word w) const {
    return std::atomic_ref<std::uint64_t>(words_[w]).load(std::memory_order_acquire);
  }
  void store(sync_word w, std::uint64_t v) const {
    std::atomic_ref<std::uint64_t>(words_[w]).store(v, std::memory_order_release);
  }

 private:
  std::uint64_t* words_;
};

std::uint64_t counter() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const std::uint64_t c = vrtc::read_hardware_counter();
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return c;
}

struct offset_estimate {
  std::uint64_t offset = 0;      ///< host counter - guest counter (mod 2^64)
  std::uint64_t half_width = 0;  ///< in ticks
  std::uint64_t rounds = 0;
  std::uint64_t narrowest = 0;   ///< the narrowest single round, ticks
  std::uint64_t disagreement = 0;  ///< by how much the rounds' intervals miss a common point
};

/// Runs the handshake. Offsets are kept relative to the first round's lower bound so that
/// wrap-around of the 64-bit difference cannot disorder them.
offset_estimate measure(const sync_page& sync, std::uint64_t rounds, std::uint64_t max_disagreement,
                        std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<std::uint64_t> base;
  std::int64_t lo = INT64_MIN;
  std::int64_t hi = INT64_MAX;
  std::uint64_t narrowest = UINT64_MAX;
  std::uint64_t spins_before_sleep = 0;
  for (std::uint64_t n = 1; n <= rounds; ++n) {
    const std::uint64_t h1 = counter();
    sync.store(request, n);
    for (;;) {
      if (sync.load(reply) == n) break;
      if (stop_requested) die("stopped during the handshake");
      if (std::chrono::steady_clock::now() > deadline)
        die("the guest did not answer handshake round " + std::to_string(n) + " in time");
      // The guest may not be running yet (booting): spin briefly, then sleep between looks.
      if (++spins_before_sleep > 20000) {
        const timespec pause{0, 200'000};
        nanosleep(&pause, nullptr);
      }
    }
    spins_before_sleep = 0;
    const std::uint64_t h2 = counter();
    const std::uint64_t g = sync.load(guest_counter);
    const std::uint64_t round_lo = h1 - g;
    if (!base) base = round_lo;
    const auto rel_lo = static_cast<std::int64_t>(round_lo - *base);
    const auto rel_hi = static_cast<std::int64_t>(h2 - g - *base);
    if (rel_hi < rel_lo) die("the host counter went backwards during a round");
    lo = std::max(lo, rel_lo);
    hi = std::min(hi, rel_hi);
    narrowest = std::min(narrowest, static_cast<std::uint64_t>(rel_hi - rel_lo));
    if (lo > hi && static_cast<std::uint64_t>(lo - hi) > max_disagreement) {
      sync.store(state, failed);
      die("round " + std::to_string(n) + " disagrees with the earlier ones by " + std::to_string(lo - hi) +
          " ticks: the guest counter is not the host counter minus a constant "
          "(a scaled TSC, or a counter the guest stepped)");
    }
  }
  if (lo <= hi) {  // one offset fits every round
    const auto width = static_cast<std::uint64_t>(hi - lo);
    return {*base + static_cast<std::uint64_t>(lo) + width / 2, (width + 1) / 2, rounds, narrowest, 0};
  }
  // The rounds miss each other by a little: the host's CPUs' counters differ by that much (the
  // relay and QEMU's vCPU thread need not run on the same CPU). The offset between the two
  // extremes is within that disagreement of every round.
  const auto gap = static_cast<std::uint64_t>(lo - hi);
  return {*base + static_cast<std::uint64_t>(hi) + gap / 2, gap, rounds, narrowest, gap};
}

// TAI from the same source vmclock-host publishes: CLOCK_TAI when the kernel knows its TAI
// offset, else CLOCK_REALTIME plus the leap-second table (CLOCK_TAI alone is UTC then).
std::uint64_t tai_ns() {
  static const auto source = vrtc::host_tai::detect();
  if (!source) throw std::runtime_error(std::string("no TAI on this host: ") + vrtc::to_string(source.error()));
  const auto t = source->now_ns();
  if (!t) throw std::runtime_error(std::string("TAI: ") + vrtc::to_string(t.error()));
  return *t;
}

/// Answers the guest's verification round, if it started one: the host's TAI before and after the
/// guest reads its clock.
void serve_verification(const sync_page& sync, std::uint64_t& answered) {
  const std::uint64_t n = sync.load(verify_request);
  if (n == answered) return;
  sync.store(verify_h1, tai_ns());
  sync.store(verify_ack, n);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sync.load(verify_done) != n) {
    if (stop_requested) return;
    if (std::chrono::steady_clock::now() > deadline) {
      // Never serve this round again: a fresh h1 could follow the guest's reading.
      sync.store(verify_result, n | abandoned_round);
      answered = n;
      return;
    }
  }
  sync.store(verify_h2, tai_ns());
  sync.store(verify_result, n);
  answered = n;
}

/// Nanoseconds that `ticks` counter ticks last at the page's period, rounded up.
std::uint64_t ticks_to_ns(const vmc::page_data& p, std::uint64_t ticks) {
  const long double period_s = std::ldexp(static_cast<long double>(p.counter_period_frac_sec),
                                          -(64 + static_cast<int>(p.counter_period_shift)));
  return static_cast<std::uint64_t>(std::ceil(static_cast<long double>(ticks) * period_s * 1e9L)) + 1;
}

vmc::page_data for_guest(vmc::page_data p, const offset_estimate& e) {
  p.counter_value -= e.offset;
  const std::uint64_t extra = ticks_to_ns(p, e.half_width);
  if (p.has_flag(vmc::flag::time_esterror_valid)) p.time_esterror_nanosec += extra;
  if (p.has_flag(vmc::flag::time_maxerror_valid)) p.time_maxerror_nanosec += extra;
  return p;
}

int run(int argc, char** argv) {
  std::optional<std::string> source_path;
  std::optional<std::string> target_path;
  std::uint64_t rounds = 2000;
  std::uint64_t timeout_s = 300;
  std::optional<std::uint64_t> forced_offset;
  std::uint64_t max_disagreement = 20000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::puts("usage: vmclock-relay --source PAGE --target FILE [--rounds N] [--timeout-s S] [--counter-offset N] [--max-disagreement TICKS]");
      return 0;
    }
    if (i + 1 >= argc) die(std::string(a) + " needs a value");
    const std::string_view v = argv[++i];
    if (a == "--source") source_path = std::string(v);
    else if (a == "--target") target_path = std::string(v);
    else if (a == "--rounds") rounds = parse_u64(a, v);
    else if (a == "--timeout-s") timeout_s = parse_u64(a, v);
    else if (a == "--counter-offset") forced_offset = parse_u64(a, v);
    else if (a == "--max-disagreement") max_disagreement = parse_u64(a, v);
    else die("unexpected argument: " + std::string(a));
  }
  if (!source_path || !target_path) die("--source and --target are required");
  if (rounds < 1) die("--rounds must be at least 1");

  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  const mapping target = mapping::open(*target_path, shared_bytes, true);
  const sync_page sync(target.base);
  sync.store(state, measuring);
  sync.store(magic, sync_magic);
  say("waiting for the guest's handshake (%s, offset %zu)", target_path->c_str(), sync_page_offset);

  offset_estimate e = measure(sync, rounds, max_disagreement, std::chrono::seconds(timeout_s));
  say("counter offset host - guest = %" PRIu64 " +- %" PRIu64 " ticks (%" PRIu64
      " rounds; narrowest round %" PRIu64 " ticks; %s %" PRIu64 " ticks)",
      e.offset, e.half_width, e.rounds, e.narrowest,
      e.disagreement == 0 ? "one offset fits all, within" : "they miss a common offset by", e.disagreement == 0 ? 2 * e.half_width : e.disagreement);
  if (forced_offset) {
    e.offset = *forced_offset;
    say("publishing with the counter offset %" PRIu64 " instead (--counter-offset)", e.offset);
  }

  const mapping source = mapping::open(*source_path, 4096, false);
  const auto source_reader = vmc::reader::open(std::span<const std::byte>(source.base, source.length));
  if (!source_reader) die(*source_path + ": " + std::string(vrtc::to_string(source_reader.error())));
  auto first = source_reader->read();
  if (!first) die(*source_path + ": " + std::string(vrtc::to_string(first.error())));
  auto writer = vmc::writer::create(std::span<std::byte>(target.base, 4096), for_guest(*first, e));
  if (!writer) die("cannot publish: " + std::string(vrtc::to_string(writer.error())));
  sync.store(offset, e.offset);
  sync.store(half_width, e.half_width);
  sync.store(state, anchored);
  say("publishing for the guest counter: disruption_marker %" PRIu64 ", time error +%" PRIu64 " ns",
      first->disruption_marker, ticks_to_ns(*first, e.half_width));

  std::uint32_t seen = first->seq_count;
  std::uint64_t marker = first->disruption_marker;
  std::uint64_t generation = first->vm_generation_counter;
  std::uint64_t verified = 0;
  while (!stop_requested) {
    const timespec pause{0, 200'000};
    nanosleep(&pause, nullptr);
    serve_verification(sync, verified);
    const std::uint32_t seq = __atomic_load_n(
        reinterpret_cast<const std::uint32_t*>(source.base + vmc::layout_of<&vmc::page_data::seq_count>.offset), __ATOMIC_ACQUIRE);
    if (seq == seen) continue;
    const auto page = source_reader->read();
    if (!page) continue;  // mid-update for too long, or the host stopped: try again
    seen = page->seq_count;
    writer->publish(for_guest(*page, e));
    if (page->disruption_marker != marker || page->vm_generation_counter != generation) {
      marker = page->disruption_marker;
      generation = page->vm_generation_counter;
      say("relayed disruption_marker %" PRIu64 ", vm_generation_counter %" PRIu64, marker, generation);
    }
  }
  say("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    die(e.what());
  }
}
