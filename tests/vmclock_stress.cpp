// Stress tests for the vmclock seqlock: a writer publishing as fast as it can against readers
// that check a cross-field invariant on every snapshot. A snapshot mixing two versions is a
// torn read; there must be none. Runs in the normal build (>= 10^7 reads) and, scaled down,
// under ThreadSanitizer, which checks that every access to the shared page is an atomic one
// (TSan does not model the standalone fences; the normal build exercises their ordering).
#include <vmclock/abi.hpp>
#include <vmclock/reader.hpp>
#include <vmclock/writer.hpp>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

namespace vmc = vrtc::vmclock;

#if defined(VRTC_TEST_SANITIZED)
constexpr std::uint64_t reads_per_reader = 100'000;
constexpr std::uint64_t cross_process_reads = 50'000;
#else
constexpr std::uint64_t reads_per_reader = 5'000'000;  // two readers: 10^7 reads
constexpr std::uint64_t cross_process_reads = 2'000'000;
#endif
constexpr auto time_limit = std::chrono::seconds(120);

/// Version k of the page: every protected field is a different function of k, so a snapshot
/// whose fields do not agree on one k mixes versions.
vmc::page_data version(std::uint64_t k) {
  vmc::page_data p;
  p.size = 0x1000;
  p.counter_id = vmc::counter_id::x86_tsc;
  p.time_type = vmc::time_type::tai;
  p.disruption_marker = k;
  p.flags = vmc::flag::vm_gen_counter_present | vmc::flag::time_maxerror_valid | vmc::flag::time_esterror_valid |
            ((k & 1) != 0 ? vmc::flag::tai_offset_valid : 0);
  p.clock_status = (k & 1) != 0 ? vmc::clock_status::synchronized : vmc::clock_status::freerunning;
  p.tai_offset_sec = static_cast<std::int16_t>(-static_cast<int>(k % 1000));
  p.leap_indicator = static_cast<vmc::leap_indicator>(k % 6);
  p.counter_period_shift = static_cast<std::uint8_t>(k % 64);
  p.counter_value = k * 0x9e3779b97f4a7c15;
  p.counter_period_frac_sec = 0;  // time = time_sec + time_frac_sec at every counter value
  p.counter_period_esterror_rate_frac_sec = ~k;
  p.counter_period_maxerror_rate_frac_sec = k << 3;
  p.time_sec = 1'700'000'000 + k;
  p.time_frac_sec = ~(k * 3);
  p.time_esterror_nanosec = k * 5;
  p.time_maxerror_nanosec = k * 7;
  p.vm_generation_counter = k + 11;
  return p;
}

/// Whether a snapshot is exactly version(k) for the k its marker names.
bool consistent(const vmc::page_data& snap) {
  auto expected = version(snap.disruption_marker);
  expected.seq_count = snap.seq_count;
  return snap == expected && snap.seq_count % 2 == 0;
}

/// The same check for a time reading (frozen clock: the time is time_sec/time_frac_sec).
bool consistent(const vmc::clock_reading& r) {
  const auto p = version(r.disruption_marker);
  return r.time == vrtc::fixed_time{p.time_sec, p.time_frac_sec} && r.max_error_ns == p.time_maxerror_nanosec &&
         r.est_error_ns == p.time_esterror_nanosec && r.vm_generation_counter == p.vm_generation_counter &&
         r.clock_status == p.clock_status && r.leap_indicator == p.leap_indicator && r.flags == p.flags;
}

struct reader_stats {
  std::uint64_t reads = 0;
  std::uint64_t torn = 0;
  std::uint64_t gave_up = 0;  ///< reads that hit the retry bound (allowed; counted apart)
  std::uint64_t versions_seen = 0;
};

/// Reads until `target` consistent-or-torn snapshots were taken, alternating a field snapshot
/// and a time reading, and checks that versions never go backwards.
reader_stats read_loop(const vmc::reader& r, std::uint64_t target, std::chrono::steady_clock::time_point end) {
  reader_stats s;
  std::uint64_t last = 0;
  while (s.reads < target && std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 256 && s.reads < target; ++i) {
      std::uint64_t marker = 0;
      if (i % 2 == 0) {
        const auto snap = r.read();
        if (!snap) {
          ++s.gave_up;
          continue;
        }
        ++s.reads;
        if (!consistent(*snap)) ++s.torn;
        marker = snap->disruption_marker;
      } else {
        const auto t = r.at(12345);
        if (!t) {
          ++s.gave_up;
          continue;
        }
        ++s.reads;
        if (!consistent(t->reading())) ++s.torn;
        marker = t->disruption_marker();
      }
      if (marker < last) ++s.torn;  // an older version after a newer one
      if (marker != last) ++s.versions_seen;
      last = marker;
    }
  }
  return s;
}

}  // namespace

TEST_CASE("threads on an ordinary buffer never see a torn snapshot", "[vmclock]") {
  alignas(64) static std::array<std::byte, 4096> page{};
  // The page is consistent before any reader starts: version 0 published under the seqlock.
  auto w = vmc::writer::create(page, version(0));
  REQUIRE(w.has_value());
  const auto r = vmc::reader::open(page);
  REQUIRE(r.has_value());

  std::atomic<bool> stop{false};
  std::uint64_t published = 0;
  std::thread writer([&] {
    std::uint64_t k = 0;
    while (!stop.load(std::memory_order_relaxed)) w->publish(version(++k));
    published = k;
  });
  const auto end = std::chrono::steady_clock::now() + time_limit;
  std::array<reader_stats, 2> stats{};
  std::vector<std::thread> readers;
  for (auto& s : stats) readers.emplace_back([&r, &s, end] { s = read_loop(*r, reads_per_reader, end); });
  for (auto& t : readers) t.join();
  stop.store(true, std::memory_order_relaxed);
  writer.join();

  std::uint64_t reads = 0, torn = 0, gave_up = 0, versions = 0;
  for (const auto& s : stats) {
    reads += s.reads;
    torn += s.torn;
    gave_up += s.gave_up;
    versions += s.versions_seen;
  }
  WARN("reads " << reads << ", torn " << torn << ", retry bound hit " << gave_up << ", versions published "
                << published << ", version changes seen " << versions);
  CHECK(torn == 0);
  CHECK(reads == 2 * reads_per_reader);
  CHECK(versions > 0);  // the readers really raced the writer
}

TEST_CASE("a reader process mapping the page read-only never sees a torn snapshot", "[vmclock]") {
  const int fd = memfd_create("vmclock-stress", 0);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, 4096) == 0);
  void* const rw = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(rw != MAP_FAILED);
  const std::span<std::byte> page(static_cast<std::byte*>(rw), 4096);
  auto w = vmc::writer::create(page, version(0));
  REQUIRE(w.has_value());

  int results[2];
  REQUIRE(pipe(results) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The reader: its own read-only mapping of the same memory. Only plain calls here, then _exit.
    close(results[0]);
    void* const ro = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
    std::uint64_t out[3] = {0, 0, 0};
    if (ro != MAP_FAILED) {
      const auto r = vmc::reader::open(std::span<const std::byte>(static_cast<const std::byte*>(ro), 4096));
      if (r) {
        const auto s = read_loop(*r, cross_process_reads, std::chrono::steady_clock::now() + time_limit);
        out[0] = s.reads;
        out[1] = s.torn;
        out[2] = s.versions_seen;
      }
    }
    const bool sent = write(results[1], out, sizeof out) == static_cast<ssize_t>(sizeof out);
    _exit(sent ? 0 : 1);
  }
  close(results[1]);

  // The writer: publish until the reader is done.
  std::uint64_t k = 0;
  int status = 0;
  pid_t done = 0;
  while (done == 0) {
    for (int i = 0; i < 1024; ++i) w->publish(version(++k));
    done = waitpid(child, &status, WNOHANG);
  }
  std::uint64_t got[3] = {0, 0, 0};
  const bool received = read(results[0], got, sizeof got) == static_cast<ssize_t>(sizeof got);
  close(results[0]);
  munmap(rw, 4096);
  close(fd);

  REQUIRE(done == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(received);
  WARN("cross-process reads " << got[0] << ", torn " << got[1] << ", versions published " << k
                              << ", version changes seen " << got[2]);
  CHECK(got[1] == 0);
  CHECK(got[0] == cross_process_reads);
  CHECK(got[2] > 0);
}
